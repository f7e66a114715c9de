"""Seeded random command sequences for the randomized differential test
(test_differential_random.py), and the one place that says how each reply is compared.

generate(seed, count, families) returns `count` Steps: a command and the Norm its reply is
compared under. The same seed and families always give the same steps. Commands work on a small
key space shared by every type (so WRONGTYPE is common) with small pools of fields, members and
elements that include integers, negative numbers, the empty string, binary bytes and 65- and
300-byte strings (so small encodings convert). Every family also draws bad input: non-integer,
negative and out-of-range numbers, bad options, and (for any step) a wrong number of arguments.
Lex ranges, geo reads and SORT's BY/ALPHA work on keys of their own (LEX_KEYS, GEO_KEYS,
SORT_KEYS), where Redis's reply is defined; see the comments at each.

Only replies that depend on time or randomness are avoided or normalized; see normalize().

Run as a script (`python3 differential_gen.py SEED COUNT [FAMILIES]`) it prints the sequence,
one command a line, for replaying by hand.
"""
import hashlib
import random
import re
import sys
from typing import NamedTuple

# How a reply is compared. Everything not listed here is compared byte for byte.
EXACT = "exact"
UNORDERED = "unordered"  # a set's elements (or KEYS): Redis returns them in hash-table order
HASH_FIELDS = "hash_fields"  # HKEYS/HVALS: ordered only while Redis's hash is a listpack
HASH_PAIRS = "hash_pairs"  # HGETALL: same, field-value pairs
TTL = "ttl"  # TTL/PTTL/EXPIRETIME: the remaining time depends on the clock, -1/-2 do not
SHAPE = "shape"  # SRANDMEMBER/ZRANDMEMBER: random elements, deterministic reply type and length
UNORDERED_PAIRS = "unordered_pairs"  # ZRANDMEMBER WITHSCORES of a whole zset: any pair order
ZSCAN_ALL = "zscan_all"  # ZSCAN 0 COUNT 1000: one call, ordered only while Redis has a listpack
HELLO = "hello"  # HELLO: the reply carries the connection's id
PENDING_IDLE = "pending_idle"  # XPENDING's extended form: each entry's idle time
XINFO_TIMES = "xinfo_times"  # XINFO STREAM/CONSUMERS: clock fields and radix-tree-nodes


class Step(NamedTuple):
    args: tuple  # of bytes
    norm: object  # a Norm above, or ("exec", (norm, ...)) for EXEC
    key: bytes = None  # the key a hash norm asks the encoding of, when it is not args[1]


KEYS = [b"k%d" % i for i in range(8)]
JUNK = b"zz"  # an argument appended to make a wrong arity; a key outside KEYS if it is one
LONG65, LONG300 = b"L" * 65, b"M" * 300
BINARY = b"\x00\xff\r\n\x80"
INTS = [b"0", b"1", b"-1", b"2", b"7", b"-42", b"100", b"9223372036854775807",
        b"-9223372036854775808"]
VALUES = INTS + [b"", b"abc", b"hello world", b"3.5", b"-0.25", b"1e3", b"+5", b" 1", b"012",
                 BINARY, LONG65, LONG300]
FLOATS = [b"0.1", b"-1.5", b"3", b"1e2", b"5.0e3", b"-0", b"1e-5", b"0x10", b"inf", b"abc",
          b"1e400", b"", b"  2", b"9223372036854775807"]
NOT_INTS = [b"x", b"1.5", b"", b"9223372036854775808", b"-9223372036854775809", b" 1"]
FIELDS = [b"f0", b"f1", b"f2", b"f3", b"1", b"-2", b"", BINARY, LONG65]
MEMBERS = [b"0", b"1", b"2", b"-5", b"100", b"012", b"1.0", b"9223372036854775807",
           b"-9223372036854775808", b"a", b"b", b"c", b"", BINARY, LONG65]
ELEMENTS = [b"a", b"b", b"c", b"0", b"1", b"-1", b"", BINARY, LONG65, LONG300]
INDICES = [b"0", b"1", b"2", b"3", b"-1", b"-2", b"-3", b"5", b"100", b"-100"]
# Relative expiries far in the future (a test never outlives them); absolute times all later than
# any relative one (until about 2031), so GT/LT between them never depends on when a command ran.
SECONDS = [b"100000", b"1000000", b"50000000"]
UNIX_TIMES = [b"2000000000", b"3000000000", b"4000000000"]
BAD_EXPIRIES = [b"0", b"-1", b"x", b"9223372036854775807"]
BIT_OFFSETS = [b"0", b"1", b"7", b"8", b"15", b"63", b"100", b"2500"]
BAD_BIT_OFFSETS = [b"-1", b"x", b"4294967296"]
BITFIELD_TYPES = [b"u1", b"u4", b"u8", b"u16", b"u63", b"i1", b"i5", b"i8", b"i32", b"i64"]
BAD_BITFIELD_TYPES = [b"u64", b"i65", b"x8", b"u0", b"i"]
# Shortening these could make a command whose reply is random or in unspecified order (SPOP k,
# ZRANDMEMBER k, ZSCAN k 0 without its large COUNT, SORT ... ALPHA without its STORE, a
# GEOSEARCH without its ASC): a wrong arity is made by appending an argument instead.
NOT_SHORTENED = {b"SPOP", b"SRANDMEMBER", b"ZRANDMEMBER", b"ZSCAN", b"SORT", b"SORT_RO",
                 b"GEOSEARCH", b"GEOSEARCHSTORE", b"GEORADIUS", b"GEORADIUS_RO",
                 b"GEORADIUSBYMEMBER", b"GEORADIUSBYMEMBER_RO"}


class Gen:
    """Random draws for one sequence; every family function takes one of these."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.in_multi = False
        self.stream_ms = 1  # the streams family's clock and the ids it made (_stream_new_id)
        self.stream_ids = []

    def chance(self, p):
        return self.r.random() < p

    def pick(self, pool):
        return self.r.choice(pool)

    def key(self):
        return self.pick(KEYS)

    def keys(self, lo=1, hi=3):
        return [self.key() for _ in range(self.r.randint(lo, hi))]

    def some(self, pool, lo=1, hi=3):
        return [self.pick(pool) for _ in range(self.r.randint(lo, hi))]

    def num(self, good, bad=NOT_INTS, p_bad=0.08):
        """A number from `good`, or now and then a malformed one."""
        return self.pick(bad) if self.chance(p_bad) else self.pick(good)

    def count(self, hi=5):
        """A count argument: usually 0..hi, sometimes negative or malformed."""
        return self.num([b"%d" % self.r.randint(0, hi)], NOT_INTS + [b"-1", b"-3"])

    def pairs(self, names, pool):
        """name1 value1 name2 value2 ... with values drawn from pool."""
        return [a for n in names for a in (n, self.pick(pool))]

    def opts(self, choices, p=0.3):
        """Each option of `choices` (a list of arg lists) kept with probability p, shuffled."""
        kept = [c for c in choices if self.chance(p)]
        self.r.shuffle(kept)
        return [a for c in kept for a in c]


def weighted(table):
    """A family function drawing one entry of `table` [(weight, fn), ...] by weight."""
    weights = [w for w, _ in table]
    fns = [f for _, f in table]

    def draw(g):
        return g.r.choices(fns, weights)[0](g)

    return draw


# --- strings ------------------------------------------------------------------------------------

def _set_options(g):
    expiry = g.pick([[b"EX", g.num(SECONDS, BAD_EXPIRIES)], [b"PX", g.num([b"100000000"])],
                     [b"EXAT", g.num(UNIX_TIMES, BAD_EXPIRIES)], [b"KEEPTTL"]])
    return g.opts([[b"NX"], [b"XX"], [b"GET"], expiry], 0.25)


STRINGS = weighted([
    (6, lambda g: [b"SET", g.key(), g.pick(VALUES)] + _set_options(g)),
    (5, lambda g: [b"GET", g.key()]),
    (3, lambda g: [b"APPEND", g.key(), g.pick(VALUES)]),
    (2, lambda g: [g.pick([b"INCR", b"DECR"]), g.key()]),
    (2, lambda g: [g.pick([b"INCRBY", b"DECRBY"]), g.key(), g.num(INTS)]),
    (2, lambda g: [b"INCRBYFLOAT", g.key(), g.pick(FLOATS)]),
    (2, lambda g: [b"GETRANGE", g.key(), g.num(INDICES), g.num(INDICES)]),
    # 536870912: past the 512 MB limit with any non-empty value, and no allocation with "".
    (2, lambda g: [b"SETRANGE", g.key(), g.num([b"0", b"1", b"5", b"70", b"-1", b"536870912"]),
                   g.pick(VALUES)]),
    (2, lambda g: [b"STRLEN", g.key()]),
    (2, lambda g: [g.pick([b"MSET", b"MSETNX"])] + g.pairs(g.keys(), VALUES)),
    (2, lambda g: [b"MGET"] + g.keys(1, 4)),
    (1, lambda g: [b"GETDEL", g.key()]),
    (1, lambda g: [b"GETSET", g.key(), g.pick(VALUES)]),
    (1, lambda g: [b"SETNX", g.key(), g.pick(VALUES)]),
    (1, lambda g: [b"SETEX", g.key(), g.num(SECONDS, BAD_EXPIRIES), g.pick(VALUES)]),
    (1, lambda g: [b"GETEX", g.key()] + g.pick([[], [b"PERSIST"], [b"EX", g.num(SECONDS)]])),
])

# --- keys ---------------------------------------------------------------------------------------


def _ttl(g):
    return Step((g.pick([b"TTL", b"PTTL", b"EXPIRETIME", b"PEXPIRETIME"]), g.key()), TTL)


KEYSPACE = weighted([
    (3, lambda g: [g.pick([b"DEL", b"UNLINK"])] + g.keys(1, 2)),
    (3, lambda g: [g.pick([b"EXISTS", b"TOUCH"])] + g.keys(1, 4)),
    (3, lambda g: [b"TYPE", g.key()]),
    (2, lambda g: [g.pick([b"RENAME", b"RENAMENX"]), g.key(), g.key()]),
    # Relative expiries only with NX/XX: GT/LT against an expiry set a moment ago is a race.
    (2, lambda g: [g.pick([b"EXPIRE", b"PEXPIRE"]), g.key(), g.num(SECONDS, BAD_EXPIRIES, 0.2)]
     + g.opts([[b"NX"], [b"XX"]], 0.2)),
    (2, lambda g: [b"EXPIREAT", g.key(), g.num(UNIX_TIMES, [b"1", b"x"], 0.15)]
     + g.opts([[b"NX"], [b"XX"], [b"GT"], [b"LT"]], 0.3)),
    (1, lambda g: [b"PEXPIREAT", g.key(), g.pick(UNIX_TIMES) + b"000"]
     + g.opts([[b"GT"], [b"LT"]], 0.4)),
    (2, lambda g: [b"PERSIST", g.key()]),
    (3, _ttl),
    (1, lambda g: [b"DBSIZE"]),
    (1, lambda g: Step((b"KEYS", g.pick([b"*", b"k[0-3]", b"k?"])), UNORDERED)),
])

# --- hashes -------------------------------------------------------------------------------------


def _hash_read_all(g):
    if g.in_multi:  # the comparison asks Redis the hash's encoding now, not inside the block
        return [b"HLEN", g.key()]
    cmd = g.pick([b"HGETALL", b"HKEYS", b"HVALS"])
    return Step((cmd, g.key()), HASH_PAIRS if cmd == b"HGETALL" else HASH_FIELDS)


def _big_hash(g):
    """130 fields at once: past Redis's 128-field listpack limit."""
    start = g.r.randint(0, 50)
    return [b"HSET", g.key()] + g.pairs([b"g%d" % i for i in range(start, start + 130)], [b"v"])


