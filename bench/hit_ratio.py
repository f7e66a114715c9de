#!/usr/bin/env python3
"""Hit ratio of cachet-server vs redis-server under maxmemory, on the same seeded traces.

For each server and policy: start it, load CAPACITY keys (10% of the key space) to measure the
memory that many keys take by the server's own maxmemory accounting, flush, set maxmemory to it,
then replay each trace with bench/hit_ratio (GET; on a miss SET). Every run sees the identical
trace (same seed). Usage: bench/hit_ratio.py [--keyspace 10000000] [--requests 5000000]
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
VALUE_BYTES = 100


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *map(str, args)], capture_output=True,
                          text=True, check=True).stdout


def info_field(port, section, field):
    for line in cli(port, "INFO", section).splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":")[1])
    raise KeyError(field)


def calibrate(port, metric, capacity):
    """maxmemory that holds `capacity` keys, by the server's own accounting (`metric`)."""
    before = info_field(port, "memory", metric)
    commands = "".join(f"SET key:{i} {'v' * VALUE_BYTES}\r\n" for i in range(capacity))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=commands, text=True,
                   capture_output=True, check=True)
    after = info_field(port, "memory", metric)
    cli(port, "FLUSHALL")
    return (after - before) + (before if metric == "used_memory" else 0)


def run(server, metric, policy, samples, trace, opts):
    proc, port = server()
    try:
        if policy != "unbounded":
            limit = calibrate(port, metric, opts.keyspace // 10)
            cli(port, "CONFIG", "SET", "maxmemory", limit)
        if policy != "unbounded":
            cli(port, "CONFIG", "SET", "maxmemory-policy", policy)
        if samples:
            cli(port, "CONFIG", "SET", "maxmemory-samples", samples)
        out = subprocess.run([str(REPLAY), str(port), trace, "42", str(opts.requests),
                              str(opts.keyspace), str(VALUE_BYTES)],
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
    opts = parser.parse_args()
    # An unbounded cache misses only on first sight: the compulsory misses no policy can avoid.
    runs = [("cachet", lambda: rc.start_cachet(0), "used_memory_dataset", "unbounded", 0)]
    runs += [("redis", rc.start_redis, "used_memory", p, 0) for p in ("allkeys-lru", "allkeys-lfu")]
    runs += [("cachet", lambda: rc.start_cachet(0), "used_memory_dataset", p, opts.cachet_samples)
             for p in opts.cachet_policies.split(",")]
    print(f"key space {opts.keyspace:,}, {opts.requests:,} requests, cache holds 10% of the keys, "
          f"{VALUE_BYTES}-byte values, seed 42")
    print("| trace | server | policy | hit ratio | misses |")
    print("|---|---|---|---|---|")
    for trace in TRACES:
        for name, server, metric, policy, samples in runs:
            r = run(server, metric, policy, samples, trace, opts)
            print(f"| {trace} | {name} | {policy} | {float(r['hit_ratio']):.4f} | "
                  f"{int(r['misses']):,} |", flush=True)


if __name__ == "__main__":
    main()
