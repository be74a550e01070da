#!/usr/bin/env bash
# The PostgreSQL backend's benchmark (part of `make bench`).  One throwaway
# PostgreSQL 15 (tests/lib_pg.sh: default settings but max_connections, on
# the file system of the LMDB database; fsync and synchronous_commit are
# checked on), then, in one run, each figure a ratio to a baseline measured
# in the same run, the two taking turns in slices so that both meet the same
# disk and the same load from the machine's other users:
#
#   store   durable increments/s of the store with backend = postgresql,
#           driven through its socket by bench_store (CONNS clients, one
#           increment of one user's counter in flight each; the store
#           shares commits among them), against bench/pg_baseline: UPDATE
#           ... SET counter = counter + 1 through libpq, each its own
#           transaction (one commit per increment), on a table in a database
#           of its own in the same cluster, three ways: 1 connection on one
#           row (increment, commit, flush, in turn), CONNS connections on one
#           row (one counter, as the store's clients; the row lock makes each
#           wait for the previous commit) and CONNS connections on a row each
#           (PostgreSQL's own WAL flushes then carry several backends'
#           commits).  The target's ratio is to the faster of the two
#           one-counter baselines; the ratio to a row each is printed next
#           to it.  2 x SLICES half-slices of SLICE / 2 seconds each kind,
#           in turn (the disk's flush rate swings within seconds).
#   stack   the whole stack's durable POST /increment (wrk -c CONNS --latency,
#           bench/increment.lua, as bench/run.sh) with backend = postgresql
#           against the same with backend = lmdb: two stacks (store, authd,
#           frontend each), both up all along, SLICES wrk runs of SLICE
#           seconds each in turn; the ratio, and p50/p99 of each (medians of
#           the slices').
#
# Usage: bench/pg.sh [--smoke]
#   SLICES   slices per figure (default 5; --smoke: 1)
#   SLICE    seconds per slice (default 1; whole seconds, as wrk takes them)
#   CONNS    clients / wrk connections (default 64; --smoke: 16, which
#            PostgreSQL's default max_connections holds without a restart)
#   THREADS  wrk threads (default 2)
#   BIN      build to measure (default build/normal)
# The sessions are made through the stores' sockets with login proofs signed
# by the stack's own key (bench/lib_bench.sh); nobody signs in through the
# test provider, which runs because authd's configuration names it.
#
# Printed: both tables; every counter checked against the increments
# acknowledged; the targets as met / MISSED (informational: no exit status).
# Exits non-zero if PostgreSQL or a stack does not start, a figure is
# missing, an error answer or a failed increment was seen, or a counter
# disagrees with what was acknowledged.
set -u
cd "$(dirname "$0")/.." || exit 1
export AIRLOCK_SRC=$PWD
SMOKE=0
case ${1:-} in
--smoke) SMOKE=1 ;;
"") ;;
*) echo "usage: bench/pg.sh [--smoke]" >&2; exit 2 ;;
esac
SLICES=${SLICES:-5}
[ "$SMOKE" = 1 ] && SLICES=1
SLICE=${SLICE:-1}
CONNS=${CONNS:-64}
[ "$SMOKE" = 1 ] && CONNS=16
THREADS=${THREADS:-2}
TARGET_STORE=10
export BIN=${BIN:-$PWD/build/normal}

case $SLICES in ''|*[!0-9]*|0) echo "bench/pg.sh: SLICES must be a whole number >= 1" >&2; exit 2 ;; esac
case $SLICE in ''|*[!0-9]*|0) echo "bench/pg.sh: SLICE must be whole seconds >= 1" >&2; exit 2 ;; esac
command -v wrk >/dev/null || { echo "bench/pg.sh: wrk is not installed (make deps)" >&2; exit 1; }
for f in airlock-store airlock-authd airlock-frontend bench/bench_store bench/pg_baseline tools/storec; do
	[ -x "$BIN/$f" ] || { echo "bench/pg.sh: $BIN/$f missing: run make" >&2; exit 1; }
done

