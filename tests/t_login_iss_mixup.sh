#!/usr/bin/env bash
# OAuth mix-up defence.  Each provider has its own redirect path
# (/auth_redirect/gh), the configured default keeps /auth_redirect (op here),
# and a login comes back only on its own provider's path.  The OpenID
# provider's discovery promises iss in the authorization response (RFC 9207),
# so a callback without it or with another issuer's is refused.  Refusals
# spend nothing: the right callback then signs in.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

stack_up "iss and mix-up" op gh
U=$STACK_URL A=$T/a.jar B=$T/b.jar
# A refused callback: the jar is read, not written (the browser keeps its login cookie).
refused() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -b "$1" "$2"; }

expect_match "discovery saw the provider's iss promise" "provider op: ready .*callbacks must carry iss" \
	"$(cat "$T"/authd*.log)"
expect_match "the default provider keeps /auth_redirect" "redirect_uri=[^&]*%2Fauth_redirect&" \
	"$(stack_authorize_url "$T/x.jar" op)"

# --- op: iss missing or wrong ---
BACK=$(stack_provider_login "$(stack_authorize_url "$A" op)" alice op)
ISS=$(idp_param "$BACK" iss)
expect_eq "the provider's callback carries its issuer as iss" "$IDP_OP_ISSUER" "$ISS"
NOISS=$(printf '%s' "$BACK" | sed 's/&iss=[^&]*//')
expect_eq "callback without iss: refused" 403 "$(refused "$A" "$NOISS")"
expect_eq "callback with another issuer's iss: refused" 403 \
	"$(refused "$A" "$NOISS&iss=https%3A%2F%2Fevil.example")"
expect_eq "op's login delivered to /auth_redirect/gh: refused" 403 \
	"$(refused "$A" "${BACK/\/auth_redirect?//auth_redirect/gh?}")"
expect_match "...each logged" "without the iss its provider promised.*with the iss of another issuer.*op login came back on the callback path of \"gh\"" \
	"$(tr '\n' ' ' <"$(ls "$T"/authd*.log | tail -1)")"

# --- gh: its own path; a gh login on op's paths is refused ---
GBACK=$(stack_provider_login "$(stack_authorize_url "$B" gh)" octocat gh)
expect_match "gh sends the browser back to /auth_redirect/gh" "^$U/auth_redirect/gh\?" "$GBACK"
expect_eq "gh's login delivered to /auth_redirect (op's): refused" 403 \
	"$(refused "$B" "${GBACK/\/auth_redirect\/gh?//auth_redirect?}")"
expect_eq "gh's login delivered to /auth_redirect/op: refused" 403 \
	"$(refused "$B" "${GBACK/\/auth_redirect\/gh?//auth_redirect/op?}")"
expect_eq "no token was asked for at either provider" 0 \
	"$(grep -c 'GRANT ERROR' "$IDP_OP_LOG")"

# --- the right callbacks still work ---
expect_eq "op's own callback with the right iss signs in" "303 $U/" \
	"$(sc "$A" -o /dev/null -w '%{http_code} %{redirect_url}' "$BACK")"
expect_eq "gh's own callback signs in" "303 $U/" \
	"$(sc "$B" -o /dev/null -w '%{http_code} %{redirect_url}' "$GBACK")"
[ "$T_FAILS" -eq 0 ]
