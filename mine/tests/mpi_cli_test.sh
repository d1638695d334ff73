#!/bin/sh
# CTest driver for `syskit mine count` under two real MPI processes:
#   mpi_cli_test.sh MPIEXEC SYSKIT GRAPH_DIR
# For several requests (plan path, 3-/4-motif formulas, 5-motifs, edge-
# induced, several threads per rank) the 2-rank stdout must equal the
# 1-process stdout byte for byte; --list under 2 ranks must hold the same
# embeddings (as a sorted set of lines) and leave no part files behind.
set -u
mpiexec=$1 syskit=$2 graphs=$3
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
launch="$mpiexec --allow-run-as-root --oversubscribe"
fail=0
check() {  # check GRAPH ARGS...
  graph=$1
  shift
  $syskit mine count --graph="$graphs/$graph.edges.txt" "$@" --quiet >"$dir/one.out" ||
    { echo "1-process run failed: $graph $*"; fail=1; return; }
  $launch -n 2 $syskit mine count --graph="$graphs/$graph.edges.txt" "$@" \
    >"$dir/two.out" 2>"$dir/two.err" ||
    { cat "$dir/two.err"; echo "2-process run failed: $graph $*"; fail=1; return; }
  grep -q "ranks=2 " "$dir/two.err" || { cat "$dir/two.err"; echo "no ranks=2 summary"; fail=1; }
  [ -s "$dir/one.out" ] || { echo "empty output: $graph $*"; fail=1; }
  if cmp -s "$dir/one.out" "$dir/two.out"; then
    echo "ok: $graph $* -> $(tr '\n\t' ' =' <"$dir/one.out")"
  else
    echo "MISMATCH: $graph $*"; diff "$dir/one.out" "$dir/two.out"; fail=1
  fi
}
check CA-GrQc --pattern=triangle,4-clique,5-clique,diamond,5-cycle --threads=1
check CA-GrQc --pattern=3-motifs --threads=1
check CA-GrQc --pattern=4-motifs --threads=2
check Karate --pattern=5-motifs --threads=1
check Karate --pattern=4-motifs --induced=edge --threads=2

# Listing: the merged file has the same embeddings as one process.
list1="$dir/one.list" list2="$dir/two.list"
$syskit mine count --graph="$graphs/Karate.edges.txt" --pattern=diamond,4-path \
  --list="$list1" --quiet >/dev/null || { echo "1-process list failed"; fail=1; }
$launch -n 2 $syskit mine count --graph="$graphs/Karate.edges.txt" --pattern=diamond,4-path \
  --list="$list2" --quiet >/dev/null || { echo "2-process list failed"; fail=1; }
sort "$list1" >"$dir/one.sorted"
sort "$list2" >"$dir/two.sorted"
if [ -s "$dir/one.sorted" ] && cmp -s "$dir/one.sorted" "$dir/two.sorted"; then
  echo "ok: --list under 2 ranks: $(wc -l <"$list2") embeddings"
else
  echo "MISMATCH: --list under 2 ranks"; fail=1
fi
if ls "$dir" | grep -q '\.rank'; then echo "part files left behind"; ls "$dir"; fail=1; fi

# A usage error under mpirun: exit 2, one error line (rank 0 only).
$launch -n 2 $syskit mine count --graph="$graphs/Karate.edges.txt" --pattern=pentagon \
  2>"$dir/err"
code=$?
[ "$code" -eq 2 ] || { echo "usage error exit $code, expected 2"; fail=1; }
n=$(grep -c '^syskit mine: error: unknown pattern "pentagon"' "$dir/err")
[ "$n" -eq 1 ] || { cat "$dir/err"; echo "$n error lines, expected 1"; fail=1; }
exit $fail
