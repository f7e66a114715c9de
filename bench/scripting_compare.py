#!/usr/bin/env python3
"""Lua scripting throughput, cachet-server vs redis-server, same load generator in one run.

Both servers SCRIPT LOAD the same two scripts; the load generator (redis-benchmark, or
bench/pipe_load with --loadgen pipe_load; 50 clients, `-r 100000`) then sends EVALSHA with random keys (every `__rand_int__` is drawn on its own, so keys are in practice
disjoint between clients):
- ratelimit: INCR KEYS[1], EXPIRE it ARGV[1] seconds on the first hit, return the count;
  `EVALSHA <sha> 1 rl:__rand_int__ 10`;
- read10: 10 GETs over 10 keys (an MGET in Lua), `EVALSHA <sha> 10 key:__rand_int__ x10`, over
  keys filled first with `redis-benchmark -t set -r 100000`.
Each at pipeline 1 and 16; then the rate limiter at pipeline 16 on a second cachet started with
--threads 1, against the first one's --threads N (Redis runs every script on one thread).
Cells alternate servers and are repeated; medians are reported with server CPU seconds per
million requests. Servers as in bench/redis_compare.py.
Usage: bench/scripting_compare.py [--repeat 3] [--requests 1000000] [--threads N]
[--loadgen redis-benchmark|pipe_load]
"""
import argparse
import os
import pathlib
import shlex
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402

KEYSPACE = 100_000
SCRIPTS = {
    "ratelimit": "local n = redis.call('INCR', KEYS[1]) "
                 "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n",
    "read10": "local r = {} for i, k in ipairs(KEYS) do r[i] = redis.call('GET', k) end "
              "return r",
}
KEYS = {"ratelimit": ["1", "rl:__rand_int__", "10"],
        "read10": ["10", *["key:__rand_int__"] * 10]}


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def prepare(port):
    """Fills the read10 keys and loads the scripts; returns {script name: sha}."""
    subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "set", "-r",
                    str(KEYSPACE), "-n", "300000", "-P", "16", "-q"], check=True,
                   capture_output=True)
    return {name: cli(port, "SCRIPT", "LOAD", body) for name, body in SCRIPTS.items()}


def measure(server, command, pipeline, requests):
    proc, port = server
    before = rc.cpu_seconds(proc.pid)
    rps = rc.run_command(port, command, pipeline, requests, KEYSPACE)
    return rps, (rc.cpu_seconds(proc.pid) - before) / requests * 1e6


def check_script(port, sha):
    """The rate limiter counts: two calls on one fresh key answer 1 then 2."""
    key = "rl:check"
    cli(port, "DEL", key)
    got = [cli(port, "EVALSHA", sha, "1", key, "10") for _ in range(2)]
    if got != ["1", "2"] or int(cli(port, "TTL", key)) <= 0:
        sys.exit(f"rate limiter misbehaves on port {port}: {got}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1_000_000, help="per cell at pipeline 16")
    parser.add_argument("--threads", type=int, default=0, help="cachet worker threads (0: cores)")
    rc.add_loadgen_option(parser)
    opts = parser.parse_args()
    rc.use_loadgen(opts.loadgen)
    threads = opts.threads or os.cpu_count()
    servers = {"redis": rc.start_redis(), "cachet": rc.start_cachet(threads),
               "cachet-1": rc.start_cachet(1)}
    cells = [(name, s, p) for s in SCRIPTS for p in (1, 16) for name in ("redis", "cachet")]
    cells.append(("cachet-1", "ratelimit", 16))
    results = {}
    try:
        shas = {name: prepare(port) for name, (_, port) in servers.items()}
        for name, (_, port) in servers.items():
            check_script(port, shas[name]["ratelimit"])
        for _ in range(opts.repeat):
            for name, script, pipeline in cells:
                requests = opts.requests if pipeline > 1 else opts.requests // 5
                command = ["EVALSHA", shas[name][script], *KEYS[script]]
                results.setdefault((name, script, pipeline), []).append(
                    measure(servers[name], command, pipeline, requests))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    med = {cell: [statistics.median(x) for x in zip(*runs)] for cell, runs in results.items()}
    print(f"Command: `{shlex.join(['python3', 'bench/scripting_compare.py'] + sys.argv[1:])}`")
    print(f"{rc.loadgen} EVALSHA, 50 clients, {KEYSPACE:,}-key space, median of "
          f"{opts.repeat}; cachet threads={threads}, {os.cpu_count()} cores")
    print("| script | pipeline | redis req/s | cachet req/s | throughput ratio | "
          "redis CPU s/M req | cachet CPU s/M req | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for script in SCRIPTS:
        for pipeline in (1, 16):
            (r_rps, r_cpu), (c_rps, c_cpu) = (med[(n, script, pipeline)]
                                              for n in ("redis", "cachet"))
            print(f"| {script} | {pipeline} | {r_rps:,.0f} | {c_rps:,.0f} | "
                  f"{c_rps / r_rps:.2f}x | {r_cpu:.2f} | {c_cpu:.2f} | {c_cpu / r_cpu:.2f}x |")
    print("\nratelimit, pipeline 16, by cachet worker threads")
    print("| cachet threads | req/s | CPU s/M req | vs redis |")
    print("|---|---|---|---|")
    r_rps = med[("redis", "ratelimit", 16)][0]
    for name, n in (("cachet-1", 1), ("cachet", threads)):
        rps, cpu = med[(name, "ratelimit", 16)]
        print(f"| {n} | {rps:,.0f} | {cpu:.2f} | {rps / r_rps:.2f}x |")


if __name__ == "__main__":
    main()
