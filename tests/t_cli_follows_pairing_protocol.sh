#!/usr/bin/env bash
# The airlock CLI against a scripted fake server (no daemons needed): pairing with a
# BROWSER script, slow_down and 5xx backoff, deny, expiry, busy, whoami/get/logout,
# session file location and modes, bounded answers, usage errors.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"    # idp_tls_setup: test CA and certificates
. "$AIRLOCK_SRC/tests/lib_cli.sh"
CLI=$BIN/airlock
PY=/usr/bin/python3
[ -x "$CLI" ] || { fail "no $CLI (build first)"; exit 1; }

cat >"$T/fake.py" <<'EOF'
import base64, hashlib, json, secrets, ssl, sys, threading, time, urllib.parse
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
lock = threading.Lock()
def csrf_of(tok):  # the frontend's rule, computed independently of the C code
    raw = base64.urlsafe_b64decode(tok + "=")
    h = hashlib.blake2b(raw, digest_size=32, key=b"airlock-csrf-v1:").digest()
    return base64.urlsafe_b64encode(h).decode().rstrip("=")
def ref_of(pc): return hashlib.sha256(pc.encode()).hexdigest()[:16]
S = {"mode": "approve", "approved": set(), "tokens": set(), "polls": [], "log": [], "taken": set()}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *a): pass
    def send(self, code, body=b"", ctype="text/plain", headers=()):
        if isinstance(body, str): body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def js(self, code, obj, headers=()):
        self.send(code, json.dumps(obj), "application/json", headers)
    def cookie_ok(self):
        c = self.headers.get("Cookie", "")
        return c.startswith(CNAME + "=") and c[len(CNAME) + 1:] in S["tokens"]
    def do_GET(self, body=None):  # body: a POST's form, read like a query
        u = urllib.parse.urlsplit(self.path); query = u.query if body is None else body
        q = urllib.parse.parse_qs(query)
        with lock:
            S["log"].append({"m": "GET" if body is None else "POST", "path": u.path,
                             "accept": self.headers.get("Accept", ""), "url_q": u.query,
                             "q": query, "ua": self.headers.get("User-Agent", "")})
        mode = S["mode"]
        if u.path == "/_mode":
            with lock:
                S["mode"] = q["m"][0]; S["polls"] = []
            return self.send(200, "ok")
        if u.path == "/_log":
            return self.js(200, {"log": S["log"], "polls": S["polls"]})
        if u.path == "/cli_login":
            pc = q.get("paircode", [""])[0]
            if mode == "busy": return self.js(503, {"error": "busy"})
            exp = 3 if mode == "expire" else 600
            # The browser URL carries a reference derived from the paircode, never the paircode.
            if "application/json" not in self.headers.get("Accept", ""):  # seed client
                return self.send(200, "%s://127.0.0.1:%d/approve/%s" % (SCHEME, PORT, ref_of(pc)))
            return self.js(200, {"login_url": "%s://127.0.0.1:%d/approve/%s" % (SCHEME, PORT, ref_of(pc)),
                                 "user_code": "WDJB-MJHT", "expires_in": exp, "interval": 1})
        if u.path.startswith("/approve/"):
            with lock: S["approved"].add(u.path[9:])
            return self.send(200, "approved")
        if u.path == "/token":
            pc = q.get("paircode", [""])[0]; ref = ref_of(pc)
            with lock:
                S["polls"].append(time.time()); n = len(S["polls"])
            if mode == "expired_token": return self.js(400, {"error": "expired_token"})
            if mode == "slow" and n == 1: return self.js(400, {"error": "slow_down"})
            if mode == "flaky" and n <= 2: return self.send(503, "backend down")
            if mode in ("slow", "flaky") or ref in S["approved"]:
                if mode == "deny": return self.js(400, {"error": "access_denied"})
                if pc in S["taken"]: return self.js(400, {"error": "expired_token"})
                tok = secrets.token_urlsafe(32)
                with lock: S["tokens"].add(tok); S["taken"].add(pc)
                if "application/json" not in self.headers.get("Accept", ""):
                    return self.send(200, "fake:alice", headers=[
                        ("Set-Cookie", "%s=%s; HttpOnly; SameSite=Lax; Path=/" % (CNAME, tok))])
                return self.js(200, {"user": "fake:alice"},
                               [("Set-Cookie", "prelogin=gone; Max-Age=0"),
                                ("Set-Cookie", "%s=%s; HttpOnly; SameSite=Lax; Path=/" % (CNAME, tok))])
            if "application/json" not in self.headers.get("Accept", ""):
                return self.send(200, "")
            return self.js(400, {"error": "authorization_pending"})
        if u.path == "/secured":
            if self.cookie_ok(): return self.send(200, "fake:alice\n")
            return self.send(401, "not signed in")
        if u.path == "/page":
            if self.cookie_ok(): return self.send(200, "<p>hi</p>", "text/html")
            return self.send(303, "", headers=[("Location", "/login")])
        if u.path == "/bin":
            return self.send(200, bytes(range(256)) * 4, "application/octet-stream")
        if u.path == "/big":
            self.send_response(200); self.send_header("Content-Type", "text/plain"); self.end_headers()
            try:
                for _ in range(10 * 1024): self.wfile.write(b"x" * 1024)
            except Exception: pass
            return
        return self.send(404, "no such page")
    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length", "0"))
        if u.path in ("/cli_login", "/token"):  # the paircode in the body
            return self.do_GET(self.rfile.read(n).decode() if 0 < n < 4096 else "")
        form = urllib.parse.parse_qs(self.rfile.read(n).decode()) if 0 < n < 4096 else {}
        tok = self.headers.get("Cookie", "")[len(CNAME) + 1:]
        with lock:
            S["log"].append({"m": "POST", "path": u.path, "origin": self.headers.get("Origin", "-"),
                             "ctype": self.headers.get("Content-Type", ""),
                             "csrf_ok": form.get("csrf", [""])[0] == csrf_of(tok) if tok else False})
        if u.path == "/logout":
            if not self.cookie_ok(): return self.send(401, "not signed in")
            if form.get("csrf", [""])[0] != csrf_of(tok): return self.send(403, "csrf")
            with lock: S["tokens"].discard(tok)
            return self.send(303, "", headers=[("Location", "/login?bye=1")])
        return self.send(404, "")

