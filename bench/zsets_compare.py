#!/usr/bin/env python3
"""cachet-server vs redis-server on sorted-set commands under the same load generator.

Rows, at pipeline 1 and 16 with 50 clients, all on one key `myzset` as redis-benchmark's own
sorted-set tests use:
- ZADD: `redis-benchmark -t zadd` (ZADD myzset __rand_int__ element:__rand_int__, 1M space),
  starting empty, so the set grows during the run;
- ZPOPMIN: `redis-benchmark -t zpopmin`, starting with one member per request (no pop misses);
- ZINCRBY, ZRANK, ZSCORE (member element:__rand_int__), ZRANGE 0 99 WITHSCORES and
  ZRANGEBYSCORE __rand_int__ +inf WITHSCORES LIMIT 0 10 as custom commands with a 10k space,
  each run starting from the same 10k-member set (element:%012d with score i), so every
  member and score they name exists.
Servers, load and CPU measurement are those of bench/redis_compare.py and bench/types_compare.py:
requests/s from the load generator (redis-benchmark, or bench/pipe_load with --loadgen pipe_load,
which sends the same commands), server CPU seconds (utime+stime from /proc/PID/stat) per million
requests. Every run starts from FLUSHALL plus its starting data, loaded outside the measured
interval. Cells alternate servers, are repeated, and the medians are reported with the ratios
cachet/redis. Threads as in types_compare.py: redis-server with its defaults (one thread serving
commands, no io-threads), cachet with --threads N (default 0: cachet's own default, one per core).
A server that rejects a command (e.g. an unknown command) gets that error in its cells instead of
numbers. Usage: bench/zsets_compare.py [--repeat 3] [--requests 1000000] [--threads N]
[--servers redis,cachet] [--loadgen redis-benchmark|pipe_load]
"""
import argparse
import functools
import os
import pathlib
import shlex
import socket
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402
import types_compare as tc  # noqa: E402
import types_memory as tm  # noqa: E402

KEY = "myzset"
SMALL = 10_000  # members of the set the read rows start from, and their __rand_int__ space
PIPELINES = (1, 16)
# test -> (custom command or None for redis-benchmark's -t test, starting data, request divisor)
TESTS = {
    "zadd": (None, "empty", 1),
    "zincrby": (["ZINCRBY", KEY, "1", "element:__rand_int__"], "small", 1),
    "zrank": (["ZRANK", KEY, "element:__rand_int__"], "small", 1),
    "zscore": (["ZSCORE", KEY, "element:__rand_int__"], "small", 1),
    "zrange_100": (["ZRANGE", KEY, "0", "99", "WITHSCORES"], "small", 10),
    "zrangebyscore": (["ZRANGEBYSCORE", KEY, "__rand_int__", "+inf", "WITHSCORES", "LIMIT", "0",
                       "10"], "small", 2),
    "zpopmin": (None, "per_request", 1),
}
LABELS = {"zrange_100": "ZRANGE 0 99 WITHSCORES", "zrangebyscore": "ZRANGEBYSCORE LIMIT 0 10"}


def requests_for(test, pipeline, requests):
    """Requests per run: types_compare's count, divided by the test's divisor."""
    return tc.requests_for("", pipeline, requests) // TESTS[test][2]


def member(i):
    return b"element:%012d" % i  # what redis-benchmark makes of element:__rand_int__


@functools.lru_cache(maxsize=4)
def fill_commands(n):
    """FLUSHALL and ZADD myzset of members 0..n-1, member i with score i."""
    pairs = [x for i in range(n) for x in (b"%d" % i, member(i))]
    return [tm.resp("FLUSHALL")] + list(tm.batched("ZADD", KEY, pairs))


def prepare(port, test, n):
    """Flush the server and load the starting data of `test` for a run of n requests."""
    start = TESTS[test][1]
    tm.pipe(port, fill_commands({"empty": 0, "small": SMALL, "per_request": n}[start]))


def probe(port, test):
    """None if the server answers the commands `test` needs without an error, else the error."""
    argv = TESTS[test][0] or (["ZPOPMIN", KEY] if test == "zpopmin" else None)
    commands = [["ZADD", KEY, "0", member(0)]] + ([argv] if argv else [])
    with socket.create_connection(("127.0.0.1", port)) as s, s.makefile("rb") as f:
        for command in commands:
            s.sendall(tm.resp(*(a.replace("__rand_int__", "0" * 12) if isinstance(a, str) else a
                                for a in command)))
            first = f.readline()
            if first.startswith(b"-"):
                return first[1:].decode().strip()
            skip_reply(f, first)
    return None


