// Command-level tests of SORT and SORT_RO. Expected replies are redis-server 7.0.15's bytes;
// where Redis replies a hashtable set in its iteration order (BY nosort without STORE), the tests
// compare sorted members, as that order is not cachet's.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "server/test_session.h"
#include "store/store.h"
#include "store/zset.h"

namespace cachet::server {
namespace {

using Words = std::vector<std::string>;

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const std::string kNotNumber = "-ERR One or more scores can't be converted into double\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";
const std::string kNotInteger = "-ERR value is not an integer or out of range\r\n";

// A RESP2 array of bulk strings, in order.
std::string bulks(const Words& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  return out;
}

class SortTest : public CommandsTest {
 protected:
  // Sorted sets are built through the store (this file does not depend on ZADD).
  void zadd(const std::string& key, const std::vector<std::pair<double, std::string>>& elements) {
    store::Store& s = instance_.store();
    uint64_t hash = store::hash_key(key);
    store::Locked lock = s.lock(session_.db, hash);
    store::Shard& shard = lock.shard(hash);
    store::Entry* e = shard.lookup_write(key, hash, s.now());
    if (e == nullptr) {
      e = shard.put(key, hash, "", 0);
      store::zset::init(e);
    }
    for (const auto& [score, member] : elements) store::zset::add(shard, e, member, score);
  }

  // LRANGE key 0 -1
  std::string stored(const std::string& key) { return run({"LRANGE", key, "0", "-1"}); }
};

TEST_F(SortTest, ListNumericAlphaAndDirection) {
  run({"RPUSH", "l", "3", "1", "2", "10", "1.5"});
  EXPECT_EQ(run({"SORT", "l"}), bulks({"1", "1.5", "2", "3", "10"}));
  EXPECT_EQ(run({"SORT", "l", "DESC"}), bulks({"10", "3", "2", "1.5", "1"}));
  EXPECT_EQ(run({"SORT", "l", "ALPHA"}), bulks({"1", "1.5", "10", "2", "3"}));
  EXPECT_EQ(run({"sort", "l", "alpha", "desc"}), bulks({"3", "2", "10", "1.5", "1"}));
  EXPECT_EQ(run({"SORT", "l", "DESC", "ASC"}), bulks({"1", "1.5", "2", "3", "10"}));
  EXPECT_EQ(run({"SORT_RO", "l", "ALPHA", "DESC"}), bulks({"3", "2", "10", "1.5", "1"}));
}

TEST_F(SortTest, LimitIsClampedAsRedisDoes) {
  run({"RPUSH", "l", "3", "1", "2", "10", "1.5"});
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "1", "2"}), bulks({"1.5", "2"}));
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "-1", "2"}), bulks({"1", "1.5"}));
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "1", "-1"}), bulks({"1.5", "2", "3", "10"}));
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "5", "1"}), "*0\r\n");
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "4", "100"}), bulks({"10"}));
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "0", "0"}), "*0\r\n");
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "2", "9223372036854775807"}), bulks({"2", "3", "10"}));
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "9223372036854775807", "9223372036854775807"}), "*0\r\n");
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "-9223372036854775808", "-9223372036854775808"}),
            bulks({"1", "1.5", "2", "3", "10"}));
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "0", "1", "LIMIT", "1", "2"}), bulks({"1.5", "2"}));
  EXPECT_EQ(run({"SORT", "nokey", "LIMIT", "1", "1"}), "*0\r\n");
}

