#!/usr/bin/env bash
# Installs the Debian 12 packages syskit builds and tests with. Idempotent:
# installs only what is missing. Run as root, or as a user with sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev libxxhash-dev
  libopenmpi-dev openmpi-bin
  # kv: comparison backends for kv_bench and a stock Redis client for the server tests
  librocksdb-dev libleveldb-dev libsnappy-dev liblz4-dev libzstd-dev redis-tools
  # route: LP reference solver, graph bisection, HTTP proxy, state files, social graphs, plots
  libglpk-dev libmetis-dev libboost-dev nlohmann-json3-dev libigraph-dev gnuplot-nox
  # racecheck: the Clang LibTooling source rewriter
  clang-14 libclang-14-dev libclang-cpp14-dev llvm-14-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages present" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: error: run as root or install sudo" >&2; exit 1; }
  sudo=sudo
fi
echo "setup: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