HASHES = weighted([
    (6, lambda g: [g.pick([b"HSET", b"HMSET"]), g.key()] + g.pairs(g.some(FIELDS), VALUES)),
    (4, lambda g: [b"HGET", g.key(), g.pick(FIELDS)]),
    (3, lambda g: [b"HDEL", g.key()] + g.some(FIELDS)),
    (2, lambda g: [b"HLEN", g.key()]),
    (2, lambda g: [b"HEXISTS", g.key(), g.pick(FIELDS)]),
    (3, lambda g: [b"HINCRBY", g.key(), g.pick(FIELDS), g.num(INTS)]),
    (1, lambda g: [b"HINCRBYFLOAT", g.key(), g.pick(FIELDS), g.pick(FLOATS)]),
    (2, lambda g: [b"HMGET", g.key()] + g.some(FIELDS)),
    (2, lambda g: [b"HSTRLEN", g.key(), g.pick(FIELDS)]),
    (2, lambda g: [b"HSETNX", g.key(), g.pick(FIELDS), g.pick(VALUES)]),
    (3, _hash_read_all),
    (0.2, _big_hash),
])

# --- lists --------------------------------------------------------------------------------------

END = [b"LEFT", b"RIGHT"]


def _lpos(g):
    return [b"LPOS", g.key(), g.pick(ELEMENTS)] + g.opts([
        [b"RANK", g.num([b"1", b"2", b"-1", b"-2", b"0"])],
        [b"COUNT", g.count(3)],
        [b"MAXLEN", g.count(4)]], 0.4)


def _numkeys_cmd(g, name, extra):
    """name numkeys key... extra..., numkeys now and then wrong."""
    keys = g.keys(1, 3)
    numkeys = b"%d" % len(keys) if g.chance(0.9) else g.pick([b"0", b"5", b"-1", b"x"])
    return [name, numkeys] + keys + extra


def _lmpop(g):
    return _numkeys_cmd(g, b"LMPOP", [g.pick(END)] + g.opts([[b"COUNT", g.count(3)]], 0.5))


def _big_list(g):
    return [b"RPUSH", g.key()] + [b"e%d" % (i % 7) for i in range(200)]


LISTS = weighted([
    (6, lambda g: [g.pick([b"LPUSH", b"RPUSH"]), g.key()] + g.some(ELEMENTS, 1, 4)),
    (2, lambda g: [g.pick([b"LPUSHX", b"RPUSHX"]), g.key()] + g.some(ELEMENTS)),
    (4, lambda g: [g.pick([b"LPOP", b"RPOP"]), g.key()] + g.pick([[], [], [g.count(3)]])),
    (2, lambda g: [b"LLEN", g.key()]),
    (4, lambda g: [b"LRANGE", g.key(), g.num(INDICES), g.num(INDICES)]),
    (2, lambda g: [b"LINDEX", g.key(), g.num(INDICES)]),
    (2, lambda g: [b"LSET", g.key(), g.num(INDICES), g.pick(ELEMENTS)]),
    (2, lambda g: [b"LINSERT", g.key(), g.num([b"BEFORE", b"AFTER"], [b"MIDDLE"], 0.1),
                   g.pick(ELEMENTS), g.pick(ELEMENTS)]),
    (2, lambda g: [b"LREM", g.key(), g.num([b"0", b"1", b"2", b"-1", b"-2"]), g.pick(ELEMENTS)]),
    (1, lambda g: [b"LTRIM", g.key(), g.num(INDICES), g.num(INDICES)]),
    (2, _lpos),
    (1, lambda g: [b"RPOPLPUSH", g.key(), g.key()]),
    (2, lambda g: [b"LMOVE", g.key(), g.key(), g.num(END, [b"UP"], 0.05), g.pick(END)]),
    (1, _lmpop),
    (0.2, _big_list),
])

# --- sets ---------------------------------------------------------------------------------------


def _spop(g):
    """Only forms whose reply is not random: a count of 0, a count past any set's size, errors."""
    count = g.pick([b"0", b"1000", b"-1", b"x"])
    return Step((b"SPOP", g.key(), count), UNORDERED)


def _srandmember(g):
    args = [b"SRANDMEMBER", g.key()] + g.pick([[], [b"0"], [b"1000"], [b"-3"], [b"2"], [b"x"]])
    return Step(tuple(args), UNORDERED if args[2:] in ([b"0"], [b"1000"]) else SHAPE)


def _big_set(g):
    """600 integers (past the 512-entry intset limit) or 130 strings."""
    if g.chance(0.5):
        return [b"SADD", g.key()] + [b"%d" % i for i in range(600)]
    return [b"SADD", g.key()] + [b"s%d" % i for i in range(130)]


SETS = weighted([
    (6, lambda g: [b"SADD", g.key()] + g.some(MEMBERS, 1, 4)),
    (3, lambda g: [b"SREM", g.key()] + g.some(MEMBERS)),
    (2, lambda g: [b"SISMEMBER", g.key(), g.pick(MEMBERS)]),
    (2, lambda g: [b"SMISMEMBER", g.key()] + g.some(MEMBERS)),
    (2, lambda g: [b"SCARD", g.key()]),
    (2, lambda g: [b"SMOVE", g.key(), g.key(), g.pick(MEMBERS)]),
    (3, lambda g: Step((g.pick([b"SINTER", b"SUNION", b"SDIFF"]), *g.keys(1, 3)), UNORDERED)),
    (1, lambda g: _numkeys_cmd(g, b"SINTERCARD", g.opts([[b"LIMIT", g.count(3)]], 0.5))),
    (2, lambda g: [g.pick([b"SINTERSTORE", b"SUNIONSTORE", b"SDIFFSTORE"]), *g.keys(1, 4)]),
    (3, lambda g: Step((b"SMEMBERS", g.key()), UNORDERED)),
    (1, _spop),
    (1, _srandmember),
    (0.2, _big_set),
])

# --- bitmaps ------------------------------------------------------------------------------------


def _bit_range(g, head):
    """[start [end [BYTE|BIT]]] after `head` (BITCOUNT with a start alone is a syntax error)."""
    n = g.r.randint(0, 3)
    tail = [g.num(INDICES), g.num(INDICES), g.num([b"BYTE", b"BIT"], [b"WORD"], 0.1)]
    return head + tail[:n]


def _bitfield_op(g, read_only):
    kind = b"GET" if read_only and g.chance(0.9) else g.pick([b"GET", b"SET", b"INCRBY",
                                                            b"OVERFLOW"])
    if kind == b"OVERFLOW":
        return [kind, g.num([b"WRAP", b"SAT", b"FAIL"], [b"NONE"], 0.1)]
    ftype = g.num(BITFIELD_TYPES, BAD_BITFIELD_TYPES)
    offset = g.num(BIT_OFFSETS[:6] + [b"#0", b"#1", b"#3"], BAD_BIT_OFFSETS)
    return [kind, ftype, offset] + ([] if kind == b"GET" else [g.num(INTS + [b"300", b"-129"])])


def _bitfield(g):
    read_only = g.chance(0.25)
    ops = [a for _ in range(g.r.randint(1, 3)) for a in _bitfield_op(g, read_only)]
    return [b"BITFIELD_RO" if read_only else b"BITFIELD", g.key()] + ops


BITMAPS = weighted([
    (5, lambda g: [b"SETBIT", g.key(), g.num(BIT_OFFSETS, BAD_BIT_OFFSETS),
                   g.num([b"0", b"1"], [b"2", b"x"])]),
    (3, lambda g: [b"GETBIT", g.key(), g.num(BIT_OFFSETS, BAD_BIT_OFFSETS)]),
    (3, lambda g: _bit_range(g, [b"BITCOUNT", g.key()])),
    (3, lambda g: _bit_range(g, [b"BITPOS", g.key(), g.num([b"0", b"1"], [b"2"], 0.05)])),
    (2, lambda g: [b"BITOP", g.num([b"AND", b"OR", b"XOR", b"NOT"], [b"NAND"], 0.05), g.key()]
     + g.keys(1, 3)),
    (4, _bitfield),
])

# --- HyperLogLog --------------------------------------------------------------------------------

HLL_ELEMENTS = [b"a", b"b", b"c", b"1", b"2", b"", BINARY, LONG65]


