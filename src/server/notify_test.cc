// Keyspace notifications in process: every command family's events, their names and order, byte
// for byte as Redis 7.0.15 publishes them (each sequence checked against redis-server with a
// psubscriber on '__key*__:*'), the class and K/E filters, and the events the store raises itself:
// new keys, key misses, lazy and active expiry (injected clock) and eviction.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/test_session.h"

namespace cachet::server {
namespace {

using namespace std::chrono_literals;

std::string bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

// What a RESP2 subscriber to the pattern '__key*__:*' receives for one message.
std::string pmessage(std::string_view channel, std::string_view message) {
  return "*4\r\n" + bulk("pmessage") + bulk("__key*__:*") + bulk(channel) + bulk(message);
}

// One event (key, event name) in database `db`, as both channels carry it: keyspace, keyevent.
struct Event {
  std::string key, event;
  int db = 0;
};

std::string keyspace(const Event& e) {
  return pmessage("__keyspace@" + std::to_string(e.db) + "__:" + e.key, e.event);
}
std::string keyevent(const Event& e) {
  return pmessage("__keyevent@" + std::to_string(e.db) + "__:" + e.event, e.key);
}

// The messages of `events` in order, with notify-keyspace-events K and E both set.
std::string both(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) out += keyspace(e) + keyevent(e);
  return out;
}

class NotifyTest : public CommandsTest {
 protected:
  NotifyTest() {
    listen(watcher_, inbox_);
    run_as(watcher_, {"PSUBSCRIBE", "__key*__:*"});
    inbox_.clear();
    events("KEA");
  }

  void events(const std::string& flags) {
    ASSERT_EQ(run({"CONFIG", "SET", "notify-keyspace-events", flags}), "+OK\r\n");
  }

  // The messages delivered since the last call.
  std::string take() { return std::exchange(inbox_, {}); }

