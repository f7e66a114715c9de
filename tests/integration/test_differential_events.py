"""Randomized differential test of keyspace notifications: the seeded sequences of
test_differential_random.py (same generator, seeds and knobs), sent to redis-server and to
cachet-server with every notification class on, and the events each command raises compared
between the two servers as well as its reply.

One subscriber per server PSUBSCRIBEs to every keyspace and keyevent channel and SUBSCRIBEs to the
seed's marker channel. After each command (after EXEC or DISCARD inside a transaction, whose queued
commands raise nothing until EXEC), the command connection PUBLISHes a counter to the marker
channel and the subscriber reads up to that counter: everything it read before are the command's
events, in the order they were raised. That needs no sleep: Redis runs commands and delivers on
one thread, and in cachet the messages of one publisher reach a subscriber in publish order
(docs/architecture.md, Pub/Sub), and a command's notifications are published by the connection
that ran it.

Nothing expires by the clock: the shortest relative TTL the generator draws is 100 seconds
(PEXPIRE k 100000), longer than a seed runs from its FLUSHALL, absolute ones are years ahead, and
times in the past delete at once (a "del" event, in order). So neither the active sweep nor a
lookup raises "expired", and an "expired" event would be a difference. Nothing is evicted either
(no maxmemory).

Run it as test_differential_random.py (CACHET_DIFF_SEEDS, CACHET_DIFF_COUNT,
CACHET_DIFF_FAMILIES).
"""
import pytest

from differential_gen import events_in_hash_order, split_array
from support import Conn, encode
from test_differential_random import SEEDS, mismatch, replay, reset, servers  # noqa: F401

# Every class Redis 7.0 accepts: A (g$lshzxetd) with the keyspace and keyevent channels, n (new
# keys) and m (lookups of missing keys).
FLAGS = "KEAnm"
PATTERN = "__key*@*__:*"
MARKER = "__diff_marker__:%d"  # a seed's marker channel (outside PATTERN)


class Events:
    """A subscriber of one server: every keyspace notification and the marker channel."""

    def __init__(self, port, channel):
        self.conn, self.channel = Conn(port), channel.encode()
        assert self.conn.call("PSUBSCRIBE", PATTERN).startswith(b"*3\r\n$10\r\npsubscribe\r\n")
        assert self.conn.call("SUBSCRIBE", channel).startswith(b"*3\r\n$9\r\nsubscribe\r\n")

    def until(self, marker):
        """The (pattern, channel, payload) of every notification delivered before the marker
        message carrying `marker` (bytes)."""
        out = []
        while True:
            fields = [_bulk(e) for e in split_array(self.conn.reply())[1]]
            if fields == [b"message", self.channel, marker]:
                return out
            assert fields[0] == b"pmessage", fields
            out.append(tuple(fields[1:]))

    def close(self):
        self.conn.close()


def _bulk(raw):
    """The bytes of one RESP bulk string reply."""
    return raw[raw.index(b"\r\n") + 2:-2]


class Transaction:
    """Follows the command connection into and out of MULTI: the commands a block queued."""

    def __init__(self):
        self.queued = None  # a list inside MULTI

    def follow(self, args, reply):
        """Notes command `args`, answered `reply`; true when its events are due (outside MULTI:
        a queued command raises its events at EXEC)."""
        name = args[0].upper()
        if self.queued is not None and name not in (b"EXEC", b"DISCARD"):
            self.queued.append(args)
        elif name == b"MULTI" and reply == b"+OK\r\n":
            self.queued = []
        return self.queued is None or name in (b"EXEC", b"DISCARD")

    def commands(self, args):
        """The commands whose events a due step raised; ends the block at EXEC or DISCARD."""
        if self.queued is None:
            return [args]
        done, self.queued = self.queued, None
        return done


@pytest.fixture(scope="module")
def notifying(servers):  # noqa: F811
    for port in (s.port for s in servers):
        admin = Conn(port)
        assert admin.call("CONFIG", "SET", "notify-keyspace-events", FLAGS) == b"+OK\r\n"
        admin.close()
    return servers


@pytest.fixture
def connections(notifying, seed):
    """Command connections and subscribers (to the seed's marker channel) of Redis and cachet."""
    conns = [Conn(notifying[0].port), Conn(notifying[1].port),
             Events(notifying[0].port, MARKER % seed), Events(notifying[1].port, MARKER % seed)]
    yield conns
    for conn in conns:
        conn.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_random_commands_notify_as_redis_does(notifying, connections, seed):
    redis_server, cachet = notifying
    theirs, ours, their_events, our_events = connections
    reset(theirs, ours)
    block = Transaction()
    state = {"marker": 0}

    def sync():
        """Publishes the next marker on both command connections; both servers' events since
        the previous one."""
        state["marker"] += 1
        marker = b"%d" % state["marker"]
        for conn in (theirs, ours):
            conn.send(encode("PUBLISH", MARKER % seed, marker))
        assert theirs.reply() == ours.reply() == b":1\r\n"
        return their_events.until(marker), our_events.until(marker)

    sync()  # whatever the reset raised

    def compare(steps, index, reply):
        args = steps[index].args
        if not block.follow(args, reply):
            return
        expected, actual = sync()
        if any(events_in_hash_order(c) for c in block.commands(args)):
            expected, actual = sorted(expected), sorted(actual)
        if expected != actual:
            pytest.fail(mismatch(seed, steps, index, expected, actual, "keyspace events differ"))

    replay(redis_server, seed, theirs, ours, compare)
