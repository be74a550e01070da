#!/usr/bin/env bash
# run: once
# airlock as nginx's forward authentication (docs/nginx-gateway.conf, as shipped): a
# signed-in browser reaches the application with X-Airlock-User/-Name/-Provider set by
# nginx from GET /auth; without a session nginx sends it to /login?rd=<the page>; a
# client's own X-Airlock-* headers never reach the application, signed in or not, on
# the protected part, on the example's public location or on airlock's pages; GET
# /auth directly: 202 with the headers for the cookie or its Bearer form, 401 with
# none for nothing, a malformed or unknown token; a flood of /auth from one address
# leaves a signed-in client's requests alone; an account [access] refuses gets the
# refusal page through nginx, no session, and never reaches the application.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_gateway.sh"

gw_up "forward auth"
A=$T/alice.jar N=$T/nobody.jar
FORGED=(-H "X-Airlock-User: op:mallory" -H "X-Airlock-Name: Mallory" -H "X-Airlock-Email: m@evil.example"
	-H "X-Airlock-Provider: evil")

# --- not signed in: to sign-in, with the page to come back to; forged headers go nowhere
out=$(gw_app "$N" "/app/page?x=1&y=2" "${FORGED[@]}")
expect_eq "no session: nginx redirects to sign-in with rd" \
	"302 $GW_URL/login?rd=/app/page?x=1&y=2" "$(head -1 <<<"$out")"
out=$(gw_app "$N" "/app/api" "${FORGED[@]}" -H "Authorization: Bearer nonsense")
expect_eq "no session, with credentials: 401" "401 " "$(head -1 <<<"$out")"
out=$(gw_app "$N" "/public/page" "${FORGED[@]}")
expect_eq "the example's public location: no sign-in" "200 " "$(head -1 <<<"$out")"
expect_eq "public location: no X-Airlock-* from the client" "<absent> <absent> <absent> <absent>" \
	"$(for h in user name email provider; do tail -n +2 <<<"$out" | gw_echo_header "x-airlock-$h"; done | tr '\n' ' ' | sed 's/ $//')"
out=$(gw_app "$N" "/login" "${FORGED[@]}")
expect_eq "airlock's page through nginx" "200 " "$(head -1 <<<"$out")"
grep -q 'href="/login/op"' <<<"$out" || fail "the sign-in page lists the provider"

expect_eq "sign-in through nginx" "303 $GW_URL/" "$(stack_login "$A")"
tok=$(st_cookie "$A")
[ -n "$tok" ] || fail "a session cookie after sign-in"

# --- signed in: the identity from airlock, whatever the client sent
out=$(gw_app "$A" "/app/page" "${FORGED[@]}")
expect_eq "signed in: the application answers" "200 " "$(head -1 <<<"$out")"
body=$(tail -n +2 <<<"$out")
user=$(gw_echo_header x-airlock-user <<<"$body")
expect_match "X-Airlock-User is the provider's user" '^op:[A-Za-z0-9%._-]+$' "$user"
expect_eq "X-Airlock-Provider" op "$(gw_echo_header x-airlock-provider <<<"$body")"
expect_eq "X-Airlock-Name (percent-encoded)" "Test%20User%20alice" "$(gw_echo_header x-airlock-name <<<"$body")"
email=$(gw_echo_header x-airlock-email <<<"$body")
case $email in
	"m@evil.example") fail "the client's X-Airlock-Email reached the application" ;;
	*) pass "X-Airlock-Email is airlock's ($email)" ;;
esac
out=$(gw_app "$A" "/public/page" "${FORGED[@]}")
expect_eq "public location, signed in: still no X-Airlock-*" "<absent> <absent> <absent> <absent>" \
	"$(for h in user name email provider; do tail -n +2 <<<"$out" | gw_echo_header "x-airlock-$h"; done | tr '\n' ' ' | sed 's/ $//')"
# A POST with a body: the subrequest carries none, the application gets all of it.
out=$(gw_app "$A" "/app/form" "${FORGED[@]}" --data-binary "@$AIRLOCK_SRC/README.md")
expect_eq "signed in: POST with a body passes" "200 " "$(head -1 <<<"$out")"
expect_eq "the application got the whole body" "$(wc -c <"$AIRLOCK_SRC/README.md" | tr -d ' ')" \
	"$(tail -n +2 <<<"$out" | gw_echo_field body_bytes)"
expect_eq "POST: identity from airlock" "$user" "$(tail -n +2 <<<"$out" | gw_echo_header x-airlock-user)"

