#!/usr/bin/env python3
"""Hit ratio of cachet-server vs redis-server under maxmemory, on the same seeded traces.

For each server and policy: start it, load CAPACITY keys (10% of the key space) to measure the
memory that many keys take by the server's own maxmemory accounting, flush, set maxmemory to it,
then replay each trace with bench/hit_ratio (GET; on a miss SET). Every run sees the identical
trace (same seed). That compares eviction policies alone.

With --budget bytes every server gets the same memory instead: what 10% of the keys take in
redis-server (the same data bytes for both, without Redis's fixed start-up overhead), as a user
setting one `maxmemory` would; a server that stores keys more compactly then holds more of them.

Usage: bench/hit_ratio.py [--keyspace 10000000] [--requests 5000000] [--budget keys|bytes]
       [--traces zipf:0.99,zipf:0.7,scan:0.99] [--cachet-policies allkeys-lru,...]
       [--value-bytes 100]
"""
import argparse
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402  (server start-up helpers)

ROOT = pathlib.Path(__file__).resolve().parents[1]
REPLAY = ROOT / "build/release/bin/hit_ratio"
TRACES = ["zipf:0.99", "zipf:0.7", "scan:0.99"]


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *map(str, args)], capture_output=True,
                          text=True, check=True).stdout


def info_field(port, section, field):
    for line in cli(port, "INFO", section).splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":")[1])
    raise KeyError(field)


def calibrate(port, metric, capacity, value_bytes):
    """maxmemory that holds `capacity` keys, by the server's own accounting (`metric`)."""
    before = info_field(port, "memory", metric)
    commands = "".join(f"SET key:{i} {'v' * value_bytes}\r\n" for i in range(capacity))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=commands, text=True,
                   capture_output=True, check=True)
    after = info_field(port, "memory", metric)
    cli(port, "FLUSHALL")
    return (after - before) + (before if metric == "used_memory" else 0)


def redis_budget(capacity, value_bytes):
    """Redis's (used_memory with `capacity` keys, its data bytes alone)."""
    proc, port = rc.start_redis()
    try:
        before = info_field(port, "memory", "used_memory")
        total = calibrate(port, "used_memory", capacity, value_bytes)
        return total, total - before
    finally:
        proc.terminate()
        proc.wait()


def run(server, metric, policy, samples, trace, opts, limit=None):
    proc, port = server()
    try:
        if policy != "unbounded":
            if limit is None:
                limit = calibrate(port, metric, opts.keyspace // 10, opts.value_bytes)
            cli(port, "CONFIG", "SET", "maxmemory", limit)
        if policy != "unbounded":
            cli(port, "CONFIG", "SET", "maxmemory-policy", policy)
        if samples:
            cli(port, "CONFIG", "SET", "maxmemory-samples", samples)
        out = subprocess.run([str(REPLAY), str(port), trace, "42", str(opts.requests),
                              str(opts.keyspace), str(opts.value_bytes)],
                             capture_output=True, text=True, check=True).stdout
        return dict(kv.split("=") for kv in out.split())
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keyspace", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=5_000_000)
    parser.add_argument("--cachet-policies", default="allkeys-lru,allkeys-lfu,allkeys-tinylfu")
    parser.add_argument("--cachet-samples", type=int, default=0,
                        help="maxmemory-samples for cachet (0: its default)")
    parser.add_argument("--traces", default=",".join(TRACES))
    parser.add_argument("--value-bytes", type=int, default=100)
    parser.add_argument("--budget", choices=["keys", "bytes"], default="keys",
                        help="keys: each server's maxmemory holds 10%% of the keys by its own "
                             "accounting; bytes: every server gets Redis's memory for them")
    opts = parser.parse_args()
    limits = {"redis": None, "cachet": None}
    if opts.budget == "bytes":
        limits["redis"], limits["cachet"] = redis_budget(opts.keyspace // 10, opts.value_bytes)
    # An unbounded cache misses only on first sight: the compulsory misses no policy can avoid.
    runs = [("cachet", lambda: rc.start_cachet(0), "used_memory_dataset", "unbounded", 0)]
    runs += [("redis", rc.start_redis, "used_memory", p, 0) for p in ("allkeys-lru", "allkeys-lfu")]
    runs += [("cachet", lambda: rc.start_cachet(0), "used_memory_dataset", p, opts.cachet_samples)
             for p in opts.cachet_policies.split(",")]
    budget = ("maxmemory holds 10% of the keys in each server" if opts.budget == "keys" else
              f"maxmemory = what 10% of the keys take in Redis ({limits['cachet']:,} data bytes)")
    print(f"key space {opts.keyspace:,}, {opts.requests:,} requests, {budget}, "
          f"{opts.value_bytes}-byte values, seed 42")
    print("| trace | server | policy | hit ratio | misses |")
    print("|---|---|---|---|---|")
    for trace in opts.traces.split(","):
        for name, server, metric, policy, samples in runs:
            r = run(server, metric, policy, samples, trace, opts, limits[name])
            print(f"| {trace} | {name} | {policy} | {float(r['hit_ratio']):.4f} | "
                  f"{int(r['misses']):,} |", flush=True)


if __name__ == "__main__":
    main()
