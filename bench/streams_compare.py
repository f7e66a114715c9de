#!/usr/bin/env python3
"""cachet-server vs redis-server on stream commands under the same load generator.

Rows, at pipeline 1 and 16 with 50 clients, all on one key `mystream` (redis-benchmark has no
stream tests of its own, so every row is a custom command, sent alike by both load generators):
- XADD mystream * field __rand_int__ (1M space), starting empty, so the stream grows;
- XADD mystream MAXLEN ~ 1000 * field __rand_int__, starting empty: a capped stream, as BullMQ
  keeps its events stream;
- XLEN, XRANGE - + COUNT 10, XREVRANGE + - COUNT 10 and XREAD COUNT 10 STREAMS mystream 0-0 (the
  first 10 entries every time), each run starting from the same 10k-entry stream (IDs 1-0 ..
  10000-0, one pair `field` <12 digits>);
- XREADGROUP GROUP g c COUNT 1 STREAMS mystream >, starting from a stream of one entry per
  request and the group g at 0, so every request delivers a new entry (and adds it to the PEL).
Servers, load, CPU measurement and the table are those of bench/zsets_compare.py (helpers of
bench/redis_compare.py, bench/types_compare.py, bench/types_memory.py): requests/s from the load
generator (redis-benchmark, or bench/pipe_load with --loadgen pipe_load), server CPU seconds per
million requests; every run starts from FLUSHALL plus its starting data, loaded outside the
measured interval; cells alternate servers, are repeated, medians reported with ratios
cachet/redis. A server whose reply to a row's command is an error gets that error in its cells.
Usage: bench/streams_compare.py [--repeat 3] [--requests 1000000] [--threads N]
[--servers redis,cachet] [--loadgen redis-benchmark|pipe_load] [--tests xadd,xlen,...]
"""
import argparse
import contextlib
import functools
import os
import pathlib
import shlex
import socket
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402
import types_compare as tc  # noqa: E402
import types_memory as tm  # noqa: E402
import zsets_compare as zs  # noqa: E402

KEY = "mystream"
SMALL = 10_000  # entries of the stream the read rows start from
SPACE = 1_000_000  # __rand_int__ space of the XADD values
PIPELINES = (1, 16)
# test -> (command, starting data, request divisor, label)
TESTS = {
    "xadd": (["XADD", KEY, "*", "field", "__rand_int__"], "empty", 1, "XADD * (growing)"),
    "xadd_maxlen": (["XADD", KEY, "MAXLEN", "~", "1000", "*", "field", "__rand_int__"], "empty",
                    1, "XADD MAXLEN ~ 1000 *"),
    "xlen": (["XLEN", KEY], "small", 1, "XLEN"),
    "xrange_10": (["XRANGE", KEY, "-", "+", "COUNT", "10"], "small", 2, "XRANGE - + COUNT 10"),
    "xrevrange_10": (["XREVRANGE", KEY, "+", "-", "COUNT", "10"], "small", 2,
                     "XREVRANGE + - COUNT 10"),
    "xread_10": (["XREAD", "COUNT", "10", "STREAMS", KEY, "0-0"], "small", 2,
                 "XREAD COUNT 10 from 0-0"),
    "xreadgroup": (["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", KEY, ">"],
                   "per_request", 1, "XREADGROUP COUNT 1 >"),
}


def requests_for(test, pipeline, requests):
    """Requests per run: types_compare's count, divided by the test's divisor."""
    return tc.requests_for("", pipeline, requests) // TESTS[test][2]


@functools.lru_cache(maxsize=4)
def fill_commands(n, group):
    """FLUSHALL, XADD mystream of entries 1-0 .. n-0 (field, the 12 digits redis-benchmark
    makes of __rand_int__), and with `group` the consumer group g from the start."""
    commands = [tm.resp("FLUSHALL")]
    commands += [tm.resp("XADD", KEY, b"%d-0" % (i + 1), "field", b"%012d" % i) for i in range(n)]
    return commands + ([tm.resp("XGROUP", "CREATE", KEY, "g", "0")] if group else [])


