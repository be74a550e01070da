#!/usr/bin/env bash
# /metrics is served only on its own listener (metrics_listen): the public
# address answers 404 for it, and the metrics listener serves nothing but
# /metrics and /healthz.  /healthz anywhere is a bare "ok" / 503 "unavailable"
# with no counts; the counts (users, sessions, pending pairings, providers
# ready) are on /metrics.  metrics_listen = off serves no metrics at all, and
# without the key the listener is on loopback port 9100.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
stack_up "metrics listener" op
U=$STACK_URL M=$STACK_METRICS_URL A=$T/a.jar
code() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }

expect_eq "sign in" "303 $U/" "$(stack_login "$A" alice)"
expect_eq "public address: GET /metrics is 404" 404 "$(code "$U/metrics")"
expect_eq "public address: HEAD /metrics is 404" 404 "$(code -I "$U/metrics")"
expect_match "...the ordinary not-found page" "There is no page at this address" "$(curl -sS --max-time 10 "$U/metrics")"
m=$(curl -sS --max-time 10 "$M/metrics")
expect_match "metrics_listen: GET /metrics is Prometheus text" "^# HELP airlock_frontend_" "$(printf '%s\n' "$m" | head -1)"
expect_match "...with the store's counts" "^airlock_store_users 1$" "$m"
expect_match "...sessions" "^airlock_store_sessions [1-9]" "$m"
expect_match "...pending pairings" "^airlock_store_pending_pairings 0$" "$m"
expect_match "...and the providers ready" "^airlock_authd_providers_ready 1$" "$m"
expect_match "...the limit counters" "^airlock_frontend_rate_limited_total 0$" "$m"
expect_eq "metrics_listen serves /healthz too" ok "$(curl -sS --max-time 10 "$M/healthz")"
expect_eq "metrics_listen serves no pages: /" 404 "$(code "$M/")"
expect_eq "metrics_listen serves no pages: /login/op" 404 "$(code "$M/login/op")"

h=$(curl -sS --max-time 10 -w ' %{http_code}' "$U/healthz")
expect_eq "public /healthz: a bare ok" "ok
 200" "$h"
expect_eq "public /healthz (JSON): a bare status" '{"status":"ok"} 200' \
	"$(curl -sS --max-time 10 -H 'Accept: application/json' -w ' %{http_code}' "$U/healthz" | tr -d '\n')"
check "public /healthz has no counts in either form" bash -c "! { curl -sS --max-time 10 '$U/healthz'; \
	curl -sS --max-time 10 -H 'Accept: application/json' '$U/healthz'; } | grep -Eiq '[0-9]|users|sessions|pending|providers'"
stack_stop_authd
h=$(curl -sS --max-time 10 -w ' %{http_code}' "$U/healthz")
expect_eq "authd down: /healthz 503 unavailable, nothing more" "unavailable
 503" "$h"
expect_match "authd down: /metrics says which" "^airlock_authd_up 0$" "$(curl -sS --max-time 10 "$M/metrics")"
stack_start_authd

# A second frontend on the same backends: metrics_listen = off, then the default.
P2=$(free_port)
sed -e "s/^listen = .*/listen = 127.0.0.1:$P2/" -e "s/^metrics_listen = .*/metrics_listen = off/" \
	"$STACK_CONF" >"$T/off.conf"
bg fe-off "$BIN/airlock-frontend" -d -v -f "$T/off.conf"
OFF_PID=$LAST_PID
wait_port "$P2" 10 || fail "frontend with metrics_listen = off did not start"
expect_eq "metrics_listen = off: /metrics still 404 on the public address" 404 "$(code "http://127.0.0.1:$P2/metrics")"
expect_match "metrics_listen = off: logged" "/metrics on nowhere \(metrics_listen = off\)" "$(cat "$T/fe-off.log")"
kill "$OFF_PID"; wait "$OFF_PID" 2>/dev/null
# Socket activation (as airlock-frontend.socket and airlock-frontend-metrics.socket
# do it): the socket named "metrics" serves /metrics, whatever order they come in;
# the configured addresses (unusable here) are not opened.
if command -v systemd-socket-activate >/dev/null; then
	P3=$(free_port) P4=$(free_port)
	sed -e "s/^listen = .*/listen = 192.0.2.1:80/" -e "s/^metrics_listen = .*/metrics_listen = 192.0.2.1:9100/" \
		"$STACK_CONF" >"$T/sa.conf"
	bg fe-sa systemd-socket-activate -l "127.0.0.1:$P4" -l "127.0.0.1:$P3" \
		--fdname=metrics:airlock-frontend.socket "$BIN/airlock-frontend" -d -v -f "$T/sa.conf"
	SA_PID=$LAST_PID
	wait_port "$P3" 10
	expect_eq "socket-activated: the HTTP socket serves pages" 200 "$(code "http://127.0.0.1:$P3/login")"
	expect_eq "...and not /metrics" 404 "$(code "http://127.0.0.1:$P3/metrics")"
	expect_match "socket-activated: the socket named metrics serves /metrics" "^airlock_store_up 1$" \
		"$(curl -sS --max-time 10 "http://127.0.0.1:$P4/metrics")"
	expect_match "...as logged" "/metrics on the metrics socket passed by systemd" "$(cat "$T/fe-sa.log")"
	kill "$SA_PID"; wait "$SA_PID" 2>/dev/null
else
	skip "socket activation: systemd-socket-activate is not installed"
fi
if python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 9100))' 2>/dev/null; then
	sed -e "s/^listen = .*/listen = 127.0.0.1:$P2/" -e "/^metrics_listen = /d" "$STACK_CONF" >"$T/def.conf"
	bg fe-def "$BIN/airlock-frontend" -d -v -f "$T/def.conf"
	DEF_PID=$LAST_PID
	wait_port "$P2" 10 || fail "frontend with the default metrics_listen did not start"
	expect_match "default metrics_listen: 127.0.0.1:9100" "^# HELP" \
		"$(curl -sS --max-time 10 http://127.0.0.1:9100/metrics | head -1)"
	expect_eq "...and not on the other addresses of the machine" 000 \
		"$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' http://127.0.0.2:9100/metrics 2>/dev/null)"
	kill "$DEF_PID"; wait "$DEF_PID" 2>/dev/null
else
	skip "default metrics_listen: port 9100 is in use here"
fi
exit 0
