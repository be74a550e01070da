#!/usr/bin/env bash
# Requests on one keep-alive connection are each judged by their own cookie:
# the frontend keeps the last Cookie header a connection sent, decoded, with
# its CSRF token, and that must never answer for another header.  One curl
# connection carries alice's, bob's, a forged and no cookie, in turns: each
# page shows its own user (or sends to /login), and a form posted with
# alice's CSRF token under bob's cookie is refused right after alice's page.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

stack_up "keep-alive cookies" op
U=$STACK_URL A=$T/a.jar B=$T/b.jar

expect_eq "alice signs in" "303 $U/" "$(stack_login "$A" alice)"
expect_eq "bob signs in" "303 $U/" "$(stack_login "$B" bob)"
CA="session=$(st_cookie "$A")" CB="session=$(st_cookie "$B")"
CSRF_A=$(st_csrf "$A") CSRF_B=$(st_csrf "$B")
[ -n "$CSRF_A" ] && [ "$CSRF_A" != "$CSRF_B" ] && pass "two sessions, two CSRF tokens" ||
	fail "two sessions, two CSRF tokens"
FORGED="session=$(rand_b64url 32)"

# GET / for each cookie in turn, all on one connection (curl --next reuses it).
args=() i=0
for c in "$CA" "$CB" "$CA" "$FORGED" "$CB" "" "$CA"; do
	[ $i -gt 0 ] && args+=(--next)
	args+=(-sS --max-time 10 -o "$T/page.$i" -w '%{http_code} %{num_connects}\n')
	[ -n "$c" ] && args+=(-b "$c")
	args+=("$U/")
	i=$((i + 1))
done
curl "${args[@]}" >"$T/codes"
expect_eq "seven requests, one connection" "200 1,200 0,200 0,303 0,200 0,303 0,200 0" \
	"$(paste -sd, "$T/codes")"
who() { grep -o 'Test User [a-z]*' "$T/page.$1" | head -1; }
csrf_of() { sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' "$T/page.$1" | head -1; }
expect_eq "1st: alice's page" "Test User alice" "$(who 0)"
expect_eq "2nd: bob's page right after it" "Test User bob" "$(who 1)"
expect_eq "... with bob's CSRF token" "$CSRF_B" "$(csrf_of 1)"
expect_eq "3rd: alice's again" "Test User alice" "$(who 2)"
expect_eq "... with alice's CSRF token" "$CSRF_A" "$(csrf_of 2)"
expect_eq "5th: bob's page after a forged cookie" "Test User bob" "$(who 4)"
expect_eq "7th: alice's page after no cookie" "Test User alice" "$(who 6)"

# A form: alice's page, then bob's cookie with alice's token (refused), then
# bob's cookie and token (counted), on one connection.
post() { printf '%s\n' --next -sS --max-time 10 -o /dev/null -w '%{http_code} %{num_connects}\n' \
	-b "$1" -H "Origin: $U" -H "Accept: application/json" --data "csrf=$2" "$U/increment"; }
mapfile -t p1 < <(post "$CB" "$CSRF_A")
mapfile -t p2 < <(post "$CB" "$CSRF_B")
curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{num_connects}\n' -b "$CA" "$U/" \
	"${p1[@]}" "${p2[@]}" >"$T/codes"
expect_eq "alice's page, bob's cookie with her token, bob's own: one connection" \
	"200 1,403 0,200 0" "$(paste -sd, "$T/codes")"
expect_eq "bob's count is 1" 1 "$(st_count "$B")"
expect_eq "alice's count is 0" 0 "$(st_count "$A")"
exit "$T_FAILS"
