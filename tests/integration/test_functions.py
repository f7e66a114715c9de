"""Redis 7.0 functions (FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/DUMP/RESTORE/KILL/HELP, FCALL,
FCALL_RO) compared byte for byte with Debian's redis-server, redis-py's function API, DUMP
payloads restored in both directions, libraries shared by cachet's worker threads, and FUNCTION
KILL of a busy function.

Redis lists libraries (and a library's functions) in hash order, cachet in name order: replies
listing several libraries are compared as parsed, sorted values; everything else as bytes.
No test sleeps: a busy function is detected by polling for the BUSY reply.
"""
import re

import pytest
import redis

from support import Cachet, Conn, Redis
from test_lists_sets import client, response_error, server_fixture

srv = server_fixture("--threads", "2")


def lib(name, body):
    return f"#!lua name={name}\n{body}"


READER = lib("reader", "redis.register_function{function_name='getter', description='reads', "
                       "callback=function(keys) return redis.call('get', keys[1]) end, "
                       "flags={'no-writes', 'allow-stale'}}")
WRITER = lib("writer", "redis.register_function('setter', function(keys, args) "
                       "return redis.call('set', keys[1], args[1]) end)")
ERRORS = lib("errs", "redis.register_function('boom', function() error('bad') end) "
                     "redis.register_function('nocmd', function() return redis.call('nosuch') end) "
                     "redis.register_function('ro_write', function() return redis.call('set', 'x', 1) end)")

