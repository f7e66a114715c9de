#!/usr/bin/env python3
"""Memory per entry of streams: cachet-server vs redis-server, in one run.

Shapes, each one stream with auto IDs (XADD big * ...): 1M entries of one field-value pair
(`f`, an 8-digit value), and 100k entries of 5 pairs (f1..f5, 8-digit values); values uniform
from a fixed seed, so both servers get the same bytes (the IDs are each server's clock). For
each shape and server: a fresh server, used_memory (INFO memory) and RSS (/proc/PID/statm)
before and after loading the shape with `redis-cli --pipe` (one XADD per entry), growth per
entry, median of --repeat runs, ratios cachet/redis: bench/zsets_memory.py's measurement and
table, with its helpers (and those of bench/types_memory.py). A server whose XADD fails gets
the error instead of numbers. Usage: bench/streams_memory.py [--scale 1.0] [--repeat 3]
[--servers redis,cachet]
"""
import pathlib
import random
import re
import shlex
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402
import types_memory as tm  # noqa: E402
import zsets_memory as zm  # noqa: E402


def entries(n, fields):
    """XADD big * of n entries with the given field names, 8-digit values from the seed."""
    rng = random.Random(zm.SEED)
    return [tm.resp("XADD", "big", "*", *(x for f in fields
                                          for x in (f, b"%08d" % rng.randrange(10**8))))
            for _ in range(n)]


def shapes(scale):
    """name -> (function returning the commands, entry count)."""
    big, small = int(1_000_000 * scale), int(100_000 * scale)
    five = [f"f{i}" for i in range(1, 6)]
    return {
        f"1 stream x {big:,} entries, 1 field (f, 8 digits)": (lambda: entries(big, ["f"]), big),
        f"1 stream x {small:,} entries, 5 fields (f1..f5, 8 digits)":
            (lambda: entries(small, five), small),
    }


def xadd_error(start):
    """None if a fresh server from `start` answers XADD with an ID, else its reply."""
    proc, port = start()
    try:
        out = subprocess.run(["redis-cli", "-p", str(port), "XADD", "probe", "*", "f", "v"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return None if re.fullmatch(r"\d+-\d+", out) else out
    finally:
        proc.terminate()
        proc.wait()


def main():
    opts, servers = rc.memory_comparison()
    broken = {name: error for name, start in servers.items() if (error := xadd_error(start))}
    print(f"Command: `{shlex.join(['python3', 'bench/streams_memory.py'] + sys.argv[1:])}`")
    print(f"Growth per entry of used_memory (INFO memory) and RSS (/proc/PID/statm), fresh "
          f"server per run, median of {opts.repeat}")
    print()
    print("| shape | redis used_memory B/entry | cachet used_memory B/entry | ratio | "
          "redis RSS B/entry | cachet RSS B/entry | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, (make, count) in shapes(opts.scale).items():
        commands = make()
        per = {server: broken.get(server) or
               zm.summarize([zm.measure(start, commands, count) for _ in range(opts.repeat)])
               for server, start in servers.items()}
        print(zm.row(name, per), flush=True)
    notes = {f"{server}: XADD: {error}" for server, error in broken.items()}
    notes |= {f"{server}: not run (--servers)" for server in ("redis", "cachet") if server not in servers}
    for line in sorted(notes):
        print(f"- n/a: {line}")


if __name__ == "__main__":
    main()
