"""The cmsgpack and struct Lua libraries, differentially: every case runs the same EVAL on
Debian's redis-server and on cachet and compares the reply bytes (packed strings, decoded values
described as text, and error replies, which carry the script's SHA-1 on both)."""

import itertools
import random

import pytest

from support import Conn
from test_lists_sets import started

# Describes every value a call returns: its count, then type:value per value, numbers with 17
# digits, tables as their MessagePack re-encoding.
DESCRIBE = """
local function d(v)
  if type(v) == 'table' then return 'T' .. cmsgpack.pack(v) end
  if type(v) == 'number' then return 'n:' .. string.format('%.17g', v) end
  return type(v) .. ':' .. tostring(v)
end
local function all(...)
  local out = {tostring(select('#', ...))}
  for i = 1, select('#', ...) do out[#out + 1] = d((select(i, ...))) end
  return out
end
"""


@pytest.fixture(scope="module")
def pair():
    with started("redis") as redis_server, started("cachet") as cachet:
        yield Conn(redis_server.port), Conn(cachet.port)


def same(pair, body, *argv):
    """Runs EVAL body 0 argv on both servers; the replies must be the same bytes."""
    want = pair[0].call("EVAL", body, "0", *argv)
    got = pair[1].call("EVAL", body, "0", *argv)
    assert got == want, (body, argv)
    return want


INTEGERS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53, -1, -31, -32, -33,
            -127, -128, -129, -32767, -32768, -32769, -2**31, -2**31 - 1, -2**53]
NUMBERS = ["0.5", "-0.5", "0.1", "1/3", "1e300", "-1e-300", "1/0", "-1/0", "0/0", "-0.0",
           "2^63", "-2^63", "2^64", "-2^64", "3.4028234663852886e38", "1e-45", "16777217",
           "2^31", "-2^31"]


def test_pack_numbers(pair):
    for n in [str(i) for i in INTEGERS] + NUMBERS:
        same(pair, f"return cmsgpack.pack({n})")
        same(pair, DESCRIBE + f"return all(cmsgpack.unpack(cmsgpack.pack({n})))")


def test_strings_at_every_length_boundary(pair):
    for n in [0, 1, 31, 32, 33, 255, 256, 65535, 65536, 70000]:
        packed = same(pair, "return cmsgpack.pack(string.rep('x', ARGV[1]))", str(n))
        assert len(packed) > n
        same(pair, "return cmsgpack.unpack(cmsgpack.pack(ARGV[1])) == ARGV[1]", "é\0" * n)


def test_arrays_and_maps_at_every_count_boundary(pair):
    for n in [0, 1, 15, 16, 17, 255, 65535, 65536]:
        same(pair, "local t = {} for i = 1, ARGV[1] do t[i] = i end "
                   "local s = cmsgpack.pack(t) return {#s, s:sub(1, 8), s:sub(-8)}", str(n))
        same(pair, "local t = {} for i = 1, ARGV[1] do t['k' .. i] = i end "
                   "return cmsgpack.pack(t)", str(n))
        same(pair, "local t = {} for i = 1, ARGV[1] do t['k' .. i] = i end "
                   "local u = cmsgpack.unpack(cmsgpack.pack(t)) "
                   "return cmsgpack.pack(u) == cmsgpack.pack(t)", str(n))


def test_tables_that_are_not_arrays(pair):
    for t in ["{[2] = 1}", "{[0] = 1}", "{1, 2, nil, 4}", "{[1.5] = 1}", "{[-1] = 1}",
              "{1, 2, x = 3}", "{[2^31] = 1}", "{[true] = 1, [false] = 0}", "{{}, {{}}}",
              "{print, 1}", "{[{}] = 1}", "setmetatable({}, {__index = function() return 1 end})"]:
        same(pair, f"return cmsgpack.pack({t})")


def test_nesting_limit(pair):
    for depth in [14, 15, 16, 17, 30]:
        nest = ("local t = {} local c = t for i = 1, ARGV[1] do c[1] = {} c = c[1] end ")
        same(pair, nest + "return cmsgpack.pack(t)", str(depth))
        same(pair, nest.replace("c[1] = {} c = c[1]", "c.k = {} c = c.k") +
             "return cmsgpack.pack(t, 1, t)", str(depth))
    same(pair, "return cmsgpack.unpack(string.rep(string.char(0x91), ARGV[1]) .. string.char(1))"
               " ~= nil", "100")
    same(pair, "return cmsgpack.unpack(string.rep(string.char(0x91), ARGV[1]))", "9000")


