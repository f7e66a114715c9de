#!/usr/bin/env python3
"""What CLIENT TRACKING costs: GET throughput with and without it, cachet-server vs redis-server.

Both servers are filled by the same redis-benchmark SET load (300k SETs over a 100k keyspace),
then bench/tracking_load (built with the release preset) runs 50 RESP3 connections sending
pipelined batches of 16 `GET key:<n>` (uniform over the 100k keys): once plain, once with every
connection in CLIENT TRACKING on (default mode: the server remembers every key each client read).
Cells alternate servers and modes and are repeated; medians are reported, with the throughput
each server loses to tracking in percent. Servers as in bench/redis_compare.py: redis-server with
its defaults, cachet with --threads N (0: one per core).

A second table is BCAST's batching: one RESP3 connection in CLIENT TRACKING on BCAST PREFIX key:
reads its pushes while redis-benchmark runs REQUESTS/2 SETs, -P 16, 50 clients, 1M keys; it
reports SET/s, the pushes the listener got and their bytes (Redis sends one push per prefix per
event-loop turn, so fewer pushes mean bigger batches).
Usage: bench/tracking_compare.py [--repeat 5] [--requests 1000000] [--threads N]
"""
import socket
import threading
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


class BcastListener:
    """A BCAST tracking connection counting the invalidation pushes it reads."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(b"HELLO 3\r\nCLIENT TRACKING on BCAST PREFIX key:\r\nPING\r\n")
        self.pushes, self.bytes, self.data = 0, 0, b""
        self.read_until_pong()
        self.pushes, self.bytes, self.data = 0, 0, b""
        self.thread = threading.Thread(target=self.read_until_pong)

    def read_until_pong(self):
        while not self.data.endswith(b"+PONG\r\n"):
            chunk = self.sock.recv(1 << 20)
            self.bytes += len(chunk)
            tail = self.data[-9:] + chunk
            self.pushes += tail.count(b"invalidate")
            self.data = tail

    def finish(self):
        """Waits for the pushes sent before a PING's reply; returns (pushes, bytes)."""
        self.sock.sendall(b"PING\r\n")
        self.thread.join()
        self.sock.close()
        return self.pushes, self.bytes - len(b"+PONG\r\n")


def bcast_run(port, requests):
    listener = BcastListener(port)
    listener.thread.start()
    sets = rc.run_load(port, "set", 16, requests, ["-r", str(KEYSPACE)])
    pushes, size = listener.finish()
    return sets, pushes, size


def bcast_cells(servers, repeat, requests):
    results = {name: [] for name in servers}
    for _ in range(repeat):
        for name, (_, port) in servers.items():
            results[name].append(bcast_run(port, requests))
    return results


def print_bcast(results, repeat):
    print(f"\n| server | SET/s with a BCAST listener | pushes received | push MB |"
          f"  (medians of {repeat})")
    print("|---|---|---|---|")
    for name, runs in results.items():
        sets, pushes, size = (statistics.median(r[i] for r in runs) for i in range(3))
        print(f"| {name} | {sets:,.0f} | {pushes:,.0f} | {size / 1e6:.1f} |")


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
        bcast = bcast_cells(servers, opts.repeat, opts.requests // 2)
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
    print_bcast(bcast, opts.repeat)


if __name__ == "__main__":
    main()
