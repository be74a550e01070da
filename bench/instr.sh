#!/usr/bin/env bash
# Instructions per request, counted by callgrind: figures that a busy machine
# cannot move (the same binary, inputs and environment give the same counts).
#
# The three daemons and the bare libevhtp server (bench/http_baseline) run
# under valgrind --tool=callgrind.  For each route, one signed-in client sends
# N requests on one keep-alive connection (curl); each process's counters are
# zeroed before and dumped after, so a figure is (instructions the process
# executed while serving the N requests) / N, start-up and sign-in excluded.
# The signed-in GET / is counted for a user with one session, for one with
# FEW sessions and for one with MANY (one web session and the others
# command-line ones, made through the store's socket: bench/lib_bench.sh).
# FEW is the web session plus the 5 command-line sessions the counter page
# lists: the same page as MANY's, so the two differ only by the number of
# sessions the store holds for the user.
#
# Usage: bench/instr.sh [--check FILE]
#   N      requests per route (default 2000)
#   MANY   sessions of the second user (default 1000, the store's highest cap)
#   BIN    build to measure (default build/normal)
#   --check FILE: after measuring, compare GET /'s total with the figure in
#          FILE's line "| GET / (signed in) | ... | TOTAL |" (README.md's
#          table) and exit 1 when it costs more than that figure plus 10%.
# Prints a table: route, frontend, store, authd, total (instructions per request).
set -u
cd "$(dirname "$0")/.."
export AIRLOCK_SRC=$PWD
CHECK=
case ${1:-} in
--check) CHECK=${2:?--check needs a file} ;;
"") ;;
*) echo "usage: bench/instr.sh [--check FILE]" >&2; exit 2 ;;
esac
N=${N:-2000}
MANY=${MANY:-1000}
FEW=6
export BIN=${BIN:-$PWD/build/normal}

command -v valgrind >/dev/null || { echo "bench/instr.sh: valgrind is not installed (make bench installs it)" >&2; exit 1; }
for f in airlock-store airlock-authd airlock-frontend bench/http_baseline tools/storec; do
	[ -x "$BIN/$f" ] || { echo "bench/instr.sh: $BIN/$f missing: run make" >&2; exit 1; }
done

. tests/lib.sh
. tests/lib_stack.sh
. bench/lib_bench.sh
# The user with MANY sessions (the store's cap is 64 by default).
STACK_STORE_EXTRA="max_sessions_per_user = $MANY"

