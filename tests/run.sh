#!/usr/bin/env bash
# Runs every test on the normal and the ASan+UBSan build and prints the total.
# Tests print "PASS: what" / "FAIL: what" / "SKIP: what (reason)" lines; a test
# that exits non-zero without printing a FAIL counts as one failure.
# A script whose header has "# run: once" runs on the normal build only, and
# one with "# timeout: SECONDS" gets that limit instead of TEST_TIMEOUT (420), and one
# with "# backends: lmdb postgresql" runs once more, on the normal build, with the
# store on PostgreSQL (AIRLOCK_STORE_BACKEND=postgresql; tests/lib_store.sh,
# lib_stack.sh), as NAME[pg] (the ASan build runs tests/t_pg_store_*.sh).
# Two lanes run side by side (TEST_LANES=2, the default), each test after the
# other within a lane: the normal build's pass, and the ASan build's pass
# followed by the normal build's [pg] reruns and its scripts whose header has
# "# lane: 2" (long ones, moved there to even the lanes out).  Every test
# starts its own daemons on free ports in its own folder, and the npm and
# rootfs caches take a lock.  TEST_LANES=1 runs it all in one lane.  Each
# part's lines are printed when the whole run ends: normal, asan, then the
# second lane's normal-build part.
# Usage: tests/run.sh [filter-regex]
cd "$(dirname "$0")/.."
export AIRLOCK_SRC=$PWD
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=86
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
filter=${1:-.}
log=${TEST_LOGS:-build/test-logs}; mkdir -p "$log"

run_one() { # build name cmd...
	local build=$1 name=$2; shift 2
	local out="$log/$(basename "$build")-$name.log" rc p f limit=${TEST_TIMEOUT:-420}
	if [ "$1" = bash ] && grep -q '^# timeout: [0-9]' "$2"; then
		limit=$(sed -n 's/^# timeout: \([0-9]*\).*/\1/p' "$2" | head -1)
	fi
	timeout -k 10 "$limit" "$@" >"$out" 2>&1; rc=$?
	p=$(grep -c '^PASS: ' "$out"); f=$(grep -c '^FAIL: ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name exited with status $rc" >>"$out"; f=1
	fi
	grep -E '^(FAIL|SKIP): ' "$out" | sed "s|^|  [$(basename "$build")] $name: |"
	if [ "$f" -gt 0 ]; then tail -n 30 "$out" | sed 's/^/    | /'; fi
	printf '%-9s %-28s %3d passed, %d failed\n' "[$(basename "$build")]" "$name" "$p" "$f"
	passed=$((passed + p)); failed=$((failed + f))
}

# One build's pass: its lines on stdout, then "TOTAL passed failed".
run_pass() { # build
	local build=$1 t n passed=0 failed=0
	export BIN=$PWD/$build AIRLOCK_BUILD=$(basename "$build")
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t"); [[ $n =~ $filter ]] || continue
		run_one "$build" "$n" "$t"
	done
	for t in tests/t_*.sh; do
		[ -f "$t" ] || continue
		n=$(basename "$t" .sh); [[ $n =~ $filter ]] || continue
		if [ "$build" = build/asan ] && grep -q '^# run: once' "$t"; then continue; fi
		if [ "$build" = build/normal ] && [ "$lanes" = 2 ] && grep -q '^# lane: 2' "$t"; then
			continue
		fi
		run_one "$build" "$n" bash "$t"
	done
	echo "TOTAL $passed $failed"
}

# The normal build's part of the second lane: the [pg] reruns (the store on
# PostgreSQL), then, with two lanes, the "# lane: 2" scripts.
run_lane2() {
	local t n passed=0 failed=0
	export BIN=$PWD/build/normal AIRLOCK_BUILD=normal
	for t in tests/t_*.sh; do
		n=$(basename "$t" .sh); [[ $n =~ $filter ]] || continue
		grep -q '^# backends: .*postgresql' "$t" || continue
		AIRLOCK_STORE_BACKEND=postgresql run_one build/normal "$n[pg]" bash "$t"
	done
	for t in tests/t_*.sh; do
		n=$(basename "$t" .sh); [[ $n =~ $filter ]] || continue
		[ "$lanes" = 2 ] && grep -q '^# lane: 2' "$t" || continue
		run_one build/normal "$n" bash "$t"
	done
	echo "TOTAL $passed $failed"
}

lanes=${TEST_LANES:-2}
if [ "$lanes" = 1 ]; then
	run_pass build/normal >"$log/pass-normal.out"
	run_pass build/asan >"$log/pass-asan.out"
	run_lane2 >"$log/pass-lane2.out"
else
	run_pass build/normal >"$log/pass-normal.out" &
	(run_pass build/asan >"$log/pass-asan.out"; run_lane2 >"$log/pass-lane2.out") &
	wait
fi
passed=0 failed=0
for part in normal asan lane2; do
	out=$log/pass-$part.out
	grep -v '^TOTAL ' "$out" 2>/dev/null
	read -r _ p f < <(grep '^TOTAL ' "$out" 2>/dev/null || echo "TOTAL 0 1")
	passed=$((passed + p)); failed=$((failed + f))
done
# The failures again, last, so that the tail of a long run names them.
if [ "$failed" -ne 0 ]; then
	echo "failures:"
	cat "$log"/pass-*.out 2>/dev/null | grep -E '^  \[[a-z0-9]+\] [^:]+: FAIL: ' || true
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