PORT = int(sys.argv[1])
TLS = len(sys.argv) > 3   # PORT CERT KEY: https, and the __Host- cookie name
SCHEME, CNAME, SECURE = ("https", "__Host-session", "; Secure") if TLS else ("http", "session", "")
srv = ThreadingHTTPServer(("127.0.0.1", PORT), H)
if TLS:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("FAKE READY", flush=True)
srv.serve_forever()
EOF

PORT=$(free_port)
bg fake $PY "$T/fake.py" "$PORT"
wait_port "$PORT" || { fail "fake server did not start"; exit 1; }
SRV=http://127.0.0.1:$PORT
mode() { curl -fsS "$SRV/_mode?m=$1" >/dev/null; }

# BROWSER: a script that records its arguments and "approves" by fetching the URL.
cat >"$T/browser.sh" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/browser.args"
curl -fsS -o /dev/null "\$1"
EOF
chmod +x "$T/browser.sh"

export XDG_CONFIG_HOME=$T/cfg HOME=$T/home
unset DISPLAY WAYLAND_DISPLAY AIRLOCK_SERVER AIRLOCK_ALLOW_HTTP
mkdir -p "$T/cwd" "$T/home"; cd "$T/cwd"
SESS=$XDG_CONFIG_HOME/airlock/session

# --- usage errors: exit 2, one line on stderr ---
for args in "" "frob" "get" "get nopath" "whoami extra" "login --server" "login --nope" "--bogus"; do
	# shellcheck disable=SC2086
	"$CLI" $args >"$T/out" 2>"$T/err"; rc=$?
	expect_eq "usage error exit 2: airlock $args" 2 "$rc"
	expect_eq "usage error is one line: airlock $args" 1 "$(wc -l <"$T/err")"
