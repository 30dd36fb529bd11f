#!/usr/bin/env bash
# bench_writers for an earlier library and for this working tree, one after the other, ROUNDS
# times, so that both see the same state of a shared machine (bench/README.md).
#   bash bench/writers_before_after.sh [bench_writers options...]
# REV (default 972573e, the library before the fast CSV writer) is extracted with git archive
# into a temporary directory and built there with the bench source of this tree; ROUNDS
# (default 3) and REPS (default 7, writes per format and round) set the work. Each round
# prints the load average and both tables.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${REV:-972573e}"
rounds="${ROUNDS:-3}"
reps="${REPS:-7}"
base="$(mktemp -d /tmp/bench_writers_base_XXXXXX)"
trap 'rm -rf "$base"' EXIT
git archive "$rev" | tar -x -C "$base"
cp bench/writers.c "$base/bench/"
cmake -S "$base" -B "$base/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBO_BUILD_TESTS=OFF >/dev/null
cmake --build "$base/build" --target bench_writers -j 2 >/dev/null
cmake --preset ci >/dev/null
cmake --build --preset ci --target bench_writers -j 2 >/dev/null
export BATCHODE_CACHE_DIR="${BATCHODE_CACHE_DIR:-/tmp/bo-cache}"
for i in $(seq "$rounds"); do
    echo "## round $i of $rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "before ($rev):"
    "$base/build/bench/bench_writers" --reps "$reps" "$@"
    echo "after (this tree):"
    build-ci/bench/bench_writers --reps "$reps" "$@"
done