TEST_F(SortTest, ArgumentErrors) {
  run({"RPUSH", "l", "1"});
  run({"SET", "str", "x"});
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "a", "1"}), kNotInteger);
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "1", "a"}), kNotInteger);
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "+1", "1"}), kNotInteger);
  EXPECT_EQ(run({"SORT", "l", "LIMIT", " 1", "1"}), kNotInteger);
  for (const Words& cmd : std::vector<Words>{{"SORT", "l", "LIMIT", "1"},
                                             {"SORT", "l", "foo"},
                                             {"SORT", "l", "STORE"},
                                             {"SORT", "l", "BY"},
                                             {"SORT", "l", "GET"},
                                             {"SORT_RO", "l", "STORE", "d"},
                                             {"SORT", "str", "foo"}}) {
    EXPECT_EQ(run(cmd), kSyntax) << cmd[2];
  }
  EXPECT_EQ(run({"SORT", "str", "LIMIT", "a", "b"}), kNotInteger);  // options before the type
  EXPECT_EQ(run({"EXISTS", "d"}), ":0\r\n");
  EXPECT_EQ(run({"SORT"}), "-ERR wrong number of arguments for 'sort' command\r\n");
  EXPECT_EQ(run({"SORT_RO"}), "-ERR wrong number of arguments for 'sort_ro' command\r\n");
}

TEST_F(SortTest, MissingKeyAndWrongType) {
  EXPECT_EQ(run({"SORT", "nokey"}), "*0\r\n");
  EXPECT_EQ(run({"SORT_RO", "nokey"}), "*0\r\n");
  EXPECT_EQ(run({"SORT", "nokey", "BY", "w_*", "GET", "#"}), "*0\r\n");
  EXPECT_EQ(run({"SORT", "nokey", "STORE", "d"}), ":0\r\n");
  run({"SET", "str", "x"});
  run({"HSET", "h", "a", "b"});
  EXPECT_EQ(run({"SORT", "str"}), kWrongType);
  EXPECT_EQ(run({"SORT_RO", "str"}), kWrongType);
  EXPECT_EQ(run({"SORT", "h", "STORE", "d"}), kWrongType);
  EXPECT_EQ(run({"EXISTS", "d"}), ":0\r\n");
}

