#!/usr/bin/env bash
# backends: lmdb postgresql
# CLI pairing over HTTP with curl: the seed-compatible and JSON /cli_login and
# /token, approval through a login at the provider, deny, a paircode taken once,
# slow_down, expiry (both on the test clock of lib.sh), and a second browser
# that opens someone else's link.
#
# The property enforced: the /pair/{ref} link confers nothing by itself.  The
# page shows what the request claims and where it came from; approving is a
# POST from this site that sends the browser to sign in at the provider for this
# pairing, and only the proof authd signs for that login approves it, for the
# account that signed in.  The browser is signed in nowhere by approving, and
# the CLI session is given under a cookie name the pages do not accept.  The
# paircode itself never reaches a browser or the provider: the link carries a
# separate single-use reference.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"

TTL=600
STACK_STORE_EXTRA="pair_ttl_sec = $TTL"
# Many anonymous requests from one address in a few seconds: the per-address
# rate limit (its own tests: t_abuse_*) would answer some of them 429.
STACK_FRONTEND_EXTRA="rate_limit_burst = 0"
clock_setup || { skip "pairing over HTTP: $CLOCK_SKIP"; exit 0; }
stack_up "pairing over HTTP" op
U=$STACK_URL B1=$T/alice.jar B2=$T/bob.jar

get() { curl -sS --max-time 10 "$@"; }
code_body() { curl -sS --max-time 10 -w ' %{http_code}' "$@"; }
ref_of() { printf '%s' "$1" | sed -n 's|.*/pair/\([A-Za-z0-9_-]*\)$|\1|p'; }

# --- /cli_login: text (seed) and JSON
P1=$(rand_b64url 16)
url=$(get "$U/cli_login?paircode=$P1")
expect_match "seed-style /cli_login answers the browser URL as plain text" "^$U/pair/[A-Za-z0-9_-]{22}$" "$url"
expect_eq "the URL does not carry the paircode" "" "$(printf '%s' "$url" | grep -F "$P1")"
R1=$(ref_of "$url")
P2=$(rand_b64url 16)
j=$(get -H 'Accept: application/json' "$U/cli_login?paircode=$P2")
expect_match "JSON /cli_login: login_url" "^$U/pair/[A-Za-z0-9_-]{22}$" "$(printf '%s' "$j" | json_get login_url)"
UC2=$(printf '%s' "$j" | json_get user_code)
expect_match "JSON /cli_login: a short user code" '^[A-Z0-9]{4}-[A-Z0-9]{4}$' "$UC2"
expect_eq "JSON /cli_login: expires_in" "$TTL" "$(printf '%s' "$j" | json_get expires_in)"
expect_eq "JSON /cli_login: interval 1 s" 1 "$(printf '%s' "$j" | json_get interval)"
R2=$(ref_of "$(printf '%s' "$j" | json_get login_url)")
expect_eq "the same paircode cannot be registered twice" 400 "$(get -o /dev/null -w '%{http_code}' "$U/cli_login?paircode=$P2")"
expect_eq "a paircode with odd characters is refused" 400 "$(get -o /dev/null -w '%{http_code}' "$U/cli_login?paircode=$(rand_b64url 16)%2F")"
expect_eq "a paircode of 129 characters is refused" 400 "$(get -o /dev/null -w '%{http_code}' "$U/cli_login?paircode=$(head -c 129 /dev/zero | tr '\0' a)")"

# --- /token while pending; slow_down
expect_eq "pending: empty 200 (seed-compatible)" " 200" "$(code_body "$U/token?paircode=$P1")"
clock_advance 1	# past the poll interval
expect_eq "pending, JSON: authorization_pending" "authorization_pending 400" \
	"$(curl -sS --max-time 10 -o "$T/j" -w '%{http_code}' -H 'Accept: application/json' "$U/token?paircode=$P2" >"$T/c"; echo "$(json_get error <"$T/j") $(cat "$T/c")")"
# Two polls back to back on one connection (one curl): a loaded machine cannot
# stretch the gap between them past the interval.
curl -sS --max-time 10 -H 'Accept: application/json' -o /dev/null -o "$T/j2" \
	"$U/token?paircode=$P2" "$U/token?paircode=$P2"
