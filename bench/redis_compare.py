#!/usr/bin/env python3
"""cachet-server vs redis-server under the same load generator, in one run.

For each server, pipeline depth and command (SET, GET): the load generator with 50 clients over a
1M-key space; requests/s from the load generator, server CPU seconds per million requests from
/proc/PID/stat. Each cell is repeated (servers alternating) and the median reported, with the
ratio cachet/redis.

The load generator (--loadgen, here and in the scripts built on run_load and run_command) is
redis-benchmark or bench/pipe_load, which sends the same commands (TEST_COMMANDS for
redis-benchmark's -t tests) but spends far less CPU per reply, so that on a small machine it
leaves more of the cores to the servers; it also fails on any error reply.
Usage: bench/redis_compare.py [--repeat 3] [--threads N] [--loadgen redis-benchmark|pipe_load]
"""
import argparse
import os
import pathlib
import socket
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CACHET = ROOT / "build/release/bin/cachet-server"
PIPE_LOAD = ROOT / "build/release/bin/pipe_load"
LOADGENS = ("redis-benchmark", "pipe_load")
# What redis-benchmark 7.0.15 sends for its -t tests with -r (read with MONITOR); "VXK" is its
# default 3-byte value.
TEST_COMMANDS = {
    "set": ["SET", "key:__rand_int__", "VXK"],
    "get": ["GET", "key:__rand_int__"],
    "lpush": ["LPUSH", "mylist", "VXK"],
    "rpush": ["RPUSH", "mylist", "VXK"],
    "lpop": ["LPOP", "mylist"],
    "rpop": ["RPOP", "mylist"],
    "sadd": ["SADD", "myset", "element:__rand_int__"],
    "spop": ["SPOP", "myset"],
    "zadd": ["ZADD", "myzset", "__rand_int__", "element:__rand_int__"],
    "zpopmin": ["ZPOPMIN", "myzset"],
}
loadgen = LOADGENS[0]  # the load generator of run_load and run_command; set by use_loadgen()
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(proc, stream, marker):
    for line in stream:
        if marker in line:
            return
    sys.exit(f"server exited ({proc.wait()}) before printing '{marker}'")


def start_redis(extra=()):
    """redis-server on a free port; `extra` are more options (["--name", "value", ...])."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", *extra],
                            stdout=subprocess.PIPE, text=True)
    wait_for(proc, proc.stdout, "Ready to accept connections")
    return proc, port


def start_cachet(threads, extra=()):
    """cachet-server on a free port with `threads` workers (0: its default); `extra` as above."""
    port = free_port()
    args = [str(CACHET), "--port", str(port)] + (["--threads", str(threads)] if threads else [])
    proc = subprocess.Popen(args + list(extra), stderr=subprocess.PIPE, text=True)
    wait_for(proc, proc.stderr, "ready to accept connections")
    return proc, port


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def add_comparison_options(parser, servers=True):
    """The options of the throughput comparisons (types, zsets, streams): --repeat, --requests,
    --threads, (if `servers`) --servers, and --loadgen."""
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1_000_000,
                        help="requests per run at pipeline 16 (see requests_for)")
    parser.add_argument("--threads", type=int, default=0, help="cachet worker threads (0: cores)")
    if servers:
        parser.add_argument("--servers", default="redis,cachet", help="comma-separated subset")
    add_loadgen_option(parser)


def memory_comparison():
    """The options of the memory comparisons (--scale, --repeat, --servers) as parsed, and the
    starters of the servers they name (cachet with its default threads)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--servers", default="redis,cachet", help="comma-separated subset")
    opts = parser.parse_args()
    starters = {"redis": start_redis, "cachet": lambda: start_cachet(0)}
    return opts, {name: starters[name] for name in opts.servers.split(",")}


def add_loadgen_option(parser):
    parser.add_argument("--loadgen", choices=LOADGENS, default=LOADGENS[0],
                        help="load generator (default redis-benchmark)")


def use_loadgen(name):
    """Makes `name` (one of LOADGENS) the load generator of run_load and run_command."""
    global loadgen
    loadgen = name


