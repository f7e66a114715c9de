"""Lua scripting (EVAL, EVALSHA, the _RO forms, SCRIPT) driven the way clients use it: redis-py's
Lock (acquire, extend and release run EVALSHA), register_script, `redis-cli --eval`, reply
conversions both ways, Redis 7.0's error texts, the script cache, and SCRIPT KILL of a busy
script from a second connection.

Every test runs against Debian's redis-server too (the `srv` fixture), so the expectations are
Redis 7.0's. The undeclared-key behaviour is cachet's own (Redis has no shard locks) and runs on
cachet only. No test sleeps: a busy script is detected by polling for the BUSY reply.
"""
import subprocess

import pytest
import redis

from support import Conn
from test_lists_sets import client, response_error, server_fixture

srv = server_fixture("--threads", "2")


def test_redis_py_lock_acquire_extend_release(srv):
    r = client(srv)
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert r.get("resource") == lock.local.token
    other = r.lock("resource", timeout=10)
    assert not other.acquire(blocking=False)  # held
    assert lock.extend(5)
    assert 10000 < r.pttl("resource") <= 15000
    assert lock.reacquire()
    assert r.pttl("resource") <= 10000
    lock.release()
    assert r.get("resource") is None
    assert lock.acquire(blocking=False)
    r.set("resource", "stolen")
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock.release()  # the release script sees another token
    assert r.get("resource") == b"stolen"
    r.delete("resource")
    with r.lock("resource", timeout=5):
        assert r.exists("resource") == 1
    assert r.exists("resource") == 0


def test_register_script_loads_once_and_reruns_after_flush(srv):
    r = client(srv)
    incr_by = r.register_script(
        "local v = redis.call('incrby', KEYS[1], ARGV[1]) return {v, KEYS[1], ARGV[2]}")
    assert incr_by(keys=["counter"], args=[5, "tag"]) == [5, b"counter", b"tag"]
    assert incr_by(keys=["counter"], args=[2, "tag"]) == [7, b"counter", b"tag"]
    assert r.script_exists(incr_by.sha) == [True]
    r.script_flush()
    assert r.script_exists(incr_by.sha) == [False]
    assert incr_by(keys=["counter"], args=[1, "x"]) == [8, b"counter", b"x"]  # NOSCRIPT -> EVAL


def test_script_flush_reaches_every_connection_and_worker(srv):
    """Each worker keeps its own copy of the scripts it ran; a flush from one connection must
    still make EVALSHA on every other (served by either worker thread) answer NOSCRIPT."""
    conns = [client(srv) for _ in range(6)]
    sha = conns[0].script_load("return 1")
    assert [r.evalsha(sha, 0) for r in conns] == [1] * 6
    conns[0].script_flush()
    for r in conns:
        with pytest.raises(redis.exceptions.NoScriptError):
            r.evalsha(sha, 0)
    assert conns[1].script_load("return 1") == sha
    assert [r.evalsha(sha.upper(), 0) for r in conns] == [1] * 6


def test_redis_cli_eval_file(srv, tmp_path):
    script = tmp_path / "set_and_get.lua"
    script.write_text("redis.call('set', KEYS[1], ARGV[1])\nreturn redis.call('get', KEYS[1])\n")
    out = subprocess.run(["redis-cli", "-p", str(srv.port), "--eval", str(script), "k1", ",",
                          "hello"], capture_output=True, text=True, timeout=10, check=True)
    assert out.stdout == "hello\n"
    assert client(srv).get("k1") == b"hello"