. tests/lib.sh
. tests/lib_stack.sh
. tests/lib_pg.sh
. bench/lib_bench.sh
[ -x "$PG_BIN/postgres" ] || { echo "bench/pg.sh: no PostgreSQL 15 in $PG_BIN (make deps)" >&2; exit 1; }
STACK_FRONTEND_EXTRA="max_conns_per_addr = 0"
bench_daemons_as_deployed

die() {
	local f
	echo "bench/pg.sh: $*" >&2
	for f in "$T"/*.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -5 "$f" >&2; }
	done
	exit 1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# ------------------------------------------------------------------ PostgreSQL

# Room for the baseline's CONNS connections next to the store's.
pg_start bench || die "PostgreSQL did not start"
if [ "$(pg_psql bench "SHOW max_connections")" -lt $((CONNS + 40)) ]; then
	pg_psql bench "ALTER SYSTEM SET max_connections = $((CONNS + 40))" >/dev/null ||
		die "cannot configure PostgreSQL"
	pg_stop bench && pg_start bench || die "PostgreSQL did not restart"
fi
PG_SETTINGS=$(pg_psql bench "SELECT current_setting('server_version') || ', fsync ' ||
	current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit') ||
	', wal_sync_method ' || current_setting('wal_sync_method') || ', commit_delay ' ||
	current_setting('commit_delay') || ', max_connections ' || current_setting('max_connections')")
# Durable commits, or the figures mean nothing.
[ "$(pg_psql bench "SELECT current_setting('fsync') || current_setting('synchronous_commit')")" = onon ] ||
	die "PostgreSQL runs without fsync or synchronous_commit"
PG_CONNINFO=$(pg_conninfo bench)
PG_PW=$T/pg-bench.pw
# The baseline's table, in a database of its own.
PG_DB=postgres pg_psql bench "CREATE DATABASE airlock_bench OWNER airlock_store" >/dev/null &&
	PG_DB=airlock_bench pg_psql bench "CREATE TABLE bench_counter (id integer PRIMARY KEY,
		counter bigint NOT NULL); INSERT INTO bench_counter SELECT g, 0 FROM generate_series(1, $CONNS) g;
		ALTER TABLE bench_counter OWNER TO airlock_store" >/dev/null ||
	die "cannot create the baseline's table"
BASE_CONNINFO=${PG_CONNINFO/dbname=airlock /dbname=airlock_bench }
[ "$BASE_CONNINFO" != "$PG_CONNINFO" ] || die "no dbname=airlock in '$PG_CONNINFO'"

# ------------------------------------------------------------------ stacks

# The LMDB stack: tests/lib_stack.sh (the test OpenID provider stays the one
# provider both configurations name; nobody signs in through it here).
stack_init op || die "cannot set up the stack: $STACK_SKIP"
stack_start || die "the stack (lmdb) did not start"
L_URL=$STACK_URL L_METRICS=$STACK_METRICS_URL L_SOCK=$STORE_SOCK

# The PostgreSQL stack: the same configuration with its own ports, sockets,
# authd state and backend = postgresql.
P_DIR=$T/stack-pg
mkdir -p "$P_DIR/authd-state" && chmod 700 "$P_DIR/authd-state"
P_PORT=$(free_port)
P_METRICS_PORT=$(free_port)
while [ "$P_METRICS_PORT" = "$P_PORT" ]; do P_METRICS_PORT=$(free_port); done
P_URL=http://127.0.0.1:$P_PORT P_METRICS=http://127.0.0.1:$P_METRICS_PORT
P_SOCK=$P_DIR/store.sock P_AUTHD_SOCK=$P_DIR/authd.sock P_CONF=$P_DIR/airlock.conf
awk -v url="$P_URL" -v port="$P_PORT" -v mport="$P_METRICS_PORT" -v ssock="$STORE_SOCK" \
	-v psock="$P_SOCK" -v asock="$AUTHD_SOCK" -v pasock="$P_AUTHD_SOCK" -v state="$P_DIR/authd-state" \
	-v conninfo="$PG_CONNINFO" -v pw="$PG_PW" '
	$1 == "public_url" { $0 = "public_url = " url }
	$1 == "listen" { $0 = "listen = 127.0.0.1:" port }
	$1 == "metrics_listen" { $0 = "metrics_listen = 127.0.0.1:" mport }
	$1 == "socket" && $3 == ssock { $0 = "socket = " psock }
	$1 == "socket" && $3 == asock { $0 = "socket = " pasock }
	$1 == "state_dir" { $0 = "state_dir = " state }
	$1 == "database" { $0 = "backend = postgresql\npostgresql = " conninfo "\npostgresql_password_file = " pw }
	{ print }' "$STACK_CONF" >"$P_CONF" || die "cannot write $P_CONF"
grep -q '^backend = postgresql$' "$P_CONF" && grep -q "^socket = $P_SOCK\$" "$P_CONF" &&
	grep -q "^socket = $P_AUTHD_SOCK\$" "$P_CONF" || die "$P_CONF: settings not replaced"
bg store-pg "$BIN/airlock-store" -d -f "$P_CONF"
P_STORE_PID=$LAST_PID
wait_for "the postgresql store" 20 "$BIN/tools/storec" -t 1000 "$P_SOCK" ping &&
	kill -0 "$P_STORE_PID" 2>/dev/null || die "airlock-store with backend = postgresql did not start"
bg authd-pg "$BIN/airlock-authd" -d -f "$P_CONF"
wait_socket "$P_AUTHD_SOCK" 30 || die "the second authd did not start"
bg frontend-pg "$BIN/airlock-frontend" -d -f "$P_CONF"
wait_port "$P_PORT" 10 || die "the second frontend did not start"
_p_ready() { curl -sS --max-time 2 "$P_URL/healthz" 2>/dev/null | grep -q '^ok$'; }
_stack_wait 30 _p_ready || die "the stack (postgresql) is not ready within 30 s"

# ------------------------------------------------------------------ sessions

# session SOCK USER -> the token (hex) of a new web session of USER, made
# through the store's socket with a login proof signed by the stack's key
session() {
	local sk out
	sk=$(_bench_sk) || return 1
	out=$("$BIN/tools/storec" "$1" login "$sk" "$2" "Bench $2") || return 1
	set -- $out
	[ "$1" = ok ] && [ ${#2} = 64 ] || { echo "bench/pg.sh: login: $out" >&2; return 1; }
	echo "$2"
}
# web_session SOCK URL USER -> "COOKIE CSRF": the cookie (base64url of the
# token), the CSRF token from the counter page of that frontend
web_session() {
	local tok cookie csrf
	tok=$(session "$1" "$3") || return 1
	cookie=$(printf "$(echo "$tok" | sed 's/../\\x&/g')" | basenc --base64url | tr -d '=')
	csrf=$(curl -sS --max-time 10 -H "Cookie: session=$cookie" "$2/" |
		sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
	[ -n "$csrf" ] || { echo "bench/pg.sh: no CSRF token on $2/" >&2; return 1; }
	echo "session=$cookie $csrf"
}
count_at() { # URL COOKIE -> the count on the counter page
	curl -sS --max-time 10 -H "Cookie: $2" "$1/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p' | head -1
}
read -r L_COOKIE L_CSRF <<<"$(web_session "$L_SOCK" "$L_URL" bench-lmdb)"
read -r P_COOKIE P_CSRF <<<"$(web_session "$P_SOCK" "$P_URL" bench-pg)"
[ -n "${L_CSRF:-}" ] && [ -n "${P_CSRF:-}" ] || die "cannot make the web sessions"
# The store bench's user, apart from the web one.
STORE_TOKEN=$(session "$P_SOCK" bench-store) || die "cannot make the store bench's session"

echo "airlock PostgreSQL benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
	"load $(cut -d' ' -f1-3 /proc/loadavg), $CONNS clients, $SLICES x $SLICE s per figure"
echo "PostgreSQL $PG_SETTINGS"
echo "file system of the databases: $(df -T "$T" | awk 'NR == 2 { print $2 " on " $1 }')"

# ------------------------------------------------------------------ store vs baseline

# The baseline keeps its CONNS connections over the slices (their set-up,
# tens of ms each with scram, is outside every slice).
coproc PGB { exec "$BIN/bench/pg_baseline" -p "$PG_PW" -i "$BASE_CONNINFO" "$CONNS" 2>>"$T/pg_baseline.log"; }
T_PIDS+=("$PGB_PID")
PGB_IN=${PGB[1]} PGB_OUT=${PGB[0]}
read -r -t 60 line <&"$PGB_OUT" && [ "$line" = ready ] || die "pg_baseline did not connect"

: >"$T/store.slices"
# field "N increments in S s" of a result line -> "N S"
n_s() { sed -n 's/^[a-z]*: \([0-9]*\) increments in \([0-9.]*\) s .*(ok \([0-9]*\), failed \([0-9]*\)).*/\1 \2 \3 \4/p'; }
# Half-slices: the shared disk's flush rate swings within seconds.
HALF=$(awk -v s="$SLICE" 'BEGIN { print s / 2 }')
for i in $(seq $((SLICES * 2))); do
	for kind in "1 1 one" "$CONNS 1 same" "$CONNS $CONNS each"; do
		set -- $kind
		echo "$1 $2 $HALF" >&"$PGB_IN"
		read -r -t $((SLICE + 30)) line <&"$PGB_OUT" || die "pg_baseline gave no figure"
		echo "$3 $(echo "$line" | n_s)" >>"$T/store.slices"
	done
	line=$("$BIN/bench/bench_store" sock "$P_SOCK" "$STORE_TOKEN" "$CONNS" "$HALF") ||
		{ echo "$line" >&2; die "bench_store against the postgresql store failed"; }
	echo "store $(echo "$line" | n_s)" >>"$T/store.slices"
done
exec {PGB_IN}>&-
wait "$PGB_PID" || die "pg_baseline failed (see $T/pg_baseline.log)"
# rate KIND -> "increments/s ok failed" over the slices of KIND
rate() {
	awk -v k="$1" '$1 == k && NF == 5 { n += $2; s += $3; ok += $4; f += $5; c++ }
		END { if (c == 0 || s == 0) print "0 0 0 0"; else printf "%.0f %d %d %d\n", n / s, ok, f, c }' "$T/store.slices"
}
# slice_ratios KIND BASE -> "min median max" of the per-slice ratios
slice_ratios() {
	awk -v k="$1" -v b="$2" '$1 == k && $3 > 0 { r[++n] = $2 / $3 } $1 == b && $3 > 0 { q[++m] = $2 / $3 }
		END { for (i = 1; i <= n && i <= m; i++) x[i] = q[i] > 0 ? r[i] / q[i] : 0
		      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
		      if (n == 0) print "0 0 0"; else printf "%.1f %.1f %.1f\n", x[1], (n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2), x[n] }' "$T/store.slices"
}
read -r BO BO_OK BO_F BO_N <<<"$(rate one)"
read -r B1 B1_OK B1_F B1_N <<<"$(rate same)"
read -r BN BN_OK BN_F BN_N <<<"$(rate each)"
read -r S S_OK S_F S_N <<<"$(rate store)"
[ "$BO_N" = $((SLICES * 2)) ] && [ "$B1_N" = $((SLICES * 2)) ] && [ "$BN_N" = $((SLICES * 2)) ] &&
	[ "$S_N" = $((SLICES * 2)) ] || die "a store slice gave no figure"
# The target's baseline: the faster of the two that increment one counter,
# as the store's clients do (one connection, or CONNS waiting on the row).
if [ "$BO" -ge "$B1" ]; then BB=$BO BB_KIND=one; else BB=$B1 BB_KIND=same; fi
BASE_SUM=$(PG_DB=airlock_bench pg_psql bench "SELECT sum(counter) FROM bench_counter")
STORE_COUNT=$("$BIN/tools/storec" "$P_SOCK" get "$STORE_TOKEN" | awk '$1 == "ok" { print $(NF - 3) }')

# ------------------------------------------------------------------ stack: postgresql vs lmdb

: >"$T/stack.slices"
ms() { # wrk's VALUE-WITH-UNIT -> milliseconds
	awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
}
# wrk_inc KIND URL COOKIE CSRF: one slice of POST /increment; appends
# "KIND requests ms p50 p99 errors" to $T/stack.slices
wrk_inc() {
	local out rps p50 p99 reqs secs errs
	out=$(BENCH_COOKIE=$3 BENCH_CSRF=$4 BENCH_ORIGIN=$2 wrk -t"$THREADS" -c"$CONNS" -d"${SLICE}s" \
		--latency -s bench/increment.lua "$2/increment" 2>&1)
	printf '%s\n%s\n' "--- $1" "$out" >>"$T/wrk.out"
	rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
	p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
	p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
	reqs=$(echo "$out" | awk '/ requests in / { print $1 }')
	secs=$(echo "$out" | awk '/ requests in / { sub(/,$/, "", $4); print $4 }')
	errs=$(echo "$out" | awk '/Non-2xx or 3xx/ { n += $NF }
		/Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }')
	[ -n "$rps" ] && [ -n "$p50" ] && [ -n "$p99" ] && [ -n "$reqs" ] && [ -n "$secs" ] ||
		{ echo "$out" >&2; die "wrk gave no figures for $2/increment"; }
	echo "$1 $reqs $(ms "$secs") $(ms "$p50") $(ms "$p99") $errs" >>"$T/stack.slices"
}
# Answers other than 2xx, from a frontend's /metrics (the request itself is one 2xx).
not_2xx() {
	curl -sS --max-time 5 "$1/metrics" | awk -F'[{}" ]+' '/^airlock_frontend_responses_total\{/ &&
		$3 != "2xx" { n += $NF } END { print n + 0 }'
}
L_C0=$(count_at "$L_URL" "$L_COOKIE") P_C0=$(count_at "$P_URL" "$P_COOKIE")
L_E0=$(not_2xx "$L_METRICS") P_E0=$(not_2xx "$P_METRICS")
for i in $(seq "$SLICES"); do
	wrk_inc lmdb "$L_URL" "$L_COOKIE" "$L_CSRF"
	wrk_inc pg "$P_URL" "$P_COOKIE" "$P_CSRF"
done
L_C1=$(count_at "$L_URL" "$L_COOKIE") P_C1=$(count_at "$P_URL" "$P_COOKIE")
L_E1=$(not_2xx "$L_METRICS") P_E1=$(not_2xx "$P_METRICS")
# summary KIND -> "req/s p50 p99 errors requests worst-p99" (p50/p99: medians of the slices')
summary() {
	awk -v k="$1" '
		function med(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		$1 == k { r += $2; ms += $3; n++; p50[n] = $4; p99[n] = $5; if ($5 > w) w = $5; e += $6 }
		END { printf "%.0f %.2f %.2f %d %d %.2f\n", (ms > 0 ? r * 1000 / ms : 0), med(p50, n), med(p99, n), e, r, w }' "$T/stack.slices"
}
# The postgresql store's own count of its commits, printed as it exits.
kill -TERM "$P_STORE_PID" 2>/dev/null; wait "$P_STORE_PID" 2>/dev/null
P_COMMITS=$(grep -o '[0-9]* requests in [0-9]* commits' "$T/store-pg.log" | tail -1)
read -r LR LP50 LP99 LERR LREQ LW <<<"$(summary lmdb)"
read -r PR PP50 PP99 PERR PREQ PW <<<"$(summary pg)"
LERR=$((LERR + L_E1 - L_E0)) PERR=$((PERR + P_E1 - P_E0))

# ------------------------------------------------------------------ report

RB=$(ratio "$S" "$BB") RN=$(ratio "$S" "$BN") RS=$(ratio "$PR" "$LR")
read -r RB_MIN RB_MED RB_MAX <<<"$(slice_ratios store "$BB_KIND")"
F_ALL=$((LERR + PERR + BO_F + B1_F + BN_F + S_F))
echo
printf '%-46s %9s %7s %7s\n' "durable increments" "incr/s" ratio failed
printf '%-46s %9s %7s %7s\n' "baseline: UPDATE per commit, 1 connection" "$BO" "$(ratio "$BO" "$BB")" "$BO_F"
printf '%-46s %9s %7s %7s\n' "baseline: UPDATE per commit, $CONNS on one row" "$B1" "$(ratio "$B1" "$BB")" "$B1_F"
printf '%-46s %9s %7s %7s\n' "baseline: UPDATE per commit, $CONNS on a row each" "$BN" "$(ratio "$BN" "$BB")" "$BN_F"
printf '%-46s %9s %7s %7s\n' "store, backend = postgresql, $CONNS clients" "$S" "$RB" "$S_F"
echo "(ratios to the faster one-counter baseline, $([ "$BB_KIND" = one ] && echo "1 connection" || echo "$CONNS on one row");" \
	"per slice: min ${RB_MIN}x median ${RB_MED}x max ${RB_MAX}x)"
echo
printf '%-36s %9s %9s %6s %8s %8s %7s\n' "POST /increment (durable)" "req/s" "lmdb r/s" ratio "p50 ms" "p99 ms" errors
printf '%-36s %9s %9s %6s %8s %8s %7s\n' "backend = lmdb" "$LR" "-" 1.00 "$LP50" "$LP99" "$LERR"
printf '%-36s %9s %9s %6s %8s %8s %7s\n' "backend = postgresql" "$PR" "$LR" "$RS" "$PP50" "$PP99" "$PERR"
echo "(wrk -t$THREADS -c$CONNS --latency; p50/p99: medians of $SLICES slices of $SLICE s;" \
	"highest slice p99: lmdb $LW ms, postgresql $PW ms)"
echo
echo "pg check: baseline sum(counter) $BASE_SUM for $((BO_OK + B1_OK + BN_OK)) acknowledged"
echo "pg check: store counter $STORE_COUNT for $S_OK acknowledged"
echo "store (postgresql), both parts: ${P_COMMITS:-?}$(echo "$P_COMMITS" |
	awk '$4 > 0 { printf " (%.1f per commit)", $1 / $4 }')"
echo "increment check: lmdb counter +$((L_C1 - L_C0)) for $LREQ answered requests," \
	"postgresql counter +$((P_C1 - P_C0)) for $PREQ"
echo
target() { # WHAT OK(0/1)
	if [ "$2" = 1 ]; then echo "target met:    $1"; else echo "target MISSED: $1"; fi
}
target "store (postgresql) >= $TARGET_STORE x one UPDATE; COMMIT per increment (${RB}x; ${RN}x a row each)" \
	"$(awk -v r="$RB" -v g="$TARGET_STORE" 'BEGIN { print (r >= g) }')"
target "p99 < 5 ms at $CONNS connections, POST /increment with postgresql ($PP99 ms; lmdb $LP99 ms)" \
	"$(awk -v r="$PP99" 'BEGIN { print (r < 5) }')"
target "no error responses or failed increments ($F_ALL)" "$([ "$F_ALL" = 0 ] && echo 1 || echo 0)"

fail_run=0
[ "$F_ALL" = 0 ] || { echo "bench/pg.sh: errors (see $T/wrk.out)" >&2; fail_run=1; }
[ "$BASE_SUM" = $((BO_OK + B1_OK + BN_OK)) ] ||
	{ echo "bench/pg.sh: baseline counters $BASE_SUM != acknowledged $((BO_OK + B1_OK + BN_OK))" >&2; fail_run=1; }
[ "$STORE_COUNT" = "$S_OK" ] ||
	{ echo "bench/pg.sh: store counter $STORE_COUNT != acknowledged $S_OK" >&2; fail_run=1; }
# Every acknowledged increment is stored; at most CONNS more were in flight
# each time a wrk run stopped.
for s in "lmdb $((L_C1 - L_C0)) $LREQ" "postgresql $((P_C1 - P_C0)) $PREQ"; do
	set -- $s
	if [ "$2" -lt "$3" ] || [ "$2" -gt $(($3 + CONNS * SLICES)) ]; then
		echo "bench/pg.sh: $1 counter moved by $2 for $3 answered increments" >&2; fail_run=1
	fi
done
exit "$fail_run"
