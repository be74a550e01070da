#!/usr/bin/env bash
# Whoever sees a login's state (a shared screen, a proxy log, a leaked URL)
# cannot cancel that login: a callback with the right state but without the
# browser's pre-login cookie, or with another browser's, is refused before
# anything is spent, and the real browser then completes its sign-in.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

stack_up "state needs binding" op
U=$STACK_URL A=$T/alice.jar M=$T/mallory.jar

URL=$(stack_authorize_url "$A" op)
BACK=$(stack_provider_login "$URL" alice op)
expect_match "alice comes back from the provider with code and state" "code=.*state=" "$BACK"

expect_eq "the callback without any pre-login cookie is refused" 400 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$BACK")"
stack_authorize_url "$M" op >/dev/null
expect_eq "...and with another browser's pre-login cookie" 400 \
	"$(sc "$M" -o /dev/null -w '%{http_code}' "$BACK")"
expect_eq "...and with a made-up pre-login cookie" 400 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -b "login=$(head -c 195 /dev/urandom |
		base64 -w0 | tr '+/' '-_' | tr -d '=')" "$BACK")"
expect_eq "no token was asked for any of them" 0 "$(grep -c 'GRANT ERROR' "$IDP_OP_LOG")"

cp "$A" "$T/alice-before.jar"
expect_eq "alice's own browser then completes the sign-in" "303 $U/" \
	"$(sc "$A" -o /dev/null -w '%{http_code} %{redirect_url}' "$BACK")"
check "...and is signed in" test -n "$(st_cookie "$A")"
expect_eq "the state is single use all the same (even with alice's pre-login cookie)" 400 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -b "$T/alice-before.jar" "$BACK")"
[ "$T_FAILS" -eq 0 ]