die() { echo "bench/instr.sh: $*" >&2; for f in "$T"/*.log; do echo "--- $f" >&2; tail -5 "$f" >&2; done; exit 1; }

# Each process runs under callgrind; its dumps go to $T/cg.NAME.<n>.
VG=(valgrind --tool=callgrind --dump-instr=no --collect-jumps=no --vgdb=yes)
under_cg() { # NAME command...
	local name=$1; shift
	bg "$name" "${VG[@]}" --callgrind-out-file="$T/cg.$name" "$@"
}
stack_start_store() {
	under_cg store "$BIN/airlock-store" -d -f "$STACK_CONF"; STORE_PID=$LAST_PID
	wait_socket "$STORE_SOCK" 60
}
stack_start_authd() {
	under_cg authd "$BIN/airlock-authd" -d -f "$STACK_CONF"; AUTHD_PID=$LAST_PID
	wait_socket "$AUTHD_SOCK" 60
}
stack_start_frontend() {
	under_cg frontend "$BIN/airlock-frontend" -d -f "$STACK_CONF"; FRONTEND_PID=$LAST_PID
	wait_port "$STACK_PORT" 60
}

# zero PID / total PID: callgrind_control talks to the process through vgdb.
cg_zero() { callgrind_control -z "$1" >/dev/null 2>&1 || die "callgrind_control -z $1 failed"; }
cg_total() { # PID NAME -> instructions since the last zero
	local before after f
	before=$(ls "$T"/cg."$2".* 2>/dev/null | wc -l)
	callgrind_control -d "$1" >/dev/null 2>&1 || die "callgrind_control -d $1 failed"
	for _ in $(seq 50); do
		after=$(ls "$T"/cg."$2".* 2>/dev/null | wc -l)
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	f=$(ls -t "$T"/cg."$2".* 2>/dev/null | head -1)
	[ -n "$f" ] || die "no callgrind dump of $2"
	awk '/^(summary|totals):/ { print $2; exit }' "$f"
}

# N requests on one connection: a curl config with N copies of the request.
requests() { # JAR URL [curl args...]
	local jar=$1 url=$2 i; shift 2
	for i in $(seq "$N"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url"; done >"$T/curl.cfg"
	curl -sS --max-time 600 -b "$jar" "$@" -K "$T/curl.cfg" -w '%{http_code}\n' >"$T/codes"
	[ "$(sort -u "$T/codes" | tr '\n' ' ')" = "$EXPECT " ] ||
		die "$url answered $(sort "$T/codes" | uniq -c | tr '\n' ' ') (expected $EXPECT)"
}

ROWS=()
measure() { # LABEL EXPECT JAR URL [curl args...]
	local label=$1 jar=$3 url=$4 fe st ad total; EXPECT=$2; shift 4
	cg_zero "$FRONTEND_PID"; cg_zero "$STORE_PID"; cg_zero "$AUTHD_PID"
	requests "$jar" "$url" "$@"
	fe=$(cg_total "$FRONTEND_PID" frontend); st=$(cg_total "$STORE_PID" store)
	ad=$(cg_total "$AUTHD_PID" authd)
	total=$((fe + st + ad))
	ROWS+=("$label|$((fe / N))|$((st / N))|$((ad / N))|$((total / N))")
}

stack_init op || die "provider kit: $STACK_SKIP"
stack_start || die "the stack did not start under valgrind"
JAR=$T/jar
read -r code _ <<<"$(stack_login "$JAR")"
[ "$code" = 303 ] || die "sign-in answered $code"
# A browser drops the pre-login cookie when the sign-in clears it (Max-Age=0);
# curl's jar keeps it, which would add its parsing to every request counted.
sed -i '/\tlogin\t/d; /\t__Host-login\t/d' "$JAR"
CSRF=$(st_csrf "$JAR")
[ -n "$CSRF" ] || die "no CSRF token on the counter page"
MANY_COOKIE="session=$(bench_many_sessions bench-many "$MANY")" || die "cannot make $MANY sessions"
FEW_COOKIE="session=$(bench_many_sessions bench-few "$FEW")" || die "cannot make $FEW sessions"

measure "GET / (signed in)" 200 "$JAR" "$STACK_URL/"
measure "POST /increment" 200 "$JAR" "$STACK_URL/increment" -H "Origin: $STACK_URL" \
	-H "Accept: application/json" --data "csrf=$CSRF"
measure "GET /secured" 200 "$JAR" "$STACK_URL/secured"
measure "GET /auth (forward auth)" 202 "$JAR" "$STACK_URL/auth"
measure "GET / (signed out, 303)" 303 /dev/null "$STACK_URL/"
# curl -b takes a cookie string as well as a jar.
measure "GET / ($FEW sessions)" 200 "$FEW_COOKIE" "$STACK_URL/"
measure "GET / ($MANY sessions)" 200 "$MANY_COOKIE" "$STACK_URL/"

BASE_PORT=$(free_port)
under_cg baseline "$BIN/bench/http_baseline" "127.0.0.1:$BASE_PORT"; BASE_PID=$LAST_PID
wait_port "$BASE_PORT" 60 || die "http_baseline did not start"
EXPECT=200
cg_zero "$BASE_PID"
requests /dev/null "http://127.0.0.1:$BASE_PORT/"
BASE=$(( $(cg_total "$BASE_PID" baseline) / N ))

printf '\nInstructions per request (callgrind, %d requests per route, one keep-alive connection)\n\n' "$N"
printf '| %-26s | %9s | %9s | %9s | %9s |\n' route frontend store authd total
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' $(seq 28))" "-----------" "-----------" "-----------" "-----------"
for r in "${ROWS[@]}"; do
	IFS='|' read -r l fe st ad tot <<<"$r"
	printf '| %-26s | %9s | %9s | %9s | %9s |\n' "$l" "$fe" "$st" "$ad" "$tot"
done
printf '| %-26s | %9s | %9s | %9s | %9s |\n' "bare libevhtp server" "$BASE" "-" "-" "$BASE"
for r in "${ROWS[@]}"; do
	case $r in
	"GET / (signed in)|"*) ONE=${r##*|} ;;
	"GET / ($FEW sessions)|"*) FEWI=${r##*|} ;;
	"GET / ($MANY sessions)|"*) MANYI=${r##*|} ;;
	esac
done
awk -v a="$MANYI" -v b="$ONE" -v f="$FEWI" -v m="$MANY" -v n="$FEW" 'BEGIN {
	printf "\nsessions: GET / with %d sessions costs %.2f times GET / with one, %.2f times GET / with %d (the same page) (total instructions)\n", m, (b > 0 ? a / b : 0), (f > 0 ? a / f : 0), n }'

[ -n "$CHECK" ] || exit 0
want=$(awk -F'|' '$2 ~ /^ *GET \/ \(signed in\) *$/ { gsub(/ /, "", $6); print $6; exit }' "$CHECK")
[ -n "$want" ] || die "no 'GET / (signed in)' row in $CHECK"
got=${ROWS[0]##*|}
limit=$((want + want / 10))
if [ "$got" -gt "$limit" ]; then
	echo "FAIL: GET / costs $got instructions per request, more than $CHECK's $want + 10% ($limit)"
	exit 1
fi
echo "PASS: GET / costs $got instructions per request (figure $want, limit $limit)"
