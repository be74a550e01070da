# Several airlock nodes on one PostgreSQL, behind nginx, on loopback.  Source tests/lib.sh
# first (this file sources lib_stack.sh, hence lib_idp.sh, and lib_pg.sh).  Everything lives
# in $T and is stopped by lib.sh's cleanup.
#
# A node is what one machine of a deployment runs: airlock-store ([store] backend =
# postgresql), airlock-authd and airlock-frontend, each with its own sockets, state and
# frontend port; every node has the same public_url (nginx's URL), the same provider
# registration and the same authd keys (secrets_dir's login.key, signing.key and
# grant.key), and [frontend] trusted_proxies names nginx's address.
#
# Setting up
#   cluster_up N [PROVIDER]  starts PostgreSQL "$CLUSTER_PG" (main) unless CLUSTER_CONNINFO
#                       is set, the provider (op: tests/idp/op.mjs, the default; gh; dev:
#                       devidp/, the development provider), then N nodes (1..N), and waits
#                       until each node's frontend says /healthz ok and lists the provider.
#                       Returns 1 with the reason on stderr.  Knobs: CLUSTER_PORT (nginx's
#                       port; default a free one), CLUSTER_IDP_PORT (dev provider's port),
#                       CLUSTER_CONNINFO / CLUSTER_PASSWORD_FILE (the store's database; default
#                       pg_conninfo/$T/pg-$CLUSTER_PG.pw), STACK_TIMEOUT_MS and the other
#                       lib_stack.sh knobs.
#   cluster_test_up WHAT N   for a test script: cluster_up N op and cluster_nginx; prints
#                       "SKIP: WHAT: <why>" and exits 0 when the provider kit cannot run here,
#                       "FAIL: ..." and exits 1 when something did not come up.
#   cluster_nginx       nginx (/usr/sbin/nginx) on CLUSTER_PORT, round-robin over the nodes'
#                       frontends with docs/nginx-cluster.conf (its upstream pointed at the
#                       nodes, plain http on 127.0.0.1 instead of TLS); waits until
#                       $CLUSTER_URL/healthz says ok.  Config, logs: $T/nginx/.
# Variables
#   CLUSTER_URL         http://127.0.0.1:CLUSTER_PORT (nginx; every node's public_url).
#                       STACK_URL is the same, so lib_stack.sh's browsing helpers (sc,
#                       st_get, st_post, st_count, st_csrf, stack_login) go through nginx.
#   NODE_URL[i] NODE_METRICS_URL[i] NODE_CONF[i] NODE_DIR[i] NODE_STORE_SOCK[i]
#   NODE_AUTHD_SOCK[i] NODE_STORE_PID[i] NODE_AUTHD_PID[i] NODE_FRONTEND_PID[i]
# Daemons of one node (each start gets its own log: nI-store.log, nI-store-2.log, ...)
#   cluster_start I [store|authd|frontend]...  (default: all three, in that order)
#   cluster_kill I [store|authd|frontend]...   SIGKILL (default: all three)
#   cluster_stop I [store|authd|frontend]...   SIGTERM, wait
#   cluster_alive I DAEMON                     0 when that daemon's process is running
#   cluster_node_ready I   /healthz ok and the provider listed on node I's own frontend
#   cluster_wait_ready I SECONDS
#   cluster_metric I NAME  the value of metric NAME on node I's /metrics ("" if absent)

: "${AIRLOCK_SRC:?source tests/lib.sh first}"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
declare -F pg_start >/dev/null || . "$AIRLOCK_SRC/tests/lib_pg.sh"

: "${CLUSTER_PG:=main}"
CLUSTER_N=0
CLUSTER_PROVIDER=
declare -a NODE_URL NODE_PORT NODE_METRICS_PORT NODE_METRICS_URL NODE_CONF NODE_DIR
declare -a NODE_STORE_SOCK NODE_AUTHD_SOCK NODE_STORE_PID NODE_AUTHD_PID NODE_FRONTEND_PID

