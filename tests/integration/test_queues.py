"""Blocking pops and job queues: consumers parked in BLPOP/BRPOP/BLMOVE/BLMPOP on one connection,
woken by producers on others, and kombu moving jobs through lists.

cachet runs with two worker threads so that consumers and producers land on different workers.
No test sleeps: a consumer counts as parked once INFO's blocked_clients says so (wait_blocked
polls that observable state, bounded by a safety timeout), and results are awaited with bounds.
Every test runs against Debian's redis-server as well, proving the expectations are Redis 7.0's.
"""
import concurrent.futures
import select
import signal
import threading
import time

import kombu
import pytest
import redis

from support import SAFETY_TIMEOUT, Cachet, Conn, Redis, encode
from test_lists_sets import client, response_error, server_fixture

srv = server_fixture("--threads", "2")

UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"


def blocked_clients(r):
    return r.info("clients")["blocked_clients"]


def early_reply(waiter):
    """What a blocking call answered already (None while it still waits): `waiter` is the
    Future of a redis-py call or a raw Conn that sent the command."""
    if isinstance(waiter, Conn):
        readable = waiter.buf or select.select([waiter.sock], [], [], 0)[0]
        return waiter.reply() if readable else None
    return (waiter.exception() or waiter.result()) if waiter.done() else None


def wait_blocked(r, n, *waiters):
    """Returns once INFO reports exactly `n` blocked clients; fails at once if one of the
    `waiters` (see early_reply) was answered instead of blocking, and after SAFETY_TIMEOUT."""
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while blocked_clients(r) != n:
        for w in waiters:
            reply = early_reply(w)
            assert reply is None, f"answered instead of blocking: {reply!r}"
        assert time.monotonic() < deadline, f"blocked_clients never reached {n}"


def background(fn, *args, **kw):
    """Runs fn(*args, **kw) on a daemon thread; returns a Future of its result."""
    future = concurrent.futures.Future()

    def run():
        try:
            future.set_result(fn(*args, **kw))
        except BaseException as e:  # handed to the test through the future
            future.set_exception(e)

    threading.Thread(target=run, daemon=True).start()
    return future


def result(future):
    return future.result(timeout=SAFETY_TIMEOUT)


def own_connection(server):
    """A client on exactly one connection, so CLIENT ID names the connection that blocks."""
    return client(server, single_connection_client=True)


def test_brpop_consumers_woken_by_producers_on_other_connections(srv):
    n = 8  # eight consumers and eight producers: both workers own some of each
    observer = client(srv)
    consumers = [background(client(srv).brpop, f"q:{i}", 0) for i in range(n)]
    wait_blocked(observer, n, *consumers)
    for i in range(n):
        assert client(srv).lpush(f"q:{i}", f"job:{i}") == 1  # length before the hand-over
    assert [result(f) for f in consumers] == [(f"q:{i}".encode(), f"job:{i}".encode())
                                               for i in range(n)]
    assert blocked_clients(observer) == 0
    assert sum(observer.llen(f"q:{i}") for i in range(n)) == 0


def test_work_queue_with_competing_consumers_delivers_each_job_once(srv):
    consumers, producers, jobs_each = 4, 2, 500

    def consume():
        r, got = client(srv), []
        while (job := r.brpop("work", 0)[1]) != b"stop":
            got.append(job)
        return got

    def produce(p):
        pipe = client(srv).pipeline(transaction=False)
        for i in range(jobs_each):
            pipe.lpush("work", f"{p}:{i}")
        pipe.execute()

    received = [background(consume) for _ in range(consumers)]
    for f in [background(produce, p) for p in range(producers)]:
        result(f)
    client(srv).lpush("work", *["stop"] * consumers)  # after every job: BRPOP takes the oldest
    jobs = sum((result(f) for f in received), [])
    assert sorted(jobs) == sorted(f"{p}:{i}".encode() for p in range(producers)
                                  for i in range(jobs_each))
    assert client(srv).exists("work") == 0


def test_clients_blocked_on_one_key_are_served_in_arrival_order(srv):
    observer, producer = client(srv), client(srv)
    futures = []
    for n in range(1, 4):
        futures.append(background(client(srv).brpop, "fifo", 0))
        wait_blocked(observer, n, *futures)
    for value in ["first", "second", "third"]:
        producer.lpush("fifo", value)
    assert [result(f) for f in futures] == [(b"fifo", b"first"), (b"fifo", b"second"),
                                            (b"fifo", b"third")]


