#!/usr/bin/env bash
# airlock-authd against a real OpenID Provider (oidc-provider over TLS, test CA):
# full login, state single use / binding / PKCE / iss (RFC 9207), provider errors,
# revocation checked at the provider, and no secret or token in anything authd sends.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"
. "$AIRLOCK_SRC/tests/lib_authd.sh"

idp_up "authd OIDC tests"
SECRET=op-secret-$(rand_hex 12)
OP_CLIENT_SECRET=$SECRET OP_REDIRECT_URIS=http://127.0.0.1:8000/auth_redirect/op idp_start_op ||
	{ fail "start the OpenID provider"; exit 1; }
export AUTHC_ISS=$IDP_OP_ISSUER	# the callback's iss, which this provider promises

authd_setup
authd_secret op "$SECRET"
cat >>"$AUTHD_CONF" <<EOC

[provider.op]
type = oidc
display_name = Test OP
issuer = $IDP_OP_ISSUER
client_id = test-client
EOC
authd_start || { fail "authd start"; exit 1; }
check "OIDC provider ready after discovery over TLS" authd_wait_ready op 15

login_url() { # PURPOSE... -> sets URL STATE BINDING
	local out
	out=$(authc start op "$@")
	URL=$(kv url "$out") STATE=$(kv state "$out") BINDING=$(kv binding "$out")
}

# --- full login ---
login_url
expect_match "authorize URL: PKCE S256, nonce, exact redirect URI" \
	"code_challenge_method=S256.*nonce=" "$URL"
expect_match "authorize URL carries the provider's own redirect URI" \
	"redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fauth_redirect%2Fop&" "$URL"
expect_eq "state is 43 base64url characters" 43 "$(printf %s "$STATE" | tr -cd 'A-Za-z0-9_-' | wc -c)"
REDIR=$(idp_op_login "$URL" alice)
CODE=$(idp_param "$REDIR" code)
expect_eq "provider returns our state" "$STATE" "$(idp_param "$REDIR" state)"
OUT=$(authc finish "$STATE" "$CODE" "$BINDING")
expect_eq "full login answers ok" ok "$(kv status "$OUT")"
expect_eq "user id is provider:sub" "op:alice" "$(kv user_id "$OUT")"
expect_eq "display name from userinfo" "Test User alice" "$(kv name "$OUT")"
expect_eq "proof verifies with the public key" yes "$(kv proof_verified "$OUT")"
expect_eq "proof purpose is web" 1 "$(kv purpose "$OUT")"
GRANT=$(kv grant "$OUT")
AT=$(idp_tokens "$IDP_OP_LOG" access | tail -1)
RT=$(idp_tokens "$IDP_OP_LOG" refresh | tail -1)
expect_eq "proof carries the grant sealed (no token in it)" 0 \
	"$(printf %s "$GRANT" | xxd -r -p | grep -caF -e "$AT" -e "$RT" -e op:alice)"
[ "${#GRANT}" -gt 100 ] && pass "...a box of ${#GRANT} hex digits" || fail "grant too short: $GRANT"
expect_eq "the provider's access token works before revocation" 200 \
	"$(idp_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AT" "$IDP_OP_ISSUER/me")"

# --- the same state again, a made-up state ---
expect_eq "replayed state is refused" notfound "$(kv status "$(authc finish "$STATE" "$CODE" "$BINDING")")"
expect_eq "unknown state is refused" notfound \
	"$(kv status "$(authc finish "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" "$CODE" "$BINDING")")"

# --- state from another browser: wrong or missing binding; the state is not spent ---
login_url; S1=$STATE B1=$BINDING U1=$URL
OTHER=$(kv binding "$(authc start op)")
C1=$(idp_param "$(idp_op_login "$U1" bob)" code)
expect_eq "state with another browser's binding is refused" notfound \
	"$(kv status "$(authc finish "$S1" "$C1" "$OTHER")")"
expect_eq "state without a binding is refused" notfound "$(kv status "$(authc finish "$S1" "$C1" -)")"
expect_eq "no token was asked for the refused states (no grant error at the provider)" 0 \
	"$(grep -c 'GRANT ERROR' "$IDP_OP_LOG")"
# --- RFC 9207: this provider promises iss, so a callback without it or with another is refused ---
expect_eq "callback without iss is refused" denied \
	"$(kv status "$(AUTHC_ISS= authc finish "$S1" "$C1" "$B1")")"
