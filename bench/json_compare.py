#!/usr/bin/env python3
"""cachet::json against simdjson, RapidJSON and nlohmann/json, in one run on this machine.

Runs build/release/bin/json_bench (Google Benchmark) with N repetitions, takes the median
throughput of each benchmark and prints a markdown table: GB/s per library and cachet's ratio
to each peer (>1 means cachet is faster).

    python3 bench/json_compare.py --repeat 5
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PEERS = ["simdjson", "rapidjson", "nlohmann"]


def run(binary, repeat, min_time):
    out = subprocess.run(
        [binary, f"--benchmark_repetitions={repeat}", f"--benchmark_min_time={min_time}",
         "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    samples = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") != "iteration" or "error_occurred" in b:
            continue
        samples.setdefault(b["run_name"], []).append(b["bytes_per_second"] / 1e9)
    return {name: statistics.median(v) for name, v in samples.items()}


def table(gbps):
    rows = {}
    for name, value in gbps.items():
        op, corpus, lib = name.split("/")
        rows.setdefault((op, corpus), {})[lib] = value
    lines = ["| operation | file | cachet GB/s | " + " | ".join(f"{p} GB/s" for p in PEERS) + " | " +
             " | ".join(f"vs {p}" for p in PEERS) + " |",
             "|---|---|---:|" + "---:|" * (2 * len(PEERS))]
    for (op, corpus), libs in rows.items():
        ours = libs.get("cachet")
        speeds = [f"{libs[p]:.2f}" if p in libs else "n/a" for p in PEERS]
        ratios = [f"{ours / libs[p]:.2f}x" if p in libs and ours else "n/a" for p in PEERS]
        lines.append(f"| {op} | {corpus} | {ours:.2f} | " + " | ".join(speeds) + " | " +
                     " | ".join(ratios) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--binary", default=str(ROOT / "build/release/bin/json_bench"))
    args = parser.parse_args()
    if not (ROOT.parent / "shared/data/json/corpus").is_dir():
        sys.exit("../shared/data/json/corpus is absent: nothing to benchmark")
    print(f"json_bench, median of {args.repeat} repetitions (GB/s of input JSON)\n")
    print(table(run(args.binary, args.repeat, args.min_time)))


if __name__ == "__main__":
    main()
