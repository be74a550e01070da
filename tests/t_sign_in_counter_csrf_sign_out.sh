#!/usr/bin/env bash
# backends: lmdb postgresql
# The counter app end to end with curl and a cookie jar against the real store,
# authd and the test OpenID provider (TLS): security headers, every route
# without a session, sign-in (cookies, redirects), counter and increment (form,
# JSON, fragment), CSRF refusals, a second user, sign-out with the provider
# grant revoked at the provider (its userinfo answers 401 afterwards).
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

stack_up "frontend flow" op
A=$T/alice.jar B=$T/bob.jar N=$T/nobody.jar
U=$STACK_URL

hdr() { printf '%s' "$1" | tr -d '\r' | grep -i "^$2:" | head -1 | cut -d' ' -f2-; }
status() { printf '%s' "$1" | head -1 | cut -d' ' -f2; }
head_of() { curl -sS --max-time 10 -D - -o /dev/null "$@"; }
code_of() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }

# --- security headers on every answer: a page, a redirect, a 404, a refusal by the HTTP layer
for what in "/login" "/" "/nope" "/$(head -c 5000 /dev/zero | tr '\0' a)"; do
	h=$(head_of "$U$what")
	name="$(status "$h") ${what:0:12}"
	expect_match "CSP on $name" "default-src 'none'.*script-src 'sha256-.*form-action 'self'; frame-ancestors 'none'; base-uri 'none'" "$(hdr "$h" Content-Security-Policy)"
	expect_eq "nosniff on $name" nosniff "$(hdr "$h" X-Content-Type-Options)"
	expect_eq "Referrer-Policy on $name" no-referrer "$(hdr "$h" Referrer-Policy)"
	expect_eq "Cache-Control on $name" no-store "$(hdr "$h" Cache-Control)"
	expect_eq "X-Frame-Options on $name" DENY "$(hdr "$h" X-Frame-Options)"
done
expect_eq "the CSP allows nothing unsafe" "" "$(hdr "$(head_of "$U/login")" Content-Security-Policy | grep -o unsafe)"

# --- every route without a session
h=$(head_of "$U/")
expect_eq "GET / without a session: 303" 303 "$(status "$h")"
expect_eq "... to /login" /login "$(hdr "$h" Location)"
for p in /sessions /logout; do
	expect_eq "GET $p without a session: 303 to /login" "303 $U/login" \
		"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' "$U$p")"
done
expect_eq "GET /secured without a session: 401" 401 "$(code_of "$U/secured")"
expect_match "... with a clear body, not a page" "^not signed in: " "$(curl -sS --max-time 10 "$U/secured")"
expect_eq "GET /secured JSON without a session: 401 JSON" '{"error":"unauthorized"' \
	"$(curl -sS --max-time 10 -H 'Accept: application/json' "$U/secured" | cut -c1-23)"
for p in /increment /logout; do
	expect_eq "POST $p without a session: 401" 401 "$(code_of -d x=1 "$U$p")"
done
expect_eq "POST /sessions/{bad sid}/revoke: 404" 404 "$(code_of -d x=1 "$U/sessions/nope/revoke")"
expect_eq "POST /sessions/{sid}/revoke without a session: 401" 401 \
	"$(code_of -d x=1 "$U/sessions/AAAAAAAAAAAAAAAAAAAAAA/revoke")"
expect_eq "GET /pair/{unknown ref}: 404" 404 "$(code_of "$U/pair/AAAAAAAAAAAAAAAAAAAAAA")"
expect_eq "GET /pair/{malformed}: 404" 404 "$(code_of "$U/pair/zz")"
expect_eq "GET /healthz: 200" 200 "$(code_of "$U/healthz")"
expect_match "GET /metrics (metrics_listen): Prometheus text" "^# HELP airlock_frontend_" "$(curl -sS --max-time 10 "$STACK_METRICS_URL/metrics" | head -1)"
expect_eq "GET /token without paircode: 400" 400 "$(code_of "$U/token")"
expect_eq "GET /cli_login with a short paircode: 400" 400 "$(code_of "$U/cli_login?paircode=short")"
expect_eq "unknown path: 404" 404 "$(code_of "$U/login/")"
expect_eq "exact paths only: /secured/x is 404" 404 "$(code_of "$U/secured/x")"
expect_eq "exact paths only: /loginx is 404" 404 "$(code_of "$U/loginx")"
h=$(head_of -X DELETE "$U/")
expect_eq "DELETE /: 405" 405 "$(status "$h")"
expect_eq "... with Allow" "GET, HEAD" "$(hdr "$h" Allow)"
expect_eq "GET /increment: 405 (GET never changes state)" 405 "$(code_of "$U/increment")"
expect_eq "HEAD /login: 200" 200 "$(code_of -I "$U/login")"
expect_eq "unknown provider: 404" 404 "$(code_of "$U/login/nosuch")"
expect_eq "bad provider name: 404" 404 "$(code_of "$U/login/NO%2e")"
page=$(curl -sS --max-time 10 "$U/login")
expect_match "login page has a button for the provider" 'href="/login/op">Sign in with Test OP<' "$page"
expect_match "login page is HTML" "text/html" "$(hdr "$(head_of "$U/login")" Content-Type)"