  Session watcher_;
  std::string inbox_;
};

TEST_F(NotifyTest, NothingIsPublishedWhileNotificationsAreOff) {
  events("");
  run({"SET", "a", "1"});
  run({"DEL", "a"});
  run({"GET", "a"});
  EXPECT_EQ(take(), "");
}

TEST_F(NotifyTest, StringWrites) {
  run({"SET", "a", "1", "EX", "100"});
  EXPECT_EQ(take(), both({{"a", "set"}, {"a", "expire"}}));
  run({"SET", "a", "2", "NX"});  // not set: nothing
  run({"INCRBY", "n", "5"});
  run({"DECR", "n"});
  run({"INCRBYFLOAT", "n", "1.5"});
  EXPECT_EQ(take(), both({{"n", "incrby"}, {"n", "incrby"}, {"n", "incrbyfloat"}}));
  run({"APPEND", "s", "x"});
  run({"SETRANGE", "s", "3", "y"});
  run({"MSET", "s", "1", "t", "2"});
  run({"GETDEL", "t"});
  run({"GETEX", "s", "PX", "100000"});
  run({"GETEX", "s", "PERSIST"});
  run({"SETEX", "u", "10", "v"});
  EXPECT_EQ(take(), both({{"s", "append"},
                          {"s", "setrange"},
                          {"s", "set"},
                          {"t", "set"},
                          {"t", "del"},
                          {"s", "expire"},
                          {"s", "persist"},
                          {"u", "set"},
                          {"u", "expire"}}));
}

TEST_F(NotifyTest, GenericKeyCommands) {
  run({"SET", "a", "1"});
  run({"SET", "b", "1"});
  take();
  run({"DEL", "a", "b", "missing"});
  EXPECT_EQ(take(), both({{"a", "del"}, {"b", "del"}}));
  run({"SET", "a", "1"});
  run({"EXPIRE", "a", "100"});
  run({"PERSIST", "a"});
  run({"RENAME", "a", "b"});
  run({"EXPIRE", "b", "-1"});  // a time in the past deletes
  EXPECT_EQ(take(), both({{"a", "set"},
                          {"a", "expire"},
                          {"a", "persist"},
                          {"a", "rename_from"},
                          {"b", "rename_to"},
                          {"b", "del"}}));
  run({"SET", "a", "1"});
  run({"MOVE", "a", "1"});
  run({"COPY", "a", "c", "DB", "0"});  // nothing left here to copy
  run({"SELECT", "1"});
  run({"COPY", "a", "c", "DB", "2"});
  EXPECT_EQ(take(),
            both({{"a", "set"}, {"a", "move_from"}, {"a", "move_to", 1}, {"c", "copy_to", 2}}));
}

TEST_F(NotifyTest, NewKeysWithTheNClassOnly) {
  events("KEAn");
  run({"SET", "a", "1"});
  run({"SET", "a", "2"});
  run({"LPUSH", "l", "x"});
  // RENAME and COPY ... REPLACE delete the destination and add it anew.
  run({"RENAME", "l", "a"});
  run({"COPY", "a", "b"});
  run({"COPY", "a", "b", "REPLACE"});
  EXPECT_EQ(take(), both({{"a", "new"},
                          {"a", "set"},
                          {"a", "set"},
                          {"l", "new"},
                          {"l", "lpush"},
                          {"a", "new"},
                          {"l", "rename_from"},
                          {"a", "rename_to"},
                          {"b", "new"},
                          {"b", "copy_to"},
                          {"b", "new"},
                          {"b", "copy_to"}}));
  events("Kn");  // n alone is the only class: keyspace channel only
  run({"SET", "z", "1"});
  EXPECT_EQ(take(), keyspace({"z", "new"}));
}

TEST_F(NotifyTest, HashesAndTheDelOfAnEmptiedContainer) {
  run({"HSET", "h", "a", "1", "b", "2"});
  run({"HSETNX", "h", "a", "3"});  // not set: nothing
  run({"HINCRBY", "h", "n", "1"});
  run({"HINCRBYFLOAT", "h", "f", "1.5"});
  run({"HDEL", "h", "zz"});  // nothing removed: nothing
  run({"HDEL", "h", "a", "b"});
  run({"HDEL", "h", "n", "f"});
  EXPECT_EQ(take(), both({{"h", "hset"},
                          {"h", "hincrby"},
                          {"h", "hincrbyfloat"},
                          {"h", "hdel"},
                          {"h", "hdel"},
                          {"h", "del"}}));
}

TEST_F(NotifyTest, Lists) {
  run({"RPUSH", "l", "a", "b", "c"});
  run({"LPUSHX", "missing", "a"});
  run({"LSET", "l", "0", "z"});
  run({"LINSERT", "l", "BEFORE", "z", "y"});
  run({"LREM", "l", "0", "y"});
  run({"LPOP", "l", "0"});  // nothing popped: nothing
  run({"LTRIM", "l", "0", "0"});
  EXPECT_EQ(take(),
            both({{"l", "rpush"}, {"l", "lset"}, {"l", "linsert"}, {"l", "lrem"}, {"l", "ltrim"}}));
  // A move raises the push on the destination before the pop (and del) of the source.
  run({"RPOPLPUSH", "l", "d"});
  run({"LMPOP", "1", "d", "RIGHT"});
  EXPECT_EQ(take(),
            both({{"d", "lpush"}, {"l", "rpop"}, {"l", "del"}, {"d", "rpop"}, {"d", "del"}}));
}

TEST_F(NotifyTest, ABlockedPopServedByAnotherClientsPush) {
  session_.info = std::make_shared<ClientInfo>();
  session_.info->id = 7;
  std::string delivered;
  session_.deliver = [&](std::string reply) {
    session_.waiter.reset();
    delivered += reply;
  };
  EXPECT_EQ(run({"BLPOP", "q", "0"}), "");
  Session other;
  other.authenticated = true;
  run_as(other, {"LPUSH", "q", "job"});
  EXPECT_EQ(delivered, "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
  EXPECT_EQ(take(), both({{"q", "lpush"}, {"q", "lpop"}, {"q", "del"}}));
}

TEST_F(NotifyTest, SetsAndTheirStoreForms) {
  run({"SADD", "a", "1", "2"});
  run({"SADD", "b", "2", "3"});
  run({"SREM", "a", "zz"});  // nothing removed: nothing
  run({"SINTERSTORE", "d", "a", "b"});
  run({"SUNIONSTORE", "d", "a", "b"});
  run({"SDIFFSTORE", "d", "a", "a"});  // empty: the destination is deleted
  run({"SMOVE", "a", "b", "1"});
  EXPECT_EQ(take(), both({{"a", "sadd"},
                          {"b", "sadd"},
                          {"d", "sinterstore"},
                          {"d", "sunionstore"},
                          {"d", "del"},
                          {"a", "srem"},
                          {"b", "sadd"}}));
  run({"SPOP", "a"});
  EXPECT_EQ(take(), both({{"a", "spop"}, {"a", "del"}}));
}

TEST_F(NotifyTest, SortedSetsGeoAndSort) {
  run({"ZADD", "z", "1", "a", "2", "b"});
  run({"ZADD", "z", "1", "a"});  // unchanged: nothing
  run({"ZINCRBY", "z", "2", "a"});
  run({"ZUNIONSTORE", "u", "1", "z"});
  run({"ZREMRANGEBYSCORE", "u", "0", "10"});
  run({"ZPOPMIN", "z", "5"});
  EXPECT_EQ(take(), both({{"z", "zadd"},
                          {"z", "zincr"},
                          {"u", "zunionstore"},
                          {"u", "zremrangebyscore"},
                          {"u", "del"},
                          {"z", "zpopmin"},
                          {"z", "del"}}));
  run({"GEOADD", "g", "13.361389", "38.115556", "Palermo"});
  run({"GEOSEARCHSTORE", "gs", "g", "FROMLONLAT", "13", "38", "BYRADIUS", "100", "km"});
  run({"GEORADIUS", "g", "13", "38", "100", "km", "STORE", "gr"});
  run({"SORT", "g", "ALPHA", "STORE", "s"});
  EXPECT_EQ(
      take(),
      both(
          {{"g", "zadd"}, {"gs", "geosearchstore"}, {"gr", "georadiusstore"}, {"s", "sortstore"}}));
}

TEST_F(NotifyTest, BitmapsAndHyperLogLogs) {
  run({"SETBIT", "b", "3", "1"});
  run({"SETBIT", "b", "3", "1"});  // unchanged: nothing
  run({"BITFIELD", "b", "SET", "u8", "0", "5"});
  run({"BITOP", "NOT", "n", "b"});
  run({"BITOP", "AND", "n", "missing"});  // empty: deleted
  run({"PFADD", "p", "x"});
  run({"PFADD", "p", "x"});  // unchanged: nothing
  run({"PFMERGE", "m", "p"});
  EXPECT_EQ(take(), both({{"b", "setbit"},
                          {"b", "setbit"},
                          {"n", "set"},
                          {"n", "del"},
                          {"p", "pfadd"},
                          {"m", "pfadd"}}));
}

TEST_F(NotifyTest, ATransactionRaisesItsCommandsEvents) {
  run({"MULTI"});
  run({"SET", "a", "1"});
  run({"INCR", "a"});
  run({"DEL", "a"});
  EXPECT_EQ(take(), "");
  run({"EXEC"});
  EXPECT_EQ(take(), both({{"a", "set"}, {"a", "incrby"}, {"a", "del"}}));
}

TEST_F(NotifyTest, ClassesAndChannelKindsFilter) {
  events("Kg");  // generic events, keyspace channel only
  run({"SET", "a", "1"});
  run({"DEL", "a"});
  EXPECT_EQ(take(), keyspace({"a", "del"}));
  events("El");  // list events, keyevent channel only
  run({"SET", "a", "1"});
  run({"LPUSH", "l", "x"});
  run({"LPOP", "l"});
  EXPECT_EQ(take(), keyevent({"l", "lpush"}) + keyevent({"l", "lpop"}));
  events("A");  // classes without a channel kind: nothing
  run({"SET", "a", "2"});
  EXPECT_EQ(take(), "");
}

TEST_F(NotifyTest, KeyMissesOfReadsWithTheMClass) {
  run({"GET", "x"});
  EXPECT_EQ(take(), "");  // m is not part of A
  events("KEAm");
  run({"GET", "x"});
  run({"MGET", "x", "y"});
  run({"EXISTS", "x"});
  run({"TYPE", "x"});
  run({"LPUSH", "l", "a"});  // a write's lookup misses nothing
  run({"SINTER", "l2", "s"});
  EXPECT_EQ(take(), both({{"x", "keymiss"},
                          {"x", "keymiss"},
                          {"y", "keymiss"},
                          {"x", "keymiss"},
                          {"x", "keymiss"},
                          {"l", "lpush"},
                          {"l2", "keymiss"},
                          {"s", "keymiss"}}));
}

TEST_F(NotifyTest, ALookupOfAnExpiredKeyRaisesExpiredThenKeyMiss) {
  events("KEAm");
  run({"SET", "a", "1", "PX", "100"});
  take();
  clock_.advance(200ms);
  EXPECT_EQ(run({"GET", "a"}), "$-1\r\n");
  EXPECT_EQ(take(), both({{"a", "expired"}, {"a", "keymiss"}}));
  // A write over an expired key: expired, then (with n) the key is new again.
  events("KEAn");
  run({"SET", "b", "1", "PXAT", "1"});  // set, and expired from then on
  run({"MSET", "b", "2"});
  EXPECT_EQ(take(), both({{"b", "new"},
                          {"b", "set"},
                          {"b", "expire"},
                          {"b", "expired"},
                          {"b", "new"},
                          {"b", "set"}}));
}

TEST_F(NotifyTest, TheActiveExpirySweepRaisesExpired) {
  run({"SET", "a", "1", "PX", "100"});
  run({"SELECT", "3"});
  run({"SET", "b", "1", "PX", "100"});
  take();
  clock_.advance(200ms);
  EXPECT_EQ(instance_.store().active_expire(0, 1, std::chrono::seconds(1)), 2u);
  EXPECT_EQ(take(), both({{"a", "expired"}, {"b", "expired", 3}}));
}

TEST_F(NotifyTest, EvictionRaisesEvicted) {
  run({"SET", "a", "1"});
  run({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"});
  run({"CONFIG", "SET", "maxmemory", "1"});
  take();
  run({"SET", "b", "2"});  // evicts every key first, then is refused
  EXPECT_EQ(take(), both({{"a", "evicted"}}));
}

TEST_F(NotifyTest, ASubscribedResp3ClientGetsItsOwnEventsWhereRedisWritesThem) {
  std::string own;
  listen(session_, own);
  session_.protocol = 3;
  run({"PSUBSCRIBE", "__keyspace@0__:*"});
  std::string push = ">4\r\n" + bulk("pmessage") + bulk("__keyspace@0__:*");
  // SET raises its event before replying, HSET after.
  EXPECT_EQ(run({"SET", "a", "1"}), push + bulk("__keyspace@0__:a") + bulk("set") + "+OK\r\n");
  EXPECT_EQ(run({"HSET", "h", "f", "v"}),
            ":1\r\n" + push + bulk("__keyspace@0__:h") + bulk("hset"));
}

}  // namespace
}  // namespace cachet::server
