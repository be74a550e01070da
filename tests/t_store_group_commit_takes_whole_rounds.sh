#!/usr/bin/env bash
# backends: lmdb postgresql
# Group commit pacing (store/batch.c): clients that each keep one increment in
# flight must share commits as one round, not split into two halves that take
# turns (each half waiting for the other's fsync).  With C clients, the store
# must average well over C/2 requests per commit; every acknowledged increment
# must be counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

CLIENTS=32
store_keys
store_conf pace
store_start pace || { fail "store starts"; exit 1; }
TOK=$(field 2 "$(sc pace login "$T/proof.sk" github:pace Pace)")
[ -n "$TOK" ] || { fail "login"; exit 1; }

OUT=$("$BIN/bench/bench_store" sock "$(store_sock pace)" "$TOK" "$CLIENTS" 2 2>&1); rc=$?
echo "$OUT"
expect_eq "$CLIENTS clients increment for 2 s without a failure" "0" "$rc"
OK=$(echo "$OUT" | sed -n 's/.*(ok \([0-9]*\),.*/\1/p')
expect_eq "counter equals acknowledged increments" "${OK:-none}" "$(field 4 "$(sc pace get "$TOK")")"

store_stop "$STORE_PID"
LINE=$(grep -o '[0-9]* requests in [0-9]* commits' "$T/pace.log" | tail -1)
echo "store: $LINE"
REQS=$(field 1 "$LINE") COMMITS=$(field 4 "$LINE")
# two halves taking turns average C/2 a commit at best; one round comes near C
if [ -n "$REQS" ] && [ "${COMMITS:-0}" -gt 0 ] && [ $((REQS * 10 / COMMITS)) -ge $((CLIENTS * 10 * 2 / 3)) ]; then
	pass "$CLIENTS clients share commits as one round ($((REQS / COMMITS)) requests a commit)"
else
	fail "$CLIENTS clients share commits as one round (got '$LINE', want over $((CLIENTS * 2 / 3)) a commit)"
fi
exit $((T_FAILS > 0))