def test_mixed_values_round_trip(pair):
    values = "nil, true, false, 'a', 1.25, -7, {1, {2, 'x'}}, {a = {b = {c = 'd'}}}, ''"
    same(pair, f"return cmsgpack.pack({values})")
    same(pair, DESCRIBE + f"return all(cmsgpack.unpack(cmsgpack.pack({values})))")
    same(pair, "return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, "
               "cmsgpack._DESCRIPTION}")


def test_unpack_one_and_unpack_limit(pair):
    packed = "cmsgpack.pack(1, 'two', {3}, nil, 5.5)"
    for offset in ["", ", 0", ", 1", ", 5", ", 6", ", 8", ", 9", ", 17", ", -1", ", 100"]:
        same(pair, DESCRIBE + f"return all(cmsgpack.unpack_one({packed}{offset}))")
        for limit in [0, 1, 2, 5, 6, -1]:
            same(pair, DESCRIBE + f"return all(cmsgpack.unpack_limit({packed}, {limit}{offset}))")
    for call in ["cmsgpack.unpack_one()", "cmsgpack.unpack_limit('a')", "cmsgpack.unpack()",
                 "cmsgpack.unpack({})", "cmsgpack.pack()", "cmsgpack.unpack_one('', 0)",
                 "cmsgpack.unpack('')", "cmsgpack.unpack(5)"]:
        same(pair, DESCRIBE + f"return all({call})")
    for n in ["100", "7990", "8100"]:
        same(pair, "local t = {} for i = 1, ARGV[1] do t[i] = i end "
                   "return #cmsgpack.pack(unpack(t))", n)
        same(pair, "return #{cmsgpack.unpack_limit(string.rep('a', ARGV[1]), ARGV[1])}", n)
    same(pair, "return #{cmsgpack.unpack(string.rep('a', ARGV[1]))}", "7000")
    same(pair, "return #{cmsgpack.unpack(string.rep('a', ARGV[1]))}", "9000")


def test_decoding_every_tag_byte(pair):
    """Each first byte with payloads of several lengths: values, bad formats, missing bytes."""
    payloads = [b"", b"\x01", b"\x00\x02", b"\x00\x00\x00\x03", b"\xff" * 8,
                bytes(range(1, 41))]
    for tag, payload in itertools.product(range(256), payloads):
        same(pair, DESCRIBE + "return all(cmsgpack.unpack(ARGV[1]))", bytes([tag]) + payload)


def test_random_messagepack_bytes(pair):
    rng = random.Random(7)
    for _ in range(400):
        data = bytes(rng.choice([0x91, 0x92, 0x81, 0xa1, 0xc0, 0xc3, 0xd9, 0xdc, 0xde, 0xcb,
                                 0x01, 0xff, 0x7f, 0xca, 0xd3])
                     for _ in range(rng.randint(1, 24)))
        same(pair, DESCRIBE + "return all(cmsgpack.unpack(ARGV[1]))", data)


