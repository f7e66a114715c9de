"""bench/pipe_load sends exactly what it claims and fails on error replies (its numbers back the
--loadgen pipe_load tables in docs/benchmarks.md)."""
import re
import subprocess

import redis

from support import ROOT

PIPE_LOAD = str(ROOT / "build/release/bin/pipe_load")


def pipe_load(server, *args):
    """(exit status, stats dict from the output line, stderr) of one pipe_load run."""
    done = subprocess.run([PIPE_LOAD, "-p", str(server.port), *args], capture_output=True,
                          text=True, timeout=60)
    stats = dict(field.split("=") for field in done.stdout.split())
    return done.returncode, stats, done.stderr


def test_sends_exactly_n_requests_with_a_cut_last_batch(server):
    status, stats, _ = pipe_load(server, "-n", "1003", "-c", "7", "-P", "16", "LPUSH", "l", "VXK")
    assert (status, stats["requests"], stats["errors"]) == (0, "1003", "0")
    assert redis.Redis(host="127.0.0.1", port=server.port).llen("l") == 1003


def test_rand_int_is_twelve_digits_in_the_keyspace(server):
    status, _, _ = pipe_load(server, "-n", "1000", "-r", "1", "SET", "k:__rand_int__", "VXK")
    assert status == 0
    client = redis.Redis(host="127.0.0.1", port=server.port)
    assert client.keys("*") == [b"k:000000000000"]
    assert client.get("k:000000000000") == b"VXK"
    status, _, _ = pipe_load(server, "-n", "5000", "-P", "16", "-r", "100", "SADD", "s",
                             "m:__rand_int__", "n:__rand_int__")
    members = client.smembers("s")
    assert status == 0 and 150 < len(members) <= 200
    assert all(re.fullmatch(rb"[mn]:0{10}\d\d", m) for m in members)


def test_counts_nested_replies(server):
    script = "return {redis.call('LRANGE', 'l', 0, -1), {}, false, {1, {'a', 'b'}}, 'x'}"
    redis.Redis(host="127.0.0.1", port=server.port).rpush("l", "a", "b", "c")
    status, stats, _ = pipe_load(server, "-n", "500", "-c", "3", "-P", "16", "EVAL", script, "0")
    assert (status, stats["requests"], stats["errors"]) == (0, "500", "0")


def test_an_error_reply_fails_the_run(server):
    redis.Redis(host="127.0.0.1", port=server.port).set("str", "v")
    status, stats, stderr = pipe_load(server, "-n", "100", "-P", "16", "LPUSH", "str", "x")
    assert status == 1 and stats["errors"] == "100"
    assert "error reply: WRONGTYPE" in stderr
