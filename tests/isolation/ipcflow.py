#!/usr/bin/env python3
"""A login + logout driven over the IPC sockets, the way the frontend does it,
checking that no answer authd or the store sends holds a secret marker.

    ipcflow.py AUTHD_SOCK STORE_SOCK PROVIDER MARKER...

LOGIN_START -> the provider's authorize URL (fetched, the provider redirects
back with code + state) -> LOGIN_FINISH -> proof -> SESSION_CREATE -> INCREMENT
-> SESSION_GET -> SESSION_REVOKE (no sid: its own, a logout; gives the grant) ->
AUTH_REVOKE.  Run it where the provider's URLs resolve (the container's network
namespace).  Prints one "ok STEP ..." line per step, "LEAK ..." for an answer
holding a marker; exit 0 when every step worked and nothing leaked.
Frames (proto/msg.h): u32 len, u16 version, u16 type, u32 id, big-endian.
"""
import socket
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request

VERSION = 4
ST_OK = 0
PURPOSE_WEB, KIND_WEB = 1, 1
(STORE_SESSION_GET, STORE_INCREMENT, STORE_SESSION_CREATE, STORE_SESSION_REVOKE) = (102, 104, 106, 110)
(AUTH_LOGIN_START, AUTH_LOGIN_FINISH, AUTH_REVOKE) = (204, 206, 208)


class Conn:
    def __init__(self, path, markers):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(15)
        self.s.connect(path)
        self.id = 0
        self.markers = [m.encode() for m in markers]
        self.leaks = []

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError("connection closed")
            b += c
        return b

    def call(self, mtype, payload):
        self.id += 1
        self.s.sendall(struct.pack(">IHHI", len(payload), VERSION, mtype, self.id) + payload)
        ln, ver, t, rid = struct.unpack(">IHHI", self.recv_exact(12))
        body = self.recv_exact(ln)
        if t != mtype + 1 or rid != self.id:
            raise ValueError("answer type %d id %d for %d/%d" % (t, rid, mtype, self.id))
        for m in self.markers:
            if m in body:
                self.leaks.append((mtype, m.decode()))
        return Reader(body)


def s_(v):
    v = v.encode() if isinstance(v, str) else v
    return struct.pack(">H", len(v)) + v


class Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, n):
        if self.o + n > len(self.b):
            raise ValueError("short answer")
        v = self.b[self.o:self.o + n]
        self.o += n
        return v

    def u8(self):
        return self.take(1)[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def blob(self):
        return self.take(struct.unpack(">H", self.take(2))[0])

    def str(self):
        return self.blob().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def authorize(url):
    """The provider answers 302 to redirect_uri?code=..&state=..[&iss=..]: return (code, state, iss)."""
    op = urllib.request.build_opener(NoRedirect())
    try:
        op.open(url, timeout=10)
        raise ValueError("provider did not redirect")
    except urllib.error.HTTPError as e:
        loc = e.headers.get("Location", "")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    return q["code"][0], q["state"][0], q.get("iss", [""])[0]


def callback_provider(url):
    """The provider named in the login's redirect_uri (/auth_redirect/NAME), "" for /auth_redirect."""
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    path = urllib.parse.urlsplit(q["redirect_uri"][0]).path
    return path[len("/auth_redirect/"):] if path.startswith("/auth_redirect/") else ""


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    authd, store = Conn(argv[0], argv[3:]), Conn(argv[1], argv[3:])
    provider = argv[2]

    r = authd.call(AUTH_LOGIN_START, s_(provider) + bytes([PURPOSE_WEB]) + s_(b""))
    st = r.u8()
    if st != ST_OK:
        print("LOGIN_START status %d" % st)
        return 1
    url, binding = r.str(), r.blob()
    print("ok LOGIN_START", url.split("?")[0])
    code, state, iss = authorize(url)
    print("ok provider redirect with code and state")

    r = authd.call(AUTH_LOGIN_FINISH, s_(state) + s_(code) + s_(binding) + s_("ipcflow") +
                   s_(callback_provider(url)) + s_(iss))
    st = r.u8()
    if st != ST_OK:
        print("LOGIN_FINISH status %d" % st)
        return 1
    proof, user, name, allowed = r.blob(), r.str(), r.str(), r.u8()
    if allowed != 1:
        print("LOGIN_FINISH: %s not allowed by [access]" % user)
        return 1
    print("ok LOGIN_FINISH", user, name)

    r = store.call(STORE_SESSION_CREATE, s_(proof) + bytes([KIND_WEB]) + s_("ipcflow"))
    st = r.u8()
    if st != ST_OK:
        print("SESSION_CREATE status %d" % st)
        return 1
    token = r.take(32)
    print("ok SESSION_CREATE for", r.str())

    r = store.call(STORE_INCREMENT, token)
    st = r.u8()
    print(("ok INCREMENT %d" % r.u64()) if st == ST_OK else "INCREMENT status %d" % st)
    r = store.call(STORE_SESSION_GET, token)
    if r.u8() != ST_OK:
        print("SESSION_GET failed")
        return 1
    r.str(), r.str(), r.u64(), r.u8()
    sid = r.take(16)
    if len(sid) != 16:
        return 1
    r = store.call(STORE_SESSION_REVOKE, token + s_(b""))  # no sid: its own
    st = r.u8()
    grant = r.blob() if st == ST_OK else b""
    print("ok SESSION_REVOKE (logout), grant %d bytes" % len(grant) if st == ST_OK
          else "SESSION_REVOKE status %d" % st)
    user_id = ""
    if st == ST_OK:
        r.u8()  # own
        user_id = r.str()
    if st != ST_OK or len(grant) <= 16:  # authd's sealed grant, not a 16-byte handle
        return 1
    r = authd.call(AUTH_REVOKE, s_(grant) + s_(user_id))
    st = r.u8()
    print("ok AUTH_REVOKE" if st == ST_OK else "AUTH_REVOKE status %d" % st)
    leaks = authd.leaks + store.leaks
    for t, m in leaks:
        print("LEAK answer to type %d holds %s" % (t, m))
    return 0 if st == ST_OK and not leaks else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
