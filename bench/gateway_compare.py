#!/usr/bin/env python3
"""cachet's HTTP API against the peers users would pick instead, in one run, same machine, same
load generator (wrk over loopback):

  /json            cachet-gateway  vs  Go net/http + gorilla/mux  vs  nginx (`return 200`)
  GET /v1/kv/{key} cachet-gateway + cachet-server  vs  Go + redigo + redis-server
                   (and, for reference, cachet-server --http-port: one process)

The KV document is the same 1 KB JSON in every store. Prints requests/s and p99 latency (medians
of --repeat runs, servers alternated) and cachet's ratios. Installs its peers (golang-go,
golang-github-gorilla-mux-dev, golang-github-gomodule-redigo-dev, nginx, wrk) with apt-get and
builds the Go gateway offline from Debian's Go packages.

    python3 bench/gateway_compare.py --repeat 3 --duration 5
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import redis_compare as rc  # noqa: E402  (server start-up helpers)

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / "build/release/bin"
PEERS = ["golang-go", "golang-github-gorilla-mux-dev", "golang-github-gomodule-redigo-dev",
         "nginx", "wrk", "redis-server"]


def wait_port(port, proc):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)  # start-up only; never inside a measurement
    raise TimeoutError(f"port {port} never opened")


def start(args, port):
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)
    return proc


def install_peers():
    missing = [p for p in PEERS if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode]
    if missing:
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
                       check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def build_go_gateway(workdir):
    out = workdir / "go-gateway"
    env = {**os.environ, "GOPATH": "/usr/share/gocode", "GO111MODULE": "off",
           "GOCACHE": str(workdir / "gocache"), "GOFLAGS": "", "CGO_ENABLED": "0"}
    subprocess.run(["go", "build", "-o", str(out), str(ROOT / "bench/peers/go-gateway/main.go")],
                   check=True, env=env)
    return out


def document():
    """A deterministic JSON object of exactly 1024 bytes, minified (what cachet stores)."""
    items = [{"id": i, "name": f"item-{i}", "price": round(1.5 * i, 2), "tags": ["a", "b"]}
             for i in range(16)]
    doc = {"user": "ada", "items": items, "pad": ""}
    text = json.dumps(doc, separators=(",", ":"))
    doc["pad"] = "x" * (1024 - len(text))
    return json.dumps(doc, separators=(",", ":"))


def wrk(url, duration):
    out = subprocess.run(["wrk", "-t1", "-c64", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    if "Non-2xx" in out:
        raise RuntimeError(f"{url}: non-2xx responses\n{out}")
    return rps, float(p99.group(1)) * scale


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="workers for cachet-server, nginx (the Go runtime uses all cores)")
    args = parser.parse_args()
    install_peers()
    work = pathlib.Path(tempfile.mkdtemp(prefix="cachet-bench-"))
    procs = []
    try:
        go_bin = build_go_gateway(work)
        doc = document()
        redis_proc, redis_port = rc.start_redis()
        procs.append(redis_proc)
        ports = {k: rc.free_port() for k in ("go", "nginx", "cache", "gw", "plain", "embedded", "eresp")}
        ports["redis"] = redis_port
        procs.append(start([str(go_bin), "-addr", f"127.0.0.1:{ports['go']}",
                            "-redis", f"127.0.0.1:{ports['redis']}"], ports["go"]))
        conf = (ROOT / "bench/peers/nginx.conf.in").read_text()
        conf = conf.replace("@PORT@", str(ports["nginx"])).replace("@PREFIX@", str(work))
        conf = conf.replace("@WORKERS@", str(args.threads))
        (work / "nginx.conf").write_text(conf)
        procs.append(start(["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)], ports["nginx"]))
        procs.append(start([str(BIN / "cachet-server"), "--port", str(ports["cache"]),
                            "--threads", str(args.threads)], ports["cache"]))
        # /json runs on a gateway without backends, KV through one with a backend; both with their
        # default workers (one per core).
        procs.append(start([str(BIN / "cachet-gateway"), "--port", str(ports["plain"])],
                           ports["plain"]))
        procs.append(start([str(BIN / "cachet-gateway"), "--port", str(ports["gw"]),
                            "--backend", f"127.0.0.1:{ports['cache']}"], ports["gw"]))
        procs.append(start([str(BIN / "cachet-server"), "--port", str(ports["eresp"]), "--http-port",
                            str(ports["embedded"]), "--threads", str(args.threads)], ports["embedded"]))
        subprocess.run(["redis-cli", "-p", str(ports["redis"]), "set", "doc", doc], check=True,
                       capture_output=True)
        for port in (ports["gw"], ports["embedded"]):
            subprocess.run(["curl", "-sf", "-X", "PUT", "--data-binary", doc,
                            f"http://127.0.0.1:{port}/v1/kv/doc"], check=True)
        targets = {
            ("/json", "cachet-gateway"): f"http://127.0.0.1:{ports['plain']}/json",
            ("/json", "go net/http"): f"http://127.0.0.1:{ports['go']}/json",
            ("/json", "nginx"): f"http://127.0.0.1:{ports['nginx']}/json",
            ("kv", "cachet-gateway + cachet-server"): f"http://127.0.0.1:{ports['gw']}/v1/kv/doc",
            ("kv", "go + redis-server"): f"http://127.0.0.1:{ports['go']}/v1/kv/doc",
            ("kv", "cachet-server --http-port"): f"http://127.0.0.1:{ports['embedded']}/v1/kv/doc",
        }
        results = {k: [] for k in targets}
        for _ in range(args.repeat):
            for key, url in targets.items():
                results[key].append(wrk(url, args.duration))
        med = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
               for k, v in results.items()}
        print(f"wrk -t1 -c64 -d{args.duration}s, median of {args.repeat}; servers use "
              f"{args.threads} threads; {len(doc)}-byte document\n")
        print("| test | server | requests/s | p99 latency (ms) |")
        print("|---|---|---:|---:|")
        for (test, name), (rps, p99) in med.items():
            print(f"| {test} | {name} | {rps:,.0f} | {p99:.2f} |")
        j, kv = {n: v for (t, n), v in med.items() if t == "/json"}, {n: v for (t, n), v in med.items() if t == "kv"}
        print()
        print(f"/json: cachet-gateway = {j['cachet-gateway'][0] / j['go net/http'][0]:.2f}x Go, "
              f"{j['cachet-gateway'][0] / j['nginx'][0]:.2f}x nginx")
        print(f"KV GET: cachet-gateway + cachet-server = "
              f"{kv['cachet-gateway + cachet-server'][0] / kv['go + redis-server'][0]:.2f}x Go + Redis; "
              f"embedded = {kv['cachet-server --http-port'][0] / kv['go + redis-server'][0]:.2f}x")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