TEST_F(SortTest, NumbersAreReadAsStrtodReadsThem) {
  run({"RPUSH", "l", "1", "a", "2"});
  EXPECT_EQ(run({"SORT", "l"}), kNotNumber);
  EXPECT_EQ(run({"SORT", "l", "STORE", "d"}), kNotNumber);
  EXPECT_EQ(run({"EXISTS", "d"}), ":0\r\n");  // nothing stored
  EXPECT_EQ(run({"SORT", "l", "ALPHA"}), bulks({"1", "2", "a"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort"}), bulks({"1", "a", "2"}));
  for (const char* bad : {"1 ", "nan", "1e400", "1e-400", "1e-310", "0x"}) {
    run({"DEL", "b"});
    run({"RPUSH", "b", bad, "1"});
    EXPECT_EQ(run({"SORT", "b"}), kNotNumber) << bad;
  }
  run({"RPUSH", "n", "0x1p3", "4", "inf", "-inf", "+5", ".5", "5.", " 7", "\t6", "", "-Infinity"});
  EXPECT_EQ(run({"SORT", "n"}),
            bulks({"-Infinity", "-inf", "", ".5", "4", "+5", "5.", "\t6", " 7", "0x1p3", "inf"}));
  // Equal numbers are ordered by their bytes (reversed too by DESC).
  run({"RPUSH", "ones", "1", "01", "1.0", "+1", "1e0"});
  EXPECT_EQ(run({"SORT", "ones"}), bulks({"+1", "01", "1", "1.0", "1e0"}));
  EXPECT_EQ(run({"SORT", "ones", "DESC"}), bulks({"1e0", "1.0", "1", "01", "+1"}));
  // strtod stops at a NUL byte.
  run({"RPUSH", "nul", std::string("1\0zz", 4), "0", std::string("-1\0", 3)});
  EXPECT_EQ(run({"SORT", "nul"}), bulks({std::string("-1\0", 3), "0", std::string("1\0zz", 4)}));
}

TEST_F(SortTest, AlphaComparesCStringsUnlessStoring) {
  const std::string ac("a\0c", 3), ab("a\0b", 3), aa("a\0a", 3);
  run({"RPUSH", "l", ac, ab, "a", "b", aa});
  // strcoll sees "a" in all of the first four: they tie and keep their order.
  EXPECT_EQ(run({"SORT", "l", "ALPHA"}), bulks({ac, ab, "a", aa, "b"}));
  EXPECT_EQ(run({"SORT", "l", "ALPHA", "DESC"}), bulks({"b", ac, ab, "a", aa}));
  EXPECT_EQ(run({"SORT", "l", "ALPHA", "STORE", "x"}), ":5\r\n");
  EXPECT_EQ(stored("x"), bulks({"a", aa, ab, ac, "b"}));
  EXPECT_EQ(run({"SORT", "l", "ALPHA", "DESC", "STORE", "x"}), ":5\r\n");
  EXPECT_EQ(stored("x"), bulks({"b", ac, ab, aa, "a"}));
  // Bytes compare unsigned.
  run({"RPUSH", "u", "a", "B", "\x80", "\xff", "\xc3\xa9", "~", "0", "\x01"});
  EXPECT_EQ(run({"SORT", "u", "ALPHA"}),
            bulks({"\x01", "0", "B", "a", "~", "\x80", "\xc3\xa9", "\xff"}));
}

TEST_F(SortTest, ByPatterns) {
  run({"RPUSH", "l", "a", "b", "c", "d"});
  run({"MSET", "w_a", "3", "w_b", "1", "w_c", "2"});
  run({"HSET", "h_a", "f", "30", "g", "x"});
  run({"HSET", "h_b", "f", "10"});
  run({"HSET", "h_d", "f", "5"});
  // A missing BY key sorts as 0 (ties broken by the elements).
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*"}), bulks({"d", "b", "c", "a"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*", "DESC"}), bulks({"a", "c", "b", "d"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*", "ALPHA"}), bulks({"d", "b", "c", "a"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "h_*->f"}), bulks({"c", "d", "b", "a"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "h_*->f", "ALPHA"}), bulks({"c", "b", "a", "d"}));
  // ALPHA: missing BY values first, ties in load order.
  EXPECT_EQ(run({"SORT", "l", "BY", "h_*->g", "ALPHA"}), bulks({"b", "c", "d", "a"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "h_*->g", "ALPHA", "DESC"}), bulks({"a", "b", "c", "d"}));
  EXPECT_EQ(run({"SORT", "l", "ALPHA", "BY", "w_*", "LIMIT", "0", "2"}), bulks({"d", "b"}));
  // A key of the wrong type (a hash for a string pattern, a string for a field) is missing.
  EXPECT_EQ(run({"SORT", "l", "BY", "h_*", "DESC"}), bulks({"d", "c", "b", "a"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*->f", "DESC"}), bulks({"d", "c", "b", "a"}));
  run({"MSET", "a", "9", "b", "8", "c", "7", "d", "6"});
  EXPECT_EQ(run({"SORT", "l", "BY", "*"}), bulks({"d", "c", "b", "a"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "*", "DESC", "LIMIT", "0", "2"}), bulks({"a", "b"}));
  // The last BY with a '*' is the one sorted by.
  EXPECT_EQ(run({"SORT", "l", "BY", "*", "BY", "w_*"}), bulks({"d", "b", "c", "a"}));
  run({"RPUSH", "bad", "x"});
  run({"SET", "w_x", "abc"});
  EXPECT_EQ(run({"SORT", "bad", "BY", "w_*"}), kNotNumber);
  EXPECT_EQ(run({"SORT", "bad", "BY", "w_*", "ALPHA"}), bulks({"x"}));
}

TEST_F(SortTest, ByWithoutStarDoesNotSort) {
  run({"RPUSH", "l", "3", "1", "2", "10", "1.5"});
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort"}), bulks({"3", "1", "2", "10", "1.5"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort", "DESC"}), bulks({"1.5", "10", "2", "1", "3"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort", "LIMIT", "1", "2"}), bulks({"1", "2"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"}), bulks({"10", "2"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "4", "2"}), bulks({"3"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "10", "2"}), "*0\r\n");
  EXPECT_EQ(run({"SORT", "l", "BY", "#"}), bulks({"3", "1", "2", "10", "1.5"}));
  // Once a BY without '*' is seen, nothing is sorted, whatever BY follows.
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort", "BY", "w_*"}), bulks({"3", "1", "2", "10", "1.5"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*", "BY", "nosort"}), bulks({"3", "1", "2", "10", "1.5"}));
  // Nothing is converted to a number either.
  run({"RPUSH", "bad", "1", "a", "2"});
  EXPECT_EQ(run({"SORT", "bad", "BY", "nosort", "STORE", "d"}), ":3\r\n");
  EXPECT_EQ(stored("d"), bulks({"1", "a", "2"}));
}

