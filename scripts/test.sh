#!/usr/bin/env bash
# Builds a CMake preset and runs one CTest tier.
#
#   scripts/test.sh                          release build, unit tier, every component
#   scripts/test.sh --preset asan --components core,graph
#   scripts/test.sh --label slow             the slow tier
#
# Test names start with their component ("graph_io_test"), which is how
# --components selects them; only those components' test targets are built.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=release
label=unit
components=""
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --preset=*) preset="${1#*=}"; shift ;;
    --label) label="$2"; shift 2 ;;
    --label=*) label="${1#*=}"; shift ;;
    --components) components="$2"; shift 2 ;;
    --components=*) components="${1#*=}"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test.sh: error: unknown argument $1" >&2; exit 2 ;;
  esac
done

cmake --preset "$preset" >/dev/null
if [ -n "$components" ]; then
  targets=()
  IFS=, read -ra names <<< "$components"
  for name in "${names[@]}"; do targets+=("tests_$name"); done
  cmake --build --preset "$preset" --target "${targets[@]}"
  regex="^($(echo "$components" | tr ',' '|'))_"
  ctest --preset "$preset" -L "$label" -R "$regex"
else
  cmake --build --preset "$preset"
  ctest --preset "$preset" -L "$label"
fi
