#!/usr/bin/env bash
# OpenID Connect back-channel logout: every forged or malformed logout_token POSTed to
# /backchannel_logout/op is answered 400 and ends no session (bad signature, alg none,
# HS256 keyed with the public key, a crit header, wrong iss, wrong aud, iat too old, no
# events, a nonce, no jti, sid without sub, a replayed jti, bad forms), while a good token
# ends every session of its user and no other's.  A flood of tokens with unknown kids from another
# address gets 400/429 and makes authd fetch the provider's keys no more than the
# 60-second rule allows; a good token from here still works meanwhile.  Tokens are
# signed by tests/idp/logout-tokens.mjs, which also serves the JWKS (jwks_url).
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

STACK_FRONTEND_EXTRA="rate_limit_burst = 40" stack_up "back-channel logout" op

LT_PORT=$(free_port)
bg lt env LT_PORT="$LT_PORT" LT_TLS_CERT="$IDP_CERT" LT_TLS_KEY="$IDP_KEY" \
	LT_ISSUER="$IDP_OP_ISSUER" LT_AUD=test-client node "$AIRLOCK_SRC/tests/idp/logout-tokens.mjs"
wait_for "logout token server" 20 grep -q "LT READY" "$T/lt.log" || { fail "token server"; exit 1; }
LT=https://127.0.0.1:$LT_PORT
# [provider.op] is the last section: back-channel logout on, keys from the token server.
printf 'backchannel_logout = yes\njwks_url = %s/jwks\n' "$LT" >>"$STACK_CONF"
stack_stop_authd
stack_start_authd && _stack_wait 20 _stack_ready || { fail "authd did not restart"; exit 1; }

mint() { idp_curl "$LT/mint?case=$1&sub=${2:-alice}${3:+&jti=$3}"; }
# post TOKEN [curl args...]: HTTP status of the back-channel POST
post() {
	local tok=$1; shift
	curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@" \
		--data-urlencode "logout_token=$tok" "$STACK_URL/backchannel_logout/op"
}
signed_in() { st_code "$1" /; }	# 200 signed in, 303 to /login

A=$T/alice.jar B=$T/bob.jar
stack_login "$A" alice >/dev/null && stack_login "$B" bob >/dev/null
expect_eq "alice and bob signed in" "200 200" "$(signed_in "$A") $(signed_in "$B")"

for c in badsig none hs256 crit iss aud old noevents nonce nojti sidonly; do
	tok=$(mint "$c")
	[ -n "$tok" ] || fail "minting $c"
	expect_eq "$c: 400" 400 "$(post "$tok")"
done
expect_eq "no session ended by a refused token" "200 200" "$(signed_in "$A") $(signed_in "$B")"
for why in "bad signature" "alg not accepted" "crit header" "iss is not" "aud does not" \
	"iat too old" "events lacks" "nonce present" "no jti" "sid without sub"; do
	check "authd logged the reason: $why" grep -q "refused: .*$why" "$T/authd-2.log"
done

# Forms the frontend refuses before authd.
tok=$(mint good alice)
expect_eq "not a form: 400" 400 "$(curl -sS -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/json' --data "{\"logout_token\":\"$tok\"}" \
	"$STACK_URL/backchannel_logout/op")"
expect_eq "a second parameter: 400" 400 "$(post "$tok" --data-urlencode x=1)"
expect_eq "a token over MAX_LOGOUT_TOKEN: 400" 400 "$(post "$(head -c 9000 /dev/zero | tr '\0' a)")"
expect_eq "unknown provider: 404" 404 "$(curl -sS -o /dev/null -w '%{http_code}' \
	--data-urlencode "logout_token=$tok" "$STACK_URL/backchannel_logout/nope")"
expect_eq "GET: 405" 405 "$(st_code "$T/x.jar" /backchannel_logout/op)"

sig=${tok##*.}
expect_eq "good token: 200" 200 "$(post "$tok")"
expect_within 5 "alice's session ended, bob's kept" "303 200" \
	bash -c "echo \$(curl -sS -o /dev/null -w '%{http_code}' -b '$A' '$STACK_URL/') \$(curl -sS -o /dev/null -w '%{http_code}' -b '$B' '$STACK_URL/')"
stack_login "$A" alice >/dev/null
expect_eq "replayed token: 400" 400 "$(post "$tok")"
check "authd refused the replay itself" grep -q "refused: jti already used" "$T/authd-2.log"
expect_eq "the replay ended nothing" "200 200" "$(signed_in "$A") $(signed_in "$B")"
if grep -q "$sig" "$T"/*.log; then fail "a logout token appears in a log"; else pass "no token in the logs"; fi

# Flood from 127.0.0.2: tokens with unknown kids.  The first fetch of the JWKS was the
# badsig case's; an unknown kid makes authd fetch again at most once a minute.
idp_curl "$LT/mint?case=unknownkid&n=200" >"$T/flood.txt"; echo >>"$T/flood.txt"
node "$AIRLOCK_SRC/tests/idp/logout-tokens.mjs" flood "$T/flood.txt" \
	"$STACK_URL/backchannel_logout/op" >"$T/flood.codes" &
flood=$!
tok=$(mint good bob)
expect_eq "a good token during the flood: 200" 200 "$(post "$tok")"
wait "$flood"
expect_eq "flood: 200 answers, each 400 or 429" 200 \
	"$(awk '$1 == 400 || $1 == 429 { n += $2 } END { print n + 0 }' "$T/flood.codes")"
fetches=$(idp_curl "$LT/fetches")
expect_eq "authd fetched the JWKS once, or twice after a minute" 1 \
	"$(( fetches == 1 || (fetches == 2 && SECONDS >= 60) ))"
expect_eq "bob's session ended, alice's kept" "200 303" "$(signed_in "$A") $(signed_in "$B")"

[ "$T_FAILS" -eq 0 ]
