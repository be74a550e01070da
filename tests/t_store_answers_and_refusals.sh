#!/usr/bin/env bash
# backends: lmdb postgresql
# airlock-store answers every request as msgtab.h declares it: every operation,
# the pairing state machine, expiry, login proofs (forged, replayed, expired),
# limits (busy, map full); and refuses what it must: malformed frames (each
# closes only its own connection) and peers of other uids.  Requests go through
# storec, which encodes them with the shared codec; raw hex frames are used only
# where the frame itself is what is wrong.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

store_keys
"$STOREC" - keygen "$T/other.sk" >/dev/null
GRANT=00112233445566778899aabbccddeeff

# --- configuration errors stop the daemon with a reason
conf_error() { # what pattern conf-lines...
	local what=$1 pat=$2 out rc; shift 2
	printf '%s\n' "$@" >"$T/bad.conf"
	out=$(timeout 10 "$BIN/airlock-store" -d -f "$T/bad.conf" 2>&1); rc=$?
	if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -q -- "$pat"; then pass "config: $what"
	else fail "config: $what (status $rc: $out)"; fi
}
conf_error "missing proof key refused" "proof_public_key" "[store]" "socket = $T/x.sock" "database = $T/x.db"
conf_error "bad proof key refused" "proof_public_key" "[store]" "socket = $T/x.sock" \
	"database = $T/x.db" "proof_public_key = abc"
conf_error "unknown setting refused" "unknown setting" "[store]" "socket = $T/x.sock" \
	"database = $T/x.db" "proof_public_key = $PROOF_PK" "colour = blue"
conf_error "unknown frontend_user refused" "no such user" "[airlock]" \
	"frontend_user = no-such-user-airlock" "[store]" "socket = $T/x.sock" "database = $T/x.db" \
	"proof_public_key = $PROOF_PK"
conf_error "bad map size refused" "map_size_mb" "[store]" "socket = $T/x.sock" \
	"database = $T/x.db" "proof_public_key = $PROOF_PK" "map_size_mb = 0"

# --- sessions and the counter
store_conf basic
store_start basic || { fail "store starts"; exit 1; }
BASIC_PID=$STORE_PID
expect_eq "ping on an empty store" "ok 0 0 0" "$(sc basic ping)"
if store_lmdb; then
	stat -c %a "$T/basic.db" | grep -qx 700 && pass "database directory is 0700" || fail "database mode"
else
	skip "database directory mode: LMDB's directory (backend postgresql)"
fi
expect_eq "socket is 0660" "660" "$(stat -c %a "$(store_sock basic)")"

L=$(sc basic login "$T/proof.sk" github:1 Alice web-label)
expect_match "login: session created" '^ok [0-9a-f]{64} github:1 Alice 1 -$' "$L"
TOK=$(field 2 "$L")
G=$(sc basic get "$TOK")
expect_match "get: new user, count 0, kind web, no e-mail" '^ok github:1 Alice 0 1 [0-9a-f]{32} -$' "$G"
SID1=$(field 6 "$G")
expect_eq "increment x3" "ok 3" "$(sc basic incr "$TOK" 3)"
expect_eq "pipelined: 300 increments, one connection" "ok 300 4 303" "$(sc basic pipeline "$TOK" 300)"
expect_eq "get after increments" "ok github:1 Alice 303 1 $SID1 -" "$(sc basic get "$TOK")"
BOGUS=$(printf '%064d' 0)
expect_eq "get: unknown token" "notfound" "$(sc basic get "$BOGUS")"
expect_eq "increment: unknown token" "notfound" "$(sc basic incr "$BOGUS")"
expect_eq "page: unknown token" "notfound" "$(sc basic page "$BOGUS" 1)"
expect_eq "page: an unknown list refused" "invalid" "$(sc basic page "$TOK" 2)"

