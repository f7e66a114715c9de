// Command-level tests of the sorted-set commands. Expected replies are redis-server 7.0.15's bytes
// (RESP2 unless a test switches to RESP3).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "server/test_session.h"

namespace cachet::server {
namespace {

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";
const std::string kNotInteger = "-ERR value is not an integer or out of range\r\n";
const std::string kNotFloat = "-ERR value is not a valid float\r\n";
const std::string kRangeNotFloat = "-ERR min or max is not a float\r\n";
const std::string kBadLex = "-ERR min or max not valid string range item\r\n";

std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

// A RESP2 array of bulk strings, in order (members, or members and scores flat).
std::string bulks(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += bulk(s);
  return out;
}

// A RESP3 array of [member, score] pairs (scores as written in RESP3 doubles).
std::string pairs(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& [m, s] : items) out += "*2\r\n" + bulk(m) + "," + s + "\r\n";
  return out;
}

class ZsetsTest : public CommandsTest {
 protected:
  // Loads the sorted set `key` with a=1 b=2 c=3 d=4 e=5.
  void abcde(const std::string& key = "z") {
    ASSERT_EQ(run({"ZADD", key, "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}), ":5\r\n");
  }
  // The whole sorted set, flat with scores.
  std::string all(const std::string& key) { return run({"ZRANGE", key, "0", "-1", "WITHSCORES"}); }
};

// ---- ZADD ZINCRBY

TEST_F(ZsetsTest, ZaddAddsUpdatesAndOrdersTiesByMember) {
  EXPECT_EQ(run({"ZADD", "z", "2", "b", "1", "c", "1", "a"}), ":3\r\n");
  EXPECT_EQ(all("z"), bulks({"a", "1", "c", "1", "b", "2"}));
  EXPECT_EQ(run({"ZADD", "z", "5", "a", "6", "x"}), ":1\r\n");  // counts only the new
  EXPECT_EQ(run({"ZADD", "z", "CH", "5", "a", "7", "b", "1", "y"}), ":2\r\n");
  EXPECT_EQ(run({"ZCARD", "z"}), ":5\r\n");
  EXPECT_EQ(run({"ZCARD", "missing"}), ":0\r\n");
}

TEST_F(ZsetsTest, ZaddConditions) {
  EXPECT_EQ(run({"ZADD", "z", "1", "a", "5", "b"}), ":2\r\n");
  EXPECT_EQ(run({"ZADD", "z", "NX", "9", "a", "3", "c"}), ":1\r\n");
  EXPECT_EQ(run({"ZADD", "z", "XX", "CH", "2", "a", "4", "d"}), ":1\r\n");
  EXPECT_EQ(run({"ZSCORE", "z", "d"}), "$-1\r\n");
  EXPECT_EQ(run({"ZADD", "z", "GT", "CH", "1", "a", "6", "b"}), ":1\r\n");
  EXPECT_EQ(run({"ZADD", "z", "LT", "CH", "9", "c", "0", "c"}), ":1\r\n");
  EXPECT_EQ(all("z"), bulks({"c", "0", "a", "2", "b", "6"}));
  EXPECT_EQ(run({"ZADD", "z", "xx", "gt", "ch", "3", "c", "7", "new"}), ":1\r\n");
  EXPECT_EQ(run({"ZADD", "missing", "XX", "1", "a"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "missing"}), ":0\r\n");
}

TEST_F(ZsetsTest, ZaddIncrAndZincrby) {
  EXPECT_EQ(run({"ZADD", "z", "INCR", "1.5", "a"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(run({"ZINCRBY", "z", "2", "a"}), "$3\r\n3.5\r\n");
  EXPECT_EQ(run({"ZINCRBY", "z", "0.1", "b"}), "$19\r\n0.10000000000000001\r\n");
  EXPECT_EQ(run({"ZADD", "z", "GT", "INCR", "-1", "a"}), "$-1\r\n");  // skipped: null
  EXPECT_EQ(run({"ZADD", "z", "NX", "INCR", "1", "a"}), "$-1\r\n");
  EXPECT_EQ(run({"ZADD", "missing", "XX", "INCR", "1", "a"}), "$-1\r\n");
  EXPECT_EQ(run({"ZADD", "z", "LT", "INCR", "0", "a"}), "$-1\r\n");
  EXPECT_EQ(run({"ZINCRBY", "z", "-inf", "a"}), "$4\r\n-inf\r\n");
  EXPECT_EQ(run({"ZINCRBY", "z", "+inf", "a"}), "-ERR resulting score is not a number (NaN)\r\n");
  EXPECT_EQ(run({"ZADD", "z", "INCR", "inf", "a"}),
            "-ERR resulting score is not a number (NaN)\r\n");
  EXPECT_EQ(run({"ZSCORE", "z", "a"}), "$4\r\n-inf\r\n");
  EXPECT_EQ(run({"ZINCRBY", "z", "abc", "a"}), kNotFloat);
  session_.protocol = 3;
  EXPECT_EQ(run({"ZINCRBY", "z", "1", "b"}), ",1.1000000000000001\r\n");
  EXPECT_EQ(run({"ZADD", "z", "XX", "INCR", "1", "nope"}), "_\r\n");
}

TEST_F(ZsetsTest, ZaddErrors) {
  EXPECT_EQ(run({"ZADD", "z", "XX", "NX", "1", "a"}),
            "-ERR XX and NX options at the same time are not compatible\r\n");
  for (auto flags :
       std::vector<std::pair<std::string, std::string>>{{"GT", "NX"}, {"LT", "NX"}, {"GT", "LT"}}) {
    EXPECT_EQ(run({"ZADD", "z", flags.first, flags.second, "1", "a"}),
              "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
  }
  EXPECT_EQ(run({"ZADD", "z", "INCR", "1", "a", "2", "b"}),
            "-ERR INCR option supports a single increment-element pair\r\n");
  EXPECT_EQ(run({"ZADD", "z", "1", "a", "2"}), kSyntax);
  EXPECT_EQ(run({"ZADD", "z", "NX", "XX", "abc"}), kSyntax);  // counted before compatibility
  EXPECT_EQ(run({"ZADD", "z", "nx"}), "-ERR wrong number of arguments for 'zadd' command\r\n");
  EXPECT_EQ(run({"ZADD", "z", "1", "a", "x", "b"}), kNotFloat);
  EXPECT_EQ(run({"EXISTS", "z"}), ":0\r\n");  // nothing written before every score parsed
  run({"SET", "s", "x"});
  EXPECT_EQ(run({"ZADD", "s", "abc", "a"}), kNotFloat);  // scores before the key's type
  EXPECT_EQ(run({"ZADD", "s", "1", "a"}), kWrongType);
}

TEST_F(ZsetsTest, ScoresParseAsRedisDoes) {
  for (std::string bad : {"nan", "1e400", "1e-400", " 1", "1 ", "", "abc", "1.5x"}) {
    EXPECT_EQ(run({"ZADD", "z", bad, "a"}), kNotFloat) << bad;
  }
  EXPECT_EQ(run({"ZADD", "z", "inf", "a", "+inf", "b", "-inf", "c", "infinity", "d", "0x10", "e",
                 "4e-320", "f"}),
            ":6\r\n");
  EXPECT_EQ(all("z"), bulks({"c", "-inf", "f", "3.999955468730732e-320", "e", "16", "a", "inf", "b",
                             "inf", "d", "inf"}));
}

// ---- ZREM and reads of single members

TEST_F(ZsetsTest, ZremDeletesTheEmptiedKey) {
  abcde();
  EXPECT_EQ(run({"ZREM", "z", "a", "x", "b"}), ":2\r\n");
  EXPECT_EQ(run({"ZREM", "z", "c", "d", "e"}), ":3\r\n");
  EXPECT_EQ(run({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(run({"ZREM", "missing", "a"}), ":0\r\n");
}

TEST_F(ZsetsTest, ScoresAndRanks) {
  EXPECT_EQ(run({"ZADD", "z", "1.5", "a", "2", "b"}), ":2\r\n");
  EXPECT_EQ(run({"ZSCORE", "z", "a"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(run({"ZSCORE", "z", "x"}), "$-1\r\n");
  EXPECT_EQ(run({"ZSCORE", "missing", "a"}), "$-1\r\n");
  EXPECT_EQ(run({"ZMSCORE", "z", "a", "x", "b"}), "*3\r\n$3\r\n1.5\r\n$-1\r\n$1\r\n2\r\n");
  EXPECT_EQ(run({"ZMSCORE", "missing", "a", "b"}), "*2\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(run({"ZRANK", "z", "b"}), ":1\r\n");
  EXPECT_EQ(run({"ZREVRANK", "z", "b"}), ":0\r\n");
  EXPECT_EQ(run({"ZRANK", "z", "x"}), "$-1\r\n");
  EXPECT_EQ(run({"ZREVRANK", "missing", "x"}), "$-1\r\n");
  EXPECT_EQ(run({"ZRANK", "z", "a", "WITHSCORE"}),
            "-ERR wrong number of arguments for 'zrank' command\r\n");
  session_.protocol = 3;
  EXPECT_EQ(run({"ZSCORE", "z", "a"}), ",1.5\r\n");
  EXPECT_EQ(run({"ZMSCORE", "z", "a", "x"}), "*2\r\n,1.5\r\n_\r\n");
  EXPECT_EQ(run({"ZRANK", "z", "x"}), "_\r\n");
}

TEST_F(ZsetsTest, WrongTypeEverywhere) {
  run({"SET", "s", "x"});
  for (auto cmd : std::vector<std::vector<std::string>>{
           {"ZINCRBY", "s", "1", "a"},
           {"ZREM", "s", "a"},
           {"ZCARD", "s"},
           {"ZCOUNT", "s", "0", "1"},
           {"ZLEXCOUNT", "s", "-", "+"},
           {"ZSCORE", "s", "a"},
           {"ZMSCORE", "s", "a"},
           {"ZRANK", "s", "a"},
           {"ZREVRANK", "s", "a"},
           {"ZRANGE", "s", "0", "1"},
           {"ZRANGESTORE", "d", "s", "0", "1"},
           {"ZRANGEBYSCORE", "s", "0", "1"},
           {"ZREVRANGEBYLEX", "s", "+", "-"},
           {"ZREMRANGEBYRANK", "s", "0", "1"},
           {"ZREMRANGEBYSCORE", "s", "0", "1"},
           {"ZREMRANGEBYLEX", "s", "-", "+"},
           {"ZPOPMIN", "s"},
           {"ZPOPMAX", "s", "0"},
           {"ZMPOP", "2", "missing", "s", "MIN"},
           {"ZRANDMEMBER", "s"},
           {"ZRANDMEMBER", "s", "0"},
           {"ZUNION", "2", "missing", "s"},
           {"ZINTERSTORE", "d", "1", "s"},
           {"ZINTERCARD", "1", "s"},
           {"ZSCAN", "s", "0"},
       }) {
    EXPECT_EQ(run(cmd), kWrongType) << cmd[0];
  }
}

// ---- Counting and ranges

TEST_F(ZsetsTest, ScoreRangesAndTheirErrors) {
  abcde();
  EXPECT_EQ(run({"ZCOUNT", "z", "-inf", "+inf"}), ":5\r\n");
  EXPECT_EQ(run({"ZCOUNT", "z", "(1", "(5"}), ":3\r\n");
  EXPECT_EQ(run({"ZCOUNT", "z", "2", "2"}), ":1\r\n");
  EXPECT_EQ(run({"ZCOUNT", "z", "(2", "2"}), ":0\r\n");
  EXPECT_EQ(run({"ZCOUNT", "z", "4", "2"}), ":0\r\n");
  EXPECT_EQ(run({"ZCOUNT", "z", " 2", "1e400"}), ":4\r\n");  // strtod's rules for bounds
  EXPECT_EQ(run({"ZCOUNT", "z", "", "("}), ":0\r\n");
  EXPECT_EQ(run({"ZCOUNT", "missing", "0", "1"}), ":0\r\n");
  for (std::string bad : {"x", "nan", "(nan", "1x"}) {
    EXPECT_EQ(run({"ZCOUNT", "z", bad, "1"}), kRangeNotFloat) << bad;
  }
  EXPECT_EQ(run({"ZCOUNT", "missing", "x", "1"}), kRangeNotFloat);  // before the key
}

TEST_F(ZsetsTest, LexRangesAndTheirErrors) {
  ASSERT_EQ(run({"ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"}), ":5\r\n");
  EXPECT_EQ(run({"ZLEXCOUNT", "z", "-", "+"}), ":5\r\n");
  EXPECT_EQ(run({"ZLEXCOUNT", "z", "[b", "(d"}), ":2\r\n");
  EXPECT_EQ(run({"ZLEXCOUNT", "z", "(b", "[d"}), ":2\r\n");
  EXPECT_EQ(run({"ZLEXCOUNT", "z", "+", "-"}), ":0\r\n");
  EXPECT_EQ(run({"ZLEXCOUNT", "z", "[", "(c"}), ":2\r\n");
  EXPECT_EQ(run({"ZRANGEBYLEX", "z", "(a", "[c"}), bulks({"b", "c"}));
  EXPECT_EQ(run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "1", "2"}), bulks({"b", "c"}));
  EXPECT_EQ(run({"ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2"}), bulks({"d", "c"}));
  EXPECT_EQ(run({"ZRANGE", "z", "[e", "(b", "BYLEX", "REV"}), bulks({"e", "d", "c"}));
  for (std::string bad : {"a", "", "-x", "++"}) {
    EXPECT_EQ(run({"ZLEXCOUNT", "z", bad, "+"}), kBadLex) << bad;
  }
  EXPECT_EQ(run({"ZLEXCOUNT", "missing", "a", "b"}), kBadLex);
  EXPECT_EQ(run({"ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"}),
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
  EXPECT_EQ(run({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}),
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
}

TEST_F(ZsetsTest, RankRanges) {
  abcde();
  EXPECT_EQ(run({"ZRANGE", "z", "0", "-1"}), bulks({"a", "b", "c", "d", "e"}));
  EXPECT_EQ(run({"ZRANGE", "z", "-2", "100"}), bulks({"d", "e"}));
  EXPECT_EQ(run({"ZRANGE", "z", "-100", "0"}), bulks({"a"}));
  EXPECT_EQ(run({"ZRANGE", "z", "3", "1"}), "*0\r\n");
  EXPECT_EQ(run({"ZRANGE", "z", "5", "9"}), "*0\r\n");
  EXPECT_EQ(run({"ZRANGE", "z", "0", "1", "REV", "WITHSCORES"}), bulks({"e", "5", "d", "4"}));
  EXPECT_EQ(run({"ZREVRANGE", "z", "1", "2"}), bulks({"d", "c"}));
  EXPECT_EQ(run({"ZRANGE", "missing", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(run({"ZRANGE", "z", "x", "1"}), kNotInteger);
  EXPECT_EQ(run({"ZRANGE", "missing", "x", "1"}), kNotInteger);
  session_.protocol = 3;
  EXPECT_EQ(run({"ZRANGE", "z", "0", "1", "WITHSCORES"}), pairs({{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(run({"ZRANGE", "z", "0", "1"}), bulks({"a", "b"}));
}

TEST_F(ZsetsTest, ScoreRangesWithLimitAndDirection) {
  abcde();
  EXPECT_EQ(run({"ZRANGEBYSCORE", "z", "(1", "3", "WITHSCORES"}), bulks({"b", "2", "c", "3"}));
  EXPECT_EQ(run({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2"}), bulks({"b", "c"}));
  EXPECT_EQ(run({"ZRANGEBYSCORE", "z", "(1", "5", "LIMIT", "1", "-5"}), bulks({"c", "d", "e"}));
  EXPECT_EQ(run({"ZRANGEBYSCORE", "z", "(1", "5", "LIMIT", "-1", "2"}), "*0\r\n");
  EXPECT_EQ(run({"ZRANGEBYSCORE", "z", "(1", "5", "LIMIT", "0", "0"}), "*0\r\n");
  EXPECT_EQ(run({"ZRANGEBYSCORE", "z", "(1", "5", "LIMIT", "10", "2"}), "*0\r\n");
  EXPECT_EQ(run({"ZREVRANGEBYSCORE", "z", "5", "1", "LIMIT", "1", "2"}), bulks({"d", "c"}));
  EXPECT_EQ(run({"ZRANGE", "z", "5", "(1", "BYSCORE", "REV", "LIMIT", "1", "2", "WITHSCORES"}),
            bulks({"d", "4", "c", "3"}));
  session_.protocol = 3;
  EXPECT_EQ(run({"ZREVRANGEBYSCORE", "z", "+inf", "(4", "WITHSCORES"}), pairs({{"e", "5"}}));
}

TEST_F(ZsetsTest, RangeOptionErrors) {
  abcde();
  const std::string limit_error =
      "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n";
  EXPECT_EQ(run({"ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"}), limit_error);
  EXPECT_EQ(run({"ZREVRANGE", "z", "0", "-1", "LIMIT", "0", "1"}), limit_error);
  // Redis only notices a LIMIT whose count is not -1.
  EXPECT_EQ(run({"ZRANGE", "z", "0", "1", "LIMIT", "5", "-1"}), bulks({"a", "b"}));
  EXPECT_EQ(run({"ZRANGE", "z", "0", "-1", "LIMIT", "x", "-1"}), kNotInteger);
  EXPECT_EQ(run({"ZRANGE", "z", "0", "-1", "LIMIT", "0"}), kSyntax);
  EXPECT_EQ(run({"ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"}), kSyntax);
  EXPECT_EQ(run({"ZRANGE", "z", "0", "1", "REV", "REV"}), kSyntax);
  EXPECT_EQ(run({"ZRANGE", "z", "0", "1", "foo"}), kSyntax);
  EXPECT_EQ(run({"ZRANGE", "z", "0", "1", "WITHSCORES", "withscores"}),
            bulks({"a", "1", "b", "2"}));
  EXPECT_EQ(run({"ZRANGEBYSCORE", "z", "1", "2", "REV"}), kSyntax);
  EXPECT_EQ(run({"ZRANGEBYSCORE", "z", "1", "2", "BYSCORE"}), kSyntax);
  EXPECT_EQ(run({"ZRANGE", "z", "a", "b", "BYSCORE"}), kRangeNotFloat);
  EXPECT_EQ(run({"ZRANGE", "z", "a", "b", "BYLEX"}), kBadLex);
  EXPECT_EQ(run({"ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"}), kSyntax);
}

TEST_F(ZsetsTest, Zrangestore) {
  abcde();
  EXPECT_EQ(run({"ZRANGESTORE", "d", "z", "0", "1"}), ":2\r\n");
  EXPECT_EQ(all("d"), bulks({"a", "1", "b", "2"}));
  EXPECT_EQ(run({"ZRANGESTORE", "d", "z", "(5", "2", "BYSCORE", "REV", "LIMIT", "0", "2"}),
            ":2\r\n");
  EXPECT_EQ(all("d"), bulks({"c", "3", "d", "4"}));
  EXPECT_EQ(run({"ZRANGESTORE", "d", "z", "9", "10"}), ":0\r\n");  // empty: deleted
  EXPECT_EQ(run({"EXISTS", "d"}), ":0\r\n");
  run({"SET", "s", "x"});
  EXPECT_EQ(run({"ZRANGESTORE", "s", "z", "0", "0"}), ":1\r\n");  // replaces another type
  EXPECT_EQ(run({"TYPE", "s"}), "+zset\r\n");
  EXPECT_EQ(run({"ZRANGESTORE", "s", "missing", "0", "1"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "s"}), ":0\r\n");
  EXPECT_EQ(run({"ZRANGESTORE", "z", "z", "1", "2"}), ":2\r\n");  // onto its source
  EXPECT_EQ(all("z"), bulks({"b", "2", "c", "3"}));
}

TEST_F(ZsetsTest, RemoveRanges) {
  abcde();
  EXPECT_EQ(run({"ZREMRANGEBYRANK", "z", "1", "-2"}), ":3\r\n");
  EXPECT_EQ(run({"ZRANGE", "z", "0", "-1"}), bulks({"a", "e"}));
  EXPECT_EQ(run({"ZREMRANGEBYRANK", "z", "5", "10"}), ":0\r\n");
  EXPECT_EQ(run({"ZREMRANGEBYSCORE", "z", "(1", "+inf"}), ":1\r\n");
  EXPECT_EQ(run({"ZREMRANGEBYSCORE", "z", "-inf", "+inf"}), ":1\r\n");
  EXPECT_EQ(run({"EXISTS", "z"}), ":0\r\n");
  ASSERT_EQ(run({"ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d"}), ":4\r\n");
  EXPECT_EQ(run({"ZREMRANGEBYLEX", "l", "[b", "(d"}), ":2\r\n");
  EXPECT_EQ(run({"ZRANGE", "l", "0", "-1"}), bulks({"a", "d"}));
  EXPECT_EQ(run({"ZREMRANGEBYRANK", "missing", "0", "1"}), ":0\r\n");
  EXPECT_EQ(run({"ZREMRANGEBYRANK", "missing", "x", "1"}), kNotInteger);
  EXPECT_EQ(run({"ZREMRANGEBYSCORE", "l", "x", "y"}), kRangeNotFloat);
  EXPECT_EQ(run({"ZREMRANGEBYLEX", "l", "x", "y"}), kBadLex);
}

// A sorted set past zset-max-listpack-entries (a tree) answers the same as a packed one.
TEST_F(ZsetsTest, LargeSetsRangeAndPop) {
  std::vector<std::string> zadd = {"ZADD", "big"};
  for (int i = 0; i < 300; ++i) {
    zadd.push_back(std::to_string(i % 100));
    zadd.push_back("m" + std::to_string(i));
  }
  ASSERT_EQ(run(zadd), ":300\r\n");
  EXPECT_EQ(run({"OBJECT", "ENCODING", "big"}), "$8\r\nskiplist\r\n");
  EXPECT_EQ(run({"ZCOUNT", "big", "(10", "20"}), ":30\r\n");
  EXPECT_EQ(run({"ZRANGEBYSCORE", "big", "99", "+inf"}), bulks({"m199", "m299", "m99"}));
  EXPECT_EQ(run({"ZRANK", "big", "m100"}), ":1\r\n");
  EXPECT_EQ(run({"ZREVRANGE", "big", "0", "1", "WITHSCORES"}), bulks({"m99", "99", "m299", "99"}));
  EXPECT_EQ(run({"ZPOPMIN", "big", "2"}), bulks({"m0", "0", "m100", "0"}));
  EXPECT_EQ(run({"ZREMRANGEBYSCORE", "big", "-inf", "(50"}), ":148\r\n");
  EXPECT_EQ(run({"ZCARD", "big"}), ":150\r\n");
}

// ---- Pops

TEST_F(ZsetsTest, ZpopminAndZpopmax) {
  abcde();
  EXPECT_EQ(run({"ZPOPMIN", "z"}), bulks({"a", "1"}));
  EXPECT_EQ(run({"ZPOPMAX", "z", "2"}), bulks({"e", "5", "d", "4"}));
  EXPECT_EQ(run({"ZPOPMIN", "z", "0"}), "*0\r\n");
  EXPECT_EQ(run({"ZPOPMIN", "z", "10"}), bulks({"b", "2", "c", "3"}));
  EXPECT_EQ(run({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(run({"ZPOPMIN", "missing"}), "*0\r\n");
  EXPECT_EQ(run({"ZPOPMAX", "missing", "3"}), "*0\r\n");
  const std::string positive = "-ERR value is out of range, must be positive\r\n";
  EXPECT_EQ(run({"ZPOPMIN", "z", "-1"}), positive);
  EXPECT_EQ(run({"ZPOPMIN", "z", "x"}), positive);
  EXPECT_EQ(run({"ZPOPMIN", "z", "1", "2"}), kSyntax);
}

TEST_F(ZsetsTest, PopsInResp3) {
  abcde();
  session_.protocol = 3;
  EXPECT_EQ(run({"ZPOPMIN", "z"}), "*2\r\n$1\r\na\r\n,1\r\n");  // one pop stays flat
  EXPECT_EQ(run({"ZPOPMAX", "z", "1"}), pairs({{"e", "5"}}));
  EXPECT_EQ(run({"ZMPOP", "1", "z", "MIN", "COUNT", "2"}),
            "*2\r\n$1\r\nz\r\n" + pairs({{"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(run({"ZMPOP", "1", "missing", "MIN"}), "_\r\n");
}

TEST_F(ZsetsTest, Zmpop) {
  abcde();
  EXPECT_EQ(run({"ZMPOP", "2", "missing", "z", "MIN"}),
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(run({"ZMPOP", "1", "z", "max", "COUNT", "2"}),
            "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n");
  EXPECT_EQ(run({"ZMPOP", "1", "z", "MIN", "COUNT", "9"}),
            "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
  EXPECT_EQ(run({"ZMPOP", "1", "z", "MIN"}), "*-1\r\n");
  const std::string numkeys = "-ERR numkeys should be greater than 0\r\n";
  EXPECT_EQ(run({"ZMPOP", "0", "z", "MAX"}), numkeys);
  EXPECT_EQ(run({"ZMPOP", "x", "z", "MAX"}), numkeys);
  EXPECT_EQ(run({"ZMPOP", "2", "z", "MAX"}), kSyntax);
  EXPECT_EQ(run({"ZMPOP", "1", "z", "LEFT"}), kSyntax);
  EXPECT_EQ(run({"ZMPOP", "1", "z", "MIN", "COUNT"}), kSyntax);
  EXPECT_EQ(run({"ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"}), kSyntax);
  const std::string count = "-ERR count should be greater than 0\r\n";
  EXPECT_EQ(run({"ZMPOP", "1", "z", "MIN", "COUNT", "0"}), count);
  EXPECT_EQ(run({"ZMPOP", "1", "z", "MIN", "COUNT", "x", "extra"}), count);
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "ZMPOP", "2", "a", "b", "MIN"}), bulks({"a", "b"}));
}

// ---- ZRANDMEMBER

TEST_F(ZsetsTest, Zrandmember) {
  abcde();
  std::string one = run({"ZRANDMEMBER", "z"});
  EXPECT_TRUE(one.size() == 7 && one.substr(0, 4) == "$1\r\n") << one;
  // A count covering the set replies it whole, from the highest score down.
  EXPECT_EQ(run({"ZRANDMEMBER", "z", "5"}), bulks({"e", "d", "c", "b", "a"}));
  EXPECT_EQ(run({"ZRANDMEMBER", "z", "50", "WITHSCORES"}),
            bulks({"e", "5", "d", "4", "c", "3", "b", "2", "a", "1"}));
  std::string three = run({"ZRANDMEMBER", "z", "3"});
  EXPECT_EQ(three.substr(0, 4), "*3\r\n");
  EXPECT_EQ(run({"ZRANDMEMBER", "z", "0"}), "*0\r\n");
  EXPECT_EQ(run({"ZRANDMEMBER", "z", "-7"}).substr(0, 4), "*7\r\n");  // repeats allowed
  EXPECT_EQ(run({"ZRANDMEMBER", "z", "-2", "WITHSCORES"}).substr(0, 4), "*4\r\n");
  EXPECT_EQ(run({"ZRANDMEMBER", "missing"}), "$-1\r\n");
  EXPECT_EQ(run({"ZRANDMEMBER", "missing", "5"}), "*0\r\n");
  session_.protocol = 3;
  EXPECT_EQ(run({"ZRANDMEMBER", "z", "9", "WITHSCORES"}),
            pairs({{"e", "5"}, {"d", "4"}, {"c", "3"}, {"b", "2"}, {"a", "1"}}));
  EXPECT_EQ(run({"ZRANDMEMBER", "missing"}), "_\r\n");
}

TEST_F(ZsetsTest, ZrandmemberErrors) {
  EXPECT_EQ(run({"ZRANDMEMBER", "missing", "x"}), kNotInteger);
  EXPECT_EQ(run({"ZRANDMEMBER", "missing", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  EXPECT_EQ(run({"ZRANDMEMBER", "missing", "9223372036854775807", "WITHSCORES"}),
            "-ERR value is out of range\r\n");
  EXPECT_EQ(run({"ZRANDMEMBER", "missing", "-4611686018427387904", "WITHSCORES"}),
            "-ERR value is out of range\r\n");
  EXPECT_EQ(run({"ZRANDMEMBER", "missing", "-4611686018427387903", "WITHSCORES"}), "*0\r\n");
  EXPECT_EQ(run({"ZRANDMEMBER", "missing", "1", "foo"}), kSyntax);
  EXPECT_EQ(run({"ZRANDMEMBER", "missing", "1", "WITHSCORES", "x"}), kSyntax);
}

// ---- ZUNION ZINTER ZDIFF and their STORE forms, ZINTERCARD

class CombineTest : public ZsetsTest {
 protected:
  CombineTest() {
    run({"ZADD", "a", "1", "x", "2", "y", "3", "z"});
    run({"ZADD", "b", "10", "y", "20", "z", "30", "w"});
    run({"SADD", "s", "y", "w", "q"});
  }
};

TEST_F(CombineTest, UnionInterDiff) {
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "WITHSCORES"}),
            bulks({"x", "1", "y", "12", "z", "23", "w", "30"}));
  EXPECT_EQ(run({"ZINTER", "2", "a", "b", "WITHSCORES"}), bulks({"y", "12", "z", "23"}));
  EXPECT_EQ(run({"ZDIFF", "2", "a", "b", "WITHSCORES"}), bulks({"x", "1"}));
  EXPECT_EQ(run({"ZUNION", "2", "a", "b"}), bulks({"x", "y", "z", "w"}));
  // A plain set scores 1 for each member.
  EXPECT_EQ(run({"ZUNION", "3", "a", "b", "s", "WITHSCORES"}),
            bulks({"q", "1", "x", "1", "y", "13", "z", "23", "w", "31"}));
  EXPECT_EQ(run({"ZINTER", "3", "a", "b", "s", "WITHSCORES"}), bulks({"y", "13"}));
  EXPECT_EQ(run({"ZDIFF", "2", "missing", "a"}), "*0\r\n");
  EXPECT_EQ(run({"ZINTER", "2", "a", "missing"}), "*0\r\n");
  session_.protocol = 3;
  EXPECT_EQ(run({"ZINTER", "2", "a", "b", "WITHSCORES"}), pairs({{"y", "12"}, {"z", "23"}}));
}

TEST_F(CombineTest, WeightsAndAggregates) {
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "WEIGHTS", "2", "3", "WITHSCORES"}),
            bulks({"x", "2", "y", "34", "z", "66", "w", "90"}));
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "AGGREGATE", "MAX", "WITHSCORES"}),
            bulks({"x", "1", "y", "10", "z", "20", "w", "30"}));
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "aggregate", "min", "WITHSCORES"}),
            bulks({"x", "1", "y", "2", "z", "3", "w", "30"}));
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "WEIGHTS", "2", "WITHSCORES"}),
            "-ERR weight value is not a float\r\n");
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "WEIGHTS", "2"}), kSyntax);  // too few to be WEIGHTS
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "WEIGHTS", "2", "nan"}),
            "-ERR weight value is not a float\r\n");
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "AGGREGATE", "avg"}), kSyntax);
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "AGGREGATE"}), kSyntax);
  EXPECT_EQ(run({"ZDIFF", "2", "a", "b", "WEIGHTS", "1", "2"}), kSyntax);
  EXPECT_EQ(run({"ZDIFF", "2", "a", "b", "AGGREGATE", "SUM"}), kSyntax);
  EXPECT_EQ(run({"ZUNIONSTORE", "d", "2", "a", "b", "WITHSCORES"}), kSyntax);
}

// inf * 0 and inf + -inf give NaN, which Redis counts as 0 (the first input's weighted score, and
// sums); a NaN met later is ignored by MIN and MAX.
TEST_F(ZsetsTest, NanFromWeightsAndSumsCountsAsZero) {
  run({"ZADD", "a", "inf", "x", "-inf", "y", "1", "z"});
  run({"ZADD", "b", "-inf", "x", "inf", "y", "0", "z"});
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "WITHSCORES"}), bulks({"x", "0", "y", "0", "z", "1"}));
  EXPECT_EQ(run({"ZUNION", "2", "a", "b", "WEIGHTS", "0", "1", "WITHSCORES"}),
            bulks({"x", "-inf", "z", "0", "y", "inf"}));
  EXPECT_EQ(run({"ZINTER", "2", "a", "b", "WEIGHTS", "1", "0", "WITHSCORES"}),
            bulks({"x", "0", "y", "0", "z", "1"}));
  EXPECT_EQ(run({"ZINTER", "2", "a", "b", "WEIGHTS", "1", "0", "AGGREGATE", "MAX", "WITHSCORES"}),
            bulks({"y", "-inf", "z", "1", "x", "inf"}));
  EXPECT_EQ(run({"ZUNION", "1", "a", "WEIGHTS", "-0", "WITHSCORES"}),
            bulks({"x", "0", "y", "0", "z", "-0"}));
}

// Inputs are taken smallest first (equal sizes in the given order), which fixes the order of
// floating-point sums; ties in the result are ordered by member.
TEST_F(ZsetsTest, SumOrderAndTies) {
  run({"ZADD", "t", "0.1", "p", "0.2", "q"});
  run({"ZADD", "u", "0.2", "p", "0.3", "q"});
  run({"ZADD", "v", "0.3", "p", "0.1", "q", "5", "r"});
  const std::string expected = bulks({"q", "0.59999999999999998", "p", "0.60000000000000009"});
  EXPECT_EQ(run({"ZINTER", "3", "v", "u", "t", "WITHSCORES"}), expected);
  EXPECT_EQ(run({"ZINTER", "3", "t", "u", "v", "WITHSCORES"}), expected);
  run({"ZADD", "w", "0.3", "p", "0", "q"});
  EXPECT_EQ(run({"ZUNION", "3", "w", "u", "t", "WITHSCORES"}),
            bulks({"q", "0.5", "p", "0.59999999999999998"}));
  run({"ZADD", "ties", "1", "c", "1", "a", "1", "b"});
  run({"ZADD", "ties0", "0", "c", "0", "b", "0", "a"});
  EXPECT_EQ(run({"ZINTER", "2", "ties", "ties0", "WITHSCORES"}),
            bulks({"a", "1", "b", "1", "c", "1"}));
}

TEST_F(CombineTest, StoreForms) {
  EXPECT_EQ(run({"ZUNIONSTORE", "d", "2", "a", "b"}), ":4\r\n");
  EXPECT_EQ(all("d"), bulks({"x", "1", "y", "12", "z", "23", "w", "30"}));
  EXPECT_EQ(run({"ZINTERSTORE", "d", "2", "a", "s", "WEIGHTS", "1", "5"}), ":1\r\n");
  EXPECT_EQ(all("d"), bulks({"y", "7"}));
  EXPECT_EQ(run({"ZDIFFSTORE", "d", "2", "a", "b"}), ":1\r\n");
  EXPECT_EQ(all("d"), bulks({"x", "1"}));
  EXPECT_EQ(run({"ZINTERSTORE", "d", "2", "a", "missing"}), ":0\r\n");  // empty: deleted
  EXPECT_EQ(run({"EXISTS", "d"}), ":0\r\n");
  EXPECT_EQ(run({"ZUNIONSTORE", "a", "2", "a", "b"}), ":4\r\n");  // onto one of its sources
  EXPECT_EQ(all("a"), bulks({"x", "1", "y", "12", "z", "23", "w", "30"}));
  EXPECT_EQ(run({"ZDIFFSTORE", "a", "2", "a", "a"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "a"}), ":0\r\n");
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"}),
            bulks({"d", "a", "b"}));
}

TEST_F(CombineTest, NumkeysErrors) {
  for (std::string name : {"zunion", "zinter", "zdiff", "zintercard"}) {
    EXPECT_EQ(run({name, "0", "a"}),
              "-ERR at least 1 input key is needed for '" + name + "' command\r\n");
    EXPECT_EQ(run({name, "-1", "a"}),
              "-ERR at least 1 input key is needed for '" + name + "' command\r\n");
    EXPECT_EQ(run({name, "x", "a"}), kNotInteger);
    EXPECT_EQ(run({name, "3", "a", "b"}), kSyntax);
  }
  for (std::string name : {"zunionstore", "zinterstore", "zdiffstore"}) {
    EXPECT_EQ(run({name, "d", "0", "a"}),
              "-ERR at least 1 input key is needed for '" + name + "' command\r\n");
    EXPECT_EQ(run({name, "d", "2", "a"}), kSyntax);
  }
  run({"SET", "str", "v"});
  // Every key's type is checked before the options are read.
  EXPECT_EQ(run({"ZUNION", "2", "a", "str", "WEIGHTS", "x", "y"}), kWrongType);
  EXPECT_EQ(run({"ZUNIONSTORE", "d", "2", "str", "missing"}), kWrongType);
}

TEST_F(CombineTest, Zintercard) {
  EXPECT_EQ(run({"ZINTERCARD", "2", "a", "b"}), ":2\r\n");
  EXPECT_EQ(run({"ZINTERCARD", "2", "a", "b", "LIMIT", "1"}), ":1\r\n");
  EXPECT_EQ(run({"ZINTERCARD", "2", "a", "b", "LIMIT", "0"}), ":2\r\n");
  EXPECT_EQ(run({"ZINTERCARD", "3", "a", "b", "s"}), ":1\r\n");
  EXPECT_EQ(run({"ZINTERCARD", "2", "a", "missing"}), ":0\r\n");
  EXPECT_EQ(run({"ZINTERCARD", "2", "a", "b", "LIMIT", "-1"}), "-ERR LIMIT can't be negative\r\n");
  EXPECT_EQ(run({"ZINTERCARD", "2", "a", "b", "LIMIT", "x"}), "-ERR LIMIT can't be negative\r\n");
  EXPECT_EQ(run({"ZINTERCARD", "2", "a", "b", "WEIGHTS", "1", "1"}), kSyntax);
  EXPECT_EQ(run({"ZINTERCARD", "2", "a", "b", "WITHSCORES"}), kSyntax);
}

// ---- ZSCAN

TEST_F(ZsetsTest, Zscan) {
  run({"ZADD", "z", "1.5", "a", "2", "b", "3", "ab"});
  EXPECT_EQ(run({"ZSCAN", "z", "0"}),
            "*2\r\n$1\r\n0\r\n" + bulks({"a", "1.5", "b", "2", "ab", "3"}));
  EXPECT_EQ(run({"ZSCAN", "z", "0", "MATCH", "a*"}),
            "*2\r\n$1\r\n0\r\n" + bulks({"a", "1.5", "ab", "3"}));
  EXPECT_EQ(run({"ZSCAN", "missing", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(run({"ZSCAN", "missing", "0", "foo"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(run({"ZSCAN", "z", "x"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(run({"ZSCAN", "z", "0", "COUNT", "0"}), kSyntax);
  EXPECT_EQ(run({"ZSCAN", "z", "0", "COUNT", "x"}), kNotInteger);
  session_.protocol = 3;  // scores stay bulk strings
  EXPECT_EQ(run({"ZSCAN", "z", "0", "MATCH", "b"}), "*2\r\n$1\r\n0\r\n" + bulks({"b", "2"}));
}

TEST_F(ZsetsTest, ZscanOfATreeVisitsEveryMember) {
  std::vector<std::string> zadd = {"ZADD", "big"};
  for (int i = 0; i < 500; ++i) {
    zadd.push_back(std::to_string(i));
    zadd.push_back("m" + std::to_string(i));
  }
  ASSERT_EQ(run(zadd), ":500\r\n");
  std::vector<std::string> seen;
  std::string cursor = "0";
  do {
    std::string reply = run({"ZSCAN", "big", cursor, "COUNT", "20"});
    size_t at = reply.find("\r\n", 4);  // "*2\r\n$<n>\r\n<cursor>\r\n*<2k>\r\n..."
    size_t end = reply.find("\r\n", at + 2);
    cursor = reply.substr(at + 2, end - at - 2);
    size_t pos = reply.find("\r\n", end + 2) + 2;
    while (pos < reply.size()) {  // member, score, member, score...
      size_t eol = reply.find("\r\n", pos);
      size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
      seen.push_back(reply.substr(eol + 2, len));
      pos = eol + 2 + len + 2;
    }
  } while (cursor != "0");
  ASSERT_EQ(seen.size() % 2, 0u);
  std::vector<std::string> members;
  for (size_t i = 0; i < seen.size(); i += 2) {
    EXPECT_EQ("m" + seen[i + 1], seen[i]);  // each score is its member's number
    members.push_back(seen[i]);
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  EXPECT_EQ(members.size(), 500u);
}

TEST_F(ZsetsTest, CommandInfoRows) {
  const std::string zadd =
      "*1\r\n*10\r\n$4\r\nzadd\r\n:-4\r\n*3\r\n+write\r\n+denyoom\r\n+fast\r\n";
  EXPECT_EQ(run({"COMMAND", "INFO", "zadd"}).substr(0, zadd.size()), zadd);
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "ZRANGESTORE", "dst", "src", "0", "1"}),
            bulks({"dst", "src"}));
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "ZINTERCARD", "2", "a", "b", "LIMIT", "1"}),
            bulks({"a", "b"}));
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN"}), bulks({"a", "b"}));
}

}  // namespace
}  // namespace cachet::server