done
"$CLI" --help >"$T/out" 2>&1; expect_eq "--help exits 0" 0 $?
expect_match "--help lists commands" "login .*whoami|whoami" "$(cat "$T/out")"

# --- not logged in ---
"$CLI" whoami 2>"$T/err"; expect_eq "whoami without session exits 1" 1 $?
expect_eq "whoami without session says so" "airlock: not logged in, run airlock login" "$(cat "$T/err")"

# --- full pairing through BROWSER ---
mode approve
BROWSER=$T/browser.sh timeout 30 "$CLI" login --server "$SRV" >"$T/out" 2>"$T/err"; rc=$?
expect_eq "login exits 0" 0 "$rc"
expect_match "login prints the user code" "WDJB-MJHT" "$(cat "$T/err")"
expect_match "login prints the URL" "http://127.0.0.1:$PORT/approve/" "$(cat "$T/err")"
expect_match "login reports the user" "Logged in to $SRV as fake:alice" "$(cat "$T/out")"
expect_match "BROWSER got the login URL" "^http://127.0.0.1:$PORT/approve/" "$(cat "$T/browser.args" 2>/dev/null)"
check "session file exists under XDG_CONFIG_HOME/airlock" test -f "$SESS"
expect_eq "session file mode 0600" 600 "$(stat -c %a "$SESS")"
expect_eq "session directory mode 0700" 700 "$(stat -c %a "$(dirname "$SESS")")"
expect_eq "nothing written to the working directory" "" "$(ls -A "$T/cwd")"
expect_match "session file holds server and cookie" '"server":"http://127.0.0.1:[0-9]+","cookie":"session=[A-Za-z0-9_-]{43}"' "$(cat "$SESS")"
log=$(curl -fsS "$SRV/_log")
pc=$(printf '%s' "$log" | $PY -c 'import json,sys; l=json.load(sys.stdin)["log"]; print([e["q"] for e in l if e["path"]=="/cli_login"][-1].split("=",1)[1])')
expect_match "paircode is 22+ URL-safe characters" '^[A-Za-z0-9_-]{22,128}$' "$pc"
check "paircode not in the browser URL" bash -c "! grep -qF -- '$pc' '$T/browser.args'"
check "paircode not in the session file" bash -c "! grep -qF -- '$pc' '$SESS'"
check "paircode not printed" bash -c "! grep -qF -- '$pc' '$T/out' '$T/err'"
accepts=$(printf '%s' "$log" | $PY -c 'import json,sys; l=json.load(sys.stdin)["log"]; print(" ".join(sorted(set(e["accept"] for e in l if e["path"] in ("/cli_login","/token")))))')
expect_eq "cli_login and token asked for JSON" "application/json" "$accepts"
how=$(printf '%s' "$log" | $PY -c 'import json,sys; l=json.load(sys.stdin)["log"]; print(" ".join(sorted(set(e["m"] + ":" + e["url_q"] for e in l if e["path"] in ("/cli_login","/token")))))')
expect_eq "cli_login and token were POSTs, nothing in the URL (the paircode in the body)" "POST:" "$how"
fast=$(printf '%s' "$log" | $PY -c 'import json,sys; p=json.load(sys.stdin)["polls"]; print(sum(1 for a,b in zip(p,p[1:]) if b-a < 0.9))')
expect_eq "polls never faster than the 1 s interval" 0 "$fast"

# --- authenticated commands ---
out=$("$CLI" whoami 2>"$T/err"); expect_eq "whoami exits 0" 0 $?
expect_eq "whoami prints the user id" "fake:alice" "$out"
"$CLI" get /bin >"$T/bin.out" 2>"$T/err"; expect_eq "get binary exits 0" 0 $?
expect_eq "get writes the exact body" "$(curl -fsS "$SRV/bin" | sha256sum)" "$(sha256sum <"$T/bin.out")"
"$CLI" get /nothing >/dev/null 2>"$T/err"; expect_eq "get 404 exits 1" 1 $?
expect_match "get 404 says HTTP 404" "HTTP 404" "$(cat "$T/err")"
"$CLI" get /big >"$T/big.out" 2>"$T/err"; expect_eq "oversized answer exits 1" 1 $?
expect_match "oversized answer reported" "larger than" "$(cat "$T/err")"
expect_eq "oversized answer not written" 0 "$(stat -c %s "$T/big.out")"
"$CLI" get '/a b' 2>"$T/err"; expect_eq "get path with space is a usage error" 2 $?
cp "$SESS" "$T/session.saved"

