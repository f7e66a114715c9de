"""Scripts the way client libraries run them: a sliding-window rate limiter registered with
redis-py and shared by several clients at once, and ioredis's defineCommand from node.js
(tests/integration/node; scripts/install-deps.sh runs `npm ci` there).

Every test runs against Debian's redis-server too (the `srv` fixture), so the expectations are
Redis 7.0's. The limiter takes "now" as an argument, so its counts are exact whatever the timing.
"""
import json
import threading


from support import run_node
from test_lists_sets import client, server_fixture

srv = server_fixture("--threads", "2")

# KEYS[1] a zset of request ids scored by time; ARGV now, window, limit, request id. Drops the
# requests older than the window, then admits this one if fewer than `limit` remain.
SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
local n = redis.call('zcard', KEYS[1])
if n >= limit then return {0, n} end
redis.call('zadd', KEYS[1], now, ARGV[4])
redis.call('pexpire', KEYS[1], window)
return {1, n + 1}
"""


def test_sliding_window_rate_limiter_shared_by_clients(srv):
    clients = [client(srv) for _ in range(4)]
    limiters = [c.register_script(SLIDING_WINDOW) for c in clients]
    admitted = [[] for _ in clients]

    def burst(i, now, tries):
        for n in range(tries):
            ok, _ = limiters[i](keys=["rl:user"], args=[now, 1000, 10, f"{now}:{i}:{n}"])
            if ok:
                admitted[i].append(n)

    def run_burst(now, tries):
        threads = [threading.Thread(target=burst, args=(i, now, tries)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = sum(len(a) for a in admitted)
        for a in admitted:
            a.clear()
        return total

    r = clients[0]
    assert run_burst(1_000_000, 25) == 10  # 100 tries, 10 admitted
    assert r.zcard("rl:user") == 10
    assert limiters[1](keys=["rl:user"], args=[1_000_500, 1000, 10, "late"]) == [0, 10]
    assert run_burst(1_001_000, 5) == 10  # the first burst is exactly one window old: dropped
    assert r.zrange("rl:user", 0, -1, withscores=True)[0][1] == 1_001_000
    assert limiters[2](keys=["rl:user"], args=[1_001_999, 1000, 12, "x"]) == [1, 11]
    assert limiters[3](keys=["rl:user"], args=[1_002_000, 1000, 12, "y"]) == [1, 2]  # "x", "y"
    assert r.zrange("rl:user", 0, -1) == [b"x", b"y"]
    assert 0 < r.pttl("rl:user") <= 1000
    assert r.script_exists(limiters[0].sha) == [True]


def _node_lines(port):
    return [json.loads(line) for line in run_node("script_client.js", "ioredis", port, 30).splitlines()]


def test_ioredis_define_command(srv):
    lines = _node_lines(srv.port)
    assert lines[:4] == [["push", [1, ["a"]]], ["push", [2, ["a", "b"]]],
                         ["push", [3, ["a", "b", "c"]]], ["push", [4, ["b", "c", "d"]]]]
    assert lines[4:8] == [["pipeline", [[4, ["c", "d", "e"]], [4, ["e", "f"]]]],
                          ["exists", [1]], ["after flush", [3, ["f", "g"]]], ["exists again", [1]]]
    assert lines[8] == ["error", "ERR cap must be a positive integer"]
    assert lines[9:] == [["sum", 12]]
    assert client(srv).lrange("recent", 0, -1) == [b"f", b"g", b"h"]
