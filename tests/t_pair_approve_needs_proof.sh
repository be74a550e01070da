#!/usr/bin/env bash
# backends: lmdb postgresql
# Only authd's proof approves a pairing.  Talking to the store as the frontend's
# own uid (not root): a pairing created there and "approved" with a victim's web
# session token stays pending and its paircode takes no session; a web-purpose
# proof cannot approve; a proof for one pairing approves no other; a proof made
# for a pairing creates no web session; the right proof approves once, and its
# replay is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

store_start_peer p nobody; rc=$?
[ "$rc" = 2 ] && { skip "no user nobody"; exit 0; }
[ "$rc" = 0 ] || { fail "store starts"; exit 1; }
# The frontend's requests: fe (storec as that uid).  Signing stands in for authd (root).
sign() { sc p sign "$T/proof.sk" "$@"; }
code() { rand_b64url 24; }

expect_eq "the frontend's uid is served (not root)" "ok" "$(field 1 "$(fe ping)")"
expect_eq "another uid is refused" "closed" \
	"$(setpriv --reuid=1 --regid=1 --clear-groups "$STOREC" -t 3000 "$(store_sock p)" ping 2>&1)"

# The victim signed in on the web; the frontend sees that session's token.
VICTIM=$(field 2 "$(fe create "$(sign op:victim Victim)" 1 "Chrome on Linux")")
expect_match "the victim has a web session" '^[0-9a-f]{64}$' "$VICTIM"

# --- the attack: create, "approve" with the victim's token, take
PC=$(code)
REF=$(field 2 "$(fe pair-create "$PC" "airlock-cli/0.1 (attacker)" 192.0.2.7)")
expect_match "PAIR_CREATE as the frontend" '^[0-9a-f]{32}$' "$REF"
expect_eq "PAIR_DECIDE approve with the victim's web token: refused" "invalid" \
	"$(fe pair-decide "$VICTIM" "$REF" 1)"
expect_match "PAIR_TAKE gives no session: still pending" "^(pending|slow_down)$" "$(fe pair-take "$PC")"
expect_match "the pairing is still pending" '^ok ' "$(fe pair-info "$REF")"

# --- proofs: purpose and reference are checked, not only the signature
expect_eq "a web sign-in proof cannot approve" "invalid" \
	"$(fe pair-approve "$(sign op:victim Victim 1)")"
expect_eq "a web proof carrying this pairing's ref cannot approve" "invalid" \
	"$(fe pair-approve "$(sign op:victim Victim 1 120 - "$REF")")"
expect_eq "a pairing proof without a ref cannot approve" "invalid" \
	"$(fe pair-approve "$(sign op:victim Victim 2)")"
PC2=$(code)
REF2=$(field 2 "$(fe pair-create "$PC2" other 192.0.2.8)")
P2=$(sign op:bob Bob 2 120 - "$REF2")
expect_eq "a pairing proof creates no web session" "invalid" "$(fe create "$P2" 1 x)"
expect_eq "... nor a command-line one" "invalid" "$(fe create "$P2" 2 x)"
expect_eq "a proof for pairing 2 approves pairing 2" "ok" "$(fe pair-approve "$P2")"
expect_match "... and pairing 1 is still pending" "^(pending|slow_down)$" "$(fe pair-take "$PC")"
expect_eq "the same proof again is refused" "notfound" "$(fe pair-approve "$P2")"
expect_match "pairing 2's paircode takes bob's session" '^ok [0-9a-f]{64} op:bob$' \
	"$(fe pair-take "$PC2")"

# --- the honest approval: authd's proof for this ref, for the user who signed in
P1=$(sign op:victim Victim 2 120 - "$REF")
expect_eq "the proof for this pairing approves it" "ok" "$(fe pair-approve "$P1")"
expect_eq "its replay is refused" "notfound" "$(fe pair-approve "$P1")"
expect_match "the paircode takes the approving user's session" '^ok [0-9a-f]{64} op:victim$' \
	"$(fe pair-take "$PC")"
check "the store logged the refused approval" grep -q "approving without a proof refused" "$T/p.log"
check "the store logged the proof made for another purpose" \
	grep -q "login proof made for another purpose" "$T/p.log"
exit 0