TEST_F(SortTest, GetPatterns) {
  run({"RPUSH", "l", "a", "b", "c", "d"});
  run({"MSET", "w_a", "3", "w_b", "1", "w_c", "2"});
  run({"HSET", "h_a", "f", "30"});
  run({"HSET", "h_b", "f", "10"});
  run({"HSET", "h_d", "f", "5"});
  EXPECT_EQ(run({"SORT", "l", "GET", "#"}), kNotNumber);  // GET does not change what is sorted
  EXPECT_EQ(
      run({"SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "h_*->f", "GET", "h_*->"}),
      "*16\r\n$1\r\nd\r\n$-1\r\n$1\r\n5\r\n$-1\r\n$1\r\nb\r\n$1\r\n1\r\n$2\r\n10\r\n$-1\r\n"
      "$1\r\nc\r\n$1\r\n2\r\n$-1\r\n$-1\r\n$1\r\na\r\n$1\r\n3\r\n$2\r\n30\r\n$-1\r\n");
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*", "GET", "nostar"}), "*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort", "GET", "w_*->f", "GET", "h_*"}),
            "*8\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(run({"SORT", "l", "ALPHA", "LIMIT", "1", "2", "GET", "w_*", "GET", "#"}),
            bulks({"1", "b", "2", "c"}));
  // "##" and "#*" are no "#": the latter names the key "#" + element.
  run({"SET", "#a", "st"});
  EXPECT_EQ(run({"SORT", "l", "ALPHA", "LIMIT", "0", "1", "GET", "##", "GET", "#*"}),
            "*2\r\n$-1\r\n$2\r\nst\r\n");
  // "->" with nothing after it is part of the key name.
  run({"SET", "w_a->", "ha"});
  EXPECT_EQ(run({"SORT", "l", "ALPHA", "LIMIT", "0", "2", "GET", "w_*->"}),
            "*2\r\n$2\r\nha\r\n$-1\r\n");
  session_.protocol = 3;
  EXPECT_EQ(run({"SORT", "l", "BY", "nosort", "LIMIT", "0", "2", "GET", "w_*", "GET", "x*"}),
            "*4\r\n$1\r\n3\r\n_\r\n$1\r\n1\r\n_\r\n");
}

TEST_F(SortTest, PatternsWithNulBytes) {
  run({"RPUSH", "l", "1", "2", "3"});
  run({"SET", "k_1", std::string("v\0b", 3)});
  run({"SET", "k_2", std::string("v\0a", 3)});
  run({"SET", "k_3", "v"});
  EXPECT_EQ(run({"SORT", "l", "BY", "k_*", "ALPHA"}), bulks({"1", "2", "3"}));  // all "v"
  EXPECT_EQ(run({"SORT", "l", "BY", "k_*", "ALPHA", "STORE", "y"}), ":3\r\n");
  EXPECT_EQ(stored("y"), bulks({"3", "2", "1"}));  // whole bytes when storing
  // '#', '*' and "->" are found as in C strings; the bytes after a NUL stay in the names.
  EXPECT_EQ(run({"SORT", "l", "GET", std::string("#\0zz", 4)}), bulks({"1", "2", "3"}));
  EXPECT_EQ(run({"SORT", "l", "GET", std::string("k_*\0zz", 6)}), "*3\r\n$-1\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(run({"SORT", "l", "GET", std::string("k\0_*", 4)}), "*3\r\n$-1\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(run({"SORT", "l", "DESC", "BY", std::string("k\0_*", 4)}), bulks({"3", "2", "1"}));
  run({"HSET", "hh_1", std::string("f\0x", 3), "5", "f", "7"});
  run({"HSET", "hh_2", "f->g", "8"});
  run({"SET", "hh_1->", "zz"});
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "0", "2", "GET", std::string("hh_*->f\0x", 9)}),
            "*2\r\n$1\r\n5\r\n$-1\r\n");
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "0", "2", "GET", "hh_*->f->g"}), "*2\r\n$-1\r\n$1\r\n8\r\n");
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "0", "2", "GET", "hh_*->"}), "*2\r\n$2\r\nzz\r\n$-1\r\n");
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "0", "2", "GET", "->hh_*->f"}), "*2\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "0", "2", "GET", std::string("hh_*\0->f", 8)}),
            "*2\r\n$-1\r\n$-1\r\n");
}

