"""RQ (python3-rq 1.13) running jobs through the server: enqueue, a burst-mode worker, results,
failures, dependencies and scheduled (delayed) jobs, whose ScheduledJobRegistry is a sorted set
scored by the time each job is due; the other registries (started, finished, failed, deferred,
canceled) are sorted sets scored by expiry time.

RQ's scheduler reads the wall clock, so scheduled times are far in the past or the future rather
than a short wait; registries that take a timestamp are cleaned with an injected one. The worker
is a SimpleWorker (jobs run in this process, no fork) in burst mode: it returns once the queues
are empty. Every test runs against Debian's redis-server as well (the `srv` fixture).

What RQ uses that cachet may lack is probed, not assumed (see rq_connection): results kept in a
stream (XADD/XREVRANGE, RQ's choice on Redis >= 5) and the worker's command channel (SUBSCRIBE).
Queue.empty() runs a Lua script (EVALSHA) that pops the queue and deletes undeclared job keys.
"""
from datetime import datetime, timedelta, timezone

import pytest
import redis
from rq import Queue, Retry, SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import (CanceledJobRegistry, DeferredJobRegistry, FailedJobRegistry,
                         FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry)
from rq.scheduler import RQScheduler

from support import Conn
from test_lists_sets import server_fixture

srv = server_fixture()

PAST = datetime(2001, 1, 1, tzinfo=timezone.utc)
FUTURE = datetime(2100, 1, 1, tzinfo=timezone.utc)


def add(a, b):
    return a + b


def divide(a, b):
    return a / b


def has_command(r, name):
    """Whether the server behind redis-py client `r` knows command `name` (a raw connection:
    redis-py 4.3 cannot parse COMMAND INFO's null for an unknown command)."""
    conn = Conn(r.connection_pool.connection_kwargs["port"])
    known = conn.call("COMMAND", "INFO", name) != b"*1\r\n$-1\r\n"
    conn.close()
    return known


def rq_connection(server):
    """A redis-py connection for RQ. On a server without streams, RQ is told the server is
    Redis 4, which makes it keep each result in the job's hash (its own path for servers before
    streams) instead of failing every job's completion on XADD."""
    r = redis.Redis(host="127.0.0.1", port=server.port)
    if not has_command(r, "XADD"):
        setattr(r, "__rq_redis_server_version", (4, 0, 0))  # RQ's cache of INFO's version
    return r


def worker(queues, r):
    """A burst-ready SimpleWorker; without SUBSCRIBE its command channel (used only to send
    it shutdown/kill commands, not in the job flow) is left out."""
    w = SimpleWorker(queues, connection=r)
    if not has_command(r, "SUBSCRIBE"):
        w.subscribe = w.unsubscribe = lambda: None
    return w


def test_enqueue_and_burst_worker_runs_jobs_in_order(srv):
    r = rq_connection(srv)
    q = Queue("default", connection=r)
    jobs = [q.enqueue(add, i, 10) for i in range(5)]
    assert q.count == 5
    assert q.job_ids == [j.id for j in jobs]
    assert jobs[0].get_status() == JobStatus.QUEUED
    assert worker([q], r).work(burst=True) is True
    assert q.count == 0
    for i, job in enumerate(jobs):
        assert job.get_status(refresh=True) == JobStatus.FINISHED
        assert job.return_value() == i + 10
        assert job in FinishedJobRegistry(queue=q)
    assert FinishedJobRegistry(queue=q).count == 5
    assert StartedJobRegistry(queue=q).count == 0
    assert worker([q], r).work(burst=True) is False  # nothing left


@pytest.mark.filterwarnings("ignore:job.exc_info is deprecated:DeprecationWarning")
def test_failed_job_goes_to_the_failed_registry_and_can_be_requeued(srv):
    r = rq_connection(srv)
    q = Queue("default", connection=r)
    job = q.enqueue(divide, 1, 0)
    worker([q], r).work(burst=True)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    failed = FailedJobRegistry(queue=q)
    assert failed.get_job_ids() == [job.id]
    job = Job.fetch(job.id, connection=r)
    assert "ZeroDivisionError: division by zero" in job.exc_info
    failed.requeue(job)
    assert failed.count == 0 and q.job_ids == [job.id]
    assert job.get_status(refresh=True) == JobStatus.QUEUED


def test_retry_and_dependency_registries(srv):
    r = rq_connection(srv)
    q = Queue("default", connection=r)
    first = q.enqueue(add, 1, 2)
    second = q.enqueue(add, 3, 4, depends_on=first)
    assert second.get_status() == JobStatus.DEFERRED
    assert DeferredJobRegistry(queue=q).get_job_ids() == [second.id]
    assert q.job_ids == [first.id]  # the dependent waits outside the queue
    # A retry with no interval goes straight back to the queue; with an interval it is scheduled.
    flaky = q.enqueue(divide, 1, 0, retry=Retry(max=1))
    worker([q], r).work(burst=True)
    assert first.get_status(refresh=True) == JobStatus.FINISHED
    assert second.get_status(refresh=True) == JobStatus.FINISHED
    assert second.return_value() == 7
    assert DeferredJobRegistry(queue=q).count == 0
    flaky.refresh()
    assert flaky.get_status() == JobStatus.FAILED  # tried twice
    assert flaky.retries_left == 0
    scheduled_retry = q.enqueue(divide, 1, 0, retry=Retry(max=1, interval=3600))
    worker([q], r).work(burst=True)
    assert scheduled_retry.get_status(refresh=True) == JobStatus.SCHEDULED
    assert scheduled_retry.id in ScheduledJobRegistry(queue=q).get_job_ids()


