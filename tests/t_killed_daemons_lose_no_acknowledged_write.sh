#!/usr/bin/env bash
# SIGKILL each daemon in turn (store, authd, frontend, twice round) while four
# clients increment through the frontend as fast as they can.  Checked: no
# acknowledged increment is lost (every acknowledged count is distinct and the
# final count covers them all), every request gets an answer (503 while the
# store is down; a refused or reset connection only while the frontend itself
# is down; never a hang), the other daemons keep serving while one is down, and
# everything recovers once the killed daemon is restarted.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_fault.sh"

STACK_TIMEOUT_MS=2000
stack_up "fault kill" op
U=$STACK_URL A=$T/a.jar
expect_eq "sign in" "303 $U/" "$(stack_login "$A" alice)"
COOKIE="session=$(st_cookie "$A")" CSRF=$(st_csrf "$A")
[ -n "$CSRF" ] || { fail "no CSRF token on the counter page"; exit 1; }
START=$(st_count "$A")

FAULT_COOKIE=$COOKIE FAULT_CSRF=$CSRF
code() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
storec_ping() { "$BIN/tools/storec" -t 2000 "$STORE_SOCK" ping 2>/dev/null | cut -d' ' -f1; }
authc_ping() { "$BIN/tools/authc" -t 2000 "$AUTHD_SOCK" ping 2>/dev/null | sed -n 's/^status=//p'; }
bad_answers() { # NAME ALLOWED-REGEX: answers outside the allowed set
	awk -v ok="$2" '$1 !~ ("^(" ok ")$")' "$T/$1.load" | sort | uniq -c | tr '\n' ' '; }
inc() { code -b "$COOKIE" -H "Origin: $U" -d "csrf=$CSRF" "$U/increment"; }

store_down() {
	expect_within 5 "[$1] store down: increment answers 503" 503 inc
	expect_eq "[$1] store down: authd still serves sign-in (/login 200)" 200 "$(code "$U/login")"
	expect_eq "[$1] store down: authd answers its socket" ok "$(authc_ping)"
}
kill_store() { # ROUND
	local n=store$1
	fault_round "$n" store 15 store_down
	[ "$(fault_count "$n" 503)" -gt 0 ] && pass "[$n] clients saw 503 while the store was down" ||
		fail "[$n] no 503 while the store was down ($(fault_codes "$n"))"
	expect_eq "[$n] every client got an HTTP answer (200/503/504), none hung" "" "$(bad_answers "$n" '200|503|504')"
}

authd_down() {
	expect_within 5 "[$1] authd down: /login answers 503" 503 code "$U/login"
	expect_eq "[$1] authd down: the counter page still works" 200 "$(st_code "$A" /)"
	expect_eq "[$1] authd down: the store answers its socket" ok "$(storec_ping)"
}
kill_authd() {
	local n=authd$1
	fault_round "$n" authd 20 authd_down
	expect_eq "[$n] every increment succeeded while authd was down (the counter needs only the store)" "" \
		"$(bad_answers "$n" 200)"
}

frontend_down() {
	expect_eq "[$1] frontend down: the store answers its socket" ok "$(storec_ping)"
	expect_eq "[$1] frontend down: authd answers its socket" ok "$(authc_ping)"
}
kill_frontend() {
	local n=frontend$1
	fault_round "$n" frontend 15 frontend_down
	expect_eq "[$n] frontend back: the session still works" op:alice "$(st_get "$A" /secured)"
	[ "$(($(fault_count "$n" refused) + $(fault_count "$n" reset)))" -gt 0 ] &&
		pass "[$n] clients saw the frontend go away (refused/reset)" ||
		fail "[$n] no client noticed the frontend was down ($(fault_codes "$n"))"
	expect_eq "[$n] answers were 200, or refused/reset while it was down; none hung" "" \
		"$(bad_answers "$n" '200|refused|reset')"
}

t0=$SECONDS
for round in 1 2; do
	group "kill store (round $round)"; kill_store "$round"; group_end
	group "kill authd (round $round)"; kill_authd "$round"; group_end
	group "kill frontend (round $round)"; kill_frontend "$round"; group_end
done

group "kill: nothing acknowledged is lost"
fault_acks "${FAULT_ROUNDS[@]}" | sort -n >"$T/acks"
nacks=$(wc -l <"$T/acks")
dups=$(uniq -d "$T/acks" | wc -l)
max=$(tail -n 1 "$T/acks")
final=$(st_count "$A")
[ "$nacks" -ge 50 ] && pass "$nacks increments acknowledged over 6 kills in $((SECONDS - t0)) s" ||
	fail "only $nacks increments acknowledged"
expect_eq "no count was acknowledged twice (a lost increment would repeat one)" 0 "$dups"
[ -n "$final" ] && [ -n "$max" ] && [ "$final" -ge "$max" ] &&
	pass "final count $final >= highest acknowledged $max" || fail "final count '$final' < highest acknowledged '$max'"
[ -n "$final" ] && [ "$final" -ge $((START + nacks)) ] &&
	pass "final count $final >= start $START + $nacks acknowledged" ||
	fail "final count '$final' < start $START + $nacks acknowledged"
expect_eq "no 500 answered by any frontend" 0 "$(cat "$T"/frontend*.log | grep -c -- '-> 500$')"
grep -qE "handler left|unexpected backend status|second answer" "$T"/frontend*.log &&
	fail "the frontend logged a bug" || pass "the frontend logged no bug"
stack_stop_store
mdb_stat -a "$STACK_DIR/store.db" >"$T/mdb_stat.out" 2>&1 && grep -q "Status of users" "$T/mdb_stat.out" &&
	pass "database opens cleanly after the kills (mdb_stat)" ||
	fail "database opens cleanly: $(head -3 "$T/mdb_stat.out")"
group_end
exit 0
