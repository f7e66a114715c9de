#!/usr/bin/env bash
# Installs every Debian 12 package cachet needs to build, test and benchmark, then the node.js
# clients of the integration tests (tests/integration/node, pinned by its package-lock.json).
# Idempotent. Usage: scripts/install-deps.sh          (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build ccache pkg-config libfmt-dev libxxhash-dev
  # TLS (tls-port, http-tls-port; the openssl CLI makes the tests' certificates)
  libssl-dev openssl
  # unit tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (libFuzzer ships with clang's runtime)
  clang-14 libclang-rt-14-dev
  # real clients and peers for integration tests and benchmarks
  redis-server redis-tools memcached python3 python3-pytest python3-redis python3-kombu python3-rq libhiredis-dev
  python3-django python3-django-redis ruby-sidekiq
  curl wrk nodejs
  # Lua scripting (EVAL): Lua 5.1 and the cjson and bit modules Redis scripts use
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  # OpenSSL: SHA-256 of ACL passwords (libcrypto), TLS; the openssl CLI makes test certificates
  libssl-dev openssl
  # allocator
  libjemalloc-dev
  # JSON peers: the differential fuzzer (nlohmann) and bench/json_bench
  libsimdjson-dev rapidjson-dev nlohmann-json3-dev
)

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

# Installs the packages named that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
}

apt_install "${PACKAGES[@]}"
# Debian's nodejs comes without npm; a node.js build that bundles it (NodeSource's) conflicts
# with Debian's npm package, so that is installed only when no npm is found.
command -v npm >/dev/null || apt_install npm
npm ci --prefix "$(dirname "$0")/../tests/integration/node" --no-audit --no-fund
