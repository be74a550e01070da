#!/usr/bin/env bash
# Provider faults t_hostile_provider_contained.sh does not cover, from a plain-http provider
# of our own on loopback (GitHub-style endpoints, allow_insecure_loopback): the
# connection dropped before any answer and in the middle of the body, a 100 MB
# body (with Content-Length, and chunked without one), a body trickled a byte at
# a time past the timeout, a 503 with a huge body.  Each code exchange ends in a
# clean provider_error / timeout within its bound, authd's memory stays small,
# logins at a good provider complete meanwhile without waiting, and authd
# keeps serving afterwards.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_authd.sh"
. "$AIRLOCK_SRC/tests/lib_fault.sh"

PORT=$(free_port)
cat >"$T/prov.py" <<'PY'
import json, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
log = open(sys.argv[2], "a", buffering=1)
MB100 = 100 * 1024 * 1024
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def stream(self, total, chunked, delay=0.0, piece=65536):
        sent = 0
        try:
            while sent < total:
                n = min(piece, total - sent)
                data = b"x" * n
                if chunked: self.wfile.write(b"%x\r\n" % n + data + b"\r\n")
                else: self.wfile.write(data)
                self.wfile.flush()
                sent += n
                if delay: time.sleep(delay)
            if chunked: self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        log.write("SENT %s %d\n" % (self.code, sent))
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.code = parse_qs(body.decode()).get("code", [""])[0]
        c = self.code
        log.write("TOKEN %s\n" % c)
        if c == "ok":
            out = json.dumps({"access_token": "fault-at", "token_type": "bearer", "scope": ""}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
        elif c == "drop":
            self.connection.shutdown(socket.SHUT_RDWR); self.close_connection = True
        elif c == "drop-mid":
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000"); self.end_headers()
            self.wfile.write(b'{"access_token": "fau'); self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR); self.close_connection = True
        elif c in ("big-cl", "big-chunked"):
            self.send_response(200); self.send_header("Content-Type", "application/json")
            if c == "big-cl": self.send_header("Content-Length", str(MB100))
            else: self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.stream(MB100, c == "big-chunked"); self.close_connection = True
        elif c == "trickle":
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000"); self.end_headers()
            self.stream(100000, False, delay=0.2, piece=1); self.close_connection = True
        elif c == "503-big":
            self.send_response(503); self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(MB100)); self.end_headers()
            self.stream(MB100, False); self.close_connection = True
        else:
            self.send_response(400); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        if self.path.startswith("/user"):
            out = json.dumps({"id": 4242, "login": "fault", "name": "Fault User"}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
        else:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
PROV_LOG=$T/prov.out
bg prov timeout 300 python3 "$T/prov.py" "$PORT" "$PROV_LOG"
wait_port "$PORT" 10 || { fail "the test provider starts"; exit 1; }

AUTHD_EXTRA="allow_insecure_loopback = yes
http_timeout_ms = 3000" authd_setup
for p in bad good; do
	authd_secret "$p" "fault-secret-$p"
	printf '\n[provider.%s]\ntype = github\nclient_id = fault-client\nauthorize_url = http://127.0.0.1:%s/login/oauth/authorize\ntoken_url = http://127.0.0.1:%s/login/oauth/access_token\napi_url = http://127.0.0.1:%s\n' \
		"$p" "$PORT" "$PORT" "$PORT" >>"$AUTHD_CONF"
done
authd_start || { fail "authd starts"; exit 1; }
authd_wait_ready good 10 || fail "provider ready"

finish() { # PROVIDER CODE -> "status ms"
	local out t0 st
	out=$(authc start "$1")
	t0=$(date +%s%N)
	st=$(kv status "$(authc finish "$(kv state "$out")" "$2" "$(kv binding "$out")")")
	echo "$st $(( ($(date +%s%N) - t0) / 1000000 ))"
}
hwm() { awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$AUTHD_PID/status"; }

group "provider faults"
expect_eq "a good exchange works" ok "$(finish good ok | cut -d' ' -f1)"
base=$(hwm)
for c in drop drop-mid big-cl big-chunked 503-big trickle; do
	want=provider_error
	[ "$c" = trickle ] && want=timeout
	read -r st ms < <(finish bad "$c")
	expect_eq "'$c': a clean $want" "$want" "$st"
	[ "$ms" -lt 6000 ] && pass "'$c': answered within the 3 s timeout (+ slack): $ms ms" ||
		fail "'$c': took $ms ms"
done
sleep 0.5
for c in big-cl big-chunked 503-big; do
	sent=$(sed -n "s/^SENT $c //p" "$PROV_LOG" | tail -1)
	[ -n "$sent" ] && [ "$sent" -lt $((20 * 1024 * 1024)) ] &&
		pass "'$c': authd hung up after $((sent / 1024)) KiB of 100 MB" ||
		fail "'$c': the provider sent '${sent:-?}' bytes"
done
peak=$(hwm)
[ $((peak - base)) -lt 40 ] && pass "authd's peak memory grew by $((peak - base)) MB (< 40) for 300 MB of answers" ||
	fail "authd's peak memory grew from $base to $peak MB"

# several bad exchanges in flight; good logins meanwhile are not held up
pids=()
for c in trickle big-chunked trickle big-cl drop-mid; do finish bad "$c" >"$T/inflight.$c.$RANDOM" & pids+=($!); done
sleep 0.3
read -r st ms < <(finish good ok)
expect_eq "a good login while five bad ones are in flight" ok "$st"
[ "$ms" -lt 1500 ] && pass "...not held up by them ($ms ms)" || fail "...took $ms ms"
wait "${pids[@]}"
expect_eq "the five in flight each got a clean answer" 5 "$(cat "$T"/inflight.* | grep -cE '^(provider_error|timeout) ')"
expect_eq "authd still answers" ok "$(kv status "$(authc ping)")"
kill -0 "$AUTHD_PID" && pass "authd still running" || fail "authd died"
expect_eq "no token or secret in authd's log" 0 "$(grep -c 'fault-at\|fault-secret' "$AUTHD_LOG")"
group_end
exit 0
