#!/usr/bin/env bash
# run: once
# timeout: 170
# PostgreSQL stopped under two nodes: every request that needs the database (the
# counter page, an increment, /token, /healthz) is answered 503 within the frontend's
# request timeout, at each node and through nginx; no daemon exits; sessions and
# pages that need no database still work (/login); once PostgreSQL is back on its
# port, service returns by itself (no daemon restarted) with the counts intact.
# The same holds for a database that is SIGKILLed rather than stopped.  A database
# that hangs (every PostgreSQL process SIGSTOPped) gets each request answered 503 or
# 504 within the request timeout, and service returns when it resumes.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_cluster.sh"

TIMEOUT_MS=2000
STACK_TIMEOUT_MS=$TIMEOUT_MS
cluster_test_up "cluster database down" 2
U=$CLUSTER_URL A=$T/a.jar
expect_eq "alice signs in" "303 $U/" "$(stack_login "$A" alice)"
COOKIE="session=$(st_cookie "$A")" CSRF=$(st_csrf "$A")
inc() { # URL -> "CODE SECONDS"
	curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{time_total}' -H "Cookie: $COOKIE" \
		-H "Origin: $U" -H 'Accept: application/json' --data-urlencode "csrf=$CSRF" "$1/increment"
}
get() { curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{time_total}' -H "Cookie: $COOKIE" "$@"; }
for i in 1 2 3; do st_post "$A" /increment back=1 >/dev/null; done
COUNT=$(st_count "$A")
expect_eq "three increments counted" 3 "$COUNT"
declare -A pid0
for i in 1 2; do for d in store authd frontend; do pid0[$i$d]=$(_cluster_pid "$i" "$d"); done; done
limit=$(awk -v t="$TIMEOUT_MS" 'BEGIN { print t / 1000 + 0.5 }')

# within SECS CODE: the answer is CODE, in at most the request timeout (+0.5 s)
answers() { # WHAT WANT "CODE SECONDS"
	local code=${3%% *} secs=${3##* }
	if [ "$code" = "$2" ] && awk -v s="$secs" -v l="$limit" 'BEGIN { exit !(s <= l) }'; then
		pass "$1: $code in ${secs}s"
	else
		fail "$1: '$code' in ${secs}s (want $2 within ${limit}s)"
	fi
}

down_round() { # NAME
	local i u
	sleep 1
	for i in 1 2; do
		u=${NODE_URL[$i]}
		answers "[$1] node $i: increment" 503 "$(inc "$u")"
		answers "[$1] node $i: counter page" 503 "$(get "$u/")"
		answers "[$1] node $i: /token" 503 "$(get "$u/token?paircode=$(rand_b64url 24)")"
		answers "[$1] node $i: /healthz" 503 "$(get "$u/healthz")"
		answers "[$1] node $i: /login (no database needed)" 200 "$(get "$u/login")"
	done
	answers "[$1] through nginx: increment" 503 "$(inc "$U")"
	answers "[$1] through nginx: increment again (the other node)" 503 "$(inc "$U")"
	# Several seconds without the database: nobody gives up.
	sleep 4
	answers "[$1] still 503 after 5 s" 503 "$(inc "${NODE_URL[1]}")"
	local ok=1
	for i in 1 2; do for d in store authd frontend; do
		cluster_alive "$i" "$d" || { ok=0; fail "[$1] node $i $d exited while the database was down"; }
	done; done
	[ "$ok" = 1 ] && pass "[$1] no daemon exited while the database was down"
}

up_round() { # NAME
	local i t0=$SECONDS
	pg_start main || { fail "[$1] PostgreSQL restarts"; return; }
	for i in 1 2; do
		expect_within 20 "[$1] node $i counts again by itself" 200 \
			bash -c 'inc() { curl -sS --max-time 10 -o /dev/null -w "%{http_code}" -H "Cookie: $1" \
				-H "Origin: $2" -H "Accept: application/json" --data-urlencode "csrf=$3" "$4/increment"; }
				inc "$@"' _ "$COOKIE" "$U" "$CSRF" "${NODE_URL[$i]}"
	done
	echo "[$1] back $((SECONDS - t0)) s after PostgreSQL restarted"
	COUNT=$((COUNT + 2))
	expect_eq "[$1] the count survived (and the two new increments)" "$COUNT" "$(st_count "$A")"
	expect_eq "[$1] /healthz ok at node 1" ok "$(curl -sS --max-time 5 "${NODE_URL[1]}/healthz")"
	expect_eq "[$1] /healthz ok at node 2" ok "$(curl -sS --max-time 5 "${NODE_URL[2]}/healthz")"
}

pg_stop main
down_round stopped
up_round stopped
pg_kill main
down_round killed
up_round killed

# Hung: the server and its connections stop answering (nothing is refused or closed).
pgs=$(ps -o pid= --ppid "${PG_PID[main]}"; echo "${PG_PID[main]}")
kill -STOP $pgs
hung() { # WHAT "CODE SECONDS": 503 or 504 within the request timeout
	local code=${2%% *} secs=${2##* }
	if [[ $code =~ ^50[34]$ ]] && awk -v s="$secs" -v l="$limit" 'BEGIN { exit !(s <= l) }'; then
		pass "$1: $code in ${secs}s"
	else
		fail "$1: '$code' in ${secs}s (want 503 or 504 within ${limit}s)"
	fi
}
for i in 1 2; do
	hung "[hung] node $i: increment" "$(inc "${NODE_URL[$i]}")"
	hung "[hung] node $i: counter page" "$(get "${NODE_URL[$i]}/")"
done
hung "[hung] through nginx: increment" "$(inc "$U")"
sleep 3
hung "[hung] node 1: increment, 5 s on" "$(inc "${NODE_URL[1]}")"
kill -CONT $pgs
for i in 1 2; do
	expect_within 20 "[hung] node $i counts again once the database resumes" 200 \
		bash -c 'curl -sS --max-time 10 -o /dev/null -w "%{http_code}" -H "Cookie: $1" \
			-H "Origin: $2" -H "Accept: application/json" --data-urlencode "csrf=$3" "$4/increment"' \
		_ "$COOKIE" "$U" "$CSRF" "${NODE_URL[$i]}"
done

ok=1
for i in 1 2; do for d in store authd frontend; do
	[ "$(_cluster_pid "$i" "$d")" = "${pid0[$i$d]}" ] && cluster_alive "$i" "$d" || ok=0
done; done
[ "$ok" = 1 ] && pass "every daemon is the one started first (none restarted)" ||
	fail "a daemon was restarted or exited"
expect_eq "no 500 answered by any frontend" 0 "$(cat "$T"/n*-frontend*.log | grep -c -- '-> 500$')"
exit 0
