#!/usr/bin/env bash
# Session cookies that must not work: forged, tampered, malformed, expired,
# revoked (sign-out, and "sign out this device" from another session) — each
# is a 401 (API) or a 303 to /login (pages), never a 500.  Also: a login
# replaces a planted cookie (no fixation); with an https public_url the
# cookies get Secure and the __Host- prefix, a live session under the plain
# name is ignored and only an https Origin is same-origin.  Expiry runs on the
# test clock (lib.sh): a session works until its session_ttl_sec and not after,
# and a sign-in that comes back after the pre-login cookie's 600 s is refused.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

TTL=3600
STACK_STORE_EXTRA="session_ttl_sec = $TTL"
clock_setup || { skip "session cookies: $CLOCK_SKIP"; exit 0; }
stack_up "session cookies" op
U=$STACK_URL A=$T/a.jar A2=$T/a2.jar A3=$T/a3.jar

secured() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -b "$1" "$U/secured"; }
home() { curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' -b "$1" "$U/"; }

# --- a planted cookie does not survive the login (no session fixation)
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t%s\n' "$(rand_b64url 32)" >"$A"
PLANTED=$(st_cookie "$A")
expect_eq "sign-in with a planted cookie" "303 $U/" "$(stack_login "$A" alice)"
TOK=$(st_cookie "$A")
expect_match "a new session token was set" "^[A-Za-z0-9_-]{43}$" "$TOK"
[ "$TOK" != "$PLANTED" ] && pass "the planted value was replaced" || fail "the planted value was kept"
expect_eq "the real token works" 200 "$(secured "session=$TOK")"

# --- forged and malformed cookies
expect_eq "forged (random) token: 401" 401 "$(secured "session=$(rand_b64url 32)")"
expect_eq "forged token on a page: 303 to /login" "303 $U/login" "$(home "session=$(rand_b64url 32)")"
t=${TOK:0:10}$( [ "${TOK:10:1}" = A ] && echo B || echo A )${TOK:11}
expect_eq "tampered token (one character changed): 401" 401 "$(secured "session=$t")"
expect_eq "truncated token: 401" 401 "$(secured "session=${TOK:0:42}")"
expect_eq "token one character too long: 401" 401 "$(secured "session=${TOK}A")"
expect_eq "non-canonical last character: 401" 401 "$(secured "session=${TOK:0:42}$( [ "${TOK:42:1}" = B ] && echo C || echo B)")"
expect_eq "standard base64 alphabet: 401" 401 "$(secured "session=$(head -c 32 /dev/urandom | base64 | tr -d '=\n' | tr '_-' '/+' | head -c 43)")"
expect_eq "empty value: 401" 401 "$(secured "session=")"
expect_eq "quoted value is read like the plain one" 200 "$(secured "session=\"$TOK\"")"
expect_eq "two session cookies: refused (401)" 401 "$(secured "session=$TOK; session=$TOK")"
expect_eq "a valid cookie among others works" 200 "$(secured "a=1; session=$TOK; b=2")"
expect_eq "someone else's odd cookie does not hurt" 200 "$(secured "x=\"y; session=$TOK")"
expect_eq "a cookie named differently is ignored" 401 "$(secured "Session=$TOK")"
expect_eq "two Cookie headers: refused (401)" 401 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Cookie: session=$TOK" -H "Cookie: a=b" "$U/secured")"
expect_eq "garbage bytes in the cookie: 401 or 400, no 500" 1 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Cookie: session=$(printf 'a%%00\xff\x7f')" "$U/secured" | grep -c '^40[01]$')"
expect_eq "a stale cookie is cleared on pages" "session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" \
	"$(curl -sS --max-time 10 -D - -o /dev/null -b "session=$(rand_b64url 32)" "$U/" | tr -d '\r' | sed -n 's/^Set-Cookie: //p')"

# --- revoked: "sign out this device" from a second session of the same user
expect_eq "alice signs in on a second browser" "303 $U/" "$(stack_login "$A2" alice)"
TOK2=$(st_cookie "$A2")
page=$(st_get "$A2" /sessions)
expect_eq "the second browser sees two browser sessions" 2 "$(printf '%s' "$page" | grep -o '<td>Browser</td>' | wc -l)"
# The session listed first that is not this browser: find the sid of the row without "(this browser)".
sid=$(printf '%s' "$page" | sed 's|<tr>|\n<tr>|g' | grep '<td>Browser</td>' | grep -v 'this browser' |
	sed -n 's|.*action="/sessions/\([A-Za-z0-9_-]*\)/revoke".*|\1|p' | head -1)
