#!/usr/bin/env bash
# timeout: 150
# Two airlock nodes (frontend + authd each, one shared store) that share
# login.key, signing.key and grant.key, with their own state_dir and sockets:
# a sign-in started at node A finishes at node B and the browser is signed in
# at both; a grant obtained at one node is revoked at the provider when the
# session is signed out at the other (the sealed grant travels in the store's
# record, not in a node's state_dir); the same callback replayed at the other
# node, whose replay cache never saw it, makes authd exchange the code once
# more (this provider accepts a code twice), but the proof bears the same
# nonce and the store refuses it (ST_DENIED): no second session, and the
# tokens of that extra exchange are revoked at the provider; a pairing
# started at one node and approved at the other is taken by a /token poll
# at either node, once.  No provider token reaches a frontend, the store or
# the database in clear.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

idp_up "cluster login"
FAKE_SECRET=fake-secret-$(rand_hex 12)
FAKE_CLIENT_SECRET=$FAKE_SECRET idp_start_fake || { fail "start the provider"; exit 1; }
stack_init gh || { skip "cluster login: $STACK_SKIP"; exit 0; }
# Shared by both nodes: signing.key (stack_init), login.key and grant.key.
(umask 077
 head -c 32 /dev/urandom >"$STACK_DIR/secrets/login.key"
 head -c 32 /dev/urandom >"$STACK_DIR/secrets/grant.key"
 printf '%s\n' "$FAKE_SECRET" >"$STACK_DIR/secrets/fake.client_secret")
idp_fake_section fake "$IDP_FAKE_URL/good" >>"$STACK_CONF"
stack_start || { fail "node A did not start"; exit 1; }

# Node B: the same configuration (public_url included: both stand behind one
# name), its own frontend port, authd socket and state_dir, the same store.
B_PORT=$(free_port)
B_METRICS=$(free_port)
B_URL=http://127.0.0.1:$B_PORT
A_URL=$STACK_URL
mkdir -p "$T/b/state"; chmod 700 "$T/b/state"
sed -e "s|^listen = .*|listen = 127.0.0.1:$B_PORT|" \
	-e "s|^metrics_listen = .*|metrics_listen = 127.0.0.1:$B_METRICS|" \
	-e "s|^socket = $AUTHD_SOCK\$|socket = $T/b/authd.sock|" \
	-e "s|^state_dir = .*|state_dir = $T/b/state|" "$STACK_CONF" >"$T/b/airlock.conf"
chmod 644 "$T/b/airlock.conf"
bg authd-b "$BIN/airlock-authd" -d -v -f "$T/b/airlock.conf"
wait_socket "$T/b/authd.sock" 10 || { fail "node B's authd did not start"; exit 1; }
bg frontend-b "$BIN/airlock-frontend" -d -v -f "$T/b/airlock.conf"
wait_port "$B_PORT" 10 || { fail "node B's frontend did not start"; exit 1; }
b_ready() { curl -sS --max-time 2 "$B_URL/login" 2>/dev/null | grep -q 'href="/login/fake"'; }
a_ready() { curl -sS --max-time 2 "$A_URL/login" 2>/dev/null | grep -q 'href="/login/fake"'; }
_stack_wait 30 b_ready && _stack_wait 30 a_ready || { fail "provider not ready at both nodes"; exit 1; }
pass "two nodes up: A $A_URL, B $B_URL, one store"

