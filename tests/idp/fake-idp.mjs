// A hostile / slow OAuth + OIDC peer for airlock-authd's tests (node core only).
// HTTPS with FAKE_TLS_CERT + FAKE_TLS_KEY; FAKE_PORT; FAKE_SLOW_MS (2000).
// Prints "FAKE READY https://127.0.0.1:PORT".
//
// Discovery: GET /<kind>/.well-known/openid-configuration, issuer https://127.0.0.1:PORT/<kind>:
//   good (endpoints below), garbage (not JSON), mismatch (another issuer),
//   nos256 (no PKCE S256), plainhttp (http:// endpoints), slowdisc (FAKE_SLOW_MS late).
// POST /token: the authorization code chooses the answer:
//   ok | slow (after FAKE_SLOW_MS) | hang (never) | garbage | huge (1 MiB) | deep (1000 levels)
//   | nul (\u0000 in the token) | rawnul (a NUL byte) | badtype (number token) | trailing
//   | error200 | error400 | 500 | redirect | notbearer | crlf | form | formbad | ui-<X>
//   Each request is logged as "TOKEN REQUEST <code>".  Tokens look like "fake-at-<random>"
//   ("ui-<X>-<random>" for ui-<X>); each is printed as "TOKEN access|refresh <value>".
//   Client authentication (client_secret_basic or client_secret_post) is checked.
//   Each request is also logged as "TOKEN INFLIGHT <n>": token requests open at once,
//   this one included.  FAKE_TOKEN_DELAY_MS (0) holds every token answer that long.
// GET /userinfo (Bearer): ui-garbage | ui-deep | ui-huge | ui-nosub | ui-subnum | ui-401
//   | ui-ctrl (control characters in the name) | ui-longsub; anything else a good user.
// POST /revoke (RFC 7009, client authentication): marks the token revoked; /userinfo
//   then answers 401.  POST /revoke-google: the same without client authentication.
import fs from 'node:fs';
import https from 'node:https';
import crypto from 'node:crypto';

const port = Number(process.env.FAKE_PORT || 9400);
const slow = Number(process.env.FAKE_SLOW_MS || 2000);
const base = `https://127.0.0.1:${port}`;
const CID = process.env.FAKE_CLIENT_ID || 'fake-client', SECRET = process.env.FAKE_CLIENT_SECRET || 'fake-secret';
const revoked = new Set();
const tokenDelay = Number(process.env.FAKE_TOKEN_DELAY_MS || 0);
let users = 0, inflight = 0;

const rnd = () => crypto.randomBytes(12).toString('hex');
const send = (res, status, body, type = 'application/json') => { res.writeHead(status, { 'content-type': type }); res.end(body); };
const json = (res, status, obj) => send(res, status, JSON.stringify(obj));
const deep = (n) => '{"a":' + '['.repeat(n) + ']'.repeat(n) + '}';
const body = (req) => new Promise((r) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => r(b)); });
// client_secret_basic, or client_secret_post (p: the form body)
const clientOk = (req, p) => {
  const h = req.headers.authorization || '';
  if (!h.startsWith('Basic ')) return p.get('client_id') === CID && p.get('client_secret') === SECRET;
  const [id, sec] = Buffer.from(h.slice(6), 'base64').toString().split(':').map(decodeURIComponent);
  return id === CID && sec === SECRET && !p.has('client_secret');
};

function discovery(res, kind) {
  const iss = `${base}/${kind}`;
  const doc = { issuer: iss, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`,
    userinfo_endpoint: `${base}/userinfo`, revocation_endpoint: `${base}/revoke`,
    token_endpoint_auth_methods_supported: ['client_secret_basic'], code_challenge_methods_supported: ['S256'] };
  switch (kind) {
    case 'good': return json(res, 200, doc);
    case 'slowdisc': return setTimeout(() => json(res, 200, doc), slow);
    case 'garbage': return send(res, 200, '<html>not json</html>');
    case 'mismatch': return json(res, 200, { ...doc, issuer: 'https://evil.example' });
    case 'nos256': return json(res, 200, { ...doc, code_challenge_methods_supported: ['plain'] });
    case 'plainhttp': return json(res, 200, { ...doc, token_endpoint: `http://198.51.100.1:${port}/token` });
    default: return json(res, 404, { error: 'not_found' });
  }
}

function grant(res, prefix) {
  const at = `${prefix}-${rnd()}`, rt = `fake-rt-${rnd()}`;
  console.log(`TOKEN access ${at}`);
  console.log(`TOKEN refresh ${rt}`);
  json(res, 200, { access_token: at, token_type: 'Bearer', refresh_token: rt, expires_in: 3600 });
}