# --- login proofs
P=$(sc basic sign "$T/proof.sk" github:1 "Alice B" 1 120 "$GRANT" -)
L2=$(sc basic create "$P" 1 second)
expect_match "create: second session, name updated" '^ok [0-9a-f]{64} github:1 Alice B 1 -$' "$L2"
TOK2=$(field 2 "$L2")
expect_eq "create: replayed proof refused" "denied" "$(sc basic create "$P" 1 again)"
expect_eq "create: forged proof (other key) refused" "invalid" \
	"$(sc basic create "$(sc basic sign "$T/other.sk" github:1 Mallory)" 1 x)"
P3=$(sc basic sign "$T/proof.sk" github:1 Mallory)
TAMPERED=${P3:0:140}$(printf '%x' $(( (0x${P3:140:1} + 1) % 16 )))${P3:141}
expect_eq "create: tampered proof refused" "invalid" "$(sc basic create "$TAMPERED" 1 x)"
expect_eq "create: expired proof refused" "expired" \
	"$(sc basic create "$(sc basic sign "$T/proof.sk" github:1 A 1 -5)" 1 x)"
expect_eq "create: proof valid too long refused" "expired" \
	"$(sc basic create "$(sc basic sign "$T/proof.sk" github:1 A 1 100000)" 1 x)"
expect_eq "create: unknown session kind refused" "invalid" \
	"$(sc basic create "$(sc basic sign "$T/proof.sk" github:1 A)" 3 x)"
REF0=0123456789abcdef0123456789abcdef
expect_eq "create: a proof made to approve a pairing creates no session" "invalid" \
	"$(sc basic create "$(sc basic sign "$T/proof.sk" github:1 A 2 120 - $REF0)" 1 cli-approval)"
expect_eq "create: a web proof naming a pairing creates no session" "invalid" \
	"$(sc basic create "$(sc basic sign "$T/proof.sk" github:1 A 1 120 - $REF0)" 1 x)"
expect_match "create: a third web session, name updated" '^ok [0-9a-f]{64} github:1 A 1 -$' \
	"$(sc basic create "$(sc basic sign "$T/proof.sk" github:1 A)" 1 third)"
L3=$(sc basic login "$T/proof.sk" google:9 Bob)
TOKB=$(field 2 "$L3")
expect_eq "second user has own counter" "ok 1" "$(sc basic incr "$TOKB")"

# --- listing and revoking
LIST=$(sc basic page "$TOK" 1)
expect_match "page: user, name, count, kind, sid, 3 web and 0 CLI sessions, 3 listed" \
	"^ok github:1 A 303 1 $SID1 3 0 3\$" "$(echo "$LIST" | head -1)"
expect_eq "page: exactly one current" "1" "$(echo "$LIST" | awk 'NR > 1 && $NF == 1' | wc -l)"
expect_match "page: labels" "web-label" "$LIST"
expect_match "page for the counter: its CLI sessions only (none)" "^ok github:1 A 303 1 $SID1 3 0 0\$" \
	"$(sc basic page "$TOK" 0)"
SID2=$(field 6 "$(sc basic get "$TOK2")")
expect_eq "revoke: another user's session refused" "denied" "$(sc basic revoke "$TOKB" "$SID2")"
expect_eq "revoke: answers the grant handle, not the asking session" "ok $GRANT 0 github:1" \
	"$(sc basic revoke "$TOK" "$SID2")"
expect_eq "revoked session is gone" "notfound" "$(sc basic get "$TOK2")"
expect_eq "revoke: twice" "denied" "$(sc basic revoke "$TOK" "$SID2")"
expect_eq "revoke: unknown token" "notfound" "$(sc basic revoke "$BOGUS" "$SID2")"
expect_match "page: two sessions counted after the revoke" "^ok github:1 A 303 1 $SID1 2 0 2\$" \
	"$(sc basic page "$TOK" 1 | head -1)"
expect_eq "logout: revoke own session (no sid)" "ok - 1 github:1" "$(sc basic revoke "$TOK" -)"
expect_eq "logged out session is gone" "notfound" "$(sc basic get "$TOK")"
L=$(sc basic login "$T/proof.sk" github:1 Alice web)
TOK=$(field 2 "$L")
expect_eq "new login sees the durable count" "303" "$(field 4 "$(sc basic get "$TOK")")"

