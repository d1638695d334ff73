#!/bin/sh
# CTest driver for `syskit walk` under two real MPI processes.
#   mpi_cli_test.sh MPIEXEC SYSKIT KARATE match
#       node2vec with 2 ranks writes the same file, byte for byte, as 1 process
#   mpi_cli_test.sh MPIEXEC SYSKIT KARATE too_many_ranks
#       4 ranks on a 3-vertex graph: exit 2, one error line from rank 0 only
set -u
mpiexec=$1 syskit=$2 karate=$3 mode=$4
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
launch="$mpiexec --allow-run-as-root --oversubscribe"
case $mode in
  match)
    args="walk node2vec --graph=$karate --p=2 --q=0.5 --walkers_per_vertex=2 --length=20 --seed=3"
    $syskit $args --output="$dir/one.txt" --quiet || { echo "1-process run failed"; exit 1; }
    $launch -n 2 $syskit $args --output="$dir/two.txt" 2>"$dir/err" ||
      { cat "$dir/err"; echo "2-process run failed"; exit 1; }
    cat "$dir/err"
    grep -q "ranks=2 rounds=" "$dir/err" || { echo "no ranks=2 in the summary"; exit 1; }
    cmp "$dir/one.txt" "$dir/two.txt" || { echo "2-rank paths differ from 1 process"; exit 1; }
    [ -s "$dir/one.txt" ] || { echo "empty output"; exit 1; }
    echo "ok: 2 ranks match 1 process ($(wc -l <"$dir/one.txt") walks)"
    ;;
  too_many_ranks)
    printf '1 2\n2 3\n' >"$dir/g.txt"
    $launch -n 4 $syskit walk deepwalk --graph="$dir/g.txt" 2>"$dir/err"
    code=$?
    cat "$dir/err"
    [ "$code" -eq 2 ] || { echo "exit code $code, expected 2"; exit 1; }
    n=$(grep -c "^syskit walk: error: mpirun started 4 processes but the graph has only 3 vertices" "$dir/err")
    [ "$n" -eq 1 ] || { echo "$n error lines, expected 1 (rank 0 only)"; exit 1; }
    echo "ok"
    ;;
  *) echo "unknown mode $mode"; exit 1 ;;
esac