def test_client_blocked_on_several_keys_is_served_once(srv):
    observer = client(srv)
    consumer = background(client(srv).blpop, ["a", "b", "c"], 0)
    wait_blocked(observer, 1, consumer)
    pipe = client(srv).pipeline(transaction=True)
    pipe.rpush("b", "x")
    pipe.rpush("c", "y")
    assert pipe.execute() == [1, 1]
    assert result(consumer) == (b"b", b"x")  # the first key that received a push
    assert blocked_clients(observer) == 0
    observer.rpush("a", "later")
    assert observer.lrange("a", 0, -1) == [b"later"]
    assert observer.lrange("c", 0, -1) == [b"y"]
    assert observer.exists("b") == 0
    assert observer.blpop(["empty", "c", "a"], 0) == (b"c", b"y")  # ready: the first by argument


def test_waiter_is_woken_only_from_its_database_and_by_any_push(srv):
    observer, db5 = client(srv), client(srv, db=5)
    consumer = background(client(srv, db=5).blpop, "k", 0)
    wait_blocked(observer, 1, consumer)
    observer.rpush("k", "db0")
    assert blocked_clients(observer) == 1  # db 0's "k" is another key
    db5.rpush("staging", "moved")
    assert db5.lmove("staging", "k", "LEFT", "RIGHT") == b"moved"
    assert result(consumer) == (b"k", b"moved")
    assert observer.lrange("k", 0, -1) == [b"db0"]
    assert db5.exists("k", "staging") == 0


def test_blpop_timeout_returns_none(srv):
    r = client(srv)
    assert r.blpop("nothing", timeout=0.1) is None
    assert r.brpop(["nothing", "neither"], timeout=0.1) is None
    assert r.blmpop(0.1, 1, "nothing", direction="LEFT") is None
    assert r.brpoplpush("nothing", "dst", timeout=0.1) is None
    assert blocked_clients(r) == 0
    assert r.exists("dst") == 0


def test_blocking_pop_argument_and_type_errors(srv):
    r = client(srv)
    assert response_error(r.blpop, "k", -1) == "timeout is negative"
    assert response_error(r.execute_command, "BLPOP", "k", "soon") == \
        "timeout is not a float or out of range"
    r.set("text", "v")
    assert response_error(r.blpop, ["empty", "text"], 0) == \
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert blocked_clients(r) == 0


def test_blmove_and_brpoplpush_woken_by_a_push(srv):
    observer, producer = client(srv), client(srv)
    mover = background(client(srv).blmove, "src", "dst", 0, "RIGHT", "LEFT")
    wait_blocked(observer, 1, mover)
    assert producer.rpush("src", "a", "b") == 2
    assert result(mover) == b"b"
    assert producer.lrange("dst", 0, -1) == [b"b"]
    assert producer.lrange("src", 0, -1) == [b"a"]
    legacy = background(client(srv).brpoplpush, "src2", "dst2", 0)
    wait_blocked(observer, 1, legacy)
    producer.lpush("src2", "x")
    assert result(legacy) == b"x"
    assert producer.lrange("dst2", 0, -1) == [b"x"]
    assert producer.exists("src2") == 0


def test_blmove_serves_a_client_blocked_on_its_destination(srv):
    observer, producer = client(srv), client(srv)
    waiting = background(client(srv).blpop, "stage2", 0)
    wait_blocked(observer, 1, waiting)
    mover = background(client(srv).blmove, "stage1", "stage2", 0, "LEFT", "RIGHT")
    wait_blocked(observer, 2, waiting, mover)
    producer.rpush("stage1", "job")
    assert result(mover) == b"job"
    assert result(waiting) == (b"stage2", b"job")
    assert producer.exists("stage1", "stage2") == 0


def test_blmpop_with_count(srv):
    observer, producer = client(srv), client(srv)
    consumer = background(client(srv).blmpop, 0, 2, "x", "y", direction="LEFT", count=2)
    wait_blocked(observer, 1, consumer)
    producer.rpush("y", "a", "b", "c")
    assert result(consumer) == [b"y", [b"a", b"b"]]
    assert producer.lrange("y", 0, -1) == [b"c"]
    producer.rpush("x", "1")
    assert producer.blmpop(0, 2, "x", "y", direction="RIGHT", count=5) == [b"x", [b"1"]]
    assert producer.exists("x") == 0


