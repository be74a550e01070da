# The whole airlock stack on loopback for a test: store + authd + frontend +
# test provider(s).  Source tests/lib.sh first, then this file (it sources
# lib_idp.sh itself).  Everything lives in $T and is stopped by lib.sh's cleanup.
#
# Setting up
#   stack_init [op] [gh]    choose ports, make keys, secrets and $STACK_CONF with the
#                           providers named: "op" = OpenID provider over TLS (tests/idp/op.mjs,
#                           provider name "op"), "gh" = GitHub stand-in (plain http, provider
#                           name "gh").  Default: op.  Returns 1 with $STACK_SKIP set when the
#                           provider kit cannot run here (callers: skip "...: $STACK_SKIP"; exit 0).
#                           Knobs read here: STACK_TIMEOUT_MS (frontend request_timeout_ms, 5000),
#                           STACK_STORE_EXTRA / STACK_AUTHD_EXTRA / STACK_FRONTEND_EXTRA
#                           (lines appended to those sections), OP_AUTO_LOGIN.
#   stack_up WHAT [op] [gh] stack_init and stack_start for a test script: prints
#                           "SKIP: WHAT: <why>" and exits 0 when the provider kit cannot run
#                           here, "FAIL: stack did not start" and exits 1 when it did not come up.
#   stack_start             starts the providers, store, authd and frontend; waits until
#                           /healthz says ok and every provider is ready (at most ~30 s).
#                           Returns 1 (with the reason on stderr) if something did not come up.
# Variables after stack_init
#   STACK_URL   http://127.0.0.1:PORT (the frontend; also public_url)
#   STACK_METRICS_URL  http://127.0.0.1:PORT2, the frontend's metrics_listen (GET /metrics)
#   STACK_PORT  STACK_CONF  STACK_DIR ($T/stack)  STORE_SOCK  AUTHD_SOCK
#   STORE_PID  AUTHD_PID  FRONTEND_PID   (current processes)
#   IDP_OP_LOG / IDP_GH_LOG / IDP_OP_ISSUER / IDP_GH_URL (from lib_idp.sh)
# The store and authd run on lib.sh's test clock when clock_setup was called before they
# start (the frontend keeps no wall-clock time, only monotonic deadlines and rate limits).
# Stopping and restarting one daemon (each start gets a new log: store.log, store-2.log, ...)
#   stack_start_store | stack_stop_store | stack_start_authd | stack_stop_authd
#   stack_start_frontend | stack_stop_frontend          (stop = SIGTERM, wait, exit status)
#   stack_kill NAME         SIGKILL store|authd|frontend (no clean shutdown)
# Browsing with curl (a cookie jar per "browser"; every call bounded by --max-time 10)
#   sc JAR ARGS...          curl -sS with the jar (read and written), against $STACK_URL paths:
#                           e.g. sc "$JAR" -o /dev/null -w '%{http_code}' "$STACK_URL/"
#   st_code JAR PATH [ARGS...]        HTTP status of GET PATH (ARGS go to curl)
#   st_get JAR PATH [ARGS...]         body of GET PATH
#   st_csrf JAR             the CSRF token of the signed-in session (from the counter page)
#   st_post JAR PATH [FIELD=VALUE...] POST a form with the session's CSRF token and a
#                           same-origin Origin; prints "CODE LOCATION"
#   st_count JAR            the count shown on the counter page
#   stack_login JAR [USER] [PROVIDER]
#                           full browser sign-in through the provider's own login forms;
#                           prints the final "CODE LOCATION" of /auth_redirect (303 /).
#                           (Approving a pairing: cli_pair_approve in lib_cli.sh.)
#   stack_authorize_url JAR [PROVIDER] [QUERY]  just the provider URL /login/PROVIDER sends to
#   stack_provider_login URL [USER] [PROVIDER]  the provider part: prints the redirect back
#   st_cookie JAR           the session cookie value in JAR ("" if none)
# AIRLOCK_STORE_BACKEND=postgresql: the store keeps its data in a PostgreSQL of the
# test's own (lib_pg.sh's cluster "stack", started by stack_init) instead of LMDB.

: "${AIRLOCK_SRC:?source tests/lib.sh first}"
. "$AIRLOCK_SRC/tests/lib_idp.sh"
if [ "${AIRLOCK_STORE_BACKEND:-lmdb}" = postgresql ]; then
	. "$AIRLOCK_SRC/tests/lib_pg.sh"
fi

STACK_SKIP=
STACK_PROVIDERS=

