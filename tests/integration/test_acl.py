"""ACL users (ACL SETUSER/GETUSER/LIST/DELUSER/LOG/DRYRUN/SAVE/LOAD, AUTH, HELLO AUTH, NOPERM
refusals at top level, in MULTI and in scripts) compared byte for byte with Debian's
redis-server, plus real clients (redis-py, redis-cli) and the HTTP API honouring the same users."""
import base64
import difflib
import json
import os
import re
import subprocess
import tempfile

import pytest
import redis

from support import Cachet, Conn, Redis, free_port, http_request

HASH_PW = "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"  # sha256("pw")


@pytest.fixture(scope="module")
def pair():
    with Redis() as r, Cachet() as c:
        yield r, c


def normalized(reply):
    """An ACL LOG reply without what differs by nature: ages and the clients' CLIENT LIST lines."""
    reply = re.sub(rb"\$11\r\nage-seconds\r\n(,[^\r]*|\$\d+\r\n[^\r]*)\r\n", b"AGE", reply)
    reply = re.sub(rb"\$11\r\nclient-info\r\n\$\d+\r\n[^\r]*\r\n", b"INFO", reply)
    return re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"ID", reply)  # HELLO's client id


def same(pair, steps, connections=1):
    """Runs `steps` ((connection index, command...) tuples) on both servers; replies must match."""
    r, c = pair
    rc = [Conn(r.port) for _ in range(connections)]
    cc = [Conn(c.port) for _ in range(connections)]
    for step in steps:
        i, cmd = step[0], step[1:]
        want, got = normalized(rc[i].call(*cmd)), normalized(cc[i].call(*cmd))
        assert got == want, (cmd, "\n".join(difflib.unified_diff(
            want.decode(errors="replace").split("\r\n"), got.decode(errors="replace").split("\r\n"),
            "redis", "cachet", lineterm="")))


def test_setuser_getuser_list_match_redis(pair):
    same(pair, [
        (0, "ACL", "SETUSER", "u1", "on", ">pw", "~k*", "%R~r*", "%W~w*", "+@all", "-flushall", "&c*"),
        (0, "ACL", "GETUSER", "u1"),
        (0, "ACL", "SETUSER", "u2", "on", ">pw", "~cache:*", "+@read"),
        (0, "ACL", "GETUSER", "u2"),
        (0, "ACL", "SETUSER", "u3", "(+get ~x)", "(+set", "%R~y)"),
        (0, "ACL", "GETUSER", "u3"),
        (0, "ACL", "SETUSER", "u4", "reset"),
        (0, "ACL", "SETUSER", "u5", "on", "nopass", "allkeys", "allchannels", "+get|x", f"#{HASH_PW}"),
        (0, "ACL", "SETUSER", "u6", "+config", "-config|set"),
        (0, "ACL", "SETUSER", "u7", "+get", "+get", "-get", "+set", "%RW~z", "~"),
        (0, "ACL", "SETUSER", "u8", "on", ">a", ">b", "<a", "sanitize-payload"),
        (0, "ACL", "SETUSER", "u9", "+acl|whoami", "off", "resetpass"),
        (0, "ACL", "LIST"),
        (0, "ACL", "USERS"),
        (0, "ACL", "GETUSER", "nobody"),
        (0, "ACL", "DELUSER", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "nobody"),
        (0, "ACL", "LIST"),
    ])


def test_setuser_errors_match_redis(pair):
    bad = [["bogus"], ["+nosuch"], ["+@nosuch"], ["%X~a"], ["allkeys", "~x"], ["~*", "~x"],
           ["&*", "&x"], ["<nopw"], ["#abc"], ["!abc"], ["(+get ~x"], ["+config|get|x"],
           ["%~z"], ["on", ">pw", "bogus"]]
    steps = [(0, "ACL", "SETUSER", "e1", *rules) for rules in bad]
    steps += [(0, "ACL", "GETUSER", "e1"), (0, "ACL", "SETUSER", "a b"),
              (0, "ACL", "CAT", "nosuch"), (0, "ACL", "DELUSER", "default"),
              (0, "ACL", "LOG", "x"), (0, "ACL", "GENPASS", "0"), (0, "ACL", "GENPASS", "5000"),
              (0, "ACL", "DRYRUN", "nouser", "get", "x"), (0, "ACL", "DRYRUN", "default", "nocmd"),
              (0, "ACL", "DRYRUN", "default", "get"), (0, "ACL", "GETUSER"), (0, "ACL", "WHOAMI", "x"),
              (0, "ACL", "USERS", "x"), (0, "ACL", "SAVE"), (0, "ACL", "LOAD"), (0, "ACL", "HELP"),
              (0, "ACL", "NOSUCH"), (0, "ACL", "CAT")]
    same(pair, steps)


