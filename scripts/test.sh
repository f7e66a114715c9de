#!/usr/bin/env bash
# Installs dependencies, then builds and runs the whole test suite twice: optimized (release) and
# under AddressSanitizer + UndefinedBehaviorSanitizer (dev); then builds the libFuzzer targets
# with clang and runs each over its seed corpus for a bounded number of inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

for preset in release dev; do
  echo "=== build and test: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done

echo "=== fuzz smoke run"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
for target in build/fuzz/bin/*_fuzz; do
  name=$(basename "$target")
  corpus="fuzz/corpus/${name%%_*}"  # resp_fuzz -> resp, json_*_fuzz -> json, http_* -> http
  work=$(mktemp -d)
  # 200,000 inputs, or 90 s for the slower targets (hll_fuzz, commands_fuzz), whichever is first.
  "$target" -runs=200000 -max_total_time=90 -max_len=4096 "$work" "$corpus" 2>&1 | tail -n 1
  rm -rf "$work"
done
echo "all tests passed"
