#!/usr/bin/env bash
# Runs every built libFuzzer target for SECONDS each with its corpus in
# tests/fuzz/corpus/NAME (new inputs land in build/fuzz/corpus-NAME, the
# checked-in corpus is only read).  Any crash fails; its input is kept in
# build/fuzz/ and should become a file in tests/fuzz/regress/NAME/.
# Prints one PASS/FAIL line per target.
cd "$(dirname "$0")/../.."
secs=${1:-20}
rc=0
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	seed=tests/fuzz/corpus/$n; work=build/fuzz/corpus-$n
	mkdir -p "$seed" "$work"
	# regression inputs first: each must run clean
	if [ -d "tests/fuzz/regress/$n" ] && ls "tests/fuzz/regress/$n"/* >/dev/null 2>&1; then
		if ! "$f" "tests/fuzz/regress/$n"/* >"build/fuzz/$n.regress.log" 2>&1; then
			echo "FAIL: $n regression inputs (see build/fuzz/$n.regress.log)"; rc=1; continue
		fi
	fi
	if "$f" -print_final_stats=1 -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -max_len=20000 \
		-artifact_prefix="build/fuzz/$n-" "$work" "$seed" >"build/fuzz/$n.log" 2>&1; then
		echo "PASS: $n fuzzed ${secs}s ($(grep -o 'stat::number_of_executed_units: [0-9]*' "build/fuzz/$n.log" | awk '{print $2}') runs, no finding)"
	else
		echo "FAIL: $n found a crash (see build/fuzz/$n.log)"; tail -30 "build/fuzz/$n.log"; rc=1
	fi
done
exit $rc
