#!/usr/bin/env python3
"""What CLIENT TRACKING costs: GET throughput with and without it, cachet-server vs redis-server.

Both servers are filled by the same redis-benchmark SET load (300k SETs over a 100k keyspace),
then bench/tracking_load (built with the release preset) runs 50 RESP3 connections sending
pipelined batches of 16 `GET key:<n>` (uniform over the 100k keys): once plain, once with every
connection in CLIENT TRACKING on (default mode: the server remembers every key each client read).
Cells alternate servers and modes and are repeated; medians are reported, with the throughput
each server loses to tracking in percent. Servers as in bench/redis_compare.py: redis-server with
its defaults, cachet with --threads N (0: one per core).
Usage: bench/tracking_compare.py [--repeat 5] [--requests 1000000] [--threads N]
"""
import argparse
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402

LOAD = rc.ROOT / "build/release/bin/tracking_load"
KEYSPACE = 100_000


def fill(port):
    subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "set", "-r",
                    str(KEYSPACE), "-n", "300000", "-q"], check=True, capture_output=True)


def run(port, tracking, requests):
    out = subprocess.run([str(LOAD), str(port), "50", str(requests), "16", str(KEYSPACE),
                          str(int(tracking))], capture_output=True, text=True, check=True).stdout
    return float(dict(f.split("=") for f in out.split())["requests_per_sec"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=0)
    opts = parser.parse_args()
    servers = {"redis": rc.start_redis(), "cachet": rc.start_cachet(opts.threads)}
    results = {(name, t): [] for name in servers for t in (False, True)}
    try:
        for _, port in servers.values():
            fill(port)
        for _ in range(opts.repeat):
            for tracking in (False, True):
                for name, (_, port) in servers.items():
                    results[(name, tracking)].append(run(port, tracking, opts.requests))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    print(f"| server | GET/s without tracking | GET/s with 50 tracking clients | cost |"
          f"  (medians of {opts.repeat})")
    print("|---|---|---|---|")
    for name in servers:
        plain = statistics.median(results[(name, False)])
        tracked = statistics.median(results[(name, True)])
        print(f"| {name} | {plain:,.0f} | {tracked:,.0f} | {100 * (1 - tracked / plain):.0f}% |")


if __name__ == "__main__":
    main()
