#!/usr/bin/env bash
# The PostgreSQL backend commits in groups: many concurrent increments share
# transactions (counted by the store's log and by PostgreSQL's xact_commit), and
# the final counter equals the increments acknowledged.  A request whose statement
# fails aborts the batch it shares with others, yet fails alone: the batch's other
# requests run again, each in its own transaction, and are answered ok, the failing
# one "internal", every time.
AIRLOCK_STORE_BACKEND=postgresql
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

CLIENTS=6 EACH=300
store_keys
store_conf s
store_start s || { fail "store starts"; exit 1; }
TOK=$(field 2 "$(sc s login "$T/proof.sk" github:1 Alice)")
commits() { pg_psql s "SELECT xact_commit FROM pg_stat_database WHERE datname = 'airlock'"; }
C0=$(commits)
pids=()
for i in $(seq "$CLIENTS"); do
	sc s pipeline "$TOK" "$EACH" >"$T/p$i" &
	pids+=($!)
done
wait "${pids[@]}"
acked=0
for i in $(seq "$CLIENTS"); do acked=$((acked + $(field 2 "$(cat "$T/p$i")"))); done
expect_eq "$CLIENTS clients x $EACH pipelined increments all acknowledged" "$((CLIENTS * EACH))" "$acked"
expect_eq "the counter equals the acknowledged increments" "$acked" "$(field 4 "$(sc s get "$TOK")")"
store_stop "$STORE_PID"; expect_eq "SIGTERM: clean exit" "0" "$?"
# the store's backend has exited: its statistics are in pg_stat_database
read -r NREQ NCOMMIT < <(sed -n 's/.* \([0-9]*\) requests in \([0-9]*\) commits.*/\1 \2/p' "$T/s.log")
if [ "${NREQ:-0}" -ge "$acked" ] && [ "$((NCOMMIT * 10))" -le "$NREQ" ]; then
	pass "group commit (the store's count): $NREQ requests in $NCOMMIT commits"
else
	fail "group commit (the store's count): ${NREQ:-?} requests in ${NCOMMIT:-?} commits"
fi
C1=$(commits)
if [ $(( (C1 - C0) * 10 )) -le "$acked" ]; then
	pass "group commit (PostgreSQL's xact_commit): $((C1 - C0)) for $((acked + 1)) requests"
else
	fail "group commit (PostgreSQL's xact_commit): $((C1 - C0)) for $((acked + 1)) requests"
fi

# --- a failing statement: a session whose user row is gone makes airlock_session_get raise
mv "$T/s.log" "$T/s-1.log"
store_start s || { fail "store starts again"; exit 1; }
BAD=$(field 2 "$(sc s login "$T/proof.sk" github:bad Broken)")
pg_psql s "DELETE FROM users WHERE user_id = 'github:bad'::bytea" >/dev/null
"$STOREC" "$(store_sock s)" get "$BAD" >"$T/bad1"
sc s pipeline "$TOK" 1500 >"$T/good" & p=$!
bad=
for i in $(seq 20); do bad="$bad$(sc s incr "$BAD") "; done
wait "$p"
expect_match "increments sharing batches with failing requests: all ok" '^ok 1500 ' "$(cat "$T/good")"
expect_eq "the failing request alone answered internal" "internal" "$(cat "$T/bad1")"
expect_eq "...every time (20 more, while the increments ran)" "$(printf 'internal %.0s' $(seq 20))" "$bad"
expect_eq "the counter: exactly the acknowledged increments" "$((acked + 1500))" "$(field 4 "$(sc s get "$TOK")")"
grep -Eq "a batch of ([2-9]|[0-9]{2,}) requests failed \(airlock: a session without its user\)" "$T/s.log" &&
	pass "a batch shared by good and failing requests aborted, logged" ||
	fail "a batch shared by good and failing requests aborted, logged"
grep -q "STORE_INCREMENT: database: airlock: a session without its user" "$T/s.log" &&
	pass "the failing request is logged" || fail "the failing request is logged"
store_stop "$STORE_PID"; expect_eq "SIGTERM: clean exit" "0" "$?"
exit 0
