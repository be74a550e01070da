# Helpers shared by the benchmark scripts; source after tests/lib.sh and
# tests/lib_stack.sh, once stack_init has run.
#
#   bench_many_sessions USER N
#       one user holding N live sessions: 1 web session (its cookie value,
#       base64url of the token, is printed) and N - 1 command-line sessions,
#       all created through the store's socket with tests/tools/storec and a
#       login proof signed with the stack's own proof key (authd's
#       signing.key), the path a sign-in takes into the store.  The store's
#       cap max_sessions_per_user must allow N (STACK_STORE_EXTRA).
#   bench_token_hex COOKIE   the session token in hex (storec's form)
#   bench_daemons_as_deployed
#       makes stack_start (tests/lib_stack.sh) start the daemons without -v,
#       as deployed (the frontend logs every answer at -v); authd through
#       $AUTHD_WRAP when set (a wrapper that exits with authd)

# storec wants the raw libsodium secret key: the 32-byte seed, then the public key.
_bench_sk() {
	local sk=$T/bench-proof.sk pub
	[ -f "$sk" ] && { echo "$sk"; return; }
	pub=$(sed -n 's/^proof_public_key = //p' "$STACK_CONF" | head -1)
	(umask 077
	 python3 - "$STACK_DIR/secrets/signing.key" "$pub" "$sk" <<-'EOP'
	import base64, sys
	def d(s):
	    s = s.strip()
	    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
	seed = d(open(sys.argv[1]).read())
	pk = d(sys.argv[2])
	assert len(seed) == 32 and len(pk) == 32
	open(sys.argv[3], "wb").write(seed + pk)
	EOP
	) || return 1
	echo "$sk"
}

bench_token_hex() {
	python3 -c 'import base64, sys
s = sys.argv[1]; print(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).hex())' "$1"
}

bench_many_sessions() { # USER N
	local user=$1 n=$2 sk out tok i j ok
	sk=$(_bench_sk) || { echo "bench: no proof key" >&2; return 1; }
	out=$("$BIN/tools/storec" "$STORE_SOCK" login "$sk" "$user" "Bench $user" bench-web) || return 1
	set -- $out
	[ "$1" = ok ] || { echo "bench: web session for $user: $out" >&2; return 1; }
	tok=$2
	# A login proof is spent by the SESSION_CREATE that takes it and lives
	# PROOF_TTL (2 minutes): proofs are signed 50 at a time, each batch
	# created 8 at a time so that the store's group commit shares the fsyncs.
	ok=0
	for ((i = 1; i < n; i += 50)); do
		for ((j = i; j < n && j < i + 50; j++)); do
			"$BIN/tools/storec" - sign "$sk" "$user" "Bench $user" || return 1
		done >"$T/bench-proofs"
		ok=$((ok + $(xargs -P 8 -I{} "$BIN/tools/storec" "$STORE_SOCK" create {} 2 bench-cli \
			<"$T/bench-proofs" | grep -c '^ok ')))
	done
	[ "$ok" = $((n - 1)) ] || { echo "bench: $ok of $((n - 1)) command-line sessions created" >&2; return 1; }
	python3 -c 'import base64, sys
print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$tok"
}

bench_daemons_as_deployed() {
	stack_start_store() {
		bg "$(_stack_log store)" "$BIN/airlock-store" -d -f "$STACK_CONF"
		STORE_PID=$LAST_PID
		wait_socket "$STORE_SOCK" 10
	}
	stack_start_authd() {
		# shellcheck disable=SC2086
		bg "$(_stack_log authd)" ${AUTHD_WRAP:-} "$BIN/airlock-authd" -d -f "$STACK_CONF"
		AUTHD_PID=$LAST_PID
		wait_socket "$AUTHD_SOCK" 30
	}
	stack_start_frontend() {
		bg "$(_stack_log frontend)" "$BIN/airlock-frontend" -d -f "$STACK_CONF"
		FRONTEND_PID=$LAST_PID
		wait_port "$STACK_PORT" 10
	}
}
