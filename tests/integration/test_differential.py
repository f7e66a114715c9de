"""The same command sequence against Debian's redis-server and cachet-server: every reply must
be byte-for-byte identical (values, types, and exact error strings)."""
import pytest

from support import Cachet, Conn, Redis

# Deterministic commands only (no INFO, ids, times or random keys).
SCRIPT = [
    ["SET", "k", "v"], ["GET", "k"], ["GET", "missing"], ["SET", "k", "w", "NX"],
    ["SET", "k", "w", "XX", "GET"], ["SET", "k", "v", "NX", "XX"], ["SET", "k", "v", "EX", "0"],
    ["SET", "k", "v", "EX", "abc"], ["SET", "k", "v", "PX", "-5"], ["SET", "k", "v", "EX"],
    ["SET", "k", "v", "KEEPTTL", "EX", "5"], ["SET", "k", "v", "EX", "9223372036854775807"],
    ["SET", "k", "v", "GET", "NX"], ["SET", "k"], ["SETNX", "k", "x"], ["SETNX", "n1", "x"],
    ["SETEX", "k", "0", "v"], ["SETEX", "k", "x", "v"], ["PSETEX", "k", "-1", "v"],
    ["SETEX", "e", "100", "v"], ["TTL", "e"], ["PERSIST", "e"], ["TTL", "e"], ["TTL", "nope"],
    ["PTTL", "k"], ["EXPIRE", "k", "100", "XX"], ["EXPIRE", "k", "100", "NX"],
    ["EXPIRE", "k", "50", "GT"], ["EXPIRE", "k", "50", "LT"], ["TTL", "k"],
    ["EXPIRE", "k", "50", "NX", "XX"], ["EXPIRE", "k", "50", "GT", "LT"],
    ["EXPIRE", "k", "50", "FOO"], ["EXPIRE", "k", "abc"], ["EXPIRE", "k"],
    ["EXPIRE", "k", "9223372036854775807"], ["PEXPIREAT", "k", "1"], ["EXISTS", "k"],
    ["EXPIRETIME", "missing"], ["MSET", "a", "1", "b", "2"], ["MSET", "a", "1", "b"],
    ["MGET", "a", "nope", "b"], ["MSETNX", "a", "1", "c", "3"], ["MSETNX", "c", "3", "d", "4"],
    ["INCR", "a"], ["INCRBY", "a", "10"], ["DECR", "a"], ["DECRBY", "a", "5"],
    ["INCRBY", "a", "x"], ["INCR", "k2"], ["SET", "s", "abc"], ["INCR", "s"],
    ["SET", "big", "9223372036854775807"], ["INCR", "big"], ["DECRBY", "a", "-9223372036854775808"],
    ["SET", "f", "10.50"], ["INCRBYFLOAT", "f", "0.1"], ["INCRBYFLOAT", "f", "-5.0e3"],
    ["INCRBYFLOAT", "f", "abc"], ["INCRBYFLOAT", "s", "1"], ["INCRBYFLOAT", "f", "1e400"],
    ["SET", "g", "5.0e3"], ["INCRBYFLOAT", "g", "2.0e2"], ["INCRBYFLOAT", "g", "3"],
    ["APPEND", "ap", "Hello"], ["APPEND", "ap", " World"], ["STRLEN", "ap"], ["STRLEN", "nope"],
    ["GETRANGE", "ap", "0", "4"], ["GETRANGE", "ap", "-5", "-1"], ["GETRANGE", "ap", "5", "1"],
    ["GETRANGE", "ap", "-1", "-5"], ["GETRANGE", "ap", "0", "100"], ["GETRANGE", "nope", "0", "1"],
    ["GETRANGE", "ap", "a", "1"], ["SETRANGE", "ap", "6", "Redis"], ["GET", "ap"],
    ["SETRANGE", "z", "3", "x"], ["GET", "z"], ["SETRANGE", "z", "-1", "x"],
    ["SETRANGE", "z2", "0", ""], ["EXISTS", "z2"], ["SETRANGE", "z", "536870911", "xx"],
    ["GETSET", "gs", "1"], ["GETSET", "gs", "2"], ["GETDEL", "gs"], ["GETDEL", "gs"],
    ["GETEX", "a", "EX", "100"], ["TTL", "a"], ["GETEX", "a", "PERSIST"], ["TTL", "a"],
    ["GETEX", "a", "EX", "1", "PX", "1"], ["GETEX", "a", "FOO"], ["GETEX", "nope"],
    ["DEL", "a", "b", "nope"], ["UNLINK", "c"], ["EXISTS", "d", "d", "nope"], ["TOUCH", "d", "x"],
    ["TYPE", "d"], ["TYPE", "nope"], ["RENAME", "nope", "x"], ["RENAME", "d", "d"],
    ["RENAME", "d", "d2"], ["GET", "d2"], ["RENAMENX", "d2", "ap"], ["RENAMENX", "d2", "d2"],
    ["RENAMENX", "d2", "d3"], ["SELECT", "16"], ["SELECT", "x"], ["SELECT", "-1"],
    ["SELECT", "3"], ["DBSIZE"], ["SET", "in3", "x"], ["KEYS", "*"], ["SCAN", "0"],
    ["SCAN", "x"], ["SCAN", "0", "COUNT", "0"], ["SCAN", "0", "COUNT", "x"], ["SCAN", "0", "FOO"],
    ["SCAN", "0", "MATCH"], ["RANDOMKEY"], ["FLUSHDB", "BAD"], ["FLUSHDB"], ["DBSIZE"],
    ["RANDOMKEY"], ["SELECT", "0"], ["PING"], ["PING", "hello"], ["PING", "a", "b"],
    ["ECHO", "hi"], ["ECHO"], ["NOSUCHCMD", "a", "b"], ["get"], ["CLIENT", "NOSUCH"],
    ["CLIENT", "SETNAME", "bad name"], ["CLIENT", "SETNAME", "good"], ["CLIENT", "GETNAME"],
    ["CLIENT", "SETNAME", ""], ["CLIENT", "GETNAME"], ["CLIENT", "KILL", "1.2.3.4:5"],
    ["CLIENT", "KILL", "ID", "0"], ["CLIENT", "KILL", "ID", "999999"], ["CLIENT", "KILL", "FOO", "x"],
    ["CONFIG", "GET", "maxmemory"], ["CONFIG", "SET", "maxmemory", "lots"],
    ["CONFIG", "SET", "nosuch", "1"], ["CONFIG", "SET", "maxmemory"],

    ["AUTH", "x"], ["AUTH", "default", "x"], ["AUTH", "a", "b", "c"], ["HELLO", "4"],
    ["HELLO", "x"], ["HELLO", "2", "FOO"], ["SHUTDOWN", "ABORT"], ["SHUTDOWN", "BAD"],
    ["COMMAND", "INFO", "nosuch"], ["MGET"], ["DEL"], ["KEYS"], ["FLUSHALL"], ["DBSIZE"],
    # hashes
    ["HSET", "h", "a", "1", "b", "2"], ["HSET", "h", "a", "10", "c", "3"], ["HSET", "h", "a"],
    ["HSET", "h"], ["HGET", "h", "a"], ["HGET", "h", "zz"], ["HGET", "nope", "a"],
    ["HMGET", "h", "a", "zz", "c"], ["HMGET", "nope", "a"], ["HGETALL", "h"], ["HGETALL", "nope"],
    ["HKEYS", "h"], ["HVALS", "h"], ["HLEN", "h"], ["HLEN", "nope"], ["HEXISTS", "h", "b"],
    ["HEXISTS", "h", "zz"], ["HSTRLEN", "h", "a"], ["HSTRLEN", "h", "zz"], ["HSETNX", "h", "a", "x"],
    ["HSETNX", "h", "d", "4"], ["HMSET", "h", "e", "5"], ["HMSET", "h", "e"], ["HDEL", "h", "a", "zz"],
    ["HGETALL", "h"], ["HINCRBY", "h", "n", "5"], ["HINCRBY", "h", "n", "-8"], ["HINCRBY", "h", "n", "x"],
    ["HINCRBY", "h", "b", "9223372036854775807"], ["HINCRBY", "h", "b", "9223372036854775806"],
    ["HSET", "h", "s", "text"], ["HINCRBY", "h", "s", "1"], ["HINCRBYFLOAT", "h", "f", "1.5"],
    ["HINCRBYFLOAT", "h", "f", "0.1"], ["HINCRBYFLOAT", "h", "s", "1"], ["HINCRBYFLOAT", "h", "f", "x"],
    ["HINCRBYFLOAT", "h", "f", "inf"], ["HSCAN", "h", "0"], ["HSCAN", "h", "0", "MATCH", "[bc]"],
    ["HSCAN", "h", "x"], ["HSCAN", "h", "0", "TYPE", "string"], ["HSCAN", "nope", "0"],
    ["HRANDFIELD", "nope"], ["HRANDFIELD", "nope", "3"], ["HRANDFIELD", "h", "0"],
    ["HRANDFIELD", "h", "x"], ["HRANDFIELD", "h", "1", "FOO"],
    ["HDEL", "h", "b", "c", "d", "e", "n", "s", "f"], ["EXISTS", "h"], ["HSET", "h2", "f", "v"],
    ["TYPE", "h2"], ["SCAN", "0", "TYPE", "hash"], ["SCAN", "0", "TYPE", "string"],
    ["SET", "str", "v"], ["HGET", "str", "f"], ["HSET", "str", "f", "v"], ["HGETALL", "str"],
    ["HDEL", "str", "f"], ["HLEN", "str"], ["HINCRBY", "str", "f", "1"], ["HSCAN", "str", "0"],
    ["HRANDFIELD", "str"], ["GET", "h2"], ["GETSET", "h2", "x"], ["APPEND", "h2", "x"],
    ["INCR", "h2"], ["INCRBYFLOAT", "h2", "1"], ["STRLEN", "h2"], ["GETRANGE", "h2", "0", "1"],
    ["SETRANGE", "h2", "0", "x"], ["GETDEL", "h2"], ["GETEX", "h2"], ["SET", "h2", "v", "GET"],
    ["MGET", "h2", "str"], ["SETNX", "h2", "x"], ["EXPIRE", "h2", "100"], ["TTL", "h2"],
    ["RENAME", "h2", "h3"], ["HGETALL", "h3"], ["TTL", "h3"], ["RENAME", "str", "h3"], ["TYPE", "h3"],
    ["HSET", "h4", "a", "1"], ["SET", "h4", "now a string"], ["GET", "h4"], ["FLUSHALL"],
    # transactions
    ["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["HSET", "th", "f", "v"], ["GET", "t"], ["EXEC"],
    ["EXEC"], ["DISCARD"], ["MULTI"], ["MULTI"], ["WATCH", "t"], ["SET", "t", "x"], ["INCR", "t"],
    ["EXEC"], ["MULTI"], ["NOSUCH"], ["SET", "t", "2"], ["EXEC"], ["GET", "t"], ["MULTI"], ["GET"],
    ["EXEC"], ["MULTI"], ["SET", "t", "3"], ["DISCARD"], ["GET", "t"], ["WATCH", "t"],
    ["SET", "t", "4"], ["MULTI"], ["GET", "t"], ["EXEC"], ["WATCH", "t", "nokey"], ["MULTI"],
    ["GET", "t"], ["EXEC"], ["WATCH", "t"], ["UNWATCH"], ["SET", "t", "5"], ["MULTI"], ["GET", "t"],
    ["EXEC"], ["MULTI"], ["SELECT", "2"], ["SET", "x", "y"], ["EXEC"], ["GET", "x"], ["SELECT", "0"],
    ["GET", "x"], ["MULTI"], ["DBSIZE"], ["FLUSHALL"], ["DBSIZE"], ["EXEC"], ["MULTI"], ["EXEC"],
    ["WATCH"], ["MULTI", "x"], ["EXEC", "x"],
    # writes that change nothing leave a WATCH clean, as in Redis (found by the random test)
    ["HSET", "wh", "f", "1"], ["WATCH", "wh"], ["HDEL", "wh", "x", "y"], ["MULTI"], ["PING"],
    ["EXEC"], ["SET", "wb", "x"], ["WATCH", "wb"], ["BITFIELD", "wb", "SET", "u1", "1", "1"],
    ["MULTI"], ["PING"], ["EXEC"], ["OBJECT", "ENCODING", "wb"], ["WATCH", "wb"],
    ["BITFIELD", "wb", "SET", "u1", "1", "0"], ["MULTI"], ["PING"], ["EXEC"], ["PFADD", "wp", "a"],
    ["WATCH", "wp"], ["PFDEBUG", "GETREG", "wp"], ["MULTI"], ["PING"], ["EXEC"],
    # SORT turns a small sorted set into a skiplist for good, as Redis's does
    ["ZADD", "wz", "1", "a", "2", "b"], ["SORT", "wz"], ["OBJECT", "ENCODING", "wz"],
]


@pytest.fixture(scope="module")
def replies():
    with Redis() as redis_server, Cachet() as cachet:
        ours, theirs = Conn(cachet.port), Conn(redis_server.port)
        yield [(cmd, theirs.call(*cmd), ours.call(*cmd)) for cmd in SCRIPT]
        assert cachet.stop() == 0


@pytest.mark.parametrize("index", range(len(SCRIPT)), ids=[" ".join(c) for c in SCRIPT])
def test_same_reply_as_redis(replies, index):
    command, expected, actual = replies[index]
    assert actual == expected, f"{command}: redis {expected!r}, cachet {actual!r}"
