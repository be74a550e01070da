#!/usr/bin/env bash
# run: once
# timeout: 200
# Smoke run of the PostgreSQL benchmark (bench/pg.sh --smoke: one slice of
# each figure, 16 clients): the script runs, prints every row with figures,
# every counter equals the increments acknowledged, and no error answer or
# failed increment is seen.  No timing assertion.
. "$(dirname "$0")/lib.sh"

OUT=$(BIN=$BIN timeout 120 "$AIRLOCK_SRC/bench/pg.sh" --smoke 2>&1); rc=$?
echo "$OUT"
expect_eq "bench/pg.sh --smoke exits 0" "0" "$rc"

num='[0-9]+(\.[0-9]+)?'
expect_match "header line" '^airlock PostgreSQL benchmark: .*, 16 clients, 1 x 1 s per figure$' "$OUT"
expect_match "PostgreSQL commits durably" '^PostgreSQL 15\.[0-9]+.*, fsync on, synchronous_commit on,' "$OUT"
for row in 'baseline: UPDATE per commit, 1 connection' 'baseline: UPDATE per commit, 16 on one row' \
	'baseline: UPDATE per commit, 16 on a row each' 'store, backend = postgresql, 16 clients'; do
	expect_match "row: $row, none failed" "^$row +[0-9]+ +$num +0$" "$OUT"
done
for row in 'backend = lmdb' 'backend = postgresql'; do
	expect_match "POST /increment row: $row, no errors" "^$row +[0-9]+ +(-|[0-9]+) +$num +$num +$num +0$" "$OUT"
done
expect_match "baseline's counters equal its acknowledged increments" \
	'^pg check: baseline sum\(counter\) ([0-9]+) for \1 acknowledged$' "$OUT"
expect_match "store's counter equals its acknowledged increments" \
	'^pg check: store counter ([0-9]+) for \1 acknowledged$' "$OUT"
expect_match "the postgresql store's commits" \
	'^store \(postgresql\), both parts: [0-9]+ requests in [0-9]+ commits \([0-9.]+ per commit\)$' "$OUT"
expect_match "increment check" \
	'^increment check: lmdb counter \+[0-9]+ for [0-9]+ answered requests, postgresql counter \+[0-9]+ for [0-9]+$' "$OUT"
expect_eq "three target lines" 3 "$(printf '%s\n' "$OUT" | grep -cE '^target (met|MISSED):')"
expect_match "store target line" \
	'^target (met|MISSED): +store \(postgresql\) >= 10 x one UPDATE; COMMIT per increment \([0-9.]+x; [0-9.]+x a row each\)$' "$OUT"
expect_match "p99 target line" \
	'^target (met|MISSED): +p99 < 5 ms at 16 connections, POST /increment with postgresql \([0-9.]+ ms; lmdb [0-9.]+ ms\)$' "$OUT"
expect_match "no error answers" '^target met: +no error responses or failed increments \(0\)$' "$OUT"
