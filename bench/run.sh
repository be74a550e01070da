#!/usr/bin/env bash
# airlock's benchmark (`make bench`): the three daemons and the test OpenID
# provider on loopback, one user signed in through the provider's own forms,
# then wrk against each route next to a minimal libevhtp server (the HTTP
# layer's ceiling, bench/http_baseline.c) measured in the same run: the
# baseline runs right before each route, and the route's ratio is to that
# run, so the ratios hold on a noisy shared machine where absolute figures
# do not.  The baseline row shows the medians of its runs.
#
# Each route is measured by two methods in the same run, and both ratios are
# printed side by side: slices (DURATION seconds of the route as 1-second wrk
# runs, each right after a 1-second baseline run) and sequential runs (RUNS
# wrk runs of DURATION seconds of the baseline and of the route, alternated;
# the ratio of the medians).  GET /auth (forward authentication for a
# reverse proxy) is measured with the session cookie.  The signed-in GET / is measured for a user with
# one session and for one with MANY sessions (web + command-line).
#
# Usage: bench/run.sh [--smoke]
#   DURATION  seconds per figure (default 5; --smoke: 1), as 1-second slices
#   RUNS      sequential runs per route and of the baseline (default 3; --smoke: 1)
#   MANY      sessions of the second user (default 1000, the store's highest cap;
#             --smoke: 100)
#   CONNS     wrk connections (default 64)
#   THREADS   wrk threads (default 2)
#   BIN       build to measure (default build/normal)
#
# Printed:
#   - per figure: requests/s, the paired baseline's requests/s, the ratio,
#     p50/p99 latency (wrk --latency), and errors = wrk's "Non-2xx or 3xx
#     responses" + socket errors + answers of another status class than
#     expected (counted by the frontend's own /metrics before and after);
#   - per figure, both methods: the slices' ratio and the sequential runs'
#     req/s, baseline req/s and ratio; GET / with MANY sessions over GET /
#     with one, by both methods;
#   - RSS of each daemon idle (after the sign-in, before any load), the most
#     sampled while wrk runs (VmRSS every 0.1 s) and the high-water mark VmHWM;
#   - login round-trip overhead (see login_overhead below);
#   - sign-in under a flood (see flood_scene below): the success rate and the
#     median / p99 of a person's whole sign-in while another address floods
#     the anonymous routes, next to the same sign-ins without the flood;
#   - the store's durable increments against raw LMDB (bench/store.sh);
#   - each benchmark target as met / MISSED (informational: no exit status).
# Exits non-zero if the stack does not start, a figure is missing, or any
# error answer was seen.
set -u
cd "$(dirname "$0")/.."
export AIRLOCK_SRC=$PWD
SMOKE=0
case ${1:-} in
--smoke) SMOKE=1 ;;
"") ;;
*) echo "usage: bench/run.sh [--smoke]" >&2; exit 2 ;;
esac
DURATION=${DURATION:-5}
[ "$SMOKE" = 1 ] && DURATION=1
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
LOGINS=5
[ "$SMOKE" = 1 ] && LOGINS=2
FLOOD_LOGINS=${FLOOD_LOGINS:-10}
[ "$SMOKE" = 1 ] && FLOOD_LOGINS=3
RUNS=${RUNS:-3}
[ "$SMOKE" = 1 ] && RUNS=1
MANY=${MANY:-1000}
[ "$SMOKE" = 1 ] && MANY=100
export BIN=${BIN:-$PWD/build/normal}

command -v wrk >/dev/null || { echo "bench/run.sh: wrk is not installed (make deps)" >&2; exit 1; }
for f in airlock-store airlock-authd airlock-frontend bench/http_baseline bench/bench_store tools/storec; do
	[ -x "$BIN/$f" ] || { echo "bench/run.sh: $BIN/$f missing: run make" >&2; exit 1; }
done

. tests/lib.sh
. tests/lib_stack.sh
. tests/lib_flood.sh
. bench/lib_bench.sh
# wrk's CONNS connections all come from 127.0.0.1: no cap per address here.
STACK_FRONTEND_EXTRA="max_conns_per_addr = 0"
# The user with MANY sessions (the store's cap is 64 by default).
STACK_STORE_EXTRA="max_sessions_per_user = $MANY"

