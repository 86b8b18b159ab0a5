#!/usr/bin/env bash
# Installs the Debian 12 packages that building, testing and benchmarking Redoubt need, when
# any is missing. Safe to run repeatedly: it does nothing when everything is there.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ make pkg-config
  libabsl-dev libjemalloc-dev libgtest-dev libgmock-dev libbenchmark-dev libssl-dev
  libcli11-dev nlohmann-json3-dev
  # Boost.CRC (header-only): the reference CRC-16 that the hash slot's tests and micro-benchmark
  # compare common/hash_slot.cc's with
  libboost-dev
  # the control plane: its HTTP endpoint (cpp-httplib) and, next, its state (SQLite)
  libcpp-httplib-dev libsqlite3-dev
  # LZF compression of RDB strings (rdbcompression)
  liblzf-dev
  # Lua 5.1 for EVAL and FUNCTION (built as C++, so that a Lua error unwinds C++ frames), with
  # the cjson and bit libraries Redis scripts may use
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  # msgpack-c, under the scripts' cmsgpack library
  libmsgpack-dev
  # fuzzing (libFuzzer comes with clang's runtime)
  clang libclang-rt-14-dev
  # tests and benchmarks: the reference server and real clients
  redis-server redis-tools python3-redis python3-pytest
  # make test runs the pytest files on two workers
  python3-pytest-xdist
  # the control plane's tests drive it with Debian's awscli and boto3
  awscli python3-boto3 python3-botocore
  # clients/python installs into a virtualenv (tests/integration/test_secret_cache.py)
  python3-venv python3-setuptools
  # the at-rest encryption tests read and write the encrypted snapshot format on their own
  python3-cryptography
  # Redis's own Tcl suite (scripts/redis-suite.sh), over TLS too
  tcl tcl-tls
  gnuplot-nox procps util-linux
  # bench/cluster_instructions.py counts instructions per command with callgrind
  valgrind
  # TLS tests: certificates are made with the openssl command line
  openssl
  # formatting, and the checks of `make checks`: clang-format, clang-tidy (run-clang-tidy)
  clang-format clang-tidy
)

# Node.js and npm for the ioredis and BullMQ tests (tests/clients/node): Debian's, unless a
# node with its own npm is already installed (NodeSource's bundles npm, and Debian's npm package
# would not install next to it).
if ! command -v node > /dev/null; then
  packages+=(nodejs npm)
elif ! command -v npm > /dev/null; then
  packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Run as root (or install them with sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Installing redis-server would start Debian's redis service on 127.0.0.1:6379, the port
# `make run` uses. The tests and benchmarks start their own instances on free ports, so keep
# services from starting during this install (policy-rc.d, honoured by invoke-rc.d and
# deb-systemd-invoke); nothing that was already running is touched.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