expect_eq "polling again at once: slow_down, JSON" slow_down "$(json_get error <"$T/j2")"
h=$(curl -sS --max-time 10 -D "$T/h" -o /dev/null -o "$T/b" "$U/token?paircode=$P1" "$U/token?paircode=$P1"; tail -n +2 "$T/h" | sed -n '/^HTTP\//,$p')
expect_eq "polling again at once: 429 as text" 429 "$(printf '%s' "$h" | head -1 | cut -d' ' -f2)"
expect_match "...saying slow_down" "^slow_down: " "$(cat "$T/b")"
clock_advance 1	# past the poll interval
expect_eq "polling once a second is never slowed" " 200" "$(code_body "$U/token?paircode=$P1")"
expect_eq "an unknown paircode: 400 expired_token (indistinguishable)" "expired_token 400" \
	"$(curl -sS --max-time 10 -o "$T/j" -w '%{http_code}' -H 'Accept: application/json' "$U/token?paircode=$(rand_b64url 16)" >"$T/c"; echo "$(json_get error <"$T/j") $(cat "$T/c")")"

# --- the link in a browser that is not signed in (a fresh pairing: P0 lived through the polls)
P0=$P1 P1=$(rand_b64url 16)
url=$(get "$U/cli_login?paircode=$P1")
R1=$(ref_of "$url")
page=$(get -c "$B1" -b "$B1" -H 'Sec-Fetch-Site: none' "$url")
expect_match "the link offers to approve with a provider" 'name="provider" value="op">Approve with' "$page"
expect_match "...labels what the requester says as its claim" \
	'says it comes from: <strong>curl/[^<]*</strong> <span class="muted">\(claimed by the requesting program' "$page"
expect_match "...and shows where and when it came from" \
	'Requested from address <strong>127\.0\.0\.1</strong> at [0-9-]+ [0-9]{2}:[0-9]{2} UTC' "$page"
UC1=$(printf '%s' "$page" | sed -n 's|.*<p class="code"[^>]*>\([A-Z0-9-]*\)</p>.*|\1|p')
expect_match "...with the CLI's user code" '^[A-Z0-9]{4}-[A-Z0-9]{4}$' "$UC1"
expect_eq "approving without choosing a provider: 400" 400 \
	"$(get -o /dev/null -w '%{http_code}' -H "Origin: $U" -d decision=approve "$U/pair/$R1")"
expect_eq "approving from a foreign origin: 403" 403 "$(get -o /dev/null -w '%{http_code}' \
	-H 'Origin: https://evil.example' -d decision=approve -d provider=op "$U/pair/$R1")"
expect_eq "approving from another site (fetch metadata): 403" 403 "$(get -o /dev/null -w '%{http_code}' \
	-H 'Sec-Fetch-Site: cross-site' -d decision=approve -d provider=op "$U/pair/$R1")"
expect_eq "denying without a session: 401" 401 \
	"$(get -o /dev/null -w '%{http_code}' -H "Origin: $U" -d decision=deny "$U/pair/$R1")"
expect_eq "an unknown decision: 400" 400 \
	"$(get -o /dev/null -w '%{http_code}' -H "Origin: $U" -d decision=maybe "$U/pair/$R1")"
expect_eq "a sign-in link can never approve a pairing" 400 "$(st_code "$B1" "/login/op?pair=$R1")"
clock_advance 1	# past the poll interval
expect_eq "GET and refused POSTs never approve: still pending" " 200" "$(code_body "$U/token?paircode=$P1")"

# --- approve: a login at the provider for this pairing
expect_eq "approve by signing in at the provider: 200" 200 "$(cli_pair_approve "$B1" "$url" alice op)"
expect_match "the page says approved, for whom" '<h1 class="ok">Approved</h1><p>[^<]*<strong>Test User alice</strong>' \
	"$(cat "$T/approved.html")"
expect_eq "approving signed the browser in nowhere" "" "$(st_cookie "$B1")"
expect_eq "the link is spent: 404" 404 "$(st_code "$B1" "/pair/$R1")"
expect_eq "the provider never sees the paircode" "" "$(grep -lF "$P1" "$T"/*.log 2>/dev/null)"

# --- the CLI takes its session, once, under the command-line cookie
h=$(curl -sS --max-time 10 -D - -o "$T/b" "$U/token?paircode=$P1" | tr -d '\r')
expect_eq "/token after approval: 200" 200 "$(printf '%s' "$h" | head -1 | cut -d' ' -f2)"
expect_eq "...answering the user id" op:alice "$(cat "$T/b")"
cookie=$(printf '%s' "$h" | sed -n 's/^Set-Cookie: \(cli_session=[A-Za-z0-9_-]*\);.*/\1/p')
expect_match "...and setting the command-line session cookie" "^cli_session=[A-Za-z0-9_-]{43}$" "$cookie"
expect_eq "GET /secured with the CLI's cookie" op:alice "$(get -b "$cookie" "$U/secured")"
expect_eq "the pages do not take the CLI's cookie" "303 $U/login" \
	"$(get -o /dev/null -w '%{http_code} %{redirect_url}' -b "$cookie" "$U/")"