bench_daemons_as_deployed

die() { echo "bench/run.sh: $*" >&2; for f in "$T"/*.log; do echo "--- $f" >&2; tail -5 "$f" >&2; done; exit 1; }

# ------------------------------------------------------------------ helpers

# ms VALUE-WITH-UNIT -> milliseconds (wrk prints us, ms, s, m)
ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
}

rss_kb() { # PID FIELD -> kB
	local k v _
	while read -r k v _; do
		[ "$k" = "$2:" ] && { echo "$v"; return; }
	done 2>/dev/null <"/proc/$1/status"
	echo 0
}

# Samples VmRSS of the daemons every 0.1 s into $T/rss.peak ("store authd frontend" kB).
rss_sampler() {
	local s=0 a=0 f=0 v
	while :; do
		v=$(rss_kb "$STORE_PID" VmRSS); [ "$v" -gt "$s" ] && s=$v
		v=$(rss_kb "$AUTHD_PID" VmRSS); [ "$v" -gt "$a" ] && a=$v
		v=$(rss_kb "$FRONTEND_PID" VmRSS); [ "$v" -gt "$f" ] && f=$v
		echo "$s $a $f" >"$T/rss.peak.tmp" && mv -f "$T/rss.peak.tmp" "$T/rss.peak"
		sleep 0.1
	done
}

# Answers by status class from the frontend's /metrics: "1xx 2xx 3xx 4xx 5xx".
classes() {
	curl -sS --max-time 5 "$STACK_METRICS_URL/metrics" |
		awk -F'[{}" ]+' '/^airlock_frontend_responses_total\{/ { c[$3] = $NF }
			END { printf "%d %d %d %d %d\n", c["1xx"], c["2xx"], c["3xx"], c["4xx"], c["5xx"] }'
}

ROWS=()
SEQ_ROWS=()
ERRORS_TOTAL=0
FIGURE_N=0
SLICES=$(awk -v d="$DURATION" 'BEGIN { n = int(d); if (n < d) n++; print (n < 1 ? 1 : n) }')
: >"$T/slices"

# wrk_run URL [wrk args...]: one wrk run of WRK_SECS seconds (default 1);
# appends "KIND requests ms p50 p99 errors" to $T/slices (KIND from
# $SLICE_KIND); W_REQS, W_ERRS.
wrk_run() {
	local url=$1 out rps p50 p99 secs; shift
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${WRK_SECS:-1}s" --latency "$@" "$url" 2>&1)
	printf '%s\n%s\n' "--- $SLICE_KIND $url" "$out" >>"$T/wrk.out"
	rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
	p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
	p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
	W_REQS=$(echo "$out" | awk '/ requests in / { print $1 }')
	secs=$(echo "$out" | awk '/ requests in / { sub(/,$/, "", $4); print $4 }')
	W_ERRS=$(echo "$out" | awk '/Non-2xx or 3xx/ { n += $NF }
		/Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }')
	if [ -z "$rps" ] || [ -z "$p50" ] || [ -z "$p99" ] || [ -z "$W_REQS" ] || [ -z "$secs" ]; then
		echo "$out" >&2; die "wrk gave no figures for $url"
	fi
	echo "$SLICE_KIND $W_REQS $(ms "$secs") $(ms "$p50") $(ms "$p99") $W_ERRS" >>"$T/slices"
}

# summary KIND -> "req/s p50 p99 errors worst-p99" over the slices of KIND:
# req/s is all requests over all seconds; p50 and p99 are the medians of the
# slices' own (percentiles of slices do not merge; the median keeps one
# slice that another user of the machine disturbed from deciding the
# figure), and the highest slice p99 is printed below the table.
summary() {
	awk -v k="$1" '
		function med(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		$1 == k { r += $2; ms += $3; n++; p50[n] = $4; p99[n] = $5; if ($5 > w) w = $5; e += $6 }
		END { printf "%.0f %.2f %.2f %d %.2f\n", (ms > 0 ? r * 1000 / ms : 0), med(p50, n), med(p99, n), e, w }' "$T/slices"
}

# seq_median KIND -> median req/s of the sequential runs of KIND
seq_median() {
	awk -v k="$1" '$1 == k && $3 > 0 { print $2 * 1000 / $3 }' "$T/slices" | median
}

# figure LABEL EXPECT URL [wrk args...]: SLICES seconds of the route and as
# many of the baseline, alternated in 1-second slices (baseline, route,
# baseline, route, ...) so that both see the same load from the machine's
# other users; the ratio is the route's req/s over its own baseline slices'.
# Then the sequential method: RUNS wrk runs of DURATION seconds of the
# baseline and of the route, alternated; ratio of the medians (SEQ_ROWS).
# EXPECT is the status class (2 or 3) every answer must have.
figure() {
	local label=$1 expect=$2 url=$3 before after wrong=0 i b a d reqs=0 rps p50 p99 errs base
	local serrs=0 sr sb
	shift 3
	FIGURE_N=$((FIGURE_N + 1))
	before=$(classes)
	for i in $(seq "$SLICES"); do
		SLICE_KIND=b$FIGURE_N wrk_run "http://127.0.0.1:$BASE_PORT/"
		SLICE_KIND=r$FIGURE_N wrk_run "$url" "$@"
		reqs=$((reqs + W_REQS))
	done
	for i in $(seq "$RUNS"); do
		WRK_SECS=$DURATION SLICE_KIND=sb$FIGURE_N wrk_run "http://127.0.0.1:$BASE_PORT/"
		serrs=$((serrs + W_ERRS))
		WRK_SECS=$DURATION SLICE_KIND=sr$FIGURE_N wrk_run "$url" "$@"
		serrs=$((serrs + W_ERRS))
		reqs=$((reqs + W_REQS))
	done
	after=$(classes)
	# Every class but the expected one is an error; the "before" /metrics
	# request itself is one 2xx answer inside the window.
	read -ra b <<<"$before"; read -ra a <<<"$after"
	for i in 0 1 2 3 4; do
		d=$(( a[i] - b[i] )); [ "$i" = 1 ] && d=$((d - 1))
		[ "$i" != $((expect - 1)) ] && wrong=$((wrong + d))
	done
	read -r base _ _ d _ <<<"$(summary "b$FIGURE_N")"
	read -r rps p50 p99 errs worst <<<"$(summary "r$FIGURE_N")"
	ERRORS_TOTAL=$((ERRORS_TOTAL + d + serrs + errs + wrong))
	ROWS+=("$label|$rps|$base|$p50|$p99|$((errs + serrs + wrong))|$worst")
	sr=$(seq_median "sr$FIGURE_N"); sb=$(seq_median "sb$FIGURE_N")
	SEQ_ROWS+=("$label|$(ratio "$rps" "$base")|$sr|$sb|$(ratio "$sr" "$sb")")
	LAST_REQUESTS=$reqs
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Login round-trip overhead: LOGINS sign-ins through the provider's forms,
# LOGIN_IDLE seconds apart (6: longer than the test provider's 5 s keep-alive,
# as sign-ins spread over a day are; --smoke: 0), each one's GET
# /auth_redirect next to the provider's own time for the same token and
# userinfo requests made directly on a warm TLS connection; the figure is the
# median of the per-sign-in differences (bench/login.sh, which also runs this
# part alone).
login_overhead() {
	. bench/login.sh
	LOGIN_IDLE=6
	[ "$SMOKE" = 1 ] && LOGIN_IDLE=0
	login_measure "$LOGINS" "$LOGIN_IDLE" || die "login overhead: a sign-in failed"
}

# Sign-in under a flood.  FLOOD_LOGINS people sign in from 127.0.0.1 one after
# another (the whole browser sign-in: /login/op, the provider's forms,
# /auth_redirect; half a second apart, as people are), first on a quiet
# server, then while 127.0.0.2 floods /login/op, /cli_login, /token and
# /auth_redirect at full speed (tests/lib_flood.sh, the default per-address
# limits).  Sets FLOOD_QUIET and FLOOD_LOUD ("ok n median p99", ms) and
# FLOOD_RATE ("requests/s share-answered-429") for the flooder.
flood_signins() { # TAG -> "ok n median p99"
	local i out t0 ok=0
	: >"$T/$1.ms"
	for i in $(seq "$FLOOD_LOGINS"); do
		t0=$(date +%s%N)
		out=$(stack_login "$T/$1$i.jar" "$1$i" op 2>/dev/null)
		[ "$out" = "303 $STACK_URL/" ] && { ok=$((ok + 1)); echo $((($(date +%s%N) - t0) / 1000000)) >>"$T/$1.ms"; }
		sleep 0.5
	done
	echo "$ok $FLOOD_LOGINS $(median <"$T/$1.ms") $(sort -n "$T/$1.ms" | awk '{ v[NR] = $1 }
		END { i = int(NR * 0.99 + 0.999); print NR ? v[i < 1 ? 1 : i] : 0 }')"
}
flood_scene() {
	FLOOD_QUIET=$(flood_signins quiet)
	flood_start bench 127.0.0.2 "$STACK_PORT" $((FLOOD_LOGINS * 5 + 10)) /login/op \
		"/cli_login?paircode=RAND" "/token?paircode=RAND json" "/auth_redirect?state=RAND&code=RAND"
	sleep 0.5
	FLOOD_LOUD=$(flood_signins loud)
	flood_stop bench || die "the flood did not stop"
	FLOOD_RATE="$(flood_get bench 'd["rps"]') $(flood_get bench \
		'round(100 * sum(c.get("429", 0) for c in d["codes"].values()) / max(d["total"], 1), 1)')"
}

# ------------------------------------------------------------------ run

BASE_PORT=$(free_port)
bg baseline "$BIN/bench/http_baseline" "127.0.0.1:$BASE_PORT"
BASE_PID=$LAST_PID
wait_port "$BASE_PORT" 10 || die "http_baseline did not start"

stack_init op || die "cannot set up the stack: $STACK_SKIP"
stack_start || die "the stack did not start"
JAR=$T/alice.jar
ans=$(stack_login "$JAR" alice op)
[ "${ans%% *}" = 303 ] || die "sign-in failed: $ans"
COOKIE="session=$(st_cookie "$JAR")"
CSRF=$(st_csrf "$JAR")
[ -n "$CSRF" ] || die "no CSRF token on the counter page"
[ "$(st_code "$JAR" /)" = 200 ] || die "GET / with the session is not 200"
[ "$(st_code "$JAR" /secured)" = 200 ] || die "GET /secured with the session is not 200"
[ "$(st_code "$JAR" /auth)" = 202 ] || die "GET /auth with the session is not 202"
[ "$(st_code /dev/null /)" = 303 ] || die "GET / without a session is not 303"
# The user with MANY sessions: one web session (its cookie) + MANY - 1 command-line ones.
MANY_COOKIE="session=$(bench_many_sessions bench-many "$MANY")" || die "cannot make $MANY sessions"
[ "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Cookie: $MANY_COOKIE" "$STACK_URL/")" = 200 ] ||
	die "GET / for the user with $MANY sessions is not 200"

# Idle RSS: after the sign-in, before any load.
IDLE="$(rss_kb "$STORE_PID" VmRSS) $(rss_kb "$AUTHD_PID" VmRSS) $(rss_kb "$FRONTEND_PID" VmRSS)"

echo "airlock benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"wrk -t$THREADS -c$CONNS, $SLICES x 1 s per figure"
echo "(and $RUNS sequential wrk runs of $DURATION s per figure and of the baseline: see 'methods')"

rss_sampler & SAMPLER=$!
T_PIDS+=("$SAMPLER")

figure "GET / signed in (store read)" 2 "$STACK_URL/" -H "Cookie: $COOKIE"
figure "GET / signed in, $MANY sessions" 2 "$STACK_URL/" -H "Cookie: $MANY_COOKIE"
C0=$(st_count "$JAR")
BENCH_COOKIE=$COOKIE BENCH_CSRF=$CSRF BENCH_ORIGIN=$STACK_URL \
	figure "POST /increment (durable)" 2 "$STACK_URL/increment" -s bench/increment.lua
INC_REQ=$LAST_REQUESTS
C1=$(st_count "$JAR")
figure "GET /secured" 2 "$STACK_URL/secured" -H "Cookie: $COOKIE"
figure "GET /auth (forward auth)" 2 "$STACK_URL/auth" -H "Cookie: $COOKIE"
figure "GET / no session (303)" 3 "$STACK_URL/"

kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null
read -r PS PA PF <"$T/rss.peak"
read -r IS IA IF <<<"$IDLE"
HWM="$(rss_kb "$STORE_PID" VmHWM) $(rss_kb "$AUTHD_PID" VmHWM) $(rss_kb "$FRONTEND_PID" VmHWM)"
read -r HS HA HF <<<"$HWM"

login_overhead
flood_scene

STORE_OUT=$(BIN=$BIN BENCH_DIR=$T bench/store.sh "$DURATION" "$CONNS" 2>&1) || { echo "$STORE_OUT" >&2; die "bench/store.sh failed"; }
STORE_RATIO=$(echo "$STORE_OUT" | sed -n 's/^ratio: \([0-9.]*\)x.*/\1/p')
STORE_SOCK_RATE=$(echo "$STORE_OUT" | sed -n 's/^sock: .*= \([0-9]*\)\/s.*/\1/p')
STORE_RAW_RATE=$(echo "$STORE_OUT" | sed -n 's/^raw: .*= \([0-9]*\)\/s.*/\1/p')
STORE_COMMITS=$(echo "$STORE_OUT" | sed -n 's/^store: \([0-9]* requests in [0-9]* commits\).*/\1/p')

# ------------------------------------------------------------------ table

echo
printf '%-30s %9s %9s %6s %8s %8s %7s\n' figure "req/s" "base r/s" ratio "p50 ms" "p99 ms" errors
# The baseline row: all its slices (one before each slice of every route).
sed -n 's/^b[0-9]* /base /p' "$T/slices" >"$T/slices.base"
cat "$T/slices.base" >>"$T/slices"
read -r brps bp50 bp99 berr _ <<<"$(summary base)"
printf '%-30s %9s %9s %6s %8s %8s %7s\n' "baseline (http_baseline, 40 B)" "$brps" "-" "1.00" \
	"$bp50" "$bp99" "$berr"
MAXP99=0 WORST=0 WORST_AT=
for row in "${ROWS[@]}"; do
	IFS='|' read -r label rps base p50 p99 errs worst <<<"$row"
	if awk -v a="$WORST" -v b="$worst" 'BEGIN { exit !(b > a) }'; then WORST=$worst WORST_AT=$label; fi
	printf '%-30s %9s %9s %6s %8s %8s %7s\n' "$label" "$rps" "$base" "$(ratio "$rps" "$base")" "$p50" "$p99" "$errs"
	MAXP99=$(awk -v a="$MAXP99" -v b="$p99" 'BEGIN { print (b > a ? b : a) }')
	case $label in
	"GET / signed in (store read)") R_HOME=$(ratio "$rps" "$base") ;;
	"POST /increment"*) R_INC=$(ratio "$rps" "$base") ;;
	"GET /auth"*) R_AUTH=$(ratio "$rps" "$base") ;;
	esac
