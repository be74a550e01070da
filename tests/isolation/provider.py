#!/usr/bin/env python3
"""A GitHub-style OAuth provider for the isolation tests (loopback, plain HTTP).

Every token it issues carries a marker, so the audit can look for the tokens in
the other processes' memory, files and logs:
    access token   gho_<TOKEN_MARK><random>
    refresh token  ghr_<TOKEN_MARK><random>

    GET    /login/oauth/authorize   auto-approves as `login` (default alice): 302 to
                                    redirect_uri?code=..&state=..  (PKCE S256 noted)
    POST   /login/oauth/access_token  client secret in the body or Basic auth;
                                    answers JSON (Accept: application/json) or a form
    GET    /user                    {"id", "login", "name"}; 401 for unknown/revoked
    DELETE /applications/CID/grant  Basic CID:SECRET, body {"access_token"}: revokes
    GET    /_audit                  what happened (tokens issued, revoked, secret checks)

Environment: PROV_PORT, PROV_CLIENT_ID, PROV_CLIENT_SECRET, PROV_TOKEN_MARK.
Prints "PROVIDER READY <port>" when listening.
"""
import base64
import hashlib
import json
import os
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

PORT = int(os.environ.get("PROV_PORT", "9300"))
CID = os.environ.get("PROV_CLIENT_ID", "airlock-test")
SECRET = os.environ.get("PROV_CLIENT_SECRET", "test-secret")
MARK = os.environ.get("PROV_TOKEN_MARK", "TOKENMARK")

lock = threading.Lock()
codes = {}     # code -> {login, redirect_uri, challenge}
tokens = {}    # access token -> login (removed when revoked)
audit = {"issued": [], "refresh": [], "revoked": [], "bad_secret": 0, "token_requests": 0,
         "pkce_checked": 0}
USERS = {"alice": (4242, "Alice Test"), "bob": (4343, "Bob Test")}


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("provider: " + (fmt % args) + "\n")

    def answer(self, status, body=b"", ctype="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(n, 65536)).decode("utf-8", "replace")

    def basic(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None, None
        try:
            cid, _, sec = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return None, None
        return cid, sec

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if u.path == "/login/oauth/authorize":
            if q.get("client_id") != CID or "redirect_uri" not in q or "state" not in q:
                return self.answer(400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(16)
            login = q.get("login", "alice")
            with lock:
                codes[code] = {"login": login, "redirect_uri": q["redirect_uri"],
                               "challenge": q.get("code_challenge")}
            sep = "&" if "?" in q["redirect_uri"] else "?"
            loc = q["redirect_uri"] + sep + urlencode({"code": code, "state": q["state"]})
            return self.answer(302, "", "text/plain", [("Location", loc)])
        if u.path == "/user":
            if not self.headers.get("User-Agent"):
                return self.answer(403, {"message": "User-Agent required"})
            h = self.headers.get("Authorization", "")
            t = h.split(" ", 1)[1] if " " in h else ""
            with lock:
                login = tokens.get(t)
            if login is None:
                return self.answer(401, {"message": "Bad credentials"})
            uid, name = USERS.get(login, (5000 + len(login), login))
            return self.answer(200, {"id": uid, "login": login, "name": name})
        if u.path == "/_audit":
            with lock:
                return self.answer(200, audit)
        return self.answer(404, {"message": "Not Found"})

    def do_POST(self):
        u = urlsplit(self.path)
        if u.path != "/login/oauth/access_token":
            return self.answer(404, {"message": "Not Found"})
        p = {k: v[0] for k, v in parse_qs(self.body()).items()}
        cid, sec = self.basic()
        cid = cid or p.get("client_id")
        sec = sec or p.get("client_secret")
        want_json = "json" in self.headers.get("Accept", "")
        with lock:
            audit["token_requests"] += 1
            c = codes.pop(p.get("code", ""), None)
            if cid != CID or sec != SECRET:
                audit["bad_secret"] += 1
                err = {"error": "incorrect_client_credentials"}
            elif c is None or c["redirect_uri"] != p.get("redirect_uri"):
                err = {"error": "bad_verification_code"}
            elif c["challenge"] and b64url(hashlib.sha256(
                    p.get("code_verifier", "").encode()).digest()) != c["challenge"]:
                err = {"error": "bad_verification_code", "error_description": "PKCE"}
            else:
                err = None
                if c["challenge"]:
                    audit["pkce_checked"] += 1
                at = "gho_" + MARK + secrets.token_hex(12)
                rt = "ghr_" + MARK + secrets.token_hex(12)
                tokens[at] = c["login"]
                audit["issued"].append(at)
                audit["refresh"].append(rt)
        # GitHub answers errors with 200 too
        ans = err or {"access_token": at, "token_type": "bearer", "scope": "read:user",
                      "refresh_token": rt, "expires_in": 28800,
                      "refresh_token_expires_in": 15811200}
        if want_json:
            return self.answer(200, ans)
        return self.answer(200, urlencode(ans), "application/x-www-form-urlencoded")

    def do_DELETE(self):
        u = urlsplit(self.path)
        if u.path != "/applications/%s/grant" % CID:
            return self.answer(404, {"message": "Not Found"})
        cid, sec = self.basic()
        if cid != CID or sec != SECRET:
            with lock:
                audit["bad_secret"] += 1
            return self.answer(401, {"message": "Bad credentials"})
        try:
            t = json.loads(self.body() or "{}").get("access_token", "")
        except ValueError:
            return self.answer(422, {"message": "Invalid JSON"})
        with lock:
            login = tokens.pop(t, None)
            if login is None:
                return self.answer(404, {"message": "Not Found"})
            audit["revoked"].append(t)
            # like GitHub: deleting the grant revokes every token of that user
            for k in [k for k, v in tokens.items() if v == login]:
                del tokens[k]
                audit["revoked"].append(k)
        return self.answer(204, "", "text/plain")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    srv.daemon_threads = True
    print("PROVIDER READY %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
