"""Seeded random command sequences for the randomized differential test
(test_differential_random.py), and the one place that says how each reply is compared.

generate(seed, count, families) returns `count` Steps: a command and the Norm its reply is
compared under. The same seed and families always give the same steps. Commands work on a small
key space shared by every type (so WRONGTYPE is common) with small pools of fields, members and
elements that include integers, negative numbers, the empty string, binary bytes and 65- and
300-byte strings (so small encodings convert). Every family also draws bad input: non-integer,
negative and out-of-range numbers, bad options, and (for any step) a wrong number of arguments.

Only replies that depend on time or randomness are avoided or normalized; see normalize().

Run as a script (`python3 differential_gen.py SEED COUNT [FAMILIES]`) it prints the sequence,
one command a line, for replaying by hand.
"""
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
SHAPE = "shape"  # SRANDMEMBER: random elements, deterministic reply type and length


class Step(NamedTuple):
    args: tuple  # of bytes
    norm: object  # a Norm above, or ("exec", (norm, ...)) for EXEC


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
# Shortening these would make a command whose reply is random (SPOP k, SRANDMEMBER k).
RANDOM_WHEN_SHORTENED = {b"SPOP", b"SRANDMEMBER"}


class Gen:
    """Random draws for one sequence; every family function takes one of these."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.in_multi = False

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

# --- OBJECT ENCODING ----------------------------------------------------------------------------

OBJECT = weighted([
    (9, lambda g: [b"OBJECT", b"ENCODING", g.key()]),
    (1, lambda g: [b"OBJECT", g.pick([b"ENCODING", b"NOSUCH"])]),
])

FAMILIES = {
    "strings": STRINGS, "keys": KEYSPACE, "hashes": HASHES, "lists": LISTS, "sets": SETS,
    "bitmaps": BITMAPS, "hyperloglog": HYPERLOGLOG, "object": OBJECT,
}
ALL_FAMILIES = list(FAMILIES) + ["multi"]  # "multi": MULTI/EXEC blocks of the other families


def _as_step(drawn):
    return drawn if isinstance(drawn, Step) else Step(tuple(drawn), EXACT)


def _wrong_arity(g, step):
    """The step with its last arguments cut off or an extra one appended."""
    args = step.args
    if step.args[0] in RANDOM_WHEN_SHORTENED or g.chance(0.4):
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
    """(header line, [element replies]) of an array reply; None for any other reply."""
    if not raw.startswith(b"*") or raw.startswith(b"*-1"):
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


def _shape(raw):
    parts = split_array(raw)
    if parts is not None:
        return parts[0] + b"<random elements>"
    return b"$<random element>" if raw.startswith(b"$") and raw != b"$-1\r\n" else raw


def normalize(raw, norm, hash_is_ordered):
    """The part of reply `raw` that must be identical between Redis and cachet under `norm`.

    Normalization is kept to what Redis itself leaves undefined:
    - UNORDERED: a set (and KEYS) replies in hash-table order, so elements are compared sorted.
    - HASH_FIELDS/HASH_PAIRS: a hash keeps insertion order only while it is a listpack (at most
      128 fields of at most 64 bytes); once Redis's copy is a hash table (hash_is_ordered() is
      false) fields, values or field-value pairs are compared sorted.
    - TTL: a positive remaining time depends on the clock; its sign (and -1/-2) does not.
    - SHAPE: SRANDMEMBER's elements are random; the reply type and length are not.
    - ("exec", norms): each element of EXEC's array under its own command's norm.
    """
    if isinstance(norm, tuple):
        parts = split_array(raw)
        if parts is None or len(parts[1]) != len(norm[1]):
            return raw
        header, elements = parts
        return header + b"".join(
            normalize(e, n, hash_is_ordered) for e, n in zip(elements, norm[1]))
    if norm == UNORDERED:
        return _sorted(raw)
    if norm in (HASH_FIELDS, HASH_PAIRS):
        return raw if hash_is_ordered() else _sorted(raw, 2 if norm == HASH_PAIRS else 1)
    if norm == TTL:
        return re.sub(rb"^:[1-9][0-9]*\r\n$", b":<positive>\r\n", raw)
    if norm == SHAPE:
        return _shape(raw)
    return raw


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