done
echo "(ratios to the baseline slices alternated with each route's; p50/p99: medians of"
echo " $SLICES one-second slices; highest single-slice p99: $WORST ms, $WORST_AT)"
echo
echo "methods: ratio to the same-run baseline by 1-second slices and by $RUNS sequential runs of $DURATION s"
printf '%-30s %7s %9s %9s %7s\n' figure slices "seq r/s" "seq base" seq
for row in "${SEQ_ROWS[@]}"; do
	IFS='|' read -r label rs sr sb rq <<<"$row"
	printf '%-30s %7s %9.0f %9.0f %7s\n' "$label" "$rs" "$sr" "$sb" "$rq"
	case $label in
	"GET / signed in (store read)") ONE_SL=$rs ONE_SQ=$rq ;;
	"GET / signed in, $MANY sessions") MANY_SL=$rs MANY_SQ=$rq ;;
	"POST /increment (durable)") INC_SQ=$rq ;;
	"GET /auth (forward auth)") AUTH_SQ=$rq ;;
	esac
done
echo "sessions: GET / with $MANY sessions / with 1 session: $(ratio "$MANY_SL" "$ONE_SL") (slices)," \
	"$(ratio "$MANY_SQ" "$ONE_SQ") (sequential)"
echo
printf '%-32s %9s %9s %9s\n' "RSS (MB)" store authd frontend
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
printf '%-32s %9s %9s %9s\n' "idle, signed in" "$(mb "$IS")" "$(mb "$IA")" "$(mb "$IF")"
printf '%-32s %9s %9s %9s\n' "under load (peak VmRSS)" "$(mb "$PS")" "$(mb "$PA")" "$(mb "$PF")"
printf '%-32s %9s %9s %9s\n' "high-water mark (VmHWM)" "$(mb "$HS")" "$(mb "$HA")" "$(mb "$HF")"
echo
login_report "$LOGINS" "$LOGIN_IDLE"
printf '%-32s %9s /s vs raw LMDB %s /s: %sx\n' "store: durable increments" \
	"${STORE_SOCK_RATE:-?}" "${STORE_RAW_RATE:-?}" "${STORE_RATIO:-?}"
