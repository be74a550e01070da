#!/usr/bin/env bash
# airlock-store, airlock-authd and airlock-frontend -n: a good airlock.conf
# prints "configuration OK" and exits 0 without opening a socket or touching
# state; a file that breaks a rule exits 1 naming the file, the line and the
# reason, and every daemon gives the same answer (one parser, one set of
# rules): a public_url with a path and an unknown frontend_user included.
. "$(dirname "$0")/lib.sh"

D=$T/cc; mkdir -p "$D/secrets"; chmod 700 "$D/secrets"
PUB=$("$BIN/airlock-authd" -k "$D/secrets/signing.key" | sed -n 's/^proof_public_key = //p')
(umask 077; echo s3cret >"$D/secrets/gh.client_secret")
ME=$(id -un)
good() {
	cat <<-EOC
	# comment
	[airlock]
	public_url = http://127.0.0.1:8000
	frontend_user = $ME

	[frontend]
	user = $ME
	listen = 127.0.0.1:8000

	[store]
	user = $ME
	socket = $D/store.sock
	database = $D/store.db
	proof_public_key = $PUB

	[authd]
	user = $ME
	socket = $D/authd.sock
	state_dir = $D/authd-state
	secrets_dir = $D/secrets

	[provider.gh]
	type = github
	client_id = gh-client
	EOC
}
good >"$D/good.conf"

for d in store authd frontend; do
	OUT=$("$BIN/airlock-$d" -n -f "$D/good.conf" 2>&1); RC=$?
	expect_eq "airlock-$d -n: a good file exits 0" 0 "$RC"
	expect_eq "airlock-$d -n: says configuration OK" "configuration OK" "$(printf '%s' "$OUT" | tail -1)"
done
check "-n opens no socket" test ! -e "$D/store.sock" -a ! -e "$D/authd.sock"
check "-n creates no state" test ! -e "$D/store.db" -a ! -e "$D/authd-state"

# broken NAME SED-EXPR LINE REASON: the good file edited by SED-EXPR is refused
# by every daemon with exit status 1 and "FILE:LINE: REASON".
broken() {
	local name=$1 expr=$2 line=$3 reason=$4 d out rc answers=""
	sed -e "$expr" "$D/good.conf" >"$D/$name.conf"
	for d in store authd frontend; do
		out=$("$BIN/airlock-$d" -n -f "$D/$name.conf" 2>&1); rc=$?
		if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -qF -- "$D/$name.conf:$line: $reason"; then
			pass "airlock-$d -n refuses $name at line $line"
		else
			fail "airlock-$d -n refuses $name at line $line (status $rc: $out)"
		fi
		answers+="${out#airlock-$d: }"$'\n'
	done
	expect_eq "$name: the three daemons give the same answer" 1 \
		"$(printf '%s' "$answers" | sort -u | wc -l)"
}
broken public-url-path 's|^public_url = .*|public_url = http://127.0.0.1:8000/app|' 3 \
	"[airlock] public_url: expected http(s)://host[:port] without a path"
broken public-url-query 's|^public_url = .*|public_url = https://example.com?x=1|' 3 \
	"[airlock] public_url: expected"
broken unknown-frontend-user 's|^frontend_user = .*|frontend_user = no-such-user-airlock|' 4 \
	'[airlock] frontend_user: no such user "no-such-user-airlock"'
broken unknown-setting '/^\[frontend\]/a colour = blue' 7 "unknown setting colour in [frontend]"
broken unknown-section 's|^\[frontend\]|[fronted]|' 7 "unknown section [fronted]"
broken number-range 's|^database = .*|&\nmap_size_mb = 0|' 14 \
	"map_size_mb must be a number from 1 to 1048576"
broken yes-or-no '/^\[authd\]/a allow_insecure_loopback = maybe' 17 \
	"allow_insecure_loopback must be yes or no"
broken bad-listen 's|^listen = .*|listen = localhost:8000|' 8 "listen: expected IPv4:port"
broken set-twice 's|^\(socket = .*store.sock\)$|\1\nsocket = /x|' 13 "socket set twice in [store]"
broken no-equals '/^\[store\]/a justaword' 11 "expected key = value"
broken unknown-backend '/^\[store\]/a backend = redis' 11 "[store] backend must be lmdb or postgresql"
broken first-of-two 's|^listen = .*|listen = nope|; s|^database = .*|&\nmap_size_mb = 0|' 8 \
	"listen: expected"

