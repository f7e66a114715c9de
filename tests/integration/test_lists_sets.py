"""Lists and sets driven by redis-py the way applications use them: queues, capped lists,
pagination, tags, membership, random sampling, cursors, pipelines and huge single commands.

Every test runs against Debian's redis-server too (the `srv` fixture), which proves the
expectations are Redis 7.0's and not guesses; the cachet run is the one under test.
"""
import contextlib

import pytest
import redis

from support import Cachet, Redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


@contextlib.contextmanager
def started(kind, *cachet_args):
    """A fresh server of `kind` ("redis" or "cachet"); a cachet server must survive the test
    and exit 0 on SIGTERM. The yielded object has .port, .proc and .kind."""
    if kind == "redis":
        with Redis() as s:
            s.kind = kind
            yield s
        return
    with Cachet(*cachet_args) as s:
        s.kind = kind
        yield s
        assert s.proc.poll() is None, "cachet-server died during the test"
        assert s.stop() == 0


def server_fixture(*cachet_args):
    """A fixture running each test once on redis-server and once on cachet (with `cachet_args`)."""

    @pytest.fixture(params=["redis", "cachet"])
    def fixture(request):
        with started(request.param, *cachet_args) as s:
            yield s

    return fixture


srv = server_fixture()


def client(server, **kw):
    return redis.Redis(host="127.0.0.1", port=server.port, **kw)


def response_error(call, *args):
    """The text of the redis.ResponseError that call(*args) must raise."""
    with pytest.raises(redis.ResponseError) as e:
        call(*args)
    return str(e.value)


# ---------------------------------------------------------------------------------------------
# Lists


def test_list_as_queue_lpush_rpop(srv):
    r = client(srv)
    assert r.lpush("jobs", "a", "b") == 2
    assert r.lpush("jobs", "c") == 3
    assert r.llen("jobs") == 3
    assert r.rpop("jobs") == b"a"
    assert r.rpop("jobs") == b"b"
    assert r.rpop("jobs", 5) == [b"c"]
    assert r.rpop("jobs") is None
    assert r.rpop("jobs", 2) is None  # a missing key with COUNT: a null array
    assert r.exists("jobs") == 0  # popping the last element deletes the key
    r.rpush("jobs", "x")
    assert r.lpop("jobs", 0) == []  # COUNT 0 of a present key: an empty array
    assert response_error(r.rpop, "jobs", -1) == "value is out of range, must be positive"


def test_reliable_queue_with_rpoplpush_and_lmove(srv):
    r = client(srv)
    r.rpush("jobs", "j1", "j2", "j3")
    assert r.rpoplpush("jobs", "processing") == b"j3"
    assert r.lmove("jobs", "processing", "LEFT", "RIGHT") == b"j1"
    assert r.lrange("processing", 0, -1) == [b"j3", b"j1"]
    assert r.lrem("processing", 1, "j3") == 1  # the worker acknowledges j3
    assert r.lrange("processing", 0, -1) == [b"j1"]
    assert r.lrange("jobs", 0, -1) == [b"j2"]
    assert r.rpoplpush("missing", "processing") is None
    assert r.lmove("missing", "nowhere", "RIGHT", "LEFT") is None
    assert r.exists("nowhere") == 0
    r.rpush("ring", "1", "2", "3")
    assert r.lmove("ring", "ring", "LEFT", "RIGHT") == b"1"  # same key: a rotation
    assert r.lrange("ring", 0, -1) == [b"2", b"3", b"1"]
    r.set("text", "v")
    assert response_error(r.rpoplpush, "ring", "text") == WRONGTYPE
    assert r.lrange("ring", 0, -1) == [b"2", b"3", b"1"]  # a failed move pops nothing


def test_lrange_pagination(srv):
    r = client(srv)
    items = [f"item:{i}".encode() for i in range(95)]
    r.rpush("feed", *items)
    pages, start = [], 0
    while page := r.lrange("feed", start, start + 9):
        pages.append(page)
        start += 10
    assert [len(p) for p in pages] == [10] * 9 + [5]
    assert sum(pages, []) == items
    assert r.lrange("feed", -3, -1) == items[-3:]
    assert r.lrange("feed", -1000, 1) == items[:2]
    assert r.lrange("feed", 95, 200) == []
    assert r.lrange("feed", 5, 2) == []
    assert r.lindex("feed", -1) == items[-1]
    assert r.lindex("feed", 95) is None


def test_ltrim_capped_list_of_latest_events(srv):
    r = client(srv)
    pipe = r.pipeline(transaction=False)
    for i in range(1000):
        pipe.lpush("events", f"e{i}")
        pipe.ltrim("events", 0, 99)
    pipe.execute()
    assert r.llen("events") == 100
    assert r.lrange("events", 0, 0) == [b"e999"]
    assert r.lindex("events", -1) == b"e900"
    assert r.ltrim("events", 5, 1)  # an empty range removes the key
    assert r.exists("events") == 0