def skip_reply(f, first):
    """Reads the rest of the RESP2 reply whose first line is `first`."""
    kind, rest = first[:1], first[1:].strip()
    if kind == b"$" and int(rest) >= 0:
        f.read(int(rest) + 2)
    elif kind == b"*":
        for _ in range(max(0, int(rest))):
            skip_reply(f, f.readline())


def run(port, test, pipeline, n):
    argv = TESTS[test][0]
    if argv is None:
        return rc.run_load(port, test, pipeline, n)
    return rc.run_command(port, argv, pipeline, n, keyspace=SMALL)


def collect(servers, repeat, requests, tests=tuple(TESTS), family=None):
    """(server, test, pipeline) -> list of measure() results or an error string. `family` is the
    module whose probe, requests_for, prepare and run define the tests (default: this one's, so
    streams_compare.py reuses the loop)."""
    family = family or sys.modules[__name__]
    results = {}
    for name, (_, port) in servers.items():
        for test in tests:
            error = family.probe(port, test)
            if error:
                print(f"{name}: {test.upper()} not measured: {error}", file=sys.stderr)
                results.update({(name, test, p): error for p in PIPELINES})
    for pipeline in PIPELINES:
        for test in tests:
            n = family.requests_for(test, pipeline, requests)
            for rep in range(repeat):
                for name in list(servers)[::1 if rep % 2 == 0 else -1]:
                    cell = results.setdefault((name, test, pipeline), [])
                    if isinstance(cell, list):
                        cell.append(tc.measure(servers[name], test, pipeline, n, family.prepare,
                                               family.run))
    return results


def medians(cell):
    """(median req/s, median CPU) of a cell's runs, or None for a missing or failed cell."""
    if not isinstance(cell, list):
        return None
    return tuple(statistics.median(r[i] for r in cell) for i in (0, 1))


def cell(red, cac, i, form):
    """'redis | cachet | ratio' of medians()[i], n/a where a server has no figure."""
    text = [form.format(m[i]) if m else "n/a" for m in (red, cac)]
    return " | ".join(text + [f"{cac[i] / red[i]:.2f}x" if red and cac else "n/a"])


def report(results, opts):
    threads = opts.threads or f"cachet's default ({os.cpu_count()}, one per core)"
    print(f"Command: `{shlex.join(['python3', 'bench/zsets_compare.py'] + sys.argv[1:])}`")
    print(f"{rc.loadgen}, 50 clients, one key, median of {opts.repeat}; requests per run: "
          f"{opts.requests:,} at pipeline 16, {opts.requests // 8:,} at pipeline 1, ZRANGE 1/10 "
          f"and ZRANGEBYSCORE 1/2 of that; redis-server 1 thread (defaults, no io-threads), "
          f"cachet threads: {threads}; {os.cpu_count()} cores shared with {rc.loadgen}")
    print()
    print("| command | pipeline | redis req/s | cachet req/s | ratio | "
          "redis CPU s/M req | cachet CPU s/M req | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for pipeline in PIPELINES:
        for test in TESTS:
            red, cac = (medians(results.get((n, test, pipeline))) for n in ("redis", "cachet"))
            cells = [cell(red, cac, 0, "{:,.0f}"), cell(red, cac, 1, "{:.2f}")]
            print(f"| {LABELS.get(test, test.upper())} | {pipeline} | {' | '.join(cells)} |")
    errors = {f"{name}: {test.upper()}: {v}" for (name, test, _), v in results.items()
              if isinstance(v, str)}
    errors |= {f"{name}: not run (--servers)" for name in ("redis", "cachet")
               if name not in opts.servers.split(",")}
    if errors:
        print()
    for line in sorted(errors):
        print(f"- n/a: {line}")


def main():
    parser = argparse.ArgumentParser()
    rc.add_comparison_options(parser)
    opts = parser.parse_args()
    rc.use_loadgen(opts.loadgen)
    starters = {"redis": rc.start_redis, "cachet": lambda: rc.start_cachet(opts.threads)}
    servers = {}
    try:
        for name in opts.servers.split(","):
            servers[name] = starters[name]()
        results = collect(servers, opts.repeat, opts.requests)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    report(results, opts)


if __name__ == "__main__":
    main()
