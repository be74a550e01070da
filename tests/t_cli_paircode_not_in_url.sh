#!/usr/bin/env bash
# The airlock CLI sends its paircode in a POST body, never in a URL (URLs end up
# in proxy and server logs): `airlock login` runs through a relay on loopback that
# records every byte the CLI sends; every request is a POST /cli_login or POST
# /token, no request line or header carries the paircode, only the bodies do.  The seed's GET form
# (?paircode= in the query) still works, and a POST that a browser marks as sent
# from another site is refused.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
stack_up "paircode not in URL" op
cli_env
U=$STACK_URL

# A relay 127.0.0.1:RELAY -> the frontend; what clients send is appended to $T/capture.
RELAY=$(free_port)
cat >"$T/relay.py" <<'PY'
import socket, sys, threading
lport, uport, cap = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
def pump(src, dst, log):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            if log:
                with lock, open(cap, "ab") as f:
                    f.write(b + b"\n")
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def serve(c):
    u = socket.create_connection(("127.0.0.1", uport), timeout=30)
    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()
    pump(c, u, True)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", lport))
ls.listen(16)
while True:
    c, _ = ls.accept()
    c.settimeout(60)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bg relay python3 "$T/relay.py" "$RELAY" "$STACK_PORT" "$T/capture"
wait_port "$RELAY" || { fail "relay did not start"; exit 1; }

# A BROWSER that only notes the URL (nobody approves): the CLI registers its
# paircode, then polls /token until `timeout` ends it after a few polls.
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >"%s/opened.url"\n' "$T" >"$T/browser.sh"
chmod +x "$T/browser.sh"
BROWSER=$T/browser.sh timeout 4 "$CLI" login --server "http://127.0.0.1:$RELAY" >"$T/login.out" 2>"$T/login.err"; rc=$?
expect_eq "login through the relay was still waiting for approval" 124 "$rc"
expect_match "...after showing a code" '^    [A-Z]{4}-[A-Z]{4}$' "$(cat "$T/login.err")"
expect_match "the browser was given the /pair/ URL" "^$U/pair/[A-Za-z0-9_-]+\$" "$(cat "$T/opened.url" 2>/dev/null)"

cap=$(tr -d '\r' <"$T/capture" 2>/dev/null)
lines=$(printf '%s\n' "$cap" | grep -aE '^(GET|POST|HEAD|PUT|DELETE|OPTIONS) ')
pc=$(printf '%s\n' "$cap" | grep -aoE 'paircode=[A-Za-z0-9_-]{22,128}' | head -1 | cut -d= -f2)
expect_match "the capture has the CLI's paircode (in a body)" '^[A-Za-z0-9_-]{22,128}$' "$pc"
expect_match "POST /cli_login was sent" '^POST /cli_login HTTP/1\.1$' "$lines"
expect_eq "every request was POST /cli_login or POST /token" "" "$(printf '%s\n' "$lines" | grep -vx 'POST /\(cli_login\|token\) HTTP/1\.1')"
expect_match "POST /token was sent, more than once" '^[2-9]$' "$(printf '%s\n' "$lines" | grep -cx 'POST /token HTTP/1\.1')"
expect_eq "no request line names a paircode" "" "$(printf '%s\n' "$lines" | grep -a paircode)"
if [ -n "$pc" ]; then
	expect_eq "no request line carries the paircode" "" "$(printf '%s\n' "$lines" | grep -aF -- "$pc")"
	expect_eq "no header carries the paircode (only bodies)" \
		"$(printf '%s\n' "$cap" | grep -acxF -- "paircode=$pc")" \
		"$(printf '%s\n' "$cap" | grep -acF -- "$pc")"
	check "the frontend's logs never show the paircode" \
		bash -c "! grep -qF -- '$pc' '$T'/frontend*.log '$T'/store*.log"
fi

# The seed's form: GET with the paircode in the query still works.
pc2=seedformpaircode0123456789abcdef
expect_eq "GET /cli_login?paircode= (seed form) answers 200" 200 \
	"$(curl -sS --max-time 10 -o "$T/seed.body" -w '%{http_code}' "$U/cli_login?paircode=$pc2")"
expect_match "...with the approval URL" "^$U/pair/" "$(cat "$T/seed.body")"
expect_eq "GET /token?paircode= (seed form): pending is an empty 200" "200 0" \
	"$(curl -sS --max-time 10 -o "$T/tok.body" -w '%{http_code} %{size_download}' "$U/token?paircode=$pc2")"

# POST without a paircode, and cross-site browser POSTs.
pc3=postformpaircode0123456789abcdef
expect_eq "POST /cli_login without a paircode: 400" 400 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -d 'x=1' "$U/cli_login")"
expect_eq "POST /cli_login from another site (Sec-Fetch-Site: cross-site): 403" 403 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
		-H 'Sec-Fetch-Site: cross-site' -d "paircode=$pc3" "$U/cli_login")"
expect_eq "POST /token from another origin: 403" 403 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
		-d "paircode=$pc2" "$U/token")"
expect_eq "the refused POST registered nothing: the same paircode is new afterwards" 200 \
	"$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -d "paircode=$pc3" "$U/cli_login")"
cli_sanitizer_check
exit 0
