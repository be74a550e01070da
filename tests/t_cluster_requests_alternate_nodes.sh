#!/usr/bin/env bash
# run: once
# timeout: 170
# Two airlock nodes on one PostgreSQL, behind nginx running docs/nginx-cluster.conf
# (round-robin), so that consecutive requests land on alternate nodes: a sign-in
# started at one node finishes at the other; the count is the same whichever node
# answers, and both nodes served increments; a CLI pairing created at node 1 and
# approved at node 2 is handed out once, to a /token poll at either node, and its
# session works at both; the real CLI pairs and works through nginx; a session
# signed out at node 2 is refused at node 1 at once; nginx's X-Forwarded-For is
# believed (trusted_proxies), so the frontends see the client's own address.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_cluster.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"

cluster_test_up "cluster requests alternate" 2
pass "two nodes and nginx ($CLUSTER_URL) are up"
U=$CLUSTER_URL N1=${NODE_URL[1]} N2=${NODE_URL[2]}
code() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
json() { curl -sS --max-time 10 -H 'Accept: application/json' "$@"; }

# --- nginx runs the documented example
for h in 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' \
	'proxy_set_header X-Forwarded-Proto $scheme;' 'proxy_pass http://airlock;'; do
	check "nginx runs the example's '$h'" grep -qF -- "$h" "$T/nginx/airlock-site.conf"
done
# The example itself, with TLS as written (the test CA's certificate in place of the
# real one), is a configuration nginx accepts.
sed -e "s|/etc/letsencrypt/live/airlock.example.com/fullchain.pem|$IDP_CERT|" \
    -e "s|/etc/letsencrypt/live/airlock.example.com/privkey.pem|$IDP_KEY|" \
    "$AIRLOCK_SRC/docs/nginx-cluster.conf" >"$T/nginx/doc-site.conf"
sed "s|include $T/nginx/airlock-site.conf;|include $T/nginx/doc-site.conf;|" "$T/nginx/nginx.conf" >"$T/nginx/doc.conf"
out=$(/usr/sbin/nginx -t -p "$T/nginx" -e "$T/nginx/doc-check.log" -c "$T/nginx/doc.conf" 2>&1)
expect_match "docs/nginx-cluster.conf as written (TLS) passes nginx -t" 'test is successful' "$out"
expect_eq "its upstream names both frontends" 2 \
	"$(grep -cE "server 127\.0\.0\.1:(${NODE_PORT[1]}|${NODE_PORT[2]}) " "$T/nginx/airlock-site.conf")"