# _cluster_port VAR: VAR (a name, or NAME[I]) = a port free now and not one this file or
# lib_pg.sh already handed out.
_cluster_port() {
	local p
	while p=$(free_port); case " ${_CLUSTER_PORTS:-} $(cat "$T"/pg-*.port 2>/dev/null | tr '\n' ' ') " in
		*" $p "*) true ;; *) false ;; esac; do :; done
	_CLUSTER_PORTS="${_CLUSTER_PORTS:-} $p"
	printf -v "$1" '%s' "$p"
}

# The development provider (devidp/, as `make demo` runs it): its npm packages in
# build/devidp, a client secret, authd's signing key and the base configuration from
# devidp/airlock-demo.conf.in; started with its redirect URI at CLUSTER_URL.
_cluster_dev_init() {
	local pub base=$T/base
	IDP_SKIP=$(npm_why_not)
	[ -z "$IDP_SKIP" ] || { echo "cluster: $IDP_SKIP" >&2; return 1; }
	npm_install "$AIRLOCK_SRC/devidp" "$AIRLOCK_SRC/build/devidp" oidc-provider ||
		{ echo "cluster: npm ci failed, see $AIRLOCK_SRC/build/devidp/npm.log" >&2; return 1; }
	npm_place "$AIRLOCK_SRC/devidp/devidp.mjs" "$AIRLOCK_SRC/build/devidp" || return 1
	mkdir -p "$base/secrets" && chmod 700 "$base/secrets"
	(umask 077; rand_b64url 32 >"$base/secrets/dev.client_secret")
	pub=$("$BIN/airlock-authd" -k "$base/secrets/signing.key" | sed -n 's/^proof_public_key = //p')
	[ -n "$pub" ] || { echo "cluster: airlock-authd -k printed no key" >&2; return 1; }
	[ -n "${CLUSTER_IDP_PORT:-}" ] || _cluster_port CLUSTER_IDP_PORT
	sed -e "s|@PORT@|$CLUSTER_PORT|g" -e "s|@IDP_PORT@|$CLUSTER_IDP_PORT|g" -e "s|@DIR@|$base|g" \
	    -e "s|@USER@|$(id -un)|g" -e "s|@PUBKEY@|$pub|g" \
	    "$AIRLOCK_SRC/devidp/airlock-demo.conf.in" >"$base/airlock.conf" || return 1
	CLUSTER_BASE_DIR=$base
}

_cluster_dev_start() {
	bg devidp env DEVIDP_PORT="$CLUSTER_IDP_PORT" DEVIDP_CLIENT_ID=airlock-demo \
		DEVIDP_CLIENT_SECRET_FILE="$CLUSTER_BASE_DIR/secrets/dev.client_secret" \
		DEVIDP_REDIRECT_URIS="$CLUSTER_URL/auth_redirect/dev" \
		node "$AIRLOCK_SRC/build/devidp/devidp.mjs"
	_idp_wait_ready "$T/devidp.log" "DEVIDP READY" "$LAST_PID"
}

