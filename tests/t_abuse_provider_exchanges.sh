#!/usr/bin/env bash
# Anonymous clients cannot make authd spend the client secret at will: a flood
# of callbacks from one address, each with a valid pre-login cookie and state
# (from logins it started itself) and a made-up code, reaches a slow provider
# at most max_exchanges_per_addr at a time; the rest are answered 429 with
# Retry-After and keep their state.  The provider never sees more token
# requests than logins were started, and a login from another address
# completes meanwhile.  (The frontend's own per-address rate limit is set out
# of the way here: this is authd's bound.)
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

CAP=2 N=10
export FAKE_TOKEN_DELAY_MS=2000
STACK_AUTHD_EXTRA="max_exchanges_per_addr = $CAP"
STACK_FRONTEND_EXTRA="rate_limit_burst = 1000"
stack_init op || { skip "provider exchanges: $STACK_SKIP"; exit 0; }
SECRET=fake-secret-$(rand_hex 12)
FAKE_CLIENT_SECRET=$SECRET idp_start_fake || { fail "start the slow provider"; exit 1; }
(umask 077; printf '%s\n' "$SECRET" >"$STACK_DIR/secrets/fake.client_secret")
idp_fake_section fake "$IDP_FAKE_URL/good" >>"$STACK_CONF"
stack_start || { fail "stack did not start"; exit 1; }
fake_ready() { curl -sS --max-time 2 "$STACK_URL/login" | grep -q 'href="/login/fake"'; }
_stack_wait 15 fake_ready || { fail "the slow provider is not ready"; exit 1; }
U=$STACK_URL

# N logins started from 127.0.0.1, one cookie jar each; their states kept.
for i in $(seq "$N"); do
	idp_param "$(stack_authorize_url "$T/f$i.jar" fake)" state >"$T/state$i"
done
expect_eq "$N logins started from one address" "$N" "$(cat "$T"/state* | grep -c .)"

callback() { # I [CURL ARGS...]: login I's callback with a made-up code
	local i=$1; shift
	sc "$T/f$i.jar" "$@" -o /dev/null -D "$T/h$i" -w '%{http_code}\n' \
		"$U/auth_redirect/fake?code=made-up-$i&state=$(cat "$T/state$i")"
}
PIDS=()
for i in $(seq "$N"); do callback "$i" >"$T/code$i" & PIDS+=($!); done
at_provider() { [ "$(grep -c '^TOKEN REQUEST made-up-' "$IDP_FAKE_LOG")" -ge "$CAP" ]; }
check "$CAP exchanges reach the slow provider" wait_for "exchanges at the provider" 10 at_provider
# Meanwhile a browser at another address signs in at the same slow provider.
O=$T/other.jar
OURL=$(sc "$O" --interface 127.0.0.2 -o /dev/null -w '%{redirect_url}' "$U/login/fake")
OTHER=$(sc "$O" --interface 127.0.0.2 -o /dev/null -w '%{http_code} %{redirect_url}' \
	"$U/auth_redirect/fake?code=ok&state=$(idp_param "$OURL" state)")
wait "${PIDS[@]}"

CODES=$(cat "$T"/code*)
expect_eq "the other address signed in meanwhile" "303 $U/" "$OTHER"
N429=$(grep -c '^429$' <<<"$CODES")
check "most of the flood is answered 429 ($N429 of $N; $((N - CAP)) when all arrive within 2 s)" \
	test "$N429" -ge $((N / 2))
check "...with Retry-After: 1" grep -qi '^Retry-After: 1' $(grep -l ' 429' "$T"/h*)
MAXIN=$(sed -n 's/^TOKEN INFLIGHT //p' "$IDP_FAKE_LOG" | sort -n | tail -1)
check "the provider saw at most $CAP + 1 (the other address) token requests at once: $MAXIN" \
	test "$MAXIN" -le $((CAP + 1))
FLOOD=$(grep -c '^TOKEN REQUEST made-up' "$IDP_FAKE_LOG")
expect_eq "...one from each callback not answered 429, no more" $((N - N429)) "$FLOOD"
check "...never more than the $N logins started" test "$FLOOD" -le "$N"
expect_match "authd logged the refusals" "127.0.0.1 has $CAP exchanges in flight already" \
	"$(cat "$T"/authd*.log)"

# A refused callback kept its state: once the flood is over it reaches the provider.
R=$(grep -l '^429$' "$T"/code* | head -1 | sed 's/.*code//')
expect_eq "a callback answered 429 can be retried: its state was not spent" 502 \
	"$(callback "$R")"
expect_eq "...and that one made one more token request" $((FLOOD + 1)) \
	"$(grep -c '^TOKEN REQUEST made-up' "$IDP_FAKE_LOG")"
[ "$T_FAILS" -eq 0 ]