async function token(req, res) {
  inflight++;
  res.on('close', () => inflight--);
  console.log(`TOKEN INFLIGHT ${inflight}`);
  const p = new URLSearchParams(await body(req));
  console.log(`TOKEN REQUEST ${p.get('code')}`);
  if (tokenDelay > 0) await new Promise((r) => setTimeout(r, tokenDelay));
  if (!clientOk(req, p)) return json(res, 401, { error: 'invalid_client' });
  if (p.get('grant_type') !== 'authorization_code' || (p.get('code_verifier') || '').length < 43) return json(res, 400, { error: 'invalid_request' });
  const code = p.get('code') || '';
  if (code.startsWith('ui-')) return grant(res, code);
  switch (code) {
    case 'ok': return grant(res, 'fake-at');
    case 'slow': return setTimeout(() => grant(res, 'fake-at'), slow);
    case 'hang': return;
    case 'garbage': return send(res, 200, '<html>garbage</html>');
    case 'huge': return send(res, 200, JSON.stringify({ access_token: 'x'.repeat(1 << 20), token_type: 'Bearer' }));
    case 'deep': return send(res, 200, deep(1000));
    case 'nul': return send(res, 200, '{"access_token":"a\\u0000b","token_type":"Bearer"}');
    case 'rawnul': return send(res, 200, '{"access_token":"a\u0000b","token_type":"Bearer"}');
    case 'badtype': return json(res, 200, { access_token: 12345, token_type: 'Bearer' });
    case 'trailing': return send(res, 200, '{"access_token":"t","token_type":"Bearer"} {}');
    case 'error200': return json(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
    case 'error400': return json(res, 400, { error: 'invalid_grant' });
    case '500': return send(res, 500, 'internal error', 'text/plain');
    case 'redirect': res.writeHead(302, { location: `${base}/token-elsewhere` }); return res.end();
    case 'crlf': return json(res, 200, { access_token: 'a\r\nX-Injected: 1', token_type: 'Bearer' });
    case 'notbearer': return json(res, 200, { access_token: `fake-at-${rnd()}`, token_type: 'mac' });
    case 'form': { const at = `fake-at-${rnd()}`; console.log(`TOKEN access ${at}`);
      return send(res, 200, `access_token=${at}&token_type=bearer&scope=profile`, 'application/x-www-form-urlencoded'); }
    case 'formbad': return send(res, 200, 'access_token=%zz&token_type=bearer', 'application/x-www-form-urlencoded');
    default: return json(res, 400, { error: 'invalid_grant' });
  }
}

function userinfo(req, res) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  const at = m && m[1];
  if (!at || revoked.has(at)) return json(res, 401, { error: 'invalid_token' });
  const kind = at.replace(/-[0-9a-f]{24}$/, '');
  switch (kind) {
    case 'ui-garbage': return send(res, 200, 'garbage');
    case 'ui-deep': return send(res, 200, deep(1000));
    case 'ui-huge': return send(res, 200, JSON.stringify({ sub: 'big', name: 'n'.repeat(1 << 20) }));
    case 'ui-nosub': return json(res, 200, { name: 'No Sub' });
    case 'ui-subnum': return json(res, 200, { sub: 42 });
    case 'ui-401': return json(res, 401, { error: 'invalid_token' });
    case 'ui-ctrl': return json(res, 200, { sub: 'ctrl-user', name: 'Evil\u0007Name\nNext\u0085Line' });
    case 'ui-longsub': return json(res, 200, { sub: 's'.repeat(300) });
    default: users++; return json(res, 200, { sub: `fake-${users}`, id: String(1000 + users), name: 'Fake User' });
  }
}

async function revoke(req, res, google) {
  const p = new URLSearchParams(await body(req));
  if (google ? req.headers.authorization || p.has('client_secret') : !clientOk(req, p)) return json(res, 401, { error: 'invalid_client' });
  revoked.add(p.get('token'));
  console.log(`REVOKED ${google ? 'google' : p.get('token_type_hint') || '-'}`);
  send(res, 200, '');
}

const server = https.createServer({ cert: fs.readFileSync(process.env.FAKE_TLS_CERT), key: fs.readFileSync(process.env.FAKE_TLS_KEY) }, (req, res) => {
  const u = new URL(req.url, base);
  const d = /^\/([a-z0-9]+)\/\.well-known\/openid-configuration$/.exec(u.pathname);
  if (d && req.method === 'GET') return discovery(res, d[1]);
  if (u.pathname === '/token' && req.method === 'POST') return token(req, res);
  if (u.pathname === '/userinfo' && req.method === 'GET') return userinfo(req, res);
  if (u.pathname === '/revoke' && req.method === 'POST') return revoke(req, res, false);
  if (u.pathname === '/revoke-google' && req.method === 'POST') return revoke(req, res, true);
  json(res, 404, { error: 'not_found' });
});
server.keepAliveTimeout = 1000;
server.listen(port, '127.0.0.1', () => console.log(`FAKE READY ${base}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
