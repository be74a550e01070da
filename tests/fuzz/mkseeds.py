#!/usr/bin/env python3
"""Writes the seed corpora of the request/answer/cookie fuzz targets (run by hand
from the top directory after a layout change in proto/msg.h; the seeds are
checked in).  Layouts: see the comment at the top of each target."""
import os
import struct

def u8(v): return struct.pack('>B', v)
def u16(v): return struct.pack('>H', v)
def u32(v): return struct.pack('>I', v)
def u64(v): return struct.pack('>Q', v)
def s(b): return u16(len(b)) + b          # str and blob share the layout

def write(target, name, data):
    d = os.path.join('tests/fuzz/corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

def frame(sel, flags, payload): return u8(sel) + u8(flags) + u16(len(payload)) + payload

# fuzz_store_request: handler index in store/request.c's permit table
PING, GET, INCR, CREATE, PAGE, REVOKE, PCREATE, PINFO, DECIDE, TAKE = range(10)
T = bytes(32)
CODE = b'abcdefghijklmnopqrstuvwxyz012345'
login = frame(CREATE, 4, bytes([1, 1, 100, 1]) + b'alice')      # web kind, web purpose, grant
st = 'fuzz_store_request'
write(st, 'ping', frame(PING, 0, b''))
write(st, 'web', login + frame(GET, 1, T) + frame(INCR, 1, T) + frame(PAGE, 1, T + u8(1)) +
      frame(REVOKE, 3, T + s(bytes(16))) + frame(PAGE, 1, T + u8(0)) + frame(REVOKE, 1, T + s(b'')) +
      frame(GET, 1, T))
write(st, 'replay', login + frame(CREATE, 8, b'\x01'))
write(st, 'expired', frame(CREATE, 4, bytes([1, 1, 0, 0]) + b'bob'))
write(st, 'pair', frame(PCREATE, 0, s(CODE) + s(b'cli on host')) + frame(PINFO, 3, bytes(16) + s(T)) +
      frame(TAKE, 0, s(CODE)) + login + frame(DECIDE, 3, T + bytes(16) + u8(1)) +
      frame(TAKE, 0, s(CODE)) + frame(GET, 1, T))
write(st, 'cli_login', frame(PCREATE, 0, s(CODE) + s(b'x')) +
      frame(CREATE, 4, bytes([2, 2, 100, 2]) + b'carol') + frame(TAKE, 0, s(CODE)))
write(st, 'bad', frame(TAKE, 0, s(b'short')) + frame(DECIDE, 0, T + bytes(16) + u8(7)) +
      frame(INCR, 0, T + b'x'))

# fuzz_authd_request: handler index in authd/server.c's permit table
APING, APROV, START, FINISH, AREVOKE = range(5)
at = 'fuzz_authd_request'
write(at, 'ping', frame(APING, 0, b'') + frame(APROV, 0, b''))
write(at, 'web', frame(START, 0, s(b'dev') + u8(1) + s(b'')) +
      frame(FINISH, 3, s(b'code123')))
write(at, 'cli', frame(START, 0, s(b'gh') + u8(2) + s(bytes(16))) + frame(FINISH, 1, s(b'c') + s(b'')))
write(at, 'finish', frame(FINISH, 0, s(b'x' * 43) + s(b'code') + s(bytes(32))))
write(at, 'revoke', frame(AREVOKE, 0, s(bytes(16)) + s(b'dev:alice')) +    # a legacy handle
      frame(AREVOKE, 0, s(bytes(300)) + s(b'dev:alice')) +                   # a sealed grant
      frame(START, 0, s(b'down') + u8(1) + s(b'')))

# fuzz_frontend_answer: u8 index into the fuzzer's types[] (the frontend's requests), then the answer payload
fa = 'fuzz_frontend_answer'
answers = {
    'session_get': u8(0) + s(b'dev:alice') + s(b'Alice') + u64(7) + u8(1) + bytes(16),
    'increment': u8(0) + u64(8),
    'session_create': u8(0) + T + s(b'dev:alice') + s(b'Alice') + u8(1) + s(b''),
    'page': u8(0) + s(b'dev:alice') + s(b'Alice') + u64(7) + u8(1) + bytes(16) + u32(1) + u32(1) +
            u32(2) + 2 * (bytes(16) + u8(1) + s(b'Firefox') + u64(1) + u64(2) + u64(3) + u8(1)),
    'session_revoke': u8(0) + s(bytes(300)) + u8(1) + s(b'dev:alice'),
    'pair_create': u8(0) + bytes(16) + s(b'WDJB-MJHT') + u32(600) + u32(1),
    'pair_info': u8(0) + s(b'WDJB-MJHT') + u32(500) + s(b'cli on host') + s(b'127.0.0.1') + u64(1) +
                 u8(1) + s(b'dev:alice') + s(b'Alice'),
    'pair_decide': u8(0) + s(b'dev:alice') + s(b'Alice'),
    'pair_take': u8(0) + T + s(b'dev:alice'),
    'store_ping': u8(0) + u64(1) + u64(2) + u32(3),
    'auth_ping': u8(0) + u32(2),
    'providers': u8(0) + u32(2) + s(b'dev') + s(b'Dev IdP') + u8(1) + s(b'gh') + s(b'GitHub') + u8(0),
    'login_start': u8(0) + s(b'https://idp.example/authorize?state=x') + bytes(32),
    'login_finish': u8(0) + s(bytes(100)) + s(b'dev:alice') + s(b'Alice'),
    'auth_revoke': u8(5),
}
for i, (name, payload) in enumerate(answers.items()):
    write(fa, name, u8(i) + payload)

# fuzz_frontend_cookie: a Cookie header as browsers send it
fc = 'fuzz_frontend_cookie'
tok = b'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
write(fc, 'session', b'session=' + tok)
write(fc, 'host', b'theme=dark; __Host-session=' + tok + b'; __Host-login=' + tok)
write(fc, 'quoted', b'login="' + tok + b'"; session=' + tok[:42] + b'E')
