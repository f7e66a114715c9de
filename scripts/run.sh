#!/usr/bin/env bash
# Installs dependencies, builds the release binaries and starts cachet-server in the foreground
# on 127.0.0.1:6379 (RESP) and 127.0.0.1:8080 (HTTP/JSON API) (Ctrl-C stops it). Extra arguments
# go to cachet-server, e.g.
#   scripts/run.sh --port 6380 --maxmemory 1gb
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target cachet-server
# RESP on 6379 and the HTTP/JSON API on 8080, one process and one store (--http-port 0 turns
# the HTTP side off).
exec build/release/bin/cachet-server --http-port 8080 "$@"