# --- pairing
code() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }
PC=$(code)
C=$(sc basic pair-create "$PC" "cli on host")
expect_match "pair: create" '^ok [0-9a-f]{32} [B-Z]{4}-[B-Z]{4} 600 1$' "$C"
REF=$(field 2 "$C"); UC=$(field 3 "$C")
expect_eq "pair: same paircode again invalid" "invalid" "$(sc basic pair-create "$PC" x)"
expect_eq "pair: 21 chars invalid" "invalid" "$(sc basic pair-create "${PC:0:21}" x)"
expect_eq "pair: bad character invalid" "invalid" "$(sc basic pair-create "${PC:0:21}." x)"
expect_eq "pair: 128 chars ok" "ok" "$(field 1 "$(sc basic pair-create "$(printf 'b%.0s' $(seq 128))" x)")"
expect_match "pair: info: claim, address and time, no viewer" \
	"^ok $UC (5[0-9][0-9]|600) cli on host 127\.0\.0\.1 [0-9]{10} 0 - -\$" "$(sc basic pair-info "$REF")"
expect_match "pair: info seen with a web session names its user" \
	"^ok $UC (5[0-9][0-9]|600) cli on host 127\.0\.0\.1 [0-9]{10} 1 github:1 Alice\$" \
	"$(sc basic pair-info "$REF" "$TOK")"
expect_match "pair: info seen with an unknown token names nobody" " 0 - -\$" \
	"$(sc basic pair-info "$REF" "$BOGUS")"
expect_eq "pair: info of unknown ref" "notfound" "$(sc basic pair-info 00000000000000000000000000000000)"
expect_eq "pair: unknown paircode looks expired" "expired" "$(sc basic pair-take "$(code)")"
expect_eq "pair: malformed paircode on take" "invalid" "$(sc basic pair-take short)"
expect_eq "pair: first poll pending" "pending" "$(sc basic pair-take "$PC")"
expect_match "pair: fast polls slowed" '^(pending=1 slow_down=2|slow_down=3) $' "$(sc basic pair-polls "$PC" 3)"
polls=""
for i in 1 2 3; do sleep 1; polls="$polls $(sc basic pair-take "$PC")"; done
expect_eq "pair: polling every second is never slowed" " pending pending pending" "$polls"
CLI_L=$(sc basic create "$(sc basic sign "$T/proof.sk" github:1 Alice)" 2 cli)
expect_eq "pair: a CLI session cannot deny" "notfound" \
	"$(sc basic pair-decide "$(field 2 "$CLI_L")" "$REF" 0)"
expect_eq "pair: a web session cannot approve" "invalid" "$(sc basic pair-decide "$TOK" "$REF" 1)"
expect_eq "pair: a web proof cannot approve" "invalid" \
	"$(sc basic pair-approve "$(sc basic sign "$T/proof.sk" github:1 A 1 120 - "$REF")")"
expect_eq "pair: a proof for another pairing approves nothing" "notfound" \
	"$(sc basic pair-approve "$(sc basic sign "$T/proof.sk" github:1 A 2 120 - $REF0)")"
expect_eq "pair: an expired proof cannot approve" "expired" \
	"$(sc basic pair-approve "$(sc basic sign "$T/proof.sk" github:1 A 2 -5 - "$REF")")"
