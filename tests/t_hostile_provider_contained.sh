#!/usr/bin/env bash
# airlock-authd against a hostile and slow HTTPS peer of our own (tests/idp/fake-idp.mjs):
# garbage / huge / deep / NUL JSON, error answers, redirects, timeouts; 50 slow logins in
# flight while another provider answers at once; discovery failures (down, garbage,
# wrong issuer, no PKCE, plain http, untrusted certificate) while the others work, and
# recovery; expired state and a full cache of used states; malformed IPC frames.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"
. "$AIRLOCK_SRC/tests/lib_authd.sh"

idp_up "authd hostile-provider tests"
SECRET=fake-secret-$(rand_hex 12)
export FAKE_CLIENT_SECRET=$SECRET
idp_start_fake || { fail "start the fake provider"; exit 1; }
FAKE=$IDP_FAKE_URL FAKE_LOG=$IDP_FAKE_LOG
idp_start_fake rogue || { fail "start the rogue-certificate provider"; exit 1; }
ROGUE=$IDP_FAKE_URL
LATE_PORT=$(free_port) DEAD_PORT=$(free_port)

AUTHD_EXTRA="http_timeout_ms = 4000" authd_setup
provider() { # NAME ISSUER
	authd_secret "$1" "$SECRET"
	idp_fake_section "$1" "$2" >>"$AUTHD_CONF"
}
provider fake "$FAKE/good"
provider fast "$FAKE/good"
provider down "https://127.0.0.1:$DEAD_PORT/good"
provider garbage "$FAKE/garbage"
provider mismatch "$FAKE/mismatch"
provider nopkce "$FAKE/nos256"
provider plainhttp "$FAKE/plainhttp"
provider rogue "$ROGUE/good"
provider late "https://127.0.0.1:$LATE_PORT/good"
endpoints() { # NAME TYPE [REVOCATION_URL]: a named type with every endpoint overridden
	authd_secret "$1" "$SECRET"
	printf '\n[provider.%s]\ntype = %s\nclient_id = fake-client\nscopes = profile\n' "$1" "$2" >>"$AUTHD_CONF"
	printf 'authorize_url = %s/authorize\ntoken_url = %s/token\nuserinfo_url = %s/userinfo\n' \
		"$FAKE" "$FAKE" "$FAKE" >>"$AUTHD_CONF"
	[ -z "${3:-}" ] || printf 'revocation_url = %s\n' "$3" >>"$AUTHD_CONF"
}
endpoints goog google "$FAKE/revoke-google"
endpoints hf huggingface
endpoints disc discord "$FAKE/revoke"
authd_start || { fail "authd start"; exit 1; }
check "provider with good discovery is ready" authd_wait_ready fake 10

# --- discovery failures: reported, retried, the others keep working ---
discovery_tried() { local p; for p in down garbage mismatch nopkce plainhttp rogue late; do
	grep -q "provider $p: discovery" "$AUTHD_LOG" || return 1; done; }
check "every provider's discovery was tried" wait_for "discovery attempts" 10 discovery_tried
PROV=$(authc providers)
for p in down garbage mismatch nopkce plainhttp rogue late; do
	expect_match "discovery failure leaves $p not ready" "^provider=$p	.*	0\$" "$PROV"
	expect_eq "login with $p while not ready: provider error" provider_error "$(kv status "$(authc start "$p")")"
done
expect_eq "PING counts the ready providers" 5 "$(kv ready "$(authc ping)")"
LOG=$(cat "$AUTHD_LOG")
expect_match "unreachable issuer is logged and retried" "provider down: discovery .* failed .*retrying in" "$LOG"
expect_match "issuer mismatch is logged" "provider mismatch: discovery .*issuer in the document differs" "$LOG"
expect_match "missing PKCE S256 is logged" "provider nopkce: discovery .*PKCE S256" "$LOG"
expect_match "plain http endpoint from discovery is refused" "provider plainhttp: discovery .*plain http" "$LOG"
expect_match "untrusted certificate is refused" "provider rogue: discovery .*(certificate|SSL)" "$LOG"
FAKE_PORT=$LATE_PORT idp_start_fake || fail "start the late provider"
check "a provider whose discovery failed becomes ready once it answers" authd_wait_ready late 12