def test_lpos_finds_positions(srv):
    r = client(srv)
    r.rpush("l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert r.lpos("l", "c") == 2
    assert r.lpos("l", "c", rank=2) == 6
    assert r.lpos("l", "c", rank=-1) == 7
    assert r.lpos("l", "c", count=0) == [2, 6, 7]
    assert r.lpos("l", "c", rank=-1, count=2) == [7, 6]
    assert r.lpos("l", "c", count=0, maxlen=3) == [2]
    assert r.lpos("l", "nope") is None
    assert r.lpos("l", "nope", count=2) == []
    assert r.lpos("missing", "c") is None
    assert response_error(r.lpos, "l", "c", 0) == (
        "RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list")


def test_lset_linsert_edit_in_place(srv):
    r = client(srv)
    r.rpush("l", "a", "c")
    assert r.linsert("l", "BEFORE", "c", "b") == 3
    assert r.linsert("l", "AFTER", "zzz", "x") == -1
    assert r.linsert("missing", "AFTER", "a", "x") == 0
    assert r.lset("l", -1, "C")
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"C"]
    assert response_error(r.lset, "l", 3, "x") == "index out of range"
    assert response_error(r.lset, "missing", 0, "x") == "no such key"


# ---------------------------------------------------------------------------------------------
# Sets


def test_tags_with_sadd_sinter_sunionstore(srv):
    r = client(srv)
    assert r.sadd("article:1:tags", "redis", "db", "cache") == 3
    assert r.sadd("article:1:tags", "redis") == 0
    assert r.sadd("article:2:tags", "redis", "queue") == 2
    assert r.sinter("article:1:tags", "article:2:tags") == {b"redis"}
    assert r.sinter("article:1:tags", "missing") == set()
    assert r.sdiff("article:1:tags", "article:2:tags") == {b"db", b"cache"}
    assert r.sunionstore("all:tags", "article:1:tags", "article:2:tags") == 4
    assert r.smembers("all:tags") == {b"redis", b"db", b"cache", b"queue"}
    assert r.sinterstore("common", "article:1:tags", "missing") == 0
    assert r.exists("common") == 0  # an empty result stores nothing
    assert r.srem("all:tags", "db", "nope") == 1
    assert r.scard("all:tags") == 3
    assert r.smove("all:tags", "article:2:tags", "cache")
    assert r.sismember("article:2:tags", "cache")


def test_sismember_and_smismember(srv):
    r = client(srv)
    r.sadd("online", "ada", "bob", 7)
    assert r.sismember("online", "ada") is True
    assert r.sismember("online", "eve") is False
    assert r.sismember("online", 7) is True
    assert r.smismember("online", ["ada", "eve", "bob"]) == [True, False, True]
    assert r.smismember("missing", ["ada"]) == [False]


def test_spop_and_srandmember_with_counts(srv):
    r = client(srv)
    members = {str(i).encode() for i in range(10)}
    r.sadd("s", *members)
    sample = r.srandmember("s", 5)
    assert len(sample) == 5 and set(sample) <= members and len(set(sample)) == 5
    assert set(r.srandmember("s", 20)) == members and len(r.srandmember("s", 20)) == 10
    repeated = r.srandmember("s", -20)  # negative: exactly |count|, repeats allowed
    assert len(repeated) == 20 and set(repeated) <= members
    assert r.srandmember("s") in members
    assert r.scard("s") == 10  # SRANDMEMBER removes nothing
    popped = r.spop("s", 3)
    assert len(set(popped)) == 3 and set(popped) <= members
    assert r.smembers("s") == members - set(popped)
    assert set(r.spop("s", 100)) == members - set(popped)
    assert r.exists("s") == 0
    assert r.spop("s") is None
    assert r.spop("s", 3) == []
    assert r.srandmember("s") is None
    assert r.srandmember("s", 3) == []


def test_sscan_iterates_10000_members_to_completion(srv):
    r = client(srv)
    members = {f"member:{i}".encode() for i in range(10_000)}
    r.sadd("big", *members)
    seen, cursor, rounds = [], 0, 0
    while True:
        cursor, batch = r.sscan("big", cursor, count=100)
        seen += batch
        rounds += 1
        if cursor == 0:
            break
    assert rounds > 1
    assert set(seen) == members  # none missing, none invented
    assert set(r.sscan_iter("big", match="member:99*", count=500)) == \
        {m for m in members if m.startswith(b"member:99")}
    r.sadd("small", 1, 2, 3)
    assert r.sscan("small", 0) == (0, [b"1", b"2", b"3"])  # an intset comes back whole


def test_wrongtype_errors(srv):
    r = client(srv)
    r.set("str", "v")
    r.rpush("list", "a")
    r.sadd("set", "a")
    assert response_error(r.lpush, "str", "a") == WRONGTYPE
    assert response_error(r.sadd, "list", "a") == WRONGTYPE
    assert response_error(r.lrange, "set", 0, -1) == WRONGTYPE
    assert response_error(r.smembers, "list") == WRONGTYPE
    assert response_error(r.sinter, "set", "list") == WRONGTYPE
    assert response_error(r.get, "list") == WRONGTYPE
    assert response_error(r.llen, "set") == WRONGTYPE
    assert r.get("str") == b"v" and r.llen("list") == 1 and r.scard("set") == 1


