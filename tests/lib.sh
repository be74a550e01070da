# Shared shell helpers for tests/t_*.sh.  Source it; it sets up a private temp
# directory, kills everything started with `bg` on exit, and checks daemon logs
# for sanitizer findings.  Results: pass/fail lines read by tests/run.sh.
set -u
: "${AIRLOCK_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BIN:=$AIRLOCK_SRC/build/normal}"
T=$(mktemp -d /tmp/airlock-test.XXXXXX)
chmod 755 "$T"
T_PIDS=()
T_FAILS=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; T_FAILS=$((T_FAILS + 1)); }
skip() { echo "SKIP: $*"; }
# check "what" command...   -> pass/fail on the command's status
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# expect_eq "what" expected actual
expect_eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi; }
expect_match() { if printf '%s' "$3" | grep -Eq -- "$2"; then pass "$1"; else fail "$1 (no match for /$2/ in '$(printf '%s' "$3" | head -c 300)')"; fi; }

# bg NAME command... : start in background, log to $T/NAME.log, remember the pid in $LAST_PID
bg() { local name=$1; shift; "$@" >"$T/$name.log" 2>&1 & LAST_PID=$!; T_PIDS+=("$LAST_PID"); }

sanitizer_check() {
	local f
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
			fail "sanitizer finding in $(basename "$f")"
			grep -E -A20 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -40
		fi
	done
}

t_cleanup() {
	local p
	for p in "${T_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${T_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	sanitizer_check
	if [ -n "${KEEP_TEST_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap t_cleanup EXIT

# A TCP port free on 127.0.0.1 right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# wait_for WHAT SECONDS command...: poll the command until it succeeds.
wait_for() {
	local what=$1 secs=$2 i; shift 2
	for i in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "timed out waiting for $what" >&2; return 1
}
wait_socket() { wait_for "socket $1" "${2:-10}" test -S "$1"; }
wait_port() { wait_for "port $1" "${2:-10}" bash -c "exec 3<>/dev/tcp/127.0.0.1/$1"; }