# --- logout revokes on the server, and the saved copy then reads as revoked ---
"$CLI" logout >"$T/out" 2>"$T/err"; expect_eq "logout exits 0" 0 $?
check "logout removed the session file" test ! -e "$SESS"
post=$(curl -fsS "$SRV/_log" | $PY -c 'import json,sys; l=[e for e in json.load(sys.stdin)["log"] if e["m"]=="POST"]; e=l[-1]; print(e["path"], e["origin"], e["ctype"], e["csrf_ok"])')
expect_eq "logout POSTs /logout with the session's CSRF value and no Origin" "/logout - application/x-www-form-urlencoded True" "$post"
"$CLI" whoami 2>"$T/err"; expect_eq "whoami after logout exits 1" 1 $?
install -m 600 "$T/session.saved" "$SESS"
"$CLI" whoami 2>"$T/err"; expect_eq "revoked session: whoami exits 1" 1 $?
expect_eq "revoked session: clear message" "airlock: session revoked or expired, run airlock login" "$(cat "$T/err")"
"$CLI" get /page 2>"$T/err"; expect_eq "revoked session: get of a page (303 /login) exits 1" 1 $?
expect_eq "revoked session: get says revoked" "airlock: session revoked or expired, run airlock login" "$(cat "$T/err")"
chmod 644 "$SESS"
"$CLI" whoami 2>"$T/err"; expect_eq "world-readable session file refused" 1 $?
expect_match "world-readable session file: reason" "unsafe" "$(cat "$T/err")"
rm -f "$SESS"

# --- slow_down honoured, then success; session stored under $HOME without XDG ---
mode slow
(unset XDG_CONFIG_HOME; BROWSER=true timeout 40 "$CLI" login --server "$SRV" >"$T/out" 2>"$T/err"); rc=$?
expect_eq "login after slow_down exits 0" 0 "$rc"
gap=$(curl -fsS "$SRV/_log" | $PY -c 'import json,sys; p=json.load(sys.stdin)["polls"]; print(int(p[1]-p[0] >= 5.5) if len(p)>1 else -1)')
expect_eq "slow_down adds 5 s to the interval" 1 "$gap"
check "without XDG_CONFIG_HOME the session is in ~/.config/airlock" test -f "$HOME/.config/airlock/session"
expect_eq "~/.config/airlock is 0700" 700 "$(stat -c %a "$HOME/.config/airlock")"

# --- 5xx answers are retried with backoff ---
mode flaky
BROWSER=true AIRLOCK_SERVER=$SRV timeout 40 "$CLI" login >"$T/out" 2>"$T/err"; rc=$?
expect_eq "login survives two 503 answers (AIRLOCK_SERVER used)" 0 "$rc"
expect_eq "server trouble is reported once" 1 "$(grep -c 'server trouble (HTTP 503), still trying' "$T/err")"
gaps=$(curl -fsS "$SRV/_log" | $PY -c 'import json,sys; p=json.load(sys.stdin)["polls"]; print(" ".join(str(round(b-a)) for a,b in zip(p,p[1:])))')
expect_eq "backoff after failures (1 s, then 2 s)" "1 2" "$gaps"

