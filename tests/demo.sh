#!/usr/bin/env bash
# `make demo`: airlock with its own development OpenID provider, all on 127.0.0.1.
#   - installs devidp's npm packages into build/devidp (once, from devidp/package-lock.json)
#   - makes a demo state dir (build/demo): config from devidp/airlock-demo.conf.in, the
#     authd login-proof key (airlock-authd -k), the provider's client secret (0600)
#   - starts airlock-store, airlock-authd, airlock-frontend and devidp, prints the URL,
#     and stays in the foreground until Ctrl-C, then stops them all.
# Environment: DEMO_PORT (8000), DEMO_IDP_PORT (9090), DEMO_DIR (build/demo),
#   BIN (build/normal), DEMO_CHECK=1 (start, fetch / and /login, stop; exit 0 if all worked).
# Needs only this repository (never ../shared).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$SRC/build/normal}
DIR=${DEMO_DIR:-$SRC/build/demo}
PORT=${DEMO_PORT:-8000}
IDP_PORT=${DEMO_IDP_PORT:-9090}
IDP_DIR=$SRC/build/devidp
CHECK=${DEMO_CHECK:-0}
PIDS=()
NAMES=()
. "$SRC/tests/lib_npm.sh"

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_tools() {
	local p why
	for p in airlock-store airlock-authd airlock-frontend; do
		[ -x "$BIN/$p" ] || die "$BIN/$p is missing: run make first"
	done
	why=$(npm_why_not); [ -z "$why" ] || die "$why"
	command -v curl >/dev/null || die "curl is needed (make demo installs it)"
	for p in "$PORT" "$IDP_PORT"; do
		port_busy "$p" && die "port $p on 127.0.0.1 is in use (set DEMO_PORT / DEMO_IDP_PORT)"
	done
}

# npm ci into build/devidp when the lock file changed or nothing is installed yet.
install_devidp() {
	say "checking devidp's npm packages in $IDP_DIR"
	npm_install "$SRC/devidp" "$IDP_DIR" oidc-provider || die "npm ci failed, see $IDP_DIR/npm.log"
	npm_place "$SRC/devidp/devidp.mjs" "$IDP_DIR" || exit 1
}

make_state() {
	local pub
	umask 077
	mkdir -p "$DIR/run" "$DIR/state/store" "$DIR/state/authd" "$DIR/secrets" "$DIR/logs"
	chmod 700 "$DIR/secrets" "$DIR/state/authd"
	rm -f "$DIR/run/store.sock" "$DIR/run/authd.sock"
	[ -s "$DIR/secrets/dev.client_secret" ] ||
		head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$DIR/secrets/dev.client_secret"
	chmod 600 "$DIR/secrets/dev.client_secret"
	pub=$("$BIN/airlock-authd" -k "$DIR/secrets/signing.key" | sed -n 's/^proof_public_key = //p')
	[ -n "$pub" ] || die "airlock-authd -k printed no proof_public_key"
	sed -e "s|@PORT@|$PORT|g" -e "s|@IDP_PORT@|$IDP_PORT|g" -e "s|@DIR@|$DIR|g" \
	    -e "s|@USER@|$(id -un)|g" -e "s|@PUBKEY@|$pub|g" \
	    "$SRC/devidp/airlock-demo.conf.in" >"$DIR/airlock.conf.tmp" &&
		mv -f "$DIR/airlock.conf.tmp" "$DIR/airlock.conf"
	chmod 644 "$DIR/airlock.conf"
	umask 022
}

start() { # NAME command...
	local name=$1; shift
	"$@" >"$DIR/logs/$name.log" 2>&1 &
	PIDS+=("$!")
	NAMES+=("$name")
}

stop_all() {
	local i
	trap - INT TERM EXIT
	for i in "${!PIDS[@]}"; do kill -TERM "${PIDS[$i]}" 2>/dev/null; done
	for i in "${!PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "${PIDS[$i]}" 2>/dev/null
		wait "${PIDS[$i]}" 2>/dev/null
	done
	PIDS=()
}

wait_until() { # SECONDS what command...
	local secs=$1 what=$2 i; shift 2
	for i in $(seq $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		all_alive || return 1
		sleep 0.1
	done
	say "timed out waiting for $what"
	return 1
}

all_alive() {
	local i
	for i in "${!PIDS[@]}"; do
		if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
			say "${NAMES[$i]} exited; last lines of $DIR/logs/${NAMES[$i]}.log:"
			tail -n 5 "$DIR/logs/${NAMES[$i]}.log" >&2
			return 1
		fi
	done
}

start_all() {
	local conf=$DIR/airlock.conf
	start devidp env DEVIDP_PORT="$IDP_PORT" DEVIDP_CLIENT_ID=airlock-demo \
		DEVIDP_CLIENT_SECRET_FILE="$DIR/secrets/dev.client_secret" \
		DEVIDP_REDIRECT_URIS="http://127.0.0.1:$PORT/auth_redirect/dev" node "$IDP_DIR/devidp.mjs"
	wait_until 20 "devidp" grep -q 'DEVIDP READY' "$DIR/logs/devidp.log" || return 1
	start store "$BIN/airlock-store" -d -f "$conf"
	start authd "$BIN/airlock-authd" -d -f "$conf"
	wait_until 10 "store socket" test -S "$DIR/run/store.sock" || return 1
	wait_until 10 "authd socket" test -S "$DIR/run/authd.sock" || return 1
	start frontend "$BIN/airlock-frontend" -d -f "$conf"
	wait_until 10 "frontend on port $PORT" port_busy "$PORT" || return 1
}

# DEMO_CHECK=1: the pages answer, then everything stops.
check_pages() {
	local url=http://127.0.0.1:$PORT ok=0 code loc body
	read -r code loc < <(curl -sS -o /dev/null -m 10 -w '%{http_code} %{redirect_url}\n' "$url/")
	if [ "$code" = 303 ] && [[ $loc == */login ]]; then echo "PASS: demo: / redirects to /login"
	else echo "FAIL: demo: / answered $code $loc"; ok=1; fi
	body=$(curl -sS -m 10 "$url/login")
	if printf '%s' "$body" | grep -q '/login/dev'; then echo "PASS: demo: /login offers the dev provider"
	else echo "FAIL: demo: /login has no /login/dev button"; ok=1; fi
	read -r code loc < <(curl -sS -o /dev/null -m 10 -w '%{http_code} %{redirect_url}\n' "$url/login/dev")
	if [ "$code" = 303 ] && [[ $loc == "http://127.0.0.1:$IDP_PORT/auth?"* ]]; then
		echo "PASS: demo: /login/dev redirects to devidp"
	else echo "FAIL: demo: /login/dev answered $code $loc"; ok=1; fi
	return $ok
}

check_tools
install_devidp
make_state
trap 'say "stopping"; stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT
if ! start_all; then
	stop_all
	die "could not start everything (logs in $DIR/logs)"
fi
if [ "$CHECK" = 1 ]; then
	check_pages; rc=$?
	stop_all
	exit $rc
fi
cat >&2 <<MSG

  airlock demo is running:  http://127.0.0.1:$PORT/

  Sign in with "Dev IdP": any user name and password are accepted.
  CLI pairing:  $BIN/airlock login --server http://127.0.0.1:$PORT
  Logs: $DIR/logs/   Config: $DIR/airlock.conf
  Press Ctrl-C to stop.

MSG
echo "http://127.0.0.1:$PORT/"
while all_alive; do sleep 1; done
say "a process stopped; shutting down the demo"
exit 1
