// Command-level tests of the set commands. Expected replies are redis-server 7.0.15's bytes;
// replies from hashtable-encoded sets are unordered in Redis, so those compare sorted members.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "server/test_session.h"

namespace cachet::server {
namespace {

using namespace std::chrono_literals;

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

// A RESP2 array of bulk strings, in order.
std::string bulks(const std::vector<std::string>& items, char type = '*') {
  std::string out = type + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  return out;
}

using Members = std::vector<std::string>;

TEST_F(CommandsTest, SaddSremAndIntsetOrder) {
  EXPECT_EQ(run({"SADD", "s", "3", "1", "2", "-5", "70000", "1"}), ":5\r\n");
  EXPECT_EQ(run({"SMEMBERS", "s"}), bulks({"-5", "1", "2", "3", "70000"}));
  EXPECT_EQ(run({"SCARD", "s"}), ":5\r\n");
  EXPECT_EQ(run({"SISMEMBER", "s", "70000"}), ":1\r\n");
  EXPECT_EQ(run({"SISMEMBER", "s", "070000"}), ":0\r\n");
  EXPECT_EQ(run({"SMISMEMBER", "s", "1", "9", "-5"}), "*3\r\n:1\r\n:0\r\n:1\r\n");
  EXPECT_EQ(run({"SREM", "s", "9", "1", "-5"}), ":2\r\n");
  EXPECT_EQ(run({"SMEMBERS", "s"}), bulks({"2", "3", "70000"}));
  EXPECT_EQ(run({"SREM", "s", "2", "3", "70000"}), ":3\r\n");
  EXPECT_EQ(run({"EXISTS", "s"}), ":0\r\n");  // an emptied set is deleted
  EXPECT_EQ(run({"SADD", "j", "9223372036854775807", "-9223372036854775808", "0", "32767", "-32768",
                 "32768", "2147483648"}),
            ":7\r\n");
  EXPECT_EQ(run({"SMEMBERS", "j"}), bulks({"-9223372036854775808", "-32768", "0", "32767", "32768",
                                           "2147483648", "9223372036854775807"}));
}

TEST_F(CommandsTest, SetMissingKeysAndWrongType) {
  run({"SET", "str", "x"});
  for (auto cmd : std::vector<std::vector<std::string>>{
           {"SADD", "str", "a"},
           {"SREM", "str", "a"},
           {"SMEMBERS", "str"},
           {"SISMEMBER", "str", "a"},
           {"SMISMEMBER", "str", "a"},
           {"SCARD", "str"},
           {"SPOP", "str"},
           {"SPOP", "str", "1"},
           {"SPOP", "str", "0"},
           {"SRANDMEMBER", "str"},
           {"SRANDMEMBER", "str", "0"},
           {"SINTER", "nokey", "str"},
           {"SINTER", "str", "nokey"},
           {"SUNION", "nokey", "str"},
           {"SDIFF", "nokey", "str"},
           {"SDIFF", "str", "nokey"},
           {"SINTERSTORE", "d", "nokey", "str"},
           {"SUNIONSTORE", "d", "nokey", "str"},
           {"SDIFFSTORE", "d", "nokey", "str"},
           {"SINTERCARD", "2", "nokey", "str"},
           {"SMOVE", "str", "nokey", "1"},
           {"SSCAN", "str", "0"},
           {"SSCAN", "str", "0", "COUNT", "0"},
       }) {
    EXPECT_EQ(run(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(run({"SMEMBERS", "nokey"}), "*0\r\n");
  EXPECT_EQ(run({"SCARD", "nokey"}), ":0\r\n");
  EXPECT_EQ(run({"SISMEMBER", "nokey", "a"}), ":0\r\n");
  EXPECT_EQ(run({"SMISMEMBER", "nokey", "a", "b"}), "*2\r\n:0\r\n:0\r\n");
  EXPECT_EQ(run({"SREM", "nokey", "a"}), ":0\r\n");
  EXPECT_EQ(run({"SPOP", "nokey"}), "$-1\r\n");
  EXPECT_EQ(run({"SPOP", "nokey", "2"}), "*0\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "nokey"}), "$-1\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "nokey", "5"}), "*0\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "nokey", "-5"}), "*0\r\n");
  EXPECT_EQ(run({"SMOVE", "nokey", "str", "1"}), ":0\r\n");  // a missing source wins
  EXPECT_EQ(run({"SADD"}), "-ERR wrong number of arguments for 'sadd' command\r\n");
  EXPECT_EQ(run({"SMISMEMBER", "s"}),
            "-ERR wrong number of arguments for 'smismember' command\r\n");
  EXPECT_EQ(run({"SMOVE", "a", "b"}), "-ERR wrong number of arguments for 'smove' command\r\n");
}

TEST_F(CommandsTest, SpopAndSrandmemberCounts) {
  run({"SADD", "s", "1", "2", "3"});
  const std::string positive = "-ERR value is out of range, must be positive\r\n";
  EXPECT_EQ(run({"SPOP", "s", "-1"}), positive);
  EXPECT_EQ(run({"SPOP", "s", "abc"}), positive);
  EXPECT_EQ(run({"SPOP", "s", "1", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SPOP", "s", "0"}), "*0\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "s", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "s", "abc"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "s", "1", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "s", "0"}), "*0\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "s", "10"}), bulks({"1", "2", "3"}));  // whole intset, in order
  std::string repeats = run({"SRANDMEMBER", "s", "-50"});
  EXPECT_EQ(repeats.substr(0, 5), "*50\r\n");
  for (const std::string& m : sorted_members(repeats)) EXPECT_TRUE(m >= "1" && m <= "3") << m;
  EXPECT_EQ(sorted_members(run({"SRANDMEMBER", "s", "2"})).size(), 2u);
  std::string one = run({"SRANDMEMBER", "s"});
  EXPECT_TRUE(one == "$1\r\n1\r\n" || one == "$1\r\n2\r\n" || one == "$1\r\n3\r\n") << one;
  std::string popped = run({"SPOP", "s"});
  EXPECT_EQ(run({"SCARD", "s"}), ":2\r\n");
  EXPECT_EQ(run({"SISMEMBER", "s", popped.substr(4, 1)}), ":0\r\n");
  std::string rest = run({"SPOP", "s", "5"});  // covers the set: all of it, deleted
  EXPECT_EQ(sorted_members(rest).size(), 2u);
  EXPECT_EQ(run({"EXISTS", "s"}), ":0\r\n");
}

TEST_F(CommandsTest, SrandmemberDistinctOnLargerSets) {
  std::vector<std::string> sadd = {"SADD", "s"};
  for (int i = 0; i < 1000; ++i) sadd.push_back("m" + std::to_string(i));
  run(sadd);
  for (const char* count : {"1", "10", "400", "999"}) {
    Members got = sorted_members(run({"SRANDMEMBER", "s", count}));
    EXPECT_EQ(got.size(), std::stoul(count));
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size());
  }
  EXPECT_EQ(sorted_members(run({"SRANDMEMBER", "s", "5000"})).size(), 1000u);
  EXPECT_EQ(sorted_members(run({"SPOP", "s", "300"})).size(), 300u);
  EXPECT_EQ(run({"SCARD", "s"}), ":700\r\n");
}

TEST_F(CommandsTest, Smove) {
  run({"SADD", "s", "1", "2", "3"});
  run({"SET", "str", "x"});
  EXPECT_EQ(run({"SMOVE", "s", "str", "1"}), kWrongType);
  EXPECT_EQ(run({"SMOVE", "s", "s", "1"}), ":1\r\n");
  EXPECT_EQ(run({"SMOVE", "s", "s", "9"}), ":0\r\n");
  EXPECT_EQ(run({"SMOVE", "s", "d", "9"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "d"}), ":0\r\n");
  EXPECT_EQ(run({"SMOVE", "s", "d", "1"}), ":1\r\n");
  EXPECT_EQ(run({"SMEMBERS", "d"}), bulks({"1"}));
  run({"SADD", "d", "2"});
  EXPECT_EQ(run({"SMOVE", "s", "d", "2"}), ":1\r\n");  // already there: only removed from s
  EXPECT_EQ(run({"SMOVE", "s", "d", "3"}), ":1\r\n");
  EXPECT_EQ(run({"EXISTS", "s"}), ":0\r\n");
  EXPECT_EQ(run({"SMEMBERS", "d"}), bulks({"1", "2", "3"}));
}

TEST_F(CommandsTest, SinterSunionSdiff) {
  run({"SADD", "s", "1", "2", "3"});
  run({"SADD", "t", "2", "3", "4", "a"});
  EXPECT_EQ(run({"SINTER", "s", "t"}), bulks({"2", "3"}));
  EXPECT_EQ(run({"SINTER", "t", "s"}), bulks({"2", "3"}));
  EXPECT_EQ(run({"SINTER", "s", "nokey"}), "*0\r\n");
  EXPECT_EQ(sorted_members(run({"SUNION", "s", "t"})), (Members{"1", "2", "3", "4", "a"}));
  EXPECT_EQ(run({"SUNION", "s", "nokey", "s"}), bulks({"1", "2", "3"}));
  EXPECT_EQ(run({"SDIFF", "s", "t"}), bulks({"1"}));
  EXPECT_EQ(sorted_members(run({"SDIFF", "t", "s"})), (Members{"4", "a"}));
  EXPECT_EQ(run({"SDIFF", "nokey", "s"}), "*0\r\n");
  EXPECT_EQ(run({"SDIFF", "s", "nokey"}), bulks({"1", "2", "3"}));
  // An all-integer result comes out as an intset would hold it, whatever the sources' order.
  std::vector<std::string> big = {"SADD", "big"};
  for (int i = 20; i >= -1; --i) big.push_back(std::to_string(i));
  run(big);
  run({"SADD", "sc", "5", "1", "3", "x"});
  EXPECT_EQ(sorted_members(run({"SINTER", "big", "sc"})), (Members{"1", "3", "5"}));
  EXPECT_EQ(run({"SDIFF", "sc", "big"}), bulks({"x"}));
  run({"SREM", "sc", "x"});
  EXPECT_EQ(run({"SUNION", "sc", "s"}), bulks({"1", "2", "3", "5"}));
}

TEST_F(CommandsTest, SetStoreCommands) {
  run({"SADD", "s", "1", "2", "3"});
  run({"SADD", "t", "2", "3", "4", "a"});
  run({"SET", "str", "x"});
  EXPECT_EQ(run({"SINTERSTORE", "str", "s", "nokey"}), ":0\r\n");  // empty: deleted, any type
  EXPECT_EQ(run({"TYPE", "str"}), "+none\r\n");
  run({"SET", "str", "x"});
  EXPECT_EQ(run({"SINTERSTORE", "str", "s", "t"}), ":2\r\n");
  EXPECT_EQ(run({"TYPE", "str"}), "+set\r\n");
  EXPECT_EQ(run({"SMEMBERS", "str"}), bulks({"2", "3"}));
  EXPECT_EQ(run({"SUNIONSTORE", "u", "s", "t"}), ":5\r\n");
  EXPECT_EQ(sorted_members(run({"SMEMBERS", "u"})), (Members{"1", "2", "3", "4", "a"}));
  EXPECT_EQ(run({"SDIFFSTORE", "dd", "s", "t"}), ":1\r\n");
  EXPECT_EQ(run({"SMEMBERS", "dd"}), bulks({"1"}));
  EXPECT_EQ(run({"SUNIONSTORE", "s", "s", "s"}), ":3\r\n");  // destination among the sources
  EXPECT_EQ(run({"SMEMBERS", "s"}), bulks({"1", "2", "3"}));
  EXPECT_EQ(run({"SDIFFSTORE", "s", "s", "s"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "s"}), ":0\r\n");
  run({"SADD", "e", "1"});
  run({"EXPIRE", "e", "100"});
  EXPECT_EQ(run({"SUNIONSTORE", "e", "t"}), ":4\r\n");
  EXPECT_EQ(run({"TTL", "e"}), ":-1\r\n");  // a new key
}

TEST_F(CommandsTest, Sintercard) {
  run({"SADD", "s", "1", "2", "3"});
  run({"SADD", "t", "2", "3", "4", "a"});
  run({"SET", "str", "x"});
  const std::string numkeys = "-ERR numkeys should be greater than 0\r\n";
  const std::string too_many = "-ERR Number of keys can't be greater than number of args\r\n";
  const std::string negative = "-ERR LIMIT can't be negative\r\n";
  EXPECT_EQ(run({"SINTERCARD", "0", "s"}), numkeys);
  EXPECT_EQ(run({"SINTERCARD", "-1", "s"}), numkeys);
  EXPECT_EQ(run({"SINTERCARD", "x", "s"}), numkeys);
  EXPECT_EQ(run({"SINTERCARD", "3", "s", "t"}), too_many);
  EXPECT_EQ(run({"SINTERCARD", "9223372036854775807", "s"}), too_many);
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "t", "LIMIT", "-1"}), negative);
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "t", "LIMIT", "x"}), negative);
  EXPECT_EQ(run({"SINTERCARD", "2", "str", "t", "LIMIT", "-1"}), negative);  // before the keys
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "t", "FOO", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "t", "LIMIT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SINTERCARD", "1", "s", "s"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "t"}), ":2\r\n");
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "t", "LIMIT", "1"}), ":1\r\n");
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "t", "LIMIT", "0"}), ":2\r\n");
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "t", "LIMIT", "1", "LIMIT", "2"}), ":2\r\n");
  EXPECT_EQ(run({"SINTERCARD", "2", "s", "nokey"}), ":0\r\n");
  EXPECT_EQ(run({"SINTERCARD", "1", "s"}), ":3\r\n");
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"}),
            bulks({"a", "b"}));
}

