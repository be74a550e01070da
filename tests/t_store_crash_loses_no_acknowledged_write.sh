#!/usr/bin/env bash
# backends: lmdb postgresql
# airlock-store durability: a client increments over the socket while the store
# is SIGKILLed at random moments and restarted.  No acknowledged increment may
# be lost (the acknowledged values only ever go up, and the final count is at
# least the last one acknowledged) and the database must open cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

CYCLES=${STORE_CRASH_CYCLES:-60}
BUDGET=45			# seconds for all cycles
store_keys
store_conf crash

# The store is restarted many times: its pid is ours to manage, not lib.sh's.
CUR=""
crash_cleanup() { [ -n "$CUR" ] && kill -KILL "$CUR" 2>/dev/null; [ -n "$CUR" ] && wait "$CUR" 2>/dev/null; t_cleanup; }
trap crash_cleanup EXIT
start() {
	"$BIN/airlock-store" -d -f "$T/crash.conf" >>"$T/crash.log" 2>&1 &
	CUR=$!
	store_wait crash 20
}

start || { fail "store starts"; exit 1; }
TOK=$(field 2 "$(sc crash login "$T/proof.sk" github:crash Crash)")
[ -n "$TOK" ] || { fail "login"; exit 1; }

"$STOREC" -t 2000 "$(store_sock crash)" crash-incr "$TOK" $((BUDGET + 15)) >"$T/acks" 2>"$T/client.err" &
CLIENT=$!
T_PIDS+=("$CLIENT")

t0=$SECONDS
done_cycles=0 restart_fail=0
while [ "$done_cycles" -lt "$CYCLES" ] && [ $((SECONDS - t0)) -lt "$BUDGET" ]; do
	sleep "0.$(printf '%03d' $((RANDOM % 250 + 20)))"
	kill -KILL "$CUR"
	wait "$CUR" 2>/dev/null
	CUR=""
	start || { restart_fail=$((restart_fail + 1)); break; }
	done_cycles=$((done_cycles + 1))
done
sleep 0.3
kill -TERM "$CLIENT" 2>/dev/null
wait "$CLIENT" 2>/dev/null

expect_eq "store restarted after every kill" "0" "$restart_fail"
if [ "$done_cycles" -ge 50 ]; then pass "$done_cycles kill cycles in $((SECONDS - t0)) s"
else fail "only $done_cycles kill cycles in $((SECONDS - t0)) s"; fi

nacks=$(grep -c '^[0-9]' "$T/acks")
last=$(grep '^[0-9]' "$T/acks" | tail -n 1)
if [ "$nacks" -gt "$done_cycles" ]; then pass "$nacks increments acknowledged"
else fail "too few increments acknowledged ($nacks)"; fi
if store_lmdb; then
	expect_eq "every answer was ok" "0" "$(grep -vc '^[0-9]' "$T/acks")"
else	# a restarted store answers unavailable until it has connected to its database
	# (crash-incr prints other answers as "status N": ST_UNAVAILABLE is 13, msg.h)
	expect_eq "every answer was ok or unavailable" "0" \
		"$(grep -v '^[0-9]' "$T/acks" | grep -Evc '^(unavailable|status 13)$')"
fi
# a lost acknowledged increment would make a later acknowledgement repeat a value
bad=$(grep '^[0-9]' "$T/acks" | awk 'NR > 1 && $1 <= prev { n++ } { prev = $1 } END { print n + 0 }')
expect_eq "acknowledged values strictly increase across crashes" "0" "$bad"

final=$(field 4 "$(sc crash get "$TOK")")
if [ -n "$final" ] && [ -n "$last" ] && [ "$final" -ge "$last" ]; then
	pass "final count $final >= last acknowledged $last"
else fail "final count '$final' < last acknowledged '$last'"; fi

kill -TERM "$CUR"; wait "$CUR"; rc=$?; CUR=""
expect_eq "last store exits cleanly" "0" "$rc"
if ! store_lmdb; then
	skip "mdb_stat, mdb_dump: LMDB's files (backend postgresql)"
	exit 0
fi
mdb_stat -a "$T/crash.db" >"$T/mdb_stat.out" 2>&1 && grep -q "Status of sessions" "$T/mdb_stat.out" &&
	pass "database opens cleanly (mdb_stat)" || fail "database opens cleanly: $(head -3 "$T/mdb_stat.out")"
mdb_dump -s users "$T/crash.db" >/dev/null 2>&1 && pass "users table dumps" || fail "users table dumps"
exit 0
