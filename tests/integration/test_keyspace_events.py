"""Keyspace notifications (notify-keyspace-events) seen through redis-py's pubsub(), the way
applications use them: cache invalidation on __keyspace@0__:<key>, job queues on
__keyevent@0__:<event>, expiry by the active sweep, eviction under maxmemory, and a blocked pop
served by another client's push.

Every test runs against Debian's redis-server too (the `srv` fixture), which proves the
expected messages are Redis 7.0's. Waiting for an event is a bounded get_message loop, never a
sleep: the active-expiry and eviction tests wait for the message itself.
"""
import threading
import time

import pytest
import redis

from test_lists_sets import client, server_fixture
from test_queues import wait_blocked

srv = server_fixture()

WAIT = 10  # seconds: the safety bound of a wait, never reached when the server behaves


def subscribe(r, *patterns):
    p = r.pubsub()
    p.psubscribe(*patterns)
    for _ in patterns:
        assert p.get_message(timeout=WAIT)["type"] == "psubscribe"
    return p


def next_event(p):
    """The next published message as (channel, data), waiting at most WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        m = p.get_message(timeout=deadline - time.monotonic())
        if m is not None and m["type"] == "pmessage":
            return m["channel"].decode(), m["data"].decode()
    raise TimeoutError("no keyspace event")


def events(p, r):
    """Every message published before a marker PUBLISH from `r` arrives: what the commands run
    before the call raised, in order (one client's commands publish in order)."""
    r.publish("__keymarker__:end", "end")
    out = []
    while (e := next_event(p)) != ("__keymarker__:end", "end"):
        out.append(e)
    return out


@pytest.fixture
def r(srv):
    c = client(srv)
    c.config_set("notify-keyspace-events", "KEA")
    return c


def test_keyspace_channel_per_key(r):
    p = subscribe(r, "__keyspace@0__:*", "__keymarker__:*")
    r.set("user:1", "x")
    r.set("user:1", "y", ex=100)
    r.delete("user:1", "nobody")
    r.lpush("queue", "a", "b")
    r.hset("h", mapping={"f": "1", "g": "2"})
    r.zadd("board", {"alice": 1})
    r.zincrby("board", 2, "alice")
    r.expire("queue", 100)
    r.persist("queue")
    assert events(p, r) == [
        ("__keyspace@0__:user:1", "set"),
        ("__keyspace@0__:user:1", "set"),
        ("__keyspace@0__:user:1", "expire"),
        ("__keyspace@0__:user:1", "del"),
        ("__keyspace@0__:queue", "lpush"),
        ("__keyspace@0__:h", "hset"),
        ("__keyspace@0__:board", "zadd"),
        ("__keyspace@0__:board", "zincr"),
        ("__keyspace@0__:queue", "expire"),
        ("__keyspace@0__:queue", "persist"),
    ]


def test_keyevent_channel_per_event(r):
    p = subscribe(r, "__keyevent@0__:*", "__keymarker__:*")
    r.set("a", "1")
    r.rename("a", "b")
    r.rpush("l", "x")
    r.lpop("l")  # empties the list: lpop, then del
    r.sadd("s", "m")
    r.sinterstore("d", ["s"])
    r.expire("b", -1)  # a time in the past deletes
    assert events(p, r) == [
        ("__keyevent@0__:set", "a"),
        ("__keyevent@0__:rename_from", "a"),
        ("__keyevent@0__:rename_to", "b"),
        ("__keyevent@0__:rpush", "l"),
        ("__keyevent@0__:lpop", "l"),
        ("__keyevent@0__:del", "l"),
        ("__keyevent@0__:sadd", "s"),
        ("__keyevent@0__:sinterstore", "d"),
        ("__keyevent@0__:del", "b"),
    ]


def test_one_event_class_only(r):
    r.config_set("notify-keyspace-events", "Eh")
    p = subscribe(r, "__keyevent@0__:*", "__keymarker__:*")
    r.set("a", "1")
    r.hset("h", "f", "v")
    r.hdel("h", "f")  # the del is generic (g): filtered out
    assert events(p, r) == [("__keyevent@0__:hset", "h"), ("__keyevent@0__:hdel", "h")]


def test_new_and_keymiss_classes(r):
    r.config_set("notify-keyspace-events", "KEAnm")
    p = subscribe(r, "__keyevent@0__:*", "__keymarker__:*")
    r.set("a", "1")
    r.set("a", "2")
    assert r.get("missing") is None
    assert events(p, r) == [
        ("__keyevent@0__:new", "a"),
        ("__keyevent@0__:set", "a"),
        ("__keyevent@0__:set", "a"),
        ("__keyevent@0__:keymiss", "missing"),
    ]


def test_the_active_expiry_sweep_publishes_expired(r):
    p = subscribe(r, "__keyevent@0__:expired")
    r.set("session", "x", px=50)
    # Nothing reads the key: only the server's own sweep can expire it.
    assert next_event(p) == ("__keyevent@0__:expired", "session")
    assert r.exists("session") == 0


def test_a_lookup_of_an_expired_key_publishes_expired(r):
    r.execute_command("SET", "gone", "x", "PXAT", "1")  # set, and already expired
    p = subscribe(r, "__keyspace@0__:gone", "__keymarker__:*")
    assert r.get("gone") is None
    # Redis and cachet may also have swept it first: either way one "expired" was published.
    got = events(p, r)
    assert got in ([("__keyspace@0__:gone", "expired")], [])


def test_eviction_publishes_evicted(r):
    for i in range(5):
        r.set(f"k{i}", "v" * 100)
    p = subscribe(r, "__keyevent@0__:evicted")
    r.config_set("maxmemory-policy", "allkeys-random")
    r.config_set("maxmemory", "1")
    try:
        r.set("newcomer", "v")  # a write under maxmemory evicts (Redis may have already)
    except Exception:
        pass  # refused once nothing is left to evict
    evicted = {next_event(p)[1] for _ in range(5)}
    r.config_set("maxmemory", "0")
    assert evicted == {f"k{i}" for i in range(5)}


def test_a_blocked_pop_served_by_another_client(r, srv):
    p = subscribe(r, "__keyevent@0__:*", "__keymarker__:*")
    popped = []
    worker = threading.Thread(target=lambda: popped.append(client(srv).blpop("jobs", WAIT)))
    worker.start()
    wait_blocked(r, 1)
    r.lpush("jobs", "job1")
    worker.join()
    assert popped == [(b"jobs", b"job1")]
    assert events(p, r) == [
        ("__keyevent@0__:lpush", "jobs"),
        ("__keyevent@0__:lpop", "jobs"),
        ("__keyevent@0__:del", "jobs"),
    ]


def test_other_databases_have_their_own_channels(r, srv):
    p = subscribe(r, "__keyspace@*__:*", "__keymarker__:*")
    r.set("a", "1")
    r.move("a", 2)
    other = client(srv, db=5)
    other.set("b", "1")
    other.publish("__keymarker__:other", "x")  # other's commands have published
    assert next_event(p) == ("__keyspace@0__:a", "set")
    assert next_event(p) == ("__keyspace@0__:a", "move_from")
    assert next_event(p) == ("__keyspace@2__:a", "move_to")
    assert next_event(p) == ("__keyspace@5__:b", "set")


@pytest.fixture
def misses(r):
    """A subscriber to every keyevent channel with keymiss (m) on: write commands look keys up
    without it, reads (GET ... and SORT's BY and GET keys) raise it for a missing key."""
    r.config_set("notify-keyspace-events", "KEAm")
    return subscribe(r, "__keyevent@0__:*", "__keymarker__:*")


def test_a_write_to_a_missing_key_is_no_keymiss(r, misses):
    # Found by the randomized events differential (test_differential_events.py): HDEL of a
    # missing key raised "keymiss" in cachet.
    assert r.hdel("nohash", "f") == 0
    assert r.delete("nokey") == 0
    assert events(misses, r) == []


def test_getset_and_set_get_read_the_old_value(r, misses):
    # Found by the randomized events differential: Redis's GETSET and SET ... GET read the key
    # first (a keyspace miss, "keymiss"); cachet looked it up as a write.
    assert r.getset("a", "1") is None
    assert r.set("b", "1", get=True) is None
    assert events(misses, r) == [
        ("__keyevent@0__:keymiss", "a"), ("__keyevent@0__:set", "a"),
        ("__keyevent@0__:keymiss", "b"), ("__keyevent@0__:set", "b"),
    ]


def test_sort_reads_each_pattern_key_once(r, misses):
    # Found by the randomized events differential: a SORT whose BY or GET keys were in shards it
    # had not locked started over and read the keys again (a second "keymiss" each), and a
    # numeric SORT stopped reading BY keys at the first non-number, where Redis reads them all.
    elements = [str(i) for i in range(12)]
    r.rpush("l", *elements)
    assert r.sort("l", by="w_*", get="g_*") == [None] * 12
    # BY keys in the list's order; GET keys in the sorted order (all 0: by the elements' bytes).
    assert events(misses, r) == [("__keyevent@0__:rpush", "l")] + [
        ("__keyevent@0__:keymiss", f"w_{e}") for e in elements] + [
        ("__keyevent@0__:keymiss", f"g_{e}") for e in sorted(elements)]
    r.set("w_0", "x")  # not a number
    with pytest.raises(redis.ResponseError, match="can't be converted"):
        r.sort("l", by="w_*")
    assert events(misses, r) == [("__keyevent@0__:set", "w_0")] + [
        ("__keyevent@0__:keymiss", f"w_{e}") for e in elements[1:]]