TEST_F(CommandsTest, Sscan) {
  run({"SET", "str", "x"});
  const std::string empty = "*2\r\n$1\r\n0\r\n*0\r\n";
  EXPECT_EQ(run({"SSCAN", "str", "x"}), "-ERR invalid cursor\r\n");  // the cursor comes first
  EXPECT_EQ(run({"SSCAN", "nokey", "0", "COUNT", "0"}), empty);      // options only for a set
  EXPECT_EQ(run({"SSCAN", "nokey", "0", "FOO"}), empty);
  EXPECT_EQ(run({"SSCAN", "nokey", "18446744073709551615"}), empty);
  EXPECT_EQ(run({"SSCAN", "nokey", "18446744073709551616"}), "-ERR invalid cursor\r\n");
  run({"SADD", "sc", "5", "1", "3"});
  EXPECT_EQ(run({"SSCAN", "sc", "0"}), "*2\r\n$1\r\n0\r\n" + bulks({"1", "3", "5"}));
  EXPECT_EQ(run({"SSCAN", "sc", "5"}), "*2\r\n$1\r\n0\r\n" + bulks({"1", "3", "5"}));
  EXPECT_EQ(run({"SSCAN", "sc", "0", "MATCH", "[35]", "COUNT", "1"}),
            "*2\r\n$1\r\n0\r\n" + bulks({"3", "5"}));
  EXPECT_EQ(run({"SSCAN", "sc", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SSCAN", "sc", "0", "COUNT", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"SSCAN", "sc", "0", "TYPE", "string"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SSCAN", "sc", "0", "MATCH"}), "-ERR syntax error\r\n");
  // A table-encoded set, in several steps.
  std::vector<std::string> sadd = {"SADD", "big"};
  for (int i = 0; i < 2000; ++i) sadd.push_back("m" + std::to_string(i));
  run(sadd);
  std::set<std::string> seen;
  std::string cursor = "0";
  int steps = 0;
  do {
    std::string reply = run({"SSCAN", "big", cursor, "COUNT", "50"});
    size_t start = reply.find("\r\n", 4) + 2;  // past "*2\r\n$n\r\n"
    cursor = reply.substr(start, reply.find("\r\n", start) - start);
    Members got = sorted_members(reply.substr(reply.find("\r\n", start) + 2));
    seen.insert(got.begin(), got.end());
    ++steps;
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_GT(steps, 10);
}

TEST_F(CommandsTest, SetRepliesInResp3) {
  session_.protocol = 3;
  run({"SADD", "s", "1", "2", "3"});
  EXPECT_EQ(run({"SMEMBERS", "s"}), bulks({"1", "2", "3"}, '~'));
  EXPECT_EQ(run({"SMEMBERS", "nokey"}), "~0\r\n");
  EXPECT_EQ(run({"SINTER", "s"}), bulks({"1", "2", "3"}, '~'));
  EXPECT_EQ(run({"SUNION", "s", "nokey"}), bulks({"1", "2", "3"}, '~'));
  EXPECT_EQ(run({"SDIFF", "s"}), bulks({"1", "2", "3"}, '~'));
  EXPECT_EQ(run({"SINTER", "nokey", "s"}), "~0\r\n");
  EXPECT_EQ(run({"SMISMEMBER", "s", "1", "5"}), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "s", "10"}), bulks({"1", "2", "3"}));  // an array, not a set
  EXPECT_EQ(run({"SRANDMEMBER", "s", "0"}), "*0\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "nokey", "5"}), "*0\r\n");
  EXPECT_EQ(run({"SRANDMEMBER", "nokey"}), "_\r\n");
  EXPECT_EQ(run({"SPOP", "nokey"}), "_\r\n");
  EXPECT_EQ(run({"SPOP", "s", "0"}), "~0\r\n");
  EXPECT_EQ(run({"SPOP", "nokey", "2"}), "~0\r\n");
  EXPECT_EQ(run({"SPOP", "s", "1"}).substr(0, 4), "~1\r\n");
  EXPECT_EQ(run({"SPOP", "s", "5"}).substr(0, 4), "~2\r\n");
}

