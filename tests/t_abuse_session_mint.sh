#!/usr/bin/env bash
# backends: lmdb postgresql
# One account cannot fill the database with sessions: with max_sessions_per_user = 4,
# an account that signs in over and over (valid login proofs, SESSION_CREATE through
# the store's socket) never has more than 4 live sessions; each new one ends the
# least recently seen (the first, made two seconds earlier on the test clock, goes first) and an ended
# token no longer works; the store logs it; another account still signs in.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

CAP=4
clock_setup || { skip "session cap: $CLOCK_SKIP"; exit 0; }
store_keys
printf '%s\n' "[store]" "socket = $T/x.sock" "database = $T/x.db" "proof_public_key = $PROOF_PK" \
	"max_sessions_per_user = 0" >"$T/bad.conf"
out=$(timeout 10 "$BIN/airlock-store" -d -f "$T/bad.conf" 2>&1); rc=$?
expect_match "max_sessions_per_user = 0 stops the store with a reason" '^1 .*max_sessions_per_user' "$rc $out"
store_conf s "max_sessions_per_user = $CAP"
store_start s || { fail "store starts"; exit 1; }

mint() { # USER -> "ok TOKEN" or the status word
	local out
	out=$(sc s create "$(sc s sign "$T/proof.sk" "$1" Mallory)" 1 mint) || return 1
	case $out in ok\ *) echo "ok $(field 2 "$out")" ;; *) echo "$out" ;; esac
}
live() { # TOKEN -> sessions its user has (STORE_PAGE's web + CLI totals)
	local a
	a=$(sc s page "$1" 1 | head -1)
	echo $(( $(field 7 "$a") + $(field 8 "$a") ))
}

out=$(mint github:mallory); FIRST=$(field 2 "$out")
expect_match "first session minted" '^ok [0-9a-f]{64}$' "$out"
clock_advance 2	# the first session is the least recently seen from here on
TOKENS=()
statuses= max=0
for i in $(seq 16); do
	out=$(mint github:mallory)
	statuses="$statuses$(field 1 "$out") "
	TOKENS+=("$(field 2 "$out")")
	n=$(live "${TOKENS[-1]}")
	[ "${n:-99}" -gt "$max" ] && max=${n:-99}
done
expect_match "16 more sessions minted, each answered ok" '^(ok ){16}$' "$statuses"
expect_eq "the account never had more than $CAP live sessions" "$CAP" "$max"
expect_eq "the first (least recently seen) session was ended" notfound "$(sc s get "$FIRST")"
ended=0 working=0
for t in "${TOKENS[@]}"; do
	case $(sc s get "$t") in notfound) ended=$((ended + 1)) ;; ok\ *) working=$((working + 1)) ;; esac
done
expect_eq "of the 16, all but $CAP tokens no longer work" "$((16 - CAP)) $CAP" "$ended $working"
expect_match "the newest token works" '^ok ' "$(sc s get "${TOKENS[-1]}")"
expect_eq "the store holds $CAP sessions (ping: users sessions pending)" "ok 1 $CAP 0" "$(sc s ping)"
expect_match "the store logs the ended sessions" \
	"github:mallory has $CAP sessions \(max_sessions_per_user $CAP\): the least recently used web session was ended" \
	"$(cat "$T"/s.log)"
expect_eq "one line per ended session" $((17 - CAP)) "$(grep -c 'max_sessions_per_user' "$T"/s.log)"

out=$(mint github:bob); BOB=$(field 2 "$out")
expect_match "another account still signs in" '^ok [0-9a-f]{64}$' "$out"
expect_eq "...with its own single session" 1 "$(live "$BOB")"
expect_eq "...and the first account keeps its $CAP" "$CAP" "$(live "${TOKENS[-1]}")"
exit 0