# --- a sign-in started at node 1 finishes at node 2 (same login.key)
A=$T/a.jar
auth=$(sc "$A" -o /dev/null -w '%{redirect_url}' "$N1/login/op")
back=$(stack_provider_login "$auth" alice op)
expect_match "the provider sends the browser back to nginx's URL" "^$U/auth_redirect\\?" "$back"
expect_eq "sign-in started at node 1 completes at node 2" "303 $N2/" \
	"$(sc "$A" -o /dev/null -w '%{http_code} %{redirect_url}' "${back/#$U/$N2}")"
expect_eq "...and that session is known at node 1" op:alice "$(sc "$A" "$N1/secured")"

# --- counting through nginx
B=$T/b.jar
expect_eq "second user signs in through nginx" "303 $U/" "$(stack_login "$B" bob)"
BOB=$(st_count "$B")
start=$(st_count "$A")
i1=$(cluster_metric 1 airlock_frontend_increments_total)
i2=$(cluster_metric 2 airlock_frontend_increments_total)
CSRF=$(st_csrf "$A")
seen=
for i in $(seq 10); do
	r=$(sc "$A" -H 'Accept: application/json' -H "Origin: $U" --data-urlencode "csrf=$CSRF" "$U/increment")
	seen="$seen $(printf '%s' "$r" | json_get count)"
done
want=$(for i in $(seq 10); do printf ' %d' $((start + i)); done)
expect_eq "each increment through nginx answers the next count (whichever node took it)" "$want" "$seen"
expect_eq "node 1 reads the count" $((start + 10)) "$(sc "$A" "$N1/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p')"
expect_eq "node 2 reads the same count" $((start + 10)) "$(sc "$A" "$N2/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p')"
d1=$(($(cluster_metric 1 airlock_frontend_increments_total) - i1))
d2=$(($(cluster_metric 2 airlock_frontend_increments_total) - i2))
[ "$d1" -gt 0 ] && [ "$d2" -gt 0 ] && pass "both nodes acknowledged increments (node 1: $d1, node 2: $d2)" ||
	fail "increments were not spread over the nodes (node 1: $d1, node 2: $d2)"
expect_eq "the nodes' acknowledgements add up to the 10 increments" 10 $((d1 + d2))
expect_eq "the other user's count is untouched" "$BOB" "$(st_count "$B")"
nup=$(awk '/POST \/increment/ { sub(/upstream=/, "", $NF); print $NF }' "$T/nginx/access.log" | sort -u | wc -l)
expect_eq "nginx's log: the increments went to two upstreams" 2 "$nup"

# --- CLI pairing: created at node 1, approved at node 2, polled at both
PC=$(rand_b64url 24)
out=$(curl -sS --max-time 10 --interface 127.0.0.2 -H 'Accept: application/json' "$U/cli_login?paircode=$PC")
purl=$(printf '%s' "$out" | json_get login_url)
expect_match "pairing created through nginx" "^$U/pair/" "$purl"
page=$(sc "$A" -H 'Sec-Fetch-Site: none' "${purl/#$U/$N2}")
expect_match "trusted_proxies: the frontend saw the client's address (127.0.0.2), not nginx's" \
	'Requested from address <strong>127\.0\.0\.2</strong>' "$page"
PC=$(rand_b64url 24)
out=$(json "$N1/cli_login?paircode=$PC")
purl=$(printf '%s' "$out" | json_get login_url)
expect_match "pairing created at node 1" "^$U/pair/" "$purl"
P=$T/cli.jar
expect_eq "/token at node 2 before approval: pending" authorization_pending \
	"$(json -c "$P" "$N2/token?paircode=$PC" | json_get error)"
sleep 1.1
expect_eq "/token at node 1 before approval: pending" authorization_pending \
	"$(json -c "$P" "$N1/token?paircode=$PC" | json_get error)"
# Approve at node 2 with alice's signed-in browser: the decision, the provider, the way back.
page=$(sc "$A" -H 'Sec-Fetch-Site: none' "${purl/#$U/$N2}")
csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
next=$(sc "$A" -H "Origin: $U" -H 'Sec-Fetch-Site: same-origin' --data-urlencode "csrf=$csrf" \
	--data-urlencode decision=approve "${purl/#$U/$N2}")
auth=$(printf '%s' "$next" | sed -n 's/.*id="continue" href="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')
back=$(stack_provider_login "$auth" alice op)
expect_eq "approval at node 2 completes" 200 "$(sc "$A" -o "$T/approved.html" -w '%{http_code}' "${back/#$U/$N2}")"
sleep 1.1
r=$(json -b "$P" -c "$P" "$N1/token?paircode=$PC")
expect_eq "approved at node 2, the session is handed out at node 1" op:alice \
	"$(printf '%s' "$r" | json_get user)"
sleep 1.1
expect_eq "...once: a poll at node 2 then finds it spent" expired_token \
	"$(json "$N2/token?paircode=$PC" | json_get error)"
expect_eq "the CLI session works at node 1" op:alice "$(sc "$P" "$N1/secured")"
expect_eq "the CLI session works at node 2" op:alice "$(sc "$P" "$N2/secured")"

# --- the real CLI through nginx
cli_env
BR=$(cli_browser clib approve carol op)
mkdir -p "$T/cwd"; cd "$T/cwd" || exit 1
BROWSER=$BR timeout 60 "$CLI" login --server "$U" >"$T/login.out" 2>"$T/login.err"; rc=$?
expect_eq "airlock login through nginx exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 5 "$T/login.err" "$T/clib.log"
w=
for i in 1 2 3 4; do w="$w $("$CLI" whoami 2>&1)"; done
expect_eq "airlock whoami, four times through nginx" " op:carol op:carol op:carol op:carol" "$w"
cd "$T" || exit 1

# --- revocation: signed out at node 2, refused at node 1 at once
R=$T/r.jar
expect_eq "a third browser signs in" "303 $U/" "$(stack_login "$R" dave)"
expect_eq "its session works at node 1" op:dave "$(sc "$R" "$N1/secured")"
cookie=$(st_cookie "$R")
csrf=$(sc "$R" "$N2/" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
expect_match "sign-out at node 2" '^303 ' "$(sc "$R" -o /dev/null -w '%{http_code} %{redirect_url}' \
	-H "Origin: $U" --data-urlencode "csrf=$csrf" "$N2/logout")"
expect_eq "the signed-out session is refused at node 1 at once" 401 \
	"$(code -H "Cookie: session=$cookie" "$N1/secured")"
expect_eq "...and at node 2" 401 "$(code -H "Cookie: session=$cookie" "$N2/secured")"
expect_eq "alice's session is still fine" op:alice "$(st_get "$A" /secured)"

for i in 1 2; do
	grep -qE "handler left|unexpected backend status|second answer" "$T"/n$i-frontend*.log &&
		fail "node $i's frontend logged a bug" || pass "node $i's frontend logged no bug"
done
cli_sanitizer_check
exit 0
