#!/usr/bin/env bash
# A full database, seen from the web: the store's LMDB map full (map_size_mb = 1),
# then the disk full (the database on a 3 MiB tmpfs with a 64 MiB map; skipped
# when mount is not permitted).  Each time: writes are answered 507 "Storage
# full" (never 500, never a crash), reads keep working, the store and the
# frontend keep serving, the database opens cleanly (mdb_stat), and once there
# is room again (bigger map / bigger disk) the same session and count are there
# and writes work again.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_fault.sh"
if [ "${AIRLOCK_STORE_BACKEND:-lmdb}" = postgresql ]; then
	skip "fault full: LMDB's map and the disk under its file (backend postgresql)"
	exit 0
fi

STACK_STORE_EXTRA="map_size_mb = 1
max_pending_paircodes = 1000000
max_pending_paircodes_per_addr = 1000000"
# Pairings one after another until the store is full: no per-address rate limit.
STACK_FRONTEND_EXTRA="rate_limit_burst = 0"
stack_init op || { skip "fault full: $STACK_SKIP"; exit 0; }
DB=$STACK_DIR/store.db
mkdir -m 700 "$DB"
MOUNTED=
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=3m,mode=0700 airlock-fault "$DB" 2>"$T/mount.err"; then
	MOUNTED=1
else
	MOUNT_WHY=$( [ "$(id -u)" = 0 ] && head -c 200 "$T/mount.err" || echo "not root")
fi
full_cleanup() { # the store first: the mount is not busy then, and $T can be removed
	[ -n "${STORE_PID:-}" ] && _stack_stop "$STORE_PID"
	[ -n "$MOUNTED" ] && umount -l "$DB"
	t_cleanup
}
trap full_cleanup EXIT
stack_start || { fail "stack did not start"; exit 1; }
U=$STACK_URL A=$T/a.jar
expect_eq "sign in" "303 $U/" "$(stack_login "$A" alice)"
expect_eq "increment" "303 $U/" "$(st_post "$A" /increment back=1)"

storec() { "$BIN/tools/storec" -t 10000 "$STORE_SOCK" "$@"; }
CSRF=$(st_csrf "$A")
inc() { sc "$A" -o "$T/inc.body" -w '%{http_code}' -H "Origin: $U" -H 'Accept: application/json' \
	-d "csrf=$CSRF" "$U/increment"; }
pair_code() { curl -sS --max-time 10 -o "$T/pair.body" -w '%{http_code}' "$U/cli_login?paircode=$1"; }
# fill WHAT: pair-create floods, in smaller and smaller batches (a big batch fails
# as a whole), until ten pairings no longer fit (at most 300 floods a size).  Single
# writes may go on fitting in pages LMDB frees for a while; the frontend loop below
# writes one at a time until the 507.
fill() {
	local i n out
	for n in 2000 200 50 10; do
		i=0
		while i=$((i + 1)); [ "$i" -le 300 ]; do
			out=$(storec pair-flood "fill-$1-$n-$i-" "$n")
			echo "$out" >>"$T/fill.out"
			case $out in *full=*) break;; *ok=*) ;; *) return 1;; esac
		done
		[ "$i" -le 300 ] || return 1
	done
}
full_checks() { # WHAT
	local c i codes=
	check "[$1] filled until nothing more fits" fill "$1"
	expect_match "[$1] the flood was answered ok or full, nothing else" '^(ok=[0-9]+ )?full=[0-9]+ $' \
		"$(tail -n 1 "$T/fill.out")"
	# At the edge LMDB may go on fitting single small writes in the pages it frees
	# (the floods above proved the full answer): each write through the frontend
	# answers 200 or 507 with a clear page, nothing else.
	for i in $(seq 40); do
		c=$(pair_code "abcdefghijklmnopqrstuvwxyz-$1-$i")
		codes="$codes$c "
		[ "$c" = 507 ] && break
	done
	expect_match "[$1] new pairings through the frontend: 200 until a 507, nothing else" \
		'^(200 )*(507 )?$' "$codes"
	case $codes in
	*507*) expect_match "[$1] ...the 507 is a clear page" "Storage full" "$(cat "$T/pair.body")" ;;
	*) pass "[$1] ...40 single pairings still fitted in freed pages (the floods got the full answer)" ;;
	esac
	codes=
	for _ in 1 2 3 4 5; do codes="$codes$(inc) "; done
	expect_match "[$1] increments answer 200 or 507, nothing else ($codes)" '^((200|507) )+$' "$codes"
	expect_eq "[$1] reads work: /secured" op:alice "$(st_get "$A" /secured)"
	expect_eq "[$1] reads work: the counter page" 200 "$(st_code "$A" /)"
	expect_eq "[$1] /healthz still ok" ok "$(curl -sS --max-time 10 "$U/healthz" | head -1)"
	kill -0 "$STORE_PID" 2>/dev/null && pass "[$1] the store is still running" || fail "[$1] the store died"
	COUNT=$(st_count "$A")
	stack_stop_store
	mdb_stat -a "$DB" >"$T/mdb_stat.out" 2>&1 && grep -q "Status of pairs" "$T/mdb_stat.out" &&
		pass "[$1] the database opens cleanly (mdb_stat)" ||
		fail "[$1] the database opens cleanly: $(head -3 "$T/mdb_stat.out")"
}
room_checks() { # WHAT
	stack_start_store || fail "[$1] store restarts"
	check "[$1] ready again" _stack_wait 15 _stack_ready
	expect_eq "[$1] the session survived" op:alice "$(st_get "$A" /secured)"
	expect_eq "[$1] the count survived ($COUNT)" "$COUNT" "$(st_count "$A")"
	expect_eq "[$1] increments work again" 200 "$(inc)"
	expect_eq "[$1] new pairings work again" 200 "$(pair_code "zyxwvutsrqponmlkjihgfedcba$RANDOM")"
}

group "full: LMDB map full"
full_checks map
expect_match "[map] MDB_MAP_FULL is logged" "MDB_MAP_FULL" "$(cat "$T"/store*.log)"
sed -i 's/^map_size_mb = 1$/map_size_mb = 64/' "$STACK_CONF"
if [ -z "$MOUNTED" ]; then
	room_checks map
	group_end
	skip "fault group disk full (cannot mount a small tmpfs: $MOUNT_WHY)"
	exit 0
fi
# the map is now larger than the 3 MiB disk under it
room_checks map
group_end

group "full: disk full (3 MiB tmpfs under a 64 MiB map)"
full_checks disk
expect_match "[disk] no space left is logged" "No space left on device" "$(cat "$T"/store*.log)"
mount -o remount,size=16m "$DB" || fail "[disk] remount bigger"
room_checks disk
group_end
expect_eq "no 500 answered" 0 "$(cat "$T"/frontend*.log | grep -c -- '-> 500$')"
exit 0
