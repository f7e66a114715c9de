"""maxmemory with eviction policies, against the real binary."""
import redis

from support import Cachet

LIMIT = 8 * 1024 * 1024
# Eviction runs before each write, as in Redis, so memory may pass maxmemory by what the last
# write allocated: its entry, and a shard's bucket array if the write made it double (at most
# 2 x 8 bytes x keys per shard, well under this for these tests).
ONE_WRITE = 64 * 1024


def memory(r):
    info = r.info("memory")
    return info["used_memory_dataset"], info["maxmemory"]


def test_sustained_writes_stay_under_maxmemory():
    for policy in ("allkeys-tinylfu", "allkeys-lru", "allkeys-lfu", "allkeys-random"):
        with Cachet("--maxmemory", str(LIMIT), "--maxmemory-policy", policy) as s:
            r = redis.Redis(host="127.0.0.1", port=s.port)
            value = b"x" * 1000
            for batch in range(40):  # ~40 MB written into an 8 MB cache
                pipe = r.pipeline(transaction=False)
                for i in range(1000):
                    pipe.set(f"key:{batch}:{i}", value)
                assert all(pipe.execute())
                used, limit = memory(r)
                assert used <= limit + ONE_WRITE, (policy, used, limit)
            stats = r.info("stats")
            assert stats["evicted_keys"] > 20000
            assert r.dbsize() < 10000
            assert s.stop() == 0


def test_default_policy_evicts_and_admits_popular_keys():
    with Cachet("--maxmemory", str(LIMIT)) as s:
        r = redis.Redis(host="127.0.0.1", port=s.port)
        assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-tinylfu"}
        for i in range(50):
            r.get("popular")  # requested often while absent: the sketch remembers
        for batch in range(20):
            pipe = r.pipeline(transaction=False)
            for i in range(1000):
                pipe.set(f"once:{batch}:{i}", b"y" * 1000)
            pipe.execute()
        assert r.set("popular", "v")
        for batch in range(20, 40):  # more one-off keys must not push the popular one out
            pipe = r.pipeline(transaction=False)
            for i in range(1000):
                pipe.set(f"once:{batch}:{i}", b"y" * 1000)
            pipe.execute()
            r.get("popular")
        assert r.get("popular") == b"v"
        assert r.info("stats")["evicted_keys"] > 20000
        assert s.stop() == 0


def test_lru_keeps_a_key_in_use():
    with Cachet("--maxmemory", str(LIMIT), "--maxmemory-policy", "allkeys-lru",
                "--maxmemory-samples", "10") as s:
        r = redis.Redis(host="127.0.0.1", port=s.port)
        r.set("session:hot", "keep me")
        for batch in range(30):
            pipe = r.pipeline(transaction=False)
            for i in range(1000):
                pipe.set(f"bulk:{batch}:{i}", b"y" * 1000)
            pipe.execute()
            assert r.get("session:hot") == b"keep me"  # touched every batch
        assert s.stop() == 0


def test_noeviction_and_volatile_without_ttls_refuse_writes():
    for policy in ("noeviction", "volatile-lru"):
        with Cachet("--maxmemory", "1mb", "--maxmemory-policy", policy) as s:
            r = redis.Redis(host="127.0.0.1", port=s.port)
            written = 0
            try:
                for i in range(10000):
                    r.set(f"k{i}", b"z" * 1000)
                    written += 1
                raise AssertionError("writes past maxmemory must fail")
            except redis.ResponseError as e:
                assert str(e) == "OOM command not allowed when used memory > 'maxmemory'."
            assert r.dbsize() == written  # nothing was evicted, nothing lost
            assert r.get("k0") == b"z" * 1000
            assert r.delete("k0") == 1  # deletes still work
            assert s.stop() == 0


def test_policy_can_change_at_runtime():
    with Cachet("--maxmemory", "1mb", "--maxmemory-policy", "noeviction") as s:
        r = redis.Redis(host="127.0.0.1", port=s.port)
        r.config_set("maxmemory-policy", "allkeys-lru")
        for i in range(5000):
            r.set(f"k{i}", b"z" * 1000)
        assert r.info("stats")["evicted_keys"] > 3000
        assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        assert s.stop() == 0