TEST_F(CommandsTest, SetKeyspaceCommands) {
  run({"SADD", "j", "1", "a"});
  EXPECT_EQ(run({"TYPE", "j"}), "+set\r\n");
  EXPECT_EQ(run({"EXPIRE", "j", "100"}), ":1\r\n");
  EXPECT_EQ(run({"TTL", "j"}), ":100\r\n");
  EXPECT_EQ(run({"RENAME", "j", "j2"}), "+OK\r\n");
  EXPECT_EQ(sorted_members(run({"SMEMBERS", "j2"})), (Members{"1", "a"}));
  EXPECT_EQ(run({"TTL", "j2"}), ":100\r\n");
  EXPECT_EQ(run({"SADD", "j2", "b"}), ":1\r\n");
  clock_.advance(100s);
  EXPECT_EQ(run({"SCARD", "j2"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "j2"}), ":0\r\n");
  std::vector<std::string> sadd = {"SADD", "t"};
  for (int i = 0; i < 1000; ++i) sadd.push_back("m" + std::to_string(i));
  run(sadd);
  EXPECT_EQ(run({"RENAME", "t", "t2"}), "+OK\r\n");
  EXPECT_EQ(run({"SCARD", "t2"}), ":1000\r\n");
  EXPECT_EQ(run({"DEL", "t2"}), ":1\r\n");
  EXPECT_EQ(run({"EXISTS", "t2"}), ":0\r\n");
}

