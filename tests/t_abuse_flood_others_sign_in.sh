#!/usr/bin/env bash
# Others still sign in while the edges are under attack.  For 20 s, 127.0.0.2
# floods every anonymous route (/login/op, /cli_login, /token, /auth_redirect,
# /auth_redirect/op) at full speed, and a signed-in account at 127.0.0.3 signs
# in again and again in a loop, minting sessions.  Meanwhile a person at
# 127.0.0.1 completes a browser sign-in through the provider, and an
# `airlock login` pairing approved in the browser; both work, each within
# seconds, and the flooder is held to its bucket.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
. "$AIRLOCK_SRC/tests/lib_flood.sh"
stack_up "flood and others sign in" op
cli_env
U=$STACK_URL SECS=20

flood_start f 127.0.0.2 "$STACK_PORT" "$SECS" /login/op "/cli_login?paircode=RAND" \
	"/cli_login?paircode=RAND json" "/token?paircode=RAND json" "/token?paircode=RAND" \
	"/auth_redirect?state=RAND&code=RAND" "/auth_redirect/op?state=RAND&code=RAND"
# The account that mints sessions: signs in from 127.0.0.3 until told to stop.
(
	n=0 ok=0 end=$((SECONDS + SECS))
	while [ "$SECONDS" -lt "$end" ] && [ "$n" -lt 200 ] && [ ! -e "$T/mint.stop" ]; do
		url=$(curl -sS --max-time 10 --interface 127.0.0.3 -c "$T/m.jar" -b "$T/m.jar" -o /dev/null \
			-w '%{redirect_url}' "$U/login/op")
		n=$((n + 1))
		case $url in https://*) ;; *) sleep 0.2; continue ;; esac
		back=$(stack_provider_login "$url" mallory op 2>/dev/null) || continue
		[ "$(curl -sS --max-time 10 --interface 127.0.0.3 -c "$T/m.jar" -b "$T/m.jar" -o /dev/null \
			-w '%{http_code}' "$back")" = 303 ] && ok=$((ok + 1))
		rm -f "$T/m.jar"
	done
	echo "$n $ok" >"$T/mint.out"
) &
MINT_PID=$!
T_PIDS+=("$MINT_PID")
sleep 1

t0=$(date +%s%N)
out=$(stack_login "$T/alice.jar" alice)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "127.0.0.1 completes a browser sign-in during the flood" "303 $U/" "$out"
check "...in under 10 s ($ms ms)" test "$ms" -lt 10000
expect_eq "...and is signed in" op:alice "$(st_get "$T/alice.jar" /secured)"

B=$(cli_browser b1 approve bob)
t0=$(date +%s%N)
BROWSER=$B timeout 60 "$CLI" login --server "$U" >"$T/login.out" 2>"$T/login.err"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "127.0.0.1 completes an airlock login pairing during the flood" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 5 "$T/login.err" "$T/b1.log" 2>/dev/null
expect_eq "...as the user who approved it" "Logged in to $U as op:bob" "$(cat "$T/login.out")"
check "...in under 30 s ($ms ms)" test "$ms" -lt 30000
expect_eq "the CLI session works" op:bob "$("$CLI" whoami 2>/dev/null)"

touch "$T/mint.stop"
flood_wait f || fail "the flood did not finish"
wait "$MINT_PID" 2>/dev/null
echo "flood: $(cat "$T/f.flood")"
echo "minting (attempts, sessions): $(cat "$T/mint.out" 2>/dev/null)"
total=$(flood_get f 'd["total"]')
served=$(flood_get f 'sum(n for c in d["codes"].values() for s, n in c.items() if s != "429")')
secs=$(flood_get f 'd["seconds"]')
max=$(awk -v s="$secs" 'BEGIN { printf "%d", 20 + 2 * (s + 1) + 1 }')
check "the flood ran at full speed ($total requests)" test "$total" -ge 1000
check "the flooder was held to its bucket ($served served of $total, at most $max)" test "$served" -le "$max"
kill -0 "$FRONTEND_PID" && kill -0 "$STORE_PID" && kill -0 "$AUTHD_PID" &&
	pass "all three daemons still running" || fail "a daemon died"
cli_sanitizer_check
exit 0
