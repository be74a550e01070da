# Test identity providers on loopback, for any test script that needs a real
# OAuth / OpenID peer.  Source tests/lib.sh first, then this file.
#
# Set-up (cached under build/idp, shared by both builds and every script):
#   idp_setup            node >= 20 + `npm ci` of the test kit's package.json/lock
#                        into $IDP_DIR (build/idp), once per lock file.  Returns 1
#                        with the reason in $IDP_SKIP when that is impossible:
#                        callers print `skip "...: $IDP_SKIP"` and exit 0.
#   idp_tls_setup        test CA and a 127.0.0.1 server certificate (openssl), plus
#                        a self-signed "rogue" certificate no one trusts.  Sets
#                        IDP_CA IDP_CERT IDP_KEY IDP_ROGUE_CERT IDP_ROGUE_KEY.
#                        Give IDP_CA to daemons as [authd] ca_file.
#   idp_up WHAT          idp_setup and idp_tls_setup for a test script: prints
#                        "SKIP: WHAT (<why>)" and exits 0 when the kit cannot run here,
#                        "FAIL: test CA" and exits 1 when the certificates cannot be made.
# Providers (started with lib.sh's `bg`, so cleanup stops them; each waits for
# its READY line, at most 20 s, and returns 1 if it never comes):
#   idp_start_op         OpenID Provider (oidc-provider) over TLS, tests/idp/op.mjs.
#                        Reads OP_CLIENT_ID (test-client), OP_CLIENT_SECRET
#                        (test-secret), OP_REDIRECT_URIS, OP_AUTO_LOGIN (0).
#                        Sets IDP_OP_PORT, IDP_OP_ISSUER (https://127.0.0.1:PORT,
#                        exactly what its discovery document says), IDP_OP_LOG.
#   idp_start_gh         GitHub stand-in (plain http: needs allow_insecure_loopback).
#                        Reads GH_CLIENT_ID (gh-client), GH_CLIENT_SECRET (gh-secret),
#                        GH_CALLBACK, GH_ORGS, GH_TEAMS, GH_EMAILS (gh-standin.mjs).  Sets IDP_GH_PORT, IDP_GH_URL, IDP_GH_LOG.
#   idp_start_fake [rogue]  hostile/slow HTTPS peer, tests/idp/fake-idp.mjs (see its
#                        header for what each code does).  Reads FAKE_CLIENT_ID
#                        (fake-client), FAKE_CLIENT_SECRET (fake-secret), FAKE_SLOW_MS,
#                        FAKE_PORT (default: a free port).  Sets IDP_FAKE_PORT,
#                        IDP_FAKE_URL, IDP_FAKE_LOG.  "rogue" serves the untrusted
#                        certificate (log $T/fake-rogue.log).
# Helpers:
#   idp_op_login URL [USER]   log in through the OP's forms (curl-login.sh, with the CA);
#                             prints the redirect back (...?code=...&state=...&iss=...)
#   idp_gh_login URL [LOGIN]  the same through the GitHub stand-in's authorize form
#   idp_fake_section NAME ISSUER  prints an airlock.conf [provider.NAME] section (type oidc,
#                             client fake-client, scope profile) for the fake provider at ISSUER
#   idp_param URL NAME        value of query parameter NAME (percent-decoded)
#   idp_tokens LOG [access|refresh]  tokens a provider issued (OP_TOKEN_LOG lines)
#   idp_curl ARGS...          curl trusting the test CA
# The kit (gh-standin.mjs, curl-login.sh, package.json, package-lock.json) is read
# from $IDP_KIT (default: tests/idp/kit, a copy of the shared test kit).

: "${AIRLOCK_SRC:?source tests/lib.sh first}"
. "$AIRLOCK_SRC/tests/lib_npm.sh"
: "${IDP_KIT:=$AIRLOCK_SRC/tests/idp/kit}"
: "${IDP_DIR:=$AIRLOCK_SRC/build/idp}"
IDP_SKIP=

