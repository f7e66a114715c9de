"""Frameworks that run scripts behind their own APIs: Django's cache framework with django-redis
(Debian's python3-django 3.2 and python3-django-redis 5.2) and Sidekiq's scheduled-job poller
(Debian's ruby-sidekiq 6.4, run as a ruby script from tests/integration/ruby).

django-redis's cache.lock() is redis-py's Lock: SET NX PX to acquire, and Lua scripts run with
EVALSHA (SCRIPT LOAD after a NOSCRIPT) to extend and release it only while the caller's token is
still the one stored. cache.incr() is an EVAL (EXISTS then INCRBY) whose ResponseError django-redis
would silently replace by GET and SET, so the script counts in INFO commandstats are asserted, not
only the results. Sidekiq's Scheduled::Enq moves due jobs from the "schedule" zset to their queue
with a ZRANGEBYSCORE + ZREM script run by EVALSHA.

Every test runs against Debian's redis-server too (the `srv` fixture), so the expectations are
Redis 7.0's.
"""
import json
import pathlib
import shutil
import subprocess

import pytest

from test_lists_sets import client, server_fixture

srv = server_fixture()
RUBY_DIR = pathlib.Path(__file__).resolve().parent / "ruby"


def script_calls(r):
    """{"eval": n, "evalsha": n} from INFO commandstats of redis-py client `r` (0 when absent)."""
    stats = r.info("commandstats")
    return {c: stats.get(f"cmdstat_{c}", {}).get("calls", 0) for c in ("eval", "evalsha")}


@pytest.fixture
def django_cache(srv):
    """Django's default cache, a django_redis RedisCache on `srv` (settings configured in this
    process on first use, then overridden per test with the server's port)."""
    django = pytest.importorskip("django", reason="python3-django is not installed "
                                 "(scripts/install-deps.sh installs it)")
    pytest.importorskip("django_redis", reason="python3-django-redis is not installed "
                        "(scripts/install-deps.sh installs it)")
    from django.conf import settings
    from django.test.utils import override_settings

    if not settings.configured:
        settings.configure()
        django.setup()
    caches = {"default": {"BACKEND": "django_redis.cache.RedisCache",
                          "LOCATION": f"redis://127.0.0.1:{srv.port}/0"}}
    with override_settings(CACHES=caches):
        from django.core.cache import cache
        yield cache
        cache.close()


def test_django_cache_lock_acquire_extend_release(srv, django_cache):
    from redis.exceptions import LockError

    cache, r = django_cache, client(srv)
    before = script_calls(r)["evalsha"]
    first = cache.lock("report", timeout=30)
    second = cache.lock("report", timeout=30)
    assert first.acquire(blocking=False)
    assert r.get(":1:report") == first.local.token  # django's key: prefix "", version 1
    assert second.acquire(blocking=False) is False  # held
    assert second.locked() and first.owned() and not second.owned()
    with pytest.raises(LockError):
        second.release()  # it never got a token
    assert 0 < cache.ttl("report") <= 30
    assert first.extend(100)  # adds to the remaining time
    assert 100 < cache.ttl("report") <= 130
    assert first.extend(10, replace_ttl=True)
    assert 0 < cache.ttl("report") <= 10
    assert first.reacquire()  # back to the lock's own timeout
    assert 10 < cache.ttl("report") <= 30
    first.release()
    assert r.exists(":1:report") == 0
    assert second.acquire(blocking=False)
    assert second.owned() and not first.owned()
    second.release()
    assert not cache.lock("report", timeout=30).locked()
    assert script_calls(r)["evalsha"] - before >= 5  # 2 extends, a reacquire, 2 releases
    assert r.script_exists(first.lua_release.sha, first.lua_extend.sha,
                           first.lua_reacquire.sha) == [True, True, True]


def test_django_cache_lock_lost_to_another_owner(srv, django_cache):
    from redis.exceptions import LockNotOwnedError

    cache, r = django_cache, client(srv)
    lock = cache.lock("job", timeout=30)
    assert lock.acquire(blocking=False)
    r.delete(":1:job")  # the key is gone, as when the lock's timeout runs out
    other = cache.lock("job", timeout=30)
    assert other.acquire(blocking=False)
    with pytest.raises(LockNotOwnedError):
        lock.extend(10)  # the script finds another token: no change
    assert 0 < cache.ttl("job") <= 30
    with pytest.raises(LockNotOwnedError):
        lock.release()  # nor does it delete another owner's lock
    assert r.get(":1:job") == other.local.token
    other.release()
    assert r.exists(":1:job") == 0


def test_django_cache_set_get_incr_ttl_delete_pattern(srv, django_cache):
    cache, r = django_cache, client(srv)
    before = script_calls(r)
    cache.set("views:home", 10, timeout=None)
    cache.set("views:about", 3, timeout=300)
    cache.set("profile", {"name": "ada", "tags": ["x", "y"]}, timeout=60)
    assert cache.get("views:home") == 10
    assert cache.get("profile") == {"name": "ada", "tags": ["x", "y"]}  # pickled
    assert cache.get("missing", "dflt") == "dflt"
    assert cache.incr("views:home") == 11
    assert cache.incr("views:about", 5) == 8
    assert cache.decr("views:about", 2) == 6
    with pytest.raises(ValueError):
        cache.incr("views:none")  # the script returns false for a missing key
    assert r.exists(":1:views:none") == 0
    assert script_calls(r)["eval"] - before["eval"] == 4  # each incr/decr one EVAL, no fallback
    assert cache.get("views:home") == 11
    assert cache.ttl("views:home") is None  # persistent
    assert 0 < cache.ttl("views:about") <= 300  # INCRBY keeps the TTL
    assert cache.ttl("missing") == 0
    assert cache.add("views:home", 1) is False
    assert sorted(cache.keys("views:*")) == ["views:about", "views:home"]
    assert cache.delete_pattern("views:*") == 2
    assert cache.get("views:home") is None
    assert cache.get("profile")["name"] == "ada"
    assert r.keys("*") == [b":1:profile"]


def _sidekiq_lines(port):
    if shutil.which("ruby") is None:
        pytest.skip("ruby is not installed (scripts/install-deps.sh installs ruby-sidekiq)")
    probe = subprocess.run(["ruby", "-e", "require 'sidekiq'"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"ruby-sidekiq is not loadable: {probe.stderr.strip()}")
    out = subprocess.run(["ruby", str(RUBY_DIR / "sidekiq_scheduled.rb"), str(port)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_sidekiq_scheduled_jobs_enqueued_by_script(srv):
    lines = dict(_sidekiq_lines(srv.port))
    assert lines["scheduled"] == {"schedule": 3, "retry": 1, "queue": 0}
    assert lines["enqueued"] == {"schedule": 1, "retry": 0, "queue": 3}  # the future job stays
    assert lines["queued args"] == [[1, "past"], [2, "past"], [4, "retry"]]
    assert lines["after script flush"] == {"schedule": 1, "retry": 0, "queue": 4}
    assert lines["still scheduled"] == [[3, "future"]]
    stats = client(srv).info("commandstats")
    # A pop per due job plus one empty pop per set and pass (5, then 3 after the flush), and the
    # first EVALSHA after SCRIPT FLUSH failing with NOSCRIPT.
    assert (stats["cmdstat_evalsha"]["calls"], stats["cmdstat_evalsha"]["failed_calls"]) == (9, 1)
    assert stats["cmdstat_script|load"]["calls"] == 2