def test_scheduled_jobs_past_and_future(srv):
    r = rq_connection(srv)
    q = Queue("default", connection=r)
    late = q.enqueue_at(PAST, add, 1, 1)
    later = q.enqueue_at(PAST + timedelta(days=1), add, 2, 2)
    distant = q.enqueue_at(FUTURE, add, 3, 3)
    soon = q.enqueue_in(timedelta(days=3650), add, 4, 4)
    registry = ScheduledJobRegistry(queue=q)
    assert registry.count == 4
    assert registry.get_job_ids() == [late.id, later.id, soon.id, distant.id]  # by due time
    assert registry.get_scheduled_time(late) == PAST
    assert registry.get_scheduled_time(distant) == FUTURE
    assert late.get_status() == JobStatus.SCHEDULED
    assert q.count == 0  # nothing is queued before its time
    assert registry.get_jobs_to_schedule() == [late.id, later.id]
    # The worker's scheduler (in burst mode: once, in this process) moves the due jobs.
    assert worker([q], r).work(burst=True, with_scheduler=True) is True
    assert late.get_status(refresh=True) == JobStatus.FINISHED
    assert later.return_value() == 4
    assert registry.get_job_ids() == [soon.id, distant.id]
    assert distant.get_status(refresh=True) == JobStatus.SCHEDULED
    assert r.exists(RQScheduler.get_locking_key("default")) == 0  # the lock was released
    # Removing what is due by a given time leaves the rest.
    assert registry.remove_jobs(timestamp=(FUTURE - timedelta(days=1)).timestamp()) == 1
    assert registry.get_job_ids() == [distant.id]


def test_scheduler_on_its_own_enqueues_due_jobs_of_each_queue(srv):
    r = rq_connection(srv)
    high, low = Queue("high", connection=r), Queue("low", connection=r)
    due_high = high.enqueue_at(PAST, add, 5, 5)
    due_low = low.enqueue_at(PAST, add, 6, 6, at_front=True)
    low.enqueue(add, 0, 0)
    future_low = low.enqueue_at(FUTURE, add, 7, 7)
    scheduler = RQScheduler([high, low], connection=r)
    assert scheduler.acquire_locks() == {"high", "low"}
    assert RQScheduler([high], connection=r).acquire_locks() == set()  # another is holding it
    scheduler.enqueue_scheduled_jobs()
    assert high.job_ids == [due_high.id]
    assert low.job_ids[0] == due_low.id  # at_front: before the job queued earlier
    assert ScheduledJobRegistry(queue=low).get_job_ids() == [future_low.id]
    assert ScheduledJobRegistry(queue=high).count == 0
    scheduler.release_locks()
    assert r.exists(RQScheduler.get_locking_key("high")) == 0


def test_registry_cleanup_with_injected_time(srv):
    r = rq_connection(srv)
    q = Queue("default", connection=r)
    job = q.enqueue(add, 1, 1)
    started = StartedJobRegistry(queue=q)
    started.add(job, ttl=60)  # as a worker does when it starts the job
    assert started.get_job_ids() == [job.id]
    assert started.get_expired_job_ids() == []
    now = datetime.now(timezone.utc).timestamp()
    assert started.get_expired_job_ids(now + 3600) == [job.id]
    started.cleanup(now + 3600)  # an hour later the job counts as abandoned: it failed
    assert started.get_job_ids() == []
    assert job.id in FailedJobRegistry(queue=q)
    finished = FinishedJobRegistry(queue=q)
    finished.add(job, ttl=-1)  # -1: kept forever (score +inf)
    assert r.zscore(finished.key, job.id) == float("inf")
    finished.cleanup(now + 10**9)
    assert finished.get_job_ids() == [job.id]
    other = q.enqueue(add, 2, 2)
    other.cancel()
    assert other.get_status(refresh=True) == JobStatus.CANCELED
    assert CanceledJobRegistry(queue=q).get_job_ids() == [other.id]
    assert other.id not in q.job_ids


def test_results_are_kept_in_a_stream(srv):
    r = redis.Redis(host="127.0.0.1", port=srv.port)
    if not has_command(r, "XADD"):
        pytest.skip("no XADD/XREVRANGE: RQ keeps results in a stream on Redis >= 5")
    q = Queue("default", connection=r)
    job = q.enqueue(add, 20, 22)
    worker([q], r).work(burst=True)
    assert [result.return_value for result in job.results()] == [42]
    assert r.type(f"rq:results:{job.id}") == b"stream"


def test_queue_empty_uses_lua(srv):
    r = rq_connection(srv)
    q = Queue("default", connection=r)
    jobs = [q.enqueue(add, i, i) for i in range(3)]
    assert q.empty() == 3
    assert q.count == 0
    assert not r.exists(jobs[0].key)
