// Command-level tests of the bitmap family. Every expected reply was taken from redis-server
// 7.0.15 running the same commands.
#include <string>

#include "server/test_session.h"

namespace cachet::server {
namespace {

using namespace std::string_literals;

const char* const kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

TEST_F(CommandsTest, SetbitGetbitPadAndCheckTheirArguments) {
  EXPECT_EQ(run({"setbit", "k", "7", "1"}), ":0\r\n");
  EXPECT_EQ(run({"setbit", "k", "7", "1"}), ":1\r\n");
  EXPECT_EQ(run({"setbit", "k", "7", "0"}), ":1\r\n");
  EXPECT_EQ(run({"setbit", "k", "17", "1"}), ":0\r\n");
  EXPECT_EQ(run({"get", "k"}), "$3\r\n\x00\x00@\r\n"s);
  EXPECT_EQ(run({"strlen", "k"}), ":3\r\n");
  EXPECT_EQ(run({"getbit", "k", "17"}), ":1\r\n");
  EXPECT_EQ(run({"getbit", "k", "16"}), ":0\r\n");
  EXPECT_EQ(run({"getbit", "k", "99999"}), ":0\r\n");
  EXPECT_EQ(run({"getbit", "missing", "0"}), ":0\r\n");
  EXPECT_EQ(run({"setbit", "k", "4294967296", "1"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"setbit", "k", "-1", "1"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"setbit", "k", "a", "1"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"setbit", "k", "#1", "1"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"getbit", "k", "4294967296"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"setbit", "k", "1", "2"}), "-ERR bit is not an integer or out of range\r\n");
  EXPECT_EQ(run({"setbit", "k", "1", "-1"}), "-ERR bit is not an integer or out of range\r\n");
  EXPECT_EQ(run({"setbit", "k", "1", "a"}), "-ERR bit is not an integer or out of range\r\n");
  EXPECT_EQ(run({"set", "ttl", "ab", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(run({"setbit", "ttl", "20", "1"}), ":0\r\n");
  EXPECT_EQ(run({"ttl", "ttl"}), ":100\r\n");
  EXPECT_EQ(run({"get", "ttl"}), "$3\r\nab\x08\r\n");
  EXPECT_EQ(run({"hset", "h", "f", "v"}), ":1\r\n");
  EXPECT_EQ(run({"setbit", "h", "0", "1"}), kWrongType);
  EXPECT_EQ(run({"getbit", "h", "0"}), kWrongType);
}

TEST_F(CommandsTest, BitcountRangesAndRedis70ArgumentOrder) {
  EXPECT_EQ(run({"set", "k", "foobar"}), "+OK\r\n");
  EXPECT_EQ(run({"bitcount", "k"}), ":26\r\n");
  EXPECT_EQ(run({"bitcount", "k", "0", "0"}), ":4\r\n");
  EXPECT_EQ(run({"bitcount", "k", "1", "1"}), ":6\r\n");
  EXPECT_EQ(run({"bitcount", "k", "1", "-2"}), ":18\r\n");
  EXPECT_EQ(run({"bitcount", "k", "-2", "-1"}), ":7\r\n");
  EXPECT_EQ(run({"bitcount", "k", "-1", "-2"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "k", "4", "100"}), ":7\r\n");
  EXPECT_EQ(run({"bitcount", "k", "100", "200"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "k", "-100", "-50"}), ":4\r\n");
  EXPECT_EQ(run({"bitcount", "k", "5", "30", "BIT"}), ":17\r\n");
  EXPECT_EQ(run({"bitcount", "k", "0", "-1", "bit"}), ":26\r\n");
  EXPECT_EQ(run({"bitcount", "k", "-7", "-1", "bit"}), ":4\r\n");
  EXPECT_EQ(run({"bitcount", "k", "3", "3", "BIT"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "k", "10", "2", "bit"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "k", "0", "0", "byte"}), ":4\r\n");
  EXPECT_EQ(run({"bitcount", "k", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitcount", "k", "0", "1", "2", "3"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitcount", "k", "a", "1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitcount", "k", "0", "1", "bitx"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitcount", "k", "-1", "-2", "bitx"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "missing"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "missing", "0", "0"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "missing", "a", "b"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "missing", "0"}), ":0\r\n");
  EXPECT_EQ(run({"set", "e", ""}), "+OK\r\n");
  EXPECT_EQ(run({"bitcount", "e"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "e", "0", "-1"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "e", "0", "-1", "bit"}), ":0\r\n");
  EXPECT_EQ(run({"hset", "h", "f", "v"}), ":1\r\n");
  EXPECT_EQ(run({"bitcount", "h"}), kWrongType);
  EXPECT_EQ(run({"bitcount", "h", "0", "0"}), kWrongType);
}

TEST_F(CommandsTest, BitposRangesAndTheClearBitPaddingRule) {
  EXPECT_EQ(run({"set", "k", "\xff\xf0\x00"s}), "+OK\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0"}), ":12\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1"}), ":0\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "1"}), ":12\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "2"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "0", "0"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "0", "1"}), ":12\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "2", "-1"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "-1"}), ":16\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "-1"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "100"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "1", "0"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "7", "11", "bit"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "0", "11", "BIT"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "12", "23", "bit"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "0", "-3", "-1", "bit"}), ":21\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "-100", "-1", "BYTE"}), ":0\r\n");
  EXPECT_EQ(run({"set", "ones", "\xff\xff"}), "+OK\r\n");
  EXPECT_EQ(run({"bitpos", "ones", "0"}), ":16\r\n");
  EXPECT_EQ(run({"bitpos", "ones", "0", "1"}), ":16\r\n");
  EXPECT_EQ(run({"bitpos", "ones", "0", "0", "-1"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "ones", "0", "0", "15", "bit"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "ones", "1", "3", "2", "bit"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "missing", "0"}), ":0\r\n");
  EXPECT_EQ(run({"bitpos", "missing", "1"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "missing", "1", "a"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "missing", "0", "1", "2", "bitx"}), ":0\r\n");
  EXPECT_EQ(run({"bitpos", "missing", "2"}), "-ERR The bit argument must be 1 or 0.\r\n");
  EXPECT_EQ(run({"set", "e", ""}), "+OK\r\n");
  EXPECT_EQ(run({"bitpos", "e", "0"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "e", "1"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "e", "0", "0"}), ":-1\r\n");
  EXPECT_EQ(run({"bitpos", "k", "2"}), "-ERR The bit argument must be 1 or 0.\r\n");
  EXPECT_EQ(run({"bitpos", "k", "-1"}), "-ERR The bit argument must be 1 or 0.\r\n");
  EXPECT_EQ(run({"bitpos", "k", "a"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "a"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "0", "a"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "0", "1", "bitx"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "0", "a", "bitx"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitpos", "k", "1", "0", "1", "bit", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"hset", "h", "f", "v"}), ":1\r\n");
  EXPECT_EQ(run({"bitpos", "h", "1"}), kWrongType);
  EXPECT_EQ(run({"bitpos", "h", "2"}), "-ERR The bit argument must be 1 or 0.\r\n");
}

TEST_F(CommandsTest, BitopCombinesDeletesAndOverwrites) {
  EXPECT_EQ(run({"set", "a", "\xff\x0f"}), "+OK\r\n");
  EXPECT_EQ(run({"set", "b", "\x0f"}), "+OK\r\n");
  EXPECT_EQ(run({"bitop", "and", "dest", "a", "b"}), ":2\r\n");
  EXPECT_EQ(run({"get", "dest"}), "$2\r\n\x0f\x00\r\n"s);
  EXPECT_EQ(run({"bitop", "or", "dest", "a", "b"}), ":2\r\n");
  EXPECT_EQ(run({"get", "dest"}), "$2\r\n\xff\x0f\r\n");
  EXPECT_EQ(run({"bitop", "xor", "dest", "a", "b"}), ":2\r\n");
  EXPECT_EQ(run({"get", "dest"}), "$2\r\n\xf0\x0f\r\n");
  EXPECT_EQ(run({"bitop", "not", "dest", "a"}), ":2\r\n");
  EXPECT_EQ(run({"get", "dest"}), "$2\r\n\x00\xf0\r\n"s);
  EXPECT_EQ(run({"bitop", "AND", "dest", "a", "b", "missing"}), ":2\r\n");
  EXPECT_EQ(run({"get", "dest"}), "$2\r\n\x00\x00\r\n"s);
  EXPECT_EQ(run({"bitop", "or", "dest", "missing", "missing2"}), ":0\r\n");
  EXPECT_EQ(run({"exists", "dest"}), ":0\r\n");
  EXPECT_EQ(run({"set", "empty", ""}), "+OK\r\n");
  EXPECT_EQ(run({"bitop", "or", "dest", "empty"}), ":0\r\n");
  EXPECT_EQ(run({"exists", "dest"}), ":0\r\n");
  EXPECT_EQ(run({"bitop", "not", "dest", "a", "b"}),
            "-ERR BITOP NOT must be called with a single source key.\r\n");
  EXPECT_EQ(run({"bitop", "not", "dest"}),
            "-ERR wrong number of arguments for 'bitop' command\r\n");
  EXPECT_EQ(run({"bitop", "nand", "dest", "a"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitop", "diff", "dest", "a", "b"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitop", "and", "dest"}),
            "-ERR wrong number of arguments for 'bitop' command\r\n");
  EXPECT_EQ(run({"set", "dest", "x", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(run({"bitop", "or", "dest", "a"}), ":2\r\n");
  EXPECT_EQ(run({"ttl", "dest"}), ":-1\r\n");
  EXPECT_EQ(run({"bitop", "and", "a", "a", "b"}), ":2\r\n");
  EXPECT_EQ(run({"get", "a"}), "$2\r\n\x0f\x00\r\n"s);
  EXPECT_EQ(run({"hset", "h", "f", "v"}), ":1\r\n");
  EXPECT_EQ(run({"bitop", "and", "dest", "b", "h"}), kWrongType);
  EXPECT_EQ(run({"bitop", "or", "h", "b"}), ":1\r\n");
  EXPECT_EQ(run({"type", "h"}), "+string\r\n");
  EXPECT_EQ(run({"get", "h"}), "$1\r\n\x0f\r\n");
}

TEST_F(CommandsTest, BitfieldOperationsOverflowAndErrors) {
  EXPECT_EQ(
      run({"bitfield", "k", "set", "u8", "0", "255", "get", "u8", "0", "incrby", "u8", "0", "10"}),
      "*3\r\n:0\r\n:255\r\n:9\r\n");
  EXPECT_EQ(run({"bitfield", "k", "overflow", "sat", "incrby", "u8", "0", "1000", "overflow",
                 "fail", "incrby", "u8", "0", "1", "get", "u8", "0"}),
            "*3\r\n:255\r\n$-1\r\n:255\r\n");
  EXPECT_EQ(run({"bitfield", "k", "overflow", "sat", "set", "u8", "0", "-1", "overflow", "fail",
                 "set", "u8", "8", "-1", "get", "u16", "0"}),
            "*3\r\n:255\r\n$-1\r\n:65280\r\n");
  EXPECT_EQ(run({"bitfield", "k", "set", "i64", "0", "-9223372036854775808", "incrby", "i64", "0",
                 "-1", "overflow", "sat", "incrby", "i64", "0", "-1"}),
            "*3\r\n:-72057594037927936\r\n:9223372036854775807\r\n:9223372036854775806\r\n");
  EXPECT_EQ(run({"bitfield", "k",   "overflow", "fail", "incrby", "i64",      "0",
                 "-1",       "set", "i8",       "0",    "200",    "overflow", "wrap",
                 "set",      "i8",  "0",        "200",  "get",    "i8",       "0"}),
            "*4\r\n:9223372036854775805\r\n$-1\r\n:127\r\n:-56\r\n");
  EXPECT_EQ(run({"bitfield", "k", "set", "u63", "1", "9223372036854775807", "get", "u63", "1",
                 "incrby", "u63", "1", "1", "get", "u63", "1"}),
            "*4\r\n:5260204364768739325\r\n:9223372036854775807\r\n:0\r\n:0\r\n");
  EXPECT_EQ(run({"bitfield", "k", "set", "i5", "#3", "100", "get", "i5", "#3", "get", "u5", "#3",
                 "incrby", "i5", "#3", "-20"}),
            "*4\r\n:0\r\n:4\r\n:4\r\n:-16\r\n");
  EXPECT_EQ(run({"get", "k"}), "$8\r\n\x80\x01\x00\x00\x00\x00\x00\x00\r\n"s);
  EXPECT_EQ(run({"bitfield", "k", "get", "i8", "4294967295"}), "*1\r\n:0\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i8", "#536870911"}), "*1\r\n:0\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i8", "#2305843009213693953"}), "*1\r\n:1\r\n");
  EXPECT_EQ(run({"bitfield", "n", "overflow", "fail", "incrby", "u2", "100", "7"}),
            "*1\r\n$-1\r\n");
  EXPECT_EQ(run({"strlen", "n"}), ":13\r\n");
  EXPECT_EQ(run({"bitfield", "n2", "get", "u8", "100"}), "*1\r\n:0\r\n");
  EXPECT_EQ(run({"exists", "n2"}), ":0\r\n");
  EXPECT_EQ(run({"bitfield", "k"}), "*0\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i8"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitfield", "k", "bad", "i8", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitfield", "k", "overflow"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitfield", "k", "overflow", "bad"}), "-ERR Invalid OVERFLOW type specified\r\n");
  EXPECT_EQ(run({"bitfield", "k", "set", "i8", "0", "a"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitfield", "k", "incrby", "i8", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "u64", "0"}),
            "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
            "but i64 is.\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i65", "0"}),
            "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
            "but i64 is.\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "I8", "0"}),
            "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
            "but i64 is.\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i08", "0"}),
            "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
            "but i64 is.\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "u0", "0"}),
            "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
            "but i64 is.\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i8", "4294967296"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i8", "#536870912"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i8", "#"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i8", "#-1"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i8", "-1"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitfield", "k", "get", "i64", "#9223372036854775807"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitfield_ro", "k", "get", "i8", "0", "get", "u4", "4"}), "*2\r\n:-128\r\n:0\r\n");
  EXPECT_EQ(run({"bitfield_ro", "k", "overflow", "sat", "get", "i8", "0"}), "*1\r\n:-128\r\n");
  EXPECT_EQ(run({"bitfield_ro", "k", "set", "i8", "0", "1"}),
            "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
  EXPECT_EQ(run({"bitfield_ro", "k", "incrby", "i8", "0", "1"}),
            "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
  EXPECT_EQ(run({"bitfield_ro", "k"}), "*0\r\n");
  EXPECT_EQ(run({"hset", "h", "f", "v"}), ":1\r\n");
  EXPECT_EQ(run({"bitfield", "h", "get", "i8", "0"}), kWrongType);
  EXPECT_EQ(run({"bitfield", "h", "set", "i8", "0", "1"}), kWrongType);
  EXPECT_EQ(run({"bitfield", "h", "get", "i8", "z"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(run({"bitfield_ro", "h", "get", "i8", "0"}), kWrongType);
  EXPECT_EQ(run({"bitfield_ro", "h", "set", "i8", "0", "1"}),
            "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
}

TEST_F(CommandsTest, BitfieldFailIsNullInResp3) {
  run({"HELLO", "3"});
  EXPECT_EQ(run({"bitfield", "k", "overflow", "fail", "incrby", "u2", "0", "7", "get", "u2", "0",
                 "set", "i8", "8", "-1"}),
            "*3\r\n_\r\n:0\r\n:0\r\n");
  EXPECT_EQ(run({"bitfield_ro", "k", "get", "i8", "0"}), "*1\r\n:0\r\n");
  EXPECT_EQ(run({"bitfield", "n", "overflow", "fail", "incrby", "i8", "0", "1000"}), "*1\r\n_\r\n");
  EXPECT_EQ(run({"bitcount", "n"}), ":0\r\n");
}

// Allocates a 512 MB string: the largest bit offset (proto-max-bulk-len) works end to end.
TEST_F(CommandsTest, SetbitAtTheLargestOffset) {
  EXPECT_EQ(run({"setbit", "big", "4294967295", "1"}), ":0\r\n");
  EXPECT_EQ(run({"strlen", "big"}), ":536870912\r\n");
  EXPECT_EQ(run({"getbit", "big", "4294967295"}), ":1\r\n");
  EXPECT_EQ(run({"getbit", "big", "4294967294"}), ":0\r\n");
  EXPECT_EQ(run({"bitcount", "big"}), ":1\r\n");
  EXPECT_EQ(run({"bitcount", "big", "-1", "-1"}), ":1\r\n");
  EXPECT_EQ(run({"bitpos", "big", "1"}), ":4294967295\r\n");
  EXPECT_EQ(run({"bitpos", "big", "0", "-1"}), ":4294967288\r\n");
  EXPECT_EQ(run({"bitfield", "big", "get", "u8", "#536870911", "get", "i8", "4294967288"}),
            "*2\r\n:1\r\n:1\r\n");
}

}  // namespace
}  // namespace cachet::server
