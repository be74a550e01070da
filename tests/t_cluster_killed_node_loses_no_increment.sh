#!/usr/bin/env bash
# timeout: 170
# run: once
# Two nodes on one PostgreSQL, one user's durable increments from two wrk loads for
# 20 s, one straight at each node's frontend, while node 1's store, authd and
# frontend are SIGKILLed together and restarted, twice.  Checked: every increment
# either load saw acknowledged (303) is in the final count, and the count holds
# nothing beyond what was acknowledged, answered without an outcome (5xx) or left
# unanswered; node 2 kept acknowledging while node 1 was down; node 1 serves again
# after each restart; a second user's counter is untouched.
# (Normal build only: the loads measure the database path, not memory errors.)
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_cluster.sh"
command -v wrk >/dev/null || { fail "wrk not installed (tests/deps.sh test)"; exit 1; }

STACK_TIMEOUT_MS=3000
cluster_test_up "cluster killed node" 2
cluster_two_users || exit 1

t0=$SECONDS
cluster_wrk_start n1 "${NODE_URL[1]}" "$COOKIE" "$CSRF" 20
cluster_wrk_start n2 "${NODE_URL[2]}" "$COOKIE" "$CSRF" 20
mid=()
for round in 1 2; do
	sleep 4
	before=$(cluster_metric 2 airlock_frontend_increments_total)
	cluster_kill 1 store authd frontend
	sleep 1
	after=$(cluster_metric 2 airlock_frontend_increments_total)
	[ "$after" -gt "$before" ] && pass "[kill $round] node 2 acknowledged $((after - before)) increments while node 1 was dead" ||
		fail "[kill $round] node 2 acknowledged nothing while node 1 was dead ($before -> $after)"
	cluster_start 1 || { fail "[kill $round] node 1 restarts"; break; }
	if cluster_wait_ready 1 15; then pass "[kill $round] node 1 serves again after its restart"
	else fail "[kill $round] node 1 not ready 15 s after its restart"; fi
	mid+=("$(st_count "$A")")
done
cluster_wrk_wait n1 || fail "the load on node 1 ended"
cluster_wrk_wait n2 || fail "the load on node 2 ended"
elapsed=$((SECONDS - t0))
[ "$elapsed" -le 60 ] && pass "loads and kills took $elapsed s" || fail "loads and kills took $elapsed s"

get() { cluster_wrk_get "$@"; }
acked=$(($(get n1 acked) + $(get n2 acked)))
maybe=$(($(get n1 unanswered) + $(get n2 unanswered) + $(get n1 failed) + $(get n2 failed)))
echo "node 1: $(tr '\n' ' ' <"$T/n1.wrk")"
echo "node 2: $(tr '\n' ' ' <"$T/n2.wrk")"
[ "$(get n1 acked)" -gt 0 ] && pass "node 1 acknowledged $(get n1 acked) increments (before, between, after the kills)" ||
	fail "node 1 acknowledged nothing"
[ "$(get n2 acked)" -gt 0 ] && pass "node 2 acknowledged $(get n2 acked) increments" ||
	fail "node 2 acknowledged nothing"
expect_eq "no increment refused (4xx)" 0 $(($(get n1 refused) + $(get n2 refused)))
final1=$(sc "$A" "${NODE_URL[1]}/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p')
final2=$(sc "$A" "${NODE_URL[2]}/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p')
expect_eq "both nodes read the same final count" "$final1" "$final2"
final=${final1:-0}
gained=$((final - START))
[ "$gained" -ge "$acked" ] && pass "nothing acknowledged was lost: count +$gained >= $acked acknowledged" ||
	fail "acknowledged increments lost: count +$gained < $acked acknowledged"
cluster_check_acks "$final1" n1 n2
[ "$gained" -le $((acked + maybe)) ] &&
	pass "nothing counted twice: +$gained <= $acked acknowledged + $maybe without an answer or outcome" ||
	fail "count +$gained > $acked acknowledged + $maybe without an answer or outcome"
ok=1; prev=$START
for m in "${mid[@]}" "$final"; do [ -n "$m" ] && [ "$m" -ge "$prev" ] || ok=0; prev=${m:-0}; done
[ "$ok" = 1 ] && pass "the count only grew (${mid[*]} $final)" || fail "the count went back (${mid[*]} $final)"
expect_eq "bob's counter is untouched" "$BOB" "$(st_count "$B")"
expect_eq "bob's counter read at node 1" "$BOB" \
	"$(sc "$B" "${NODE_URL[1]}/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p')"
expect_eq "no 500 answered by any frontend" 0 "$(cat "$T"/n*-frontend*.log | grep -c -- '-> 500$')"
exit 0
