#!/usr/bin/env bash
# timeout: 170
# run: once
# Database failover under load.  PostgreSQL primary p1 with a synchronous streaming
# standby p2 (every commit at p1 waits for p2's flush); both nodes' stores use the
# multi-host conninfo host=127.0.0.1,127.0.0.1 port=P1,P2 target_session_attrs=read-write.
# While wrk increments at both frontends, p1's WAL sender is stopped (p2 falls
# behind: no increment may be acknowledged then), p1 is SIGKILLed (with every
# process it started) and p2 promoted.  Checked: no daemon exits or is restarted; the stores
# reconnect by themselves (both nodes acknowledge increments again, now written at
# p2); every increment acknowledged before the kill, and after, is in the final
# count; the count holds nothing beyond what was acknowledged or left without an
# answer or outcome; a second user's counter is untouched.
# (Normal build only: the loads measure the database path, not memory errors.)
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_cluster.sh"
command -v wrk >/dev/null || { fail "wrk not installed (tests/deps.sh test)"; exit 1; }

pg_start p1 || { fail "primary p1 starts"; exit 1; }
pg_standby_start p1 p2 || { fail "synchronous standby p2 starts"; exit 1; }
expect_eq "p2 is p1's synchronous standby" sync \
	"$(pg_psql p1 "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'p2'")"
CLUSTER_CONNINFO=$(pg_conninfo p1 p2) CLUSTER_PASSWORD_FILE=$T/pg-p1.pw
expect_match "the stores' conninfo names both servers, read-write only" \
	'host=127\.0\.0\.1,127\.0\.0\.1 port=[0-9]+,[0-9]+ .*target_session_attrs=read-write' "$CLUSTER_CONNINFO"
STACK_TIMEOUT_MS=3000
cluster_test_up "cluster failover" 2
cluster_two_users || exit 1
declare -A pid0
for i in 1 2; do for d in store authd frontend; do pid0[$i$d]=$(_cluster_pid "$i" "$d"); done; done

t0=$SECONDS
cluster_wrk_start n1 "${NODE_URL[1]}" "$COOKIE" "$CSRF" 24
cluster_wrk_start n2 "${NODE_URL[2]}" "$COOKIE" "$CSRF" 24
sleep 4
# The standby falls behind: p1's WAL sender is stopped, so p2 receives nothing more.
# Synchronous replication: no commit is acknowledged meanwhile (asynchronous
# replication would acknowledge increments that the kill then loses).  Counted
# from the loads' own answers: /metrics asks the (now waiting) store too.
ws=$(ps -o pid=,args= --ppid "${PG_PID[p1]}" | awk '/walsender/ { print $1 }')
[ -n "$ws" ] && kill -STOP $ws && pass "p1's WAL sender to p2 stopped" || fail "no WAL sender at p1"
sleep 0.5
pre1=$(cluster_wrk_acked n1) pre2=$(cluster_wrk_acked n2)
sleep 1.5
expect_eq "no increment acknowledged while the standby received nothing" 0 \
	$(($(cluster_wrk_acked n1) + $(cluster_wrk_acked n2) - pre1 - pre2))
pg_kill p1
tk=$SECONDS
pg_promote p2 && pass "p2 promoted ($((SECONDS - tk)) s after p1 was killed)" || fail "p2 promoted"
# The stores find the new primary by themselves: both nodes acknowledge again.
for i in 1 2; do
	if _stack_wait 15 eval '[ "$(cluster_wrk_acked n'$i')" -gt "$pre'$i'" ]'; then
		pass "node $i acknowledges increments again $((SECONDS - tk)) s after the kill"
	else fail "node $i acknowledged nothing within 15 s of the promotion"; fi
done
cluster_wrk_wait n1 || fail "the load on node 1 ended"
cluster_wrk_wait n2 || fail "the load on node 2 ended"
elapsed=$((SECONDS - t0))
[ "$elapsed" -le 60 ] && pass "load and failover took $elapsed s" || fail "load and failover took $elapsed s"

ok=1
for i in 1 2; do for d in store authd frontend; do
	[ "$(_cluster_pid "$i" "$d")" = "${pid0[$i$d]}" ] && cluster_alive "$i" "$d" || { ok=0; fail "node $i $d exited"; }
done; done
[ "$ok" = 1 ] && pass "no daemon exited or was restarted"
expect_eq "p2 takes writes now" f "$(pg_psql p2 "SELECT pg_is_in_recovery()")"

get() { cluster_wrk_get "$@"; }
acked=$(($(get n1 acked) + $(get n2 acked)))
maybe=$(($(get n1 unanswered) + $(get n2 unanswered) + $(get n1 failed) + $(get n2 failed)))
echo "node 1: $(tr '\n' ' ' <"$T/n1.wrk")"
echo "node 2: $(tr '\n' ' ' <"$T/n2.wrk")"
[ "$pre1" -gt 0 ] && [ "$pre2" -gt 0 ] &&
	pass "both nodes acknowledged increments before the kill ($pre1, $pre2)" ||
	fail "no increments acknowledged before the kill ($pre1, $pre2)"
expect_eq "no increment refused (4xx)" 0 $(($(get n1 refused) + $(get n2 refused)))
final1=$(sc "$A" "${NODE_URL[1]}/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p')
final2=$(sc "$A" "${NODE_URL[2]}/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p')
expect_eq "both nodes read the same final count" "$final1" "$final2"
gained=$((${final1:-0} - START))
[ "$gained" -ge $((pre1 + pre2)) ] &&
	pass "every increment acknowledged before the kill survived it: +$gained >= $((pre1 + pre2))" ||
	fail "increments acknowledged before the kill were lost: +$gained < $((pre1 + pre2))"
[ "$gained" -ge "$acked" ] && pass "nothing acknowledged was lost: count +$gained >= $acked acknowledged" ||
	fail "acknowledged increments lost: count +$gained < $acked acknowledged"
cluster_check_acks "$final1" n1 n2
[ "$gained" -le $((acked + maybe)) ] &&
	pass "nothing counted twice: +$gained <= $acked acknowledged + $maybe without an answer or outcome" ||
	fail "count +$gained > $acked acknowledged + $maybe without an answer or outcome"
expect_eq "bob's counter is untouched" "$BOB" "$(st_count "$B")"
expect_eq "no 500 answered by any frontend" 0 "$(cat "$T"/n*-frontend*.log | grep -c -- '-> 500$')"
exit 0