def _pfadd_many(g):
    """Enough new elements that a sparse HyperLogLog turns dense."""
    start = g.r.randint(0, 100000)
    return [b"PFADD", g.key()] + [b"x%d" % i for i in range(start, start + 600)]


HYPERLOGLOG = weighted([
    (5, lambda g: [b"PFADD", g.key()] + g.some(HLL_ELEMENTS, 0, 4)),
    (3, lambda g: [b"PFCOUNT"] + g.keys(1, 3)),
    (2, lambda g: [b"PFMERGE", g.key()] + g.keys(0, 3)),
    (3, lambda g: [b"GET", g.key()]),
    (0.5, _pfadd_many),
    (1, lambda g: [b"PFDEBUG", g.pick([b"ENCODING", b"DECODE", b"TODENSE", b"GETREG", b"NOSUCH"]),
                   g.key()]),
])

# --- sorted sets --------------------------------------------------------------------------------

# Integers, decimals (0.1 replies as 0.10000000000000001), the infinities in the spellings
# Redis's strtod takes, -0 (replies as 0), hex, 2^53+1 (rounds), and what Redis refuses.
SCORES = [b"0", b"1", b"-1", b"2", b"3", b"10", b"100", b"1.5", b"-2.5", b"0.1", b"1e3", b"inf",
          b"-inf", b"+inf", b"-Infinity", b"-0", b"0x10", b".5", b"9007199254740993", b"1e300"]
BAD_SCORES = [b"nan", b"x", b"", b"1e", b" 1", b"1 ", b"1e400", b"1e-400", b"1_0"]
SCORE_BOUNDS = [b"-inf", b"+inf", b"inf", b"(-inf", b"(+inf", b"0", b"1", b"(1", b"2", b"(2",
                b"1.5", b"(1.5", b"-1", b"(-1", b"10", b"(10", b"100", b"1e3"]
BAD_SCORE_BOUNDS = [b"x", b"(", b"(x", b"[1", b"nan", b""]
WEIGHTS = [b"1", b"2", b"0", b"-1", b"0.5", b"inf", b"-inf"]
# Positive: a whole zset at most; never a huge negative count (a reply of that many elements).
ZRANDMEMBER_COUNTS = [b"0", b"1000", b"2", b"-3", b"x", b"-9223372036854775808"]
TIMEOUTS = [b"0.01"]  # never 0: an empty key would block the sequence for good
BAD_TIMEOUTS = [b"-1", b"x"]
# Lex ranges only on keys whose members all have score 0 (Redis leaves lex ranges over differing
# scores unspecified): LEX_KEYS, written by the lex commands alone.
LEX_KEYS = [b"lex0", b"lex1"]
LEX_MEMBERS = [b"a", b"aa", b"ab", b"b", b"c", b"d", b"", b"0", b"A", BINARY, LONG65]
LEX_BOUNDS = [b"-", b"+", b"[a", b"(a", b"[aa", b"(ab", b"[b", b"(c", b"[", b"(", b"[0", b"(d"]
BAD_LEX_BOUNDS = [b"a", b"", b"{a"]


def _score(g):
    return g.num(SCORES, BAD_SCORES, 0.06)


def _bound(g):
    return g.num(SCORE_BOUNDS, BAD_SCORE_BOUNDS, 0.05)


def _lex_bound(g):
    return g.num(LEX_BOUNDS, BAD_LEX_BOUNDS, 0.05)


def _limit(g):
    return [b"LIMIT", g.num([b"0", b"1", b"2", b"-1"]), g.num([b"1", b"2", b"5", b"-1", b"0"])]


def _numkeys(g, keys=None):
    """numkeys key..., numkeys now and then zero, negative, past the arguments or malformed."""
    keys = keys or g.keys(1, 3)
    numkeys = b"%d" % len(keys) if g.chance(0.9) else g.pick([b"0", b"-1", b"5", b"x"])
    return [numkeys] + keys


def _zadd(g):
    flags = g.opts([[b"NX"], [b"XX"], [b"GT"], [b"LT"], [b"CH"]], 0.12)
    incr = g.chance(0.1)
    pairs = 1 if incr and g.chance(0.85) else g.r.randint(1, 4)
    return ([b"ZADD", g.key()] + flags + ([b"INCR"] if incr else [])
            + [a for _ in range(pairs) for a in (_score(g), g.pick(MEMBERS))])


def _zrange(g):
    """ZRANGE by rank or by score (REV, LIMIT, WITHSCORES); LIMIT by rank is an error."""
    by_score = g.chance(0.5)
    head = ([b"ZRANGE", g.key(), _bound(g), _bound(g), b"BYSCORE"] if by_score
            else [b"ZRANGE", g.key(), g.num(INDICES), g.num(INDICES)])
    return head + g.opts([[b"REV"], [b"WITHSCORES"]], 0.4) + (
        _limit(g) if g.chance(0.3 if by_score else 0.05) else [])


def _zrangestore(g):
    src = g.key()
    if g.chance(0.5):
        return [b"ZRANGESTORE", g.key(), src, _bound(g), _bound(g), b"BYSCORE"] + g.opts(
            [[b"REV"], _limit(g)], 0.3)
    return [b"ZRANGESTORE", g.key(), src, g.num(INDICES), g.num(INDICES)] + g.opts([[b"REV"]])


