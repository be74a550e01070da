#!/usr/bin/env bash
# CLI pairing over HTTP with curl (SPEC property 5, issue 5's routes): the seed-
# compatible and JSON /cli_login and /token, approval in the browser after
# sign-in, deny, a paircode taken once, slow_down, expiry, and a second browser
# that opens someone else's pairing link.
#
# The property enforced: the /pair/{ref} link confers nothing by itself.  The
# user code and the Approve/Deny buttons appear only to a signed-in browser;
# approving is a POST with that browser's session and CSRF token; and the CLI
# session created belongs to the approving user.  So a second browser with the
# link sees only "sign in"; after signing in as itself it gets its own approval
# prompt, which could attach the waiting CLI to its own account only — never
# give it someone else's.  The paircode itself never reaches a browser or the
# provider: the link carries a separate single-use reference.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

TTL=8
STACK_STORE_EXTRA="pair_ttl_sec = $TTL"
stack_init op || { skip "pairing over HTTP: $STACK_SKIP"; exit 0; }
stack_start || { fail "stack did not start"; exit 1; }
U=$STACK_URL B1=$T/alice.jar B2=$T/bob.jar

pc() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }	# token_urlsafe(16)
get() { curl -sS --max-time 10 "$@"; }
code_body() { curl -sS --max-time 10 -w ' %{http_code}' "$@"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1], ""))' "$1"; }
ref_of() { printf '%s' "$1" | sed -n 's|.*/pair/\([A-Za-z0-9_-]*\)$|\1|p'; }

# --- /cli_login: text (seed) and JSON
P1=$(pc)
url=$(get "$U/cli_login?paircode=$P1")
expect_match "seed-style /cli_login answers the browser URL as plain text" "^$U/pair/[A-Za-z0-9_-]{22}$" "$url"
expect_eq "the URL does not carry the paircode" "" "$(printf '%s' "$url" | grep -F "$P1")"
R1=$(ref_of "$url")
P2=$(pc)
j=$(get -H 'Accept: application/json' "$U/cli_login?paircode=$P2")
expect_match "JSON /cli_login: login_url" "^$U/pair/[A-Za-z0-9_-]{22}$" "$(printf '%s' "$j" | json login_url)"
UC2=$(printf '%s' "$j" | json user_code)
expect_match "JSON /cli_login: a short user code" '^[A-Z0-9]{4}-[A-Z0-9]{4}$' "$UC2"
expect_eq "JSON /cli_login: expires_in" "$TTL" "$(printf '%s' "$j" | json expires_in)"
expect_eq "JSON /cli_login: interval 1 s" 1 "$(printf '%s' "$j" | json interval)"
R2=$(ref_of "$(printf '%s' "$j" | json login_url)")
expect_eq "the same paircode cannot be registered twice" 400 "$(get -o /dev/null -w '%{http_code}' "$U/cli_login?paircode=$P2")"
expect_eq "a paircode with odd characters is refused" 400 "$(get -o /dev/null -w '%{http_code}' "$U/cli_login?paircode=$(pc)%2F")"
expect_eq "a paircode of 129 characters is refused" 400 "$(get -o /dev/null -w '%{http_code}' "$U/cli_login?paircode=$(head -c 129 /dev/zero | tr '\0' a)")"

# --- /token while pending; slow_down
expect_eq "pending: empty 200 (seed-compatible)" " 200" "$(code_body "$U/token?paircode=$P1")"
sleep 1.1
expect_eq "pending, JSON: authorization_pending" "authorization_pending 400" \
	"$(curl -sS --max-time 10 -o "$T/j" -w '%{http_code}' -H 'Accept: application/json' "$U/token?paircode=$P2" >"$T/c"; echo "$(json error <"$T/j") $(cat "$T/c")")"
# Two polls back to back on one connection (one curl): a loaded machine cannot
# stretch the gap between them past the interval.
curl -sS --max-time 10 -H 'Accept: application/json' -o /dev/null -o "$T/j2" \
	"$U/token?paircode=$P2" "$U/token?paircode=$P2"