# Node I's configuration: the base one with this node's ports, sockets and directories,
# the PostgreSQL backend and nginx as trusted proxy.
_cluster_node_conf() { # I
	local i=$1 d=$T/node$1
	NODE_DIR[$i]=$d
	_cluster_port "NODE_PORT[$i]"
	_cluster_port "NODE_METRICS_PORT[$i]"
	NODE_URL[$i]=http://127.0.0.1:${NODE_PORT[$i]}
	NODE_METRICS_URL[$i]=http://127.0.0.1:${NODE_METRICS_PORT[$i]}
	NODE_STORE_SOCK[$i]=$d/store.sock
	NODE_AUTHD_SOCK[$i]=$d/authd.sock
	NODE_CONF[$i]=$d/airlock.conf
	mkdir -p "$d" && chmod 755 "$d" || return 1
	# The same authd keys and provider secrets on every node.
	rm -rf "$d/secrets" "$d/authd-state"
	cp -a "$CLUSTER_BASE_DIR/secrets" "$d/secrets" &&
	mkdir -m 700 "$d/authd-state" || return 1
	awk -v url="$CLUSTER_URL" -v listen="127.0.0.1:${NODE_PORT[$i]}" \
	    -v metrics="127.0.0.1:${NODE_METRICS_PORT[$i]}" -v ssock="${NODE_STORE_SOCK[$i]}" \
	    -v asock="${NODE_AUTHD_SOCK[$i]}" -v dir="$d" -v conninfo="$CLUSTER_CONNINFO" \
	    -v pwfile="$CLUSTER_PASSWORD_FILE" '
	function key(l) { sub(/[ \t]*=.*/, "", l); sub(/^[ \t]+/, "", l); return l }
	/^\[/ {
		sec = $0; print
		if (sec == "[airlock]") print "public_url = " url
		if (sec == "[frontend]") {
			print "listen = " listen; print "metrics_listen = " metrics
			print "trusted_proxies = 127.0.0.1"
		}
		if (sec == "[store]") {
			print "socket = " ssock; print "backend = postgresql"
			print "postgresql = " conninfo; print "postgresql_password_file = " pwfile
		}
		if (sec == "[authd]") {
			print "socket = " asock; print "state_dir = " dir "/authd-state"
			print "secrets_dir = " dir "/secrets"
		}
		next
	}
	sec == "[airlock]" && key($0) == "public_url" { next }
	sec == "[frontend]" && key($0) ~ /^(listen|metrics_listen|trusted_proxies)$/ { next }
	sec == "[store]" && key($0) ~ /^(socket|backend|database|map_size_mb|postgresql|postgresql_password_file)$/ { next }
	sec == "[authd]" && key($0) ~ /^(socket|state_dir|secrets_dir)$/ { next }
	{ print }' "$CLUSTER_BASE_DIR/airlock.conf" >"${NODE_CONF[$i]}" || return 1
	chmod 644 "${NODE_CONF[$i]}"
}

cluster_up() { # N [PROVIDER]
	local n=$1 prov=${2:-op} i
	CLUSTER_N=$n CLUSTER_PROVIDER=$prov
	if [ -z "${CLUSTER_CONNINFO:-}" ]; then
		pg_start "$CLUSTER_PG" || { echo "cluster: PostgreSQL did not start" >&2; return 1; }
		CLUSTER_CONNINFO=$(pg_conninfo "$CLUSTER_PG")
		CLUSTER_PASSWORD_FILE=$T/pg-$CLUSTER_PG.pw
	fi
	[ -n "${CLUSTER_PORT:-}" ] || _cluster_port CLUSTER_PORT
	CLUSTER_URL=http://127.0.0.1:$CLUSTER_PORT
	if [ "$prov" = dev ]; then
		_cluster_dev_init || return 1
		STACK_URL=$CLUSTER_URL
		_cluster_dev_start || { echo "cluster: devidp did not start" >&2; return 1; }
	else
		stack_init "$prov" || { echo "cluster: $STACK_SKIP" >&2; return 1; }
		# public_url, the provider's redirect URI and the browsing helpers: nginx.
		STACK_URL=$CLUSTER_URL
		_stack_providers_start || { echo "cluster: the provider did not start" >&2; return 1; }
		CLUSTER_BASE_DIR=$STACK_DIR
	fi
	# login.key (logins in progress) and grant.key (sealed provider grants), one for all.
	(umask 077
	 head -c 32 /dev/urandom >"$CLUSTER_BASE_DIR/secrets/login.key" &&
	 head -c 32 /dev/urandom >"$CLUSTER_BASE_DIR/secrets/grant.key") || return 1
	for i in $(seq "$n"); do
		_cluster_node_conf "$i" || { echo "cluster: node $i configuration" >&2; return 1; }
		cluster_start "$i" || return 1
	done
	for i in $(seq "$n"); do
		cluster_wait_ready "$i" 30 || { echo "cluster: node $i not ready within 30 s" >&2; return 1; }
	done
}

cluster_test_up() { # WHAT N
	local m
	for m in /usr/sbin/nginx "$PG_BIN/postgres" "$PG_BIN/pg_basebackup"; do
		[ -x "$m" ] || { fail "$1: $m not installed (tests/deps.sh test)"; exit 1; }
	done
	if ! cluster_up "$2" op; then
		if [ -n "$STACK_SKIP" ]; then skip "$1: $STACK_SKIP"; exit 0; fi
		fail "$1: $2 nodes on one PostgreSQL did not start"; exit 1
	fi
	cluster_nginx || { fail "$1: nginx did not start"; exit 1; }
}

cluster_start() { # I [DAEMON...]
	local i=$1 what d; shift
	what=${*:-store authd frontend}
	for d in $what; do
		case $d in
		store)
			rm -f "${NODE_STORE_SOCK[$i]}"
			bg "$(_stack_log "n$i-store")" "${CLOCK_RUN[@]}" "$BIN/airlock-store" -d -v -f "${NODE_CONF[$i]}"
			NODE_STORE_PID[$i]=$LAST_PID
			_cluster_wait_up "$i" store 30 test -S "${NODE_STORE_SOCK[$i]}" || return 1 ;;
		authd)
			rm -f "${NODE_AUTHD_SOCK[$i]}"
			bg "$(_stack_log "n$i-authd")" "${CLOCK_RUN[@]}" "$BIN/airlock-authd" -d -v -f "${NODE_CONF[$i]}"
			NODE_AUTHD_PID[$i]=$LAST_PID
			_cluster_wait_up "$i" authd 10 test -S "${NODE_AUTHD_SOCK[$i]}" || return 1 ;;
		frontend)
			bg "$(_stack_log "n$i-frontend")" "$BIN/airlock-frontend" -d -v -f "${NODE_CONF[$i]}"
			NODE_FRONTEND_PID[$i]=$LAST_PID
			_cluster_wait_up "$i" frontend 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/${NODE_PORT[$i]}" ||
				return 1 ;;
		*) echo "cluster: no daemon $d" >&2; return 1 ;;
		esac
	done
}

