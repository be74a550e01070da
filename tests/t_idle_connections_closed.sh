#!/usr/bin/env bash
# Hostile peers that hold connections: 1,000 idle connections to the frontend,
# to the store's socket and to authd's socket (idle_timeout_sec = 3 for all
# three): the daemon keeps serving the signed-in user meanwhile, and closes
# every idle connection after the timeout, after which new peers get in again.
# Frame headers claiming 4 GB, and a header promising 16 KiB that never comes,
# to store and authd: that one connection is closed (at once / at the idle
# timeout) and the daemon serves the others.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_fault.sh"

IDLE=3 HOLD=9 N=1000
# All from 127.0.0.1, like the user: no cap per address here (t_abuse_slowloris.sh has it).
STACK_FRONTEND_EXTRA=$(printf 'idle_timeout_sec = %s\nmax_conns_per_addr = 0' "$IDLE")
STACK_STORE_EXTRA="idle_timeout_sec = $IDLE"
STACK_AUTHD_EXTRA="idle_timeout_sec = $IDLE"
stack_up "fault idle" op
U=$STACK_URL A=$T/a.jar
expect_eq "sign in" "303 $U/" "$(stack_login "$A" alice)"

test_more() { [ "$("$1")" -gt "$2" ]; }	# FUNCTION N: FUNCTION now prints more than N
code() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
storec() { "$BIN/tools/storec" -t "${RAW_MS:-3000}" "$STORE_SOCK" "$@" 2>/dev/null; }
authc() { "$BIN/tools/authc" -t "${RAW_MS:-3000}" "$AUTHD_SOCK" "$@" 2>/dev/null; }
# served_during NAME: the user is served while NAME's connections are held
served_during() {
	local ok=0 login=0 i
	for i in $(seq 10); do
		[ "$(st_get "$A" /secured)" = op:alice ] && ok=$((ok + 1))
		[ "$(code "$U/login")" = 200 ] && login=$((login + 1))
		sleep 0.2
	done
	expect_eq "[$1] the signed-in user is served meanwhile (10 of 10)" 10 "$ok"
	expect_eq "[$1] sign-in page (authd) served meanwhile (10 of 10)" 10 "$login"
}
idle_result() { # NAME -> checks the python report
	local out
	fault_idle_wait "$1"
	out=$(cat "$T/$1.idle")
	expect_match "[$1] $N connections opened" "^opened $N " "$out"
	expect_match "[$1] every one was closed by the daemon within $HOLD s" "closed_by_peer $N open 0" "$out"
}

group "idle: 1,000 connections to the frontend"
fault_idle_start fe "tcp:$STACK_PORT" $N $HOLD || fail "[fe] connections opened"
served_during fe
idle_result fe
conns=$(curl -sS --max-time 10 "$STACK_METRICS_URL/metrics" | sed -n 's/^airlock_frontend_connections //p')
[ "${conns:-99}" -le 3 ] && pass "[fe] no connection left behind ($conns open)" || fail "[fe] $conns connections still open"
group_end

group "idle: 1,000 connections to the store's socket"
fault_idle_start store "unix:$STORE_SOCK" $N $HOLD || fail "[store] connections opened"
served_during store
idle_result store
expect_eq "[store] a new peer gets in again afterwards" ok "$(storec ping | cut -d' ' -f1)"
expect_match "[store] the idle closes are logged" "connection [0-9]+ .*closed: idle timeout" "$(cat "$T"/store*.log)"
group_end

group "idle: 1,000 connections to authd's socket"
fault_idle_start authd "unix:$AUTHD_SOCK" $N $HOLD || fail "[authd] connections opened"
served_during authd
idle_result authd
expect_eq "[authd] a new peer gets in again afterwards" ok "$(authc ping | sed -n 's/^status=//p')"
expect_match "[authd] the idle closes are logged" "connection [0-9]+ .*closed: idle timeout" "$(cat "$T"/authd*.log)"
group_end

group "frames: a header claiming 4 GB, and a frame that never arrives"
expect_eq "[store] a 4 GB frame header closes the connection" closed "$(storec raw ffffffff000400640000000a)"
expect_eq "[store] a 16 KiB+1 header closes the connection" closed "$(storec raw 00004001000400640000000b)"
expect_match "[store] ...logged as a bad header" "bad frame header \(version 4, length 4294967295\)" "$(cat "$T"/store*.log)"
expect_eq "[authd] a 4 GB frame header closes the connection" closed "$(authc raw ffffffff000400c80000000a)"
expect_eq "[authd] a 4 GB header of an unknown type closes it too" closed "$(authc raw ffffffff0004fffe0000000a)"
t0=$(date +%s%N)
expect_eq "[store] a header promising 16 KiB that never comes is closed at the idle timeout" closed \
	"$(RAW_MS=8000 storec raw 00004000000400640000000c)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge $((IDLE * 1000 - 500)) ] && [ "$ms" -lt $((IDLE * 1000 + 3000)) ] &&
	pass "[store] ...after about $IDLE s ($ms ms)" || fail "[store] ...closed after $ms ms"
expect_eq "[authd] a header promising 16 KiB that never comes is closed at the idle timeout" \
	closed "$(RAW_MS=8000 authc raw 00004000000400c80000000c)"
expect_eq "[store] keeps serving others" ok "$(storec ping | cut -d' ' -f1)"
expect_eq "[authd] keeps serving others" ok "$(authc ping | sed -n 's/^status=//p')"
expect_eq "[fe] the user is still served" op:alice "$(st_get "$A" /secured)"
# The store closes the frontend's own quiet connection too: the frontend connects
# again at once, so the first request after the quiet spell is served (no 503).
lost() { cat "$T"/frontend*.log | grep -c "store: connection lost: closed by peer"; }
was_lost=$(lost)
check "[fe] the store closes the frontend's quiet connection (the frontend sees it)" \
	wait_for "the idle backend connection closed" $((IDLE + 5)) test_more lost "$was_lost"
expect_eq "[fe] first request after the store closed the idle backend connection" 200 \
	"$(st_code "$A" /secured)"
kill -0 "$STORE_PID" && kill -0 "$AUTHD_PID" && kill -0 "$FRONTEND_PID" &&
	pass "all three daemons still running" || fail "a daemon died"
group_end
exit 0