def test_refusals_and_acl_log_match_redis(pair):
    user = ("ACL", "SETUSER", "bob", "on", ">pw", "~k*", "%R~r*", "%W~w*", "+@all", "-flushall",
            "&c*")
    same(pair, [
        (1, "ACL", "LOG", "RESET"), (1, *user),
        (0, "AUTH", "bob", "wrong"), (0, "AUTH", "nosuch", "pw"), (0, "AUTH", "bob", "pw"),
        (0, "GET", "z"), (0, "GET", "k1"), (0, "FLUSHALL"), (0, "SET", "r1", "v"),
        (0, "GET", "w1"), (0, "SET", "w1", "v"), (0, "GET", "r1"), (0, "DEL", "w1"),
        (0, "MSET", "k1", "1", "z", "2"), (0, "PUBLISH", "d", "x"), (0, "PUBLISH", "c1", "x"),
        (0, "SPUBLISH", "d", "x"), (0, "MULTI"), (0, "GET", "z"), (0, "GET", "k1"), (0, "EXEC"),
        (0, "EVAL", "return redis.call('flushall')", "0"),
        (0, "EVAL", "return redis.call('get','z')", "0"),
        (0, "EVAL", "return redis.pcall('get','z')", "0"),
        (0, "EVAL", "return redis.acl_check_cmd('get','z')", "0"),
        (0, "EVAL", "return redis.acl_check_cmd('flushall')", "0"),
        (0, "ACL", "WHOAMI"), (0, "PSUBSCRIBE", "c"), (0, "SUBSCRIBE", "c1", "d"),
        (1, "ACL", "LOG"), (1, "ACL", "LOG", "2"),
        (1, "ACL", "DRYRUN", "bob", "get", "k1"), (1, "ACL", "DRYRUN", "bob", "flushall"),
        (1, "ACL", "DRYRUN", "bob", "get", "z"), (1, "ACL", "DRYRUN", "bob", "set", "r1", "v"),
        (1, "ACL", "DRYRUN", "bob", "publish", "d", "x"),
        (1, "ACL", "LOG", "RESET"), (1, "ACL", "LOG"), (1, "ACL", "DELUSER", "bob"),
    ], connections=2)


def test_multi_rechecks_at_exec_and_changes_apply_at_once(pair):
    same(pair, [
        (1, "ACL", "LOG", "RESET"),
        (1, "ACL", "SETUSER", "carol", "on", ">pw", "allkeys", "+@all"),
        (0, "AUTH", "carol", "pw"), (0, "MULTI"), (0, "SET", "a", "1"), (0, "GET", "a"),
        (1, "ACL", "SETUSER", "carol", "-get"),
        (0, "EXEC"), (0, "GET", "a"), (0, "SET", "a", "2"),
        (1, "ACL", "SETUSER", "carol", "off"), (0, "PING"),
        (1, "ACL", "LOG"), (1, "ACL", "DELUSER", "carol"),
    ], connections=2)


def test_hello_auth_and_reset_match_redis(pair):
    same(pair, [
        (1, "ACL", "SETUSER", "dave", "on", ">pw", "~d:*", "+@read", "+hello", "+reset"),
        (0, "HELLO", "3", "AUTH", "dave", "nope"), (0, "HELLO", "2", "AUTH", "dave", "pw"),
        (0, "ACL", "WHOAMI"), (0, "GET", "x"), (0, "GET", "d:1"), (0, "RESET"),
        (0, "ACL", "WHOAMI"), (1, "ACL", "DELUSER", "dave"),
    ], connections=2)


def test_deleting_a_user_closes_its_connections(server):
    admin = Conn(server.port)
    assert admin.call("ACL", "SETUSER", "erin", "on", ">pw", "+@all", "allkeys") == b"+OK\r\n"
    victim = Conn(server.port)
    assert victim.call("AUTH", "erin", "pw") == b"+OK\r\n"
    assert admin.call("ACL", "DELUSER", "erin") == b":1\r\n"
    assert victim.read_until_closed() == b""
    assert admin.call("PING") == b"+PONG\r\n"