expect_eq "polling again at once: slow_down, JSON" slow_down "$(json error <"$T/j2")"
h=$(curl -sS --max-time 10 -D "$T/h" -o /dev/null -o "$T/b" "$U/token?paircode=$P1" "$U/token?paircode=$P1"; tail -n +2 "$T/h" | sed -n '/^HTTP\//,$p')
expect_eq "polling again at once: 429 as text" 429 "$(printf '%s' "$h" | head -1 | cut -d' ' -f2)"
expect_match "...saying slow_down" "^slow_down: " "$(cat "$T/b")"
sleep 1.1
expect_eq "polling once a second is never slowed" " 200" "$(code_body "$U/token?paircode=$P1")"
expect_eq "an unknown paircode: 400 expired_token (indistinguishable)" "expired_token 400" \
	"$(curl -sS --max-time 10 -o "$T/j" -w '%{http_code}' -H 'Accept: application/json' "$U/token?paircode=$(pc)" >"$T/c"; echo "$(json error <"$T/j") $(cat "$T/c")")"

# --- the link in a browser that is not signed in: sign-in choices only
page=$(get -c "$B1" -b "$B1" "$url")
expect_match "the link offers sign-in that continues to this pairing" "href=\"/login/op\?pair=$R1\"" "$page"
expect_eq "...and shows no user code and no approve button yet" "" "$(printf '%s' "$page" | grep -oE 'class="code"|value="approve"')"
expect_eq "approving without a session: 401, nothing approved" 401 "$(get -o /dev/null -w '%{http_code}' -d decision=approve "$U/pair/$R1")"
authz=$(stack_authorize_url "$B1" op "pair=$R1")
expect_eq "the provider never sees the paircode" "" "$(printf '%s' "$authz" | grep -F "$P1")"

# --- sign in from the link: back to the approval prompt
expect_eq "sign-in from the link lands on the approval page" "303 $U/pair/$R1" "$(stack_login "$B1" alice op "$R1")"
page=$(st_get "$B1" "/pair/$R1")
UC1=$(printf '%s' "$page" | sed -n 's|.*<p class="code"[^>]*>\([A-Z0-9-]*\)</p>.*|\1|p')
expect_match "the approval page shows the CLI's user code" '^[A-Z0-9]{4}-[A-Z0-9]{4}$' "$UC1"
expect_match "...names the signed-in user" "signed in as <strong>Test User alice</strong>" "$page"
expect_match "...and asks with POST buttons" 'value="approve">Approve</button>.*value="deny"' "$page"
sleep 1.1
expect_eq "GET never approves: still pending" " 200" "$(code_body "$U/token?paircode=$P1")"
expect_eq "approve without the CSRF token: 403" 403 "$(sc "$B1" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d decision=approve "$U/pair/$R1")"
expect_eq "approve from a foreign origin: 403" 403 "$(sc "$B1" -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example' -d "csrf=$(st_csrf "$B1")" -d decision=approve "$U/pair/$R1")"
expect_eq "an unknown decision: 400" "400 " "$(st_post "$B1" "/pair/$R1" decision=maybe)"
sleep 1.1
expect_eq "still pending after the refused attempts" " 200" "$(code_body "$U/token?paircode=$P1")"
out=$(sc "$B1" -w ' %{http_code}' -H "Origin: $U" -d "csrf=$(st_csrf "$B1")" -d decision=approve "$U/pair/$R1")
expect_eq "approve: 200" 200 "${out##* }"
expect_match "the page says approved" "<h1 class=\"ok\">Approved</h1>" "$out"
expect_eq "the link is spent: 404" 404 "$(st_code "$B1" "/pair/$R1")"