expect_eq "callback with another issuer's iss is refused" denied \
	"$(kv status "$(AUTHC_ISS=https://evil.example authc finish "$S1" "$C1" "$B1")")"
expect_eq "callback on another provider's path is refused" denied \
	"$(kv status "$(authc finish "$S1" "$C1" "gh:${B1#*:}")")"
expect_eq "...none of that spent the state: the right browser still signs in" ok \
	"$(kv status "$(authc finish "$S1" "$C1" "$B1")")"
expect_eq "...once" notfound "$(kv status "$(authc finish "$S1" "$C1" "$B1")")"

# --- code injection: a code minted for login A redeemed with login B's verifier ---
login_url; SA=$STATE UA=$URL
login_url; SB=$STATE BB=$BINDING
CA=$(idp_param "$(idp_op_login "$UA" carol)" code)
OUT=$(authc finish "$SB" "$CA" "$BB")
expect_eq "code redeemed with another login's PKCE verifier fails" provider_error "$(kv status "$OUT")"
expect_match "the provider rejected the verifier" "GRANT ERROR invalid_grant.*(PKCE|code_verifier)" "$(cat "$IDP_OP_LOG")"

# --- provider error answer ---
login_url
expect_eq "invalid code: provider error" provider_error \
	"$(kv status "$(authc finish "$STATE" not-a-code "$BINDING")")"

# --- CLI purpose: the pairing reference goes into the proof ---
REF=00112233445566778899aabbccddeeff
login_url cli "$REF"
OUT=$(authc finish "$STATE" "$(idp_param "$(idp_op_login "$URL" dave)" code)" "$BINDING")
expect_eq "CLI login ok" ok "$(kv status "$OUT")"
expect_eq "CLI proof purpose" 2 "$(kv purpose "$OUT")"
expect_eq "CLI proof carries the pairing reference" "$REF" "$(kv ref "$OUT")"
expect_eq "CLI purpose without a reference is invalid" invalid "$(kv status "$(authc start op cli)")"
expect_eq "unknown provider" notfound "$(kv status "$(authc start nope)")"

# --- revocation, checked at the provider ---
expect_eq "no grant file is written in state_dir" "" "$(ls -A "$AUTHD_DIR"/state/grants)"
expect_eq "a grant revoked in another user's name does not open" notfound \
	"$(kv status "$(authc revoke "$GRANT" op:bob)")"
TAMPERED=$(python3 -c 'import sys; g = sys.argv[1]; print(g[:60] + ("1" if g[60] == "0" else "0") + g[61:])' "$GRANT")
expect_eq "a tampered grant does not open" notfound "$(kv status "$(authc revoke "$TAMPERED" op:alice)")"
expect_match "...which authd logs, without a token" "revoke: a grant of [0-9]+ bytes for op:alice does not open" \
	"$(cat "$AUTHD_LOG")"
expect_eq "revoke answers ok" ok "$(kv status "$(authc revoke "$GRANT" op:alice)")"
expect_eq "userinfo with the revoked access token answers 401" 401 \
	"$(idp_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AT" "$IDP_OP_ISSUER/me")"
expect_match "the refresh token is inactive too" '"active":false' \
	"$(idp_curl -u "test-client:$SECRET" -d "token=$RT" "$IDP_OP_ISSUER/token/introspection")"
expect_eq "revoking the same grant again is harmless (RFC 7009: ok for dead tokens)" ok \
	"$(kv status "$(authc revoke "$GRANT" op:alice)")"
expect_eq "unknown legacy grant handle" notfound \
	"$(kv status "$(authc revoke 0123456789abcdef0123456789abcdef op:alice)")"

# --- revocation after a restart: the grant travels sealed, grant.key stays ---
login_url
OUT=$(authc finish "$STATE" "$(idp_param "$(idp_op_login "$URL" erin)" code)" "$BINDING")
G2=$(kv grant "$OUT"); AT2=$(idp_tokens "$IDP_OP_LOG" access | tail -1)
authd_stop; authd_start; authd_wait_ready op 15
expect_eq "revoke after an authd restart" ok "$(kv status "$(authc revoke "$G2" op:erin)")"
expect_eq "...and the token is dead at the provider" 401 \
	"$(idp_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AT2" "$IDP_OP_ISSUER/me")"

# --- nothing secret in any byte authd sent, nor in its log ---
authd_stop
LEAKS=0
for s in "$SECRET" $(idp_tokens "$IDP_OP_LOG" access) $(idp_tokens "$IDP_OP_LOG" refresh) "$CODE" "$CA"; do
	grep -qaF -- "$s" "$AUTHD_CAPTURE" "$T"/authd*.log && { LEAKS=$((LEAKS + 1)); echo "leaked: ${s:0:6}..."; }
done
expect_eq "no client secret, token or code in authd's answers or log" 0 "$LEAKS"
expect_eq "capture is not empty (the check saw real traffic)" yes \
	"$([ "$(stat -c %s "$AUTHD_CAPTURE")" -gt 1000 ] && echo yes || echo no)"
[ "$T_FAILS" -eq 0 ]
