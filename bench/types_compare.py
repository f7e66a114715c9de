#!/usr/bin/env python3
"""cachet-server vs redis-server on list and set commands under the same load generator.

Rows: LPUSH, RPUSH, LPOP, RPOP, SADD, SPOP, LRANGE_100, LRANGE_300 at pipeline 1 and 16, 50
clients; requests/s from the load generator (redis-benchmark, or bench/pipe_load with
--loadgen pipe_load), server CPU seconds per million requests from /proc/PID/stat (helpers of
bench/redis_compare.py). Before every run the server is flushed and
given the same starting data, outside the measured interval:
- LPUSH, RPUSH, SADD start empty (SADD members element:__rand_int__ over a 1M space);
- LPOP, RPOP, SPOP start with as many elements as the run has requests, so no pop is a miss;
- LRANGE_N starts with the list `redis-benchmark -t lrange_N` would build (one LPUSH of a 3-byte
  value per request), then runs its `LRANGE mylist 0 N-1` as a custom command, so the LPUSH
  fill that -t would time inside the same run stays out of the LRANGE CPU figure.
Cells alternate servers, are repeated, and the medians are reported with ratios cachet/redis.
Usage: bench/types_compare.py [--repeat 3] [--requests 1000000] [--threads N]
[--loadgen redis-benchmark|pipe_load] [--tests lpush,rpop,...] [--list-compress-depth 0]
"""
import argparse
import os
import pathlib
import shlex
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402
import types_memory as tm  # noqa: E402

TESTS = ("lpush", "rpush", "lpop", "rpop", "sadd", "spop", "lrange_100", "lrange_300")
PIPELINES = (1, 16)
VALUE = b"xxx"  # redis-benchmark's default 3-byte value


def requests_for(test, pipeline, requests):
    """Requests per run: `requests` at pipeline 16, 1/8 of it at pipeline 1, LRANGE 1/10 more."""
    n = requests if pipeline == 16 else requests // 8
    return n // 10 if test.startswith("lrange") else n


def prepare(port, test, n):
    """Flush the server and load the starting data of `test` for a run of n requests."""
    commands = [tm.resp("FLUSHALL")]
    if test in ("lpop", "rpop") or test.startswith("lrange"):
        commands += tm.batched("LPUSH", "mylist", [VALUE] * n)
    elif test == "spop":
        commands += tm.batched("SADD", "myset", [b"element:%012d" % i for i in range(n)])
    tm.pipe(port, commands)


def run(port, test, pipeline, n):
    if test.startswith("lrange"):
        last = int(test.split("_")[1]) - 1
        return rc.run_command(port, ["LRANGE", "mylist", "0", str(last)], pipeline, n)
    return rc.run_load(port, test, pipeline, n)


def measure(server, test, pipeline, n, prepare_fn=None, run_fn=None):
    """(requests/s, server CPU s per million requests) of one prepared run (`prepare_fn` and
    `run_fn` default to this script's prepare() and run())."""
    proc, port = server
    (prepare_fn or prepare)(port, test, n)
    before = rc.cpu_seconds(proc.pid)
    rps = (run_fn or run)(port, test, pipeline, n)
    return rps, (rc.cpu_seconds(proc.pid) - before) / n * 1e6


def collect(servers, repeat, requests, tests=TESTS):
    """(server, test, pipeline) -> list of measure() results, servers alternating."""
    results = {}
    for pipeline in PIPELINES:
        for test in tests:
            n = requests_for(test, pipeline, requests)
            for rep in range(repeat):
                for name in (["redis", "cachet"] if rep % 2 == 0 else ["cachet", "redis"]):
                    results.setdefault((name, test, pipeline), []).append(
                        measure(servers[name], test, pipeline, n))
    return results


def report(results, opts):
    print(f"Command: `{shlex.join(['python3', 'bench/types_compare.py'] + sys.argv[1:])}`")
    print(f"{rc.loadgen}, 50 clients, median of {opts.repeat}; requests per run: "
          f"{opts.requests:,} at pipeline 16, {opts.requests // 8:,} at pipeline 1, LRANGE 1/10 "
          f"of that; cachet threads={opts.threads or os.cpu_count()}, {os.cpu_count()} cores")
    print("| command | pipeline | redis req/s | cachet req/s | ratio | "
          "redis CPU s/M req | cachet CPU s/M req | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for pipeline in PIPELINES:
        for test in opts.tests:
            red, cac = (results[(name, test, pipeline)] for name in ("redis", "cachet"))
            r_rps, c_rps = (statistics.median(x[0] for x in v) for v in (red, cac))
            r_cpu, c_cpu = (statistics.median(x[1] for x in v) for v in (red, cac))
            print(f"| {test.upper()} | {pipeline} | {r_rps:,.0f} | {c_rps:,.0f} | "
                  f"{c_rps / r_rps:.2f}x | {r_cpu:.2f} | {c_cpu:.2f} | {c_cpu / r_cpu:.2f}x |")


def main():
    parser = argparse.ArgumentParser()
    rc.add_comparison_options(parser, servers=False)
    parser.add_argument("--tests", type=lambda s: s.split(","), default=list(TESTS),
                        help=f"comma-separated subset of {','.join(TESTS)}")
    parser.add_argument("--list-compress-depth", type=int, default=0,
                        help="list-compress-depth of both servers")
    opts = parser.parse_args()
    if unknown := set(opts.tests) - set(TESTS):
        parser.error(f"unknown tests: {', '.join(sorted(unknown))}")
    rc.use_loadgen(opts.loadgen)
    extra = ["--list-compress-depth", str(opts.list_compress_depth)]
    servers = {"redis": rc.start_redis(extra), "cachet": rc.start_cachet(opts.threads, extra)}
    try:
        results = collect(servers, opts.repeat, opts.requests, opts.tests)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    report(results, opts)


if __name__ == "__main__":
    main()