def test_reply_conversions(srv):
    c = Conn(srv.port)
    cases = {
        "return {1,2,3.7,'a',nil,4}": b"*4\r\n:1\r\n:2\r\n:3\r\n$1\r\na\r\n",
        "return {1,{2,{3}},false,true}": b"*4\r\n:1\r\n*2\r\n:2\r\n*1\r\n:3\r\n$-1\r\n:1\r\n",
        "return 1e20": b":-9223372036854775808\r\n",
        "return {ok='fine'}": b"+fine\r\n",
        "return {err='MY bad'}": b"-MY bad\r\n",
        "return {double=3.5}": b"$3\r\n3.5\r\n",
        "return {map={a=1}}": b"*2\r\n$1\r\na\r\n:1\r\n",
        "return type(redis.call('get','missing'))": b"$7\r\nboolean\r\n",
        "redis.call('hset','h','f','v') return redis.call('hgetall','h')":
            b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
        "redis.setresp(3) return redis.call('hgetall','h').map.f": b"$1\r\nv\r\n",
        "redis.setresp(3) return redis.call('get','missing') == nil": b":1\r\n",
        "return cjson.encode({1,2})": b"$5\r\n[1,2]\r\n",
        "return bit.bor(1, 6)": b":7\r\n",
    }
    for body, expected in cases.items():
        assert c.call("EVAL", body, "0") == expected, body
    assert c.call("HELLO", "3")[:1] == b"%"
    assert c.call("EVAL", "redis.setresp(3) return {true, false, {double=2.5}}", "0") == \
        b"*3\r\n#t\r\n#f\r\n,2.5\r\n"


def test_error_texts(srv):
    c = Conn(srv.port)
    cases = {
        "return x": b"-ERR user_script:1: Script attempted to access nonexistent global variable "
                    b"'x' script: 03c387736bb5cc009ff35151572cee04677aa374, on @user_script:1.\r\n",
        "x = 1": b"-ERR user_script:1: Attempt to modify a readonly table script: "
                 b"34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.\r\n",
        "x=": b"-ERR Error compiling script (new function): user_script:1: unexpected symbol near "
              b"'<eof>'\r\n",
        'return redis.call("nosuch")': b"-ERR Unknown Redis command called from script script: "
            b"2218effcac8108416909801acfb39c080a85adfa, on @user_script:1.\r\n",
        'return redis.call("get")': b"-ERR Wrong number of args calling Redis command from script "
            b"script: ad9cf9305028be601cfd2abed4ce895eb41a4a6f, on @user_script:1.\r\n",
        'return redis.call("blpop","a","0")': b"-ERR This Redis command is not allowed from "
            b"script script: 1141585f8150dc3dce325d77574b99d71b2afcf2, on @user_script:1.\r\n",
        "return redis.pcall('nosuch')": b"-ERR Unknown Redis command called from script\r\n",
        "#!lua flags=bogus\nreturn 1": b"-ERR Unexpected flag in script shebang: bogus\r\n",
        "#!lua flags=no-writes\nreturn redis.call('set','a','1')":
            b"-ERR Write commands are not allowed from read-only scripts. script: "
            b"71c6978aa8dbb43cfeb7536150d4b9326e6031a2, on @user_script:2.\r\n",
    }
    for body, expected in cases.items():
        assert c.call("EVAL", body, "0") == expected, body
    assert c.call("EVAL", "return 1", "-1") == b"-ERR Number of keys can't be negative\r\n"
    assert c.call("EVALSHA", "ffff", "0") == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    # numkeys is checked before a 40-character sha is looked up or a body compiled
    assert c.call("EVALSHA", "ffff", "1.5") == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    assert c.call("EVALSHA", "f" * 40, "1.5", "k") == \
        b"-ERR value is not an integer or out of range\r\n"
    assert c.call("EVALSHA", "f" * 40, "2", "k") == \
        b"-ERR Number of keys can't be greater than number of args\r\n"
    assert c.call("EVAL", "x=", "-1") == b"-ERR Number of keys can't be negative\r\n"
    assert c.call("EVAL_RO", "return redis.pcall('set','a','1')", "0") == \
        b"-ERR Write commands are not allowed from read-only scripts.\r\n"


def test_script_load_exists_flush(srv):
    r = client(srv)
    sha = r.script_load("return 'loaded'")
    assert len(sha) == 40
    assert r.evalsha(sha, 0) == b"loaded"
    assert r.evalsha(sha.upper(), 0) == b"loaded"
    assert r.script_exists(sha, "0" * 40) == [True, False]
    assert r.script_flush("ASYNC")
    assert r.script_exists(sha) == [False]
    assert response_error(r.script_load, "x=").startswith("Error compiling script")
    assert response_error(r.script_kill) == "NOTBUSY No scripts in execution right now."