def crc64(data):
    """Redis's CRC-64 (Jones polynomial, reflected, initial 0)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


def rdb_string(data):
    data = data.encode() if isinstance(data, str) else data
    assert len(data) < 16384
    size = bytes([len(data)]) if len(data) < 64 else bytes([0x40 | len(data) >> 8, len(data) & 255])
    return size + data


def payload(*records, version=10):
    """A FUNCTION DUMP payload of raw records, with the footer Redis checks."""
    body = b"".join(records) + version.to_bytes(2, "little")
    return body + crc64(body).to_bytes(8, "little")


def record(code):
    return b"\xf5" + rdb_string(code)


ONE = "redis.register_function('p1', function() return 'p1' end)"
# FUNCTION RESTORE of crafted payloads: every way a payload can be wrong.
RESTORES = [
    payload(),
    payload(record(lib("pa", ONE)), version=11),
    payload(b"\x00" + rdb_string("x")),
    payload(b"\xf5"),
    payload(b"\xf5\x10abc"),
    payload(record("no metadata")),
    payload(record(lib("bad-name", ONE))),
    payload(record(lib("pb", "return 1"))),
    payload(record(lib("pb", "return ("))),
    payload(record(lib("pb", "string.len('x')"))),
    payload(record(lib("pc", ONE)), record(lib("pc", ONE))),
    payload(record(lib("pc", ONE)), record(lib("pd", ONE))),
    payload(record(lib("reader", ONE))),
    payload(record(lib("pe", "redis.register_function('setter', function() end)"))),
    payload(b"\xf6" + rdb_string("pold") + rdb_string("LUA") + b"\x01" + rdb_string("desc") +
            rdb_string("redis.register_function('pold', function() return 'old' end)")),
    payload(b"\xf6" + rdb_string("pold2")),
    payload(b"\xf5\xc0\x07"),  # an integer-encoded string: no metadata
    payload(record(lib("pf", ONE.replace("p1", "pf")))) + b"x",  # bytes after the footer
]

# (command, ...) sent in order to both servers; every reply must be the same bytes.
CASES = [
    ("FUNCTION", "FLUSH"),
    ("FUNCTION", "LOAD", READER),
    ("FUNCTION", "LOAD", WRITER),
    ("FUNCTION", "LOAD", READER),
    ("FUNCTION", "LOAD", "REPLACE", READER),
    ("FUNCTION", "LOAD", "bogus", READER),
    ("FUNCTION", "LOAD"),
    ("FUNCTION", "LOAD", "return 1"),
    ("FUNCTION", "LOAD", "#!lua"),
    ("FUNCTION", "LOAD", "#!lua\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=x name=y\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=a-b\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=\nreturn 1"),
    ("FUNCTION", "LOAD", "#!js name=x\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=\"q\"x\nreturn 1"),
    ("FUNCTION", "LOAD", "#!LUA NAME=\"quoted\"\nredis.register_function('fq', function() return 'q' end)"),
    ("FCALL", "FQ", "0"),
    ("FUNCTION", "LOAD", lib("e", "return 1")),
    ("FUNCTION", "LOAD", lib("e", "return (")),
    ("FUNCTION", "LOAD", lib("e", "error('boom')")),
    ("FUNCTION", "LOAD", lib("e", "redis.call('ping')")),
    ("FUNCTION", "LOAD", lib("e", "local x = string.len('a')")),
    ("FUNCTION", "LOAD", lib("e", "x = 1")),
    ("FUNCTION", "LOAD", lib("e", "redis.x = 1")),
    ("FUNCTION", "LOAD", lib("e", "return _G")),
    ("FUNCTION", "LOAD", lib("e", "redis.setresp(3)")),
    ("FUNCTION", "LOAD", lib("e", "redis.log(1)")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function('g', function() end) redis.register_function('g', function() end)")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function('setter', function() end)")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function('SETTER', function() end)")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function('a-b', function() end)")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function()")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function('a', 1)")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function({}, function() end)")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function('a', function() end, 3)")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function('x')")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{function_name='x'}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{callback=function() end}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{function_name='x', callback=function() end, flags={'bad'}}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{function_name='x', callback=function() end, flags='no-writes'}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{function_name='x', callback=function() end, flags={1}}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{function_name='x', callback=function() end, foo=1}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{function_name={}, callback=function() end}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{function_name='x', callback=1}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{function_name='x', callback=function() end, description={}}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{[1]='x'}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function{[true]='x'}")),
    ("FUNCTION", "LOAD", lib("e", "redis.register_function(1)")),
    ("FUNCTION", "LIST", "LIBRARYNAME", "e"),  # nothing of the failed loads stayed
    ("FUNCTION", "LOAD", lib("num", "redis.register_function{function_name=12, callback=function() return 'n' end}")),
    ("FCALL", "12", "0"),
    ("FUNCTION", "LOAD", lib("upper", "redis.register_function{FUNCTION_NAME='up', CallBack=function() return 'u' end, FLAGS={'No-Writes'}}")),
    ("FUNCTION", "LIST", "LIBRARYNAME", "upper"),
    ("FUNCTION", "LOAD", lib("consts", "local t = redis.LOG_NOTICE .. redis.REDIS_VERSION_NUM .. redis.REDIS_VERSION redis.register_function('consts', function() return t end)")),
    ("FCALL", "consts", "0"),
    ("FUNCTION", "LOAD", lib("state", "local n = 0 redis.register_function('count', function() n = n + 1 return n end)")),
    ("FCALL", "count", "0"),
    ("FCALL", "count", "0"),
    ("FUNCTION", "LOAD", lib("args", "redis.register_function('fargs', function(keys, args) return {#keys, #args, keys[1], args[2]} end)")),
    ("FCALL", "fargs", "2", "a", "b", "c", "d"),
    ("FCALL", "fargs", "0"),
    ("FCALL", "nope", "0"),
    ("FCALL", "fargs", "x"),
    ("FCALL", "nope", "x"),
    ("FCALL", "fargs", "-1"),
    ("FCALL", "fargs", "3", "a"),
    ("FCALL", "fargs"),
    ("FCALL",),
    ("FCALL_RO", "setter", "1", "k", "v"),
    ("FCALL_RO", "getter", "1", "k"),
    ("FCALL", "setter", "1", "k", "v"),
    ("FCALL_RO", "getter", "1", "k"),
    ("FCALL", "GETTER", "1", "k"),
    ("FUNCTION", "LOAD", ERRORS),
    ("FCALL", "boom", "0"),
    ("FCALL", "nocmd", "0"),
    ("FUNCTION", "LOAD", lib("rof", "redis.register_function{function_name='rof', callback=function() return redis.call('set', 'x', 1) end, flags={'no-writes'}}")),
    ("FCALL", "rof", "0"),
    ("FUNCTION", "LOAD", lib("rt", "redis.register_function('rt_reg', function() redis.register_function('z', function() end) end) "
                               "redis.register_function('rt_keys', function() return KEYS end) "
                               "redis.register_function('rt_err', function() return redis.error_reply('MY err') end) "
                               "redis.register_function('rt_ok', function() return redis.status_reply('FINE') end) "
                               "redis.register_function('rt_pcall', function() return redis.pcall('incr', KEYS[1]) end) "
                               "redis.register_function('rt_select', function(keys) redis.call('select', 1) redis.call('set', keys[1], 'v') return redis.call('get', keys[1]) end)")),
    ("FCALL", "rt_reg", "0"),
    ("FCALL", "rt_keys", "0"),
    ("FCALL", "rt_err", "0"),
    ("FCALL", "rt_ok", "0"),
    ("FCALL", "rt_pcall", "1", "k"),
    ("FCALL", "rt_select", "1", "sel"),
    ("GET", "sel"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "reader"),
    ("FUNCTION", "LIST", "libraryname", "READ*", "WITHCODE"),
    ("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "writer"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "nothing*"),
    ("FUNCTION", "LIST", "LIBRARYNAME"),
    ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"),
    ("FUNCTION", "LIST", "foo"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"),
    ("FUNCTION", "STATS"),
    ("FUNCTION", "STATS", "x"),
    *[("FUNCTION", "RESTORE", p) for p in RESTORES],
    ("FCALL", "pold", "0"),
    ("FUNCTION", "RESTORE", RESTORES[-1], "FLUSH"),
    ("FUNCTION", "RESTORE", payload(record(lib("pg", ONE.replace("p1", "pg")))), "REPLACE"),
    ("FCALL", "pg", "0"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "pg"),
    ("FUNCTION", "DELETE", "pg"),
    ("FUNCTION", "LOAD", READER),
    ("FUNCTION", "LOAD", WRITER),
    ("FUNCTION", "LOAD", ERRORS),
    ("FUNCTION", "DELETE", "nope"),
    ("FUNCTION", "DELETE", "errs"),
    ("FCALL", "boom", "0"),
    ("FUNCTION", "DELETE"),
    ("FUNCTION", "KILL"),
    ("FUNCTION", "FLUSH", "bad"),
    ("FUNCTION", "FLUSH", "sync", "x"),
    ("FUNCTION", "RESTORE", "xx"),
    ("FUNCTION", "RESTORE", "xxxxxxxxxxxxxx", "BAD"),
    ("FUNCTION", "RESTORE", "xxxxxxxxxxxxxx", "FLUSH", "x"),
    ("FUNCTION", "HELP"),
    ("FUNCTION", "NOPE"),
    ("FUNCTION",),
    ("EVAL", "return redis.call('function', 'list')", "0"),
    ("EVAL", "return redis.call('fcall', 'count', '0')", "0"),
    ("MULTI",),
    ("FCALL", "setter", "1", "m", "1"),
    ("FCALL_RO", "getter", "1", "m"),
    ("EXEC",),
    ("MULTI",),
    ("FUNCTION", "LOAD", lib("inmulti", "redis.register_function('im', function() return 'im' end)")),
    ("FCALL", "im", "0"),
    ("FUNCTION", "DELETE", "inmulti"),
    ("FCALL", "im", "0"),
    ("EXEC",),
    ("FUNCTION", "FLUSH", "ASYNC"),
    ("FUNCTION", "STATS"),
    ("FUNCTION", "LIST"),
    ("FUNCTION", "DUMP"),  # empty: the footer only
    ("FUNCTION", "LOAD", lib("d1", "redis.register_function('d1', function() return 1 end)")),
    ("FUNCTION", "DUMP"),  # too short to compress: the same bytes from Redis
]


@pytest.fixture(scope="module")
def replies():
    with Redis() as redis_server, Cachet("--threads", "2") as cachet:
        ours, theirs = Conn(cachet.port), Conn(redis_server.port)
        yield [(cmd, theirs.call(*cmd), ours.call(*cmd)) for cmd in CASES]
        assert cachet.stop() == 0


def case_id(command):
    return " ".join(a if isinstance(a, str) else repr(a) for a in command)[:60]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case_id(c) for c in CASES])
def test_same_reply_as_redis(replies, index):
    command, expected, actual = replies[index]
    assert actual == expected, f"{command}: redis {expected!r}, cachet {actual!r}"


def pairs(flat):
    """A RESP2 map reply (redis-py gives FUNCTION LIST and STATS as flat lists) as a dict."""
    return dict(zip(flat[::2], flat[1::2]))


def normalized_list(r):
    """FUNCTION LIST WITHCODE as comparable data: libraries and functions sorted by name."""
    out = []
    for library in map(pairs, r.function_list(withcode=True)):
        library[b"functions"] = sorted(
            (sorted(pairs(f).items(), key=str) for f in library[b"functions"]), key=str)
        out.append(sorted(library.items(), key=str))
    return sorted(out, key=str)


LIBRARIES = [
    lib("alpha", "redis.register_function('a1', function() return 'a1' end) "
                 "redis.register_function{function_name='a2', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}, description='second'}"),
    lib("beta", "local prefix = 'beta:' redis.register_function('b1', function(keys, args) "
                "return prefix .. args[1] end)"),
    lib("gamma", "redis.register_function('g1', function(keys) return redis.call('incr', keys[1]) end)"),
]


def test_redis_py_function_api(srv):
    r = client(srv)
    r.function_flush()
    assert r.function_load(LIBRARIES[0]) == b"alpha"
    assert r.function_load(LIBRARIES[1]) == b"beta"
    with pytest.raises(redis.ResponseError, match="Library 'beta' already exists"):
        r.function_load(LIBRARIES[1])
    assert r.function_load(LIBRARIES[1], replace=True) == b"beta"
    assert r.fcall("a1", 0) == b"a1"
    assert r.fcall("b1", 0, "x") == b"beta:x"
    r.set("k", "v")
    assert r.fcall_ro("a2", 1, "k") == b"v"
    assert response_error(r.fcall_ro, "a1", 0) == \
        "Can not execute a script with write flag using *_ro command."
    names = sorted(pairs(library)[b"library_name"] for library in r.function_list())
    assert names == [b"alpha", b"beta"]
    [alpha] = r.function_list(library="ALP*")
    assert pairs(alpha)[b"engine"] == b"LUA"
    assert r.function_stats() == [b"running_script", None, b"engines",
                                  [b"LUA", [b"libraries_count", 2, b"functions_count", 3]]]
    assert r.function_delete("beta")
    assert response_error(r.function_delete, "beta") == "Library not found"
    payload = r.function_dump()
    assert r.function_flush() is True
    assert r.function_list() == []
    assert r.function_restore(payload) is True
    assert r.fcall("a1", 0) == b"a1"


@pytest.mark.parametrize("direction", ["redis_to_cachet", "cachet_to_redis"])
def test_dump_restores_in_the_other_server(direction):
    """A payload of several libraries (Redis LZF-compresses long ones) restores in the other
    server under every policy, and both then list and call the same functions."""
    with Redis() as redis_server, Cachet("--threads", "2") as cachet:
        source, target = client(redis_server), client(cachet)
        if direction == "cachet_to_redis":
            source, target = target, source
        for code in LIBRARIES:
            source.function_load(code)
        payload = source.function_dump()
        assert b"\xf5\xc3" in payload  # a library record in LZF form, from either server
        assert target.function_restore(payload) is True
        assert normalized_list(target) == normalized_list(source)
        assert target.fcall("b1", 0, "y") == b"beta:y"
        assert target.fcall("g1", 1, "n") == 1
        # Redis names the first clash in hash order, cachet in name order.
        assert re.fullmatch("Library (alpha|beta|gamma) already exists",
                            response_error(target.function_restore, payload))
        assert target.function_restore(payload, "REPLACE") is True
        target.function_load(lib("other", "redis.register_function('x1', function() return 1 end)"))
        assert target.function_restore(payload, "FLUSH") is True
        assert normalized_list(target) == normalized_list(source)
        corrupt = payload[:-1] + bytes([payload[-1] ^ 1])
        assert response_error(target.function_restore, corrupt) == \
            "DUMP payload version or checksum are wrong"
        assert cachet.stop() == 0


def test_long_library_code_is_dumped_lzf_compressed():
    """As Redis with its default rdbcompression yes: code over 20 bytes goes in LZF form when
    that saves more than 4 bytes (cachet's compressor is its own, so the bytes may differ from
    Redis's), and Redis restores it."""
    with Redis() as redis_server, Cachet() as cachet:
        theirs, ours = client(redis_server), client(cachet)
        code = LIBRARIES[1] + " -- " + "padding " * 20  # long and compressible
        ours.function_load(code)
        payload = ours.function_dump()
        assert payload.startswith(b"\xf5\xc3") and len(payload) < len(code)
        assert theirs.function_restore(payload) is True
        assert theirs.execute_command("FUNCTION", "LIST", "WITHCODE")[0][-1] == code.encode()
        assert cachet.stop() == 0


def test_a_library_loaded_on_one_worker_runs_on_the_others():
    with Cachet("--threads", "2") as cachet:
        conns = [Conn(cachet.port) for _ in range(4)]  # round robin: both workers
        assert conns[0].call("FUNCTION", "LOAD", LIBRARIES[1]) == b"$4\r\nbeta\r\n"
        for c in conns:
            assert c.call("FCALL", "b1", "0", "z") == b"$6\r\nbeta:z\r\n"
        replaced = lib("beta", "redis.register_function('b1', function() return 'v2' end)")
        assert conns[1].call("FUNCTION", "LOAD", "REPLACE", replaced) == b"$4\r\nbeta\r\n"
        for c in conns:
            assert c.call("FCALL", "b1", "0") == b"$2\r\nv2\r\n"
        assert conns[2].call("FUNCTION", "DELETE", "beta") == b"+OK\r\n"
        for c in conns:
            assert c.call("FCALL", "b1", "0") == b"-ERR Function not found\r\n"
        assert cachet.stop() == 0


def info_memory(r):
    return r.info("memory")


def test_info_memory_function_fields(srv):
    r = client(srv)
    r.function_flush()
    empty = info_memory(r)
    assert empty["number_of_functions"] == 0 and empty["number_of_libraries"] == 0
    for field in ("used_memory_vm_functions", "used_memory_vm_total", "used_memory_functions",
                  "used_memory_scripts"):
        assert field in empty
    for code in LIBRARIES:
        r.function_load(code)
    r.fcall("a1", 0)
    loaded = info_memory(r)
    assert loaded["number_of_functions"] == 4 and loaded["number_of_libraries"] == 3
    assert loaded["used_memory_functions"] > empty["used_memory_functions"]
    r.function_flush()
    flushed = info_memory(r)
    assert flushed["used_memory_functions"] == empty["used_memory_functions"]
    if srv.kind == "cachet":  # frees the flushing thread's interpreter; Redis keeps its Lua heap
        assert flushed["used_memory_vm_functions"] < loaded["used_memory_vm_functions"]


def wait_for_busy(conn):
    for _ in range(1_000_000):
        reply = conn.call("PING")
        if reply != b"+PONG\r\n":
            return reply
    raise AssertionError("the function never became busy")


def test_function_kill_stops_a_busy_function(srv):
    r = client(srv)
    r.function_flush()
    r.function_load(lib("spin", "redis.register_function{function_name='spin', "
                                "callback=function() local n = 0 while true do n = n + 1 end end, "
                                "flags={'no-writes'}}"))
    assert r.config_set("busy-reply-threshold", 10)
    runner, other = Conn(srv.port), Conn(srv.port)
    runner.send(b"*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n")
    assert wait_for_busy(other) == b"-BUSY Redis is busy running a script. You can only call " \
                                   b"FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
    assert other.call("SCRIPT", "KILL") == b"-BUSY Redis is busy running a script. You can only " \
                                           b"call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
    stats = other.call("FUNCTION", "STATS")
    assert stats.startswith(b"*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n"
                            b"$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n"
                            b"$11\r\nduration_ms\r\n:")
    assert other.call("FUNCTION", "KILL") == b"+OK\r\n"
    assert runner.reply() == b"-ERR Script killed by user with SCRIPT KILL... script: spin, " \
                             b"on @user_function:2.\r\n"
    assert other.call("FUNCTION", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"


def test_function_kill_refuses_a_busy_eval(srv):
    r = client(srv)
    assert r.config_set("busy-reply-threshold", 10)
    runner, other = Conn(srv.port), Conn(srv.port)
    body = b"local n = 0 while true do n = n + 1 end"
    runner.send(b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n" % (len(body), body))
    busy_eval = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or " \
                b"SHUTDOWN NOSAVE.\r\n"
    assert wait_for_busy(other) == busy_eval
    assert other.call("FUNCTION", "KILL") == busy_eval
    assert other.call("FUNCTION", "STATS") == busy_eval
    assert other.call("SCRIPT", "KILL") == b"+OK\r\n"
    assert runner.reply().startswith(b"-ERR Script killed by user with SCRIPT KILL...")


RESP3_CASES = [
    ("FUNCTION", "LOAD", READER),
    ("FUNCTION", "LOAD", lib("r3", "redis.register_function('r3', function() redis.setresp(3) "
                                   "return redis.call('hgetall', 'h') end)")),
    ("HSET", "h", "f", "v"),
    ("FCALL", "r3", "0"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "reader", "WITHCODE"),
    ("FUNCTION", "STATS"),
    ("FCALL_RO", "getter", "1", "missing"),
]


def test_resp3_replies_as_redis():
    """FUNCTION LIST's maps and flag sets, FUNCTION STATS's null, a function's RESP3 reply."""
    with Redis() as redis_server, Cachet() as cachet:
        ours, theirs = Conn(cachet.port), Conn(redis_server.port)
        for conn in (ours, theirs):
            assert conn.call("HELLO", "3").startswith(b"%")
        for command in RESP3_CASES:
            assert ours.call(*command) == theirs.call(*command), command
        assert cachet.stop() == 0


@pytest.mark.parametrize("kind", ["redis", "cachet"])
def test_shutdown_nosave_stops_a_server_with_an_unkillable_function(kind):
    """The way out UNKILLABLE names: SHUTDOWN is refused while a function that wrote is busy,
    SHUTDOWN NOSAVE ends the server (cachet used to wait forever for the busy worker)."""
    with (Redis() if kind == "redis" else Cachet("--threads", "2")) as server:
        r = client(server)
        r.function_load(lib("w", "redis.register_function('wspin', function(keys) "
                                 "redis.call('set', keys[1], 1) while true do end end)"))
        assert r.config_set("busy-reply-threshold", 10)
        runner, other = Conn(server.port), Conn(server.port)
        runner.send(b"*4\r\n$5\r\nFCALL\r\n$5\r\nwspin\r\n$1\r\n1\r\n$1\r\nk\r\n")
        busy = b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or " \
               b"SHUTDOWN NOSAVE.\r\n"
        assert wait_for_busy(other) == busy
        assert other.call("FUNCTION", "KILL").startswith(b"-UNKILLABLE Sorry the script already")
        assert other.call("SHUTDOWN") == busy
        other.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
        assert other.read_until_closed() == b""
        assert server.proc.wait(timeout=30) == 0


def test_client_pause_write_lets_no_writes_functions_through(srv):
    """Redis drops FCALL's may-replicate flag for a no-writes function: CLIENT PAUSE WRITE holds
    only FCALL of functions that may write (and of unknown ones)."""
    r = client(srv)
    r.function_flush()
    r.function_load(lib("p", "redis.register_function{function_name='pr', flags={'no-writes'}, "
                             "callback=function() return 1 end} "
                             "redis.register_function('pw', function(k) return redis.call('set', k[1], 1) end)"))
    admin, c = Conn(srv.port), Conn(srv.port)
    assert admin.call("CLIENT", "PAUSE", "100000", "WRITE") == b"+OK\r\n"
    assert c.call("FCALL", "pr", "0") == b":1\r\n"  # a paused client would time out here
    assert c.call("FCALL_RO", "pr", "0") == b":1\r\n"
    c.send(b"*4\r\n$5\r\nFCALL\r\n$2\r\npw\r\n$1\r\n1\r\n$1\r\nk\r\n")
    assert admin.call("EXISTS", "k") == b":0\r\n"
    assert admin.call("CLIENT", "UNPAUSE") == b"+OK\r\n"
    assert c.reply() == b"+OK\r\n"


def test_over_maxmemory_the_script_flags_decide(srv):
    """Redis derives deny-oom from a function's (or a shebang script's) flags: refused unless it
    declares allow-oom or no-writes, FCALL_RO included; unknown functions still say not found."""
    r = client(srv)
    r.function_flush()
    r.function_load(lib("o", "redis.register_function('ow', function() return redis.call('set', 'x', '1') end) "
                             "redis.register_function{function_name='or', flags={'no-writes'}, callback=function() return 1 end} "
                             "redis.register_function{function_name='oa', flags={'allow-oom'}, callback=function() return redis.call('set', 'y', '1') end}"))
    c = Conn(srv.port)
    assert c.call("CONFIG", "SET", "maxmemory-policy", "noeviction") == b"+OK\r\n"
    assert c.call("SET", "fill", "x" * 1000) == b"+OK\r\n"
    assert c.call("CONFIG", "SET", "maxmemory", "1") == b"+OK\r\n"
    oom = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    try:
        assert c.call("FCALL", "ow", "0") == oom
        assert c.call("FCALL_RO", "ow", "0") == oom
        assert c.call("FCALL", "or", "0") == b":1\r\n"
        assert c.call("FCALL_RO", "or", "0") == b":1\r\n"
        assert c.call("FCALL", "oa", "0") == b"+OK\r\n"
        assert c.call("FCALL", "nosuch", "0") == b"-ERR Function not found\r\n"
        assert c.call("EVAL", "#!lua\nreturn 1", "0") == oom
        assert c.call("EVAL", "#!lua flags=no-writes\nreturn 1", "0") == b":1\r\n"
        assert c.call("EVAL", "#!lua flags=allow-oom\nreturn 1", "0") == b":1\r\n"
        assert c.call("EVAL", "return 1", "0") == b":1\r\n"
    finally:
        assert c.call("CONFIG", "SET", "maxmemory", "0") == b"+OK\r\n"