# A missing frontend_user: every daemon requires it.
sed '/^frontend_user = /d' "$D/good.conf" >"$D/nofe.conf"
for d in store authd frontend; do
	OUT=$("$BIN/airlock-$d" -n -f "$D/nofe.conf" 2>&1); RC=$?
	expect_eq "airlock-$d -n: missing frontend_user refused" \
		"1 airlock-$d: $D/nofe.conf: [airlock] frontend_user is missing" "$RC $OUT"
done

# What only one daemon needs is required by that one only.
sed '/^proof_public_key = /d' "$D/good.conf" >"$D/nopk.conf"
OUT=$("$BIN/airlock-store" -n -f "$D/nopk.conf" 2>&1); RC=$?
expect_eq "airlock-store -n: missing proof_public_key refused" \
	"1 airlock-store: $D/nopk.conf: [store] proof_public_key is missing" "$RC $OUT"
expect_eq "airlock-frontend -n: proof_public_key is not its business" "configuration OK" \
	"$("$BIN/airlock-frontend" -n -f "$D/nopk.conf" 2>&1)"

# The store's backend names its database: a directory for lmdb (the default),
# a libpq conninfo for postgresql; the other backend's key is not required.
sed '/^database = /d' "$D/good.conf" >"$D/nodb.conf"
OUT=$("$BIN/airlock-store" -n -f "$D/nodb.conf" 2>&1); RC=$?
expect_eq "airlock-store -n: lmdb without database refused" \
	"1 airlock-store: $D/nodb.conf: [store] database is missing" "$RC $OUT"
sed 's|^database = .*|backend = postgresql|' "$D/good.conf" >"$D/nopg.conf"
OUT=$("$BIN/airlock-store" -n -f "$D/nopg.conf" 2>&1); RC=$?
expect_eq "airlock-store -n: postgresql without a conninfo refused" \
	"1 airlock-store: $D/nopg.conf: [store] backend = postgresql needs [store] postgresql (a libpq conninfo)" \
	"$RC $OUT"
sed 's|^database = .*|backend = postgresql\npostgresql = host=127.0.0.1 dbname=airlock|' \
	"$D/good.conf" >"$D/pg.conf"
expect_eq "airlock-store -n: postgresql with a conninfo and no database is fine" \
	"configuration OK" "$("$BIN/airlock-store" -n -f "$D/pg.conf" 2>&1 | tail -1)"

# authd -n also reads its secrets.
mv "$D/secrets/gh.client_secret" "$D/gh.away"
OUT=$("$BIN/airlock-authd" -n -f "$D/good.conf" 2>&1); RC=$?
expect_eq "airlock-authd -n: a missing client secret exits 1" 1 "$RC"
expect_match "...naming the provider's secret" "provider gh: client secret" "$OUT"
mv "$D/gh.away" "$D/secrets/gh.client_secret"

# Started as root, the user each daemon runs as must exist.
if [ "$(id -u)" -eq 0 ]; then
	sed 's|^user = .*|user = no-such-user-airlock|' "$D/good.conf" >"$D/nouser.conf"
	for d in store authd frontend; do
		OUT=$("$BIN/airlock-$d" -n -f "$D/nouser.conf" 2>&1); RC=$?
		expect_match "airlock-$d -n as root: an unknown user is refused" \
			"^1 airlock-$d: \[$d\] user no-such-user-airlock: no such user" "$RC $OUT"
	done
else
	skip "unknown user refused (needs root)"
fi

OUT=$("$BIN/airlock-store" -n -f "$D/absent.conf" 2>&1); RC=$?
expect_eq "a missing file exits 1 naming it" \
	"1 airlock-store: $D/absent.conf: No such file or directory" "$RC $OUT"
OUT=$("$BIN/airlock-store" -x 2>&1); RC=$?
expect_match "usage names -n" "^usage: airlock-store \[-dnv\]" "$OUT"
[ "$T_FAILS" -eq 0 ]