def test_requirepass_is_the_default_users_password(server):
    c = Conn(server.port)
    assert c.call("CONFIG", "SET", "requirepass", "s3cret") == b"+OK\r\n"
    assert c.call("ACL", "GETUSER", "default").count(b"$64\r\n") == 1
    fresh = Conn(server.port)
    assert fresh.call("GET", "x") == b"-NOAUTH Authentication required.\r\n"
    assert fresh.call("AUTH", "default", "s3cret") == b"+OK\r\n"
    assert c.call("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
    assert Conn(server.port).call("GET", "x") == b"$-1\r\n"


def test_redis_py_and_redis_cli_with_users(server):
    admin = redis.Redis(port=server.port)
    admin.acl_setuser("app", enabled=True, passwords=["+apppw"], keys=["app:*"],
                      commands=["+@read", "+@write", "-@dangerous"])
    app = redis.Redis(port=server.port, username="app", password="apppw", decode_responses=True)
    assert app.set("app:1", "v") and app.get("app:1") == "v"
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.set("other", "v")
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.flushall()
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
        redis.Redis(port=server.port, username="app", password="bad").ping()
    assert admin.acl_whoami() == "default"
    assert "~app:*" in str(admin.acl_getuser("app")["keys"])
    log = admin.acl_log()
    assert {e["reason"] for e in log} >= {"key", "command", "auth"}
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--user", "app", "--pass", "apppw",
                          "--no-auth-warning", "GET", "app:1"], capture_output=True, text=True,
                         timeout=30)
    assert out.stdout.strip() == "v"
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--user", "app", "--pass", "apppw",
                          "--no-auth-warning", "KEYS", "*"], capture_output=True, text=True,
                         timeout=30)
    assert "NOPERM" in out.stdout


def test_acl_save_matches_redis_file_and_load_restores(tmp_path):
    rules = [["u1", "on", ">pw", "~k*", "%R~r*", "+@all", "-flushall", "&c*"],
             ["u2", "off", "~x", "(+get ~y)", "+set"]]
    files = []
    for make in (lambda f: Redis("--aclfile", str(f)), lambda f: Cachet("--aclfile", str(f))):
        f = tmp_path / f"users{len(files)}.acl"
        f.write_text("")
        with make(f) as s:
            c = Conn(s.port)
            for r in rules:
                assert c.call("ACL", "SETUSER", *r) == b"+OK\r\n"
            assert c.call("ACL", "SAVE") == b"+OK\r\n"
            assert c.call("ACL", "DELUSER", "u1") == b":1\r\n"
            assert c.call("ACL", "LOAD") == b"+OK\r\n"
            assert c.call("ACL", "USERS") == b"*3\r\n$7\r\ndefault\r\n$2\r\nu1\r\n$2\r\nu2\r\n"
        files.append(f.read_text())
    assert files[1] == files[0]