TEST_F(CommandsTest, SetNoOpWritesLeaveWatchClean) {
  run({"SADD", "s", "1", "a"});
  run({"WATCH", "s"});
  run({"SADD", "s", "1"});
  run({"SREM", "s", "zz"});
  run({"SMOVE", "s", "s", "1"});
  run({"SINTERSTORE", "nothing", "s", "nokey"});
  run({"SPOP", "s", "0"});
  run({"MULTI"});
  run({"PING"});
  EXPECT_EQ(run({"EXEC"}), "*1\r\n+PONG\r\n");
  run({"WATCH", "s"});
  run({"SADD", "s", "2"});
  run({"MULTI"});
  run({"PING"});
  EXPECT_EQ(run({"EXEC"}), "*-1\r\n");
}

TEST_F(CommandsTest, MillionMemberSadd) {
  std::vector<std::string> sadd = {"SADD", "k"};
  sadd.reserve(1'000'002);
  for (int i = 0; i < 1'000'000; ++i) sadd.push_back("m" + std::to_string(i));
  EXPECT_EQ(run(sadd), ":1000000\r\n");
  EXPECT_EQ(run({"SCARD", "k"}), ":1000000\r\n");
  EXPECT_EQ(run({"SISMEMBER", "k", "m999999"}), ":1\r\n");
  EXPECT_EQ(run({"SISMEMBER", "k", "m1000000"}), ":0\r\n");
  Members popped = sorted_members(run({"SPOP", "k", "999990"}));
  EXPECT_EQ(popped.size(), 999'990u);
  EXPECT_EQ(std::adjacent_find(popped.begin(), popped.end()), popped.end());
  EXPECT_EQ(run({"SCARD", "k"}), ":10\r\n");
  EXPECT_EQ(run({"SISMEMBER", "k", popped[0]}), ":0\r\n");
  EXPECT_EQ(sorted_members(run({"SPOP", "k", "10"})).size(), 10u);
  EXPECT_EQ(run({"EXISTS", "k"}), ":0\r\n");
}

}  // namespace
}  // namespace cachet::server