AUTHD_A_LOG=$T/authd.log AUTHD_B_LOG=$T/authd-b.log
secured() { sc "$2" "$1/secured"; }
csrf_at() { sc "$2" "$1/" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1; }
logout_at() { # NODE_URL JAR: POST /logout there, from the site's own pages
	sc "$2" -o /dev/null -w '%{http_code}' -H "Origin: $STACK_URL" \
		--data-urlencode "csrf=$(csrf_at "$1" "$2")" "$1/logout"
}
start_at() { sc "$2" -o /dev/null -w '%{redirect_url}' "$1/login/fake"; }
# The provider's answer to the browser, as the fake provider would redirect it
# back (its code "ok" is accepted as often as it is presented).
callback_at() { # NODE_URL JAR STATE
	sc "$2" -o /dev/null -w '%{http_code}' "$1/auth_redirect/fake?code=ok&state=$3"
}
userinfo() { idp_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$IDP_FAKE_URL/userinfo"; }
exchanges() { grep -c '^TOKEN REQUEST ok$' "$IDP_FAKE_LOG"; }
revocations() { grep -c '^REVOKED ' "$IDP_FAKE_LOG"; }
finished_at() { grep -c 'login fake as ' "$1"; }

# --- a sign-in started at A finishes at B
J=$T/j.jar
AUTH=$(start_at "$A_URL" "$J")
STATE=$(idp_param "$AUTH" state)
expect_eq "A sends the browser to the provider, back to the shared public URL" \
	"$STACK_URL/auth_redirect/fake" "$(idp_param "$AUTH" redirect_uri)"
cp "$J" "$T/j.prelogin"		# the pre-login cookie, as a replaying attacker would keep it
fa=$(finished_at "$AUTHD_A_LOG") fb=$(finished_at "$AUTHD_B_LOG") x0=$(exchanges)
expect_eq "the provider's callback at B signs the browser in" 303 "$(callback_at "$B_URL" "$J" "$STATE")"
AT1=$(idp_tokens "$IDP_FAKE_LOG" access | tail -1)
expect_eq "...B's authd exchanged the code, A's did not" "$((fa)) $((fb + 1))" \
	"$(finished_at "$AUTHD_A_LOG") $(finished_at "$AUTHD_B_LOG")"
U1=$(secured "$B_URL" "$J")
expect_match "signed in at B" '^fake:fake-[0-9]+$' "$U1"
expect_eq "...and at A, with the same session" "$U1" "$(secured "$A_URL" "$J")"
expect_eq "the token obtained at B works at the provider" 200 "$(userinfo "$AT1")"

# --- the same callback replayed at A: A's replay cache never saw it
R=$T/r.jar
cp "$T/j.prelogin" "$R"
r0=$(revocations)
code=$(callback_at "$A_URL" "$R" "$STATE")
AT_REPLAY=$(idp_tokens "$IDP_FAKE_LOG" access | tail -1)
expect_eq "the replay at A reached the provider once more (one more code exchange)" \
	$((x0 + 2)) "$(exchanges)"
expect_eq "...but makes no session (refused, HTTP 500)" "500 " "$code $(st_cookie "$R")"
expect_eq "...because the store refused the proof's nonce (ST_DENIED)" 1 \
	"$(grep -cE 'SESSION_CREATE: replayed login proof for fake:fake-[0-9]+ refused' "$T/store.log")"
expect_match "...which A's frontend logged as the store's denial" \
	"store refused a fresh login proof: denied" "$(cat "$T/frontend.log")"
expect_eq "the tokens of that extra exchange belong to no session: revoked at the provider" \
	"$((r0 + 2)) 401" "$(revocations) $(userinfo "$AT_REPLAY")"
expect_eq "...while the first login's token still works" 200 "$(userinfo "$AT1")"
cp "$T/j.prelogin" "$R"
x1=$(exchanges)
callback_at "$B_URL" "$R" "$STATE" >/dev/null
expect_eq "replayed at B, the node that finished it: refused before any exchange" \
	"$x1 " "$(exchanges) $(st_cookie "$R")"
expect_eq "the first browser is still signed in" "$U1" "$(secured "$A_URL" "$J")"

# --- a grant obtained at A, revoked at the provider by a sign-out at B
K=$T/k.jar
STATE2=$(idp_param "$(start_at "$B_URL" "$K")" state)
fa=$(finished_at "$AUTHD_A_LOG")
expect_eq "a sign-in started at B finishes at A" 303 "$(callback_at "$A_URL" "$K" "$STATE2")"
AT2=$(idp_tokens "$IDP_FAKE_LOG" access | tail -1)
expect_eq "...where A's authd obtained the tokens" $((fa + 1)) "$(finished_at "$AUTHD_A_LOG")"
U2=$(secured "$B_URL" "$K")
expect_match "signed in at B too" '^fake:fake-[0-9]+$' "$U2"
expect_eq "A left no grant file in its state_dir" "" "$(ls -A "$STACK_DIR/authd-state/grants")"
r0=$(revocations)
expect_eq "signing out at B" 303 "$(logout_at "$B_URL" "$K")"
expect_eq "...B's authd revoked the tokens A obtained: the provider recorded both" \
	$((r0 + 2)) "$(revocations)"
expect_eq "...and the access token no longer works there" 401 "$(userinfo "$AT2")"
expect_match "...B's authd did it" "revoke fake: done" "$(cat "$AUTHD_B_LOG")"
expect_eq "the session is gone at A" "" "$(secured "$A_URL" "$K" | grep -F "$U2")"

# and the first login's grant, obtained at B, by a sign-out at A
r0=$(revocations)
expect_eq "signing out the first browser at A" 303 "$(logout_at "$A_URL" "$J")"
expect_eq "...A's authd revoked the tokens B obtained" "$((r0 + 2)) 401" \
	"$(revocations) $(userinfo "$AT1")"

# --- pairings: started at one node, approved at the other, taken at either
pair() { # START_URL APPROVE_URL TAKE_URL OTHER_URL NAME JARNAME APPROVING_AUTHD_LOG
	local pc url ref jar=$T/$6.jar cli=$T/$6.cli auth state user
	pc=$(rand_b64url 24)
	url=$(curl -sS --max-time 10 "$1/cli_login?paircode=$pc")
	expect_match "$5: /cli_login at one node" "^$STACK_URL/pair/" "$url"
	ref=${url##*/}
	expect_eq "$5: the poll at the other node: pending" '{"error":"authorization_pending"}' \
		"$(curl -sS --max-time 10 -H 'Accept: application/json' "$4/token?paircode=$pc")"
	auth=$(sc "$jar" -H "Origin: $STACK_URL" -H 'Sec-Fetch-Site: same-origin' \
		--data-urlencode decision=approve --data-urlencode provider=fake "$2/pair/$ref" |
		sed -n 's/.*id="continue" href="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g')
	state=$(idp_param "$auth" state)
	expect_match "$5: approving at a node leads to the provider" "^$IDP_FAKE_URL/authorize\\?" "$auth"
	cp "$jar" "$jar.prelogin"
	expect_eq "$5: ...and the callback at that node approves" 200 "$(callback_at "$2" "$jar" "$state")"
	r0=$(revocations)
	expect_eq "$5: the approval's callback replayed at the other node approves nothing" 404 \
		"$(callback_at "$1" "$jar.prelogin" "$state")"
	expect_eq "$5: ...and the tokens of its extra exchange are revoked" "$((r0 + 2)) 401" \
		"$(revocations) $(userinfo "$(idp_tokens "$IDP_FAKE_LOG" access | tail -1)")"
	user=$(grep -o 'login fake as fake:fake-[0-9]*' "$7" | tail -1 | sed 's/.* as //')
	expect_eq "$5: the CLI's poll takes the approving user's session" "$user" \
		"$(sc "$cli" "$3/token?paircode=$pc")"
	expect_eq "$5: ...once, at either node" '{"error":"expired_token"}' \
		"$(curl -sS --max-time 10 -H 'Accept: application/json' "$4/token?paircode=$pc")"
	expect_eq "$5: the CLI session works at both nodes" "$user $user" \
		"$(sc "$cli" "$1/secured") $(sc "$cli" "$4/secured")"
}
pair "$A_URL" "$B_URL" "$A_URL" "$B_URL" "pairing 1 (start A, approve B, poll A)" p1 "$AUTHD_B_LOG"
pair "$B_URL" "$A_URL" "$B_URL" "$A_URL" "pairing 2 (start B, approve A, poll B)" p2 "$AUTHD_A_LOG"

# --- the secrets rule
stack_stop_frontend
stack_stop_store
leaks=0
for tok in $(idp_tokens "$IDP_FAKE_LOG" access) $(idp_tokens "$IDP_FAKE_LOG" refresh); do
	leaks=$((leaks + $(cat "$T"/frontend*.log "$T"/store*.log "$STACK_DIR"/store.db/*.mdb | grep -caF -- "$tok")))
done
expect_eq "no provider token in a frontend's or the store's logs or in the database" 0 "$leaks"
[ "$T_FAILS" -eq 0 ]
