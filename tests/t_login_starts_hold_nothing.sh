#!/usr/bin/env bash
# Starting logins holds nothing in authd: each is sealed into its own
# pre-login cookie value, so 5000 starts in a row (more than max_logins, the
# old table's size, 16 here) are all answered, and a login started before
# them still finishes.  Only finished logins are remembered (single use).
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"
. "$AIRLOCK_SRC/tests/lib_authd.sh"

idp_up "login starts hold nothing"
SECRET=fake-secret-$(rand_hex 12)
FAKE_CLIENT_SECRET=$SECRET idp_start_fake || { fail "start the provider"; exit 1; }
AUTHD_EXTRA="max_logins = 16" authd_setup
authd_secret fake "$SECRET"
idp_fake_section fake "$IDP_FAKE_URL/good" >>"$AUTHD_CONF"
authd_start || { fail "authd start"; exit 1; }
authd_wait_ready fake 10 || fail "provider ready"

FIRST=$(authc start fake)
OUT=$(authc starts 5000 fake)
expect_eq "5000 logins started in a row are all answered" 5000 "$(kv count_ok "$OUT")"
expect_eq "...none busy" 0 "$(kv count_busy "$OUT")"
expect_eq "a login started before them still finishes" ok \
	"$(kv status "$(authc finish "$(kv state "$FIRST")" ok "$(kv binding "$FIRST")")")"
expect_eq "...once" notfound \
	"$(kv status "$(authc finish "$(kv state "$FIRST")" ok "$(kv binding "$FIRST")")")"
[ "$T_FAILS" -eq 0 ]
