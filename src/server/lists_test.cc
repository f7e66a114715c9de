// List commands driven in-process. Expected replies are redis-server 7.0's, byte for byte.
#include <chrono>
#include <string>
#include <vector>

#include "server/test_session.h"

namespace cachet::server {
namespace {

using namespace std::chrono_literals;

// The RESP2 array of bulk strings `items`.
std::string bulk_array(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  return out;
}

TEST_F(CommandsTest, ListPushesCreateAndCount) {
  EXPECT_EQ(run({"RPUSH", "k", "a", "b", "c", "d"}), ":4\r\n");
  EXPECT_EQ(run({"LPUSH", "k", "x", "y"}), ":6\r\n");
  EXPECT_EQ(run({"LRANGE", "k", "0", "-1"}),
            "*6\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
  EXPECT_EQ(run({"LPUSHX", "missing", "a"}), ":0\r\n");
  EXPECT_EQ(run({"RPUSHX", "missing", "a"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "missing"}), ":0\r\n");
  EXPECT_EQ(run({"RPUSHX", "k", "e"}), ":7\r\n");
  EXPECT_EQ(run({"LPUSHX", "k", "w"}), ":8\r\n");
  EXPECT_EQ(run({"LLEN", "k"}), ":8\r\n");
  EXPECT_EQ(run({"LLEN", "missing"}), ":0\r\n");
  EXPECT_EQ(run({"LPUSH", "k"}), "-ERR wrong number of arguments for 'lpush' command\r\n");
  EXPECT_EQ(run({"TYPE", "k"}), "+list\r\n");
}

TEST_F(CommandsTest, ListPopsWithAndWithoutCount) {
  EXPECT_EQ(run({"RPUSH", "k", "a", "b", "c", "d", "e"}), ":5\r\n");
  EXPECT_EQ(run({"LPOP", "k"}), "$1\r\na\r\n");
  EXPECT_EQ(run({"RPOP", "k"}), "$1\r\ne\r\n");
  EXPECT_EQ(run({"LPOP", "k", "0"}), "*0\r\n");
  EXPECT_EQ(run({"LPOP", "k", "2"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(run({"RPOP", "k", "100"}), "*1\r\n$1\r\nd\r\n");
  EXPECT_EQ(run({"EXISTS", "k"}), ":0\r\n");
  EXPECT_EQ(run({"LPOP", "missing"}), "$-1\r\n");
  EXPECT_EQ(run({"LPOP", "missing", "0"}), "*-1\r\n");
  EXPECT_EQ(run({"LPOP", "missing", "1"}), "*-1\r\n");
  EXPECT_EQ(run({"RPOP", "missing", "3"}), "*-1\r\n");
  EXPECT_EQ(run({"RPUSH", "k", "a"}), ":1\r\n");
  EXPECT_EQ(run({"LPOP", "k", "9223372036854775807"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(run({"RPUSH", "k", "a"}), ":1\r\n");
  EXPECT_EQ(run({"LPOP", "k", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(run({"LPOP", "k", "99999999999999999999"}),
            "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(run({"LPOP", "k", "abc"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(run({"LPOP", "missing", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(run({"LPOP", "k", "1", "2"}), "-ERR wrong number of arguments for 'lpop' command\r\n");
}

TEST_F(CommandsTest, ListPopsResp3) {
  session_.protocol = 3;
  EXPECT_EQ(run({"RPUSH", "k", "a", "b"}), ":2\r\n");
  EXPECT_EQ(run({"LPOP", "missing"}), "_\r\n");
  EXPECT_EQ(run({"LPOP", "missing", "1"}), "_\r\n");
  EXPECT_EQ(run({"LPOP", "k", "0"}), "*0\r\n");
  EXPECT_EQ(run({"LPOP", "k", "1"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(run({"RPOP", "k"}), "$1\r\nb\r\n");
  EXPECT_EQ(run({"RPOP", "k"}), "_\r\n");
}

TEST_F(CommandsTest, ListRangeClampsLikeRedis) {
  EXPECT_EQ(run({"RPUSH", "l", "a", "b", "c", "d", "e"}), ":5\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "0", "-1"}),
            "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "-100", "100"}),
            "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "1", "-2"}), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "3", "1"}), "*0\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "5", "10"}), "*0\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "-1", "-2"}), "*0\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "-9223372036854775808", "9223372036854775807"}),
            "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "a", "1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "0", "99999999999999999999"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LRANGE", "missing", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(run({"LRANGE", "missing", "x", "1"}),
            "-ERR value is not an integer or out of range\r\n");
}

TEST_F(CommandsTest, ListIndexAndSet) {
  EXPECT_EQ(run({"RPUSH", "l", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(run({"LINDEX", "l", "0"}), "$1\r\na\r\n");
  EXPECT_EQ(run({"LINDEX", "l", "-1"}), "$1\r\nc\r\n");
  EXPECT_EQ(run({"LINDEX", "l", "3"}), "$-1\r\n");
  EXPECT_EQ(run({"LINDEX", "l", "-4"}), "$-1\r\n");
  EXPECT_EQ(run({"LINDEX", "l", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LINDEX", "missing", "0"}), "$-1\r\n");
  EXPECT_EQ(run({"LINDEX", "missing", "x"}), "$-1\r\n");
  EXPECT_EQ(run({"LSET", "l", "0", "x"}), "+OK\r\n");
  EXPECT_EQ(run({"LSET", "l", "-1", "y"}), "+OK\r\n");
  EXPECT_EQ(run({"LSET", "l", "3", "z"}), "-ERR index out of range\r\n");
  EXPECT_EQ(run({"LSET", "l", "-4", "z"}), "-ERR index out of range\r\n");
  EXPECT_EQ(run({"LSET", "l", "q", "z"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LSET", "missing", "0", "z"}), "-ERR no such key\r\n");
  EXPECT_EQ(run({"LSET", "missing", "q", "z"}), "-ERR no such key\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "0", "-1"}), "*3\r\n$1\r\nx\r\n$1\r\nb\r\n$1\r\ny\r\n");
}

TEST_F(CommandsTest, ListIndexResp3) {
  session_.protocol = 3;
  EXPECT_EQ(run({"RPUSH", "l", "a"}), ":1\r\n");
  EXPECT_EQ(run({"LINDEX", "l", "5"}), "_\r\n");
  EXPECT_EQ(run({"LINDEX", "missing", "0"}), "_\r\n");
}

TEST_F(CommandsTest, ListInsert) {
  EXPECT_EQ(run({"RPUSH", "l", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(run({"LINSERT", "l", "BEFORE", "b", "B"}), ":4\r\n");
  EXPECT_EQ(run({"LINSERT", "l", "after", "c", "C"}), ":5\r\n");
  EXPECT_EQ(run({"LINSERT", "l", "AFTER", "a", "A"}), ":6\r\n");
  EXPECT_EQ(run({"LINSERT", "l", "before", "nope", "X"}), ":-1\r\n");
  EXPECT_EQ(run({"LINSERT", "l", "middle", "b", "X"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LINSERT", "missing", "before", "a", "b"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "missing"}), ":0\r\n");
  EXPECT_EQ(run({"LRANGE", "l", "0", "-1"}),
            "*6\r\n$1\r\na\r\n$1\r\nA\r\n$1\r\nB\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nC\r\n");
}

TEST_F(CommandsTest, ListRemoveCountsFromEitherEnd) {
  EXPECT_EQ(run({"RPUSH", "m", "a", "b", "a", "b", "a", "b", "a"}), ":7\r\n");
  EXPECT_EQ(run({"LREM", "m", "-2", "a"}), ":2\r\n");
  EXPECT_EQ(run({"LRANGE", "m", "0", "-1"}),
            "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nb\r\n");
  EXPECT_EQ(run({"LREM", "m", "1", "b"}), ":1\r\n");
  EXPECT_EQ(run({"LRANGE", "m", "0", "-1"}), "*4\r\n$1\r\na\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nb\r\n");
  EXPECT_EQ(run({"LREM", "m", "0", "b"}), ":2\r\n");
  EXPECT_EQ(run({"LRANGE", "m", "0", "-1"}), "*2\r\n$1\r\na\r\n$1\r\na\r\n");
  EXPECT_EQ(run({"LREM", "m", "1", "nope"}), ":0\r\n");
  EXPECT_EQ(run({"LREM", "m", "x", "a"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LREM", "missing", "0", "a"}), ":0\r\n");
  EXPECT_EQ(run({"LREM", "m", "-9223372036854775808", "a"}), ":2\r\n");
  EXPECT_EQ(run({"EXISTS", "m"}), ":0\r\n");
}

TEST_F(CommandsTest, ListTrimDeletesWhenEmpty) {
  EXPECT_EQ(run({"RPUSH", "t", "a", "b", "c", "d", "e"}), ":5\r\n");
  EXPECT_EQ(run({"LTRIM", "t", "1", "-2"}), "+OK\r\n");
  EXPECT_EQ(run({"LRANGE", "t", "0", "-1"}), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
  EXPECT_EQ(run({"LTRIM", "t", "-100", "100"}), "+OK\r\n");
  EXPECT_EQ(run({"LRANGE", "t", "0", "-1"}), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
  EXPECT_EQ(run({"LTRIM", "t", "-9223372036854775808", "9223372036854775807"}), "+OK\r\n");
  EXPECT_EQ(run({"LLEN", "t"}), ":3\r\n");
  EXPECT_EQ(run({"LTRIM", "t", "x", "1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LTRIM", "t", "2", "1"}), "+OK\r\n");
  EXPECT_EQ(run({"EXISTS", "t"}), ":0\r\n");
  EXPECT_EQ(run({"LTRIM", "missing", "0", "1"}), "+OK\r\n");
  EXPECT_EQ(run({"RPUSH", "u", "a", "b"}), ":2\r\n");
  EXPECT_EQ(run({"LTRIM", "u", "5", "10"}), "+OK\r\n");
  EXPECT_EQ(run({"EXISTS", "u"}), ":0\r\n");
}

TEST_F(CommandsTest, ListPosRankCountMaxlen) {
  EXPECT_EQ(run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"}), ":8\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c"}), ":2\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "2"}), ":6\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "-1"}), ":7\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "-2", "COUNT", "0"}), "*2\r\n:6\r\n:2\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "COUNT", "0"}), "*3\r\n:2\r\n:6\r\n:7\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "COUNT", "2"}), "*2\r\n:2\r\n:6\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "MAXLEN", "3"}), ":2\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "MAXLEN", "3", "COUNT", "0"}), "*1\r\n:2\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "-1", "MAXLEN", "2", "COUNT", "0"}),
            "*2\r\n:7\r\n:6\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "10"}), "$-1\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "10", "COUNT", "0"}), "*0\r\n");
  EXPECT_EQ(run({"LPOS", "l", "z", "COUNT", "0"}), "*0\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "1", "COUNT", "1", "MAXLEN", "0", "RANK", "2"}),
            "*1\r\n:6\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "9223372036854775807"}), "$-1\r\n");
  // Redis 7.0 negates INT64_MIN to itself: every match from the tail, COUNT ignored
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "-9223372036854775808"}), ":7\r\n");
  EXPECT_EQ(run({"LPOS", "l", "c", "RANK", "-9223372036854775808", "COUNT", "1"}),
            "*3\r\n:7\r\n:6\r\n:2\r\n");
  EXPECT_EQ(run({"LPOS", "missing", "c"}), "$-1\r\n");
  EXPECT_EQ(run({"LPOS", "missing", "c", "COUNT", "0"}), "*0\r\n");
}

TEST_F(CommandsTest, ListPosErrors) {
  EXPECT_EQ(run({"RPUSH", "l", "a"}), ":1\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "0"}),
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list\r\n");
  EXPECT_EQ(run({"LPOS", "missing", "a", "RANK", "0"}),
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "COUNT", "-1"}), "-ERR COUNT can't be negative\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "COUNT", "x"}), "-ERR COUNT can't be negative\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "COUNT", "99999999999999999999"}),
            "-ERR COUNT can't be negative\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "MAXLEN", "-1"}), "-ERR MAXLEN can't be negative\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "MAXLEN", "x"}), "-ERR MAXLEN can't be negative\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "foo"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "0", "foo"}),
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list\r\n");
  EXPECT_EQ(run({"LPOS", "l", "a", "foo", "RANK", "0"}), "-ERR syntax error\r\n");
}

TEST_F(CommandsTest, ListPosResp3) {
  session_.protocol = 3;
  EXPECT_EQ(run({"RPUSH", "l", "a"}), ":1\r\n");
  EXPECT_EQ(run({"LPOS", "l", "z"}), "_\r\n");
  EXPECT_EQ(run({"LPOS", "missing", "a"}), "_\r\n");
  EXPECT_EQ(run({"LPOS", "missing", "a", "COUNT", "0"}), "*0\r\n");
}

TEST_F(CommandsTest, ListWrongType) {
  EXPECT_EQ(run({"SET", "s", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"LPUSH", "s", "a"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"RPUSHX", "s", "a"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LPOP", "s"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LPOP", "s", "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"RPOP", "s", "1"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LLEN", "s"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LRANGE", "s", "0", "1"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LINDEX", "s", "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LINDEX", "s", "x"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LSET", "s", "0", "x"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LSET", "s", "q", "x"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LINSERT", "s", "before", "a", "b"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LREM", "s", "0", "a"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LTRIM", "s", "0", "1"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LPOS", "s", "a"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"RPOPLPUSH", "s", "d"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LMOVE", "s", "d", "left", "left"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "s", "left"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  // argument errors come first where Redis parses before the lookup
  EXPECT_EQ(run({"LRANGE", "s", "x", "1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LREM", "s", "x", "a"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LTRIM", "s", "x", "1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"LINSERT", "s", "middle", "a", "b"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LPOP", "s", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(run({"LPOS", "s", "a", "RANK", "0"}),
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list\r\n");
  EXPECT_EQ(run({"GET", "s"}), "$1\r\nv\r\n");
}

TEST_F(CommandsTest, ListRpoplpushAndLmove) {
  EXPECT_EQ(run({"RPUSH", "a", "1", "2", "3"}), ":3\r\n");
  EXPECT_EQ(run({"RPOPLPUSH", "a", "a"}), "$1\r\n3\r\n");
  EXPECT_EQ(run({"LRANGE", "a", "0", "-1"}), "*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n");
  EXPECT_EQ(run({"RPOPLPUSH", "a", "b"}), "$1\r\n2\r\n");
  EXPECT_EQ(run({"LRANGE", "b", "0", "-1"}), "*1\r\n$1\r\n2\r\n");
  EXPECT_EQ(run({"RPOPLPUSH", "missing", "b"}), "$-1\r\n");
  EXPECT_EQ(run({"LMOVE", "a", "b", "left", "right"}), "$1\r\n3\r\n");
  EXPECT_EQ(run({"LMOVE", "a", "b", "LEFT", "left"}), "$1\r\n1\r\n");
  EXPECT_EQ(run({"EXISTS", "a"}), ":0\r\n");
  EXPECT_EQ(run({"LRANGE", "b", "0", "-1"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_EQ(run({"LMOVE", "b", "b", "right", "left"}), "$1\r\n3\r\n");
  EXPECT_EQ(run({"LMOVE", "b", "b", "left", "right"}), "$1\r\n3\r\n");
  EXPECT_EQ(run({"LRANGE", "b", "0", "-1"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_EQ(run({"LMOVE", "missing", "b", "left", "left"}), "$-1\r\n");
  EXPECT_EQ(run({"LMOVE", "a", "b", "up", "left"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LMOVE", "missing", "missing", "left", "up"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "s", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"RPOPLPUSH", "b", "s"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"RPOPLPUSH", "missing", "s"}), "$-1\r\n");
  EXPECT_EQ(run({"LMOVE", "missing", "s", "left", "left"}), "$-1\r\n");
  EXPECT_EQ(run({"LMOVE", "s", "missing", "left", "left"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LRANGE", "b", "0", "-1"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
}

TEST_F(CommandsTest, ListRotateSingleElement) {
  EXPECT_EQ(run({"RPUSH", "one", "x"}), ":1\r\n");
  EXPECT_EQ(run({"LMOVE", "one", "one", "left", "right"}), "$1\r\nx\r\n");
  EXPECT_EQ(run({"RPOPLPUSH", "one", "one"}), "$1\r\nx\r\n");
  EXPECT_EQ(run({"LRANGE", "one", "0", "-1"}), "*1\r\n$1\r\nx\r\n");
  EXPECT_EQ(run({"RPOPLPUSH", "one", "two"}), "$1\r\nx\r\n");
  EXPECT_EQ(run({"EXISTS", "one"}), ":0\r\n");
  EXPECT_EQ(run({"LRANGE", "two", "0", "-1"}), "*1\r\n$1\r\nx\r\n");
}

TEST_F(CommandsTest, ListMoveResp3) {
  session_.protocol = 3;
  EXPECT_EQ(run({"RPOPLPUSH", "missing", "x"}), "_\r\n");
  EXPECT_EQ(run({"LMOVE", "missing", "x", "left", "left"}), "_\r\n");
}

TEST_F(CommandsTest, ListLmpop) {
  EXPECT_EQ(run({"RPUSH", "a", "1", "2", "3"}), ":3\r\n");
  EXPECT_EQ(run({"RPUSH", "b", "x", "y"}), ":2\r\n");
  EXPECT_EQ(run({"LMPOP", "2", "missing", "a", "LEFT"}), "*2\r\n$1\r\na\r\n*1\r\n$1\r\n1\r\n");
  EXPECT_EQ(run({"LMPOP", "2", "missing", "a", "right", "COUNT", "5"}),
            "*2\r\n$1\r\na\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
  EXPECT_EQ(run({"EXISTS", "a"}), ":0\r\n");
  EXPECT_EQ(run({"LMPOP", "2", "a", "b", "left"}), "*2\r\n$1\r\nb\r\n*1\r\n$1\r\nx\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "b", "RIGHT", "COUNT", "99999999999999"}),
            "*2\r\n$1\r\nb\r\n*1\r\n$1\r\ny\r\n");
  EXPECT_EQ(run({"EXISTS", "b"}), ":0\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "missing", "left"}), "*-1\r\n");
  EXPECT_EQ(run({"LMPOP", "2", "missing1", "missing2", "left", "COUNT", "2"}), "*-1\r\n");
}

TEST_F(CommandsTest, ListLmpopErrors) {
  EXPECT_EQ(run({"RPUSH", "a", "1"}), ":1\r\n");
  EXPECT_EQ(run({"SET", "s", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"LMPOP", "0", "a", "left"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(run({"LMPOP", "-1", "a", "left"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(run({"LMPOP", "x", "a", "left"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(run({"LMPOP", "99999999999999999999", "a", "left"}),
            "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(run({"LMPOP", "3", "a", "left"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LMPOP", "2147483648", "a", "left"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LMPOP", "2", "a", "left"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "a", "middle"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "a", "left", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "a", "left", "COUNT", "-1"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "a", "left", "COUNT", "x"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "a", "left", "COUNT", "1", "COUNT", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "a", "left", "COUNT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "a", "left", "foo"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"LMPOP", "2", "s", "a", "left"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LMPOP", "2", "missing", "s", "left"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"LMPOP", "2", "a", "s", "left"}), "*2\r\n$1\r\na\r\n*1\r\n$1\r\n1\r\n");
  EXPECT_EQ(run({"LMPOP", "1"}), "-ERR wrong number of arguments for 'lmpop' command\r\n");
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "left"}),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(run({"COMMAND", "GETKEYS", "LMOVE", "a", "b", "left", "left"}),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
}

TEST_F(CommandsTest, ListLmpopResp3) {
  session_.protocol = 3;
  EXPECT_EQ(run({"RPUSH", "a", "1", "2"}), ":2\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "missing", "left"}), "_\r\n");
  EXPECT_EQ(run({"LMPOP", "1", "a", "left", "COUNT", "2"}),
            "*2\r\n$1\r\na\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

TEST_F(CommandsTest, ListMillionElementsInOneRpush) {
  std::vector<std::string> words = {"RPUSH", "big"};
  for (int i = 0; i < 1000000; ++i) words.push_back(std::to_string(i));
  EXPECT_EQ(run(words), ":1000000\r\n");
  EXPECT_EQ(run({"LLEN", "big"}), ":1000000\r\n");
  EXPECT_EQ(run({"LRANGE", "big", "499999", "500001"}), bulk_array({"499999", "500000", "500001"}));
  EXPECT_EQ(run({"LINDEX", "big", "-1"}), "$6\r\n999999\r\n");
  EXPECT_EQ(run({"LPOP", "big", "3"}), bulk_array({"0", "1", "2"}));
  EXPECT_EQ(run({"RPOP", "big", "2"}), bulk_array({"999999", "999998"}));
  std::string all = run({"LRANGE", "big", "0", "-1"});
  EXPECT_EQ(all.substr(0, 21), "*999995\r\n$1\r\n3\r\n$1\r\n4");
  EXPECT_EQ(run({"LPOP", "big", "999995"}).substr(0, 9), "*999995\r\n");
  EXPECT_EQ(run({"EXISTS", "big"}), ":0\r\n");
}

// Lists past the packed limit (many nodes): edits in the middle keep order.
TEST_F(CommandsTest, ListEditsAcrossNodes) {
  std::vector<std::string> words = {"RPUSH", "l"}, model;
  for (int i = 0; i < 3000; ++i) {
    model.push_back(std::string(i % 7 == 0 ? 300 : 20, static_cast<char>('a' + i % 26)) +
                    std::to_string(i));
    words.push_back(model.back());
  }
  EXPECT_EQ(run(words), ":3000\r\n");
  EXPECT_EQ(run({"LSET", "l", "1500", std::string(9000, 'x')}), "+OK\r\n");
  model[1500] = std::string(9000, 'x');
  EXPECT_EQ(run({"LINSERT", "l", "BEFORE", model[2000], "new"}), ":3001\r\n");
  model.insert(model.begin() + 2000, "new");
  EXPECT_EQ(run({"LREM", "l", "0", model[10]}), ":1\r\n");
  model.erase(model.begin() + 10);
  EXPECT_EQ(run({"LTRIM", "l", "5", "-6"}), "+OK\r\n");
  model = std::vector<std::string>(model.begin() + 5, model.end() - 5);
  EXPECT_EQ(run({"LRANGE", "l", "0", "-1"}), bulk_array(model));
  EXPECT_EQ(run({"LINDEX", "l", "1494"}), "$9000\r\n" + std::string(9000, 'x') + "\r\n");
  EXPECT_EQ(run({"LPOS", "l", "new"}), ":1994\r\n");
}

// TYPE, RENAME, EXPIRE and DEL (keyspace commands) on a node-encoded list; the memory it held is
// given back.
TEST_F(CommandsTest, ListKeyspaceCommands) {
  for (const char* key : {"l", "m", "e"}) run({"SET", key, "warm the key table up"});
  EXPECT_EQ(run({"DEL", "l", "m", "e"}), ":3\r\n");
  int64_t before = instance_.store().used_bytes();
  std::vector<std::string> words = {"RPUSH", "l"};
  for (int i = 0; i < 5000; ++i) words.push_back("element" + std::to_string(i));
  EXPECT_EQ(run(words), ":5000\r\n");
  EXPECT_GT(instance_.store().used_bytes(), before + 5000 * 9);
  EXPECT_EQ(run({"TYPE", "l"}), "+list\r\n");
  EXPECT_EQ(run({"RENAME", "l", "m"}), "+OK\r\n");
  EXPECT_EQ(run({"LINDEX", "m", "4999"}), "$11\r\nelement4999\r\n");
  EXPECT_EQ(run({"EXPIRE", "m", "10"}), ":1\r\n");
  EXPECT_EQ(run({"RPUSH", "m", "x"}), ":5001\r\n");
  EXPECT_EQ(run({"TTL", "m"}), ":10\r\n");
  EXPECT_EQ(run({"DEL", "m"}), ":1\r\n");
  EXPECT_EQ(instance_.store().used_bytes(), before);
  EXPECT_EQ(run({"RPUSH", "e", "x"}), ":1\r\n");
  EXPECT_EQ(run({"PEXPIRE", "e", "5"}), ":1\r\n");
  clock_.advance(10ms);
  EXPECT_EQ(run({"LLEN", "e"}), ":0\r\n");
  EXPECT_EQ(instance_.store().used_bytes(), before);
}

// Moving a packed list's long head back onto the same list regrows its entry: the entry moves,
// and LMOVE must go on with the moved one (a use-after-free under ASan, found by the randomized
// differential test).
TEST_F(CommandsTest, ListMoveOntoItselfFollowsTheMovedEntry) {
  std::string big(300, 'M');
  run({"RPUSH", "k", big, "-1"});
  EXPECT_EQ(run({"LMOVE", "k", "k", "LEFT", "LEFT"}), "$300\r\n" + big + "\r\n");
  EXPECT_EQ(run({"LMOVE", "k", "k", "LEFT", "RIGHT"}), "$300\r\n" + big + "\r\n");
  EXPECT_EQ(run({"LRANGE", "k", "0", "-1"}), "*2\r\n$2\r\n-1\r\n$300\r\n" + big + "\r\n");
  EXPECT_EQ(run({"LLEN", "k"}), ":2\r\n");
}

}  // namespace
}  // namespace cachet::server
