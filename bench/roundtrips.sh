#!/usr/bin/env bash
# Backend round trips per route, measured: how many requests the frontend
# sends to the store and to authd to answer one HTTP request of each route.
#
# Method: the frontend makes every call to a backend in one place
# (frontend/backend.c, be_call) and counts each call once, when its answer
# arrives or it fails, in airlock_frontend_backend_calls_total{backend,outcome}
# on its metrics listener.  For each route this script reads those counters,
# sends K requests of the route one after another (nothing else talks to the
# frontend meanwhile), reads them again, checks that every answer had the
# expected status and that no call failed, and prints (after - before - O) / K
# per backend.  O is what reading /metrics itself costs: it pings both
# daemons before it renders the counters, so a window holds one reading's
# pings; O is measured as two readings with nothing between them.  A figure
# that is not a whole number means the requests of one route did not all
# take the same path.
# Provider traffic (authd's HTTPS requests to the provider) is not an IPC
# round trip and is not counted.
#
# Usage: bench/roundtrips.sh [--smoke]
#   K    requests per route (default 10; --smoke: 3)
#   BIN  build to measure (default build/normal)
set -u
cd "$(dirname "$0")/.."
export AIRLOCK_SRC=$PWD
SMOKE=0
case ${1:-} in
--smoke) SMOKE=1 ;;
"") ;;
*) echo "usage: bench/roundtrips.sh [--smoke]" >&2; exit 2 ;;
esac
K=${K:-10}
[ "$SMOKE" = 1 ] && K=3
export BIN=${BIN:-$PWD/build/normal}
for f in airlock-store airlock-authd airlock-frontend tools/storec; do
	[ -x "$BIN/$f" ] || { echo "bench/roundtrips.sh: $BIN/$f missing: run make" >&2; exit 1; }
done

. tests/lib.sh
. tests/lib_stack.sh
. bench/lib_bench.sh
# Every request comes from 127.0.0.1: no per-address caps or rate limits here.
STACK_FRONTEND_EXTRA="max_conns_per_addr = 0
rate_limit_burst = 0
rate_limit_per_sec = 0"
STACK_STORE_EXTRA="max_pending_paircodes_per_addr = 1000"

