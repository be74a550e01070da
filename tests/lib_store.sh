# Helpers for the store's tests; source after tests/lib.sh.
#   store_keys               test Ed25519 proof key: $T/proof.sk, public half in $PROOF_PK
#   store_conf NAME [LINE..] writes $T/NAME.conf ([store] with its own socket and database)
#   store_start NAME         starts airlock-store on it (on lib.sh's test clock after
#                            clock_setup), waits until it answers; $STORE_PID
#   store_stop PID           SIGTERM, wait; returns the daemon's exit status
#   store_start_peer NAME USER  store NAME serving USER as the frontend; fe ARGS.. is
#                            storec as USER's uid (the peer check is what is tested)
#   sc NAME CMD ARGS..       storec against store NAME's socket (on the test clock too:
#                            its proofs carry the time the store sees)
# AIRLOCK_STORE_BACKEND=postgresql: each store_conf NAME gets a PostgreSQL of its own
# (lib_pg.sh's cluster NAME, started there) instead of an LMDB directory;
# STORE_PG=CLUSTER puts the stores written from then on on that one cluster instead
# (several stores sharing a database); store_lmdb is true when the backend is LMDB
# (for checks of LMDB's files).
STOREC=$BIN/tools/storec
: "${AIRLOCK_STORE_BACKEND:=lmdb}"
if [ "$AIRLOCK_STORE_BACKEND" = postgresql ]; then
	. "$AIRLOCK_SRC/tests/lib_pg.sh"
fi
store_lmdb() { [ "$AIRLOCK_STORE_BACKEND" != postgresql ]; }

# store_db_lines NAME: the [store] lines naming NAME's database
store_db_lines() {
	if store_lmdb; then
		echo "database = $T/$1.db"
		return
	fi
	local pg=${STORE_PG:-${1//[^A-Za-z0-9_]/_}}
	[ -d "$T/pg-$pg" ] || pg_start "$pg" >&2 || return 1
	echo "backend = postgresql"
	echo "postgresql = $(pg_conninfo "$pg")"
	echo "postgresql_password_file = $T/pg-$pg.pw"
}

store_keys() {
	[ -f "$T/proof.sk" ] || PROOF_PK=$("$STOREC" - keygen "$T/proof.sk")
}

store_sock() { echo "$T/run/$1.sock"; }

# store_start_peer NAME USER: store NAME (and the proof keys) with frontend_user =
# USER and its socket open to everyone, so that the peer check (SO_PEERCRED) is
# what is tested; then `fe ARGS...` is storec speaking to it as USER's uid (FE_UID).
# Returns 2 when USER does not exist, 1 when the store does not start.
store_start_peer() {
	FE_STORE=$1 FE_USER=$2
	FE_UID=$(id -u "$FE_USER") || return 2
	store_keys
	store_conf "$1"
	sed -i "s/^frontend_user = .*/frontend_user = $FE_USER/" "$T/$1.conf"
	store_start "$1" || return 1
	chmod 666 "$(store_sock "$1")"
}
fe() { setpriv --reuid="$FE_UID" --regid="$(id -g "$FE_USER")" --clear-groups \
	"$STOREC" -t 5000 "$(store_sock "$FE_STORE")" "$@"; }

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
		store_db_lines "$name"
		echo "proof_public_key = $PROOF_PK"
		for l in "$@"; do echo "$l"; done
	} >"$T/$name.conf"
}

# store_wait NAME SECONDS: until the store answers a ping ok (polled every 20 ms)
store_wait() {
	local sock i
	sock=$(store_sock "$1")
	for i in $(seq $(($2 * 50))); do
		"$STOREC" -t 1000 "$sock" ping 2>/dev/null | grep -q '^ok' && return 0
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