def test_users_in_the_config_file(tmp_path):
    conf = tmp_path / "cachet.conf"
    conf.write_text(f"user ops on #{HASH_PW} ~* &* +@all\nuser default off\n")
    with Cachet(str(conf)) as s:
        c = Conn(s.port)
        assert c.call("GET", "x") == b"-NOAUTH Authentication required.\r\n"
        assert c.call("AUTH", "pw") == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        assert c.call("AUTH", "ops", "pw") == b"+OK\r\n"
        assert c.call("ACL", "WHOAMI") == b"$3\r\nops\r\n"
    bad = tmp_path / "bad.conf"
    bad.write_text(f"user ops on bogus\naclfile {tmp_path / 'x.acl'}\n")
    proc = subprocess.run([Cachet.BINARY, str(bad), "--port", "0"], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode != 0 and "ACL file" in proc.stderr


def test_acl_pubsub_default_allchannels(pair):
    same(pair, [
        (0, "CONFIG", "SET", "acl-pubsub-default", "allchannels"),
        (0, "ACL", "SETUSER", "pub", "on", "nopass", "+publish"),
        (0, "ACL", "GETUSER", "pub"), (0, "ACL", "DRYRUN", "pub", "publish", "any", "x"),
        (0, "CONFIG", "SET", "acl-pubsub-default", "resetchannels"),
        (0, "ACL", "SETUSER", "pub2", "on", "nopass", "+publish"),
        (0, "ACL", "DRYRUN", "pub2", "publish", "any", "x"), (0, "CONFIG", "GET", "acl-pubsub-default"),
        (0, "ACL", "DELUSER", "pub", "pub2"),
    ])


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_http_api_honours_acl_users():
    port = free_port()
    with Cachet("--http-port", str(port), "--requirepass", "adminpw") as s:
        admin = Conn(s.port)
        assert admin.call("AUTH", "adminpw") == b"+OK\r\n"
        assert admin.call("ACL", "SETUSER", "reader", "on", ">rpw", "~pub:*", "+@read") == b"+OK\r\n"
        r, _ = http_request(port, "PUT", "/v1/kv/pub:1", b'{"a":1}', basic("default", "adminpw"))
        assert r.status == 204
        r, body = http_request(port, "GET", "/v1/kv/pub:1", headers=basic("reader", "rpw"))
        assert r.status == 200 and json.loads(body) == {"a": 1}
        r, body = http_request(port, "PUT", "/v1/kv/pub:1", b"2", basic("reader", "rpw"))
        assert r.status == 403 and "NOPERM" in json.loads(body)["error"]["message"]
        r, body = http_request(port, "GET", "/v1/kv/secret", headers=basic("reader", "rpw"))
        assert r.status == 403 and json.loads(body)["error"]["code"]
        r, _ = http_request(port, "GET", "/v1/kv/pub:1", headers=basic("reader", "x"))
        assert r.status == 401 and r.getheader("WWW-Authenticate")
        r, _ = http_request(port, "GET", "/v1/kv/pub:1")
        assert r.status == 401
        r, _ = http_request(port, "GET", "/v1/kv/pub:1", headers={"Authorization": "Bearer adminpw"})
        assert r.status == 200


KEY_COMMANDS = """get k|set k v|set k v get|exists k|type k|ttl k|pttl k|del k|unlink k|incr k|decr k
|incrbyfloat k 1|append k v|strlen k|getrange k 0 1|setrange k 0 v|expire k 10|pexpire k 1
|expireat k 1|persist k|touch k|getdel k|getex k|mget k k2|mset k v k2 v|msetnx k v|setnx k v
|setex k 10 v|lpush k v|rpush k v|lpop k|lrange k 0 1|llen k|lindex k 0|lset k 0 v
|linsert k before a b|lrem k 0 v|ltrim k 0 1|lpos k v|lmove k k2 left left|rpoplpush k k2
|lmpop 1 k left|sadd k v|srem k v|smembers k|scard k|sismember k v|smismember k a|spop k
|srandmember k|smove k k2 v|sinter k k2|sdiff k k2|sinterstore k k2|sunionstore k k2 k3
|sdiffstore k k2|sintercard 1 k|hset k f v|hget k f|hmget k f|hdel k f|hlen k|hexists k f
|hstrlen k f|hincrby k f 1|hsetnx k f v|hmset k f v|hgetall k|hkeys k|hrandfield k|zadd k 1 m
|zrem k m|zscore k m|zmscore k a|zincrby k 1 m|zcard k|zcount k 0 1|zlexcount k - +|zrange k 0 1
|zrangebyscore k 0 1|zrank k m|zremrangebyrank k 0 1|zpopmin k|zunionstore k 1 k2
|zrangestore k k2 0 1|pfadd k a|pfcount k|pfmerge k k2|setbit k 1 1|getbit k 1|bitcount k
|bitpos k 1|bitop and k k2|bitfield k get u8 0|bitfield_ro k get u8 0|copy k k2|rename k k2
|renamenx k k2|move k 1|sort k|sort k store k2|sort_ro k|object encoding k|memory usage k
|geoadd k 1 1 m|geopos k m|geodist k a b|geosearchstore k k2 frommember m byradius 1 km
|expiretime k"""


def test_read_and_write_key_patterns_match_redis(pair):
    """Which commands a read-only (%R~*) and a write-only (%W~*) user may run, per ACL DRYRUN."""
    steps = [(0, "ACL", "SETUSER", "r", "on", "nopass", "+@all", "%R~*"),
             (0, "ACL", "SETUSER", "w", "on", "nopass", "+@all", "%W~*")]
    for line in KEY_COMMANDS.replace("\n", "").split("|"):
        steps += [(0, "ACL", "DRYRUN", "r", *line.split()), (0, "ACL", "DRYRUN", "w", *line.split())]
    same(pair, steps + [(0, "ACL", "DELUSER", "r", "w")])


def test_client_kill_by_user(pair):
    same(pair, [
        (0, "ACL", "SETUSER", "kim", "on", ">pw", "+@all", "allkeys"),
        (1, "AUTH", "kim", "pw"),
        (0, "CLIENT", "KILL", "USER", "nosuch"),
        (0, "CLIENT", "KILL", "USER", "kim"),
        (0, "CLIENT", "KILL", "USER", "kim"),
        (0, "ACL", "DELUSER", "kim"),
    ], connections=2)


def test_functions_run_as_their_callers_user(pair):
    lib = "#!lua name=acllib\nredis.register_function('rd', function(keys) return redis.call('get', keys[1]) end)"
    same(pair, [
        (1, "FUNCTION", "LOAD", "REPLACE", lib),
        (1, "ACL", "SETUSER", "fay", "on", ">pw", "~a*", "+fcall", "+get"),
        (0, "AUTH", "fay", "pw"),
        (0, "FCALL", "rd", "1", "a1"), (0, "FCALL", "rd", "1", "b1"),
        (1, "ACL", "SETUSER", "fay", "-get"), (0, "FCALL", "rd", "1", "a1"),
        (0, "FUNCTION", "DELETE", "acllib"),
        (1, "FUNCTION", "DELETE", "acllib"), (1, "ACL", "DELUSER", "fay"),
    ], connections=2)
