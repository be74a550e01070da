#!/usr/bin/env bash
# The seed's own clients (tests/seed/client-login.py and client-do.py, as the seed
# document shows them) work against airlock unchanged: text /cli_login, seed-rate
# polling of /token (1 s, raise_for_status on every answer) across several pending
# answers, cookies saved to auth_token.txt, and GET /secured with them.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
PY=/usr/bin/python3
if ! $PY -c 'import httpx' 2>/dev/null; then skip "seed clients (Debian's python3-httpx not installed)"; exit 0; fi
stack_up "seed clients" op
cli_env
B=$(cli_browser seedb approve carol)
# Approve a few seconds later, in the background, so the client sees pending answers first.
printf '#!/bin/sh\n( sleep 3.5; "%s" "$1" ) >/dev/null 2>&1 &\nexit 0\n' "$B" >"$T/delayed.sh"
chmod +x "$T/delayed.sh"
mkdir -p "$T/seed"; cd "$T/seed" || exit 1
host=127.0.0.1:$STACK_PORT

BROWSER=$T/delayed.sh AIRLOCK_HOST=$host timeout 60 $PY "$AIRLOCK_SRC/tests/seed/client-login.py" >"$T/login.out" 2>&1; rc=$?
expect_eq "seed client-login.py exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 15 "$T/login.out"
expect_eq "seed client-login.py saved the token" "Token saved to auth_token.txt" "$(tail -n 1 "$T/login.out")"
expect_eq "the approval happened in the browser" 200 "$(cat "$T/seedb.code" 2>/dev/null)"
keys=$($PY -c 'import json; print(" ".join(sorted(json.load(open("auth_token.txt")))))' 2>/dev/null)
expect_eq "auth_token.txt holds the command-line session cookie" "cli_session" "$keys"
polls=$(cat "$T"/frontend*.log | grep -c 'GET /token -> 200')
check "the seed client polled through pending answers ($polls polls answered 200)" test "$polls" -ge 3
check "seed-rate polling was never slowed down (no 429)" bash -c "! cat '$T'/frontend*.log | grep -q 'GET /token -> 429'"
out=$(AIRLOCK_HOST=$host timeout 30 $PY "$AIRLOCK_SRC/tests/seed/client-do.py" 2>&1); rc=$?
expect_eq "seed client-do.py exits 0" 0 "$rc"
expect_eq "seed client-do.py prints the user id from /secured" "op:carol" "$out"

# The seed's cookie is the command-line session: /secured takes it, the pages do not.
tok=$($PY -c 'import json; print(json.load(open("auth_token.txt"))["cli_session"])' 2>/dev/null)
expect_eq "the seed's cookie is accepted by /secured" "op:carol" \
	"$(curl -sS --max-time 10 -b "cli_session=$tok" "$STACK_URL/secured")"
expect_eq "...and by no page (/ sends it to /login)" 303 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -b "cli_session=$tok" "$STACK_URL/")"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$STACK_URL/token?paircode=short")
expect_eq "/token with a malformed paircode answers 400" 400 "$code"
cli_sanitizer_check
exit 0
