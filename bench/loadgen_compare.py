#!/usr/bin/env python3
"""The load generators' own cost: redis-benchmark vs bench/pipe_load on the same servers.

For each server (redis-server, cachet-server, as bench/redis_compare.py starts them) and each of
redis-benchmark's tests SET, GET, LPUSH, SADD (pipe_load sending the same commands, see
redis_compare.TEST_COMMANDS) at one pipeline depth with 50 clients over a 1M-key space: requests/s,
the load generator's user+system CPU seconds per million requests (getrusage of the waited-for
child) and the server's. Runs alternate the load generators; medians of --repeat are reported.
Usage: bench/loadgen_compare.py [--repeat 3] [--requests 1000000] [--pipeline 16] [--threads N]
"""
import argparse
import os
import pathlib
import resource
import shlex
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402

TESTS = ("set", "get", "lpush", "sadd")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(server, loadgen, test, pipeline, requests):
    """(requests/s, load generator CPU s/M requests, server CPU s/M requests) of one run."""
    proc, port = server
    rc.use_loadgen(loadgen)
    own, served = children_cpu(), rc.cpu_seconds(proc.pid)
    rps = rc.run_load(port, test, pipeline, requests)
    per_m = 1e6 / requests
    return rps, (children_cpu() - own) * per_m, (rc.cpu_seconds(proc.pid) - served) * per_m


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--pipeline", type=int, default=16)
    parser.add_argument("--threads", type=int, default=0, help="cachet worker threads (0: cores)")
    opts = parser.parse_args()
    servers = {"redis": rc.start_redis(), "cachet": rc.start_cachet(opts.threads)}
    results = {}
    try:
        for name, server in servers.items():
            for test in TESTS:
                for rep in range(opts.repeat):
                    for gen in rc.LOADGENS[::1 if rep % 2 == 0 else -1]:
                        results.setdefault((name, test, gen), []).append(
                            measure(server, gen, test, opts.pipeline, opts.requests))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    print(f"Command: `{shlex.join(['python3', 'bench/loadgen_compare.py'] + sys.argv[1:])}`")
    print(f"pipeline {opts.pipeline}, 50 clients, 1M-key space, {opts.requests:,} requests per "
          f"run, median of {opts.repeat}; {os.cpu_count()} cores")
    print()
    print("| server | command | redis-benchmark req/s | pipe_load req/s | redis-benchmark CPU "
          "s/M req | pipe_load CPU s/M req | loadgen CPU ratio | server CPU s/M req (rb, pl) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in servers:
        for test in TESTS:
            rb, pl = ([statistics.median(x) for x in zip(*results[(name, test, gen)])]
                      for gen in rc.LOADGENS)
            print(f"| {name} | {test.upper()} | {rb[0]:,.0f} | {pl[0]:,.0f} | {rb[1]:.2f} | "
                  f"{pl[1]:.2f} | {pl[1] / rb[1]:.2f}x | {rb[2]:.2f}, {pl[2]:.2f} |")


if __name__ == "__main__":
    main()