stack_init() {
	local p pub
	STACK_PROVIDERS=${*:-op}
	STACK_DIR=$T/stack
	mkdir -p "$STACK_DIR/secrets" "$STACK_DIR/authd-state"
	chmod 700 "$STACK_DIR/secrets" "$STACK_DIR/authd-state"
	if ! idp_setup; then STACK_SKIP=$IDP_SKIP; return 1; fi
	case " $STACK_PROVIDERS " in *" op "*) idp_tls_setup || { STACK_SKIP="test CA"; return 1; } ;; esac
	STACK_PORT=$(free_port)
	STACK_URL=http://127.0.0.1:$STACK_PORT
	STACK_METRICS_PORT=$(free_port)
	while [ "$STACK_METRICS_PORT" = "$STACK_PORT" ]; do STACK_METRICS_PORT=$(free_port); done
	STACK_METRICS_URL=http://127.0.0.1:$STACK_METRICS_PORT
	STORE_SOCK=$STACK_DIR/store.sock
	AUTHD_SOCK=$STACK_DIR/authd.sock
	STACK_CONF=$STACK_DIR/airlock.conf
	STACK_STORE_DB="database = $STACK_DIR/store.db"
	if [ "${AIRLOCK_STORE_BACKEND:-lmdb}" = postgresql ]; then
		[ -d "$T/pg-stack" ] || pg_start stack ||
			{ STACK_SKIP="PostgreSQL did not start (see $T/pg-stack)"; return 1; }
		STACK_STORE_DB=$(printf 'backend = postgresql\npostgresql = %s\npostgresql_password_file = %s' \
			"$(pg_conninfo stack)" "$T/pg-stack.pw")
	fi
	pub=$("$BIN/airlock-authd" -k "$STACK_DIR/secrets/signing.key" | sed -n 's/^proof_public_key = //p')
	[ -n "$pub" ] || { echo "stack: airlock-authd -k printed no key" >&2; return 1; }
	STACK_OP_SECRET=op-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	STACK_GH_SECRET=gh-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	(umask 077
	 printf '%s\n' "$STACK_OP_SECRET" >"$STACK_DIR/secrets/op.client_secret"
	 printf '%s\n' "$STACK_GH_SECRET" >"$STACK_DIR/secrets/gh.client_secret")
	cat >"$STACK_CONF" <<-EOC
	[airlock]
	public_url = $STACK_URL
	frontend_user = $(id -un)

	[frontend]
	user = $(id -un)
	listen = 127.0.0.1:$STACK_PORT
	metrics_listen = 127.0.0.1:$STACK_METRICS_PORT
	request_timeout_ms = ${STACK_TIMEOUT_MS:-5000}
	${STACK_FRONTEND_EXTRA:-}

	[store]
	user = $(id -un)
	socket = $STORE_SOCK
	$STACK_STORE_DB
	proof_public_key = $pub
	${STACK_STORE_EXTRA:-}

	[authd]
	user = $(id -un)
	socket = $AUTHD_SOCK
	state_dir = $STACK_DIR/authd-state
	secrets_dir = $STACK_DIR/secrets
	${IDP_CA:+ca_file = $IDP_CA}
	$(case " $STACK_PROVIDERS " in *" gh "*) echo "allow_insecure_loopback = yes";; esac)
	$(case " $STACK_PROVIDERS " in *" op "*) echo "default_redirect_provider = op";; esac)
	${STACK_AUTHD_EXTRA:-}
	EOC
	chmod 644 "$STACK_CONF"
}

stack_up() { # WHAT [PROVIDERS...]
	local what=$1; shift
	stack_init "$@" || { skip "$what: $STACK_SKIP"; exit 0; }
	stack_start || { fail "stack did not start"; exit 1; }
}

# Provider sections need the provider's port: written once it runs.
_stack_providers_start() {
	local p
	for p in $STACK_PROVIDERS; do
		case $p in
		op)
			OP_CLIENT_SECRET=$STACK_OP_SECRET OP_REDIRECT_URIS="$STACK_URL/auth_redirect" \
				idp_start_op || return 1
			printf '\n[provider.op]\ntype = oidc\ndisplay_name = Test OP\nissuer = %s\nclient_id = test-client\n' \
				"$IDP_OP_ISSUER" >>"$STACK_CONF" ;;
		gh)
			GH_CLIENT_SECRET=$STACK_GH_SECRET GH_CALLBACK="$STACK_URL/auth_redirect" \
				idp_start_gh || return 1
			printf '\n[provider.gh]\ntype = github\ndisplay_name = GitHub (stand-in)\nclient_id = gh-client\nauthorize_url = %s/login/oauth/authorize\ntoken_url = %s/login/oauth/access_token\napi_url = %s\n' \
				"$IDP_GH_URL" "$IDP_GH_URL" "$IDP_GH_URL" >>"$STACK_CONF" ;;
		*) echo "stack: unknown provider $p" >&2; return 1 ;;
		esac
	done
}

_stack_log() { # NAME -> next free log name (NAME, NAME-2, ...)
	local n=$1 i=2
	[ -e "$T/$n.log" ] || { echo "$n"; return; }
	while [ -e "$T/$n-$i.log" ]; do i=$((i + 1)); done
	echo "$n-$i"
}

