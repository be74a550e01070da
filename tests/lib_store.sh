# Helpers for the store's tests; source after tests/lib.sh.
#   store_keys               test Ed25519 proof key: $T/proof.sk, public half in $PROOF_PK
#   store_conf NAME [LINE..] writes $T/NAME.conf ([store] with its own socket and database)
#   store_start NAME         starts airlock-store on it (on lib.sh's test clock after
#                            clock_setup), waits until it answers; $STORE_PID
#   store_stop PID           SIGTERM, wait; returns the daemon's exit status
#   sc NAME CMD ARGS..       storec against store NAME's socket (on the test clock too:
#                            its proofs carry the time the store sees)
STOREC=$BIN/tools/storec

store_keys() {
	[ -f "$T/proof.sk" ] || PROOF_PK=$("$STOREC" - keygen "$T/proof.sk")
}

store_sock() { echo "$T/run/$1.sock"; }

store_conf() {
	local name=$1 l; shift
	mkdir -p "$T/run"
	chmod 755 "$T/run"
	{
		echo "[airlock]"
		echo "frontend_user = $(id -un)"
		echo "[store]"
		echo "user = $(id -un)"
		echo "socket = $(store_sock "$name")"
		echo "database = $T/$name.db"
		echo "proof_public_key = $PROOF_PK"
		for l in "$@"; do echo "$l"; done
	} >"$T/$name.conf"
}

# store_wait NAME SECONDS: until the store answers a ping (polled every 20 ms)
store_wait() {
	local sock i
	sock=$(store_sock "$1")
	for i in $(seq $(($2 * 50))); do
		"$STOREC" -t 1000 "$sock" ping >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	echo "store $1 did not answer within $2 s" >&2
	return 1
}

store_start() {
	bg "$1" "${CLOCK_RUN[@]}" "$BIN/airlock-store" -d -v -f "$T/$1.conf"
	STORE_PID=$LAST_PID
	store_wait "$1" 20
}

store_stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

sc() {
	local name=$1; shift
	"${CLOCK_RUN[@]}" "$STOREC" "$(store_sock "$name")" "$@"
}

# field N of a line (1-based, space separated)
field() { echo "$2" | cut -d' ' -f"$1"; }