TEST_F(SortTest, Store) {
  run({"RPUSH", "l", "3", "1", "2"});
  run({"MSET", "w_1", "x", "w_3", "z"});
  EXPECT_EQ(run({"SORT", "l", "STORE", "d"}), ":3\r\n");
  EXPECT_EQ(stored("d"), bulks({"1", "2", "3"}));
  // GET values, a missing one stored as "".
  EXPECT_EQ(run({"SORT", "l", "GET", "w_*", "GET", "#", "STORE", "d"}), ":6\r\n");
  EXPECT_EQ(stored("d"), bulks({"x", "1", "", "2", "z", "3"}));
  // Any type is replaced, the TTL dropped; the last STORE wins.
  run({"SET", "k", "v"});
  run({"EXPIRE", "k", "100"});
  EXPECT_EQ(run({"SORT", "l", "DESC", "STORE", "x", "STORE", "k"}), ":3\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(stored("k"), bulks({"3", "2", "1"}));
  EXPECT_EQ(run({"EXISTS", "x"}), ":0\r\n");
  // The source may be the destination.
  EXPECT_EQ(run({"SORT", "l", "STORE", "l"}), ":3\r\n");
  EXPECT_EQ(stored("l"), bulks({"1", "2", "3"}));
  // An empty result deletes the destination.
  EXPECT_EQ(run({"SORT", "nokey", "STORE", "k"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "k"}), ":0\r\n");
  EXPECT_EQ(run({"SORT", "l", "LIMIT", "5", "1", "STORE", "d"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "d"}), ":0\r\n");
  session_.protocol = 3;
  EXPECT_EQ(run({"SORT", "l", "STORE", "d"}), ":3\r\n");
}

TEST_F(SortTest, StoreSignalsWatchers) {
  run({"RPUSH", "l", "2", "1"});
  run({"WATCH", "d"});
  run({"SORT", "l", "STORE", "d"});
  run({"MULTI"});
  run({"PING"});
  EXPECT_EQ(run({"EXEC"}), "*-1\r\n");
  run({"DEL", "d"});
  run({"WATCH", "d"});
  run({"SORT", "nokey", "STORE", "d"});  // deletes nothing: no change
  run({"MULTI"});
  run({"PING"});
  EXPECT_EQ(run({"EXEC"}), "*1\r\n+PONG\r\n");
}

TEST_F(SortTest, Sets) {
  run({"SADD", "s", "5", "3", "9", "1"});
  EXPECT_EQ(run({"SORT", "s"}), bulks({"1", "3", "5", "9"}));
  EXPECT_EQ(run({"SORT", "s", "DESC"}), bulks({"9", "5", "3", "1"}));
  // BY nosort: the set's own order (an intset's is ascending), DESC ignored.
  EXPECT_EQ(run({"SORT", "s", "BY", "nosort"}), bulks({"1", "3", "5", "9"}));
  EXPECT_EQ(run({"SORT", "s", "BY", "nosort", "DESC"}), bulks({"1", "3", "5", "9"}));
  EXPECT_EQ(run({"SORT", "s", "BY", "nosort", "LIMIT", "1", "2"}), bulks({"3", "5"}));
  run({"SADD", "s2", "b", "a", "c", "10", "9"});
  EXPECT_EQ(run({"SORT", "s2", "ALPHA"}), bulks({"10", "9", "a", "b", "c"}));
  EXPECT_EQ(run({"SORT", "s2", "ALPHA", "DESC", "LIMIT", "1", "3"}), bulks({"b", "a", "9"}));
  EXPECT_EQ(run({"SORT", "s2"}), kNotNumber);
  EXPECT_EQ(sorted_members(run({"SORT", "s2", "BY", "nosort"})), (Words{"10", "9", "a", "b", "c"}));
  // Storing a set unsorted would store its iteration order: Redis sorts it by bytes instead.
  EXPECT_EQ(run({"SORT", "s2", "BY", "nosort", "STORE", "d"}), ":5\r\n");
  EXPECT_EQ(stored("d"), bulks({"10", "9", "a", "b", "c"}));
  EXPECT_EQ(run({"SORT", "s2", "BY", "nosort", "DESC", "STORE", "d"}), ":5\r\n");
  EXPECT_EQ(stored("d"), bulks({"c", "b", "a", "9", "10"}));
  EXPECT_EQ(run({"SORT", "s2", "BY", "nosort", "LIMIT", "1", "2", "STORE", "d"}), ":2\r\n");
  EXPECT_EQ(stored("d"), bulks({"9", "a"}));
  run({"MSET", "w_b", "10", "w_a", "20", "w_c", "5"});
  EXPECT_EQ(run({"SORT", "s2", "BY", "w_*"}), bulks({"10", "9", "c", "b", "a"}));
  EXPECT_EQ(run({"SORT_RO", "s2", "BY", "w_*", "LIMIT", "3", "2", "GET", "w_*", "GET", "#"}),
            bulks({"10", "b", "20", "a"}));
  // A hashtable-encoded set.
  Words sadd = {"SADD", "big"};
  for (int i = 0; i < 300; ++i) sadd.push_back("m" + std::to_string(i));
  run(sadd);
  EXPECT_EQ(run({"SORT", "big", "ALPHA", "LIMIT", "0", "3"}), bulks({"m0", "m1", "m10"}));
  EXPECT_EQ(run({"SORT", "big", "BY", "nosort", "STORE", "d"}), ":300\r\n");
  EXPECT_EQ(run({"LRANGE", "d", "0", "2"}), bulks({"m0", "m1", "m10"}));
}

TEST_F(SortTest, SortedSets) {
  zadd("z", {{1, "c"}, {2, "a"}, {3, "b"}, {3, "d"}});
  EXPECT_EQ(run({"SORT", "z", "ALPHA"}), bulks({"a", "b", "c", "d"}));
  EXPECT_EQ(run({"SORT", "z"}), kNotNumber);  // numeric on the members, not the scores
  // BY nosort: score order, DESC from the end, LIMIT over that order.
  EXPECT_EQ(run({"SORT", "z", "BY", "nosort"}), bulks({"c", "a", "b", "d"}));
  EXPECT_EQ(run({"SORT", "z", "BY", "nosort", "DESC"}), bulks({"d", "b", "a", "c"}));
  EXPECT_EQ(run({"SORT", "z", "BY", "nosort", "LIMIT", "1", "2"}), bulks({"a", "b"}));
  EXPECT_EQ(run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"}), bulks({"b", "a"}));
  EXPECT_EQ(run({"SORT", "z", "BY", "nosort", "LIMIT", "3", "10"}), bulks({"d"}));
  EXPECT_EQ(run({"SORT", "z", "BY", "nosort", "LIMIT", "4", "10"}), "*0\r\n");
  EXPECT_EQ(run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "-5", "2"}), bulks({"d", "b"}));
  zadd("zn", {{5, "10"}, {1, "2"}, {3, "3"}});
  EXPECT_EQ(run({"SORT", "zn"}), bulks({"2", "3", "10"}));
  EXPECT_EQ(run({"SORT", "zn", "DESC", "LIMIT", "0", "2"}), bulks({"10", "3"}));
  EXPECT_EQ(run({"SORT", "zn", "BY", "nosort", "STORE", "d"}), ":3\r\n");
  EXPECT_EQ(stored("d"), bulks({"2", "3", "10"}));
  run({"MSET", "w_c", "1", "w_a", "2"});
  EXPECT_EQ(
      run({"SORT_RO", "z", "BY", "w_*", "DESC", "GET", "#", "GET", "w_*"}),
      "*8\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\nd\r\n$-1\r\n$1\r\nb\r\n$-1\r\n");
  // A tree-encoded sorted set.
  std::vector<std::pair<double, std::string>> many;
  for (int i = 0; i < 300; ++i) many.emplace_back(i, "m" + std::to_string(i));
  zadd("big", many);
  EXPECT_EQ(run({"SORT", "big", "BY", "nosort", "DESC", "LIMIT", "5", "3"}),
            bulks({"m294", "m293", "m292"}));
  EXPECT_EQ(run({"SORT", "big", "BY", "nosort", "LIMIT", "298", "5"}), bulks({"m298", "m299"}));
  EXPECT_EQ(run({"SORT", "big", "ALPHA", "DESC", "LIMIT", "0", "2"}), bulks({"m99", "m98"}));
}