PA=$(sc basic sign "$T/proof.sk" github:1 Alice 2 120 - "$REF")
expect_eq "pair: approve with a proof for this pairing" "ok" "$(sc basic pair-approve "$PA")"
expect_eq "pair: the same proof again approves nothing" "notfound" "$(sc basic pair-approve "$PA")"
expect_eq "pair: approved pairing has no info" "notfound" "$(sc basic pair-info "$REF")"
expect_eq "pair: decide again refused" "notfound" "$(sc basic pair-decide "$TOK" "$REF" 0)"
T1=$(sc basic pair-take "$PC")
expect_match "pair: take gives a session of the approver" '^ok [0-9a-f]{64} github:1$' "$T1"
expect_eq "pair: second take looks expired" "expired" "$(sc basic pair-take "$PC")"
CG=$(sc basic get "$(field 2 "$T1")")
expect_eq "pair: CLI session kind 2, same counter" "2 303" "$(field 5 "$CG") $(field 4 "$CG")"
expect_match "pair: CLI session listed with its label" " 2 cli on host " "$(sc basic page "$TOK" 0)"
PD=$(code)
RD=$(field 2 "$(sc basic pair-create "$PD" deny-me)")
expect_eq "pair: deny, answering who denied" "ok github:1 Alice" "$(sc basic pair-decide "$TOK" "$RD" 0)"
expect_eq "pair: denied poll" "denied" "$(sc basic pair-take "$PD")"