def run_command(port, argv, pipeline, requests, keyspace=None, extra=()):
    """requests/s of the load generator sending the command `argv` `requests` times from 50
    clients, each __rand_int__ drawn from [0, keyspace) (None: sent literally); `extra` are more
    redis-benchmark flags (--tls...), which pipe_load does not take. Exits on a pipe_load error."""
    common = ["-h", "127.0.0.1", "-p", str(port), "-n", str(requests), "-c", "50", "-P",
              str(pipeline)] + (["-r", str(keyspace)] if keyspace else [])
    if loadgen == "redis-benchmark":
        out = subprocess.run(["redis-benchmark", *common, *extra, "--csv", *argv],
                             capture_output=True, text=True, check=True).stdout
        return float(out.splitlines()[-1].split(",")[1].strip('"'))
    if extra:
        sys.exit(f"pipe_load takes no redis-benchmark flags: {extra}")
    done = subprocess.run([str(PIPE_LOAD), *common, *argv], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pipe_load {' '.join(argv)} on port {port}: {done.stderr.strip()}")
    return float(dict(f.split("=") for f in done.stdout.split())["requests_per_sec"])


def run_load(port, test, pipeline, requests, extra=()):
    """requests/s of redis-benchmark's test `test` (or with pipe_load, of the same command) over
    a 1M-key space; `extra` as for run_command."""
    if loadgen == "pipe_load":
        return run_command(port, TEST_COMMANDS[test], pipeline, requests, 1_000_000, extra)
    out = subprocess.run(
        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), *extra, "-t", test, "-n",
         str(requests), "-c", "50", "-P", str(pipeline), "-r", "1000000", "--csv"],
        capture_output=True, text=True, check=True).stdout
    row = [line for line in out.splitlines() if line.startswith(f'"{test.upper()}"')][0]
    return float(row.split(",")[1].strip('"'))


def measure(server, test, pipeline, requests, extra=()):
    proc, port = server
    before = cpu_seconds(proc.pid)
    rps = run_load(port, test, pipeline, requests, extra)
    cpu = cpu_seconds(proc.pid) - before
    return rps, cpu / requests * 1e6


def run_cells(servers, sizes, repeat, extra=()):
    """{(server, test, pipeline): [(req/s, CPU µs/req)...]}: SET and GET at each (pipeline,
    requests) of `sizes`, servers alternating, each cell `repeat` times. Stops the servers."""
    results = {}
    try:
        for pipeline, requests in sizes:
            for test in ("set", "get"):
                for rep in range(repeat):
                    order = ["redis", "cachet"] if rep % 2 == 0 else ["cachet", "redis"]
                    for name in order:
                        r = measure(servers[name], test, pipeline, requests, extra)
                        results.setdefault((name, test, pipeline), []).append(r)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    return results


def report(results, title):
    """Prints the medians of run_cells' results as a markdown table under `title`."""
    print(title)
    print("| test | pipeline | redis req/s | cachet req/s | throughput ratio | "
          "redis CPU s/M req | cachet CPU s/M req | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for pipeline in sorted({p for (_, _, p) in results}):
        for test in ("set", "get"):
            red = results[("redis", test, pipeline)]
            cac = results[("cachet", test, pipeline)]
            r_rps, c_rps = (statistics.median(x[0] for x in v) for v in (red, cac))
            r_cpu, c_cpu = (statistics.median(x[1] for x in v) for v in (red, cac))
            print(f"| {test.upper()} | {pipeline} | {r_rps:,.0f} | {c_rps:,.0f} | "
                  f"{c_rps / r_rps:.2f}x | {r_cpu:.2f} | {c_cpu:.2f} | {c_cpu / r_cpu:.2f}x |")



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="cachet worker threads (0: cores)")
    add_loadgen_option(parser)
    opts = parser.parse_args()
    use_loadgen(opts.loadgen)
    servers = {"redis": start_redis(), "cachet": start_cachet(opts.threads)}
    results = run_cells(servers, ((1, 300_000), (16, 2_000_000)), opts.repeat)
    report(results, f"{loadgen}, 50 clients, 1M-key space, median of {opts.repeat}; "
           f"cachet threads={opts.threads or os.cpu_count()}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
