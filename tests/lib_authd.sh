# Helpers for airlock-authd's tests.  Source tests/lib.sh (and lib_idp.sh when a
# provider is needed) first.
#   authd_setup          a fresh $T/authd/{secrets,state}, a signing key, a base config.
#                        Sets AUTHD_DIR AUTHD_CONF AUTHD_SOCK AUTHD_PUBKEY AUTHD_CAPTURE.
#                        Uses IDP_CA as ca_file when set; AUTHD_EXTRA is appended to [authd].
#   authd_secret NAME VALUE   secrets/NAME.client_secret, mode 0600
#   authd_start          starts airlock-authd -d -v (on lib.sh's test clock after
#                        clock_setup), waits for its socket; the log is
#                        $AUTHD_LOG ($T/authd.log, then authd-2.log ... on restarts)
#   authd_stop           SIGTERM and wait (the log is checked for sanitizer findings at exit)
#   authc ARGS...        tests/tools/authc on the socket, verifying proofs with the public
#                        key and appending all bytes authd sends to $AUTHD_CAPTURE;
#                        AUTHC_TIMEOUT (ms, default 10000) bounds each answer; on lib.sh's test clock
#                        after clock_setup, like the daemon
#   kv KEY TEXT          value of the "KEY=value" line in TEXT
#   authd_wait_ready NAME SECS   until PROVIDERS says NAME is ready

authd_setup() {
	AUTHD_DIR=$T/authd
	rm -rf "$AUTHD_DIR"
	mkdir -p "$AUTHD_DIR/secrets" "$AUTHD_DIR/state"
	chmod 700 "$AUTHD_DIR/secrets" "$AUTHD_DIR/state"
	AUTHD_PUBKEY=$("$BIN/airlock-authd" -k "$AUTHD_DIR/secrets/signing.key" |
		sed -n 's/^proof_public_key = //p')
	AUTHD_SOCK=$AUTHD_DIR/authd.sock
	AUTHD_CONF=$AUTHD_DIR/airlock.conf
	AUTHD_CAPTURE=$T/authd-sent.bin
	: >"$AUTHD_CAPTURE"
	cat >"$AUTHD_CONF" <<-EOC
	[airlock]
	public_url = http://127.0.0.1:8000
	frontend_user = $(id -un)

	[authd]
	user = $(id -un)
	socket = $AUTHD_SOCK
	state_dir = $AUTHD_DIR/state
	secrets_dir = $AUTHD_DIR/secrets
	${IDP_CA:+ca_file = $IDP_CA}
	${AUTHD_EXTRA:-}
	EOC
}

authd_secret() {
	(umask 077; printf '%s\n' "$2" >"$AUTHD_DIR/secrets/$1.client_secret")
}

authd_start() {
	rm -f "$AUTHD_SOCK"
	AUTHD_RUNS=$((${AUTHD_RUNS:-0} + 1))
	AUTHD_LOG=$T/authd$([ "$AUTHD_RUNS" -gt 1 ] && echo "-$AUTHD_RUNS").log
	bg "$(basename "$AUTHD_LOG" .log)" "${CLOCK_RUN[@]}" "$BIN/airlock-authd" -d -v -f "$AUTHD_CONF"
	AUTHD_PID=$LAST_PID
	wait_socket "$AUTHD_SOCK" 10
}

authd_stop() {
	kill -TERM "$AUTHD_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$AUTHD_PID" 2>/dev/null || break; sleep 0.1; done
	wait "$AUTHD_PID" 2>/dev/null
}

authc() {
	"${CLOCK_RUN[@]}" "$BIN/tools/authc" -t "${AUTHC_TIMEOUT:-10000}" -p "$AUTHD_PUBKEY" -x "$AUTHD_CAPTURE" \
		"$AUTHD_SOCK" "$@"
}

kv() { printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -1; }

authd_wait_ready() {
	local i
	for i in $(seq $(($2 * 10))); do
		authc providers 2>/dev/null | grep -q "^provider=$1	.*	1\$" && return 0
		sleep 0.1
	done
	return 1
}