def test_client_unblock_with_timeout_and_error(srv):
    observer, consumer = client(srv), own_connection(srv)
    consumer_id = consumer.client_id()
    assert observer.client_unblock(consumer_id) is False  # not blocked: 0
    pop = background(consumer.blpop, "never", 0)
    wait_blocked(observer, 1, pop)
    assert observer.client_unblock(consumer_id) is True
    assert result(pop) is None  # as if the timeout had expired
    pop = background(consumer.brpop, "never", 0)
    wait_blocked(observer, 1, pop)
    assert observer.client_unblock(consumer_id, error=True) is True
    with pytest.raises(redis.ResponseError) as e:
        result(pop)
    assert str(e.value) == UNBLOCKED
    assert consumer.ping()  # the connection stays usable
    assert blocked_clients(observer) == 0


def test_disconnected_blocked_client_is_forgotten(srv):
    observer = client(srv)
    gone = Conn(srv.port)
    gone.send(encode("BLPOP", "jobs", "0"))
    wait_blocked(observer, 1, gone)
    gone.close()
    wait_blocked(observer, 0)
    assert observer.lpush("jobs", "kept") == 1
    assert observer.lrange("jobs", 0, -1) == [b"kept"]


def test_blocking_commands_inside_multi_do_not_block(srv):
    r = client(srv)
    pipe = r.pipeline(transaction=True)
    pipe.blpop("empty", 0)
    assert pipe.execute() == [None]
    pipe = r.pipeline(transaction=True)
    pipe.brpop("empty", 0)
    pipe.brpoplpush("empty", "dst", 0)
    pipe.blmove("empty", "dst", 0, "LEFT", "LEFT")
    pipe.blmpop(0, 1, "empty", direction="LEFT")
    assert pipe.execute() == [None, None, None, None]
    r.rpush("full", "v")
    pipe = r.pipeline(transaction=True)
    pipe.blpop("full", 0)
    assert pipe.execute() == [(b"full", b"v")]
    assert blocked_clients(r) == 0


def test_push_and_pop_in_one_transaction_leave_the_waiter_blocked(srv):
    observer = client(srv)
    consumer = background(client(srv).blpop, "k", 0)
    wait_blocked(observer, 1, consumer)
    pipe = observer.pipeline(transaction=True)
    pipe.lpush("k", "gone")
    pipe.lpop("k")
    assert pipe.execute() == [1, b"gone"]
    assert blocked_clients(observer) == 1  # the key was empty again when EXEC finished
    observer.lpush("k", "real")
    assert result(consumer) == (b"k", b"real")


def test_command_pipelined_after_blpop_runs_after_it(srv):
    observer = client(srv)

    def pipelined():
        pipe = client(srv).pipeline(transaction=False)
        pipe.blpop("k", 0)
        pipe.get("flag")
        return pipe.execute()

    replies = background(pipelined)
    wait_blocked(observer, 1, replies)
    observer.set("flag", "set-while-blocked")  # a GET run before the unblock would miss it
    observer.lpush("k", "v")
    assert result(replies) == [(b"k", b"v"), b"set-while-blocked"]


@pytest.mark.parametrize("kind", ["redis", "cachet"])
def test_sigterm_with_a_client_blocked_forever_exits_0(kind):
    with (Redis() if kind == "redis" else Cachet("--threads", "2")) as s:
        blocked = Conn(s.port)
        blocked.send(encode("BLPOP", "forever", "0"))
        wait_blocked(client(s), 1, blocked)
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=10) == 0
        assert blocked.read_until_closed() == b""


@pytest.mark.filterwarnings("ignore:SelectableGroups dict interface:DeprecationWarning")
def test_kombu_moves_every_job_from_producer_to_consumer(srv):
    url, jobs = f"redis://127.0.0.1:{srv.port}/0", 200
    # kombu's ack emulation keeps unacknowledged messages in a sorted set (ZADD,
    # ZREVRANGEBYSCORE), which cachet does not have yet; without it kombu needs lists and sets.
    options = {"ack_emulation": False}

    def consume():
        with kombu.Connection(url, transport_options=options) as conn:
            queue, got = conn.SimpleQueue("jobs"), []
            for _ in range(jobs):
                message = queue.get(timeout=SAFETY_TIMEOUT)
                got.append(message.payload["job"])
                message.ack()
            queue.close()
            return got

    consumer = background(consume)
    wait_blocked(client(srv), 1, consumer)  # kombu's consumer is parked in BRPOP before any job exists
    with kombu.Connection(url, transport_options=options) as conn:
        queue = conn.SimpleQueue("jobs")
        for i in range(jobs):
            queue.put({"job": i})
        queue.close()
    assert sorted(result(consumer)) == list(range(jobs))
    with kombu.Connection(url, transport_options=options) as conn:
        queue = conn.SimpleQueue("jobs")
        with pytest.raises(queue.Empty):
            queue.get(block=False)
        queue.close()
    assert client(srv).exists("jobs") == 0  # drained: the queue's list is gone
