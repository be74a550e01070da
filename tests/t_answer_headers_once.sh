#!/usr/bin/env bash
# Every answer carries each security header exactly once, one Content-Type of
# the right kind and a Content-Length that matches its body (the frontend
# sends its default headers preformatted, as one block): a signed-in page,
# HEAD of it, a redirect, a 404, a JSON answer, a text answer, a 401, and
# the metrics listener.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

stack_up "answer headers" op
U=$STACK_URL A=$T/a.jar
expect_eq "alice signs in" "303 $U/" "$(stack_login "$A" alice)"
CSRF=$(st_csrf "$A")

SEC="Content-Security-Policy X-Content-Type-Options Referrer-Policy X-Frame-Options
Cross-Origin-Opener-Policy Cross-Origin-Resource-Policy Cache-Control"

# check NAME CTYPE-REGEX curl-args...: headers and body of one answer.
check() {
	local name=$1 ctype=$2 h n body len; shift 2
	curl -sS --max-time 10 -D "$T/h" -o "$T/body" "$@" || { fail "$name: no answer"; return; }
	h=$(tr -d '\r' <"$T/h")
	for n in $SEC; do
		expect_eq "$name: one $n" 1 "$(printf '%s\n' "$h" | grep -ic "^$n:")"
	done
	expect_eq "$name: one Content-Type" 1 "$(printf '%s\n' "$h" | grep -ic '^Content-Type:')"
	expect_match "$name: Content-Type" "^$ctype" "$(printf '%s\n' "$h" | sed -n 's/^[Cc]ontent-[Tt]ype: //p')"
	len=$(printf '%s\n' "$h" | sed -n 's/^[Cc]ontent-[Ll]ength: //p')
	body=$(stat -c %s "$T/body")
	case " $* " in
	*" -I "*) ;;	# curl writes the head itself there
	*) expect_eq "$name: Content-Length is the body's length" "$body" "$len" ;;
	esac
	LAST_LEN=$len
}

check "GET / signed in" "text/html; charset=utf-8" -b "$A" "$U/"
GET_LEN=$LAST_LEN
expect_match "... and it is the counter page" 'id="count"' "$(cat "$T/body")"
check "HEAD / signed in" "text/html; charset=utf-8" -I -b "$A" "$U/"
expect_eq "HEAD /: the page's Content-Length" "$GET_LEN" "$LAST_LEN"
# No body after HEAD's head: the next answer on the connection starts clean.
expect_eq "HEAD / then GET / on one connection" "200 0" "$(curl -sS --max-time 10 -I -b "$A" \
	-o /dev/null "$U/" --next -sS --max-time 10 -b "$A" -o "$T/body" \
	-w '%{http_code} %{num_connects}' "$U/")"
expect_match "... the GET's page is whole" '</html>' "$(cat "$T/body")"
check "GET /nope (404 page)" "text/html; charset=utf-8" "$U/nope"
check "POST /increment (JSON)" "application/json" -b "$A" -H "Origin: $U" \
	-H "Accept: application/json" --data "csrf=$CSRF" "$U/increment"
expect_match "... counted" '^\{"count":1\}' "$(cat "$T/body")"
check "GET /secured (text)" "text/plain; charset=utf-8" -b "$A" "$U/secured"
check "GET /secured without a session (401)" "text/plain; charset=utf-8" "$U/secured"
check "GET /metrics (metrics listener)" "text/plain" "$STACK_METRICS_URL/metrics"

# A redirect has no body and no Content-Type of its own.
curl -sS --max-time 10 -D "$T/h" -o /dev/null "$U/"
h=$(tr -d '\r' <"$T/h")
for n in $SEC; do
	expect_eq "303 /: one $n" 1 "$(printf '%s\n' "$h" | grep -ic "^$n:")"
done
expect_eq "303 /: Location /login" /login "$(printf '%s\n' "$h" | sed -n 's/^[Ll]ocation: //p')"
exit "$T_FAILS"
