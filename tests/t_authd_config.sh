#!/usr/bin/env bash
# airlock-authd start-up checks: key generation, secret and key file modes,
# $CREDENTIALS_DIRECTORY, endpoint URL policy, config errors, state_dir layout,
# grant.key from the secrets or made in state_dir, process hardening and the
# SO_PEERCRED peer check.  No provider needed.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_authd.sh"

# --- airlock-authd -k ---
KEY=$T/k/signing.key; mkdir -p "$T/k"
L1=$("$BIN/airlock-authd" -k "$KEY"); L2=$("$BIN/airlock-authd" -k "$KEY")
expect_match "-k prints the store's config line" '^proof_public_key = [A-Za-z0-9_-]{43}$' "$L1"
expect_eq "-k on an existing key prints the same public key" "$L1" "$L2"
expect_eq "-k creates the key with mode 0600" 600 "$(stat -c %a "$KEY")"
chmod 644 "$KEY"
OUT=$("$BIN/airlock-authd" -k "$KEY" 2>&1); RC=$?
check "-k refuses a world-readable key (rc $RC)" test "$RC" -ne 0
expect_match "...and says why" "group/world accessible" "$OUT"

# refuse NAME PATTERN: authd must exit non-zero at start with PATTERN in its output
refuse() {
	local rc
	timeout 10 "$BIN/airlock-authd" -d -f "$AUTHD_CONF" >"$T/$1.log" 2>&1; rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -Eq -- "$2" "$T/$1.log"; then
		pass "refuses to start: $1"
	else
		fail "refuses to start: $1 (rc $rc, output: $(head -c 300 "$T/$1.log"))"
	fi
}
provider_conf() { # extra lines for [provider.gh]
	authd_setup
	authd_secret gh s3cret-value
	printf '\n[provider.gh]\ntype = github\nclient_id = gh-client\n%s\n' "$*" >>"$AUTHD_CONF"
}

provider_conf
chmod 640 "$AUTHD_DIR/secrets/signing.key"
refuse signing-key-mode "signing key .*group/world accessible"
provider_conf
chmod 644 "$AUTHD_DIR/secrets/gh.client_secret"
refuse secret-mode "provider gh: client secret .*group/world accessible"
provider_conf
rm "$AUTHD_DIR/secrets/gh.client_secret"
refuse secret-missing "provider gh: client secret .*No such file"
provider_conf
ln -sf /etc/hostname "$AUTHD_DIR/secrets/gh.client_secret"
refuse secret-symlink "provider gh: client secret"
provider_conf "token_url = http://127.0.0.1:9/token"
refuse plain-http "token_url: plain http"
AUTHD_EXTRA="allow_insecure_loopback = yes" provider_conf "token_url = http://192.0.2.1/token"
refuse plain-http-not-loopback "token_url: plain http"
provider_conf "token_url = https://user:pw@example.com/token"
refuse url-with-credentials "token_url: URL with user name"
provider_conf "type = nonsense"
refuse duplicate-key "type"
authd_setup; printf '\n[provider.x]\ntype = nonsense\nclient_id = c\n' >>"$AUTHD_CONF"; authd_secret x v
refuse unknown-type 'unknown provider type "nonsense"'
authd_setup; printf '\n[provider.x]\ntype = oidc\nclient_id = c\n' >>"$AUTHD_CONF"; authd_secret x v
refuse oidc-without-issuer "issuer: required"
# grant.key from the secrets (what several authd nodes share): 32 raw bytes, private
provider_conf
(umask 077; head -c 31 /dev/urandom >"$AUTHD_DIR/secrets/grant.key")
refuse grant-key-size "grant key .*must be exactly 32 bytes"
provider_conf
head -c 32 /dev/urandom >"$AUTHD_DIR/secrets/grant.key"; chmod 640 "$AUTHD_DIR/secrets/grant.key"
refuse grant-key-mode "grant key .*group/world accessible"
AUTHD_EXTRA="colour = blue" provider_conf
refuse unknown-authd-key "colour"
provider_conf "client_secret = oops"
refuse secret-in-config "client_secret"
provider_conf; sed -i 's/^frontend_user = .*/frontend_user = no-such-user-xyz/' "$AUTHD_CONF"
refuse unknown-frontend-user "frontend_user"
provider_conf; sed -i 's|^public_url = .*|public_url = http://127.0.0.1:8000/app|' "$AUTHD_CONF"
refuse public-url-with-path "airlock.conf:2: \[airlock\] public_url: expected http\(s\)://host\[:port\] without a path"
provider_conf; sed -i '/^frontend_user = /d' "$AUTHD_CONF"
refuse no-frontend-user "\[airlock\] frontend_user is missing"

# --- a good start: state_dir layout, hardening, credentials directory ---
provider_conf
mkdir -p "$T/creds"; chmod 700 "$T/creds"
mv "$AUTHD_DIR/secrets/gh.client_secret" "$AUTHD_DIR/secrets/signing.key" "$T/creds/"
export CREDENTIALS_DIRECTORY=$T/creds
authd_start || fail "authd start"
unset CREDENTIALS_DIRECTORY
expect_eq "secrets found through \$CREDENTIALS_DIRECTORY" ok "$(kv status "$(authc ping)")"
expect_eq "grant.key created with mode 0600" 600 "$(stat -c %a "$AUTHD_DIR/state/grant.key")"
expect_eq "grants/ created with mode 0700" 700 "$(stat -c %a "$AUTHD_DIR/state/grants")"
expect_eq "socket mode 0660" 660 "$(stat -c %a "$AUTHD_SOCK")"
expect_match "no core dumps (RLIMIT_CORE 0)" "Max core file size +0 +0" "$(cat "/proc/$AUTHD_PID/limits")"
expect_eq "client secret not in authd's environment or command line" 0 \
	"$(cat "/proc/$AUTHD_PID/environ" "/proc/$AUTHD_PID/cmdline" | grep -caF s3cret-value)"
expect_match "one provider listed" "^provider=gh	GitHub	1\$" "$(authc providers)"

# --- SO_PEERCRED: another uid is refused even when the socket mode would let it in ---
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	chmod 666 "$AUTHD_SOCK"
	OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/tools/authc" "$AUTHD_SOCK" ping)
	expect_eq "a peer of another uid is refused" ipc_failure "$(kv status "$OUT")"
	expect_match "...and logged" "refused peer uid 65534" "$(cat "$AUTHD_LOG")"
	expect_eq "root is still served" ok "$(kv status "$(authc ping)")"
	authd_stop
	sed -i "s/^frontend_user = .*/frontend_user = $(id -un 65534)/" "$AUTHD_CONF"
	mv "$T/creds/"* "$AUTHD_DIR/secrets/"
	authd_start
	chmod 666 "$AUTHD_SOCK"
	OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/tools/authc" "$AUTHD_SOCK" ping)
	expect_eq "the configured frontend_user is served" ok "$(kv status "$OUT")"
else
	skip "peer uid checks (need root and setpriv)"
fi
authd_stop

# --- a grant.key in the secrets is used instead of state_dir's ---
provider_conf
(umask 077; head -c 32 /dev/urandom >"$AUTHD_DIR/secrets/grant.key")
authd_start || fail "authd start with a shared grant.key"
expect_eq "served with the grant.key of the secrets" ok "$(kv status "$(authc ping)")"
expect_eq "...and state_dir holds none" no "$(test -e "$AUTHD_DIR/state/grant.key" && echo yes || echo no)"
authd_stop
[ "$T_FAILS" -eq 0 ]