# --- sign-in, step by step
h=$(sc "$A" -D - -o /dev/null "$U/login/op")
expect_eq "/login/op: 303" 303 "$(status "$h")"
url=$(hdr "$h" Location)
expect_match "... to the provider's authorize endpoint with PKCE" "^$IDP_OP_ISSUER/.*code_challenge_method=S256" "$url"
expect_match "pre-login cookie: HttpOnly, SameSite=Lax, Path=/, short-lived" \
	"^login=[A-Za-z0-9_-]{100,342}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax$" "$(hdr "$h" Set-Cookie)"
back=$(stack_provider_login "$url" alice)
expect_match "the provider sends the browser back to /auth_redirect" "^$U/auth_redirect\?code=" "$back"
expect_eq "a stranger's browser (no pre-login cookie) cannot finish that login" 400 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$back")"
# ...and that attempt spent the state: sign in again for real.
back=$(stack_provider_login "$(sc "$A" -o /dev/null -w '%{redirect_url}' "$U/login/op")" alice)
h=$(sc "$A" -D - -o /dev/null "$back")
expect_eq "/auth_redirect: 303" 303 "$(status "$h")"
expect_eq "... to /" / "$(hdr "$h" Location)"
cookies=$(printf '%s' "$h" | tr -d '\r' | grep -i '^Set-Cookie:')
expect_match "session cookie: 43 base64url chars, HttpOnly, SameSite=Lax, Path=/" \
	"Set-Cookie: session=[A-Za-z0-9_-]{43}; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Lax" "$cookies"
expect_match "the pre-login cookie is cleared" "Set-Cookie: login=; Path=/; Max-Age=0" "$cookies"
expect_eq "no Secure flag over plain http" "" "$(printf '%s' "$cookies" | grep -i secure)"
expect_eq "the same code cannot be used twice" 400 "$(sc "$A" -o /dev/null -w '%{http_code}' "$back")"
expect_eq "...and that failure did not sign the browser out" 200 "$(st_code "$A" /)"

# --- the counter
page=$(st_get "$A" /)
expect_match "counter page shows the count in #count" 'id="count"[^>]*>0<' "$page"
expect_match "counter page shows the user's name" "Test User alice" "$page"
expect_match "counter page has the increment form with a CSRF token" 'action="/increment"><input type="hidden" name="csrf" value="[A-Za-z0-9_-]{43}"' "$page"
expect_match "counter page has the inline script" "<script>\(function\(\)\{" "$page"
expect_match "counter page links to sign-out" 'href="/logout"' "$page"
expect_match "counter page lists paired CLI sessions (none yet)" "Paired command-line sessions" "$page"
expect_eq "counter page: no-store" no-store "$(hdr "$(sc "$A" -D - -o /dev/null "$U/")" Cache-Control)"
expect_eq "GET /secured: the user id" op:alice "$(st_get "$A" /secured)"
CSRF=$(st_csrf "$A")
expect_eq "no-JS form: 303 back to /" "303 $U/" "$(st_post "$A" /increment back=1)"
expect_eq "JSON: the new count" '{"count":2}' \
	"$(sc "$A" -H 'Accept: application/json' -H "Origin: $U" -d "csrf=$CSRF" "$U/increment")"
expect_eq "script-style: an HTML fragment with the count" 3 \
	"$(sc "$A" -H "Origin: $U" -H 'Sec-Fetch-Site: same-origin' -d "csrf=$CSRF" "$U/increment")"
expect_eq "the page shows 3" 3 "$(st_count "$A")"

