#!/usr/bin/env bash
# When its PostgreSQL cannot be reached the store says so at once and keeps running:
# requests are answered "unavailable" within 1 s (after a clean stop, after the
# postmaster is killed, and while the database hangs: a batch unanswered for 5 s
# drops the connection), the store never exits, and service comes back by itself
# once the database is back, with every acknowledged write kept.  A store started
# while its database is down starts, answers "unavailable", and serves once it is up.
AIRLOCK_STORE_BACKEND=postgresql
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

store_keys
store_conf s
store_start s || { fail "store starts"; exit 1; }
SPID=$STORE_PID
TOK=$(field 2 "$(sc s login "$T/proof.sk" github:1 Alice)")
expect_eq "an increment while the database is up" "ok 1" "$(sc s incr "$TOK")"

# timed ARGS: the answer's status word, then the milliseconds it took
timed() {
	local t0 out
	t0=$(date +%s%N)
	out=$("$STOREC" -t 10000 "$(store_sock s)" "$@")
	echo "$(field 1 "$out") $(( ($(date +%s%N) - t0) / 1000000 ))"
}
# unavailable_fast WHAT: the next increment is answered unavailable within 1 s
unavailable_fast() {
	local r
	r=$(timed incr "$TOK")
	if [ "$(field 1 "$r")" = unavailable ] && [ "$(field 2 "$r")" -lt 1000 ]; then
		pass "$1: answered unavailable in $(field 2 "$r") ms"
	else
		fail "$1: answered unavailable within 1 s (got: $r)"
	fi
}
comes_back() { # WHAT COUNT: the store serves again, by itself, the count kept
	expect_within 15 "$1: service comes back by itself" "ok" bash -c "'$STOREC' '$(store_sock s)' ping | cut -d' ' -f1"
	expect_eq "$1: acknowledged increments kept" "ok $2" "$(sc s incr "$TOK")"
}
alive() { kill -0 "$SPID" 2>/dev/null && pass "$1: the store is still running" || fail "$1: the store exited"; }

# --- a clean stop
pg_stop s
unavailable_fast "database stopped"
expect_eq "database stopped: a read too" "unavailable" "$(sc s get "$TOK")"
expect_eq "database stopped: a login too" "unavailable" "$(sc s login "$T/proof.sk" github:2 Bob)"
sleep 2
alive "database stopped for 2 s"
unavailable_fast "database still stopped"
pg_start s || fail "database starts again"
comes_back "database restarted" 2

# --- the postmaster killed
pg_kill s
sleep 0.5
unavailable_fast "postmaster killed"
alive "postmaster killed"
pg_start s || fail "database starts after the kill"
comes_back "database recovered" 3

# --- the database hangs: the store's backend process stopped (SIGSTOP)
BPID=$(pg_psql s "SELECT pid FROM pg_stat_activity WHERE application_name = 'airlock-store'")
if [ -n "$BPID" ] && kill -STOP "$BPID"; then
	r=$(timed incr "$TOK")
	kill -CONT "$BPID"
	if [ "$(field 1 "$r")" = unavailable ] && [ "$(field 2 "$r")" -lt 8000 ]; then
		pass "a hung database: the batch answered unavailable after $(field 2 "$r") ms"
	else
		fail "a hung database: the batch answered unavailable within 8 s (got: $r)"
	fi
	grep -q "no answer within 5000 ms to a batch" "$T/s.log" && pass "a hung database: logged" ||
		fail "a hung database: logged"
	alive "a hung database"
	# the increment may have committed before the hang was noticed: 4 or 5
	expect_within 15 "a hung database: service comes back" "ok" bash -c "'$STOREC' '$(store_sock s)' ping | cut -d' ' -f1"
	expect_match "a hung database: the count goes on" '^ok [45]$' "$(sc s incr "$TOK")"
else
	fail "the store's database connection is listed in pg_stat_activity"
fi
store_stop "$SPID"; expect_eq "SIGTERM: clean exit" "0" "$?"

# --- a store started while its database is down
pg_stop s
bg s2 "$BIN/airlock-store" -d -v -f "$T/s.conf"; SPID=$LAST_PID
wait_socket "$(store_sock s)" 10 && pass "database down at start: the store starts" ||
	fail "database down at start: the store starts"
expect_within 5 "database down at start: answers unavailable" "unavailable" \
	bash -c "'$STOREC' '$(store_sock s)' ping | cut -d' ' -f1"
sleep 1
alive "database down at start"
pg_start s || fail "database starts"
expect_within 15 "database down at start: serves once it is up" "ok" \
	bash -c "'$STOREC' '$(store_sock s)' ping | cut -d' ' -f1"
store_stop "$SPID"
exit 0
