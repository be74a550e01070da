#!/usr/bin/env bash
# [access] is applied again when a command-line pairing is approved: bob signed in on the
# web while the rules allowed him; once they no longer do, his approval (from his signed-in
# browser, which still goes through a fresh sign-in at the provider) gets the 403 page, the
# command line's poll of /token answers access_denied and no command-line session exists.
# alice, still allowed, approves a pairing that then hands out its session.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
stack_init op || { skip "pairing recheck: $STACK_SKIP"; exit 0; }
printf '\n[access]\nusers = op:alice op:bob\n' >>"$STACK_CONF"
stack_start || { fail "stack did not start"; exit 1; }
STOREC=$BIN/tools/storec
sessions() { "$STOREC" -t 3000 "$STORE_SOCK" ping | awk '{ print $3 }'; }

# pair NAME: a pairing as the command line starts it; its paircode in PC_NAME, URL in URL_NAME
pair() {
	local pc out
	pc=$(rand_b64url 24)
	out=$(curl -sS --max-time 10 -H 'Accept: application/json' --data-urlencode "paircode=$pc" \
		"$STACK_URL/cli_login")
	printf -v "PC_$1" '%s' "$pc"
	printf -v "URL_$1" '%s' "$(printf '%s' "$out" | json_get login_url)"
}
# poll PAIRCODE: the command line's poll of /token until it is decided: "CODE error" or "CODE user"
poll() {
	local i code body
	for i in $(seq 10); do
		code=$(curl -sS --max-time 10 -H 'Accept: application/json' -o "$T/poll.json" \
			-w '%{http_code}' --data-urlencode "paircode=$1" "$STACK_URL/token")
		body=$(json_get error <"$T/poll.json" 2>/dev/null)
		case $body in authorization_pending|slow_down) sleep 1; continue ;; esac
		[ -n "$body" ] || body=$(json_get user <"$T/poll.json" 2>/dev/null)
		echo "$code $body"; return
	done
	echo "$code $body"
}

expect_eq "bob signs in on the web while allowed" "303 $STACK_URL/" "$(stack_login "$T/bob.jar" bob)"
expect_eq "the store holds bob's web session" 1 "$(sessions)"

# The rules change: bob is no longer allowed (authd reads them at start).
stack_stop_authd
sed -i 's/^users = op:alice op:bob$/users = op:alice/' "$STACK_CONF"
stack_start_authd && _stack_wait 30 _stack_ready || { fail "authd restarted"; exit 1; }

pair bob
csrf=$(sc "$T/bob.jar" -H 'Sec-Fetch-Site: none' "$URL_bob" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
check "bob's browser is still signed in (approval page with his CSRF token)" test -n "$csrf"
expect_eq "bob's approval signs in afresh and is refused (403)" 403 \
	"$(cli_pair_approve "$T/bob.jar" "$URL_bob" bob op "csrf=$csrf")"
expect_match "the page names bob and says the command line was told" \
	"op:bob\) is not allowed to sign in here.*the command line was told" "$(cat "$T/approved.html")"
check "authd logged the refusal" grep -q "login op as op:bob refused by \[access\]" "$T"/authd-2.log
expect_eq "the command line's poll answers access_denied" "400 access_denied" "$(poll "$PC_bob")"
expect_eq "no command-line session exists" 1 "$(sessions)"

pair alice
expect_eq "alice's approval works" 200 "$(cli_pair_approve "$T/alice.jar" "$URL_alice" alice op)"
expect_eq "the command line's poll gets alice's session" "200 op:alice" "$(poll "$PC_alice")"
expect_eq "the store holds the command-line session too" 2 "$(sessions)"
[ "$T_FAILS" -eq 0 ]
