#!/usr/bin/env python3
"""RSS bytes per element of lists and sets: cachet-server vs redis-server, in one run.

Shapes: one 1M-item list and one 1M-member set of 16-byte items, 100k lists of 10 16-byte items,
100k sets of 5 small integers. For each shape and server: start the server fresh, read RSS from
/proc/PID/statm, load the shape with pipelined RPUSH/SADD (up to 1000 elements per command, sent
by `redis-cli --pipe`), read RSS again; report (after - before) / elements, median of --repeat
runs, and the ratio cachet/redis. --list-compress-depth N starts both servers with that
list-compress-depth; --shapes picks shapes by a word of their names (e.g. --shapes list).
Usage: bench/types_memory.py [--scale 1.0] [--repeat 3] [--list-compress-depth 0]
[--shapes list,set]
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
BATCH = 1000  # elements per command


def resp(*args):
    """One command in RESP (arguments are bytes or str)."""
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def pipe(port, commands):
    """Send an iterable of RESP commands over one pipelined connection; fail on any error."""
    out = subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=b"".join(commands),
                         capture_output=True)
    if out.returncode != 0:
        sys.exit(f"redis-cli --pipe to port {port} failed: {out.stdout.decode()[-300:]}")


def item(i):
    return b"item:%011d" % i  # 16 bytes


def batched(verb, key, members):
    """`verb key m...` commands covering members, BATCH members per command."""
    return (resp(verb, key, *members[i:i + BATCH]) for i in range(0, len(members), BATCH))


def one_big(verb, n):
    return batched(verb, "big", [item(i) for i in range(n)])


def many_lists(n):
    return (resp("RPUSH", b"key:%010d" % k, *(item(k * 10 + j) for j in range(10)))
            for k in range(n))


def many_int_sets(n):
    return (resp("SADD", b"key:%010d" % k, *((k + j) % 1000 for j in range(5))) for k in range(n))


def shapes(scale):
    """name -> (function returning the commands, element count)."""
    big, small = int(1_000_000 * scale), int(100_000 * scale)
    return {
        f"1 list x {big:,} 16-byte items": (lambda: one_big("RPUSH", big), big),
        f"1 set x {big:,} 16-byte members": (lambda: one_big("SADD", big), big),
        f"{small:,} lists x 10 16-byte items": (lambda: many_lists(small), small * 10),
        f"{small:,} sets x 5 small integers": (lambda: many_int_sets(small), small * 5),
    }


def rss(pid):
    return int(pathlib.Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def measure(start, commands, elements):
    proc, port = start()
    try:
        before = rss(proc.pid)
        pipe(port, commands())
        return (rss(proc.pid) - before) / elements
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--list-compress-depth", type=int, default=0)
    parser.add_argument("--shapes", type=lambda s: s.split(","), default=[],
                        help="only shapes whose name has one of these words (default: all)")
    opts = parser.parse_args()
    extra = ["--list-compress-depth", str(opts.list_compress_depth)]
    servers = {"redis": lambda: rc.start_redis(extra), "cachet": lambda: rc.start_cachet(0, extra)}
    print(f"RSS growth per element (/proc/PID/statm), fresh server per run, median of "
          f"{opts.repeat}, list-compress-depth {opts.list_compress_depth}")
    print("| shape | redis bytes/element | cachet bytes/element | ratio |")
    print("|---|---|---|---|")
    for name, (commands, elements) in shapes(opts.scale).items():
        if opts.shapes and not set(opts.shapes) & set(name.split()):
            continue
        per = {server: statistics.median(measure(start, commands, elements)
                                         for _ in range(opts.repeat))
               for server, start in servers.items()}
        print(f"| {name} | {per['redis']:.1f} | {per['cachet']:.1f} | "
              f"{per['cachet'] / per['redis']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
