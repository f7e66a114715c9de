#!/usr/bin/env bash
# Installs dependencies, builds the release binaries and starts cachet-server in the foreground
# on 127.0.0.1:6379 (Ctrl-C stops it). Extra arguments go to cachet-server, e.g.
#   scripts/run.sh --port 6380 --maxmemory 1gb
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target cachet-server
exec build/release/bin/cachet-server "$@"