STRUCT_PACKS = [
    "'>i2<I4', -2, 258", "'bBhHlLT', -1, 255, -1, 65535, -1, 1, 2", "'<i16', -1", "'>I16', 5",
    "'i1i2i3i5i6i7i8', 1, -2, 3, -4, 5, -6, 7", "'>I8>I8>i8', 2^64, 0/0, -0.5",
    "'>i8', -2^64", "'<I4', 2^32 + 5", "'i0', 1", "'>f<f>d<d', 0.1, -1/0, 0.1, 1/3",
    "'c3sc0x', 'abcd', 'e', 'fg'", "'!4bi', 1, 2", "'!bdbhbl', 1, 2, 3, 4, 5, 6",
    "'!2bdbi8', 1, 2, 3, 4", "'! bc2i', 1, 'ab', 3", "'s', 'a\\0b'", "'c0', ''",
    # errors
    "'i33', 1", "'z', 1", "'!3', 1", "'c5', 'abc'", "'s', 'abc', 1", "'i'", "'i', 'x'",
    "'c0i', string.rep('a', 9000)", "'c0c0', string.rep('a', 9000)",
    "'c'", "'i99999999999', 1", "'%'", "''", "1", "nil",
]
STRUCT_UNPACKS = [
    "'>i2<I4', '\\255\\254\\2\\1\\0\\0'", "'<i9', string.rep('\\255', 9)",
    "'<i9', '\\0\\0\\0\\0\\0\\0\\0\\128\\0'", "'<i16', string.rep('\\128', 16)",
    "'<I16', string.rep('\\128', 16)", "'bBhH', '\\255\\255\\255\\255\\255\\255'",
    "'i0i1', '\\5'", "'>f<d', string.rep('\\63', 12)", "'s s', 'ab\\0cd\\0'", "'s', 'ab'",
    "'i1c0', '\\3abcd'", "'i1c0', '\\9abcd'", "'c0', 'abc'", "'c1c0', '2abc'", "'b', 'a', 0",
    "'b', 'a', 2", "'b', 'a', 3", "'i4', 'abc'", "'!4bi', '\\1\\0\\0\\0\\2\\0\\0\\0'",
    "'x x b', 'abc'", "'b', 'abc', 2", "'z', 'a'", "'c2', 'abc', -1", "'d', string.rep('a', 8), 1", "'', 'a', 5", "'', 'a', -1",
    "'c0i', string.rep('a', 9000)", "'c0c', string.rep('a', 9000)",
]
STRUCT_SIZES = ["'!8bdi2c5'", "'bhilTfdx'", "'i32'", "'s'", "'c0'", "'!3'", "'z'", "'!'",
                "'<>i7c9'", "'%'"]


def test_struct(pair):
    for args in STRUCT_PACKS:
        same(pair, f"return struct.pack({args})")
        if not args.startswith("'i") or "33" not in args:
            same(pair, DESCRIBE + f"return all(struct.unpack({args.split(',')[0]}, "
                                  f"struct.pack({args})))")
    for args in STRUCT_UNPACKS:
        same(pair, DESCRIBE + f"return all(struct.unpack({args}))")
    for fmt in STRUCT_SIZES:
        same(pair, f"return struct.size({fmt})")


def test_libraries_are_read_only(pair):
    # (rawget on a library table differs: cachet's libraries are proxies, for cjson too.)
    for body in ["cmsgpack.pack = nil", "struct.x = 1", "cmsgpack.x = 1", "struct.size = nil",
                 "return type(struct.unpack)"]:
        same(pair, body)


def test_random_struct_formats(pair):
    """Random formats packed with random numbers, then unpacked from random bytes."""
    rng = random.Random(11)
    letters = "bBhHlLTiIfdxc<>! "
    for _ in range(300):
        fmt = "".join(rng.choice(letters) + rng.choice(["", "", str(rng.choice([1, 2, 3, 4, 8]))])
                      for _ in range(rng.randint(1, 6)))
        numbers = ", ".join(rng.choice(["-1", "300", "-70000", "1.5", "2^40", "-2^40", "'ab'"])
                            for _ in range(8))
        same(pair, f"return struct.pack('{fmt}', {numbers})")
        same(pair, DESCRIBE + f"return all(struct.unpack('{fmt}', ARGV[1]))",
             bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))))
        same(pair, f"return struct.size('{fmt}')")


def test_queue_script_style(pair):
    """As BullMQ's scripts do: options packed by the client, stored, read back and unpacked."""
    opts = pair[0].call("EVAL", "return cmsgpack.pack({attempts = 3, backoff = {type = 'fixed', "
                                "delay = 1000}, jobId = 'j1', lifo = false, removeOnComplete = "
                                "true, tags = {'a', 'b'}, ratio = 0.75})", "0")
    packed = opts.split(b"\r\n", 1)[1][:-2]
    body = """
      redis.call('hset', 'job:1', 'opts', ARGV[1])
      local o = cmsgpack.unpack(redis.call('hget', 'job:1', 'opts'))
      return {o.attempts, o.backoff.type, o.backoff.delay, o.jobId, tostring(o.lifo),
              tostring(o.removeOnComplete), #o.tags, tostring(o.ratio),
              cmsgpack.pack(o.tags, o.backoff.delay)}
    """
    assert same(pair, body, packed).startswith(b"*9\r\n:3\r\n$5\r\nfixed\r\n:1000\r\n")
    same(pair, "return cmsgpack.unpack(redis.call('get', 'missing'))")