# --- GET /auth directly
hdrs() { curl -sS --max-time 10 -o /dev/null -D - "$@" "$FE_URL/auth" | tr -d '\r'; }
h=$(hdrs -b "session=$tok")
expect_eq "/auth with the cookie: 202" "HTTP/1.1 202 Accepted" "$(head -1 <<<"$h")"
expect_eq "/auth: X-Airlock-User" "X-Airlock-User: $user" "$(grep -i '^X-Airlock-User:' <<<"$h")"
expect_eq "/auth: Cache-Control" "Cache-Control: no-store" "$(grep -i '^Cache-Control:' <<<"$h")"
h=$(hdrs -H "Authorization: Bearer $tok")
expect_eq "/auth with the Bearer token: 202" "HTTP/1.1 202 Accepted" "$(head -1 <<<"$h")"
expect_eq "/auth Bearer: X-Airlock-User" "X-Airlock-User: $user" "$(grep -i '^X-Airlock-User:' <<<"$h")"
h=$(hdrs -H "authorization: bearer $tok")
expect_eq "/auth: the scheme's case does not matter" "HTTP/1.1 202 Accepted" "$(head -1 <<<"$h")"
for bad in "Bearer ${tok}A" "Bearer  $tok" "Bearer ${tok%?}" "Bearer $tok=" "Bearer" \
	"Bearer $(rand_b64url 32)" "Bearer ${tok//-/+}x"; do
	h=$(hdrs -b "session=$tok" -H "Authorization: $bad")
	expect_eq "/auth refuses '${bad:0:20}...' even with a cookie" "HTTP/1.1 401 Unauthorized" "$(head -1 <<<"$h")"
	grep -qi '^X-Airlock-' <<<"$h" && fail "a 401 carries an identity header"
done
h=$(hdrs -b "session=$tok" -H "Authorization: Basic dXNlcjpwdw==")
expect_eq "/auth: another scheme is the application's (cookie used)" "HTTP/1.1 202 Accepted" "$(head -1 <<<"$h")"
h=$(hdrs)
expect_eq "/auth without a session: 401" "HTTP/1.1 401 Unauthorized" "$(head -1 <<<"$h")"
grep -qi '^X-Airlock-' <<<"$h" && fail "/auth without a session carries an identity header"
h=$(hdrs -b "session=$(rand_b64url 32)")
expect_eq "/auth with an unknown session: 401" "HTTP/1.1 401 Unauthorized" "$(head -1 <<<"$h")"

# --- a flood of /auth from this address (every client here is 127.0.0.1): no 429 for anyone
codes=$(for i in $(seq 60); do printf 'url = "%s"\noutput = "/dev/null"\n' "$FE_URL/auth"; done |
	curl -sS --max-time 20 -K - -o /dev/null -w '%{http_code}\n' | sort | uniq -c | awk '{ print $2 "x" $1 }' | tr '\n' ' ')
expect_eq "60 anonymous /auth: all 401" "401x60 " "$codes"
out=$(gw_app "$A" "/app/after-flood")
expect_eq "signed-in client after the flood gets through" "200 " "$(head -1 <<<"$out")"
h=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$GW_URL/login/op")
expect_eq "sign-in still possible from this address (its own limit)" 303 "$h"

# --- signed out: the application is closed again
csrf=$(st_get "$A" /logout | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
expect_eq "sign-out through nginx" "303 $GW_URL/login?bye=1" \
	"$(sc "$A" -o /dev/null -w '%{http_code} %{redirect_url}' -H "Origin: $GW_URL" -d "csrf=$csrf" "$GW_URL/logout")"
out=$(gw_app "$A" "/app/page")
expect_eq "after sign-out: to sign-in again" "302 $GW_URL/login?rd=/app/page" "$(head -1 <<<"$out")"
h=$(hdrs -H "Authorization: Bearer $tok")
expect_eq "/auth with the signed-out token: 401" "HTTP/1.1 401 Unauthorized" "$(head -1 <<<"$h")"

# --- [access] refuses bob: through nginx he gets the refusal page, no session, no app
printf '[access]\nusers = op:alice\n' >>"$STACK_CONF"
stack_stop_authd
stack_start_authd && _stack_wait 20 _gw_ready || { fail "authd did not restart"; exit 1; }
B=$T/bob.jar
expect_eq "a refused account signing in through nginx gets 403" "403 " "$(stack_login "$B" bob)"
expect_eq "the refused account has no session cookie" "" "$(st_cookie "$B")"
out=$(gw_app "$B" "/app/page")
expect_eq "the refused account does not reach the application" "302 $GW_URL/login?rd=/app/page" \
	"$(head -1 <<<"$out")"
expect_eq "alice, allowed, still signs in through nginx" "303 $GW_URL/" "$(stack_login "$A")"

[ "$T_FAILS" = 0 ] || { tail -20 "$T/nginx/error.log"; tail -20 "$T"/frontend.log; }
exit $((T_FAILS > 0))
