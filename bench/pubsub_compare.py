#!/usr/bin/env python3
"""cachet-server vs redis-server on Pub/Sub fan-out under the same load generator.

bench/pubsub_load (built with the release preset) opens SUBSCRIBERS connections subscribed to
one channel and one publisher connection sending PUBLISH (32-byte payload) in pipelined batches
of 16; one thread drains every subscriber with epoll. Rows: 1, 100 and 1,000 subscribers, with
the message count chosen so each run delivers about 2M messages. Reported per server: deliveries
per second (first PUBLISH sent to last message byte received) and server CPU microseconds
(utime+stime from /proc/PID/stat) per delivered message; then the ratios cachet/redis. Cells
alternate servers and are repeated; medians are reported. Servers as in bench/redis_compare.py:
redis-server with its defaults, cachet with --threads N (0: one per core).
Usage: bench/pubsub_compare.py [--repeat 5] [--threads N]
"""
import argparse
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402

LOAD = rc.ROOT / "build/release/bin/pubsub_load"
SUBSCRIBERS = (1, 100, 1000)
DELIVERIES = 2_000_000


def run(server, subscribers):
    """(deliveries per second, server CPU µs per delivery) of one run."""
    proc, port = server
    messages = min(DELIVERIES // subscribers, 300_000)
    before = rc.cpu_seconds(proc.pid)
    out = subprocess.run([str(LOAD), str(port), str(subscribers), str(messages), "16", "32"],
                         capture_output=True, text=True, check=True).stdout
    cpu = rc.cpu_seconds(proc.pid) - before
    fields = dict(f.split("=") for f in out.split())
    return float(fields["deliveries_per_sec"]), cpu / int(fields["deliveries"]) * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    opts = parser.parse_args()
    servers = {"redis": rc.start_redis(), "cachet": rc.start_cachet(opts.threads)}
    results = {(name, n): [] for name in servers for n in SUBSCRIBERS}
    try:
        for _ in range(opts.repeat):
            for n in SUBSCRIBERS:
                for name, server in servers.items():
                    results[(name, n)].append(run(server, n))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    print(f"| subscribers | redis deliveries/s | cachet deliveries/s | ratio | redis CPU µs/delivery"
          f" | cachet CPU µs/delivery | ratio |  (medians of {opts.repeat})")
    print("|---|---|---|---|---|---|---|")
    for n in SUBSCRIBERS:
        med = {name: (statistics.median(r[0] for r in results[(name, n)]),
                      statistics.median(r[1] for r in results[(name, n)])) for name in servers}
        (rr, rc_), (cr, cc) = med["redis"], med["cachet"]
        print(f"| {n} | {rr:,.0f} | {cr:,.0f} | {cr / rr:.2f}x | {rc_:.3f} | {cc:.3f} |"
              f" {cc / rc_:.2f}x |")


if __name__ == "__main__":
    main()