expect_match "the other session's id is in the page" "^[A-Za-z0-9_-]{22}$" "$sid"
expect_eq "revoke it (POST + CSRF): 303 back to /sessions" "303 $U/sessions" "$(st_post "$A2" "/sessions/$sid/revoke")"
expect_eq "the revoked browser's cookie: 401" 401 "$(secured "session=$TOK")"
expect_eq "the revoked browser's page: 303 to /login" "303 $U/login" "$(home "session=$TOK")"
expect_eq "the browser that revoked is still signed in" 200 "$(secured "session=$TOK2")"
expect_eq "revoking it again: 404" "404 " "$(st_post "$A2" "/sessions/$sid/revoke")"
expect_eq "revoking with someone else's id format garbage: 404" "404 " "$(st_post "$A2" "/sessions/xyz/revoke")"

# --- revoking one's own session is a sign-out
own=$(st_get "$A2" /sessions | sed 's|<tr>|\n<tr>|g' | grep 'this browser' |
	sed -n 's|.*action="/sessions/\([A-Za-z0-9_-]*\)/revoke".*|\1|p' | head -1)
expect_eq "revoking this browser's own session signs it out" "303 $U/login?bye=1" "$(st_post "$A2" "/sessions/$own/revoke")"
expect_eq "...its cookie no longer works" 401 "$(secured "session=$TOK2")"

# --- https public_url: Secure + __Host- (a second frontend, as behind a TLS proxy)
expect_eq "a fresh sign-in" "303 $U/" "$(stack_login "$A" alice)"
TOK=$(st_cookie "$A") CSRF=$(st_csrf "$A")
expect_eq "fresh session works" 200 "$(secured "session=$TOK")"
P2=$(free_port)
HU=http://127.0.0.1:$P2
sed -e "s|^public_url = .*|public_url = https://127.0.0.1:$P2|" -e "s|^listen = .*|listen = 127.0.0.1:$P2|" \
	-e "s|^metrics_listen = .*|metrics_listen = off|" \
	"$STACK_CONF" >"$T/https.conf"
bg frontend-https "$BIN/airlock-frontend" -d -f "$T/https.conf"
wait_port "$P2" 10
h=$(curl -sS --max-time 10 -D - -o /dev/null "$HU/login/op" | tr -d '\r')
expect_match "https: the pre-login cookie is __Host- and Secure" \
	"^Set-Cookie: __Host-login=[A-Za-z0-9_-]{100,342}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$" "$h"
expect_match "https: HSTS" "^Strict-Transport-Security: max-age=" "$h"
expect_match "https: /cli_login links to the https public_url" "^https://127\.0\.0\.1:$P2/pair/[A-Za-z0-9_-]{22}$" \
	"$(curl -sS --max-time 10 "$HU/cli_login?paircode=$(rand_b64url 24)")"
expect_eq "https: the live session under __Host-session works" 200 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -b "__Host-session=$TOK" "$HU/secured")"
expect_eq "https: the same live session named plain 'session' is ignored" 401 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -b "session=$TOK" "$HU/secured")"
h=$(curl -sS --max-time 10 -D - -o /dev/null -b "__Host-session=$(rand_b64url 32)" "$HU/" | tr -d '\r')
expect_match "https: a stale __Host-session cookie is cleared with Secure" \
	"^Set-Cookie: __Host-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure$" "$h"
https_inc() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -b "__Host-session=$TOK" -H "Origin: $1" \
	-H 'Accept: application/json' \
	-d "csrf=$CSRF" "$HU/increment"; }
expect_eq "https: a POST with Origin http:// is refused (403)" 403 "$(https_inc "$HU")"
expect_eq "https: ...and the same POST with Origin https:// is taken" 200 "$(https_inc "https://127.0.0.1:$P2")"

# --- expired, on the test clock: the session at the end of its lifetime, then past it;
# a sign-in whose pre-login cookie (600 s) ran out before the provider sent the browser back
clock_advance $((TTL - 300))	# (a margin for the real seconds a loaded machine adds)
expect_eq "the session works $((TTL - 300)) s after sign-in" 200 "$(secured "session=$TOK")"
url=$(stack_authorize_url "$A3")
back=$(stack_provider_login "$url" alice)
expect_match "a sign-in started, the provider sends the browser back" "^$U/auth_redirect\?code=" "$back"
clock_advance 301
expect_eq "after its lifetime ($TTL s) the session is refused: 401" 401 "$(secured "session=$TOK")"
expect_eq "...and the counter page sends to /login" "303 $U/login" "$(home "session=$TOK")"
clock_advance 600
expect_eq "a sign-in finished after its 600 s is refused" 400 "$(sc "$A3" -o /dev/null -w '%{http_code}' "$back")"
