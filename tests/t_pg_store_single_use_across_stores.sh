#!/usr/bin/env bash
# Two stores on one PostgreSQL database (two airlock nodes): what must happen once
# happens once across them, because the database enforces it.  The same login proof
# sent to both at the same moment makes exactly one session (the other: denied); the
# same approved paircode taken through both at once gives exactly one token (the
# other: expired); a session revoked through one is gone at once through the other;
# max_pending_paircodes and max_sessions_per_user hold across both under
# concurrent requests.
AIRLOCK_STORE_BACKEND=postgresql
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

ROUNDS=20
store_keys
STORE_PG=shared
store_conf a "max_pending_paircodes = 6"
store_conf b "max_pending_paircodes = 6"
store_start a || { fail "store a starts"; exit 1; }
PA=$STORE_PID
store_start b || { fail "store b starts"; exit 1; }
PB=$STORE_PID

# both at once: prints the two answers' status words, sorted
both() { # CMD ARGS... (run through a and b concurrently)
	sc a "$@" >"$T/ra" & local p=$!
	sc b "$@" >"$T/rb"
	wait "$p"
	printf '%s\n%s\n' "$(field 1 "$(cat "$T/ra")")" "$(field 1 "$(cat "$T/rb")")" | sort | tr '\n' ' '
}

# --- one proof, two stores
res=
for i in $(seq "$ROUNDS"); do
	P=$(sc a sign "$T/proof.sk" github:race Racer)
	res="$res$(both create "$P" 1 race)|"
done
expect_eq "one proof sent to both stores at once: one session, one denied ($ROUNDS times)" \
	"$(printf 'denied ok |%.0s' $(seq "$ROUNDS"))" "$res"
expect_eq "...so the user has $ROUNDS sessions, not more" \
	"$ROUNDS" "$(pg_psql shared "SELECT count(*) FROM sessions WHERE user_id = 'github:race'::bytea")"

# --- one approved pairing, taken through both
code() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }
res=
for i in $(seq "$ROUNDS"); do
	PC=$(code)
	REF=$(field 2 "$(sc a pair-create "$PC" "cli $i")")
	sc b pair-approve "$(sc b sign "$T/proof.sk" github:race Racer 2 120 - "$REF")" >/dev/null
	res="$res$(both pair-take "$PC")|"
done
expect_eq "an approved paircode taken through both at once: one token, one expired ($ROUNDS times)" \
	"$(printf 'expired ok |%.0s' $(seq "$ROUNDS"))" "$res"
expect_eq "...one CLI session per pairing" "$ROUNDS" \
	"$(pg_psql shared "SELECT count(*) FROM sessions WHERE user_id = 'github:race'::bytea AND kind = 2")"

# --- one proof approving a pairing, sent to both
PC=$(code)
REF=$(field 2 "$(sc a pair-create "$PC" approve-race)")
PA2=$(sc a sign "$T/proof.sk" github:race Racer 2 120 - "$REF")
expect_eq "one approval proof sent to both at once: one approves" "notfound ok " \
	"$(both pair-approve "$PA2")"

# --- a revoke through one is seen at once by the other
TOK=$(field 2 "$(sc a login "$T/proof.sk" github:rev Rita)")
expect_match "a session made through a works through b" '^ok github:rev Rita' "$(sc b get "$TOK")"
expect_eq "revoked through b" "ok - 1 github:rev" "$(sc b revoke "$TOK" -)"
expect_eq "...gone through a at once" "notfound" "$(sc a get "$TOK")"
T2=$(field 2 "$(sc a login "$T/proof.sk" github:rev Rita)")
T3=$(field 2 "$(sc b login "$T/proof.sk" github:rev Rita)")
SID3=$(field 6 "$(sc a get "$T3")")
expect_eq "revoking another session of the user through a" "ok - 0 github:rev" "$(sc a revoke "$T2" "$SID3")"
expect_eq "...gone through b at once" "notfound" "$(sc b get "$T3")"
expect_eq "...and revoking it again through b is refused" "denied" "$(sc b revoke "$T2" "$SID3")"

# --- max_pending_paircodes across both (6 pending at most, none pending now)
sc a pair-flood "flood-a-code-prefix-" 8 >"$T/fa" & p=$!
sc b pair-flood "flood-b-code-prefix-" 8 >"$T/fb"
wait "$p"
oka=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$T/fa"); okb=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$T/fb")
expect_eq "two floods of 8 at once: 6 pending in all, the rest busy" "6" "$(( ${oka:-0} + ${okb:-0} ))"
expect_eq "...the database holds 6 pending" "6" "$(pg_psql shared 'SELECT count(*) FROM pairs WHERE state = 1')"

store_stop "$PA"; store_stop "$PB"

# --- max_sessions_per_user = 3 across two stores: concurrent logins of one user
store_conf c "max_sessions_per_user = 3"
store_conf d "max_sessions_per_user = 3"
store_start c || { fail "store c starts"; exit 1; }
PC=$STORE_PID
store_start d || { fail "store d starts"; exit 1; }
PD=$STORE_PID
most=0
for i in $(seq 6); do
	pids=()
	for j in 1 2 3 4; do
		sc c login "$T/proof.sk" github:cap Cap >/dev/null & pids+=($!)
		sc d login "$T/proof.sk" github:cap Cap >/dev/null & pids+=($!)
	done
	wait "${pids[@]}"
	n=$(pg_psql shared "SELECT count(*) FROM sessions WHERE user_id = 'github:cap'::bytea")
	[ "$n" -gt "$most" ] && most=$n
done
expect_eq "48 logins of one user, 8 at a time through both stores: never more than 3 sessions" "3" "$most"
store_stop "$PC"; store_stop "$PD"
exit 0
