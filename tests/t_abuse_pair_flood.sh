#!/usr/bin/env bash
# Pending pairings cannot be exhausted from one address: 127.0.0.2 registers
# pairings at /cli_login until the store refuses (its share,
# max_pending_paircodes_per_addr, here 4), and is refused from then on; meanwhile
# `airlock login` from 127.0.0.1 pairs as usual.  The store's log names the address.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
SHARE=4
STACK_STORE_EXTRA="max_pending_paircodes_per_addr = $SHARE"
stack_up "pairing flood" op
cli_env
U=$STACK_URL
from2() { curl -sS --max-time 10 --interface 127.0.0.2 "$@"; }

# --- 127.0.0.2 registers pairings until refused (at most 12 tries)
codes=
for i in $(seq 12); do
	c=$(from2 -o "$T/body" -w '%{http_code}' "$U/cli_login?paircode=$(rand_b64url 16)")
	codes="$codes $c"
	[ "$c" = 200 ] || break
done
expect_eq "127.0.0.2: $SHARE pairings, then refused" "$(printf ' 200%.0s' $(seq $SHARE)) 503" "$codes"
expect_match "...with a clear answer" "too many logins are waiting" "$(cat "$T/body")"
expect_eq "127.0.0.2 is still refused" 503 "$(from2 -o /dev/null -w '%{http_code}' "$U/cli_login?paircode=$(rand_b64url 16)")"
check "the store's log names the address" grep -q "pairings pending from 127.0.0.2, refused" "$T"/store*.log

# --- 127.0.0.1: the real CLI pairs as usual
mkdir -p "$T/cwd"; cd "$T/cwd" || exit 1
B=$(cli_browser b approve alice)
BROWSER=$B timeout 60 "$CLI" login --server "$U" >"$T/login.out" 2>"$T/login.err"; rc=$?
expect_eq "airlock login from 127.0.0.1 exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 5 "$T/login.err" "$T/b.log"
expect_eq "...as alice" "Logged in to $U as op:alice" "$(cat "$T/login.out")"
expect_eq "airlock whoami" op:alice "$("$CLI" whoami 2>&1)"
cli_sanitizer_check
exit 0