# _cluster_wait_up I DAEMON SECONDS command...: until the command succeeds; 1 at once
# when the daemon exited (with the end of its log on stderr).
_cluster_wait_up() {
	local i=$1 d=$2 end=$((SECONDS + $3)) pid; shift 3
	pid=$(_cluster_pid "$i" "$d")
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" 2>/dev/null && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "cluster: node $i $d exited:" >&2
			tail -n 5 "$(ls -t "$T"/n"$i"-"$d"*.log | head -1)" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "cluster: node $i $d not up within $3 s" >&2
	return 1
}

_cluster_pid() { # I DAEMON
	case $2 in
	store) echo "${NODE_STORE_PID[$1]:-}" ;;
	authd) echo "${NODE_AUTHD_PID[$1]:-}" ;;
	frontend) echo "${NODE_FRONTEND_PID[$1]:-}" ;;
	esac
}

cluster_alive() { local p; p=$(_cluster_pid "$1" "$2"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

cluster_kill() { # I [DAEMON...]
	local i=$1 d pid; shift
	for d in ${*:-store authd frontend}; do
		pid=$(_cluster_pid "$i" "$d")
		[ -n "$pid" ] || continue
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

cluster_stop() { # I [DAEMON...]
	local i=$1 d pid; shift
	for d in ${*:-frontend authd store}; do
		pid=$(_cluster_pid "$i" "$d")
		[ -n "$pid" ] && _stack_stop "$pid"
	done
	return 0
}

cluster_node_ready() { # I
	curl -sS --max-time 2 "${NODE_URL[$1]}/healthz" 2>/dev/null | grep -q '^ok$' &&
	curl -sS --max-time 2 "${NODE_URL[$1]}/login" 2>/dev/null | grep -q "href=\"/login/$CLUSTER_PROVIDER\""
}
cluster_wait_ready() { _stack_wait "$2" cluster_node_ready "$1"; }

cluster_metric() { # I NAME
	curl -sS --max-time 5 "${NODE_METRICS_URL[$1]}/metrics" 2>/dev/null |
		awk -v m="$2" '$1 == m { print $2; exit }'
}

# ---------------------------------------------------------------- nginx

# docs/nginx-cluster.conf for this cluster: its upstream servers are the nodes' frontends
# (with the example's server options), and its TLS listener becomes plain http on
# 127.0.0.1:CLUSTER_PORT (no certificate here; the proxying is the example's own).
_cluster_nginx_site() {
	local servers= i
	for i in $(seq "$CLUSTER_N"); do servers="$servers 127.0.0.1:${NODE_PORT[$i]}"; done
	awk -v servers="$servers" -v listen="127.0.0.1:$CLUSTER_PORT" '
	/^[ \t]*#/ { next }
	/^[ \t]*server[ \t]+[0-9.]+:[0-9]+/ {
		if (done++) next
		n = split(servers, s, " "); opts = $0
		sub(/^[ \t]*server[ \t]+[^ \t;]+/, "", opts)
		for (k = 1; k <= n; k++) print "    server " s[k] opts
		next
	}
	/^[ \t]*listen[ \t]/ { if (!l++) print "    listen " listen ";"; next }
	/^[ \t]*(ssl_|http2[ \t])/ { next }
	/^[ \t]*server_name[ \t]/ { print "    server_name 127.0.0.1;"; next }
	{ print }' "$AIRLOCK_SRC/docs/nginx-cluster.conf"
}

cluster_nginx() {
	local d=$T/nginx
	mkdir -p "$d/tmp" && chmod 755 "$d" "$d/tmp" || return 1
	_cluster_nginx_site >"$d/airlock-site.conf" || return 1
	{
		echo "daemon off;"
		# As root the master keeps only the listening socket; workers run as nobody.
		[ "$(id -u)" = 0 ] && echo "user nobody nogroup;"
		echo "worker_processes 2;"
		echo "pid $d/nginx.pid;"
		echo "error_log $d/error.log warn;"
		echo "events { worker_connections 1024; }"
		echo "http {"
		echo "    client_body_temp_path $d/tmp/body;"
		echo "    proxy_temp_path $d/tmp/proxy;"
		echo "    fastcgi_temp_path $d/tmp/fastcgi;"
		echo "    uwsgi_temp_path $d/tmp/uwsgi;"
		echo "    scgi_temp_path $d/tmp/scgi;"
		echo "    log_format cluster '\$remote_addr \"\$request\" \$status upstream=\$upstream_addr';"
		echo "    access_log $d/access.log cluster;"
		echo "    include $d/airlock-site.conf;"
		echo "}"
	} >"$d/nginx.conf"
	/usr/sbin/nginx -t -p "$d" -e "$d/error.log" -c "$d/nginx.conf" >"$T/nginx-check.log" 2>&1 ||
		{ echo "cluster: nginx -t:" >&2; cat "$T/nginx-check.log" >&2; return 1; }
	bg nginx /usr/sbin/nginx -p "$d" -e "$d/error.log" -c "$d/nginx.conf"
	CLUSTER_NGINX_PID=$LAST_PID
	_stack_wait 10 _cluster_nginx_ok ||
		{ echo "cluster: nginx not answering:" >&2; tail -5 "$d/error.log" >&2; return 1; }
}
_cluster_nginx_ok() {
	kill -0 "$CLUSTER_NGINX_PID" 2>/dev/null &&
	curl -sS --max-time 2 "$CLUSTER_URL/healthz" 2>/dev/null | grep -q '^ok$'
}

# ---------------------------------------------------------------- load
# Durable increments with wrk (Debian's wrk, LuaJIT): POST /increment with the session
# cookie, the CSRF token and the public Origin, as the counter page's script sends it
# (Accept: application/json: the answer carries the count).
#   cluster_wrk_start NAME URL COOKIE CSRF SECONDS [CONNECTIONS]
#                       one thread, CONNECTIONS (4) keep-alive connections to URL (a node's
#                       frontend or nginx), for SECONDS, each request with a 5 s timeout.
#                       When done, $T/NAME.wrk has "key value" lines:
#                         issued N     requests written to a connection
#                         acked N      answered 2xx (or 303): the increment is committed
#                         failed N     answered 5xx: no outcome given (it may have committed)
#                         refused N    answered otherwise (4xx: nothing was written)
#                         unanswered N sent, and the connection failed before an answer
#                         write_errors N     requests whose write failed (never sent)
#                         connect_errors N read_errors N timeouts N   (wrk's own counters)
#   cluster_wrk_wait NAME   until it is done (bounded by SECONDS + 30); 1 if not
#                       $T/NAME.acks: every count acknowledged ({"count": N}), one a line
#   cluster_wrk_acked NAME  how many acknowledged so far (while it runs)
#   cluster_wrk_get NAME KEY
cat >"$T/cluster_increment.lua" <<'LUA'
-- POST /increment as the counter page's script; counts what each answer says, and
-- writes each acknowledged count (the JSON answer's) to CLUSTER_WRK_OUT.acks.THREAD
-- at once (a test reads it while the load runs).
local function need(name)
  local v = os.getenv(name)
  if v == nil or v == "" then error(name .. " is not set") end
  return v
end
local threads = {}
function setup(thread) thread:set("id", #threads + 1); table.insert(threads, thread) end
function init(args)
  issued, acked, failed, refused = 0, 0, 0, 0
  acks = assert(io.open(need("CLUSTER_WRK_OUT") .. ".acks." .. id, "w"))
  req = wrk.format("POST", "/increment", {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json",
    ["Cookie"] = need("CLUSTER_COOKIE"), ["Origin"] = need("CLUSTER_ORIGIN") },
    "csrf=" .. need("CLUSTER_CSRF"))
end
function request() issued = issued + 1; return req end
function response(status, headers, body)
  if status == 303 or (status >= 200 and status < 300) then
    acked = acked + 1
    local c = body:match('"count":(%d+)')
    if c then acks:write(c, "\n"); acks:flush() end
  elseif status >= 500 then failed = failed + 1
  else refused = refused + 1 end
end
function done(summary, latency, requests)
  local t = { issued = 0, acked = 0, failed = 0, refused = 0 }
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
  end
  local f = io.open(need("CLUSTER_WRK_OUT") .. ".tmp", "w")
  for _, k in ipairs({ "issued", "acked", "failed", "refused" }) do
    f:write(k, " ", t[k], "\n")
  end
  -- A request whose write failed never left (wrk counts the failed write, then
  -- reconnects and asks for a new request): it is not "unanswered".
  f:write("unanswered ", t.issued - t.acked - t.failed - t.refused - summary.errors.write, "\n")
  f:write("write_errors ", summary.errors.write, "\n")
  f:write("connect_errors ", summary.errors.connect, "\n")
  f:write("read_errors ", summary.errors.read, "\n")
  f:write("timeouts ", summary.errors.timeout, "\n")
  f:close()
  os.rename(need("CLUSTER_WRK_OUT") .. ".tmp", need("CLUSTER_WRK_OUT"))
end
LUA

declare -A CLUSTER_WRK_SECS=() CLUSTER_WRK_PID=()
cluster_wrk_start() { # NAME URL COOKIE CSRF SECONDS [CONNECTIONS]
	local name=$1 url=$2 cookie=$3 csrf=$4 secs=$5 conns=${6:-4}
	rm -f "$T/$name.wrk"
	CLUSTER_WRK_SECS[$name]=$secs
	bg "wrk-$name" env CLUSTER_COOKIE="$cookie" CLUSTER_CSRF="$csrf" CLUSTER_ORIGIN="$CLUSTER_URL" \
		CLUSTER_WRK_OUT="$T/$name.wrk" timeout -k 5 $((secs + 25)) \
		wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s -s "$T/cluster_increment.lua" "$url/increment"
	CLUSTER_WRK_PID[$name]=$LAST_PID
}
cluster_wrk_wait() { # NAME
	local end=$((SECONDS + ${CLUSTER_WRK_SECS[$1]} + 30))
	while [ "$SECONDS" -lt "$end" ] && kill -0 "${CLUSTER_WRK_PID[$1]}" 2>/dev/null; do sleep 0.2; done
	wait "${CLUSTER_WRK_PID[$1]}" 2>/dev/null
	cat "$T/$1.wrk.acks."* >"$T/$1.acks" 2>/dev/null
	[ -s "$T/$1.wrk" ] && return 0
	echo "wrk $1 gave no result:" >&2; tail -n 3 "$T/wrk-$1.log" >&2
	return 1
}
cluster_wrk_acked() { cat "$T/$1.wrk.acks."* 2>/dev/null | wc -l; }
cluster_wrk_get() { awk -v k="$2" '$1 == k { print $2 }' "$T/$1.wrk"; }

# cluster_check_acks FINAL NAME...: pass/fail lines on the counts the wrk loads NAME...
# saw acknowledged: each one distinct (an acknowledged increment that was lost would
# let a later one acknowledge the same count again), one per acknowledged answer,
# and none above FINAL, the count read at the end.
cluster_check_acks() {
	local final=$1 n dups max acked=0 k; shift
	for k in "$@"; do acked=$((acked + $(cluster_wrk_get "$k" acked))); done
	for k in "$@"; do cat "$T/$k.acks"; done | sort -n >"$T/acks.all"
	n=$(wc -l <"$T/acks.all")
	dups=$(uniq -d "$T/acks.all" | wc -l)
	max=$(tail -n 1 "$T/acks.all")
	expect_eq "every acknowledged answer carried its count" "$acked" "$n"
	expect_eq "no count acknowledged twice (of $n; a lost increment would repeat one)" 0 "$dups"
	[ -n "$max" ] && [ -n "$final" ] && [ "$final" -ge "$max" ] &&
		pass "final count $final >= highest acknowledged $max" ||
		fail "final count '$final' < highest acknowledged '$max'"
}

# cluster_two_users: alice and bob sign in through nginx and bob counts once (pass/fail
# lines); sets U (CLUSTER_URL), A and B (their cookie jars), BOB (bob's count), and
# COOKIE, CSRF and START (alice's session cookie, CSRF token and count) for a load.
# Returns 1 when alice's page gave no CSRF token or count.
cluster_two_users() {
	U=$CLUSTER_URL A=$T/a.jar B=$T/b.jar
	expect_eq "alice signs in" "303 $U/" "$(stack_login "$A" alice)"
	expect_eq "bob signs in" "303 $U/" "$(stack_login "$B" bob)"
	expect_eq "bob counts once" "303 $U/" "$(st_post "$B" /increment back=1)"
	BOB=$(st_count "$B")
	COOKIE="session=$(st_cookie "$A")" CSRF=$(st_csrf "$A")
	START=$(st_count "$A")
	[ -n "$CSRF" ] || { fail "no CSRF token on alice's counter page"; return 1; }
	[ -n "$START" ] || { fail "no count on alice's counter page"; return 1; }
}