stack_start_store() {
	bg "$(_stack_log store)" "${CLOCK_RUN[@]}" "$BIN/airlock-store" -d -v -f "$STACK_CONF"
	STORE_PID=$LAST_PID
	wait_socket "$STORE_SOCK" 10
}
stack_start_authd() {
	bg "$(_stack_log authd)" "${CLOCK_RUN[@]}" "$BIN/airlock-authd" -d -v -f "$STACK_CONF"
	AUTHD_PID=$LAST_PID
	wait_socket "$AUTHD_SOCK" 10
}
stack_start_frontend() {
	bg "$(_stack_log frontend)" "$BIN/airlock-frontend" -d -v -f "$STACK_CONF"
	FRONTEND_PID=$LAST_PID
	wait_port "$STACK_PORT" 10
}
_stack_stop() { # PID
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for i in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
stack_stop_store() { rm -f "$STORE_SOCK"; _stack_stop "$STORE_PID"; }
stack_stop_authd() { _stack_stop "$AUTHD_PID"; rm -f "$AUTHD_SOCK"; }
stack_stop_frontend() { _stack_stop "$FRONTEND_PID"; }
stack_kill() {
	local pid
	case $1 in store) pid=$STORE_PID;; authd) pid=$AUTHD_PID;; frontend) pid=$FRONTEND_PID;; esac
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	case $1 in store) rm -f "$STORE_SOCK";; authd) rm -f "$AUTHD_SOCK";; esac
	return 0
}

_stack_ready() {
	local p
	curl -sS --max-time 2 "$STACK_URL/healthz" 2>/dev/null | grep -q '^ok$' || return 1
	for p in $STACK_PROVIDERS; do
		curl -sS --max-time 2 "$STACK_URL/login" 2>/dev/null | grep -q "href=\"/login/$p\"" || return 1
	done
}

stack_start() {
	[ -n "${STACK_DIR:-}" ] || stack_init || return 1
	rm -f "$STORE_SOCK" "$AUTHD_SOCK"
	_stack_providers_start || { echo "stack: a provider did not start" >&2; return 1; }
	stack_start_store || { echo "stack: store did not start" >&2; return 1; }
	stack_start_authd || { echo "stack: authd did not start" >&2; return 1; }
	stack_start_frontend || { echo "stack: frontend did not start" >&2; return 1; }
	_stack_wait 30 _stack_ready || { echo "stack: not ready within 30 s" >&2; return 1; }
}

# _stack_wait SECONDS command...: poll until it succeeds, bounded in wall-clock time.
_stack_wait() {
	local end=$((SECONDS + $1)); shift
	while [ "$SECONDS" -lt "$end" ]; do "$@" && return 0; sleep 0.1; done
	return 1
}

# ---------------------------------------------------------------- browsing

sc() { local jar=$1; shift; curl -sS --max-time 10 -b "$jar" -c "$jar" "$@"; }
st_code() { local jar=$1 p=$2; shift 2; sc "$jar" -o /dev/null -w '%{http_code}' "$@" "$STACK_URL$p"; }
st_get() { local jar=$1 p=$2; shift 2; sc "$jar" "$@" "$STACK_URL$p"; }
st_csrf() { st_get "$1" / | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1; }
st_count() { st_get "$1" / | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p' | head -1; }
st_cookie() { awk '$6 == "session" || $6 == "__Host-session" { v = $7 } END { print v }' "$1" 2>/dev/null; }

st_post() { # JAR PATH [FIELD=VALUE...]
	local jar=$1 p=$2 csrf a args=(); shift 2
	csrf=$(st_csrf "$jar")
	for a in "$@"; do args+=(--data-urlencode "$a"); done
	sc "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' -H "Origin: $STACK_URL" \
		--data-urlencode "csrf=$csrf" "${args[@]}" "$STACK_URL$p"
}

stack_authorize_url() { # JAR [PROVIDER] [QUERY]
	sc "$1" -o /dev/null -w '%{redirect_url}' "$STACK_URL/login/${2:-op}${3:+?$3}"
}

stack_provider_login() { # URL [USER] [PROVIDER]
	case ${3:-op} in
	op) idp_op_login "$1" "${2:-alice}" ;;
	gh) idp_gh_login "$1" "${2:-octocat}" ;;
	esac
}

stack_login() { # JAR [USER] [PROVIDER]
	local jar=$1 user=${2:-alice} prov=${3:-op} url back
	url=$(stack_authorize_url "$jar" "$prov")
	[ -n "$url" ] || { echo "stack_login: /login/$prov gave no redirect" >&2; return 1; }
	back=$(stack_provider_login "$url" "$user" "$prov")
	[ -n "$back" ] || { echo "stack_login: provider login failed" >&2; return 1; }
	sc "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' "$back"
}
