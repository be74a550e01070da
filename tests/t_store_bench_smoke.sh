#!/usr/bin/env bash
# Smoke run of the store benchmark (bench/store.sh): a fraction of a second,
# a few clients, no timing assertion; the stored counter must equal the
# number of acknowledged increments.
. "$(dirname "$0")/lib.sh"
OUT=$(BIN=$BIN BENCH_DIR=$T "$AIRLOCK_SRC/bench/store.sh" 0.3 8 2>&1); rc=$?
echo "$OUT"
expect_eq "bench/store.sh exits 0" "0" "$rc"
expect_match "raw LMDB figure printed" '^raw: [0-9]+ increments' "$OUT"
expect_match "store figure printed" '^sock: [0-9]+ increments .* failed 0\)' "$OUT"
expect_match "counter equals acknowledged increments" '^stored counter: ([0-9]+) \(acknowledged: \1\)' "$OUT"
expect_match "ratio printed" '^ratio: [0-9.]+x' "$OUT"