echo "store: group commit: ${STORE_COMMITS:-?} (fsyncs), $CONNS clients"
echo "increment check: counter +$((C1 - C0)) for $INC_REQ answered requests"
read -r fq_ok fq_n fq_med fq_p99 <<<"$FLOOD_QUIET"
read -r fl_ok fl_n fl_med fl_p99 <<<"$FLOOD_LOUD"
read -r fr_rps fr_429 <<<"$FLOOD_RATE"
printf '%-32s %3s/%s ok, median %s ms, p99 %s ms\n' "sign-in, quiet server" "$fq_ok" "$fq_n" "$fq_med" "$fq_p99"
printf '%-32s %3s/%s ok, median %s ms, p99 %s ms\n' "sign-in, 127.0.0.2 flooding" "$fl_ok" "$fl_n" "$fl_med" "$fl_p99"
echo "  (the flooder: $fr_rps requests/s at the anonymous routes, $fr_429% answered 429)"

echo
target() { # WHAT OK(0/1)
	if [ "$2" = 1 ]; then echo "target met:    $1"; else echo "target MISSED: $1"; fi
}
target "GET / signed in >= 0.7 x baseline ($R_HOME slices, $ONE_SQ sequential)" \
	"$(awk -v r="$R_HOME" -v q="$ONE_SQ" 'BEGIN { print (r >= 0.7 && q >= 0.7) }')"
