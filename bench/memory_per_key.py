#!/usr/bin/env python3
"""RSS bytes per key: load 1,000,000 keys `key:%010d` -> 16-byte values over pipelined
connections into cachet-server, redis-server (RESP) and memcached (text protocol), in one run,
and print (RSS after - RSS before) / keys for each and the ratios. Median of --repeat runs.
Usage: bench/memory_per_key.py [--keys 1000000] [--repeat 3]
"""
import argparse
import pathlib
import socket
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402

VALUE = b"v" * 16


def rss(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise KeyError("VmRSS")


def load_resp(port, keys):
    commands = b"".join(b"*3\r\n$3\r\nSET\r\n$14\r\nkey:%010d\r\n$16\r\n%s\r\n" % (i, VALUE)
                        for i in range(keys))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=commands,
                   capture_output=True, check=True)


def load_memcached(port, keys):
    with socket.create_connection(("127.0.0.1", port)) as s:
        for start in range(0, keys, 10000):
            s.sendall(b"".join(b"set key:%010d 0 0 16 noreply\r\n%s\r\n" % (i, VALUE)
                               for i in range(start, min(keys, start + 10000))))
        s.sendall(b"version\r\n")  # answered after every set before it
        data = b""
        while b"VERSION" not in data:
            data += s.recv(4096)


def start_memcached():
    port = rc.free_port()
    proc = subprocess.Popen(["memcached", "-U", "0", "-l", "127.0.0.1", "-p", str(port), "-m",
                             "4096", "-u", "root"])
    while True:  # ready once it accepts a connection
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc, port
        except ConnectionRefusedError:
            if proc.poll() is not None:
                sys.exit("memcached exited")


def measure(start, load, keys):
    proc, port = start()
    try:
        before = rss(proc.pid)
        load(port, keys)
        return (rss(proc.pid) - before) / keys
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    servers = {"cachet": (lambda: rc.start_cachet(0), load_resp),
               "redis": (rc.start_redis, load_resp),
               "memcached": (start_memcached, load_memcached)}
    result = {name: statistics.median(measure(start, load, opts.keys) for _ in range(opts.repeat))
              for name, (start, load) in servers.items()}
    print(f"{opts.keys:,} keys key:%010d -> 16-byte values; RSS growth per key, median of "
          f"{opts.repeat}")
    print("| server | bytes/key | cachet ratio |")
    print("|---|---|---|")
    for name, per_key in result.items():
        print(f"| {name} | {per_key:.1f} | {result['cachet'] / per_key:.2f}x |")


if __name__ == "__main__":
    main()
