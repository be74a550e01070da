#!/usr/bin/env bash
# One address cannot use up the anonymous routes for everyone.  With the
# default limits (a bucket of 20, 2 a second, per client address), 127.0.0.2
# floods /login/op, /cli_login, /token and /auth_redirect at full speed for
# 8 s: beyond its bucket it gets 429 with Retry-After (an HTML page, plain
# text or JSON as the route answers), and at most 20 + 2/s of its requests
# reach authd or the store.  Meanwhile 127.0.0.1 signs in through the
# provider 5 times, and a CLI polls /token once a second without one 429.
# Once the flood stops and Retry-After has passed, 127.0.0.2 is served again.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_flood.sh"
stack_up "login flood" op
U=$STACK_URL SECS=8 BURST=20 RATE=2 LOGINS=5

flood_start f 127.0.0.2 "$STACK_PORT" "$SECS" /login/op "/cli_login?paircode=RAND" \
	"/token?paircode=RAND json" "/auth_redirect?state=RAND&code=RAND" "/token?paircode=RAND"
sleep 0.5

# A person signs in from 127.0.0.1, and a CLI from 127.0.0.1 polls once a second.
pc=$(rand_b64url 24)
curl -sS --max-time 10 -o /dev/null "$U/cli_login?paircode=$pc"
ok=0 slow=0 polls=
for i in $(seq "$LOGINS"); do
	t0=$(date +%s%N)
	out=$(stack_login "$T/p$i.jar" "user$i")
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$out" = "303 $U/" ] && ok=$((ok + 1))
	[ "$ms" -lt 10000 ] || slow=$((slow + 1))
	echo "sign-in $i: $out in $ms ms"
	polls+=" $(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$U/token?paircode=$pc")"
	sleep 1
done
flood_wait f || fail "the flood did not finish"
echo "flood: $(cat "$T/f.flood")"

expect_eq "127.0.0.1 signed in $LOGINS times of $LOGINS during the flood" "$LOGINS" "$ok"
expect_eq "...each in under 10 s" 0 "$slow"
expect_eq "a CLI polling once a second from 127.0.0.1 was never throttled" \
	"$(printf ' 200%.0s' $(seq "$LOGINS"))" "$polls"
total=$(flood_get f 'd["total"]')
served=$(flood_get f 'sum(n for c in d["codes"].values() for s, n in c.items() if s != "429")')
limited=$(flood_get f 'sum(c.get("429", 0) for c in d["codes"].values())')
secs=$(flood_get f 'd["seconds"]')
max=$(awk -v s="$secs" -v b="$BURST" -v r="$RATE" 'BEGIN { printf "%d", b + r * (s + 1) + 1 }')
check "the flood ran at full speed ($total requests in $secs s)" test "$total" -ge 1000
check "127.0.0.2 got 429 for all but its bucket ($limited of $total)" test "$limited" -ge $((total - max))
check "at most burst + rate x time of its requests were served ($served <= $max)" test "$served" -le "$max"
expect_eq "no connection errors for the flooder" 0 "$(flood_get f 'd["errors"]')"
expect_eq "every 429 carries Retry-After in whole seconds" "$limited 0" \
	"$(flood_get f 'd["retry_after"]["ok"]') $(flood_get f 'd["retry_after"]["bad"]')"
expect_eq "429 on /login/op: an HTML page" text/html "$(flood_get f 'd["shapes"].get("/login/op")')"
expect_eq "429 on /cli_login: plain text" text/plain "$(flood_get f 'd["shapes"].get("/cli_login?paircode=RAND")')"
expect_eq "429 on /token for a CLI: JSON" application/json "$(flood_get f 'd["shapes"].get("/token?paircode=RAND json")')"
expect_eq "429 on /auth_redirect: an HTML page" text/html \
	"$(flood_get f 'd["shapes"].get("/auth_redirect?state=RAND&code=RAND")')"
expect_match "the JSON 429 says slow_down (the CLI backs off)" '^\{"error":"slow_down"' \
	"$(flood_get f 'd["bodies"].get("/token?paircode=RAND json")')"
expect_eq "Retry-After is 1 s at 2 tokens a second" "['1']" "$(flood_get f 'd["retry_after"]["values"]')"
ra=1
expect_match "the 429s are counted" '^airlock_frontend_rate_limited_total [1-9]' \
	"$(curl -sS --max-time 10 "$STACK_METRICS_URL/metrics")"
sleep "${ra:-1}"
expect_eq "after Retry-After, 127.0.0.2 is served again" 303 \
	"$(curl -sS --max-time 10 --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$U/login/op")"
expect_eq "routes that hold nothing are not limited: /login from 127.0.0.2" 200 \
	"$(for i in $(seq 30); do curl -sS --max-time 10 --interface 127.0.0.2 -o /dev/null -w '%{http_code}\n' "$U/login"; done | sort -u | tr -d '\n')"
exit 0
