"""MULTI/EXEC/WATCH across real clients: WATCH sees other clients' writes and expiry, and no
reader ever observes a half-applied MSET or transaction."""
import threading

import pytest
import redis

from support import Conn
from test_lists_sets import server_fixture


def test_watch_aborts_on_another_clients_write(server):
    a, b = Conn(server.port), Conn(server.port)
    assert a.call("SET", "balance", "10") == b"+OK\r\n"
    assert a.call("WATCH", "balance") == b"+OK\r\n"
    assert b.call("INCR", "balance") == b":11\r\n"
    assert a.call("MULTI") == b"+OK\r\n"
    assert a.call("SET", "balance", "0") == b"+QUEUED\r\n"
    assert a.call("EXEC") == b"*-1\r\n"
    assert a.call("GET", "balance") == b"$2\r\n11\r\n"
    # Not watched any more: the next transaction runs.
    assert a.call("MULTI") == b"+OK\r\n"
    assert a.call("SET", "balance", "0") == b"+QUEUED\r\n"
    assert a.call("EXEC") == b"*1\r\n+OK\r\n"


def test_watch_aborts_when_the_key_expires(server):
    a = Conn(server.port)
    assert a.call("SET", "lease", "x", "PX", "1") == b"+OK\r\n"
    assert a.call("WATCH", "lease") == b"+OK\r\n"
    # Once PTTL reports the key gone, it has expired, whoever noticed first.
    while a.call("PTTL", "lease") != b":-2\r\n":
        pass
    assert a.call("MULTI") == b"+OK\r\n"
    assert a.call("SET", "lease", "y") == b"+QUEUED\r\n"
    assert a.call("EXEC") == b"*-1\r\n"


def test_watch_survives_unrelated_writes_and_other_databases(server):
    a, b = Conn(server.port), Conn(server.port)
    assert a.call("WATCH", "k") == b"+OK\r\n"
    assert b.call("SET", "other", "1") == b"+OK\r\n"
    assert b.call("SELECT", "1") == b"+OK\r\n"
    assert b.call("SET", "k", "in db 1") == b"+OK\r\n"
    assert a.call("MULTI") == b"+OK\r\n"
    assert a.call("SET", "k", "v") == b"+QUEUED\r\n"
    assert a.call("EXEC") == b"*1\r\n+OK\r\n"


def test_redis_py_transactional_pipeline_and_watch_retry(server):
    r = redis.Redis(host="127.0.0.1", port=server.port)
    with r.pipeline() as pipe:  # transaction=True: MULTI ... EXEC
        pipe.set("a", 1).incr("a").hset("h", "f", "v").get("a")
        assert pipe.execute() == [True, 2, 1, b"2"]

    def increment(pipe):
        value = int(pipe.get("counter") or 0)
        pipe.multi()
        pipe.set("counter", value + 1)

    threads = [threading.Thread(target=lambda: [r.transaction(increment, "counter")
                                                for _ in range(50)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert int(r.get("counter")) == 400  # optimistic locking lost no increment


def test_no_reader_sees_half_applied_writes(server):
    """Writers set 20 keys (spread over many shards) to the same value with MSET or in a
    MULTI/EXEC; readers MGET all 20 and must always see one value across them."""
    keys = [f"atomic:{i}" for i in range(20)]
    r = redis.Redis(host="127.0.0.1", port=server.port)
    r.mset({k: 0 for k in keys})
    errors = []
    stop = threading.Event()

    def writer(transactional):
        w = redis.Redis(host="127.0.0.1", port=server.port)
        for n in range(1, 300):
            if transactional:
                pipe = w.pipeline(transaction=True)
                for k in keys:
                    pipe.set(k, n)
                pipe.execute()
            else:
                w.mset({k: n for k in keys})

    def reader():
        rd = redis.Redis(host="127.0.0.1", port=server.port)
        while not stop.is_set():
            values = set(rd.mget(keys))
            if len(values) != 1:
                errors.append(values)
                return

    readers = [threading.Thread(target=reader) for _ in range(4)]
    writers = [threading.Thread(target=writer, args=(t,)) for t in (True, False, True, False)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert errors == []


srv = server_fixture()

# A bitmap write from another client, the string it leaves at "k" (None: absent before), and
# whether Redis 7.0 signals the key (a WATCH on it aborts the transaction). Redis creates and
# zero-pads the string silently (lookupStringForBitCommand); only a write that happens and either
# grew the string or changed its bits signals.
BITMAP_WRITES = [
    (None, ["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"], b"\x00", False),
    (None, ["BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "i4", "#3", "8", "GET", "u8", "0"],
     b"\x00\x00", False),
    (b"a", ["BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "#3", "256"], b"a\x00\x00\x00", False),
    (b"a", ["BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "256"], b"a", False),
    (b"a", ["BITFIELD", "k", "SET", "u8", "0", "97"], b"a", False),  # the same value
    (b"a", ["BITFIELD", "k", "SET", "u8", "#1", "0"], b"a\x00", True),  # grew: a change
    (b"a", ["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "#1", "256",
            "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "0"], b"a\x00", True),
    (b"a", ["SETBIT", "k", "1", "1"], b"a", False),  # already set
    (b"a", ["SETBIT", "k", "9", "0"], b"a\x00", True),
]


@pytest.mark.parametrize("before,command,after,signals", BITMAP_WRITES)
def test_watch_and_bitmap_writes_that_change_nothing(srv, before, command, after, signals):
    a, b = (redis.Redis(host="127.0.0.1", port=srv.port) for _ in range(2))
    if before is not None:
        b.set("k", before)
    a.execute_command("WATCH", "k")
    b.execute_command(*command)
    assert b.get("k") == after
    a.execute_command("MULTI")
    a.execute_command("SET", "done", "1")
    assert a.execute_command("EXEC") == (None if signals else [b"OK"])
