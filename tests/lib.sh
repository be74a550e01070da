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
# expect_within SECS "what" expected command...: polls the command (every 0.1 s, at most
# SECS seconds) until it prints expected; fails with the last output otherwise
expect_within() {
	local secs=$1 what=$2 want=$3 got end; shift 3
	end=$((SECONDS + secs))
	while got=$("$@"); [ "$got" != "$want" ] && [ "$SECONDS" -lt "$end" ]; do sleep 0.1; done
	expect_eq "$what" "$want" "$got"
}
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

# rand_hex BYTES / rand_b64url BYTES: that many random bytes, as hex / unpadded base64url.
rand_hex() { head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }
rand_b64url() { head -c "$1" /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='; }
# json_get KEY: the value of KEY in the JSON object on stdin ("" when absent).
json_get() { python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }

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

# A clock the test moves forward instead of sleeping (libfaketime, Debian package
# faketime).  A daemon started with "${CLOCK_RUN[@]}" in front of its command line
# sees the wall clock (time, gettimeofday, CLOCK_REALTIME) plus an offset that it
# reads from $CLOCK_FILE at every call; monotonic clocks (libevent's timers, the
# frontend's rate limits and request deadlines) keep running at the real pace.
#   clock_setup        sets CLOCK_RUN and CLOCK_FILE (offset 0); returns 1 with the
#                      reason in $CLOCK_SKIP when libfaketime is not installed
#   clock_advance SECS moves every daemon on that clock SECS seconds forward
: "${FAKETIME_LIB:=/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)/faketime/libfaketime.so.1}"
CLOCK_RUN=() CLOCK_SKIP= CLOCK_OFFSET=0
clock_setup() {
	[ -f "$FAKETIME_LIB" ] || { CLOCK_SKIP="$FAKETIME_LIB missing (tests/deps.sh test installs faketime)"; return 1; }
	CLOCK_FILE=$T/clock.offset CLOCK_OFFSET=0
	echo "+0" >"$CLOCK_FILE"
	# The ASan runtime refuses to come after a preloaded library unless told so
	# (AIRLOCK_BUILD=asan); the normal build ignores ASAN_OPTIONS.
	CLOCK_RUN=(env LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$CLOCK_FILE"
		FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
}
clock_advance() {
	CLOCK_OFFSET=$((CLOCK_OFFSET + $1))
	echo "+$CLOCK_OFFSET" >"$CLOCK_FILE.tmp" && mv -f "$CLOCK_FILE.tmp" "$CLOCK_FILE"
}
