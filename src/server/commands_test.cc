// Command-level tests: drive an in-process Instance with argument vectors and compare the raw
// RESP replies with what Redis 7 sends.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "server/command.h"
#include "server/instance.h"
#include "server/test_session.h"

namespace cachet::server {
namespace {

using namespace std::chrono_literals;

// Key positions of an invocation shorter than the arity are none, and finding them reads only
// the invocation's own arguments (each is its own heap vector here, so a sanitizer run catches
// a read past it): prefetch asks before the arity check.
TEST(KeysOf, InvocationsShorterThanTheArityHaveNoKeys) {
  for (const CommandSpec* spec : all_commands()) {
    if (spec->arity >= 0) continue;
    for (size_t argc = 1; argc < static_cast<size_t>(-spec->arity); ++argc) {
      std::vector<std::string_view> args(argc, "1");
      args[0] = spec->name;
      EXPECT_TRUE(keys_of(*spec, args).empty()) << spec->name << " with " << argc;
    }
  }
}

TEST_F(CommandsTest, SetGetAndOptions) {
  EXPECT_EQ(run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"get", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(run({"GET", "missing"}), "$-1\r\n");
  EXPECT_EQ(run({"SET", "k", "w", "NX"}), "$-1\r\n");
  EXPECT_EQ(run({"SET", "k", "w", "XX", "GET"}), "$1\r\nv\r\n");
  EXPECT_EQ(run({"SET", "new", "w", "XX"}), "$-1\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "0"}), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "10", "PX", "5"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "9223372036854775807"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(run({"SET", "k"}), "-ERR wrong number of arguments for 'set' command\r\n");
}

TEST_F(CommandsTest, ExpiryWithInjectedClock) {
  EXPECT_EQ(run({"SET", "k", "v", "PX", "1500"}), "+OK\r\n");
  EXPECT_EQ(run({"PTTL", "k"}), ":1500\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":2\r\n");  // rounded like Redis
  EXPECT_EQ(run({"SET", "k", "v2", "KEEPTTL"}), "+OK\r\n");
  EXPECT_EQ(run({"PTTL", "k"}), ":1500\r\n");
  clock_.advance(1500ms);
  EXPECT_EQ(run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":-2\r\n");
  EXPECT_EQ(run({"SET", "p", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "p"}), ":-1\r\n");
  EXPECT_EQ(run({"EXPIRE", "p", "100", "XX"}), ":0\r\n");
  EXPECT_EQ(run({"EXPIRE", "p", "100", "NX"}), ":1\r\n");
  EXPECT_EQ(run({"EXPIRE", "p", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(run({"EXPIRE", "p", "50", "LT"}), ":1\r\n");
  EXPECT_EQ(run({"EXPIRE", "p", "50", "NX", "XX"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(run({"EXPIRE", "p", "50", "GT", "LT"}),
            "-ERR GT and LT options at the same time are not compatible\r\n");
  EXPECT_EQ(run({"EXPIRE", "p", "50", "YY"}), "-ERR Unsupported option YY\r\n");
  int64_t at = (clock_.now_ms() + 50'000) / 1000;
  EXPECT_EQ(run({"EXPIRETIME", "p"}), ":" + std::to_string(at) + "\r\n");
  EXPECT_EQ(run({"PERSIST", "p"}), ":1\r\n");
  EXPECT_EQ(run({"PERSIST", "p"}), ":0\r\n");
  EXPECT_EQ(run({"PEXPIRE", "p", "-1"}), ":1\r\n");  // a past time deletes the key
  EXPECT_EQ(run({"EXISTS", "p"}), ":0\r\n");
  EXPECT_EQ(run({"SETEX", "s", "0", "v"}), "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(run({"GETEX", "missing", "PERSIST"}), "$-1\r\n");
}

TEST_F(CommandsTest, Counters) {
  EXPECT_EQ(run({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(run({"INCRBY", "n", "41"}), ":42\r\n");
  EXPECT_EQ(run({"DECRBY", "n", "2"}), ":40\r\n");
  EXPECT_EQ(run({"SET", "big", "9223372036854775807"}), "+OK\r\n");
  EXPECT_EQ(run({"INCR", "big"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(run({"DECRBY", "n", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
  EXPECT_EQ(run({"SET", "s", "abc"}), "+OK\r\n");
  EXPECT_EQ(run({"INCR", "s"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"SET", "f", "10.50"}), "+OK\r\n");
  EXPECT_EQ(run({"INCRBYFLOAT", "f", "0.1"}), "$4\r\n10.6\r\n");
  EXPECT_EQ(run({"SET", "g", "5.0e3"}), "+OK\r\n");
  EXPECT_EQ(run({"INCRBYFLOAT", "g", "2.0e2"}), "$4\r\n5200\r\n");
  EXPECT_EQ(run({"INCRBYFLOAT", "f", "abc"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(run({"INCRBYFLOAT", "f", "inf"}), "-ERR increment would produce NaN or Infinity\r\n");
}

TEST_F(CommandsTest, StringRanges) {
  EXPECT_EQ(run({"APPEND", "a", "Hello"}), ":5\r\n");
  EXPECT_EQ(run({"APPEND", "a", " World"}), ":11\r\n");
  EXPECT_EQ(run({"GETRANGE", "a", "0", "4"}), "$5\r\nHello\r\n");
  EXPECT_EQ(run({"GETRANGE", "a", "-5", "-1"}), "$5\r\nWorld\r\n");
  EXPECT_EQ(run({"GETRANGE", "a", "5", "1"}), "$0\r\n\r\n");
  EXPECT_EQ(run({"SETRANGE", "a", "6", "Redis"}), ":11\r\n");
  EXPECT_EQ(run({"GET", "a"}), "$11\r\nHello Redis\r\n");
  EXPECT_EQ(run({"SETRANGE", "z", "3", "x"}), ":4\r\n");
  EXPECT_EQ(run({"GET", "z"}), std::string("$4\r\n\0\0\0x\r\n", 10));
  EXPECT_EQ(run({"SETRANGE", "z", "-1", "x"}), "-ERR offset is out of range\r\n");
  EXPECT_EQ(run({"SETRANGE", "z", "536870911", "xx"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(run({"STRLEN", "a"}), ":11\r\n");
  EXPECT_EQ(run({"STRLEN", "missing"}), ":0\r\n");
}

TEST_F(CommandsTest, MultiKey) {
  EXPECT_EQ(run({"MSET", "a", "1", "b", "2"}), "+OK\r\n");
  EXPECT_EQ(run({"MSET", "a", "1", "b"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(run({"MGET", "a", "x", "b"}), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
  EXPECT_EQ(run({"MSETNX", "c", "3", "a", "9"}), ":0\r\n");
  EXPECT_EQ(run({"EXISTS", "c"}), ":0\r\n");
  EXPECT_EQ(run({"MSETNX", "c", "3", "d", "4"}), ":1\r\n");
  EXPECT_EQ(run({"EXISTS", "a", "a", "nope"}), ":2\r\n");
  EXPECT_EQ(run({"DEL", "a", "b", "nope"}), ":2\r\n");
  EXPECT_EQ(run({"DBSIZE"}), ":2\r\n");
}

TEST_F(CommandsTest, RenameKeepsTtl) {
  EXPECT_EQ(run({"RENAME", "nope", "x"}), "-ERR no such key\r\n");
  run({"SET", "a", "1", "EX", "100"});
  EXPECT_EQ(run({"RENAME", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "b"}), ":100\r\n");
  EXPECT_EQ(run({"EXISTS", "a"}), ":0\r\n");
  run({"SET", "c", "3"});
  EXPECT_EQ(run({"RENAMENX", "b", "c"}), ":0\r\n");
  EXPECT_EQ(run({"RENAMENX", "b", "d"}), ":1\r\n");
  EXPECT_EQ(run({"TYPE", "d"}), "+string\r\n");
  EXPECT_EQ(run({"TYPE", "b"}), "+none\r\n");
}

TEST_F(CommandsTest, KeysScanAndSelect) {
  run({"MSET", "user:1", "a", "user:2", "b", "other", "c"});
  std::string keys = run({"KEYS", "user:*"});
  EXPECT_EQ(keys.substr(0, 4), "*2\r\n");
  EXPECT_EQ(run({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(run({"SCAN", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SCAN", "0", "MATCH", "other", "COUNT", "1000"}),
            "*2\r\n$1\r\n0\r\n*1\r\n$5\r\nother\r\n");
  EXPECT_EQ(run({"SCAN", "0", "TYPE", "hash", "COUNT", "1000"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(run({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(run({"RANDOMKEY"}), "$-1\r\n");
  EXPECT_EQ(run({"SELECT", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(run({"SELECT", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"FLUSHALL", "LATER"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(run({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(run({"DBSIZE"}), ":0\r\n");
}

TEST_F(CommandsTest, UnknownCommandsAndSubcommands) {
  EXPECT_EQ(run({"FOO", "a", "b"}),
            "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(run({"CLIENT", "FOO"}), "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(run({"CLIENT"}), "-ERR wrong number of arguments for 'client' command\r\n");
  EXPECT_EQ(run({"CLIENT", "SETNAME"}),
            "-ERR wrong number of arguments for 'client|setname' command\r\n");
  EXPECT_EQ(run({"CLIENT", "SETNAME", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
}

TEST_F(CommandsTest, AuthRequired) {
  ASSERT_EQ(run({"CONFIG", "SET", "requirepass", "pw"}), "+OK\r\n");
  session_.authenticated = false;
  EXPECT_EQ(run({"GET", "k"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(run({"AUTH", "wrong"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(run({"AUTH", "pw"}), "+OK\r\n");
  EXPECT_EQ(run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(run({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(run({"GET", "k"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(run({"AUTH", "default", "pw"}), "+OK\r\n");
}

TEST_F(CommandsTest, AuthWithoutPassword) {
  EXPECT_EQ(run({"AUTH", "x"}),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(run({"AUTH", "default", "anything"}), "+OK\r\n");
}

TEST_F(CommandsTest, HelloSwitchesProtocol) {
  EXPECT_EQ(run({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  std::string reply = run({"HELLO", "3", "SETNAME", "me"});
  EXPECT_EQ(reply.substr(0, 4), "%7\r\n");
  EXPECT_EQ(session_.protocol, 3);
  EXPECT_EQ(run({"GET", "missing"}), "_\r\n");
  EXPECT_EQ(run({"HELLO", "2"}).substr(0, 5), "*14\r\n");
}

TEST_F(CommandsTest, ConfigGetSet) {
  EXPECT_EQ(run({"CONFIG", "SET", "maxmemory", "10mb"}), "+OK\r\n");
  EXPECT_EQ(run({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "maxmemory", "lots"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "nope", "1"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}), "+OK\r\n");
  // Redis's message, listing cachet's extra policy too.
  EXPECT_EQ(run({"CONFIG", "SET", "maxmemory-policy", "sometimes"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
            "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
            "noeviction, allkeys-tinylfu\r\n");
  EXPECT_EQ(run({"CONFIG", "GET", "maxmemory-p*"}),
            "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n");
}

TEST_F(CommandsTest, MaxmemoryRefusesWrites) {
  run({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  run({"CONFIG", "SET", "maxmemory", "1"});
  EXPECT_EQ(run({"SET", "a", "1"}), "+OK\r\n");  // the first write fits: memory was empty
  EXPECT_EQ(run({"SET", "b", "1"}), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(run({"GET", "a"}), "$1\r\n1\r\n");  // reads still work
  EXPECT_EQ(run({"DEL", "a"}), ":1\r\n");       // and so do deletes
}

TEST_F(CommandsTest, CommandIntrospection) {
  std::string info = run({"COMMAND", "INFO", "get", "nope"});
  EXPECT_EQ(info.substr(0, 22), "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n");
  EXPECT_TRUE(info.ends_with("$-1\r\n"));
  EXPECT_EQ(run({"COMMAND", "COUNT"}), ":" + std::to_string(all_commands().size()) + "\r\n");
  EXPECT_NE(run({"COMMAND", "DOCS", "set"}).find("Sets the string value of a key."),
            std::string::npos);
}

TEST_F(CommandsTest, InfoSections) {
  run({"SET", "a", "1", "EX", "100"});
  run({"GET", "a"});
  run({"GET", "b"});
  std::string info = run({"INFO"});
  EXPECT_NE(info.find("# Server\r\nredis_version:7.0.15\r\n"), std::string::npos);
  EXPECT_NE(info.find("keyspace_hits:1\r\n"), std::string::npos);
  EXPECT_NE(info.find("keyspace_misses:1\r\n"), std::string::npos);
  EXPECT_NE(info.find("db0:keys=1,expires=1,avg_ttl=0\r\n"), std::string::npos);
  std::string memory = run({"INFO", "memory"});
  EXPECT_NE(memory.find("used_memory:"), std::string::npos);
  EXPECT_EQ(memory.find("# Server"), std::string::npos);
}

}  // namespace
}  // namespace cachet::server

namespace cachet::server {
namespace {

TEST_F(CommandsTest, LargeHashesAndRandomFields) {
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(run({"HSET", "big", "field" + std::to_string(i), std::to_string(i)}), ":1\r\n");
  }
  EXPECT_EQ(run({"HLEN", "big"}), ":300\r\n");
  EXPECT_EQ(run({"HGET", "big", "field123"}), "$3\r\n123\r\n");
  EXPECT_EQ(run({"HINCRBY", "big", "field123", "1"}), ":124\r\n");
  EXPECT_EQ(run({"HRANDFIELD", "big", "5"}).substr(0, 4), "*5\r\n");
  EXPECT_EQ(run({"HRANDFIELD", "big", "-500"}).substr(0, 6), "*500\r\n");  // repeats allowed
  EXPECT_EQ(run({"HRANDFIELD", "big", "1000", "WITHVALUES"}).substr(0, 6), "*600\r\n");
  EXPECT_EQ(run({"HRANDFIELD", "big", "-9223372036854775807"}), "-ERR value is out of range\r\n");
  session_.protocol = 3;
  EXPECT_EQ(run({"HRANDFIELD", "big", "2", "WITHVALUES"}).substr(0, 8), "*2\r\n*2\r\n");
  EXPECT_EQ(run({"HGETALL", "big"}).substr(0, 6), "%300\r\n");
  session_.protocol = 2;
  // HSCAN of a table-encoded hash walks every field, a few per call.
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::vector<std::string_view> args;
    std::string reply = run({"HSCAN", "big", cursor, "COUNT", "20"});
    size_t at = reply.find("\r\n", 4) + 2;  // "*2\r\n$N\r\n" then the cursor
    size_t end = reply.find("\r\n", at);
    cursor = reply.substr(at, end - at);
    for (size_t pos = reply.find("field"); pos != std::string::npos;
         pos = reply.find("field", pos + 1)) {
      seen.insert(reply.substr(pos, reply.find("\r\n", pos) - pos));
    }
    ++calls;
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_GT(calls, 5);
  for (int i = 0; i < 300; ++i) run({"HDEL", "big", "field" + std::to_string(i)});
  EXPECT_EQ(run({"EXISTS", "big"}), ":0\r\n");
}

// Regression (found by the randomized differential test): GETEX PERSIST on a key without a TTL
// changes nothing, so a transaction watching the key still runs, as in Redis.
TEST_F(CommandsTest, GetexPersistWithoutTtlLeavesWatchClean) {
  EXPECT_EQ(run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"WATCH", "k"}), "+OK\r\n");
  EXPECT_EQ(run({"GETEX", "k", "PERSIST"}), "$1\r\nv\r\n");
  EXPECT_EQ(run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(run({"GET", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(run({"EXEC"}), "*1\r\n$1\r\nv\r\n");
}

}  // namespace
}  // namespace cachet::server
