#!/usr/bin/env bash
# authd keeps its TLS connection to a provider open and reuses it: logins one
# after another open no new connection during their code exchange (the
# connections authd opens are counted in its debug log, and the ones it holds
# are seen from outside with ss); the connection stays open across an idle
# longer than the provider's keep-alive (the test provider closes idle
# connections after 5 s); and when the connection is gone, a login start opens
# a new one before the exchange needs it.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

command -v ss >/dev/null || { skip "provider connection reuse: ss (iproute2) is not installed"; exit 0; }
stack_up "provider connection reuse" op
AUTHD_LOG=$T/authd.log

opened() { grep -c 'http: connection [0-9]* opened' "$AUTHD_LOG"; }
# Local ports of authd's established connections to the provider.
ports() {
	ss -Htnp state established dst "127.0.0.1:$IDP_OP_PORT" 2>/dev/null |
		awk '/"airlock-authd"/ { sub(/.*:/, "", $3); print $3 }' | sort -u | tr '\n' ' '
}
# login USER: a whole sign-in; prints the status of GET /auth_redirect and
# the connections opened meanwhile (the code exchange and user info).
login() {
	local jar=$T/$1.jar url back c0 code
	url=$(stack_authorize_url "$jar" op)
	back=$(stack_provider_login "$url" "$1" op)
	c0=$(opened)
	code=$(sc "$jar" -o /dev/null -w '%{http_code}' "$back")
	echo "$code $(($(opened) - c0))"
}

expect_eq "first sign-in" 303 "$(login alice | cut -d' ' -f1)"

# Logins one after another: no connection opened by an exchange, and the same
# single connection held after each.
SEEN= BAD=0 OPENED=0
for i in 1 2 3 4 5; do
	code=$(login "user$i")
	[ "${code% *}" = 303 ] || BAD=$((BAD + 1))
	OPENED=$((OPENED + ${code#* }))
	p=$(ports)
	SEEN="$SEEN$p|"
done
expect_eq "5 more sign-ins answered" 0 "$BAD"
expect_eq "their code exchanges opened no connection" 0 "$OPENED"
NPORTS=$(echo "$SEEN" | tr '| ' '\n\n' | grep -c .)
PORT=$(echo "$SEEN" | tr '| ' '\n\n' | grep . | head -1)
expect_eq "one connection to the provider, the same after each sign-in ($SEEN)" \
	"$PORT |$PORT |$PORT |$PORT |$PORT |" "$SEEN"

# Idle past the provider's keep-alive: authd keeps the connection open.
sleep 7
expect_eq "the connection is still open after 7 s idle" "$PORT " "$(ports)"
expect_eq "a sign-in after the idle, its exchange opening no connection" "303 0" "$(login idle1)"

# The connection gone (closed under authd's feet): starting a login opens a
# new one, and the exchange uses it.  A first close tries whether ss -K works.
if ! ss -K dst "127.0.0.1:$IDP_OP_PORT" >/dev/null 2>&1 || [ -n "$(ports)" ]; then
	skip "closing authd's connection with ss -K (needs root and INET_DIAG_DESTROY)"
else
	# Right after a keep-alive round plus the per-round gap, so that the
	# login start's round is the one due.
	L0=$(grep -c 'warm-up (keep-alive)' "$AUTHD_LOG")
	expect_within 8 "a keep-alive round runs within 8 s" 1 \
		sh -c "[ \$(grep -c 'warm-up (keep-alive)' '$AUTHD_LOG') -gt $L0 ] && echo 1"
	sleep 1.2
	ss -K dst "127.0.0.1:$IDP_OP_PORT" >/dev/null 2>&1
	JAR=$T/gone.jar
	URL=$(stack_authorize_url "$JAR" op)
	expect_within 3 "a login start opens a connection again" 1 \
		sh -c "grep -A1 'warm-up (login start)' '$AUTHD_LOG' | tail -1 | grep -q 'http: connection [0-9]* opened' && echo 1"
	BACK=$(stack_provider_login "$URL" gone op)
	C0=$(opened)
	expect_eq "the sign-in answers" 303 "$(sc "$JAR" -o /dev/null -w '%{http_code}' "$BACK")"
	expect_eq "...and its exchange opened no connection" "$C0" "$(opened)"
fi

stack_stop_authd
[ "$T_FAILS" = 0 ] || tail -30 "$AUTHD_LOG"
exit $((T_FAILS > 0))