die() { echo "bench/roundtrips.sh: $*" >&2; for f in "$T"/*.log; do echo "--- $f" >&2; tail -5 "$f" >&2; done; exit 1; }

# "store-calls authd-calls failed-calls" from /metrics
calls() {
	curl -sS --max-time 5 "$STACK_METRICS_URL/metrics" |
		awk -F'"' '/^airlock_frontend_backend_calls_total\{/ {
				split($0, f, " "); n = f[length(f)]; c[$2] += n; if ($4 != "ok") bad += n }
			END { printf "%d %d %d\n", c["store"], c["authd"], bad }'
}

# per K requests -> "2" or "1.33"
per() { awk -v d="$1" -v k="$K" 'BEGIN { v = d / k; if (v == int(v)) printf "%d", v; else printf "%.2f", v }'; }

ROWS=()
# measure LABEL EXPECT: runs the function do_requests (K requests, one HTTP
# status per line on stdout) between two readings of the counters.
measure() {
	local label=$1 expect=$2 b a codes
	read -ra b <<<"$(calls)"
	codes=$(do_requests)
	read -ra a <<<"$(calls)"
	[ "$(printf '%s\n' "$codes" | sort -u | tr '\n' ' ')" = "$expect " ] ||
		die "$label answered $(printf '%s\n' "$codes" | sort | uniq -c | tr '\n' ' ') (expected $expect)"
	[ "$((a[2] - b[2]))" = 0 ] || die "$label: $((a[2] - b[2])) backend calls failed"
	ROWS+=("$label|$(per $((a[0] - b[0] - O[0])))|$(per $((a[1] - b[1] - O[1])))|$expect")
}

code() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}\n' "$@"; }
paircode() { head -c 24 /dev/urandom | basenc --base64url | tr -d '=\n'; }

stack_init op || die "cannot set up the stack: $STACK_SKIP"
stack_start || die "the stack did not start"
read -ra b <<<"$(calls)"; read -ra a <<<"$(calls)"
O=($((a[0] - b[0])) $((a[1] - b[1])))

# The user: one web session (its cookie) and K command-line sessions to revoke.
COOKIE="session=$(bench_many_sessions bench-rt $((K + 1)))" || die "cannot make the sessions"
CSRF=$(curl -sS --max-time 10 -H "Cookie: $COOKIE" "$STACK_URL/" |
	sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
[ -n "$CSRF" ] || die "no CSRF token on the counter page"
curl -sS --max-time 10 -H "Cookie: $COOKIE" "$STACK_URL/sessions" | python3 -c 'import re, sys
for row in re.findall(r"<tr>(.*?)</tr>", sys.stdin.read()):
    m = re.search(r"action=\"/sessions/([A-Za-z0-9_-]+)/revoke\"", row)
    if m and "<td>Command line</td>" in row and "bench-cli" in row:
        print(m.group(1))' >"$T/sids"
[ "$(wc -l <"$T/sids")" = "$K" ] || die "found $(wc -l <"$T/sids") command-line sessions on /sessions, not $K"
POST=(-H "Cookie: $COOKIE" -H "Origin: $STACK_URL" --data "csrf=$CSRF")

do_requests() { for _ in $(seq "$K"); do code -H "Cookie: $COOKIE" "$STACK_URL/"; done; }
measure "GET / (signed in)" 200
do_requests() { for _ in $(seq "$K"); do code "${POST[@]}" -H 'Accept: application/json' "$STACK_URL/increment"; done; }
measure "POST /increment" 200
do_requests() { for _ in $(seq "$K"); do code -H "Cookie: $COOKIE" "$STACK_URL/secured"; done; }
measure "GET /secured" 200
do_requests() { for _ in $(seq "$K"); do code -H "Cookie: $COOKIE" "$STACK_URL/auth"; done; }
measure "GET /auth (forward auth)" 202
do_requests() { for _ in $(seq "$K"); do code -H "Authorization: Bearer ${COOKIE#session=}" "$STACK_URL/auth"; done; }
measure "GET /auth (Bearer token)" 202
do_requests() { for _ in $(seq "$K"); do code "$STACK_URL/auth"; done; }
measure "GET /auth (no session)" 401
do_requests() { for _ in $(seq "$K"); do code -H "Cookie: $COOKIE" "$STACK_URL/sessions"; done; }
measure "GET /sessions" 200
do_requests() { local s; while read -r s; do code "${POST[@]}" "$STACK_URL/sessions/$s/revoke"; done <"$T/sids"; }
measure "POST /sessions/{sid}/revoke" 303
do_requests() { for _ in $(seq "$K"); do code -H "Cookie: $COOKIE" "$STACK_URL/logout"; done; }
measure "GET /logout (confirm page)" 200
do_requests() { for _ in $(seq "$K"); do code "$STACK_URL/"; done; }
measure "GET / (signed out)" 303
do_requests() { for _ in $(seq "$K"); do code "$STACK_URL/login"; done; }
measure "GET /login" 200
do_requests() { for _ in $(seq "$K"); do code "$STACK_URL/login/op"; done; }
measure "GET /login/{provider}" 303

# The callback: K browsers go through the provider's forms first (outside
# the window), then each comes back to /auth_redirect.
for i in $(seq "$K"); do
	url=$(stack_authorize_url "$T/b$i.jar" op) && [ -n "$url" ] || die "no authorize URL"
	stack_provider_login "$url" "rt$i" op >"$T/b$i.back" && [ -s "$T/b$i.back" ] || die "provider login failed"
done
do_requests() { for i in $(seq "$K"); do sc "$T/b$i.jar" -o /dev/null -w '%{http_code}\n' "$(cat "$T/b$i.back")"; done; }
measure "GET /auth_redirect (sign-in)" 303
# Those sessions (signed in through the provider, with its grant) sign out.
for i in $(seq "$K"); do
	c=$(st_csrf "$T/b$i.jar"); [ -n "$c" ] || die "no CSRF token for browser $i"
	echo "$c" >"$T/b$i.csrf"
done
do_requests() { for i in $(seq "$K"); do
	sc "$T/b$i.jar" -o /dev/null -w '%{http_code}\n' -H "Origin: $STACK_URL" \
		--data "csrf=$(cat "$T/b$i.csrf")" "$STACK_URL/logout"; done; }
measure "POST /logout (provider grant)" 303

# Pairing: K paircodes registered, polled once each while pending, and
# their approval pages opened by the signed-in user.
for i in $(seq "$K"); do paircode >"$T/pc$i"; done
do_requests() { for i in $(seq "$K"); do
	curl -sS --max-time 10 -o "$T/pc$i.url" -w '%{http_code}\n' --data "paircode=$(cat "$T/pc$i")" \
		"$STACK_URL/cli_login"; done; }
measure "POST /cli_login" 200
do_requests() { for i in $(seq "$K"); do code --data "paircode=$(cat "$T/pc$i")" "$STACK_URL/token"; done; }
measure "POST /token (pending)" 200
do_requests() { for i in $(seq "$K"); do code -H "Cookie: $COOKIE" "$(cat "$T/pc$i.url")"; done; }
measure "GET /pair/{ref} (signed in)" 200
# The same pairings denied by the signed-in user, then polled once more.
do_requests() { for i in $(seq "$K"); do code "${POST[@]}" --data decision=deny "$(cat "$T/pc$i.url")"; done; }
measure "POST /pair/{ref} (deny)" 200
do_requests() { for i in $(seq "$K"); do code --data "paircode=$(cat "$T/pc$i")" "$STACK_URL/token"; done; }
measure "POST /token (denied)" 403
do_requests() { for _ in $(seq "$K"); do code "$STACK_URL/healthz"; done; }
measure "GET /healthz" 200

printf '\nBackend round trips per request (frontend /metrics call counters, %d requests per route)\n\n' "$K"
printf '| %-30s | %6s | %5s | %6s |\n' route store authd status
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' $(seq 32))" "-------:" "------:" "-------:"
for r in "${ROWS[@]}"; do
	IFS='|' read -r l s a e <<<"$r"
	printf '| %-30s | %6s | %5s | %6s |\n' "$l" "$s" "$a" "$e"
done