// BY and GET keys spread over every shard: the sort must hold them all (see sort_locked).
TEST_F(SortTest, PatternKeysInManyShards) {
  Words rpush = {"RPUSH", "l"}, mset = {"MSET"};
  Words expected_by, expected_get;
  for (int i = 0; i < 500; ++i) {
    rpush.push_back(std::to_string(i));
    mset.push_back("w_" + std::to_string(i));
    mset.push_back(std::to_string(1000 - i));
    mset.push_back("g_" + std::to_string(i));
    mset.push_back("v" + std::to_string(i));
  }
  for (int i = 499; i >= 0; --i) {
    expected_by.push_back(std::to_string(i));
    expected_get.push_back("v" + std::to_string(i));
  }
  run(rpush);
  run(mset);
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*"}), bulks(expected_by));
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*", "GET", "g_*"}), bulks(expected_get));
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*", "LIMIT", "0", "3", "GET", "g_*"}),
            bulks({"v499", "v498", "v497"}));
  EXPECT_EQ(run({"SORT", "l", "BY", "w_*", "GET", "g_*", "STORE", "d"}), ":500\r\n");
  EXPECT_EQ(stored("d"), bulks(expected_get));
  // Inside EXEC every shard is already held.
  run({"MULTI"});
  run({"SORT", "l", "BY", "w_*", "LIMIT", "0", "2", "GET", "g_*"});
  EXPECT_EQ(run({"EXEC"}), "*1\r\n" + bulks({"v499", "v498"}));
}

TEST_F(SortTest, KeysAndCommandInfo) {
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "SORT", "l", "STORE", "a", "GET", "x", "BY", "y", "STORE",
                 "b", "LIMIT", "1", "2"}),
            bulks({"l", "b"}));
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "SORT", "l", "LIMIT", "store", "x"}), bulks({"l"}));
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "SORT", "l", "STORE"}), bulks({"l"}));
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "SORT_RO", "l", "GET", "x"}), bulks({"l"}));
  // Redis's flags and (first, last, step); COMMAND INFO's ACL categories differ (see the report).
  EXPECT_TRUE(run({"COMMAND", "INFO", "sort"})
                  .starts_with("*1\r\n*10\r\n$4\r\nsort\r\n:-2\r\n*3\r\n+write\r\n+denyoom\r\n"
                               "+movablekeys\r\n:1\r\n:1\r\n:1\r\n"));
  EXPECT_TRUE(run({"COMMAND", "INFO", "sort_ro"})
                  .starts_with("*1\r\n*10\r\n$7\r\nsort_ro\r\n:-2\r\n*2\r\n+readonly\r\n"
                               "+movablekeys\r\n:1\r\n:1\r\n:1\r\n"));
}

}  // namespace
}  // namespace cachet::server
