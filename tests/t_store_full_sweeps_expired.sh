#!/usr/bin/env bash
# A full database whose sessions have expired still signs people in: a 1 MB map
# (the smallest map_size_mb) filled with sessions that live TTL seconds, and no
# periodic sweep in between (sweep_interval_sec = 3600; the store runs on the
# test clock, which then jumps past TTL).  While they live, a new
# SESSION_CREATE is answered full and reads still work; once they have expired,
# SESSION_CREATEs succeed: the store swept the expired rows before answering.
# run: once (under ASan each write costs ~15 ms and LMDB's nested transactions
# allocate megabytes; the ASan build runs the same path in
# tests/unit/test_store_cap.c)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"
store_lmdb || { skip "full database: LMDB's map size (backend postgresql)"; exit 0; }

TTL=3600
clock_setup || { skip "full database: $CLOCK_SKIP"; exit 0; }
store_keys
store_conf s "map_size_mb = 1" "session_ttl_sec = $TTL" "sweep_interval_sec = 3600"
store_start s || { fail "store starts"; exit 1; }
FIRST=$(field 2 "$(sc s login "$T/proof.sk" github:first First)")

# fill: batches of 200 pipelined sign-ins of new users until one is (partly)
# answered full.  (Smaller writes go on fitting for a while in the pages that
# LMDB frees at each commit: a big batch is what finds the map full.)
flood() { sc s login-flood "$T/proof.sk" "$1" 200; } # PREFIX -> "ok=N full=M"
fill() {
	local i out
	for i in $(seq 100); do
		out=$(flood "u$i-") || return 1
		echo "$out" >>"$T/fill.out"
		case $out in *full=*) return 0 ;; esac
	done
	return 1
}
check "the map filled with sessions" fill
sessions=$(field 3 "$(sc s ping)")
expect_match "hundreds of sessions in 1 MB" '^[0-9]{3,}$' "$sessions"
expect_match "while they live, 200 more sign-ins are (partly) answered full" 'full=[0-9]+' \
	"$(flood early-)"
expect_match "reads still work while full" '^ok github:first First ' "$(sc s get "$FIRST")"

clock_advance $((TTL + 1))	# every session has expired
expect_eq "after they expired, 200 new sign-ins are all answered ok" "ok=200 " "$(flood late-)"
out=$(sc s login "$T/proof.sk" github:late Late)
expect_match "...and another one" '^ok [0-9a-f]{64} github:late Late ' "$out"
expect_match "...whose session works" '^ok github:late Late ' "$(sc s get "$(field 2 "$out")")"
expect_match "the expired sessions were swept (201 left)" '^ok [0-9]+ 201 0$' "$(sc s ping)"
expect_match "the store logs the sweep" 'database full: expiry sweep removed [0-9]+ entries, trying again' \
	"$(cat "$T"/s.log)"
kill -0 "$STORE_PID" 2>/dev/null && pass "the store is still running" || fail "the store died"
exit 0