expect_eq "the paircode is taken: a second /token is 400" 400 "$(get -o /dev/null -w '%{http_code}' "$U/token?paircode=$P1")"
expect_match "...with a clear body" "^expired_token: " "$(get "$U/token?paircode=$P1")"
stack_login "$B1" alice >/dev/null
expect_match "alice, signed in, sees the CLI session" "<td>Command line</td><td>[^<]*curl" "$(st_get "$B1" /sessions)"
expect_match "the counter page lists the paired CLI session" "Paired command-line sessions</h2><ul><li>curl" "$(st_get "$B1" /)"

# --- deny (a signed-in browser)
P6=$(rand_b64url 16)
j=$(get -H 'Accept: application/json' "$U/cli_login?paircode=$P6")
UC6=$(printf '%s' "$j" | json_get user_code)
R6=$(ref_of "$(printf '%s' "$j" | json_get login_url)")
page=$(st_get "$B1" "/pair/$R6" -H 'Sec-Fetch-Site: none')
expect_match "a signed-in browser gets the prompt, with the right code" "<p class=\"code\"[^>]*>$UC6</p>" "$page"
expect_match "...under its own name" 'signed in as <strong>Test User alice</strong>' "$page"
expect_eq "deny without the CSRF token: 403" 403 \
	"$(sc "$B1" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d decision=deny "$U/pair/$R6")"
expect_eq "deny: 200" "200 " "$(st_post "$B1" "/pair/$R6" decision=deny)"
expect_eq "/token after deny: JSON access_denied" access_denied "$(get -H 'Accept: application/json' "$U/token?paircode=$P6" | json_get error)"
clock_advance 1	# past the poll interval
expect_eq "/token after deny, text: 403" 403 "$(get -o /dev/null -w '%{http_code}' "$U/token?paircode=$P6")"

# --- a signed-in browser approves: with its CSRF token, at its own provider
P5=$(rand_b64url 16)
url5=$(get "$U/cli_login?paircode=$P5")
expect_eq "signed in: approve without the CSRF token: 403" 403 \
	"$(sc "$B1" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d decision=approve "$url5")"
expect_eq "signed in: approve with it, then the provider: 200" 200 \
	"$(cli_pair_approve "$B1" "$url5" alice op "csrf=$(st_csrf "$B1")")"
expect_eq "...the CLI is alice's" op:alice "$(get "$U/token?paircode=$P5")"

# --- a second browser opens alice's pairing link
P3=$(rand_b64url 16)
url3=$(get "$U/cli_login?paircode=$P3")
R3=$(ref_of "$url3")
expect_eq "browser 2 cannot use alice's CSRF token: nothing to approve with" 400 \
	"$(sc "$B2" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d "csrf=$(st_csrf "$B1")" -d decision=approve "$U/pair/$R3")"
clock_advance 1	# past the poll interval
expect_eq "alice's CLI is still waiting" " 200" "$(code_body "$U/token?paircode=$P3")"
expect_eq "browser 2 approves by signing in as bob" 200 "$(cli_pair_approve "$B2" "$url3" bob op)"
expect_eq "...so the waiting CLI is signed in as bob, never as alice" op:bob "$(get "$U/token?paircode=$P3")"
expect_eq "alice can no longer act on that link" 404 "$(st_code "$B1" "/pair/$R3")"
expect_eq "alice's deny on it is refused" "404 " "$(st_post "$B1" "/pair/$R3" decision=deny)"

# --- expiry (on the test clock)
P4=$(rand_b64url 16)
url4=$(get "$U/cli_login?paircode=$P4")
clock_advance $((TTL - 120))	# (a margin for the real seconds a loaded machine adds)
expect_eq "a pairing's link works until near its end" 200 "$(st_code "$B1" "${url4#$U}")"
clock_advance 121
expect_eq "an expired pairing's link: 404" 404 "$(st_code "$B1" "${url4#$U}")"
expect_eq "an expired paircode at /token: expired_token" expired_token "$(get -H 'Accept: application/json' "$U/token?paircode=$P4" | json_get error)"

# --- no paircode in any log of the frontend
leaked=0
for p in "$P0" "$P1" "$P2" "$P3" "$P4" "$P5" "$P6"; do
	grep -qF -- "$p" "$T"/frontend*.log && leaked=$((leaked + 1))
done
expect_eq "no paircode in the frontend log" 0 "$leaked"
