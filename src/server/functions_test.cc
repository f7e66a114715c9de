// FUNCTION and FCALL at command level: replies byte for byte as Redis 7.0.15 sends them (the
// integration tests compare with a live redis-server), libraries shared across threads, the
// load-time sandbox and timeout, DUMP/RESTORE, memory and FUNCTION KILL.
#include "server/functions.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server/rdb.h"
#include "server/scripting.h"
#include "server/test_session.h"
#include "store/store.h"

namespace cachet::server {
namespace {

class FunctionsTest : public CommandsTest {
 protected:
  FunctionsTest() { run({"function", "flush"}); }

  std::string load(const std::string& name, const std::string& body) {
    return run({"function", "load", "#!lua name=" + name + "\n" + body});
  }

  // Runs `words` for another client on a thread of its own (as a connection on another worker).
  std::thread run_elsewhere(std::vector<std::string> words, std::string& reply) {
    return std::thread([this, words = std::move(words), &reply] {
      Session s;
      s.authenticated = true;
      reply = run_as(s, words);
    });
  }

  bool wait_busy() {
    for (int i = 0; i < 10'000'000 && !scripts_busy(); ++i) {
      clock_.advance(std::chrono::milliseconds(10));
      std::this_thread::yield();
    }
    return scripts_busy();
  }
};

std::string bulk_of(const std::string& reply) {
  size_t eol = reply.find("\r\n");
  return reply.substr(eol + 2, std::stoul(reply.substr(1, eol - 1)));
}

TEST(LibraryMetadata, ParsesRedisShebang) {
  LibraryMetadata meta;
  EXPECT_EQ(parse_library_metadata("#!lua name=lib\nreturn", meta), "");
  EXPECT_EQ(meta.engine, "lua");
  EXPECT_EQ(meta.name, "lib");
  EXPECT_EQ(meta.body, "\nreturn");
  EXPECT_EQ(parse_library_metadata("#!LUA NAME=\"q\"\n", meta), "");
  EXPECT_EQ(meta.name, "q");
  EXPECT_EQ(parse_library_metadata("return 1", meta), "Missing library metadata");
  EXPECT_EQ(parse_library_metadata("#!lua name=x", meta), "Invalid library metadata");
  EXPECT_EQ(parse_library_metadata("#!lua\n", meta), "Library name was not given");
  EXPECT_EQ(parse_library_metadata("#!lua name=a b=c\n", meta),
            "Invalid metadata value given: b=c");
  EXPECT_EQ(parse_library_metadata("#!lua name=a name=b\n", meta),
            "Invalid metadata value, name argument was given multiple times");
  EXPECT_TRUE(valid_function_name("a_B9"));
  EXPECT_FALSE(valid_function_name(""));
  EXPECT_FALSE(valid_function_name("a-b"));
}

TEST_F(FunctionsTest, LoadCallReplaceDelete) {
  EXPECT_EQ(load("lib",
                 "redis.register_function('f', function(keys, args) return {keys[1], "
                 "args[1]} end)"),
            "$3\r\nlib\r\n");
  EXPECT_EQ(run({"fcall", "f", "1", "k", "a"}), "*2\r\n$1\r\nk\r\n$1\r\na\r\n");
  EXPECT_EQ(run({"fcall", "F", "0", "a"}), "*0\r\n");  // names are case-insensitive
  EXPECT_EQ(load("lib", "redis.register_function('g', function() return 1 end)"),
            "-ERR Library 'lib' already exists\r\n");
  EXPECT_EQ(run({"function", "load", "replace",
                 "#!lua name=lib\nredis.register_function('g', function() return 2 end)"}),
            "$3\r\nlib\r\n");
  EXPECT_EQ(run({"fcall", "f", "0"}), "-ERR Function not found\r\n");
  EXPECT_EQ(run({"fcall", "g", "0"}), ":2\r\n");
  EXPECT_EQ(load("other", "redis.register_function('G', function() return 3 end)"),
            "-ERR Function G already exists\r\n");
  EXPECT_EQ(run({"function", "delete", "lib"}), "+OK\r\n");
  EXPECT_EQ(run({"function", "delete", "lib"}), "-ERR Library not found\r\n");
  EXPECT_EQ(run({"fcall", "g", "0"}), "-ERR Function not found\r\n");
}

TEST_F(FunctionsTest, LoadTimeSandboxAndRegistrationErrors) {
  EXPECT_EQ(load("e", "local x = string.len('a')"),
            "-ERR Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'string'\r\n");
  EXPECT_EQ(load("e", "redis.call('ping')"),
            "-ERR Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'call'\r\n");
  EXPECT_EQ(load("e", "x = 1"),
            "-ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly "
            "table\r\n");
  EXPECT_EQ(load("e", "return ("),
            "-ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'\r\n");
  EXPECT_EQ(load("e", "return 1"), "-ERR No functions registered\r\n");
  EXPECT_EQ(load("e",
                 "redis.register_function('g', function() end) "
                 "redis.register_function('g', function() end)"),
            "-ERR Error registering functions: ERR Function already exists in the library\r\n");
  EXPECT_EQ(load("e",
                 "redis.register_function{function_name='x', callback=function() end, "
                 "flags={'bad'}}"),
            "-ERR Error registering functions: ERR unknown flag given\r\n");
  EXPECT_EQ(load("e", "redis.register_function{function_name='x'}"),
            "-ERR Error registering functions: ERR redis.register_function must get a callback "
            "argument\r\n");
  EXPECT_EQ(run({"function", "list"}), "*0\r\n");  // nothing half-loaded stays
}

TEST_F(FunctionsTest, LoadTimesOutOnTheInjectedClock) {
  std::string reply;
  std::thread loader([&] { reply = load("t", "while true do end"); });
  while (reply.empty()) {  // the load hook reads the clock every 100,000 instructions
    clock_.advance(std::chrono::milliseconds(100));
    std::this_thread::yield();
  }
  loader.join();
  EXPECT_EQ(reply, "-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n");
}

TEST_F(FunctionsTest, FcallRoAndNoWritesFlag) {
  ASSERT_EQ(load("l",
                 "redis.register_function{function_name='ro', callback=function(keys) "
                 "return redis.call('get', keys[1]) end, flags={'no-writes'}} "
                 "redis.register_function('rw', function(keys) return "
                 "redis.call('set', keys[1], 'v') end)"),
            "$1\r\nl\r\n");
  EXPECT_EQ(run({"fcall_ro", "rw", "1", "k"}),
            "-ERR Can not execute a script with write flag using *_ro command.\r\n");
  EXPECT_EQ(run({"fcall", "rw", "1", "k"}), "+OK\r\n");
  EXPECT_EQ(run({"fcall_ro", "ro", "1", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(run({"fcall", "ro", "x"}), "-ERR Bad number of keys provided\r\n");
  EXPECT_EQ(run({"fcall", "ro", "2", "k"}),
            "-ERR Number of keys can't be greater than number of args\r\n");
  EXPECT_EQ(run({"fcall", "ro", "-1"}), "-ERR Number of keys can't be negative\r\n");
}

TEST_F(FunctionsTest, FcallLocksOnlyItsDeclaredKeysShard) {
  std::string a = "k0", b = "k1";
  for (int i = 2; store::shard_of(store::hash_key(a)) == store::shard_of(store::hash_key(b)); ++i) {
    b = "k" + std::to_string(i);
  }
  ASSERT_EQ(load("b",
                 "redis.register_function('hold', function(keys) redis.call('get', keys[1]) "
                 "while true do end end)"),
            "$1\r\nb\r\n");
  run({"config", "set", "busy-reply-threshold", "100"});
  std::string reply;
  std::thread caller = run_elsewhere({"fcall", "hold", "1", a}, reply);
  ASSERT_TRUE(wait_busy());
  { auto lock = instance_.store().lock(0, store::hash_key(b)); }  // b's shard stays free
  EXPECT_EQ(run({"function", "kill"}), "+OK\r\n");
  caller.join();
  EXPECT_NE(reply.find("Script killed by user"), std::string::npos) << reply;
}

TEST_F(FunctionsTest, AnUndeclaredKeyBeforeAWriteRerunsUnderTheFullLock) {
  run({"rpush", "l", "3", "1", "2"});
  ASSERT_EQ(load("s",
                 "redis.register_function('sorter', function(keys) "
                 "redis.call('llen', keys[1]) return redis.call('sort', keys[1]) end)"),
            "$1\r\ns\r\n");
  EXPECT_EQ(run({"fcall", "sorter", "1", "l"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_TRUE(find_function("sorter").function->needs_full_lock.load());
}

TEST_F(FunctionsTest, OtherThreadsSeeTheSameLibraries) {
  ASSERT_EQ(load("l",
                 "local n = 0 redis.register_function('count', function() n = n + 1 "
                 "return n end)"),
            "$1\r\nl\r\n");
  EXPECT_EQ(run({"fcall", "count", "0"}), ":1\r\n");
  std::string first, after_replace;
  run_elsewhere({"fcall", "count", "0"}, first).join();  // its own interpreter: a fresh counter
  EXPECT_EQ(first, ":1\r\n");
  ASSERT_EQ(run({"function", "load", "replace",
                 "#!lua name=l\nredis.register_function('count', function() return 'new' end)"}),
            "$1\r\nl\r\n");
  run_elsewhere({"fcall", "count", "0"}, after_replace).join();
  EXPECT_EQ(after_replace, "$3\r\nnew\r\n");
}

// Regression (found by the randomized differential test): replacing one library reset the Lua
// state of every other library on the thread.
TEST_F(FunctionsTest, RemovingALibraryKeepsTheOthersState) {
  ASSERT_EQ(load("counter",
                 "local n = 0 redis.register_function('count', function() n = n + 1 "
                 "return n end)"),
            "$7\r\ncounter\r\n");
  ASSERT_EQ(load("other", "redis.register_function('o', function() return 1 end)"),
            "$5\r\nother\r\n");
  EXPECT_EQ(run({"fcall", "count", "0"}), ":1\r\n");
  ASSERT_EQ(run({"function", "load", "replace",
                 "#!lua name=other\nredis.register_function('o', function() return 2 end)"}),
            "$5\r\nother\r\n");
  EXPECT_EQ(run({"fcall", "o", "0"}), ":2\r\n");
  EXPECT_EQ(run({"fcall", "count", "0"}), ":2\r\n");
  EXPECT_EQ(run({"function", "delete", "other"}), "+OK\r\n");
  EXPECT_EQ(run({"fcall", "count", "0"}), ":3\r\n");
  run({"function", "flush"});
  ASSERT_EQ(load("counter",
                 "local n = 0 redis.register_function('count', function() n = n + 1 "
                 "return n end)"),
            "$7\r\ncounter\r\n");
  EXPECT_EQ(run({"fcall", "count", "0"}), ":1\r\n");
}

// Payloads of Redis 7.0-rc1/rc2 carry the name and engine apart from the code.
TEST_F(FunctionsTest, RestoresTheOldRecordFormat) {
  std::string payload(1, static_cast<char>(rdb::kOpcodeFunction));
  rdb::append_string(payload, "old");
  rdb::append_string(payload, "LUA");
  rdb::append_length(payload, 1);
  rdb::append_string(payload, "a description");
  rdb::append_string(payload, "redis.register_function('old_f', function() return 'old' end)");
  rdb::append_footer(payload);
  EXPECT_EQ(run({"function", "restore", payload}), "+OK\r\n");
  EXPECT_EQ(run({"fcall", "old_f", "0"}), "$3\r\nold\r\n");
  std::string not_function = std::string(1, '\0');
  rdb::append_footer(not_function);
  EXPECT_EQ(run({"function", "restore", not_function}), "-ERR given type is not a function\r\n");
}

// Clients on four threads replace, delete, restore and call the same libraries at once: every
// reply is one a serial order could give, and nothing crashes (run under ASan in CI).
TEST_F(FunctionsTest, ConcurrentLoadsDeletesAndCalls) {
  auto code = [](int version) {
    return "#!lua name=shared\nredis.register_function('v', function() return " +
           std::to_string(version) + " end)";
  };
  ASSERT_EQ(run({"function", "load", code(0)}), "$6\r\nshared\r\n");
  std::string dump = bulk_of(run({"function", "dump"}));
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Session s;
      s.authenticated = true;
      for (int i = 0; i < 300; ++i) {
        std::string reply;
        switch ((i + t) % 4) {
          case 0:
            reply = run_as(s, {"function", "load", "replace", code(i % 10)});
            if (reply != "$6\r\nshared\r\n") ++bad;
            break;
          case 1:
            reply = run_as(s, {"function", "delete", "shared"});
            if (reply != "+OK\r\n" && reply != "-ERR Library not found\r\n") ++bad;
            break;
          case 2:
            reply = run_as(s, {"function", "restore", dump, "replace"});
            if (reply != "+OK\r\n") ++bad;
            break;
          default:
            reply = run_as(s, {"fcall", "v", "0"});
            if (!(reply.size() == 4 && reply[0] == ':') && reply != "-ERR Function not found\r\n") {
              ++bad;
            }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(function_counts().libraries, 1u);
}

TEST_F(FunctionsTest, DumpRestorePolicies) {
  ASSERT_EQ(load("a", "redis.register_function('fa', function() return 1 end)"), "$1\r\na\r\n");
  std::string dump = bulk_of(run({"function", "dump"}));
  EXPECT_EQ(run({"function", "restore", dump}), "-ERR Library a already exists\r\n");
  EXPECT_EQ(run({"function", "restore", dump, "replace"}), "+OK\r\n");
  EXPECT_EQ(run({"function", "flush"}), "+OK\r\n");
  ASSERT_EQ(load("b", "redis.register_function('fa', function() return 2 end)"), "$1\r\nb\r\n");
  EXPECT_EQ(run({"function", "restore", dump, "replace"}), "-ERR Function fa already exists\r\n");
  EXPECT_EQ(run({"function", "restore", dump, "flush"}), "+OK\r\n");
  EXPECT_EQ(run({"fcall", "fa", "0"}), ":1\r\n");
  dump[3] ^= 1;
  EXPECT_EQ(run({"function", "restore", dump}),
            "-ERR DUMP payload version or checksum are wrong\r\n");
  EXPECT_EQ(run({"function", "restore", dump, "bogus"}),
            "-ERR Wrong restore policy given, value should be either FLUSH, APPEND or "
            "REPLACE.\r\n");
}

TEST_F(FunctionsTest, StatsListAndMemory) {
  ASSERT_EQ(load("lib",
                 "redis.register_function{function_name='f', description='d', "
                 "callback=function() return 1 end, flags={'no-writes', 'allow-stale'}}"),
            "$3\r\nlib\r\n");
  EXPECT_EQ(run({"function", "stats"}),
            "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n"
            "$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:1\r\n");
  EXPECT_EQ(run({"function", "list", "libraryname", "L*"}),
            "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$3\r\nlib\r\n$6\r\nengine\r\n$3\r\nLUA\r\n"
            "$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$1\r\nf\r\n$11\r\ndescription\r\n"
            "$1\r\nd\r\n$5\r\nflags\r\n*2\r\n+no-writes\r\n+allow-stale\r\n");
  EXPECT_EQ(run({"function", "list", "libraryname", "x*"}), "*0\r\n");
  EXPECT_GT(function_counts().bytes, 0u);
  EXPECT_EQ(run({"fcall", "f", "0"}), ":1\r\n");
  EXPECT_GT(script_memory().function_vm_bytes, 0u);
  run({"function", "flush"});
  EXPECT_EQ(function_counts().bytes, 0u);
  EXPECT_EQ(function_counts().libraries, 0u);
}

TEST_F(FunctionsTest, FunctionKillStopsABusyFunction) {
  ASSERT_EQ(load("b", "redis.register_function('spin', function() while true do end end)"),
            "$1\r\nb\r\n");
  run({"config", "set", "busy-reply-threshold", "100"});
  std::string reply;
  std::thread caller = run_elsewhere({"fcall", "spin", "0"}, reply);
  ASSERT_TRUE(wait_busy());
  EXPECT_EQ(run({"get", "x"}),
            "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
            "NOSAVE.\r\n");
  EXPECT_EQ(run({"script", "kill"}),
            "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
            "NOSAVE.\r\n");
  std::string stats = run({"function", "stats"});
  EXPECT_NE(stats.find("$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*3\r\n$5\r\nfcall\r\n"),
            std::string::npos)
      << stats;
  EXPECT_EQ(run({"function", "kill"}), "+OK\r\n");
  caller.join();
  EXPECT_EQ(
      reply,
      "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n");
}

}  // namespace
}  // namespace cachet::server