# --- CSRF
expect_eq "POST /increment without a token: 403" 403 "$(sc "$A" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d x=1 "$U/increment")"
# the right token with its last character changed (to E when it already ends in A)
case $CSRF in *A) BAD_CSRF=${CSRF%?}E ;; *) BAD_CSRF=${CSRF%?}A ;; esac
expect_eq "POST /increment with a wrong token: 403" 403 "$(sc "$A" -o /dev/null -w '%{http_code}' -d "csrf=$BAD_CSRF" "$U/increment")"
expect_eq "POST /increment from a foreign Origin: 403" 403 "$(sc "$A" -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example' -d "csrf=$CSRF" "$U/increment")"
expect_eq "POST /increment with Origin null: 403" 403 "$(sc "$A" -o /dev/null -w '%{http_code}' -H 'Origin: null' -d "csrf=$CSRF" "$U/increment")"
expect_eq "POST /increment cross-site (Sec-Fetch-Site): 403" 403 "$(sc "$A" -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Site: cross-site' -d "csrf=$CSRF" "$U/increment")"
expect_eq "POST /increment same-site but not same-origin: 403" 403 "$(sc "$A" -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Site: same-site' -d "csrf=$CSRF" "$U/increment")"
expect_eq "POST /logout without a token: 403" 403 "$(sc "$A" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d x=1 "$U/logout")"
expect_eq "GET /increment?csrf=... changes nothing (405)" 405 "$(sc "$A" -o /dev/null -w '%{http_code}' "$U/increment?csrf=$CSRF")"
expect_eq "after all refused attempts the count is still 3" 3 "$(st_count "$A")"
expect_eq "a duplicated csrf field is refused" 403 "$(sc "$A" -o /dev/null -w '%{http_code}' -d "csrf=$CSRF&csrf=$CSRF" "$U/increment")"

# --- a second user: own counter, own token
out=$(stack_login "$B" bob)
expect_eq "bob signs in" "303 $U/" "$out"
expect_eq "bob's counter starts at 0" 0 "$(st_count "$B")"
expect_eq "bob cannot use alice's CSRF token" 403 "$(sc "$B" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d "csrf=$CSRF" "$U/increment")"
expect_eq "bob increments his own counter" "303 $U/" "$(st_post "$B" /increment back=1)"
expect_eq "alice's counter is unchanged" 3 "$(st_count "$A")"
expect_eq "bob's counter is 1" 1 "$(st_count "$B")"

# --- sessions page
page=$(st_get "$A" /sessions)
expect_match "sessions page lists this browser" "\(this browser\)" "$page"
expect_match "... with a revoke form carrying the CSRF token" 'action="/sessions/[A-Za-z0-9_-]{22}/revoke"><input type="hidden" name="csrf"' "$page"

# --- sign-out: session deleted, grant revoked at the provider
AT=$(idp_tokens "$IDP_OP_LOG" access | head -1)	# alice signed in (for real) first
userinfo() { idp_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$IDP_OP_ISSUER/me"; }
expect_eq "alice's provider access token works before sign-out" 200 "$(userinfo "$AT")"
page=$(st_get "$A" /logout)
expect_match "GET /logout shows a confirm button (POST form)" '<form method="post" action="/logout"' "$page"
expect_eq "GET /logout itself signed nobody out" 200 "$(st_code "$A" /)"
OLD=$(st_cookie "$A")
h=$(sc "$A" -D - -o /dev/null -H "Origin: $U" --data-urlencode "csrf=$CSRF" "$U/logout")
expect_eq "POST /logout: 303" 303 "$(status "$h")"
expect_eq "... to the sign-in page" "/login?bye=1" "$(hdr "$h" Location)"
expect_match "... clearing the session cookie" "^session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" "$(hdr "$h" Set-Cookie)"
expect_match "the sign-in page says so" "You have signed out" "$(st_get "$A" "/login?bye=1")"
expect_eq "after sign-out / redirects to /login" 303 "$(st_code "$A" /)"
expect_eq "the old cookie, replayed, is refused (401)" 401 "$(code_of -b "session=$OLD" "$U/secured")"
expect_eq "alice's provider token is revoked at the provider" 401 "$(userinfo "$AT")"
expect_match "authd logged the revocation" "signed out: op:alice \(provider revocation: ok\)" "$(cat "$T"/frontend*.log)"
expect_eq "bob is still signed in" op:bob "$(st_get "$B" /secured)"

# --- sign in again: the counter survived
out=$(stack_login "$A" alice)
expect_eq "alice signs in again" "303 $U/" "$out"
expect_eq "her count is still 3" 3 "$(st_count "$A")"

# --- the frontend said nothing secret in its log
expect_eq "no session token in the frontend log" "" "$(grep -F "$OLD" "$T"/frontend*.log)"
expect_eq "no 500 answered" 0 "$(curl -sS --max-time 10 "$STACK_METRICS_URL/metrics" | sed -n 's/^airlock_frontend_responses_total{code="5xx"} //p')"
