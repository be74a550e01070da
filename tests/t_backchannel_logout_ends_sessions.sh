#!/usr/bin/env bash
# run: once
# OpenID Connect back-channel logout end to end: alice signs in on the web (two
# browsers) and pairs the airlock CLI, bob signs in; alice then signs out at the test
# OP (oidc-provider: GET /session/end, its confirm form), which sends a real
# back-channel logout (signed with its own keys, found through discovery's jwks_uri),
# and every alice session is gone (/ sends her browsers to /login, /secured refuses the
# CLI cookie) while bob's stays.  With backchannel_logout off (the default) the OP's
# logout token is answered 404 and ends nothing.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"

stack_init op || { skip "back-channel logout: $STACK_SKIP"; exit 0; }
export OP_BACKCHANNEL_URI=$STACK_URL/backchannel_logout/op
stack_start || { fail "stack did not start"; exit 1; }
op_logout() { idp_curl "$IDP_OP_ISSUER/test/backchannel_logout?sub=$1"; }
signed_in() { st_code "$1" /; }	# 200 signed in, 303 to /login
# op_login JAR OPJAR USER: stack_login, keeping the OP's session cookie in OPJAR.
op_login() {
	local jar=$1 opj=$2 user=$3 next page i
	opc() { idp_curl -b "$opj" -c "$opj" "$@"; }
	next=$(stack_authorize_url "$jar")
	for i in 1 2 3 4 5 6 7 8; do
		case $next in
		"$IDP_OP_ISSUER"/interaction/*)
			page=$(opc "$next")
			case $page in
			*'name="prompt" value="login"'*)
				next=$(opc -o /dev/null -w '%{redirect_url}' -d prompt=login \
					--data-urlencode "login=$user" -d password=x "$next") ;;
			*) next=$(opc -o /dev/null -w '%{redirect_url}' -d prompt=consent "$next") ;;
			esac ;;
		"$IDP_OP_ISSUER"/*) next=$(opc -o /dev/null -w '%{redirect_url}' "$next") ;;
		*) sc "$jar" -o /dev/null "$next"; return ;;
		esac
	done
	return 1
}
# op_sign_out OPJAR: RP-initiated logout at the OP, confirmed as its form does.
op_sign_out() {
	local xsrf
	xsrf=$(idp_curl -b "$1" -c "$1" "$IDP_OP_ISSUER/session/end" |
		sed -n 's/.*name="xsrf" value="\([^"]*\)".*/\1/p' | head -1)
	idp_curl -b "$1" -c "$1" -o /dev/null -w '%{http_code}' -d "xsrf=$xsrf" -d logout=yes \
		"$IDP_OP_ISSUER/session/end/confirm"
}

A1=$T/a1.jar A2=$T/a2.jar B=$T/bob.jar
op_login "$A1" "$T/op-alice.jar" alice && stack_login "$A2" alice >/dev/null &&
	stack_login "$B" bob >/dev/null
expect_eq "alice (twice) and bob signed in" "200 200 200" \
	"$(signed_in "$A1") $(signed_in "$A2") $(signed_in "$B")"
cli_env
BROWSER=$(cli_browser b1 approve alice) timeout 60 "$CLI" login --server "$STACK_URL" \
	>"$T/login.out" 2>"$T/login.err"
expect_eq "the CLI signed in as alice" "op:alice" "$("$CLI" get /secured 2>"$T/err")"

# Off (the default): 404, nothing ends.
expect_match "backchannel_logout off: the OP's POST is answered 404" "404" "$(op_logout alice)"
expect_eq "off: nothing ended" "200 200" "$(signed_in "$A1") $(signed_in "$B")"

# [provider.op] is the last section.
echo "backchannel_logout = yes" >>"$STACK_CONF"
stack_stop_authd
stack_start_authd && _stack_wait 20 _stack_ready || { fail "authd did not restart"; exit 1; }
expect_eq "alice signs out at the OP" 303 "$(op_sign_out "$T/op-alice.jar")"
check "the OP's back-channel logout was answered 200" grep -q "BACKCHANNEL sent alice" "$T/op.log"
check "authd took the keys from discovery's jwks_uri" \
	grep -q "keys from $IDP_OP_ISSUER/jwks" "$T/authd-2.log"
expect_eq "alice's browsers are sent to sign in, bob stays" "303 303 200" \
	"$(signed_in "$A1") $(signed_in "$A2") $(signed_in "$B")"
"$CLI" get /secured >/dev/null 2>"$T/err"; rc=$?
expect_eq "alice's CLI session is refused" 1 "$rc"
check "the frontend logged the sessions ended" \
	grep -q "back-channel logout op: 3 sessions of op:alice ended" "$T"/frontend*.log

[ "$T_FAILS" -eq 0 ]