def _by_score(g):
    name = g.pick([b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"])
    return [name, g.key(), _bound(g), _bound(g)] + g.opts([[b"WITHSCORES"], _limit(g)], 0.4)


def _weights_aggregate(g, n):
    weights = [b"WEIGHTS"] + [g.num(WEIGHTS, [b"x", b"nan"], 0.05) for _ in range(n)]
    if g.chance(0.05):
        weights = weights[:-1] if n > 1 else weights + [b"1"]  # one weight too few or too many
    aggregate = [b"AGGREGATE", g.num([b"SUM", b"MIN", b"MAX"], [b"AVG"], 0.05)]
    return g.opts([weights, aggregate], 0.35)


def _zstore(g):
    name = g.pick([b"ZUNIONSTORE", b"ZINTERSTORE", b"ZDIFFSTORE"])
    keys = g.keys(1, 3)
    tail = [] if name == b"ZDIFFSTORE" else _weights_aggregate(g, len(keys))
    return [name, g.key()] + _numkeys(g, keys) + tail


def _zcombine(g):
    name = g.pick([b"ZUNION", b"ZINTER", b"ZDIFF"])
    keys = g.keys(1, 3)
    tail = [] if name == b"ZDIFF" else _weights_aggregate(g, len(keys))
    return [name] + _numkeys(g, keys) + tail + g.opts([[b"WITHSCORES"]], 0.5)


def _zpop(g):
    return [g.pick([b"ZPOPMIN", b"ZPOPMAX"]), g.key()] + g.pick([[], [], [g.count(3)]])


def _zmpop(g, blocking):
    head = [b"BZMPOP", g.num(TIMEOUTS, BAD_TIMEOUTS)] if blocking else [b"ZMPOP"]
    return (head + _numkeys(g) + [g.num([b"MIN", b"MAX"], [b"UP"], 0.05)]
            + g.opts([[b"COUNT", g.count(3)]], 0.5))


def _bzpop(g):
    return [g.pick([b"BZPOPMIN", b"BZPOPMAX"])] + g.keys(1, 2) + [g.num(TIMEOUTS, BAD_TIMEOUTS)]


def _zrandmember(g):
    """Only replies that are not random: count 0, a count past any zset's size (the whole zset,
    compared in any order), errors; other counts are compared by reply type and length."""
    count = g.pick([[]] + [[c] for c in ZRANDMEMBER_COUNTS])
    args = [b"ZRANDMEMBER", g.key()] + count + (g.opts([[b"WITHSCORES"]], 0.5) if count else [])
    if count == [b"1000"]:
        return Step(tuple(args), UNORDERED_PAIRS)
    return Step(tuple(args), EXACT if count == [b"0"] else SHAPE)


def _zscan(g):
    """A whole zset in one call (a COUNT past any zset's size); not inside MULTI, where the
    comparison could not ask for the encoding the zset had."""
    if g.in_multi:
        return [b"ZCARD", g.key()]
    args = [b"ZSCAN", g.key(), g.num([b"0"], [b"x", b"1.5"], 0.05)]  # another cursor: no
    args += g.opts([[b"MATCH", g.pick([b"*", b"a*", b"1*", b"?", b"[ab]"])]], 0.4)
    return Step(tuple(args + [b"COUNT", b"1000"]), ZSCAN_ALL)


def _big_zset(g):
    """130 members (past the 128-entry listpack limit), scores with ties."""
    start = g.r.randint(0, 50)
    return [b"ZADD", g.key()] + [a for i in range(start, start + 130)
                                 for a in (b"%d" % (i % 7), b"z%d" % i)]


def _lex_zadd(g):
    flags = g.opts([[b"NX"], [b"XX"], [b"CH"]], 0.15)
    return [b"ZADD", g.pick(LEX_KEYS)] + flags + [a for m in g.some(LEX_MEMBERS, 1, 4)
                                                    for a in (b"0", m)]


def _lex_range(g):
    name = g.pick([b"ZRANGEBYLEX", b"ZREVRANGEBYLEX", b"ZLEXCOUNT", b"ZREMRANGEBYLEX", b"ZRANGE"])
    args = [name, g.pick(LEX_KEYS), _lex_bound(g), _lex_bound(g)]
    if name == b"ZRANGE":
        args += [b"BYLEX"] + g.opts([[b"REV"], _limit(g), [b"WITHSCORES"]], 0.25)
    elif name in (b"ZRANGEBYLEX", b"ZREVRANGEBYLEX") and g.chance(0.3):
        args += _limit(g)
    return args


ZSETS = weighted([
    (8, _zadd),
    (2, lambda g: [b"ZINCRBY", g.key(), _score(g), g.pick(MEMBERS)]),
    (3, lambda g: [b"ZREM", g.key()] + g.some(MEMBERS)),
    (2, lambda g: [b"ZCARD", g.key()]),
    (3, lambda g: [b"ZSCORE", g.key(), g.pick(MEMBERS)]),
    (2, lambda g: [b"ZMSCORE", g.key()] + g.some(MEMBERS)),
    (2, lambda g: [g.pick([b"ZRANK", b"ZREVRANK"]), g.key(), g.pick(MEMBERS)]),
    (2, lambda g: [b"ZCOUNT", g.key(), _bound(g), _bound(g)]),
    (4, _zrange),
    (2, lambda g: [b"ZREVRANGE", g.key(), g.num(INDICES), g.num(INDICES)]
     + g.opts([[b"WITHSCORES"]], 0.5)),
    (3, _by_score),
    (1, _zrangestore),
    (1, lambda g: [b"ZREMRANGEBYRANK", g.key(), g.num(INDICES), g.num(INDICES)]),
    (1, lambda g: [b"ZREMRANGEBYSCORE", g.key(), _bound(g), _bound(g)]),
    (2, _zpop),
    (1, lambda g: _zmpop(g, False)),
    (0.5, lambda g: _zmpop(g, True)),
    (0.5, _bzpop),
    (2, _zstore),
    (2, _zcombine),
    (1, lambda g: [b"ZINTERCARD"] + _numkeys(g) + g.opts([[b"LIMIT", g.count(3)]], 0.4)),
    (1, _zrandmember),
    (1, _zscan),
    (3, _lex_zadd),
    (3, _lex_range),
    (1, lambda g: [g.pick([b"ZREM", b"ZPOPMIN"]), g.pick(LEX_KEYS)] + g.some(LEX_MEMBERS, 1, 1)),
    (0.2, _big_zset),
])

# --- GEO ----------------------------------------------------------------------------------------

# Geo commands read only GEO_KEYS (written by GEOADD and the stores): the zsets family gives the
# other keys scores that are no geohash (negative, infinite), whose decoding Redis leaves to C's
# undefined double-to-integer conversion. GEOADD and STORE may still write to KEYS.
GEO_KEYS = [b"g0", b"g1", b"g2"]
# Each member has its own places, all different, so that no two members are ever at the same
# distance from a search's center (ties would order a sorted reply by scan order).
PLACES = {
    b"Palermo": [(b"13.361389", b"38.115556"), (b"13.583333", b"37.316667")],
    b"Catania": [(b"15.087269", b"37.502669"), (b"15.28", b"37.07")],
    b"Paris": [(b"2.3522219", b"48.856614"), (b"2.29", b"48.8584")],
    b"NYC": [(b"-73.935242", b"40.73061"), (b"-74.0445", b"40.6892")],
    b"Tokyo": [(b"139.6917", b"35.6895"), (b"139.7454", b"35.6586")],
    b"Sydney": [(b"151.2093", b"-33.8688"), (b"151.2153", b"-33.8568")],
    b"origin": [(b"0", b"0"), (b"0.0001", b"-0.0002")],
    b"north": [(b"10.5", b"85.05112878"), (b"-20.25", b"84.9")],
    b"south": [(b"-179.9999", b"-85.05112878"), (b"179.5", b"-85")],
    b"dateline": [(b"180", b"0.5"), (b"-180", b"-1.25")],
    b"": [(b"-0.1278", b"51.5074"), (b"-0.1419", b"51.5014")],
    BINARY: [(b"12.4964", b"41.9028"), (b"12.4533", b"41.9029")],
}
GEO_MEMBERS = list(PLACES) + [b"nowhere"]  # "nowhere" is never added
BAD_PLACES = [(b"181", b"0"), (b"0", b"86"), (b"-180.5", b"1"), (b"x", b"1"), (b"1", b"")]
CENTERS = [(b"15", b"37"), (b"0", b"0"), (b"2.35", b"48.85"), (b"-74", b"40.7"),
           (b"140", b"35"), (b"-179.9", b"-84.9"), (b"100", b"-10")]
UNITS = [b"m", b"km", b"ft", b"mi", b"KM"]
RADII = [b"0", b"1", b"50", b"200", b"1000", b"5000", b"20000"]


def _geo_key(g):
    return g.pick(GEO_KEYS) if g.chance(0.95) else b"g9"  # g9: always missing


def _unit(g):
    return g.num(UNITS, [b"parsec", b""], 0.04)


def _geoadd(g):
    flags = g.opts([[b"NX"], [b"XX"], [b"CH"]], 0.15)
    key = _geo_key(g) if g.chance(0.9) else g.key()
    coords = []
    for member in g.some(list(PLACES), 1, 4):
        lon, lat = g.pick(BAD_PLACES) if g.chance(0.04) else g.pick(PLACES[member])
        coords += [lon, lat, member]
    return [b"GEOADD", key] + flags + coords


def _center(g, by_member):
    """FROMMEMBER m / FROMLONLAT lon lat arguments (GEOSEARCH's or GEORADIUS's form)."""
    if by_member:
        return [g.pick(GEO_MEMBERS)]
    return list(g.pick(CENTERS) if g.chance(0.95) else g.pick(BAD_PLACES))


def _search_area(g):
    if g.chance(0.6):
        return [b"BYRADIUS", g.num(RADII, [b"-1", b"x"], 0.04), _unit(g)]
    size = [b"1", b"100", b"400", b"2000", b"40000"]
    return [b"BYBOX", g.num(size, [b"-1"], 0.04), g.num(size, [b"x"], 0.04), _unit(g)]


def _search_options(g, with_fields):
    """(options, ordered): ASC/DESC, COUNT [ANY], WITH* fields. The reply order is defined with
    ASC/DESC or a COUNT without ANY (ascending then); ANY comes only with a COUNT past any
    key's size (the first N found would depend on the scan order)."""
    sort = g.pick([[], [b"ASC"], [b"DESC"]])
    count = []
    if g.chance(0.35):
        count = [b"COUNT", g.num([b"1", b"2", b"3", b"100"], [b"0", b"-1", b"x"], 0.05)]
        if count[1] == b"100" and g.chance(0.3):
            count.append(b"ANY")
    elif g.chance(0.02):
        count = [b"ANY"]  # without COUNT: an error
    fields = [[f] for f in [b"WITHCOORD", b"WITHDIST", b"WITHHASH"]
              if with_fields and g.chance(0.3)]
    groups = [sort, count] + fields
    if g.chance(0.2):
        g.r.shuffle(groups)  # options in any order (COUNT n [ANY] kept together)
    ordered = bool(sort) or (bool(count) and b"ANY" not in count)
    return [a for group in groups for a in group], ordered


def _geosearch(g):
    by_member = g.chance(0.4)
    store = g.chance(0.2)
    head = [b"GEOSEARCHSTORE", g.pick(GEO_KEYS + KEYS[:2])] if store else [b"GEOSEARCH"]
    origin = [b"FROMMEMBER"] if by_member else [b"FROMLONLAT"]
    options, ordered = _search_options(g, not store)
    args = head + [_geo_key(g)] + origin + _center(g, by_member) + _search_area(g) + options
    if store and g.chance(0.4):
        args.append(b"STOREDIST")
    return Step(tuple(args), EXACT if ordered or store else UNORDERED)


def _georadius(g):
    by_member = g.chance(0.4)
    name = [b"GEORADIUS", b"GEORADIUSBYMEMBER"][by_member]
    read_only = g.chance(0.3)
    store = [] if read_only or not g.chance(0.2) else [
        g.pick([b"STORE", b"STOREDIST"]), g.pick(GEO_KEYS + KEYS[:2])]
    radius = [g.num(RADII, [b"-1", b"x"], 0.04), _unit(g)]
    options, ordered = _search_options(g, not store or g.chance(0.05))  # WITH* + STORE: error
    args = ([name + (b"_RO" if read_only else b""), _geo_key(g)] + _center(g, by_member)
            + radius + options + store)
    return Step(tuple(args), EXACT if ordered or store else UNORDERED)


GEO = weighted([
    (6, _geoadd),
    (3, lambda g: [b"GEODIST", _geo_key(g), g.pick(GEO_MEMBERS), g.pick(GEO_MEMBERS)]
     + g.opts([[_unit(g)]], 0.6)),
    (3, lambda g: [b"GEOPOS", _geo_key(g)] + g.some(GEO_MEMBERS)),
    (2, lambda g: [b"GEOHASH", _geo_key(g)] + g.some(GEO_MEMBERS)),
    (5, _geosearch),
    (3, _georadius),
    (1, lambda g: [b"ZREM", _geo_key(g)] + g.some(GEO_MEMBERS)),
    (1, lambda g: [b"ZRANGE", _geo_key(g), b"0", b"-1", b"WITHSCORES"]),
    (0.1, lambda g: [b"SET", g.pick(GEO_KEYS), b"not a zset"]),
    (0.5, lambda g: [b"DEL", g.pick(GEO_KEYS)]),
])

# --- SORT ---------------------------------------------------------------------------------------

# Redis breaks ties between equal numeric scores by comparing the elements with strcoll() (which
# stops at a NUL byte), and leaves ALPHA ties between BY values unordered, so: BY patterns and
# ALPHA without STORE only on SORT_KEYS, whose elements are plain ASCII; no ALPHA with a BY
# pattern; BY nosort only on the list and the zset (a set's iteration order is its own).
# s0-s2 hold numbers (now and then a word, which makes a numeric SORT fail), s3 words too.
SORT_KEYS = {b"s0": b"list", b"s1": b"set", b"s2": b"zset", b"s3": b"list"}
SORT_NUMBERS = [b"1", b"2", b"3", b"10", b"2.5", b"1.0", b"01", b"7", b"-4", b"1e1", b"0"]
SORT_WORDS = [b"apple", b"pear", b"fig", b"kiwi", b"a1", b"b"]
SORT_ELEMENTS = SORT_NUMBERS + SORT_WORDS
SORT_WEIGHTS = [b"1", b"5", b"-2", b"3.5", b"10", b"1e3", b"0", b"x"]
GET_PATTERNS = [b"#", b"w_*", b"h_*->f", b"h_*->g", b"none_*", b"w_*->f", b"w_apple"]
BY_PATTERNS = [b"w_*", b"h_*->f", b"none_*"]


def _sort_fill(g):
    key = g.pick(list(SORT_KEYS))
    kind = SORT_KEYS[key]
    words = key == b"s3" or g.chance(0.03)
    elements = g.some(SORT_ELEMENTS if words else SORT_NUMBERS, 1, 4)
    if kind == b"list":
        return [g.pick([b"RPUSH", b"LPUSH"]), key] + elements
    if kind == b"set":
        return [b"SADD", key] + elements
    return [b"ZADD", key] + [a for e in elements for a in (g.pick([b"1", b"2", b"3"]), e)]


def _sort_weight(g):
    element = g.pick(SORT_ELEMENTS)
    if g.chance(0.5):
        return [b"SET", b"w_" + element, g.pick(SORT_WEIGHTS)]
    return [b"HSET", b"h_" + element, g.pick([b"f", b"g"]), g.pick(SORT_WEIGHTS)]


def _sort_limit(g):
    if g.chance(0.05):
        return [b"LIMIT", g.pick([b"x", b"0"])] + g.pick([[b"1"], []])  # malformed or short
    return [b"LIMIT"] + list(g.pick([(b"0", b"1"), (b"1", b"3"), (b"0", b"-1"), (b"-1", b"2"),
                                     (b"2", b"0"), (b"100", b"5")]))


def _sort(g):
    """SORT/SORT_RO with BY, LIMIT, GET, ASC/DESC, ALPHA and STORE under the rules above.

    Inside MULTI only ALPHA sorts: Redis 7.0 reads errno after strtod() without clearing it,
    so a numeric SORT that runs after a number overflowed (ZADD k 1e400 m) in the same EXEC
    fails whatever its elements; outside MULTI the test clears errno first (see
    test_differential_random.clear_redis_errno)."""
    clean = g.chance(0.75) or g.in_multi
    key = g.pick(list(SORT_KEYS)) if clean else g.key()
    read_only = g.chance(0.2)
    store = [] if read_only or not g.chance(0.3) else [
        b"STORE", b"dst" if g.chance(0.8) else g.key()]
    by = []
    if clean and g.chance(0.4):
        nosort = SORT_KEYS[key] != b"set" and (g.in_multi or g.chance(0.3))
        by = [b"BY", b"nosort" if nosort else g.pick(BY_PATTERNS)]
    alpha = [b"ALPHA"] if (g.chance(0.4) or g.in_multi) and (
        by in ([], [b"BY", b"nosort"])) and (clean or store) else []
    gets = [a for p in g.some(GET_PATTERNS, 0, 2) for a in (b"GET", p)]
    options = [by, _sort_limit(g) if g.chance(0.3) else [],
               gets, g.pick([[], [b"ASC"], [b"DESC"]]), alpha]
    if g.chance(0.15):
        g.r.shuffle(options)  # the options come in any order
    return [b"SORT_RO" if read_only else b"SORT", key] + [a for o in options for a in o] + store


SORT = weighted([
    (5, _sort_fill),
    (3, _sort_weight),
    (2, lambda g: g.pick([[b"LPOP", b"s0"], [b"SREM", b"s1", g.pick(SORT_WORDS)],
                          [b"ZREM", b"s2", g.pick(SORT_WORDS)], [b"RPOP", b"s3"]])),
    (0.5, lambda g: [b"DEL", g.pick(list(SORT_KEYS))]),
    (0.5, lambda g: [b"DEL", b"w_" + g.pick(SORT_ELEMENTS)]),
    (8, _sort),
    (1, lambda g: [b"LRANGE", b"dst", b"0", b"-1"]),
])

# --- streams ------------------------------------------------------------------------------------
# Streams on the shared key space (so WRONGTYPE both ways, and RENAME/TYPE/OBJECT of the keys
# family meet streams). Every id is explicit: Gen.stream_ms is a clock of the sequence's own that
# each new id moves on by 0-2, so most XADDs succeed and some meet an equal or smaller top; ranges,
# XDEL, XACK and XCLAIM draw ids at or below it. No "*" id (its reply and every later read of the
# stream would be the server's clock). Ids that XADD tried are remembered (Gen.stream_ids), so
# that XDEL, XACK and XCLAIM often name entries that exist. The family writes mostly to
# STREAM_KEYS, a few of the shared keys, so that groups and their PELs build up on them. Time
# shows only in XPENDING's extended form and XINFO
# CONSUMERS / XINFO STREAM FULL, whose time fields are masked (PENDING_IDLE, XINFO_TIMES).
# Idle-time filters use 0 or IDLE_FAR, and entries are made "old" only by XCLAIM IDLE/TIME values
# (IDLE_OLD, TIME 1) far beyond it, so no filter depends on how long the run took.

STREAM_KEYS = KEYS[:3]
STREAM_GROUPS = [b"g0", b"g1"]
STREAM_CONSUMERS = [b"c0", b"c1", b"c2", b""]
STREAM_FIELDS = [b"f", b"g", b"1", b"", BINARY, LONG65]
STREAM_BAD_IDS = [b"abc", b"", b"1-x", b"-1", b"18446744073709551616-0", b"1-2-3", b"*-1"]
IDLE_FAR = b"1000000000"  # 11.6 days: idle only for entries claimed with IDLE_OLD or TIME 1
IDLE_OLD = b"500000000000"


def _stream_key(g):
    return g.pick(STREAM_KEYS) if g.chance(0.8) else g.key()


def _stream_new_id(g):
    """An id at or past the sequence's stream clock (which moves on), now and then partial."""
    g.stream_ms += g.r.randint(0, 2)
    partial = g.chance(0.35)
    seq = 0 if partial else g.r.randint(0, 2)  # a partial id's sequence is most often 0
    g.stream_ids = g.stream_ids[-39:] + [b"%d-%d" % (g.stream_ms, seq)]
    if partial:
        return b"%d-*" % g.stream_ms if g.chance(0.7) else b"%d" % g.stream_ms
    return g.stream_ids[-1]


def _stream_old_id(g):
    """An id that may be in a stream: one XADD tried, or one at or below the clock, sometimes
    without its sequence."""
    if g.stream_ids and g.chance(0.8):
        return g.pick(g.stream_ids)
    ms = g.r.randint(max(0, g.stream_ms - 12), g.stream_ms)
    return b"%d" % ms if g.chance(0.15) else b"%d-%d" % (ms, g.r.randint(0, 2))


def _stream_id(g, p_bad=0.04):
    if g.chance(p_bad):
        return g.pick(STREAM_BAD_IDS)
    return g.pick([b"0", b"0-0", b"0-1"]) if g.chance(0.08) else _stream_old_id(g)


def _stream_bound(g, low):
    """A range bound: -/+, an id, or an exclusive id."""
    if g.chance(0.25):
        return b"-" if low else b"+"
    if g.chance(0.03):
        return g.pick([b"+", b"-", b"(", b"(+", b"(-"])
    return (b"(" if g.chance(0.2) else b"") + _stream_id(g)


def _stream_count(g):
    return g.num([b"0", b"1", b"2", b"3", b"10"], [b"x", b"-1", b""], 0.05)


def _trim_args(g):
    """MAXLEN|MINID [=|~] threshold [LIMIT n] (LIMIT without ~ is an error)."""
    strategy = g.num([b"MAXLEN", b"MINID"], [b"MAXLENGTH"], 0.03)
    exact = g.pick([[], [b"="], [b"~"]])
    threshold = (g.num([b"0", b"1", b"2", b"5", b"20"], [b"-1", b"x"], 0.05)
                 if strategy == b"MAXLEN" else _stream_id(g))
    limit = [b"LIMIT", g.num([b"0", b"1", b"10", b"100"], [b"-1", b"x"], 0.05)] if (
        g.chance(0.15 if exact == [b"~"] else 0.03)) else []
    return [strategy] + exact + [threshold] + limit


def _xadd(g):
    opts = []
    if g.chance(0.1):
        opts.append([b"NOMKSTREAM"])
    if g.chance(0.15):
        opts.append(_trim_args(g))
    g.r.shuffle(opts)
    new = g.chance(0.9)
    id_ = _stream_new_id(g) if new else _stream_id(g, 0.3)
    fields = g.pairs(g.some(STREAM_FIELDS, 1, 3), VALUES)
    return [b"XADD", _stream_key(g)] + [a for o in opts for a in o] + [id_] + fields


def _xrange(g):
    rev = g.chance(0.3)
    lo, hi = _stream_bound(g, True), _stream_bound(g, False)
    head = [b"XREVRANGE", _stream_key(g), hi, lo] if rev else [b"XRANGE", _stream_key(g), lo, hi]
    return head + ([b"COUNT", _stream_count(g)] if g.chance(0.3) else [])


def _xread_ids(g, keys, group):
    choices = ([b">"] * 6 + [b"0", b"0-0"]) if group else [b"0", b"0-0", b"$"]
    return [g.pick(choices) if g.chance(0.6) else _stream_id(g) for _ in keys]


def _xread(g):
    """XREAD [COUNT n] [BLOCK 1 on ids past the end] STREAMS keys ids (now and then unbalanced)."""
    keys = [_stream_key(g) for _ in range(g.r.randint(1, 2))]
    ids = _xread_ids(g, keys, False)
    opts = [[b"COUNT", _stream_count(g)]] if g.chance(0.3) else []
    if g.chance(0.05):
        opts.append([b"BLOCK", g.num([b"1"], [b"-1", b"x"], 0.3)])
    tail = [b"STREAMS"] + keys + (ids if g.chance(0.96) else ids[:-1])
    return [b"XREAD"] + [a for o in opts for a in o] + tail


def _xreadgroup(g):
    keys = [_stream_key(g) for _ in range(g.r.randint(1, 2))]
    ids = _xread_ids(g, keys, True)
    opts = [[b"GROUP", g.pick(STREAM_GROUPS), g.pick(STREAM_CONSUMERS)]]
    if g.chance(0.3):
        opts.append([b"COUNT", _stream_count(g)])
    if g.chance(0.15):
        opts.append([b"NOACK"])
    if g.chance(0.04):
        opts.append([b"BLOCK", g.num([b"1"], [b"-1", b"x"], 0.3)])
    if g.chance(0.2):
        g.r.shuffle(opts)
    tail = [b"STREAMS"] + keys + (ids if g.chance(0.96) else ids[:-1])
    return [b"XREADGROUP"] + [a for o in opts for a in o] + tail


def _xgroup(g):
    sub = g.r.choices([b"CREATE", b"CREATECONSUMER", b"DELCONSUMER", b"DESTROY", b"SETID",
                       b"HELP", b"NOSUCH"], [6, 3, 2, 1, 3, 0.1, 0.1])[0]
    key = _stream_key(g)
    group = g.pick(STREAM_GROUPS + [b"nogroup"]) if g.chance(0.1) else g.pick(STREAM_GROUPS)
    if sub in (b"CREATE", b"SETID"):
        start = g.pick([b"$", b"0"]) if g.chance(0.5) else _stream_id(g)
        opts = [[b"ENTRIESREAD", g.num([b"0", b"1", b"3", b"-1", b"100"], [b"-2", b"x"], 0.1)]]
        if sub == b"CREATE":
            opts.append([b"MKSTREAM"])
        return [b"XGROUP", sub, key, group, start] + g.opts(opts, 0.3)
    if sub in (b"CREATECONSUMER", b"DELCONSUMER"):
        return [b"XGROUP", sub, key, group, g.pick(STREAM_CONSUMERS)]
    if sub == b"DESTROY":
        return [b"XGROUP", sub, key, group]
    return [b"XGROUP", sub]


def _xack(g):
    return [b"XACK", _stream_key(g), g.pick(STREAM_GROUPS)] + [_stream_id(g) for _ in range(
        g.r.randint(1, 3))]


def _xpending(g):
    head = [b"XPENDING", _stream_key(g), g.pick(STREAM_GROUPS)]
    if g.chance(0.4):
        return head
    idle = [b"IDLE", g.num([b"0", IDLE_FAR], [b"x"], 0.05)] if g.chance(0.3) else []
    consumer = [g.pick(STREAM_CONSUMERS)] if g.chance(0.3) else []
    return Step(tuple(head + idle + [_stream_bound(g, True), _stream_bound(g, False),
                                     _stream_count(g)] + consumer), PENDING_IDLE)


def _min_idle(g):
    return g.num([b"0", b"0", b"0", IDLE_FAR], [b"x", b"-1"], 0.05)


def _xclaim(g):
    ids = [_stream_id(g) for _ in range(g.r.randint(1, 3))]
    opts = g.opts([[b"IDLE", g.num([b"0", IDLE_OLD], [b"x"], 0.05)], [b"TIME", b"1"],
                   [b"RETRYCOUNT", g.num([b"0", b"3", b"7"], [b"x"], 0.05)], [b"FORCE"],
                   [b"JUSTID"], [b"LASTID", _stream_id(g)]], 0.2)
    return ([b"XCLAIM", _stream_key(g), g.pick(STREAM_GROUPS), g.pick(STREAM_CONSUMERS),
             _min_idle(g)] + ids + opts)


def _xautoclaim(g):
    start = g.pick([b"0", b"0-0", b"-"]) if g.chance(0.5) else _stream_id(g)
    opts = g.opts([[b"COUNT", g.num([b"1", b"2", b"100"], [b"0", b"x", b"-1"], 0.1)],
                   [b"JUSTID"]], 0.35)
    return ([b"XAUTOCLAIM", _stream_key(g), g.pick(STREAM_GROUPS), g.pick(STREAM_CONSUMERS),
             _min_idle(g), start] + opts)


def _xinfo(g):
    kind = g.r.choices([b"STREAM", b"GROUPS", b"CONSUMERS", b"HELP"], [5, 3, 3, 0.1])[0]
    if kind == b"STREAM":
        full = []
        if g.chance(0.3):
            full = [b"FULL"] + ([b"COUNT", _stream_count(g)] if g.chance(0.4) else [])
        return Step((b"XINFO", kind, _stream_key(g), *full), XINFO_TIMES)
    if kind == b"GROUPS":
        return [b"XINFO", kind, _stream_key(g)]
    if kind == b"CONSUMERS":
        return Step((b"XINFO", kind, _stream_key(g), g.pick(STREAM_GROUPS)), XINFO_TIMES)
    return [b"XINFO", kind]


def _xsetid(g):
    ms = g.stream_ms + g.r.randint(-3, 1)
    g.stream_ms = max(g.stream_ms, ms)
    id_ = g.pick(STREAM_BAD_IDS) if g.chance(0.04) else b"%d-%d" % (max(ms, 0), g.r.randint(0, 3))
    opts = g.opts([[b"ENTRIESADDED", g.num([b"0", b"3", b"10", b"1000"], [b"-1", b"x"], 0.1)],
                   [b"MAXDELETEDID", _stream_id(g)]], 0.3)
    return [b"XSETID", _stream_key(g), id_] + opts


def _xtrim(g):
    return [b"XTRIM", _stream_key(g)] + _trim_args(g)


STREAMS = weighted([
    (10, _xadd),
    (2, lambda g: [b"XLEN", _stream_key(g)]),
    (4, _xrange),
    (2, lambda g: [b"XDEL", _stream_key(g)] + [_stream_id(g) for _ in range(g.r.randint(1, 3))]),
    (1, _xtrim),
    (3, _xread),
    (4, _xgroup),
    (5, _xreadgroup),
    (3, _xack),
    (3, _xpending),
    (2, _xclaim),
    (2, _xautoclaim),
    (3, _xinfo),
    (1, _xsetid),
    (0.5, lambda g: [b"TYPE", _stream_key(g)]),
])

# --- OBJECT ENCODING ----------------------------------------------------------------------------

OBJECT = weighted([
    (9, lambda g: [b"OBJECT", b"ENCODING", g.key()]),
    (1, lambda g: [b"OBJECT", g.pick([b"ENCODING", b"NOSUCH"])]),
])

# --- ACL ----------------------------------------------------------------------------------------
# Users u0..u2 get random rules; ACL DRYRUN asks whether one may run a command drawn from the data
# families (its command bits, key patterns with read/write permissions, channels). The test's
# own connection stays the default user. GETUSER/LIST are not drawn: Redis 7.0 prints command
# rules in its hash order (README, Compatibility).

ACL_USERS = [b"u0", b"u1", b"u2"]
ACL_RULES = [b"on", b"off", b"nopass", b"resetpass", b">pw", b"<pw", b"#" + b"a" * 64,
             b"allkeys", b"resetkeys", b"~k1*", b"%R~k2", b"%W~k3*", b"%RW~k[4-5]", b"~k6",
             b"allchannels", b"resetchannels", b"&ch*", b"&news", b"+@all", b"-@all", b"+@read",
             b"-@write", b"+@string", b"-@list", b"+@hash", b"-@dangerous", b"+@keyspace",
             b"-@slow", b"+@fast", b"+get", b"-get", b"+set", b"-del", b"+lpush", b"+publish",
             b"+config|get", b"-config", b"+select|0", b"reset", b"(+get ~k7)",
             b"(+@write %W~k0)", b"clearselectors", b"bogus", b"+nosuch", b"+@nosuch",
             b"%X~k", b"<nope", b"#abc"]


def _acl_dryrun(g):
    data = g.pick([STRINGS, KEYSPACE, HASHES, LISTS, SETS, ZSETS, BITMAPS])
    drawn = _as_step(data(g)).args
    if g.chance(0.1):
        drawn = g.pick([(b"PUBLISH", g.pick([b"ch1", b"news", b"other"]), b"m"),
                        (b"SUBSCRIBE", b"ch2", g.pick([b"news", b"x"])),
                        (b"PSUBSCRIBE", g.pick([b"ch*", b"c*"]))])
    return [b"ACL", b"DRYRUN", g.pick(ACL_USERS + [b"default", b"nouser"]), *drawn]


ACL = weighted([
    (3, lambda g: [b"ACL", b"SETUSER", g.pick(ACL_USERS), *g.some(ACL_RULES, 1, 4)]),
    (8, _acl_dryrun),
    (0.5, lambda g: [b"ACL", b"DELUSER", *g.some(ACL_USERS, 1, 2)]),
    (0.5, lambda g: [b"ACL", b"USERS"]),
    (0.3, lambda g: [b"ACL", b"WHOAMI"]),
])

# --- FUNCTION / FCALL ----------------------------------------------------------------------------
# Three library names, each with two versions of different function sets, so LOAD, REPLACE and
# DELETE meet "already exists" for libraries and functions. The functions read and write the
# shared key space (WRONGTYPE inside a function is an error reply with its position) and one
# version of each has a no-writes function for FCALL_RO. FUNCTION LIST is left to
# test_functions.py: Redis lists libraries and functions in hash order.

FUNCTION_BODIES = {
    b"fn0": [b"redis.register_function{function_name='f_get', flags={'no-writes'}, "
             b"callback=function(keys) return redis.call('get', keys[1]) end} "
             b"redis.register_function('f_set', function(keys, args) "
             b"return redis.call('set', keys[1], args[1]) end)",
             b"redis.register_function('f_set', function(keys, args) "
             b"return redis.call('append', keys[1], args[1]) end)"],
    b"fn1": [b"redis.register_function('f_incr', function(keys, args) "
             b"return redis.call('incrby', keys[1], args[1]) end) "
             b"redis.register_function('f_push', function(keys, args) "
             b"return redis.call('rpush', keys[1], unpack(args)) end)",
             b"redis.register_function{function_name='f_type', flags={'no-writes'}, "
             b"callback=function(keys) local t = {} for i, k in ipairs(keys) do "
             b"t[i] = redis.call('type', k).ok end return t end}"],
    b"fn2": [b"local calls = 0 redis.register_function('f_count', function() "
             b"calls = calls + 1 return calls end) "
             b"redis.register_function('f_del', function(keys) return redis.call('del', unpack(keys)) end)",
             b"redis.register_function('f_err', function(keys) return redis.pcall('lpop', keys[1]) end) "
             b"redis.register_function{function_name='f_get', flags={'no-writes'}, "
             b"callback=function(keys) return redis.call('strlen', keys[1]) end}"],
}
FUNCTION_NAMES = [b"f_get", b"f_set", b"f_incr", b"f_push", b"f_type", b"f_count", b"f_del",
                  b"f_err", b"F_GET", b"nosuch"]


def _function_load(g):
    name = g.pick(list(FUNCTION_BODIES))
    code = b"#!lua name=" + name + b"\n" + g.pick(FUNCTION_BODIES[name])
    return [b"FUNCTION", b"LOAD"] + ([b"REPLACE"] if g.chance(0.5) else []) + [code]


def _fcall(g):
    keys = g.keys(0, 3)
    numkeys = str(len(keys)).encode() if g.chance(0.92) else g.pick([b"-1", b"x", b"9"])
    args = [g.pick(INTS) for _ in range(g.r.randint(0, 2))]
    return [g.pick([b"FCALL", b"FCALL", b"FCALL_RO"]), g.pick(FUNCTION_NAMES), numkeys] + keys + args


FUNCTIONS = weighted([
    (4, _function_load),
    (1, lambda g: [b"FUNCTION", b"DELETE", g.pick(list(FUNCTION_BODIES) + [b"nolib"])]),
    (0.3, lambda g: [b"FUNCTION", b"FLUSH"] + g.opts([[b"SYNC"], [b"ASYNC"]], 0.5)),
    (1, lambda g: [b"FUNCTION", b"STATS"]),
    (10, _fcall),
])

# --- EVAL / EVALSHA / SCRIPT ------------------------------------------------------------------
# A fixed pool of small scripts over the shared key space: reads and writes, an INCR/EXPIRE rate
# limiter, hashes and lists, WRONGTYPE caught with pcall or raised by call (an error reply naming
# the script's sha), error_reply/status_reply, reply conversions (tables cut at their first nil,
# false as nil, floats truncated, nested tables), cjson, cmsgpack, bit and struct. EVALSHA
# names a script that SCRIPT LOAD or EVAL may or may not have cached (the test starts with
# SCRIPT FLUSH), or no script at all (NOSCRIPT). The script returning HGETALL is compared as
# HGETALL is (HASH_PAIRS, asking the encoding of its KEYS[1]), and so is not drawn inside MULTI.
# cjson.encode is given arrays and one-key objects only: a larger object's key order is Lua's
# hash order.

HGETALL_SCRIPT = (b"redis.call('hset', KEYS[1], 'f', ARGV[1], 'g', 'x') "
                  b"return redis.call('hgetall', KEYS[1])")
EVAL_SCRIPTS = [
    b"return redis.call('get', KEYS[1])",
    b"return redis.call('set', KEYS[1], ARGV[1])",
    b"local n = redis.call('incr', KEYS[1]) if n == 1 then redis.call('expire', KEYS[1], 100000) "
    b"end if n > tonumber(ARGV[1]) then return 0 end return n",
    HGETALL_SCRIPT,
    b"redis.call('lpush', KEYS[1], ARGV[1], ARGV[2]) return redis.call('lrange', KEYS[1], 0, -1)",
    b"local r = redis.pcall('lpush', KEYS[1], 'a') if type(r) == 'table' and r.err then "
    b"return 'caught: ' .. r.err end return r",
    b"return redis.call('hget', KEYS[1], 'f')",
    b"return redis.error_reply('MY custom error')",
    b"return redis.status_reply('FINE')",
    b"return {1, 2, 'three', {4, {5}}, false, 6}",
    b"return {1, nil, 3}",
    b"return nil",
    b"return false",
    b"return true",
    b"return 3.99",
    b"return -2.5",
    b"return {1.5, -0.9, 'x'}",
    b"return cjson.encode({1, 'two', {three = 3}, true})",
    b"local t = cjson.decode(ARGV[1]) return type(t) == 'table' and #t or tostring(t)",
    b"return cjson.encode(cjson.decode('[1,2.5,\"a\",null,{\"k\":[]}]'))",
    b"return cmsgpack.unpack(cmsgpack.pack({1, 'a', {2, 3}, -7}))",
    b"return string.len(cmsgpack.pack(ARGV[1], 300, -1, 'x'))",
    b"return bit.band(tonumber(ARGV[1]) or 0, 6)",
    b"return {bit.bor(1, 2), bit.bxor(5, 1), bit.lshift(1, 4), bit.tohex(255)}",
    b"return struct.pack('>i2 B', 258, 7)",
    b"return {struct.unpack('<I4', struct.pack('<I4', 16909060))}",
    b"return redis.call('del', unpack(KEYS))",
    b"return {KEYS[1], ARGV[1], #KEYS, #ARGV}",
    b"return redis.call('nosuchcommand')",
    b"return redis.call('type', KEYS[1]).ok",
    b"return redis.call('incrbyfloat', KEYS[1], '1.5')",
    b"error('plain lua error')",
    b"return undefined_global",
]
EVAL_SHAS = [hashlib.sha1(s).hexdigest().encode() for s in EVAL_SCRIPTS]
UNKNOWN_SHA = b"0" * 40


def _eval(g):
    """EVAL[_RO]/EVALSHA[_RO] of a pooled script, keys and args; now and then a bad numkeys."""
    i = g.r.randrange(len(EVAL_SCRIPTS))
    if g.in_multi and EVAL_SCRIPTS[i] == HGETALL_SCRIPT:  # as _hash_read_all: no HGETALL in MULTI
        i = EVAL_SCRIPTS.index(HGETALL_SCRIPT) + 1
    by_sha = g.chance(0.4)
    name = (b"EVALSHA" if by_sha else b"EVAL") + (b"_RO" if g.chance(0.2) else b"")
    unknown = g.pick([UNKNOWN_SHA, b"ffff"])  # a short sha is NOSCRIPT even with a bad numkeys
    body = (EVAL_SHAS[i] if not g.chance(0.1) else unknown) if by_sha else EVAL_SCRIPTS[i]
    keys = g.keys(0 if g.chance(0.1) else 1, 2)
    numkeys = (str(len(keys)).encode() if g.chance(0.92)
               else g.pick([b"-1", b"x", b"9", b"1.5", b""]))
    args = [g.pick(INTS + [b"[1,2]", b"\"s\"", b"{bad", b"abc"]) for _ in range(g.r.randint(1, 2))]
    args = [name, body, numkeys] + keys + args
    if EVAL_SCRIPTS[i] == HGETALL_SCRIPT and keys:  # HGETALL's order, as the hashes family's
        return Step(tuple(args), HASH_PAIRS, keys[0])
    return args


EVAL = weighted([
    (12, _eval),
    (3, lambda g: [b"SCRIPT", b"LOAD", g.pick(EVAL_SCRIPTS + [b"return (", b"x ="])]),
    (2, lambda g: [b"SCRIPT", b"EXISTS",
                   *g.some(EVAL_SHAS + [UNKNOWN_SHA, EVAL_SHAS[0].upper(), b"short"], 1, 3)]),
    (0.05, lambda g: [b"SCRIPT", b"FLUSH"] + g.opts([[b"SYNC"], [b"ASYNC"]], 0.3)),
])

FAMILIES = {
    "acl": ACL,
    "strings": STRINGS, "keys": KEYSPACE, "hashes": HASHES, "lists": LISTS, "sets": SETS,
    "bitmaps": BITMAPS, "hyperloglog": HYPERLOGLOG, "object": OBJECT, "zsets": ZSETS, "geo": GEO,
    "sort": SORT, "functions": FUNCTIONS, "eval": EVAL, "streams": STREAMS,
}
# "multi": MULTI/EXEC blocks of the other families; "resp3": now and then a HELLO 3 (or back to
# HELLO 2), so that the commands after it are compared in RESP3.
ALL_FAMILIES = list(FAMILIES) + ["multi", "resp3"]


def _as_step(drawn):
    return drawn if isinstance(drawn, Step) else Step(tuple(drawn), EXACT)


def _wrong_arity(g, step):
    """The step with its last arguments cut off or an extra one appended."""
    args = step.args
    if step.args[0] in NOT_SHORTENED or g.chance(0.4):
        return step._replace(args=args + (JUNK,))
    return step._replace(args=args[:g.r.randint(1, len(args) - 1)] if len(args) > 1 else args)


def _command(g, families):
    step = _as_step(g.pick(families)(g))
    return _wrong_arity(g, step) if g.chance(0.04) else step


def _transaction(g, families):
    """[WATCH k, a write] MULTI, 1-5 commands (now and then one with a wrong arity, which makes
    EXEC abort), EXEC or DISCARD."""
    steps = []
    if g.chance(0.2):
        steps += [Step((b"WATCH", g.key()), EXACT), _command(g, families)]
    g.in_multi = True
    body = [_command(g, families) for _ in range(g.r.randint(1, 5))]
    g.in_multi = False
    if g.chance(0.15):
        i = g.r.randrange(len(body))
        body[i] = Step(body[i].args[:1], EXACT)
    end = (Step((b"DISCARD",), EXACT) if g.chance(0.1)
           else Step((b"EXEC",), ("exec", tuple(s.norm for s in body))))
    return steps + [Step((b"MULTI",), EXACT)] + body + [end]


def generate(seed, count, families):
    """`count` steps (a transaction may end the list a few steps past count) drawn from
    `families` (names in ALL_FAMILIES)."""
    unknown = set(families) - set(ALL_FAMILIES)
    if unknown:
        raise ValueError(f"unknown families {sorted(unknown)}; known: {ALL_FAMILIES}")
    g = Gen(seed)
    plain = [FAMILIES[f] for f in families if f in FAMILIES]
    steps = []
    while len(steps) < count:
        if "multi" in families and g.chance(0.06):
            steps += _transaction(g, plain)
        elif "resp3" in families and g.chance(0.01):
            steps.append(Step((b"HELLO", g.pick([b"3", b"3", b"2"])), HELLO))
        else:
            steps.append(_command(g, plain))
    return steps


# --- comparison ---------------------------------------------------------------------------------


def _reply_end(raw, i):
    """Index just past the RESP reply that starts at raw[i]."""
    eol = raw.index(b"\r\n", i)
    kind, rest = raw[i:i + 1], raw[i + 1:eol]
    if kind in b"$=!" and rest != b"-1":
        return eol + 2 + int(rest) + 2
    if kind in b"*~>%|" and rest != b"-1":
        j = eol + 2
        for _ in range(int(rest) * (2 if kind in b"%|" else 1)):
            j = _reply_end(raw, j)
        return j
    return eol + 2


def split_array(raw):
    """(header line, [element replies]) of an array reply, or of a RESP3 set or map (a map's
    keys and values alternate); None for any other reply."""
    if raw[:1] not in (b"*", b"~", b"%") or raw.startswith(b"*-1"):
        return None
    eol = raw.index(b"\r\n") + 2
    elements, i = [], eol
    while i < len(raw):
        j = _reply_end(raw, i)
        elements.append(raw[i:j])
        i = j
    return raw[:eol], elements


def _sorted(raw, group=1):
    parts = split_array(raw)
    if parts is None:
        return raw
    header, elements = parts
    groups = [b"".join(elements[i:i + group]) for i in range(0, len(elements), group)]
    return header + b"".join(sorted(groups))


def _sorted_pairs(raw):
    """A WITHSCORES reply sorted by member-score pair: flat pairs in RESP2, arrays in RESP3."""
    parts = split_array(raw)
    if parts is None:
        return raw
    return _sorted(raw, 1 if all(e.startswith(b"*") for e in parts[1]) else 2)


def _zscan_all(raw, is_listpack):
    """ZSCAN's [cursor, [member, score, ...]] with the pairs sorted unless Redis's zset is a
    listpack (which it scans in order)."""
    parts = split_array(raw)
    if parts is None or len(parts[1]) != 2 or is_listpack():
        return raw
    header, (cursor, pairs) = parts
    return header + cursor + _sorted(pairs, 2)


def _shape(raw):
    parts = split_array(raw)
    if parts is not None:
        return parts[0] + b"<random elements>"
    return b"$<random element>" if raw.startswith(b"$") and raw != b"$-1\r\n" else raw


# A reply as a tree, so that the time fields of stream replies are masked without touching the
# rest (PENDING_IDLE, XINFO_TIMES; test_streams.py uses the same masks).


def parse_reply(raw, i=0):
    """(node, end) for the RESP reply at raw[i]: node is (header, payload bytes) for a scalar or
    (header, [children]) for an aggregate (a map's keys and values alternate); header is the type
    line with its CRLF."""
    eol = raw.index(b"\r\n", i) + 2
    header = raw[i:eol]
    kind, rest = header[:1], header[1:-2]
    if kind in b"$=!" and rest != b"-1":
        end = eol + int(rest) + 2
        return (header, raw[eol:end]), end
    if kind in b"*~>%|" and rest != b"-1":
        children, j = [], eol
        for _ in range(int(rest) * (2 if kind in b"%|" else 1)):
            child, j = parse_reply(raw, j)
            children.append(child)
        return (header, children), j
    return (header, b""), eol


def serialize_reply(node):
    header, payload = node
    if isinstance(payload, list):
        return header + b"".join(serialize_reply(c) for c in payload)
    return header + payload


def _masked(node):
    """The node's type byte and a placeholder: the type is still compared, the value is not."""
    return (node[0][:1] + b"<masked>\r\n", b"")


def _is_int(node):
    return node[0][:1] == b":"


def _bulk_text(node):
    header, payload = node
    return payload[:-2] if header[:1] == b"$" and isinstance(payload, bytes) else None


def _mask_pending_entries(node, at):
    """Each child of `node` that is a PEL entry (an array of `at` + 2 elements whose last two are
    integers) with its element `at` (a time) masked."""
    header, entries = node
    if not isinstance(entries, list):
        return node
    out = []
    for entry in entries:
        parts = entry[1]
        if (isinstance(parts, list) and len(parts) == at + 2 and _is_int(parts[-1])
                and _is_int(parts[-2])):
            entry = (entry[0], parts[:at] + [_masked(parts[at])] + parts[at + 1:])
        out.append(entry)
    return (header, out)


STREAM_TIME_KEYS = {b"seen-time", b"idle", b"radix-tree-nodes"}


def mask_xinfo_times(node):
    """XINFO STREAM [FULL] / CONSUMERS (maps, or flat key-value arrays in RESP2), at any depth:
    the values of STREAM_TIME_KEYS masked ("radix-tree-nodes" counts Redis's internal rax
    nodes), and the delivery time of each PEL entry under a "pending" key whose value is an
    array (XINFO STREAM FULL: a group's [id, consumer, time, count], a consumer's [id, time,
    count]; elsewhere "pending" is a count)."""
    header, payload = node
    if not isinstance(payload, list):
        return node
    children = [mask_xinfo_times(c) for c in payload]
    for k in range(0, len(children) - 1, 2):
        name, value = _bulk_text(children[k]), children[k + 1]
        if name in STREAM_TIME_KEYS and not isinstance(value[1], list):
            children[k + 1] = _masked(value)
        elif name == b"pending" and isinstance(value[1], list):
            children[k + 1] = _mask_pending_entries(_mask_pending_entries(value, 2), 1)
    return (header, children)


def mask_pending_idle(raw):
    """XPENDING's extended form [[id, consumer, idle, count], ...] with each idle masked."""
    if raw[:1] != b"*" or raw.startswith(b"*-1"):
        return raw
    return serialize_reply(_mask_pending_entries(parse_reply(raw)[0], 2))


def normalize(raw, norm, is_listpack):
    """The part of reply `raw` that must be identical between Redis and cachet under `norm`.

    Normalization is kept to what Redis itself leaves undefined, and for streams to clock
    readings and Redis's internal rax node count:
    - UNORDERED: a set (and KEYS) replies in hash-table order, so elements are compared sorted.
    - HASH_FIELDS/HASH_PAIRS: a hash keeps insertion order only while it is a listpack (at most
      128 fields of at most 64 bytes); once Redis's copy is a hash table (is_listpack(), which
      asks Redis the encoding of the command's key, is false) fields, values or field-value
      pairs are compared sorted.
    - TTL: a positive remaining time depends on the clock; its sign (and -1/-2) does not.
    - SHAPE: SRANDMEMBER's and ZRANDMEMBER's elements are random; the reply type and length
      are not.
    - UNORDERED_PAIRS: ZRANDMEMBER of a whole zset WITHSCORES, in any order.
    - ZSCAN_ALL: a zset scanned in one call is ordered only while Redis's copy is a listpack.
    - HELLO: the connection id differs.
    - PENDING_IDLE: XPENDING's extended form, each entry's idle time (mask_pending_idle).
    - XINFO_TIMES: XINFO STREAM's radix-tree-nodes (Redis's internal rax node count), XINFO
      CONSUMERS' idle, and XINFO STREAM FULL's seen-time and PEL delivery times
      (mask_xinfo_times).
    - ("exec", norms): each element of EXEC's array under its own command's norm.
    """
    if isinstance(norm, tuple):
        parts = split_array(raw)
        if parts is None or len(parts[1]) != len(norm[1]):
            return raw
        header, elements = parts
        return header + b"".join(
            normalize(e, n, is_listpack) for e, n in zip(elements, norm[1]))
    if norm == UNORDERED:
        return _sorted(raw)
    if norm in (HASH_FIELDS, HASH_PAIRS):
        return raw if is_listpack() else _sorted(raw, 2 if norm == HASH_PAIRS else 1)
    if norm == UNORDERED_PAIRS:
        return _sorted_pairs(raw)
    if norm == ZSCAN_ALL:
        return _zscan_all(raw, is_listpack)
    if norm == HELLO:
        return re.sub(rb"\$2\r\nid\r\n:[0-9]+\r\n", b"$2\r\nid\r\n:<id>\r\n", raw)
    if norm == TTL:
        return re.sub(rb"^:[1-9][0-9]*\r\n$", b":<positive>\r\n", raw)
    if norm == SHAPE:
        return _shape(raw)
    if norm == PENDING_IDLE:
        return mask_pending_idle(raw)
    if norm == XINFO_TIMES:
        return serialize_reply(mask_xinfo_times(parse_reply(raw)[0])) if raw[:1] in b"*%" else raw
    return raw


def events_in_hash_order(args):
    """Whether the keyspace events of command `args` (test_differential_events.py) come in an
    order Redis leaves undefined, so that they are compared as a multiset: SORT reads the BY keys
    of a set's elements, and of a sorted set's (which it loads from its dict), in hash-table
    order, each read of a missing key raising "keymiss". Only SORT_KEYS get BY patterns."""
    if args[0] not in (b"SORT", b"SORT_RO") or len(args) < 4:
        return False
    if SORT_KEYS.get(args[1]) not in (b"set", b"zset"):
        return False
    return any(a == b"BY" and b != b"nosort" for a, b in zip(args[2:], args[3:]))


def show(args):
    """A command as one readable line (long arguments abbreviated)."""
    def arg(a):
        if len(a) > 20:
            return f"{a[:1].decode(errors='replace')}*{len(a)}"
        text = a.decode(errors="replace")
        return text if re.fullmatch(r"[\w.+#*?\[\]-]+", text) else repr(a)[1:]
    return " ".join(arg(a) for a in args)


if __name__ == "__main__":
    chosen = sys.argv[3].split(",") if len(sys.argv) > 3 else ALL_FAMILIES
    for n, s in enumerate(generate(int(sys.argv[1]), int(sys.argv[2]), chosen)):
        print(n, show(s.args))
