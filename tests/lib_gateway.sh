# airlock in front of another application through Debian's nginx, on loopback, with
# the shipped docs/nginx-gateway.conf.  Source tests/lib.sh first (this file sources
# lib_stack.sh).  Everything lives in $T and is stopped by lib.sh's cleanup.
#
#   gw_up WHAT [PROVIDERS...]
#                   the whole thing for a test script: the stack (lib_stack.sh, default
#                   provider op) with public_url = nginx's URL and trusted_proxies =
#                   127.0.0.1, the echo application (tests/tools/echo_upstream.py) and
#                   nginx.  Prints "SKIP: WHAT: <why>" and exits 0 when nginx or the
#                   provider kit cannot run here, "FAIL: ..." and exits 1 when something
#                   did not come up.  Knob: GW_FRONTEND_EXTRA (lines for [frontend]).
#   gw_nginx_site   docs/nginx-gateway.conf for this test (stdout): its upstream servers
#                   are the frontend and the echo application, its TLS listener plain
#                   http on 127.0.0.1:GW_PORT; every other line is the shipped file's.
# Variables
#   GW_URL          http://127.0.0.1:GW_PORT: nginx; also STACK_URL (public_url, the
#                   provider's redirect URI, lib_stack.sh's browsing helpers)
#   FE_URL          the frontend itself (GET /auth directly)
#   APP_URL         the echo application itself
# Helpers
#   gw_app JAR PATH [CURL ARGS...]   GET PATH through nginx with the jar: prints
#                   "CODE LOCATION" on the first line and the body after it
#   gw_echo_header HEADER            from a body of the echo application on stdin: the
#                   value of request header HEADER (lower case) as the application got
#                   it, "<absent>" when it did not get one (or it was empty)
#   gw_echo_field FIELD              from such a body: a top-level number or string

: "${AIRLOCK_SRC:?source tests/lib.sh first}"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

GW_NGINX=/usr/sbin/nginx

gw_nginx_site() {
	awk -v airlock="127.0.0.1:$STACK_PORT" -v app="127.0.0.1:$APP_PORT" \
	    -v listen="127.0.0.1:$GW_PORT" '
	/^[ \t]*#/ { next }
	/^[ \t]*upstream[ \t]/ { up = $2 }
	/^[ \t]*server[ \t]+[0-9.]+:[0-9]+/ {
		opts = $0; sub(/^[ \t]*server[ \t]+[^ \t;]+/, "", opts)
		print "    server " (up == "airlock" ? airlock : app) opts; next
	}
	/^[ \t]*listen[ \t]/ { if (!l++) print "    listen " listen ";"; next }
	/^[ \t]*(ssl_|http2[ \t])/ { next }
	/^[ \t]*server_name[ \t]/ { print "    server_name 127.0.0.1;"; next }
	{ print }' "$AIRLOCK_SRC/docs/nginx-gateway.conf"
}

_gw_nginx_start() {
	local d=$T/nginx
	mkdir -p "$d/tmp" && chmod 755 "$d" "$d/tmp" || return 1
	gw_nginx_site >"$d/gateway-site.conf" || return 1
	{
		echo "daemon off;"
		[ "$(id -u)" = 0 ] && echo "user nobody nogroup;"
		echo "worker_processes 1;"
		echo "pid $d/nginx.pid;"
		echo "error_log $d/error.log warn;"
		echo "events { worker_connections 1024; }"
		echo "http {"
		for t in client_body proxy fastcgi uwsgi scgi; do echo "    ${t}_temp_path $d/tmp/$t;"; done
		echo "    log_format gw '\$remote_addr \"\$request\" \$status auth=\$upstream_status';"
		echo "    access_log $d/access.log gw;"
		echo "    include $d/gateway-site.conf;"
		echo "}"
	} >"$d/nginx.conf"
	"$GW_NGINX" -t -p "$d" -e "$d/error.log" -c "$d/nginx.conf" >"$T/nginx-check.log" 2>&1 ||
		{ echo "gateway: nginx -t:" >&2; cat "$T/nginx-check.log" >&2; return 1; }
	bg nginx "$GW_NGINX" -p "$d" -e "$d/error.log" -c "$d/nginx.conf"
	GW_NGINX_PID=$LAST_PID
	wait_port "$GW_PORT" 10
}

_gw_ready() {
	local p
	curl -sS --max-time 2 "$FE_URL/healthz" 2>/dev/null | grep -q '^ok$' || return 1
	for p in $STACK_PROVIDERS; do
		curl -sS --max-time 2 "$GW_URL/login" 2>/dev/null | grep -q "href=\"/login/$p\"" || return 1
	done
}

gw_up() { # WHAT [PROVIDERS...]
	local what=$1; shift
	[ -x "$GW_NGINX" ] || { fail "$what: $GW_NGINX not installed (tests/deps.sh test)"; exit 1; }
	STACK_FRONTEND_EXTRA="trusted_proxies = 127.0.0.1
${GW_FRONTEND_EXTRA:-}"
	stack_init "${@:-op}" || { skip "$what: $STACK_SKIP"; exit 0; }
	FE_URL=$STACK_URL
	GW_PORT=$(free_port)
	APP_PORT=$(free_port)
	GW_URL=http://127.0.0.1:$GW_PORT
	APP_URL=http://127.0.0.1:$APP_PORT
	sed -i "s|^public_url = .*|public_url = $GW_URL|" "$STACK_CONF"
	STACK_URL=$GW_URL
	bg app python3 "$AIRLOCK_SRC/tests/tools/echo_upstream.py" "$APP_PORT"
	wait_port "$APP_PORT" 10 || { fail "$what: echo application did not start"; exit 1; }
	_gw_nginx_start || { fail "$what: nginx did not start"; exit 1; }
	rm -f "$STORE_SOCK" "$AUTHD_SOCK"
	{ _stack_providers_start && stack_start_store && stack_start_authd && stack_start_frontend &&
	  _stack_wait 30 _gw_ready; } || { fail "$what: stack did not start behind nginx"; exit 1; }
}

gw_app() { # JAR PATH [CURL ARGS...]
	local jar=$1 p=$2; shift 2
	sc "$jar" -w '%{http_code} %{redirect_url}\n' -o "$T/gw_app.body" "$@" "$GW_URL$p" &&
		cat "$T/gw_app.body"
}

gw_echo_header() { # HEADER
	local v
	v=$(sed -n "s/^  \"$1\": \"\(.*\)\",\{0,1\}\$/\1/p")
	echo "${v:-<absent>}"
}

gw_echo_field() { # FIELD
	sed -n "s/^ \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p"
}