def test_type_and_object_encoding(srv):
    r = client(srv)
    r.rpush("l", "a")
    r.sadd("ints", *range(512))
    r.sadd("mixed", 1, "x")
    assert r.type("l") == b"list"
    assert r.type("ints") == b"set"
    assert r.object("encoding", "l") == b"quicklist"
    assert r.object("encoding", "ints") == b"intset"
    assert r.object("encoding", "mixed") == b"hashtable"
    r.sadd("ints", 512)  # the 513th integer passes set-max-intset-entries
    assert r.object("encoding", "ints") == b"hashtable"
    r.sadd("grows", 1)
    r.sadd("grows", "word")
    assert r.object("encoding", "grows") == b"hashtable"


def test_one_million_elements_in_one_command(srv):
    r, other = client(srv), client(srv)
    assert r.rpush("huge:list", *range(1_000_000)) == 1_000_000
    assert other.ping()
    assert r.sadd("huge:set", *range(1_000_000)) == 1_000_000
    assert other.ping()
    assert r.llen("huge:list") == 1_000_000
    assert r.lindex("huge:list", -1) == b"999999"
    assert r.scard("huge:set") == 1_000_000
    assert r.sismember("huge:set", 999_999)
    assert r.delete("huge:list", "huge:set") == 2
    assert other.ping()


def test_pipeline_of_10000_mixed_list_and_set_commands(srv):
    r = client(srv)
    pipe = r.pipeline(transaction=False)
    expected, lists, sets = [], {}, {}
    for i in range(10_000):
        group = (i // 5) % 10  # five consecutive commands share keys
        lkey, skey, op = f"l:{group}", f"s:{group}", i % 5
        values, members = lists.setdefault(lkey, []), sets.setdefault(skey, set())
        if op < 2:
            pipe.rpush(lkey, i)
            values.append(str(i).encode())
            expected.append(len(values))
        elif op == 2:
            pipe.lpop(lkey)
            expected.append(values.pop(0))
        elif op == 3:
            member = str(i % 37).encode()
            pipe.sadd(skey, member)
            expected.append(int(member not in members))
            members.add(member)
        elif i % 2:
            pipe.sismember(skey, str(i % 41))
            expected.append(str(i % 41).encode() in members)
        else:
            pipe.llen(lkey)
            expected.append(len(values))
    assert pipe.execute() == expected
    for key, values in lists.items():
        assert r.lrange(key, 0, -1) == values
    for key, members in sets.items():
        assert r.smembers(key) == members


def compress_session(server):
    """Builds a big list with list-compress-depth 1 and small nodes, edits it in the middle and
    reads it every way; returns every reply, to compare across servers."""
    r = client(server)
    r.config_set("list-compress-depth", 1)
    r.config_set("list-max-listpack-size", 32)
    values = [f"item:{i:011d}:{'xyz' * (i % 5)}" for i in range(20_000)]
    for i in range(0, len(values), 1000):
        r.rpush("big", *values[i:i + 1000])
    r.lpush("big", *(f"head:{i}" for i in range(100)))
    replies = [r.llen("big"), r.lrange("big", 0, -1), r.lrange("big", 9_000, 9_100),
               r.lrange("big", -12_000, -11_950)]
    replies += [r.lindex("big", i) for i in range(-20_100, 20_100, 997)]
    replies += [r.lpos("big", values[12_345]), r.lpos("big", "item", rank=-1),
                r.lpos("big", values[777], count=0, maxlen=0),
                r.lset("big", 10_000, "set-in-the-middle"),
                r.linsert("big", "before", values[15_000], "inserted"),
                r.lrem("big", 0, values[5_000]), r.lrem("big", -1, values[3]),
                r.ltrim("big", 50, -50), r.lpop("big", 40), r.rpop("big", 40)]
    replies += [r.lrange("big", 0, -1), r.lindex("big", 9_950), r.llen("big")]
    return replies


def test_list_compress_depth_matches_redis():
    """With list-compress-depth 1 (and 32-element nodes, so there are hundreds), a big list edited
    and read in the middle answers exactly as Redis's; on both, it takes less memory than the
    same list built after CONFIG SET list-compress-depth 0 (MEMORY USAGE counts node bytes)."""
    with started("redis") as red, started("cachet") as cac:
        assert compress_session(cac) == compress_session(red)
        for server in (red, cac):
            r = client(server)
            r.config_set("list-compress-depth", 0)
            r.rpush("plain", *r.lrange("big", 0, -1))
            assert r.lrange("plain", 0, -1) == r.lrange("big", 0, -1)
            assert r.memory_usage("big") < 0.5 * r.memory_usage("plain"), server.kind