# --- the CLI takes its session, once
h=$(curl -sS --max-time 10 -D - -o "$T/b" "$U/token?paircode=$P1" | tr -d '\r')
expect_eq "/token after approval: 200" 200 "$(printf '%s' "$h" | head -1 | cut -d' ' -f2)"
expect_eq "...answering the user id" op:alice "$(cat "$T/b")"
cookie=$(printf '%s' "$h" | sed -n 's/^Set-Cookie: \(session=[A-Za-z0-9_-]*\);.*/\1/p')
expect_match "...and setting a session cookie" "^session=[A-Za-z0-9_-]{43}$" "$cookie"
expect_eq "GET /secured with the CLI's cookie" op:alice "$(get -b "$cookie" "$U/secured")"
expect_eq "the paircode is taken: a second /token is 400" 400 "$(get -o /dev/null -w '%{http_code}' "$U/token?paircode=$P1")"
expect_match "...with a clear body" "^expired_token: " "$(get "$U/token?paircode=$P1")"
expect_match "alice's sessions list the CLI session" "<td>Command line</td><td>[^<]*curl" "$(st_get "$B1" /sessions)"
expect_match "the counter page lists the paired CLI session" "Paired command-line sessions</h2><ul><li>curl" "$(st_get "$B1" /)"

# --- deny (signed-in browser: the prompt comes at once)
page=$(st_get "$B1" "/pair/$R2")
expect_match "a signed-in browser gets the prompt at once, with the right code" "<p class=\"code\"[^>]*>$UC2</p>" "$page"
expect_eq "deny: 200" "200 " "$(st_post "$B1" "/pair/$R2" decision=deny)"
expect_eq "/token after deny: JSON access_denied" access_denied "$(get -H 'Accept: application/json' "$U/token?paircode=$P2" | json error)"
sleep 1.1
expect_eq "/token after deny, text: 4xx" 400 "$(get -o /dev/null -w '%{http_code}' "$U/token?paircode=$P2" | sed 's/403/400/')"

# --- a second browser opens alice's pairing link
P3=$(pc)
url3=$(get "$U/cli_login?paircode=$P3")
R3=$(ref_of "$url3")
UC3=$(get "$url3" -b "$B1" | sed -n 's|.*<p class="code"[^>]*>\([A-Z0-9-]*\)</p>.*|\1|p')
page=$(get -b "$B2" -c "$B2" "$url3")
expect_eq "browser 2, not signed in: no user code, no approve button" "" "$(printf '%s' "$page" | grep -oE 'class="code"|value="approve"')"
expect_eq "browser 2, not signed in: approving is refused (401)" 401 "$(sc "$B2" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d decision=approve "$U/pair/$R3")"
expect_eq "browser 2 cannot use alice's CSRF token without her session" 401 \
	"$(sc "$B2" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d "csrf=$(st_csrf "$B1")" -d decision=approve "$U/pair/$R3")"
sleep 1.1
expect_eq "alice's CLI is still waiting" " 200" "$(code_body "$U/token?paircode=$P3")"
expect_eq "browser 2 signs in as bob from the link" "303 $U/pair/$R3" "$(stack_login "$B2" bob op "$R3")"
page=$(st_get "$B2" "/pair/$R3")
expect_match "bob gets his own approval prompt, under his own name" "signed in as <strong>Test User bob</strong>" "$page"
expect_match "...with the CLI's code to compare" "<p class=\"code\"[^>]*>$UC3</p>" "$page"
expect_eq "bob approves" "200 " "$(st_post "$B2" "/pair/$R3" decision=approve)"
expect_eq "...so the waiting CLI is signed in as bob, never as alice" op:bob "$(get "$U/token?paircode=$P3")"
expect_eq "alice can no longer act on that link" 404 "$(st_code "$B1" "/pair/$R3")"
expect_eq "alice's approve on it is refused" "404 " "$(st_post "$B1" "/pair/$R3" decision=approve)"

# --- expiry
P4=$(pc)
url4=$(get "$U/cli_login?paircode=$P4")
sleep $((TTL + 1))
expect_eq "an expired pairing's link: 404" 404 "$(st_code "$B1" "${url4#$U}")"
expect_eq "an expired paircode at /token: expired_token" expired_token "$(get -H 'Accept: application/json' "$U/token?paircode=$P4" | json error)"

# --- no paircode in any log of the frontend
for p in "$P1" "$P2" "$P3" "$P4"; do
	grep -qF "$p" "$T"/frontend*.log && { fail "a paircode appears in the frontend log"; break; }
done
pass "no paircode in the frontend log"
