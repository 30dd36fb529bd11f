#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan; the fuzz preset) and runs
# each for SECONDS (default 60), starting from its committed corpus. Stops with the input and
# a reproduction command when a target finds a crash, a leak, undefined behaviour, a timeout
# or memory growth. docs/fuzzing.md says how to run them for hours and what to do with a find.
#   bash scripts/fuzz.sh            # every target, 60 s each
#   bash scripts/fuzz.sh 3600 model # one target for an hour
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
only="${2:-}"
bash scripts/deps.sh fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" >/dev/null
work=build-fuzz/work
mkdir -p "$work"
# Allocations the readers refuse cleanly (they report "out of memory") must not count as finds.
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    [ -n "$only" ] && [ "$only" != "$name" ] && continue
    corpus="$work/corpus-$name"
    artifacts="$work/artifacts-$name/"
    mkdir -p "$corpus" "$artifacts"
    dict=()
    [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
    log="$work/$name.log"
    echo "fuzz $name: ${seconds} s"
    if ! "build-fuzz/tests/fuzz/fuzz_$name" "$corpus" "tests/fuzz/corpus/$name" "${dict[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1; then
        status=1
        echo "fuzz $name: FOUND A DEFECT; log: $log" >&2
        grep -E "^==|ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -20 >&2
        for a in "$artifacts"*; do
            [ -f "$a" ] || continue
            echo "reproduce: build-fuzz/tests/fuzz/fuzz_$name $a" >&2
            echo "keep it:   cp $a tests/fuzz/corpus/$name/regress-<what-it-found>" >&2
        done
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov: " "$log" | tail -3 |
        sed "s/^/  /"
done
exit $status
