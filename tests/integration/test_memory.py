"""INFO memory reports the allocator's own accounting, and it tracks the process's real RSS."""
import pytest
import redis

from support import Cachet


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_used_memory_is_close_to_rss():
    with Cachet() as s:
        r = redis.Redis(host="127.0.0.1", port=s.port)
        if r.info("memory")["mem_allocator"] == "libc":
            pytest.skip("system allocator (sanitizer build): its statistics leave out the "
                        "sanitizer's redzones, so RSS is not comparable")
        before = r.info("memory")["used_memory"]
        value = b"v" * 200
        for batch in range(100):  # 300k keys, ~80 MB of entries
            pipe = r.pipeline(transaction=False)
            for i in range(3000):
                pipe.set(f"key:{batch}:{i}", value)
            pipe.execute()
        info = r.info("memory")
        used, rss = info["used_memory"], rss_bytes(s.proc.pid)
        assert used - before >= 300_000 * 200  # at least the values themselves
        # RSS also holds the binary, thread stacks and allocator metadata: measured 0.83.
        assert 0.75 <= used / rss <= 1.05, (used, rss)
        assert abs(info["used_memory_rss"] - rss) <= 0.05 * rss  # INFO's RSS is the real one