finish_code() { # PROVIDER CODE -> status line
	local out
	out=$(authc start "$1")
	authc finish "$(kv state "$out")" "$2" "$(kv binding "$out")"
}

# --- hostile token and userinfo answers ---
for code in garbage huge deep nul rawnul badtype trailing error200 error400 500 redirect \
	notbearer crlf formbad ui-garbage ui-deep ui-huge ui-nosub ui-subnum ui-401 ui-longsub; do
	expect_eq "provider answer '$code' is a clean provider error" provider_error \
		"$(kv status "$(finish_code fake "$code")")"
done
expect_eq "form-encoded token answer is accepted" ok "$(kv status "$(finish_code fake form)")"
OUT=$(finish_code fake ui-ctrl)
expect_eq "control characters in the name are replaced" "Evil?Name?Next??Line" "$(kv name "$OUT")"
expect_eq "no redirect was followed" 0 "$(grep -c 'token-elsewhere' "$FAKE_LOG")"
expect_eq "timeout of a provider that never answers" timeout "$(kv status "$(finish_code fake hang)")"
expect_eq "authd still answers after all that" ok "$(kv status "$(authc ping)")"

# --- one slow provider does not hold up anyone ---
requests() { grep -c "TOKEN REQUEST $1\$" "$FAKE_LOG"; }
at_least() { [ "$(requests "$1")" -ge "$2" ]; }	# CODE N: N exchanges with CODE reached the provider
AUTHC_TIMEOUT=20000 authc many 50 fake slow >"$T/slow.out" &
SLOW_PID=$!
check "50 slow exchanges reach the provider" wait_for "slow exchanges" 10 at_least slow 50
FAST=$(authc many 5 fast ok)
wait "$SLOW_PID"
SLOW=$(cat "$T/slow.out")
expect_eq "5 logins at a fast provider succeed while 50 are in flight at a slow one" 5 "$(kv count_ok "$FAST")"
check "...and answer in under a second ($(kv ms_max "$FAST") ms)" test "$(kv ms_max "$FAST")" -lt 1000
expect_eq "all 50 slow logins succeed" 50 "$(kv count_ok "$SLOW")"
check "...concurrently: the slowest took $(kv ms_max "$SLOW") ms for a 2000 ms provider" \
	test "$(kv ms_max "$SLOW")" -lt 6000

# --- revocation (RFC 7009: refresh token, then access token) ---
OUT=$(finish_code fake ok)
AT=$(idp_tokens "$FAKE_LOG" access | tail -1)
expect_eq "userinfo works before revocation" 200 \
	"$(idp_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AT" "$FAKE/userinfo")"
expect_eq "revoke ok" ok "$(kv status "$(authc revoke "$(kv grant "$OUT")" "$(kv user_id "$OUT")")")"
expect_match "both tokens revoked" "REVOKED refresh_token.*REVOKED access_token" "$(tr '\n' ' ' <"$FAKE_LOG")"
expect_eq "userinfo answers 401 after revocation" 401 \
	"$(idp_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AT" "$FAKE/userinfo")"

# --- the other revocation styles, and a provider without one ---
OUT=$(finish_code goog ok)
expect_eq "Google-style login (client_secret_post) ok" ok "$(kv status "$OUT")"
expect_eq "Google-style revoke (token only, no client authentication)" ok \
	"$(kv status "$(authc revoke "$(kv grant "$OUT")" "$(kv user_id "$OUT")")")"
