#!/usr/bin/env bash
# Logins in progress live in the browser's pre-login cookie, sealed under
# login.key: two authd processes given the same login.key finish each other's
# logins (a login started at A completes at B, once), while an authd with a
# key of its own cannot open them.  A login.key that is not 32 bytes, or that
# others can read, stops authd at start.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"
. "$AIRLOCK_SRC/tests/lib_authd.sh"

idp_up "authd login key"
SECRET=fake-secret-$(rand_hex 12)
FAKE_CLIENT_SECRET=$SECRET idp_start_fake || { fail "start the provider"; exit 1; }

authd_setup
authd_secret fake "$SECRET"
idp_fake_section fake "$IDP_FAKE_URL/good" >>"$AUTHD_CONF"
(umask 077; head -c 32 /dev/urandom >"$AUTHD_DIR/secrets/login.key")
authd_start || { fail "authd A start"; exit 1; }
authd_wait_ready fake 10 || fail "provider ready at A"
A_SOCK=$AUTHD_SOCK

# B: the same config and login.key, its own socket and state directory.
mkdir -p "$T/b/state"; chmod 700 "$T/b/state"
sed -e "s|^socket = .*|socket = $T/b/authd.sock|" -e "s|^state_dir = .*|state_dir = $T/b/state|" \
	"$AUTHD_CONF" >"$T/b/airlock.conf"
bg authd-b "$BIN/airlock-authd" -d -v -f "$T/b/airlock.conf"
wait_socket "$T/b/authd.sock" 10 || fail "authd B start"
AUTHD_SOCK=$T/b/authd.sock authd_wait_ready fake 10 || fail "provider ready at B"

OUT=$(AUTHD_SOCK=$A_SOCK authc start fake)
expect_eq "login started at A" ok "$(kv status "$OUT")"
expect_eq "...finishes at B (same login.key)" ok \
	"$(kv status "$(AUTHD_SOCK=$T/b/authd.sock authc finish "$(kv state "$OUT")" ok "$(kv binding "$OUT")")")"
expect_eq "...once" notfound \
	"$(kv status "$(AUTHD_SOCK=$T/b/authd.sock authc finish "$(kv state "$OUT")" ok "$(kv binding "$OUT")")")"

# C: no login.key, so a random key of its own.
mkdir -p "$T/c/state" "$T/c/secrets"; chmod 700 "$T/c/state" "$T/c/secrets"
cp -p "$AUTHD_DIR/secrets/signing.key" "$AUTHD_DIR/secrets/fake.client_secret" "$T/c/secrets/"
sed -e "s|^socket = .*|socket = $T/c/authd.sock|" -e "s|^state_dir = .*|state_dir = $T/c/state|" \
	-e "s|^secrets_dir = .*|secrets_dir = $T/c/secrets|" "$AUTHD_CONF" >"$T/c/airlock.conf"
bg authd-c "$BIN/airlock-authd" -d -v -f "$T/c/airlock.conf"
wait_socket "$T/c/authd.sock" 10 || fail "authd C start"
AUTHD_SOCK=$T/c/authd.sock authd_wait_ready fake 10 || fail "provider ready at C"
expect_match "...which it says" "no login.key" "$(cat "$T/authd-c.log")"
OUT=$(AUTHD_SOCK=$A_SOCK authc start fake)
expect_eq "a login started at A does not open at C (another key)" notfound \
	"$(kv status "$(AUTHD_SOCK=$T/c/authd.sock authc finish "$(kv state "$OUT")" ok "$(kv binding "$OUT")")")"
expect_eq "...and was not spent there: A still finishes it" ok \
	"$(kv status "$(AUTHD_SOCK=$A_SOCK authc finish "$(kv state "$OUT")" ok "$(kv binding "$OUT")")")"

refuse() { # NAME PATTERN
	local rc
	timeout 10 "$BIN/airlock-authd" -d -f "$T/c/airlock.conf" >"$T/$1.log" 2>&1; rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -Eq -- "$2" "$T/$1.log"; then
		pass "refuses to start: $1"
	else
		fail "refuses to start: $1 (rc $rc, output: $(head -c 300 "$T/$1.log"))"
	fi
}
sed -i "s|^socket = .*|socket = $T/c/authd2.sock|" "$T/c/airlock.conf"
(umask 077; printf '%s\n' "$(head -c 32 /dev/urandom | base64)" >"$T/c/secrets/login.key")
refuse login-key-size "login key .*must be exactly 32 bytes"
head -c 32 /dev/urandom >"$T/c/secrets/login.key"; chmod 644 "$T/c/secrets/login.key"
refuse login-key-mode "login key .*group/world accessible"
[ "$T_FAILS" -eq 0 ]
