#!/usr/bin/env bash
# Sessions made before schema 3 carry a 16-byte grant handle, naming a grant
# file that their authd sealed in its state_dir under grant.key.  After the
# upgrade, REVOKE with such a handle still opens that file (as the old authd
# wrote it), revokes its tokens at the provider and deletes it; a handle
# without a file, or a file under another handle's name or tampered with,
# answers notfound and nothing reaches the provider.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"
. "$AIRLOCK_SRC/tests/lib_authd.sh"

idp_up "authd legacy grants"
SECRET=fake-secret-$(rand_hex 12)
FAKE_CLIENT_SECRET=$SECRET idp_start_fake || { fail "start the provider"; exit 1; }
authd_setup
authd_secret fake "$SECRET"
idp_fake_section fake "$IDP_FAKE_URL/good" >>"$AUTHD_CONF"
authd_start || { fail "authd start"; exit 1; }
authd_wait_ready fake 10 || fail "provider ready"

# legacy_file HANDLEHEX ACCESS REFRESH [NAMEHEX]: a grant file as authd wrote
# it before schema 3: nonce, then sealed (handle, version 1, provider, tokens),
# named NAMEHEX.grant (default: the handle's).  libsodium through ctypes.
legacy_file() {
	python3 - "$AUTHD_DIR/state" "$@" <<-'EOF'
	import ctypes, ctypes.util, os, struct, sys
	state, handle, at, rt = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3], sys.argv[4]
	name = sys.argv[5] if len(sys.argv) > 5 else sys.argv[2]
	na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
	if na.sodium_init() < 0:
	    sys.exit(1)
	key = open(os.path.join(state, "grant.key"), "rb").read()
	s = lambda v: struct.pack(">H", len(v)) + v
	plain = handle + b"\x01" + s(b"fake") + s(at.encode()) + s(rt.encode())
	nonce = os.urandom(24)
	box = ctypes.create_string_buffer(16 + len(plain))
	if na.crypto_secretbox_easy(box, plain, ctypes.c_ulonglong(len(plain)), nonce, key) != 0:
	    sys.exit(1)
	path = os.path.join(state, "grants", name + ".grant")
	fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
	os.write(fd, nonce + box.raw)
	os.close(fd)
	EOF
}
userinfo() { idp_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$IDP_FAKE_URL/userinfo"; }
revocations() { grep -c '^REVOKED ' "$IDP_FAKE_LOG"; }

# Tokens the provider really issued, through a login (its grant is not used here).
OUT=$(authc start fake)
expect_eq "a login" ok "$(kv status "$(authc finish "$(kv state "$OUT")" ok "$(kv binding "$OUT")")")"
AT=$(idp_tokens "$IDP_FAKE_LOG" access | tail -1)
RT=$(idp_tokens "$IDP_FAKE_LOG" refresh | tail -1)
expect_eq "its access token works" 200 "$(userinfo "$AT")"

H=$(rand_hex 16) H2=$(rand_hex 16)
check "a legacy grant file with those tokens" legacy_file "$H" "$AT" "$RT"
legacy_file "$H" "$AT" "$RT" "$H2"
r0=$(revocations)
expect_eq "a file under another handle's name does not open" notfound \
	"$(kv status "$(authc revoke "$H2" fake:anyone)")"
cp "$AUTHD_DIR/state/grants/$H.grant" "$T/tampered"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[40] ^= 1; open(sys.argv[1], "wb").write(b)' "$T/tampered"
cp "$T/tampered" "$AUTHD_DIR/state/grants/$H2.grant"
expect_eq "a tampered file does not open" notfound "$(kv status "$(authc revoke "$H2" fake:anyone)")"
expect_match "...which authd logs" "revoke: grant file unreadable or forged" "$(cat "$AUTHD_LOG")"
expect_eq "a handle without a file is not found" notfound \
	"$(kv status "$(authc revoke "$(rand_hex 16)" fake:anyone)")"
expect_eq "...and none of that reached the provider" "$r0" "$(revocations)"

# The session's user is not in a legacy file: REVOKE names whoever it likes.
expect_eq "the legacy handle revokes" ok "$(kv status "$(authc revoke "$H" fake:whoever)")"
expect_eq "...both tokens at the provider" $((r0 + 2)) "$(revocations)"
expect_eq "...and the access token is dead there" 401 "$(userinfo "$AT")"
expect_eq "the revoked grant file is deleted" no \
	"$(test -e "$AUTHD_DIR/state/grants/$H.grant" && echo yes || echo no)"
expect_eq "...so the handle is not found any more" notfound \
	"$(kv status "$(authc revoke "$H" fake:whoever)")"
authd_stop
expect_eq "no token in anything authd sent or logged" 0 \
	"$(cat "$AUTHD_CAPTURE" "$T"/authd*.log | grep -caF -e "$AT" -e "$RT")"
[ "$T_FAILS" -eq 0 ]
