#!/usr/bin/env python3
"""What ACL checks cost: GET/SET throughput as the default user (allowed everything: no checks)
and as a restricted ACL user, cachet-server vs redis-server, same load generator in one run.

The restricted user is `on >pw ~key:* &* +@all -@dangerous`: every command is checked against its
command bits and its key against the pattern (redis-benchmark's keys are `key:<n>`). Load:
redis-benchmark, 50 clients, 1M-key space, pipeline 1 and 16 (`--user app -a pw` for the ACL
rows). Cells alternate servers and users and are repeated; medians are reported with server CPU
seconds per million requests. Servers as in bench/redis_compare.py.
Usage: bench/acl_compare.py [--repeat 3] [--requests 1000000] [--threads N]
"""
import argparse
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402

RULES = ["on", ">pw", "~key:*", "&*", "+@all", "-@dangerous"]


def run_load(port, test, pipeline, requests, acl):
    auth = ["--user", "app", "-a", "pw"] if acl else []
    out = subprocess.run(
        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), *auth, "-t", test, "-n",
         str(requests), "-c", "50", "-P", str(pipeline), "-r", "1000000", "--csv"],
        capture_output=True, text=True, check=True).stdout
    row = [line for line in out.splitlines() if line.startswith(f'"{test.upper()}"')][0]
    return float(row.split(",")[1].strip('"'))


def measure(server, test, pipeline, acl, requests):
    proc, port = server
    before = rc.cpu_seconds(proc.pid)
    rps = run_load(port, test, pipeline, requests, acl)
    return rps, (rc.cpu_seconds(proc.pid) - before) / requests * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=0)
    opts = parser.parse_args()
    servers = {"redis": rc.start_redis(), "cachet": rc.start_cachet(opts.threads)}
    cells = [(t, p, acl) for t in ("set", "get") for p in (1, 16) for acl in (False, True)]
    results = {(n, *c): [] for n in servers for c in cells}
    try:
        for _, port in servers.values():
            subprocess.run(["redis-cli", "-p", str(port), "ACL", "SETUSER", "app", *RULES],
                           check=True, capture_output=True)
        for _ in range(opts.repeat):
            for cell in cells:
                for name, server in servers.items():
                    results[(name, *cell)].append(measure(server, *cell, opts.requests))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    print(f"redis-benchmark, 50 clients, 1M-key space, median of {opts.repeat}")
    print("| command | pipeline | user | redis req/s | cachet req/s | ratio | redis CPU s/M | "
          "cachet CPU s/M |")
    print("|---|---|---|---|---|---|---|---|")
    for test, pipeline, acl in cells:
        med = {n: [statistics.median(x) for x in zip(*results[(n, test, pipeline, acl)])]
               for n in servers}
        user = "app (checked)" if acl else "default"
        print(f"| {test.upper()} | {pipeline} | {user} | {med['redis'][0]:,.0f} | "
              f"{med['cachet'][0]:,.0f} | {med['cachet'][0] / med['redis'][0]:.2f}x | "
              f"{med['redis'][1]:.1f} | {med['cachet'][1]:.1f} |")


if __name__ == "__main__":
    main()
