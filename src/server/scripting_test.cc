// EVAL family and SCRIPT: replies byte for byte as Redis 7.0.15 sends them, the locking rule
// (declared keys, undeclared ones), BUSY and SCRIPT KILL.
#include "server/scripting.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "server/test_session.h"
#include "store/store.h"

namespace cachet::server {
namespace {

class ScriptingTest : public CommandsTest {
 protected:
  ScriptingTest() { run({"script", "flush"}); }

  std::string eval(const std::string& body) { return run({"eval", body, "0"}); }

  // Two keys in different shards of a database.
  static std::pair<std::string, std::string> keys_in_two_shards() {
    std::string a = "k0";
    for (int i = 1;; ++i) {
      std::string b = "k" + std::to_string(i);
      if (store::shard_of(store::hash_key(a)) != store::shard_of(store::hash_key(b))) return {a, b};
    }
  }

  // Waits (bounded) until a script is busy, moving the injected clock past the threshold.
  bool wait_busy() {
    for (int i = 0; i < 10'000'000 && !scripts_busy(); ++i) {
      clock_.advance(std::chrono::milliseconds(10));
      std::this_thread::yield();
    }
    return scripts_busy();
  }
};

TEST(Sha1, KnownDigests) {
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(sha1_hex(std::string(1000, 'a')), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
  EXPECT_EQ(sha1_hex("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST_F(ScriptingTest, LuaValuesBecomeRedisReplies) {
  EXPECT_EQ(eval("return {1,2,3.7,'a',nil,4}"), "*4\r\n:1\r\n:2\r\n:3\r\n$1\r\na\r\n");
  EXPECT_EQ(eval("return {1,{2,{3}},false,true}"),
            "*4\r\n:1\r\n*2\r\n:2\r\n*1\r\n:3\r\n$-1\r\n:1\r\n");
  EXPECT_EQ(eval("return -3.7"), ":-3\r\n");
  EXPECT_EQ(eval("return 1e20"), ":-9223372036854775808\r\n");
  EXPECT_EQ(eval("return nil"), "$-1\r\n");
  EXPECT_EQ(eval("return {ok='x'}"), "+x\r\n");
  EXPECT_EQ(eval("return {err='x'}"), "-x\r\n");
  EXPECT_EQ(eval("return {err=1}"), "*0\r\n");
  EXPECT_EQ(eval("return {double=3.5}"), "$3\r\n3.5\r\n");
  EXPECT_EQ(eval("return {map={a=1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(eval("return {set={a=true}}"), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(eval("return redis.status_reply('FINE')"), "+FINE\r\n");
  EXPECT_EQ(eval("return redis.error_reply('noprefix')"), "-ERR noprefix\r\n");
  EXPECT_EQ(eval("return redis.error_reply(1)"), "-ERR wrong number or type of arguments\r\n");
  EXPECT_EQ(eval("return redis.sha1hex('')"),
            "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n");
  EXPECT_EQ(eval("return redis.REDIS_VERSION_NUM"), ":458767\r\n");
}

TEST_F(ScriptingTest, Resp3RepliesForARespThreeCaller) {
  session_.protocol = 3;
  EXPECT_EQ(eval("redis.setresp(3) return {true, false, {double=2.5}, {big_number='12'}}"),
            "*4\r\n#t\r\n#f\r\n,2.5\r\n(12\r\n");
  EXPECT_EQ(eval("return {true, false}"), "*2\r\n:1\r\n_\r\n");
  EXPECT_EQ(eval("return {verbatim_string={format='txt', string='hi'}}"), "=6\r\ntxt:hi\r\n");
}

TEST_F(ScriptingTest, RedisRepliesBecomeLuaValues) {
  run({"hset", "h", "f", "v"});
  run({"zadd", "z", "1.5", "m"});
  EXPECT_EQ(eval("return type(redis.call('get','nokey'))"), "$7\r\nboolean\r\n");
  EXPECT_EQ(eval("return redis.call('hgetall','h')"), "*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
  EXPECT_EQ(eval("redis.setresp(3) return redis.call('hgetall','h').map.f"), "$1\r\nv\r\n");
  EXPECT_EQ(eval("redis.setresp(3) return redis.call('zscore','z','m').double * 2"), ":3\r\n");
  EXPECT_EQ(eval("redis.setresp(3) return redis.call('get','nokey') == nil"), ":1\r\n");
  EXPECT_EQ(eval("return redis.pcall('incr','h')"),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(eval("return redis.call('set','n',3.5)"), "+OK\r\n");
  EXPECT_EQ(run({"get", "n"}), "$3\r\n3.5\r\n");
}

TEST_F(ScriptingTest, ErrorsCarryTheScriptAndLine) {
  EXPECT_EQ(eval("return x"),
            "-ERR user_script:1: Script attempted to access nonexistent global variable 'x' "
            "script: 03c387736bb5cc009ff35151572cee04677aa374, on @user_script:1.\r\n");
  EXPECT_EQ(eval("x ="),
            "-ERR Error compiling script (new function): user_script:1: unexpected symbol near "
            "'<eof>'\r\n");
  EXPECT_EQ(eval("x = 1"),
            "-ERR user_script:1: Attempt to modify a readonly table script: "
            "34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.\r\n");
  EXPECT_EQ(eval(R"(return redis.call("nosuch"))"),
            "-ERR Unknown Redis command called from script script: "
            "2218effcac8108416909801acfb39c080a85adfa, on @user_script:1.\r\n");
  EXPECT_EQ(eval(R"(return redis.call("get"))"),
            "-ERR Wrong number of args calling Redis command from script script: "
            "ad9cf9305028be601cfd2abed4ce895eb41a4a6f, on @user_script:1.\r\n");
  EXPECT_EQ(eval(R"(return redis.call("blpop","a","0"))"),
            "-ERR This Redis command is not allowed from script script: "
            "1141585f8150dc3dce325d77574b99d71b2afcf2, on @user_script:1.\r\n");
  EXPECT_EQ(eval(R"(error({err="MY boom"}))"),
            "-MY boom script: 6f210a79061330ed689d8391066504f6e8d371f5, on @user_script:1.\r\n");
  EXPECT_EQ(eval("rawset(_G,'x',1) return 1"),
            "-ERR Attempt to modify a readonly table script: "
            "370407d93b0e11a2c9fdd10662499a6b5ac61d6f, on @user_script:1.\r\n");
  EXPECT_EQ(eval("return {loadstring(string.dump(function() return 1 end))}"), "*0\r\n");
  EXPECT_EQ(run({"eval", "return 1", "-1"}), "-ERR Number of keys can't be negative\r\n");
  EXPECT_EQ(run({"eval", "return 1", "3", "a"}),
            "-ERR Number of keys can't be greater than number of args\r\n");
}

TEST_F(ScriptingTest, SandboxHidesUnsafeGlobals) {
  for (const char* name : {"os", "io", "require", "dofile", "loadfile", "print", "debug"}) {
    std::string reply = eval(std::string("return type(") + name + ")");
    EXPECT_NE(reply.find("Script attempted to access nonexistent global variable"),
              std::string::npos)
        << name;
  }
  EXPECT_EQ(eval("return cjson.encode({1,2})"), "$5\r\n[1,2]\r\n");
  EXPECT_EQ(eval("return bit.band(7, 3)"), ":3\r\n");
  EXPECT_NE(eval("getmetatable('').__index = {}").find("Attempt to modify a readonly table"),
            std::string::npos);
}

TEST_F(ScriptingTest, ShebangFlagsAndReadOnlyCommands) {
  EXPECT_EQ(eval("#!lua flags=bogus\nreturn 1"),
            "-ERR Unexpected flag in script shebang: bogus\r\n");
  EXPECT_EQ(eval("#!luax\nreturn 1"), "-ERR Unexpected engine in script shebang: #!luax\r\n");
  EXPECT_EQ(eval("#!lua foo=bar\nreturn 1"), "-ERR Unknown lua shebang option: foo=bar\r\n");
  EXPECT_EQ(eval("#!lua"), "-ERR Invalid script shebang\r\n");
  EXPECT_EQ(eval("#!lua\nreturn x").substr(0, 22), "-ERR user_script:2: Sc");
  EXPECT_EQ(eval("#!lua flags=no-writes\nreturn redis.call('set','a','1')"),
            "-ERR Write commands are not allowed from read-only scripts. script: "
            "71c6978aa8dbb43cfeb7536150d4b9326e6031a2, on @user_script:2.\r\n");
  EXPECT_EQ(run({"eval_ro", "return redis.pcall('set','a','1')", "0"}),
            "-ERR Write commands are not allowed from read-only scripts.\r\n");
  EXPECT_EQ(run({"eval_ro", "#!lua\nreturn 1", "0"}),
            "-ERR Can not execute a script with write flag using *_ro command.\r\n");
  EXPECT_EQ(run({"eval_ro", "return redis.call('get','a')", "0"}), "$-1\r\n");
}

TEST_F(ScriptingTest, ScriptCacheLoadExistsFlush) {
  std::string sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
  EXPECT_EQ(run({"evalsha", sha, "0"}), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(run({"script", "load", "return 1"}), "$40\r\n" + sha + "\r\n");
  EXPECT_EQ(run({"script", "exists", sha, "ffff"}), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(run({"evalsha", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"}), ":1\r\n");
  EXPECT_EQ(run({"evalsha_ro", sha, "0"}), ":1\r\n");
  EXPECT_EQ(script_memory().cached_scripts, 1u);
  EXPECT_EQ(run({"script", "flush", "bogus"}),
            "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n");
  EXPECT_EQ(run({"script", "flush", "async"}), "+OK\r\n");
  EXPECT_EQ(run({"script", "exists", sha}), "*1\r\n:0\r\n");
  EXPECT_EQ(script_memory().cached_scripts, 0u);
  EXPECT_EQ(run({"script", "kill"}), "-NOTBUSY No scripts in execution right now.\r\n");
}

TEST_F(ScriptingTest, ScriptSelectDoesNotMoveTheCaller) {
  EXPECT_EQ(eval("redis.call('select', 2) return redis.call('set','z','1')"), "+OK\r\n");
  EXPECT_EQ(run({"get", "z"}), "$-1\r\n");
  EXPECT_EQ(run({"select", "2"}), "+OK\r\n");
  EXPECT_EQ(run({"get", "z"}), "$1\r\n1\r\n");
}

TEST_F(ScriptingTest, EvalInsideMultiRunsUnderExecsLock) {
  run({"multi"});
  EXPECT_EQ(run({"eval", "return redis.call('incr', KEYS[1])", "1", "c"}), "+QUEUED\r\n");
  EXPECT_EQ(run({"eval", "redis.call('select', 3) return redis.call('incr', 'o')", "0"}),
            "+QUEUED\r\n");
  EXPECT_EQ(run({"exec"}), "*2\r\n:1\r\n:1\r\n");
}

TEST_F(ScriptingTest, UndeclaredKeysInTheSameDatabaseJoinTheLock) {
  auto [a, b] = keys_in_two_shards();
  run({"set", b, "vb"});
  std::string body = "redis.call('set', KEYS[1], 'x') return {redis.call('get', ARGV[1])}";
  EXPECT_EQ(run({"eval", body, "1", a, b}), "*1\r\n$2\r\nvb\r\n");
  EXPECT_EQ(run({"eval", body, "1", b, a}), "*1\r\n$1\r\nx\r\n");
  EXPECT_FALSE(find_script(sha1_hex(body))->needs_full_lock.load());
  // A keyspace-wide command takes the whole database.
  EXPECT_EQ(run({"eval", "redis.call('get', KEYS[1]) return redis.call('dbsize')", "1", a}),
            ":2\r\n");
}

TEST_F(ScriptingTest, OtherDatabasesJoinTheLockInOrder) {
  std::string body =
      "redis.call('set', KEYS[1], 'x') redis.call('select', 1) return redis.call('incr', 'c')";
  EXPECT_EQ(run({"eval", body, "1", "k"}), ":1\r\n");
  EXPECT_FALSE(find_script(sha1_hex(body))->needs_full_lock.load());
}

TEST_F(ScriptingTest, SortBeforeAWriteRerunsUnderTheFullLock) {
  run({"rpush", "l", "3", "1", "2"});
  std::string body = "redis.call('llen', KEYS[1]) return redis.call('sort', KEYS[1])";
  EXPECT_EQ(run({"eval", body, "1", "l"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_TRUE(find_script(sha1_hex(body))->needs_full_lock.load());
}

TEST_F(ScriptingTest, SortAfterAWriteFailsThenTheNextRunLocksEverything) {
  std::string body = "redis.call('rpush', KEYS[1], 2, 1) return redis.call('sort', KEYS[1])";
  std::string sha = sha1_hex(body);
  EXPECT_EQ(run({"eval", body, "1", "l"}),
            "-ERR Script attempted to access a non-declared key or shard after writing (declare "
            "every key it uses in KEYS) script: " +
                sha + ", on @user_script:1.\r\n");
  EXPECT_EQ(run({"llen", "l"}), ":2\r\n");  // not rolled back, as in Redis
  EXPECT_EQ(run({"evalsha", sha, "1", "l"}), "*4\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n2\r\n");
}

TEST_F(ScriptingTest, ABusyLowerShardIsTriedNotWaitedFor) {
  auto [a, b] = keys_in_two_shards();
  if (store::shard_of(store::hash_key(a)) < store::shard_of(store::hash_key(b))) std::swap(a, b);
  // b's shard is below a's: a script holding a's may only try it. Another client holds it.
  auto held = instance_.store().lock(0, store::hash_key(b));
  std::string reply;
  std::thread script([&] {
    Session s;
    s.authenticated = true;
    reply = run_as(s, {"eval", "redis.call('set', KEYS[1], 'x') return redis.call('get', ARGV[1])",
                       "1", a, b});
  });
  script.join();
  EXPECT_NE(reply.find("non-declared key or shard after writing"), std::string::npos) << reply;
}

TEST_F(ScriptingTest, BusyScriptHoldsOnlyItsShardAndScriptKillStopsIt) {
  auto [a, b] = keys_in_two_shards();
  run({"config", "set", "busy-reply-threshold", "100"});
  std::string body = "redis.call('get', KEYS[1]) while true do end";
  std::string reply;
  std::thread script([&] {
    Session s;
    s.authenticated = true;
    reply = run_as(s, {"eval", body, "1", a});
  });
  ASSERT_TRUE(wait_busy());
  // Another shard stays free while the script holds its own.
  { auto lock = instance_.store().lock(0, store::hash_key(b)); }
  EXPECT_EQ(run({"get", b}),
            "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
            "NOSAVE.\r\n");
  EXPECT_EQ(run({"script", "kill"}), "+OK\r\n");
  script.join();
  EXPECT_EQ(reply, "-ERR Script killed by user with SCRIPT KILL... script: " + sha1_hex(body) +
                       ", on @user_script:1.\r\n");
  EXPECT_FALSE(scripts_busy());
  EXPECT_EQ(run({"get", b}), "$-1\r\n");
}

TEST_F(ScriptingTest, ABusyScriptThatWroteIsUnkillable) {
  run({"config", "set", "busy-reply-threshold", "100"});
  // Runs for one to two seconds of real time (TIME reads the system clock).
  std::string body =
      "redis.call('set', KEYS[1], 'x') local t = tonumber(redis.call('time')[1]) "
      "while tonumber(redis.call('time')[1]) < t + 2 do end return 1";
  std::string reply;
  std::thread script([&] {
    Session s;
    s.authenticated = true;
    reply = run_as(s, {"eval", body, "1", "w"});
  });
  ASSERT_TRUE(wait_busy());
  EXPECT_EQ(run({"script", "kill"}),
            "-UNKILLABLE Sorry the script already executed write commands against the dataset. "
            "You can either wait the script termination or kill the server in a hard way using "
            "the SHUTDOWN NOSAVE command.\r\n");
  script.join();
  EXPECT_EQ(reply, ":1\r\n");
}

}  // namespace
}  // namespace cachet::server