expect_match "...reached the provider" "REVOKED google" "$(cat "$FAKE_LOG")"
OUT=$(finish_code disc ok)
expect_eq "Discord-style revoke (RFC 7009)" ok "$(kv status "$(authc revoke "$(kv grant "$OUT")" "$(kv user_id "$OUT")")")"
OUT=$(finish_code hf ok)
expect_eq "Hugging Face login ok" ok "$(kv status "$OUT")"
expect_eq "provider without revocation answers unsupported" unsupported \
	"$(kv status "$(authc revoke "$(kv grant "$OUT")" "$(kv user_id "$OUT")")")"
expect_eq "...asked again, the same answer (the grant travels sealed: nothing to delete)" unsupported \
	"$(kv status "$(authc revoke "$(kv grant "$OUT")" "$(kv user_id "$OUT")")")"

# --- malformed IPC: the connection closes, the daemon keeps serving ---
expect_eq "garbage payload closes the connection" closed "$(authc raw 00000004000400cc00000001deadbeef)"
expect_eq "unknown message type closes the connection" closed "$(authc raw 00000000000401f400000001)"
expect_eq "oversized frame header closes the connection" closed "$(authc raw ffffffff000400c800000001)"
expect_eq "wrong protocol version closes the connection" closed "$(authc raw 00000000000900c800000001)"
expect_eq "trailing bytes close the connection" closed "$(authc raw 00000001000400c80000000100)"
expect_eq "a 3000-byte state is simply unknown" notfound \
	"$(kv status "$(authc finish "$(head -c 3000 /dev/zero | tr '\0' A)" code -)")"
expect_eq "authd keeps serving others" ok "$(kv status "$(authc ping)")"

# --- leak check for this script's traffic ---
LEAKS=0
for s in "$SECRET" $(idp_tokens "$FAKE_LOG" access) $(idp_tokens "$FAKE_LOG" refresh); do
	grep -qaF -- "$s" "$AUTHD_CAPTURE" "$AUTHD_LOG" && LEAKS=$((LEAKS + 1))
done
expect_eq "no secret or token in authd's answers or log" 0 "$LEAKS"

# --- shutdown with an exchange in flight: it is answered, nothing leaks (ASan) ---
OUT=$(authc start fake)
hung=$(requests hang)
authc finish "$(kv state "$OUT")" hang "$(kv binding "$OUT")" >"$T/inflight.out" &
INFLIGHT=$!
check "the exchange reaches the provider" wait_for "the hanging exchange" 10 at_least hang $((hung + 1))
# --- expiry and a full cache of used states (short TTL, tiny cache) ---
authd_stop
wait "$INFLIGHT"
expect_eq "an exchange in flight at shutdown gets an answer" internal "$(kv status "$(cat "$T/inflight.out")")"
sed -i 's/^http_timeout_ms = 4000$/http_timeout_ms = 4000\nlogin_ttl_sec = 600\nmax_logins = 3/' "$AUTHD_CONF"
clock_setup || { skip "login expiry: $CLOCK_SKIP"; exit 0; }
authd_start || fail "authd restart"
authd_wait_ready fake 10
OUT=$(authc start fake)
clock_advance 480
expect_eq "a state 480 s into its 600 s is still known" ok \
	"$(kv status "$(authc finish "$(kv state "$OUT")" ok "$(kv binding "$OUT")")")"
OUT=$(authc start fake)
clock_advance 601
expect_eq "expired state is refused" expired \
	"$(kv status "$(authc finish "$(kv state "$OUT")" expired-probe "$(kv binding "$OUT")")")"
expect_eq "...without asking the provider" 0 "$(grep -c 'TOKEN REQUEST expired-probe' "$FAKE_LOG")"
authc many 3 fake error400 >/dev/null
expect_eq "starting logins needs no table: a 4th start is fine" ok "$(kv status "$(authc start fake)")"
expect_eq "a cache full of live used states answers busy" busy "$(kv status "$(finish_code fake ok)")"
clock_advance 601
expect_eq "expired entries make room again" ok "$(kv status "$(finish_code fake ok)")"
[ "$T_FAILS" -eq 0 ]
