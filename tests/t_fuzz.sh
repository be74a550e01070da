#!/usr/bin/env bash
# run: once
# Every libFuzzer target (tests/fuzz/fuzz_*.c, clang, ASan+UBSan) for a bounded time.
# `make fuzz FUZZ_SECONDS=600` runs them longer by hand.  In `make test` each runs
# 5 s: with 10 targets, ~50 s of fuzzing after a fuzz-build that compiles each file once.
cd "${AIRLOCK_SRC:-$(dirname "$0")/..}"
if ! make -s -j2 fuzz-build >build/fuzz-build.log 2>&1; then
	echo "FAIL: fuzz targets build (see build/fuzz-build.log)"; tail -20 build/fuzz-build.log; exit 1
fi
exec tests/fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-5}"