_idp_wait_ready() { # LOGFILE PATTERN PID
	local i
	for i in $(seq 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	echo "idp: no '$2' in $1:" >&2; tail -5 "$1" >&2
	return 1
}

idp_setup() {
	IDP_SKIP=$(npm_why_not)
	[ -z "$IDP_SKIP" ] || return 1
	if [ ! -f "$IDP_KIT/package-lock.json" ] || [ ! -f "$IDP_KIT/gh-standin.mjs" ]; then
		IDP_SKIP="test provider kit not found in $IDP_KIT"; return 1
	fi
	npm_install "$IDP_KIT" "$IDP_DIR" oidc-provider ||
		{ IDP_SKIP="npm ci failed (see $IDP_DIR/npm.log)"; return 1; }
	npm_place "$AIRLOCK_SRC/tests/idp/op.mjs" "$IDP_DIR" &&
	npm_place "$AIRLOCK_SRC/tests/idp/fake-idp.mjs" "$IDP_DIR" &&
	npm_place "$IDP_KIT/gh-standin.mjs" "$IDP_DIR"
}

idp_up() { # WHAT
	idp_setup || { skip "$1 ($IDP_SKIP)"; exit 0; }
	idp_tls_setup || { fail "test CA"; exit 1; }
}

idp_tls_setup() {
	local d="$IDP_DIR/tls"
	mkdir -p "$d"
	(
		flock -w 60 9 || exit 1
		[ -s "$d/server.pem" ] && [ -s "$d/rogue.pem" ] && exit 0
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout ca.key -out ca.pem -days 3650 -subj "/CN=airlock test CA" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out server.pem -days 825 -extfile server.ext 2>/dev/null &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout rogue.key -out rogue.pem -days 825 -subj "/CN=127.0.0.1" \
			-addext subjectAltName=IP:127.0.0.1 2>/dev/null
	) 9>"$d/.lock" || { echo "idp: test CA generation failed" >&2; return 1; }
	IDP_CA=$d/ca.pem IDP_CERT=$d/server.pem IDP_KEY=$d/server.key
	IDP_ROGUE_CERT=$d/rogue.pem IDP_ROGUE_KEY=$d/rogue.key
}

idp_start_op() {
	[ -n "${IDP_CA:-}" ] || idp_tls_setup || return 1
	IDP_OP_PORT=$(free_port)
	bg op env OP_PORT="$IDP_OP_PORT" OP_TLS_CERT="$IDP_CERT" OP_TLS_KEY="$IDP_KEY" \
		OP_CLIENT_ID="${OP_CLIENT_ID:-test-client}" OP_CLIENT_SECRET="${OP_CLIENT_SECRET:-test-secret}" \
		OP_REDIRECT_URIS="${OP_REDIRECT_URIS:-http://127.0.0.1:8000/auth_redirect}" \
		OP_AUTO_LOGIN="${OP_AUTO_LOGIN:-0}" OP_TOKEN_LOG=1 node "$IDP_DIR/op.mjs"
	IDP_OP_LOG=$T/op.log
	_idp_wait_ready "$IDP_OP_LOG" "OP READY" "$LAST_PID" || return 1
	IDP_OP_ISSUER=$(sed -n 's/^OP READY //p' "$IDP_OP_LOG" | head -1)
}

idp_start_gh() {
	IDP_GH_PORT=$(free_port)
	bg gh env GH_PORT="$IDP_GH_PORT" GH_CLIENT_ID="${GH_CLIENT_ID:-gh-client}" \
		GH_CLIENT_SECRET="${GH_CLIENT_SECRET:-gh-secret}" \
		GH_CALLBACK="${GH_CALLBACK:-http://127.0.0.1:8000/auth_redirect}" \
		node "$IDP_DIR/gh-standin.mjs"
	IDP_GH_LOG=$T/gh.log
	_idp_wait_ready "$IDP_GH_LOG" "GH READY" "$LAST_PID" || return 1
	IDP_GH_URL=http://127.0.0.1:$IDP_GH_PORT
}

idp_start_fake() {
	local cert key name=fake
	[ -n "${IDP_CA:-}" ] || idp_tls_setup || return 1
	cert=$IDP_CERT key=$IDP_KEY
	if [ "${1:-}" = rogue ]; then cert=$IDP_ROGUE_CERT key=$IDP_ROGUE_KEY name=fake-rogue; fi
	IDP_FAKE_PORT=${FAKE_PORT:-$(free_port)}
	bg "$name" env FAKE_PORT="$IDP_FAKE_PORT" FAKE_TLS_CERT="$cert" FAKE_TLS_KEY="$key" \
		FAKE_CLIENT_ID="${FAKE_CLIENT_ID:-fake-client}" \
		FAKE_CLIENT_SECRET="${FAKE_CLIENT_SECRET:-fake-secret}" \
		FAKE_SLOW_MS="${FAKE_SLOW_MS:-2000}" node "$IDP_DIR/fake-idp.mjs"
	IDP_FAKE_LOG=$T/$name.log
	_idp_wait_ready "$IDP_FAKE_LOG" "FAKE READY" "$LAST_PID" || return 1
	IDP_FAKE_URL=https://127.0.0.1:$IDP_FAKE_PORT
}

idp_curl() { curl -sS --cacert "$IDP_CA" --max-time 10 "$@"; }

idp_op_login() {
	CURL_CA_BUNDLE=$IDP_CA timeout 30 sh "$IDP_KIT/curl-login.sh" "$1" "${2:-alice}"
}

idp_gh_login() {
	curl -sS --max-time 10 -o /dev/null -w '%{redirect_url}' "$1&__login=1&login=${2:-octocat}"
}

idp_param() {
	printf '%s' "$1" | python3 -c 'import sys, urllib.parse as u
q = u.parse_qs(u.urlsplit(sys.stdin.read()).query)
print(q.get(sys.argv[1], [""])[0])' "$2"
}

idp_tokens() { sed -n "s/^TOKEN ${2:-access} //p" "$1"; }

idp_fake_section() {
	printf '\n[provider.%s]\ntype = oidc\nissuer = %s\nclient_id = %s\nscopes = profile\n' \
		"$1" "$2" "${FAKE_CLIENT_ID:-fake-client}"
}
