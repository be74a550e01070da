#!/usr/bin/env bash
# `make demo-cluster`: two airlock nodes sharing one PostgreSQL, behind nginx, with the
# development OpenID provider, all on 127.0.0.1 (tests/lib_cluster.sh does the work):
#   - a PostgreSQL 15 cluster made with initdb in a temporary folder, run as an
#     unprivileged user (postgres when started as root), database airlock, role
#     airlock_store with a random password kept in a 0600 file
#   - two nodes, each its own airlock-store ([store] backend = postgresql),
#     airlock-authd and airlock-frontend, with the same public_url and authd keys
#   - nginx (docs/nginx-cluster.conf) round-robin over the two frontends, and devidp
# It prints the one URL to use (nginx's), stays in the foreground until Ctrl-C, then
# stops everything and removes the temporary folder.
# Environment: DEMO_PORT (8000, nginx), DEMO_IDP_PORT (9090, devidp), BIN (build/normal),
#   DEMO_CHECK=1 (start, fetch / and /login through nginx, stop; exit 0 if all worked),
#   KEEP_TEST_TMP=1 (keep the temporary folder: logs, configuration, database).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
export AIRLOCK_SRC=$SRC BIN=${BIN:-$SRC/build/normal}
PORT=${DEMO_PORT:-8000}
IDP_PORT=${DEMO_IDP_PORT:-9090}
CHECK=${DEMO_CHECK:-0}

say() { printf 'demo-cluster: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for p in airlock-store airlock-authd airlock-frontend airlock; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is missing: run make first"
done
[ -x /usr/sbin/nginx ] || die "nginx is needed (make demo-cluster installs it)"
[ -x /usr/lib/postgresql/15/bin/postgres ] || die "PostgreSQL 15 is needed (make demo-cluster installs it)"
command -v curl >/dev/null || die "curl is needed (make demo-cluster installs it)"
for p in "$PORT" "$IDP_PORT"; do
	port_busy "$p" && die "port $p on 127.0.0.1 is in use (set DEMO_PORT / DEMO_IDP_PORT)"
done

. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_cluster.sh"
trap 'say "stopping"; exit 130' INT
trap 'exit 143' TERM

say "starting PostgreSQL, two nodes, devidp and nginx in $T"
CLUSTER_PORT=$PORT CLUSTER_IDP_PORT=$IDP_PORT
cluster_up 2 dev || die "the nodes did not start (logs in $T; KEEP_TEST_TMP=1 keeps them)"
cluster_nginx || die "nginx did not start"
URL=$CLUSTER_URL

# DEMO_CHECK=1: the pages answer through nginx, from both nodes; then everything stops.
check_pages() {
	local ok=0 code loc i body
	for i in 1 2; do
		read -r code loc < <(curl -sS -o /dev/null -m 10 -w '%{http_code} %{redirect_url}\n' "$URL/")
		if [ "$code" = 303 ] && [ "$loc" = "$URL/login" ]; then echo "PASS: demo-cluster: / redirects to /login ($i)"
		else echo "FAIL: demo-cluster: / answered $code $loc"; ok=1; fi
	done
	body=$(curl -sS -m 10 "$URL/login")
	if printf '%s' "$body" | grep -q '/login/dev'; then echo "PASS: demo-cluster: /login offers the dev provider"
	else echo "FAIL: demo-cluster: /login has no /login/dev button"; ok=1; fi
	read -r code loc < <(curl -sS -o /dev/null -m 10 -w '%{http_code} %{redirect_url}\n' "$URL/login/dev")
	if [ "$code" = 303 ] && [[ $loc == "http://127.0.0.1:$IDP_PORT/auth?"* ]]; then
		echo "PASS: demo-cluster: /login/dev redirects to devidp"
	else echo "FAIL: demo-cluster: /login/dev answered $code $loc"; ok=1; fi
	if [ "$(awk '{ print $NF }' "$T/nginx/access.log" | sort -u | wc -l)" -ge 2 ]; then
		echo "PASS: demo-cluster: nginx sent requests to both nodes"
	else echo "FAIL: demo-cluster: nginx did not use both nodes"; ok=1; fi
	return $ok
}

if [ "$CHECK" = 1 ]; then
	check_pages
	exit $?
fi
cat >&2 <<MSG

  airlock cluster demo is running:  $URL

  nginx (round-robin, $T/nginx/nginx.conf) in front of two nodes:
    node 1  ${NODE_URL[1]}  metrics ${NODE_METRICS_URL[1]}/metrics
    node 2  ${NODE_URL[2]}  metrics ${NODE_METRICS_URL[2]}/metrics
  both on PostgreSQL 15 at 127.0.0.1:$(pg_port "$CLUSTER_PG") (database airlock, $T/pg-$CLUSTER_PG)
  Sign in with "Dev IdP": any user name and password are accepted.
  CLI pairing:  $BIN/airlock login --server $URL
  Logs: $T   (nginx: $T/nginx/access.log shows which node answered)
  Press Ctrl-C to stop.

MSG
echo "$URL/"
while :; do
	for p in "${T_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && continue
		say "process $p stopped (see the logs in $T); shutting down the demo"
		KEEP_TEST_TMP=1
		exit 1
	done
	sleep 1
done
