#!/usr/bin/env python3
"""cachet-server vs redis-server over TLS under the same redis-benchmark load, in one run.

Both servers listen on a TLS port only (`--port 0 --tls-port P`) with the same certificate (EC
P-256, made by the openssl CLI as in tests/integration/support.py) and tls-auth-clients no;
redis-benchmark --tls --cacert drives them with 50 clients over a 1M-key space, SET and GET at
pipeline 1 and 16. Servers as in bench/redis_compare.py (Redis with its defaults, one I/O
thread; cachet --threads N, 0: one per core). Cells alternate servers and repeat; medians of
requests/s and server CPU seconds per million requests, and the ratios cachet/redis.
Usage: bench/tls_compare.py [--repeat 3] [--threads N]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests/integration"))
import redis_compare as rc  # noqa: E402
from support import Certs  # noqa: E402


def tls_args(certs, port):
    return ["--port", "0", "--tls-port", str(port), "--tls-cert-file", certs["server.crt"],
            "--tls-key-file", certs["server.key"], "--tls-ca-cert-file", certs["ca.crt"],
            "--tls-auth-clients", "no"]


def start(certs, name, threads):
    port = rc.free_port()
    if name == "redis":
        cmd = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               *tls_args(certs, port)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        rc.wait_for(proc, proc.stdout, "Ready to accept connections")
    else:
        cmd = [str(rc.CACHET), *tls_args(certs, port)] + (["--threads", str(threads)] if threads
                                                          else [])
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        rc.wait_for(proc, proc.stderr, "ready to accept connections")
    return proc, port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="cachet worker threads (0: cores)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        certs = Certs(pathlib.Path(d))
        servers = {name: start(certs, name, opts.threads) for name in ("redis", "cachet")}
        results = rc.run_cells(servers, ((1, 100_000), (16, 1_000_000)), opts.repeat,
                               ["--tls", "--cacert", certs["ca.crt"]])
    rc.report(results, f"redis-benchmark --tls, 50 clients, 1M-key space, median of "
              f"{opts.repeat}; cachet threads={opts.threads or os.cpu_count()}, "
              f"{os.cpu_count()} cores")


if __name__ == "__main__":
    main()