def test_script_kill_stops_a_busy_read_only_script(srv):
    r = client(srv)
    assert r.config_set("busy-reply-threshold", 10)
    runner = Conn(srv.port)
    other = Conn(srv.port)  # opened next: another worker thread on cachet (round robin)
    body = "local n = 0 while true do n = n + 1 end"
    runner.send(b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n" % (len(body), body.encode()))
    for _ in range(1_000_000):
        reply = other.call("PING")
        if reply != b"+PONG\r\n":
            break
    assert reply == b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or " \
                    b"SHUTDOWN NOSAVE.\r\n"
    assert other.call("SCRIPT", "KILL") == b"+OK\r\n"
    assert runner.reply().startswith(b"-ERR Script killed by user with SCRIPT KILL... script: ")
    assert other.call("PING") == b"+PONG\r\n"
    assert other.call("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"


def test_eval_in_multi_and_select_inside_a_script(srv):
    r = client(srv)
    pipe = r.pipeline(transaction=True)
    pipe.eval("return redis.call('incr', KEYS[1])", 1, "c")
    pipe.eval("redis.call('select', 3) return redis.call('incr', 'elsewhere')", 0)
    assert pipe.execute() == [1, 1]
    assert r.get("elsewhere") is None  # the script's SELECT does not move the caller
    assert client(srv, db=3).get("elsewhere") == b"1"


# ---------------------------------------------------------------------------------------------
# cachet only: scripts hold the shards of their declared keys (docs/architecture.md, Scripting)


def test_undeclared_keys(srv):
    if srv.kind != "cachet":
        pytest.skip("shard locks are cachet's")
    r = client(srv)
    r.rpush("queue", "a", "b", "c")
    r.set("job:a", "1")
    r.set("job:b", "2")
    # RQ's Queue.empty(): pops the declared queue, then deletes undeclared job keys.
    drain = """local n = 0
        while true do
          local id = redis.call('lpop', KEYS[1])
          if not id then return n end
          n = n + redis.call('del', 'job:' .. id)
        end"""
    assert r.eval(drain, 1, "queue") == 2
    assert r.exists("queue", "job:a", "job:b") == 0
    # Other databases join the lock too; the caller stays in its own.
    assert r.eval("redis.call('set', KEYS[1], 1) redis.call('select', 4) "
                  "return redis.call('incr', 'x')", 1, "k") == 1
    assert client(srv, db=4).get("x") == b"1"
    # SORT can read any key: before a write the run is redone under the full lock...
    r.rpush("nums", 3, 1, 2)
    assert r.eval("redis.call('llen', KEYS[1]) return redis.call('sort', KEYS[1])", 1,
                  "nums") == [b"1", b"2", b"3"]
    # ...after one it fails (the write stays), and the next run of the script succeeds.
    sort_after_write = "redis.call('rpush', KEYS[1], 0) return redis.call('sort', KEYS[1])"
    with pytest.raises(redis.ResponseError, match="non-declared key or shard after writing"):
        r.eval(sort_after_write, 1, "nums")
    assert r.llen("nums") == 4
    assert r.eval(sort_after_write, 1, "nums") == [b"0", b"0", b"1", b"2", b"3"]


def test_commands_that_grow_memory_are_refused_inside_scripts_over_maxmemory():
    """Over maxmemory (noeviction), a script without flags still runs, but its commands that may
    grow memory fail with OOM (redis.call raises, redis.pcall returns it); reads and deletes run,
    and `#!lua flags=allow-oom` lets writes through. Compared with redis-server."""
    from support import Cachet, Redis
    cases = [
        ("EVAL", "return redis.call('set','a','b')", "0"),
        ("EVAL", "return redis.pcall('set','a','b')", "0"),
        ("EVAL", "return redis.call('get','big')", "0"),
        ("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','a','b')", "0"),
        ("EVAL", "#!lua\nreturn redis.call('get','big')", "0"),
        ("EVAL", "return redis.call('del','a')", "0"),
    ]
    replies = []
    with Redis() as r, Cachet() as c:
        for port in (r.port, c.port):
            conn = Conn(port)
            conn.call("SET", "big", "x" * 100000)
            conn.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
            conn.call("CONFIG", "SET", "maxmemory", "1")
            replies.append([conn.call(*case) for case in cases])
            conn.call("CONFIG", "SET", "maxmemory", "0")
    assert replies[1] == replies[0]
    assert replies[0][0].startswith(b"-OOM command not allowed")