# --- malformed frames close only their connection; a steady client keeps going
"$STOREC" "$(store_sock basic)" steady "$TOKB" 5 >"$T/steady.out" 2>&1 &
STEADY=$!
sleep 0.3
raw_closed() { # what hex
	expect_eq "malformed: $1 closes the connection" "closed" "$("$STOREC" -t 3000 "$(store_sock basic)" raw "$2" 2>&1)"
	expect_eq "malformed: store still answers after $1" "ok" "$(field 1 "$(sc basic ping)")"
}
# str_hex S: a str field (u16 length + bytes); frame_hex TYPE PAYLOADHEX: a whole frame
str_hex() { printf '%04x' "${#1}"; printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
frame_hex() { printf '%08x0004%04x0000000b%s' $((${#2} / 2)) "$1" "$2"; }
expect_eq "raw: a well-formed ping answered" "answer 101 ok" "$(sc basic raw 000000000004006400000001)"
expect_eq "raw: the frame storec builds for a ping is the same" "000000000004006400000001" \
	"$(sc basic frame ping)"
raw_closed "truncated fields" 0000000a000400680000000200000000000000000000
raw_closed "empty INCREMENT" 000000000004006800000002
raw_closed "trailing byte" 00000001000400640000000300
raw_closed "4 GB length" ffffffff000400640000000400
raw_closed "length over the maximum" 00004001000400640000000400
raw_closed "unknown type" 00000000000403e700000005
raw_closed "authd type" 00000000000400c800000006
raw_closed "answer type" 000000000004006500000007
raw_closed "wrong version (the previous one)" 000000000003006400000008
raw_closed "control character in a label" \
	0000001c000400700000000900166161616161616161616161616161616161616161616100026101
raw_closed "blob longer than the frame" 000000040004006a0000000affff0000
raw_closed "a paircode over 128 bytes" \
	"$(frame_hex 112 "$(str_hex "$(printf 'a%.0s' $(seq 129))")$(str_hex x)$(str_hex 127.0.0.1)")"
raw_closed "random garbage" "$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
wait "$STEADY"
expect_match "malformed: the steady client was never disconnected" '^ok [0-9]+$' "$(cat "$T/steady.out")"
for why in "bad frame header" "not permitted" "malformed STORE_INCREMENT" "malformed STORE_PING" \
    "malformed STORE_PAIR_CREATE"; do
	grep -q "closed: .*$why" "$T/basic.log" && pass "log names the reason: $why" ||
		fail "log names the reason: $why"
done

# --- peers of another uid are refused (SO_PEERCRED), socket mode opened on purpose
chmod 666 "$(store_sock basic)"
OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$STOREC" -t 3000 "$(store_sock basic)" ping 2>&1)
expect_eq "peer uid 65534 refused" "closed" "$OUT"
grep -q "refused peer uid 65534" "$T/basic.log" && pass "refusal logged" || fail "refusal logged"
expect_eq "store serves root after the refusal" "ok" "$(field 1 "$(sc basic ping)")"

# --- shutdown: clean, and requests shared commits
store_stop "$BASIC_PID"; rc=$?
expect_eq "SIGTERM: clean exit" "0" "$rc"
read -r NREQ NCOMMIT < <(sed -n 's/.* \([0-9]*\) requests in \([0-9]*\) commits.*/\1 \2/p' "$T/basic.log")
# one request per commit, except the 300 pipelined increments: they must have shared a few
if [ -n "${NREQ:-}" ] && [ $((NREQ - NCOMMIT)) -ge 250 ]; then pass "group commit: $NREQ requests in $NCOMMIT commits"
else fail "group commit (${NREQ:-?} requests in ${NCOMMIT:-?} commits)"; fi

# --- short lifetimes, bounded pending pairings, frontend_user
store_conf short "session_ttl_sec = 2" "pair_ttl_sec = 2" "sweep_interval_sec = 1" \
	"max_pending_paircodes = 5"
sed -i 's/^frontend_user = .*/frontend_user = daemon/' "$T/short.conf"
store_start short || { fail "short store starts"; exit 1; }
SHORT_PID=$STORE_PID
chmod 666 "$(store_sock short)"
expect_eq "frontend_user's uid is served" "ok" \
	"$(field 1 "$(setpriv --reuid=1 --regid=1 --clear-groups "$STOREC" "$(store_sock short)" ping)")"
TS=$(field 2 "$(sc short login "$T/proof.sk" github:5 Eve)")
PS=$(code)
RS=$(field 2 "$(sc short pair-create "$PS" short)")
expect_eq "busy: 5 pending at most" "ok=4 busy=4 " "$(sc short pair-flood "flood-code-prefix-" 8)"
sleep 2.3
expect_eq "expired session not found" "notfound" "$(sc short get "$TS")"
expect_eq "expired session cannot increment" "notfound" "$(sc short incr "$TS")"
expect_eq "expired pairing: no info" "notfound" "$(sc short pair-info "$RS")"
expect_eq "expired pairing: take expired" "expired" "$(sc short pair-take "$PS")"
wait_for "sweep" 5 bash -c "[ \"\$('$STOREC' '$(store_sock short)' ping)\" = 'ok 1 0 0' ]" &&
	pass "sweep removed expired sessions and pairings" ||
	fail "sweep (ping: $(sc short ping))"
expect_eq "not busy after expiry" "ok" "$(field 1 "$(sc short pair-create "$(code)" again)")"
store_stop "$SHORT_PID"

# --- map full: clear ST_FULL, nothing half-written, database opens again
if ! store_lmdb; then
	skip "map full, mdb_stat: LMDB's map size (backend postgresql)"
else
store_conf full "map_size_mb = 1"
store_start full || { fail "full store starts"; exit 1; }
TF=$(field 2 "$(sc full login "$T/proof.sk" github:full Fay)")
sc full incr "$TF" >/dev/null
FLOOD=$(sc full login-flood "$T/proof.sk" flood-user- 4000)
expect_match "map full: logins answered ok or full, nothing else" '^ok=[0-9]+ full=[0-9]+ $' "$FLOOD"
expect_eq "map full: earlier session readable" "ok github:full Fay 1" \
	"$(sc full get "$TF" | cut -d' ' -f1-4)"
expect_match "map full: increment answered ok or full" '^(ok 2|full)$' "$(sc full incr "$TF")"
grep -q "MDB_MAP_FULL" "$T/full.log" && pass "map full: logged" || fail "map full: logged"
store_stop "$STORE_PID"
mdb_stat -a "$T/full.db" >/dev/null 2>&1 && pass "map full: mdb_stat reads the database" ||
	fail "map full: mdb_stat"
store_start full || fail "map full: store restarts"
expect_match "map full: data intact after restart" '^ok github:full Fay [12] ' "$(sc full get "$TF")"
store_stop "$STORE_PID"
fi

# --- no token or paircode ever logged
leak=0
for secret in "$TOK" "$TOK2" "$TOKB" "$PC" "$PD" "$PS" "$(field 2 "$T1")"; do
	grep -qsF -- "$secret" "$T"/basic.log "$T"/short.log "$T"/full.log && leak=1
done
expect_eq "no token or paircode in the logs" "0" "$leak"
exit 0
