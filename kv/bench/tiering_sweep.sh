#!/bin/bash
# The PrismDB sweeps of issue 7 (kv/README.md "Tiering"): YCSB B and C on
# emulated devices (optane fast tier, qlc slow tier) over
#   zipf constant {0, 0.6, 0.8, 0.99, 1.2}   (syskit, syskit-nopop, rocksdb-dbpaths, rocksdb-qlc)
#   pinning threshold {0, 0.25, 0.5, 0.75, 1} (syskit)
#   fast-tier share {0.05, 0.11, 0.23}        (syskit, rocksdb-dbpaths)
# Writes kv/docs/sweep_{zipf,theta,share}.csv (kv_bench --csv rows) and an
# SVG plot of each (gnuplot).
#
#   kv/bench/tiering_sweep.sh [build/release/bin/kv_bench] [records] [operations] [trials] [warmup]
#
# warmup: unreported operations before each workload, as a fraction of
# [operations] (default 1, as the headline runs in kv/README.md; with 0.1 the
# reads start while the load's demotions are still settling).
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${1:-build/release/bin/kv_bench}
records=${2:-200000}
ops=${3:-200000}
trials=${4:-1}
warmup=${5:-1}
out=kv/docs
db_dir=${SWEEP_DB_DIR:-/dev/shm/kv_sweep}
[ -x "$bench" ] || { echo "tiering_sweep: no kv_bench at $bench" >&2; exit 2; }
mkdir -p "$out" "$db_dir"

run() {  # csv, share, zipf (0 = uniform), theta, backends
  local dist=(--property=zipfianconstant="$3")
  [ "$3" = 0 ] && dist=(--property=requestdistribution=uniform)
  "$bench" --db_dir="$db_dir" --tiers="optane:$2,qlc" --benchmarks=ycsb_c,ycsb_b \
    --backends="$5" --trials="$trials" --pin_threshold="$4" --csv="$1" --warmup_fraction="$warmup" \
    --property=recordcount="$records" --property=operationcount="$ops" \
    "${dist[@]}" | grep -E '^(summary|ratio|tierio)'
}

rm -f "$out"/sweep_zipf.csv "$out"/sweep_theta.csv "$out"/sweep_share.csv
for zipf in 0 0.6 0.8 0.99 1.2; do
  run "$out/sweep_zipf.csv" 0.11 "$zipf" 0.7 syskit,syskit-nopop,rocksdb-dbpaths,rocksdb-qlc
done
for theta in 0 0.25 0.5 0.75 1; do
  run "$out/sweep_theta.csv" 0.11 0.99 "$theta" syskit
done
for share in 0.05 0.11 0.23; do
  run "$out/sweep_share.csv" "$share" 0.99 0.7 syskit,rocksdb-dbpaths
done

# One plot per sweep: ops/s of YCSB C (solid) and B (dashed) per backend.
plot() {  # csv, x column number, x label, svg
  local csv=$1 col=$2 label=$3 svg=$4 tmp
  tmp=$(mktemp -d)
  local cmds=()
  for backend in $(tail -n +2 "$csv" | cut -d, -f1 | sort -u); do
    for workload in ycsb_c ycsb_b; do
      awk -F, -v b="$backend" -v w="$workload" -v c="$col" \
        'NR > 1 && $1 == b && $2 == w { print $c, $7 }' "$csv" | sort -g > "$tmp/$backend.$workload"
      local dash=1
      [ "$workload" = ycsb_b ] && dash=2
      cmds+=("'$tmp/$backend.$workload' using 1:2 with linespoints dashtype $dash title '$backend ${workload#ycsb_}'")
    done
  done
  local joined
  joined=$(printf '%s, ' "${cmds[@]}")
  gnuplot <<GP
set terminal svg size 720,420 dynamic
set output '$svg'
set xlabel '$label'
set ylabel 'ops/s (emulated optane + qlc, $records records)'
set key outside right
set grid
plot ${joined%, }
GP
  rm -rf "$tmp"
}
plot "$out/sweep_zipf.csv" 4 "zipfian constant" "$out/sweep_zipf.svg"
plot "$out/sweep_theta.csv" 6 "pinning threshold (theta)" "$out/sweep_theta.svg"
plot "$out/sweep_share.csv" 5 "fast-tier share of the data" "$out/sweep_share.svg"
echo "tiering_sweep: wrote $out/sweep_{zipf,theta,share}.{csv,svg}"