# --- deny, expired_token, expiry, busy ---
mode deny
BROWSER=$T/browser.sh timeout 30 "$CLI" login --server "$SRV" >"$T/out" 2>"$T/err"; rc=$?
expect_eq "denied login exits 1" 1 "$rc"
expect_match "denied login message" "denied in the browser" "$(tail -n1 "$T/err")"
mode expired_token
timeout 30 "$CLI" login --server "$SRV" >"$T/out" 2>"$T/err"; rc=$?
expect_eq "expired_token exits 1" 1 "$rc"
expect_match "expired_token message" "expired" "$(tail -n1 "$T/err")"
mode expire
start=$(date +%s)
timeout 30 "$CLI" login --server "$SRV" >"$T/out" 2>"$T/err"; rc=$?
took=$(( $(date +%s) - start ))
expect_eq "unapproved login gives up at expires_in" 1 "$rc"
check "gave up after about expires_in (3 s), took ${took}s" test "$took" -ge 2 -a "$took" -le 6
expect_match "expiry message" "expired" "$(tail -n1 "$T/err")"
mode busy
timeout 30 "$CLI" login --server "$SRV" >"$T/out" 2>"$T/err"; expect_eq "busy server exits 1" 1 $?
expect_match "busy server message" "busy" "$(cat "$T/err")"
"$CLI" login --server "http://example.com" 2>"$T/err"; expect_eq "remote plain http refused" 1 $?
"$CLI" login --server "http://127.0.0.1:1" 2>"$T/err"; expect_eq "unreachable server exits 1" 1 $?
expect_eq "unreachable server: one line" 1 "$(wc -l <"$T/err")"

# --- the seed's own clients, as a reference for what the fake serves ---
mode approve
mkdir -p "$T/seedcwd"
(cd "$T/seedcwd" && BROWSER=$T/browser.sh AIRLOCK_HOST=127.0.0.1:$PORT timeout 30 $PY "$AIRLOCK_SRC/tests/seed/client-login.py") >"$T/out" 2>&1
expect_match "seed client-login.py saves auth_token.txt" "Token saved to auth_token.txt" "$(cat "$T/out")"
out=$(cd "$T/seedcwd" && AIRLOCK_HOST=127.0.0.1:$PORT timeout 30 $PY "$AIRLOCK_SRC/tests/seed/client-do.py" 2>&1)
expect_eq "seed client-do.py prints the user" "fake:alice" "$out"

# --- https: verification on, AIRLOCK_CA_FILE, the __Host- cookie ---
if idp_tls_setup; then
	TPORT=$(free_port)
	bg fake-tls $PY "$T/fake.py" "$TPORT" "$IDP_CERT" "$IDP_KEY"
	RPORT=$(free_port)
	bg fake-rogue $PY "$T/fake.py" "$RPORT" "$IDP_ROGUE_CERT" "$IDP_ROGUE_KEY"
	wait_port "$TPORT" && wait_port "$RPORT"
	rm -f "$SESS"
	BROWSER=$T/browser.sh timeout 30 "$CLI" login --server "https://127.0.0.1:$TPORT" >"$T/out" 2>"$T/err"; rc=$?
	expect_eq "https server with an unknown CA: login exits 1" 1 "$rc"
	expect_match "https server with an unknown CA: certificate error" "cannot reach https://127.0.0.1:$TPORT: .*(SSL|certificate)" "$(cat "$T/err")"
	CURL_CA_BUNDLE=$IDP_CA AIRLOCK_CA_FILE=$IDP_CA BROWSER=$T/browser.sh timeout 30 \
		"$CLI" login --server "https://127.0.0.1:$TPORT" >"$T/out" 2>"$T/err"; rc=$?
	expect_eq "https login with AIRLOCK_CA_FILE exits 0" 0 "$rc"
	expect_match "the __Host-session cookie is saved" '"cookie":"__Host-session=[A-Za-z0-9_-]{43}"' "$(cat "$SESS" 2>/dev/null)"
	expect_eq "whoami over https" "fake:alice" "$(AIRLOCK_CA_FILE=$IDP_CA "$CLI" whoami 2>&1)"
	AIRLOCK_CA_FILE=$IDP_CA "$CLI" logout >/dev/null 2>"$T/err"; rc=$?
	expect_eq "logout over https with the __Host- cookie's CSRF value" 0 "$rc"
	AIRLOCK_CA_FILE=$IDP_CA timeout 30 "$CLI" login --server "https://127.0.0.1:$RPORT" >"$T/out" 2>"$T/err"; rc=$?
	expect_eq "https server with an untrusted certificate: login exits 1" 1 "$rc"
else
	skip "https checks (no openssl for the test CA)"
fi

cli_sanitizer_check
exit 0