def prepare(port, test, n):
    """Flush the server and load the starting data of `test` for a run of n requests."""
    start = TESTS[test][1]
    tm.pipe(port, fill_commands({"empty": 0, "small": SMALL, "per_request": n}[start],
                                start == "per_request"))


def probe(port, test):
    """None if the server answers `test`'s command on its starting data without an error (and,
    for XREADGROUP, with an entry), else the error reply."""
    prepare(port, test, 2)
    command = [a.replace("__rand_int__", "0" * 12) for a in TESTS[test][0]]
    with socket.create_connection(("127.0.0.1", port)) as s, s.makefile("rb") as f:
        s.sendall(tm.resp(*command))
        first = f.readline()
        zs.skip_reply(f, first)
    if first.startswith(b"-"):
        return first[1:].decode().strip()
    return "empty reply (nil)" if first.startswith((b"*-1", b"$-1")) else None


def run(port, test, pipeline, n):
    argv = TESTS[test][0]
    return rc.run_command(port, argv, pipeline, n, keyspace=SPACE if "__rand_int__" in argv
                          else None)


def loadavg(triple):
    return " ".join(f"{x:.2f}" for x in triple)


def report(results, opts):
    threads = opts.threads or f"cachet's default ({os.cpu_count()}, one per core)"
    print(f"Command: `{shlex.join(['python3', 'bench/streams_compare.py'] + sys.argv[1:])}`")
    print(f"{rc.loadgen}, 50 clients, one key, median of {opts.repeat}; requests per run: "
          f"{opts.requests:,} at pipeline 16, {opts.requests // 8:,} at pipeline 1, XRANGE, "
          f"XREVRANGE and XREAD 1/2 of that; redis-server 1 thread (defaults, no io-threads), "
          f"cachet threads: {threads}; {os.cpu_count()} cores shared with {rc.loadgen}; "
          f"load average (1, 5, 15 min) before: {loadavg(opts.load_before)}, after: "
          f"{loadavg(os.getloadavg())}")
    print()
    print("| command | pipeline | redis req/s | cachet req/s | ratio | "
          "redis CPU s/M req | cachet CPU s/M req | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for pipeline in PIPELINES:
        for test in opts.tests:
            red, cac = (zs.medians(results.get((n, test, pipeline))) for n in ("redis", "cachet"))
            cells = [zs.cell(red, cac, 0, "{:,.0f}"), zs.cell(red, cac, 1, "{:.2f}")]
            print(f"| {TESTS[test][3]} | {pipeline} | {' | '.join(cells)} |")
    notes = {f"{name}: {TESTS[test][3]}: {v}" for (name, test, _), v in results.items()
             if isinstance(v, str)}
    notes |= {f"{name}: not run (--servers)" for name in ("redis", "cachet")
              if name not in opts.servers.split(",")}
    print("\n" if notes else "", end="")
    for line in sorted(notes):
        print(f"- n/a: {line}")


def main():
    parser = argparse.ArgumentParser()
    rc.add_comparison_options(parser)
    parser.add_argument("--tests", type=lambda s: s.split(","), default=list(TESTS),
                        help=f"comma-separated subset of {','.join(TESTS)}")
    opts = parser.parse_args()
    if unknown := set(opts.tests) - set(TESTS):
        parser.error(f"unknown tests: {', '.join(sorted(unknown))}")
    rc.use_loadgen(opts.loadgen)
    starters = {"redis": rc.start_redis, "cachet": lambda: rc.start_cachet(opts.threads)}
    opts.load_before = os.getloadavg()
    with contextlib.ExitStack() as stack:
        servers = {}
        for name in opts.servers.split(","):
            servers[name] = starters[name]()
            stack.callback(stop, servers[name][0])
        results = zs.collect(servers, opts.repeat, opts.requests, opts.tests,
                             sys.modules[__name__])
    report(results, opts)


def stop(proc):
    proc.terminate()
    proc.wait()


if __name__ == "__main__":
    main()