target "POST /increment >= 0.6 x baseline ($R_INC slices, $INC_SQ sequential)" \
	"$(awk -v r="$R_INC" -v q="$INC_SQ" 'BEGIN { print (r >= 0.6 && q >= 0.6) }')"
target "GET /auth signed in >= 0.6 x baseline ($R_AUTH slices, $AUTH_SQ sequential)" \
	"$(awk -v r="$R_AUTH" -v q="$AUTH_SQ" 'BEGIN { print (r >= 0.6 && q >= 0.6) }')"
target "p99 < 5 ms at $CONNS connections (highest route p99 $MAXP99 ms)" "$(awk -v r="$MAXP99" 'BEGIN { print (r < 5) }')"
target "store >= 20 x raw LMDB, one commit per increment (${STORE_RATIO:-?}x)" \
	"$(awk -v r="${STORE_RATIO:-0}" 'BEGIN { print (r >= 20) }')"
target "each daemon < 16 MB RSS under load" "$(awk -v a="$PS" -v b="$PA" -v c="$PF" 'BEGIN { print (a < 16384 && b < 16384 && c < 16384) }')"
target "no error responses ($ERRORS_TOTAL)" "$([ "$ERRORS_TOTAL" = 0 ] && echo 1 || echo 0)"
login_target

fail_run=0
[ "${STORE_RATIO:-}" != "" ] || { echo "bench/run.sh: no store figure" >&2; fail_run=1; }
[ "$fl_ok" = "$fl_n" ] || { echo "bench/run.sh: $((fl_n - fl_ok)) sign-ins failed under the flood" >&2; fail_run=1; }
[ "$ERRORS_TOTAL" = 0 ] || { echo "bench/run.sh: $ERRORS_TOTAL error answers (see $T/wrk.out)" >&2; fail_run=1; }
# Every acknowledged increment is stored; at most CONNS more were in flight
# each time a wrk run stopped.
if [ "$((C1 - C0))" -lt "${INC_REQ:-0}" ] || [ "$((C1 - C0))" -gt "$(( ${INC_REQ:-0} + CONNS * (SLICES + RUNS) ))" ]; then
	echo "bench/run.sh: counter moved by $((C1 - C0)) for $INC_REQ answered increments" >&2; fail_run=1
fi
exit "$fail_run"
