#!/usr/bin/env bash
# run: once
# Smoke run of the benchmark (bench/run.sh --smoke: 1 s per figure): the
# script runs, prints every row with figures, and sees no error answer.
# No timing assertion: the figures are whatever this machine gives.
. "$(dirname "$0")/lib.sh"

if ! command -v wrk >/dev/null; then
	skip "bench smoke: wrk is not installed (make test installs it)"
	exit 0
fi
OUT=$(BIN=$BIN timeout 300 "$AIRLOCK_SRC/bench/run.sh" --smoke 2>&1); rc=$?
echo "$OUT"
if printf '%s' "$OUT" | grep -q 'cannot set up the stack'; then
	skip "bench smoke: $(printf '%s' "$OUT" | sed -n 's/.*cannot set up the stack: //p' | head -1)"
	exit 0
fi
expect_eq "bench/run.sh --smoke exits 0" "0" "$rc"

num='[0-9]+(\.[0-9]+)?'
expect_match "header line" '^airlock benchmark: .* wrk -t[0-9]+ -c64, 1 x 1 s per figure$' "$OUT"
expect_match "baseline row" "^baseline \(http_baseline, 40 B\) +[0-9]+ +- +1\.00 +$num +$num +0$" "$OUT"
for row in 'GET / signed in \(store read\)' 'POST /increment \(durable\)' 'GET /secured' \
	'GET /auth \(forward auth\)' 'GET / no session \(303\)'; do
	expect_match "row: $row, no errors" "^$row +[0-9]+ +[0-9]+ +$num +$num +$num +0$" "$OUT"
done
expect_match "row: GET / for a user with 100 sessions, no errors" \
	"^GET / signed in, 100 sessions +[0-9]+ +[0-9]+ +$num +$num +$num +0$" "$OUT"
for row in 'GET / signed in \(store read\)' 'GET / signed in, 100 sessions' \
	'POST /increment \(durable\)' 'GET /secured' 'GET /auth \(forward auth\)' 'GET / no session \(303\)'; do
	expect_match "both methods: $row" "^$row +$num +[0-9]+ +[0-9]+ +$num$" "$OUT"
done
expect_match "GET / with 100 sessions over GET / with one, both methods" \
	"^sessions: GET / with 100 sessions / with 1 session: $num \(slices\), $num \(sequential\)$" "$OUT"
for row in 'idle, signed in' 'under load \(peak VmRSS\)' 'high-water mark \(VmHWM\)'; do
	expect_match "RSS row: $row" "^$row +$num +$num +$num$" "$OUT"
done
expect_match "login: /auth_redirect time" "^login: GET /auth_redirect +$num ms" "$OUT"
expect_match "login: provider time" "^login: provider time +$num ms" "$OUT"
expect_match "login: overhead" "^login: airlock overhead +-?$num ms" "$OUT"
expect_match "store figure" "^store: durable increments +[0-9]+ /s vs raw LMDB [0-9]+ /s: $num+x" "$OUT"
expect_match "increment check" '^increment check: counter \+[0-9]+ for [0-9]+ answered requests' "$OUT"
expect_eq "eight target lines" 8 "$(printf '%s\n' "$OUT" | grep -cE '^target (met|MISSED):')"
expect_match "store target line" '^target (met|MISSED): +store >= 20 x raw LMDB, one commit per increment \([0-9.]+x\)$' "$OUT"
expect_match "login overhead target line" '^target (met|MISSED): +login overhead < 2 ms \(-?[0-9.]+ ms\)$' "$OUT"
expect_match "forward auth target line" '^target (met|MISSED): +GET /auth signed in >= 0\.6 x baseline \([0-9.]+ slices, [0-9.]+ sequential\)$' "$OUT"
expect_match "no error answers" '^target met: +no error responses \(0\)' "$OUT"
