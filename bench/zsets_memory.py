#!/usr/bin/env python3
"""Memory per member of sorted sets: cachet-server vs redis-server, in one run.

Shapes: one sorted set of 1M members, with random integer scores and with random decimal
scores, and 100k sorted sets of 10 members (integer and decimal scores). Members are
member:%06d (13 bytes), keys key:%010d; integer scores are uniform in [0, 10^9), decimal scores
uniform in [0, 10^6) sent with all 17 significant digits (Python's repr), from a fixed seed, so
both servers get the same bytes. For each shape and server: start the server fresh
(bench/redis_compare.py), read used_memory (INFO memory: the allocator's own count) and RSS
(/proc/PID/statm), load the shape with `redis-cli --pipe` (ZADD, up to 500 members per command;
bench/types_memory.py's helpers), read both again; report (after - before) / members, median of
--repeat runs, and the ratios cachet/redis. Usage: bench/zsets_memory.py [--scale 1.0]
[--repeat 3] [--servers redis,cachet]
"""
import pathlib
import random
import shlex
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import redis_compare as rc  # noqa: E402
import types_memory as tm  # noqa: E402

SEED = 20261202


def integer_scores(rng, n):
    return [b"%d" % rng.randrange(10**9) for _ in range(n)]


def decimal_scores(rng, n):
    return [repr(rng.uniform(0, 10**6)).encode() for _ in range(n)]


def pairs(scores, first):
    """score, member, ... for members first, first + 1, ... with the given scores."""
    return [x for i, s in enumerate(scores, first) for x in (s, b"member:%06d" % i)]


def one_big(score_fn, n):
    return list(tm.batched("ZADD", "big", pairs(score_fn(random.Random(SEED), n), 0)))


def many_small(score_fn, keys):
    rng = random.Random(SEED)
    return [tm.resp("ZADD", b"key:%010d" % k, *pairs(score_fn(rng, 10), k * 10))
            for k in range(keys)]


def shapes(scale):
    """name -> (function returning the commands, member count)."""
    big, small = int(1_000_000 * scale), int(100_000 * scale)
    return {
        f"1 zset x {big:,} members, integer scores": (lambda: one_big(integer_scores, big), big),
        f"1 zset x {big:,} members, decimal scores": (lambda: one_big(decimal_scores, big), big),
        f"{small:,} zsets x 10 members, integer scores":
            (lambda: many_small(integer_scores, small), small * 10),
        f"{small:,} zsets x 10 members, decimal scores":
            (lambda: many_small(decimal_scores, small), small * 10),
    }


def used_memory(port):
    out = subprocess.run(["redis-cli", "-p", str(port), "INFO", "memory"], capture_output=True,
                         text=True, check=True).stdout
    return int(next(line for line in out.splitlines() if line.startswith("used_memory:"))
               .split(":")[1])


def check_zadd(port):
    """None if the server knows ZADD, else its error reply."""
    out = subprocess.run(["redis-cli", "-p", str(port), "ZADD", "probe", "1", "a"],
                         capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["redis-cli", "-p", str(port), "DEL", "probe"], capture_output=True, check=True)
    return None if out == "1" else out


def measure(start, commands, members):
    """(used_memory growth, RSS growth) per member of one fresh server, or an error string."""
    proc, port = start()
    try:
        error = check_zadd(port)
        if error:
            return error
        used, rss = used_memory(port), tm.rss(proc.pid)
        tm.pipe(port, commands)
        return ((used_memory(port) - used) / members, (tm.rss(proc.pid) - rss) / members)
    finally:
        proc.terminate()
        proc.wait()


def summarize(runs):
    """(median used_memory, median RSS) per member, or the error of a failed server."""
    failed = [r for r in runs if isinstance(r, str)]
    if failed:
        return failed[0]
    return tuple(statistics.median(r[i] for r in runs) for i in (0, 1))


def row(name, per):
    red, cac = (per.get(server, "not run (--servers)") for server in ("redis", "cachet"))
    ok = not isinstance(red, str) and not isinstance(cac, str)
    cells = []
    for i in (0, 1):
        cells += [f"{red[i]:.1f}" if not isinstance(red, str) else "n/a",
                  f"{cac[i]:.1f}" if not isinstance(cac, str) else "n/a",
                  f"{cac[i] / red[i]:.2f}x" if ok else "n/a"]
    return f"| {name} | {' | '.join(cells)} |"


def main():
    opts, servers = rc.memory_comparison()
    print(f"Command: `{shlex.join(['python3', 'bench/zsets_memory.py'] + sys.argv[1:])}`")
    print(f"Growth per member of used_memory (INFO memory) and RSS (/proc/PID/statm), fresh "
          f"server per run, median of {opts.repeat}")
    print()
    print("| shape | redis used_memory B/member | cachet used_memory B/member | ratio | "
          "redis RSS B/member | cachet RSS B/member | ratio |")
    print("|---|---|---|---|---|---|---|")
    errors = set()
    for name, (make, members) in shapes(opts.scale).items():
        commands = make()
        per = {server: summarize([measure(start, commands, members) for _ in range(opts.repeat)])
               for server, start in servers.items()}
        errors |= {f"{server}: {v}" for server, v in per.items() if isinstance(v, str)}
        print(row(name, per), flush=True)
    errors |= {f"{server}: not run (--servers)" for server in ("redis", "cachet") if server not in servers}
    for line in sorted(errors):
        print(f"- n/a: {line}")


if __name__ == "__main__":
    main()
