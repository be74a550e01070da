#!/usr/bin/env bash
# backends: lmdb postgresql
# The store creates no session by any path without an authd proof made for that
# exact purpose.  Talking to the store as the frontend's own uid: a logout proof or
# a refused-pairing proof given to SESSION_CREATE creates nothing (no user, no
# session); web and pairing proofs given to LOGOUT are refused; a refused-pairing
# proof given to PAIR_APPROVE denies the pairing (the CLI's poll answers denied)
# and records nobody.  The right proofs work: a sign-in stores the e-mail address
# SESSION_GET answers, LOGOUT ends every session of its user (web and CLI) and no
# other's, and its replay ends nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

store_start_peer p nobody; rc=$?
[ "$rc" = 2 ] && { skip "no user nobody"; exit 0; }
[ "$rc" = 0 ] || { fail "store starts"; exit 1; }
# sign USER NAME PURPOSE [REF [EMAIL]]: authd's proof (1 web, 2 CLI, 3 CLI refused, 4 logout)
sign() { sc p sign "$T/proof.sk" "$1" "$2" "$3" 120 - "${4:--}" "${5:--}"; }
code() { rand_b64url 24; }

PC=$(code)
REF=$(field 2 "$(fe pair-create "$PC" "airlock-cli/0.1" 192.0.2.7)")
expect_match "a pending pairing" '^[0-9a-f]{32}$' "$REF"

# --- SESSION_CREATE takes PURPOSE_WEB alone
for kind in 1 2; do
	expect_eq "a logout proof creates no session (kind $kind)" "invalid" \
		"$(fe create "$(sign op:eve Eve 4)" "$kind" x)"
	expect_eq "a refused-pairing proof creates no session (kind $kind)" "invalid" \
		"$(fe create "$(sign op:eve Eve 3 "$REF")" "$kind" x)"
	expect_eq "... nor one without a ref (kind $kind)" "invalid" \
		"$(fe create "$(sign op:eve Eve 3)" "$kind" x)"
done
expect_eq "nothing was created: no user, no session" "ok 0 0 1" "$(fe ping)"

# --- LOGOUT takes PURPOSE_LOGOUT alone, without a ref
W1=$(field 2 "$(fe create "$(sign op:lou Lou 1 - lou@example.org)" 1 "Firefox")")
expect_match "a web sign-in" '^[0-9a-f]{64}$' "$W1"
expect_match "SESSION_GET answers the sign-in's e-mail address" ' lou@example.org$' "$(fe get "$W1")"
expect_eq "a web proof does not log out" "invalid" "$(fe logout "$(sign op:lou Lou 1)")"
expect_eq "a pairing proof does not log out" "invalid" "$(fe logout "$(sign op:lou Lou 2 "$REF")")"
expect_eq "a refused-pairing proof does not log out" "invalid" \
	"$(fe logout "$(sign op:lou Lou 3 "$REF")")"
expect_eq "a logout proof naming a pairing does not log out" "invalid" \
	"$(fe logout "$(sign op:lou Lou 4 "$REF")")"
expect_eq "a logout proof does not approve a pairing" "invalid" \
	"$(fe pair-approve "$(sign op:lou Lou 4 "$REF")")"
expect_match "... the session lives on" '^ok op:lou Lou ' "$(fe get "$W1")"
expect_match "... the pairing is still pending" '^ok ' "$(fe pair-info "$REF")"

# --- PAIR_APPROVE with a PURPOSE_CLI_REFUSED proof denies, records nobody
expect_eq "a refused-pairing proof without a ref is refused" "invalid" \
	"$(fe pair-approve "$(sign op:eve Eve 3)")"
expect_eq "a refused-pairing proof for this pairing is taken" "ok" \
	"$(fe pair-approve "$(sign op:eve Eve 3 "$REF")")"
expect_eq "... the CLI's poll answers denied" "denied" "$(fe pair-take "$PC")"
expect_eq "... no longer pending" "notfound" "$(fe pair-info "$REF")"
expect_eq "... an approval after it finds nothing pending" "notfound" \
	"$(fe pair-approve "$(sign op:eve Eve 2 "$REF")")"
expect_eq "... and the poll still answers denied" "denied" "$(fe pair-take "$PC")"
expect_eq "... no user nor session for the refused account" "ok 1 1 0" "$(fe ping)"

# --- LOGOUT: every session of its user, once
PC2=$(code)
REF2=$(field 2 "$(fe pair-create "$PC2" "airlock-cli/0.1" 192.0.2.8)")
expect_eq "lou approves a pairing" "ok" "$(fe pair-approve "$(sign op:lou Lou 2 "$REF2")")"
C1=$(field 2 "$(fe pair-take "$PC2")")
W2=$(field 2 "$(fe create "$(sign op:lou Lou 1)" 1 "Chrome")")
O1=$(field 2 "$(fe create "$(sign op:ola Ola 1)" 1 "Safari")")
expect_match "lou has 2 web sessions and a CLI one, ola one" '^[0-9a-f]{64} [0-9a-f]{64} [0-9a-f]{64} [0-9a-f]{64}$' \
	"$C1 $W2 $W1 $O1"
LP=$(sign op:lou Lou 4)
expect_eq "a logout proof for lou ends lou's 3 sessions" "ok 3" "$(fe logout "$LP")"
for t in "$W1" "$W2" "$C1"; do
	expect_eq "... ended: ${t:0:8}" "notfound" "$(fe get "$t")"
done
expect_match "... ola's session lives on" '^ok op:ola Ola ' "$(fe get "$O1")"
W3=$(field 2 "$(fe create "$(sign op:lou Lou 1)" 1 "Firefox")")
expect_eq "its replay is refused" "denied" "$(fe logout "$LP")"
expect_match "... and ends nothing" '^ok op:lou Lou ' "$(fe get "$W3")"
check "the store logged the proofs made for another purpose" \
	grep -q "STORE_LOGOUT from uid $FE_UID: login proof made for another purpose" "$T/p.log"
exit 0
