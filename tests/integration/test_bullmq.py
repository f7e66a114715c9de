"""BullMQ (tests/integration/node/bullmq_client.js) the way applications use it: a Queue adds a
plain job, a delayed job, a job that fails once and is retried after a backoff, and prioritized
jobs; Workers process them and QueueEvents, an XREAD BLOCK reader of the queue's events stream,
sees them finish. BullMQ runs its Lua scripts (XADD ... MAXLEN ~ inside EVALSHA), BZPOPMIN on
its marker key and XREAD BLOCK, so this drives streams, scripting and blocking together.

The test runs against Debian's redis-server too (the `srv` fixture), which proves the
expectations are Redis 7.0's. The node script has its own watchdog and the subprocess a timeout,
so a server that never answers fails the test instead of hanging it.
"""
import json


from support import run_node
from test_lists_sets import client, server_fixture

srv = server_fixture("--threads", "2")


def run_bullmq(port):
    return json.loads(run_node("bullmq_client.js", "bullmq", port, 25).strip().splitlines()[-1])


def test_bullmq_queue_worker_and_queue_events(srv):
    out = run_bullmq(srv.port)
    ids = out["ids"]
    assert ids == {"plain": "1", "delayed": "2", "retried": "3"}
    assert out["delayedState"] == "delayed"
    assert out["results"] == {"plain": {"doubled": 2, "name": "plain"},
                              "delayed": {"doubled": 4, "name": "delayed"},
                              "retried": {"doubled": 6, "name": "retried"}}
    # The retried job ran twice: attemptsMade 0 then 1 when the processor saw it.
    assert sorted(map(tuple, out["processed"])) == [
        ("delayed", 0), ("plain", 0), ("retried", 0), ("retried", 1)]
    assert out["processed"][0] == ["plain", 0]  # the only job ready when the worker started
    assert out["retried"] == {"attemptsMade": 2, "failedReason": "first attempt fails",
                              "state": "completed", "stacktrace": 1}
    assert out["counts"] == {"completed": 3, "failed": 0, "delayed": 0, "wait": 0, "active": 0}

    # What QueueEvents read from the events stream (the order of the delayed job and the retry's
    # backoff depends on timing, so the ids are compared sorted).
    ev = {name: sorted(v) for name, v in out["events"].items()}
    assert ev["added"] == ["1", "2", "3"]
    assert ev["delayed"] == ["2", "3"]  # added with a delay; moved back after the failure
    assert ev["waiting"] == ev["active"] == ["1", "2", "3", "3"]
    assert ev["completed"] == ["1", "2", "3"]
    assert ev["failed"] == ev["retries-exhausted"] == []  # a failure with retries left: none

    assert out["prioCounts"] == {"prioritized": 5, "wait": 0}
    assert out["prioOrder"] == ["p1", "p2", "p3", "p4", "p5"]
    assert out["prioResults"] == [5, 1, 3, 2, 4]  # per job, in the order they were added
    assert out["eventsStreamLength"] >= 16

    r = client(srv)
    assert r.type("bull:main:events") == b"stream"
    assert r.xlen("bull:main:events") == out["eventsStreamLength"]
    first = r.xrange("bull:main:events", count=1)[0][1]
    assert first[b"event"] == b"added" and first[b"jobId"] == b"1"
    assert r.hget("bull:main:3", "atm") == b"2"
    assert r.zcard("bull:main:completed") == 3 and r.zcard("bull:prio:completed") == 5
