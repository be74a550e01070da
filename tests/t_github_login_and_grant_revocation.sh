#!/usr/bin/env bash
# airlock-authd against the GitHub stand-in (plain http on 127.0.0.1 behind
# allow_insecure_loopback): login with the numeric user id, GitHub's
# "errors as HTTP 200", PKCE, and revocation of the whole grant.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"
. "$AIRLOCK_SRC/tests/lib_authd.sh"

idp_setup || { skip "authd GitHub tests ($IDP_SKIP)"; exit 0; }
SECRET=gh-secret-$(rand_hex 12)
GH_CLIENT_SECRET=$SECRET idp_start_gh || { fail "start the GitHub stand-in"; exit 1; }

AUTHD_EXTRA="allow_insecure_loopback = yes" authd_setup
authd_secret gh "$SECRET"
cat >>"$AUTHD_CONF" <<EOC

[provider.gh]
type = github
client_id = gh-client
authorize_url = $IDP_GH_URL/login/oauth/authorize
token_url = $IDP_GH_URL/login/oauth/access_token
api_url = $IDP_GH_URL
EOC
authd_start || { fail "authd start"; exit 1; }
check "GitHub provider ready at once (no discovery)" authd_wait_ready gh 5
expect_match "plain http to loopback is logged loudly" "WARNING: allow_insecure_loopback" "$(cat "$AUTHD_LOG")"

login_url() { local out; out=$(authc start gh); URL=$(kv url "$out") STATE=$(kv state "$out") BINDING=$(kv binding "$out"); }
gh_code() { idp_param "$(idp_gh_login "$1" "$2")" code; }

# A token the test holds itself for user "octo" (same OAuth app), to see the
# grant revocation from outside: GitHub's DELETE .../grant kills every token of it.
V=$(rand_b64url 32)
CH=$(printf %s "$V" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
TC=$(gh_code "$IDP_GH_URL/login/oauth/authorize?client_id=gh-client&state=t&code_challenge=$CH&code_challenge_method=S256" octo)
TEST_TOKEN=$(curl -sS -H 'Accept: application/json' -d client_id=gh-client -d "client_secret=$SECRET" \
	-d "code=$TC" -d "code_verifier=$V" "$IDP_GH_URL/login/oauth/access_token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
user_status() { curl -sS -o /dev/null -w '%{http_code}' -A test -H "Authorization: Bearer $1" "$IDP_GH_URL/user"; }
expect_eq "the test's own token works" 200 "$(user_status "$TEST_TOKEN")"

# --- full login ---
login_url
expect_match "authorize URL has PKCE S256 and the scope" "scope=read%3Auser.*code_challenge_method=S256" "$URL"
expect_eq "no OIDC nonce for GitHub" "" "$(printf %s "$URL" | grep -o 'nonce=')"
REDIR=$(idp_gh_login "$URL" octo)
expect_eq "stand-in returns our state" "$STATE" "$(idp_param "$REDIR" state)"
OUT=$(authc finish "$STATE" "$(idp_param "$REDIR" code)" "$BINDING")
expect_eq "GitHub login ok" ok "$(kv status "$OUT")"
expect_match "user id is the numeric GitHub id" '^gh:[0-9]+$' "$(kv user_id "$OUT")"
expect_eq "display name from /user" "Test octo" "$(kv name "$OUT")"
expect_eq "proof verifies" yes "$(kv proof_verified "$OUT")"
GRANT=$(kv grant "$OUT") GRANT_USER=$(kv user_id "$OUT")

# --- errors as HTTP 200 ---
login_url
expect_eq "bad code (HTTP 200 with error) is a provider error" provider_error \
	"$(kv status "$(authc finish "$STATE" deadbeef "$BINDING")")"
expect_match "the log names GitHub's error code" 'error "bad_verification_code"' "$(cat "$AUTHD_LOG")"

# --- PKCE: a code minted for login A, redeemed by login B ---
login_url; UA=$URL
login_url; SB=$STATE BB=$BINDING
expect_eq "code with another login's verifier is refused" provider_error \
	"$(kv status "$(authc finish "$SB" "$(gh_code "$UA" mallory)" "$BB")")"

# --- revocation of the grant ---
expect_eq "revoke answers ok" ok "$(kv status "$(authc revoke "$GRANT" "$GRANT_USER")")"
expect_eq "the user's tokens are dead at the provider (/user answers 401)" 401 "$(user_status "$TEST_TOKEN")"
expect_eq "revoking again: GitHub no longer knows the token (422)" provider_error \
	"$(kv status "$(authc revoke "$GRANT" "$GRANT_USER")")"

# --- leak check: secret and GitHub tokens (gho_...) never leave authd ---
authd_stop
expect_eq "no client secret in anything authd sent or logged" 0 \
	"$(cat "$AUTHD_CAPTURE" "$T"/authd*.log | grep -caF -- "$SECRET")"
expect_eq "no GitHub token in anything authd sent or logged" 0 \
	"$(cat "$AUTHD_CAPTURE" "$T"/authd*.log | grep -caF -- gho_)"
[ "$T_FAILS" -eq 0 ]
