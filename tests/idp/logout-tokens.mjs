// Back-channel logout tokens for airlock's tests, made with node's built-in crypto,
// and the JWKS that verifies the good ones, served over TLS with the test CA's
// certificate.  Env: LT_PORT, LT_TLS_CERT, LT_TLS_KEY, LT_ISSUER, LT_AUD.
//   GET /jwks                   the JWKS: one EC P-256 key, kid "k1" (each fetch counted)
//   GET /fetches                how many times /jwks was fetched
//   GET /mint?case=C&sub=S[&jti=J][&n=N]   a logout token for S (N of them, one a line);
//     C is one of
//     good        ES256 by the JWKS key, every claim right
//     badsig      signed by another key under the same kid
//     none        alg "none", no signature
//     hs256       HS256 keyed with the JWKS key's public PEM (algorithm confusion)
//     iss aud     another issuer / audience
//     old         iat 10 minutes ago
//     noevents nonce nojti sidonly   events missing / nonce present / jti missing /
//                 sid without sub
//     unknownkid  signed by the JWKS key under a random kid the JWKS does not hold
//     crit        signed by the JWKS key with a "crit" header (an extension airlock lacks)
// Prints "LT READY <port>" when listening.
// `node logout-tokens.mjs flood FILE URL` instead POSTs each token of FILE (one a line)
// to URL from 127.0.0.2, 8 at a time, and prints "<status> <count>" per status.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

if (process.argv[2] === 'flood') {
  const tokens = fs.readFileSync(process.argv[3], 'utf8').split('\n').filter(Boolean);
  const url = new URL(process.argv[4]);
  const counts = {};
  const post = (t) => new Promise((done) => {
    const body = `logout_token=${encodeURIComponent(t)}`;
    const q = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      localAddress: '127.0.0.2', agent: false, timeout: 10000,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
    }, (res) => { res.resume(); res.on('end', () => done(res.statusCode)); });
    q.on('error', () => done(0));
    q.end(body);
  });
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const st = await post(tokens[next++]);
      counts[st] = (counts[st] || 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  for (const [st, n] of Object.entries(counts)) console.log(`${st} ${n}`);
  process.exit(0);
}

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const good = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = { keys: [{ ...good.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'ES256' }] };
let fetches = 0;

const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

function es256(input, key) {
  return crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

function mint(c, sub, jti) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: process.env.LT_ISSUER, aud: process.env.LT_AUD, iat: now, exp: now + 120,
    jti: jti || crypto.randomUUID(), sub, sid: `sid-${sub}`, events: { [EVENT]: {} } };
  const header = { alg: 'ES256', kid: 'k1', typ: 'logout+jwt' };
  let key = good.privateKey;
  switch (c) {
    case 'good': break;
    case 'badsig': key = other.privateKey; break;
    case 'none': return `${b64({ alg: 'none', typ: 'logout+jwt' })}.${b64(claims)}.`;
    case 'hs256': {
      const input = `${b64({ ...header, alg: 'HS256' })}.${b64(claims)}`;
      const pem = good.publicKey.export({ type: 'spki', format: 'pem' });
      return `${input}.${crypto.createHmac('sha256', pem).update(input).digest('base64url')}`;
    }
    case 'iss': claims.iss = 'https://issuer.invalid'; break;
    case 'aud': claims.aud = 'another-client'; break;
    case 'old': claims.iat = now - 600; break;
    case 'noevents': delete claims.events; break;
    case 'nonce': claims.nonce = 'n-0S6_WzA2Mj'; break;
    case 'nojti': delete claims.jti; break;
    case 'sidonly': delete claims.sub; break;
    case 'unknownkid': header.kid = `kid-${crypto.randomUUID()}`; break;
    case 'crit': header.crit = ['urn:example:ext']; header['urn:example:ext'] = 1; break;
    default: return null;
  }
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${es256(input, key)}`;
}

const server = https.createServer({
  cert: fs.readFileSync(process.env.LT_TLS_CERT), key: fs.readFileSync(process.env.LT_TLS_KEY),
}, (req, res) => {
  const u = new URL(req.url, 'https://127.0.0.1');
  let body = null, type = 'text/plain';
  if (u.pathname === '/jwks') {
    fetches++;
    body = JSON.stringify(jwks);
    type = 'application/json';
  } else if (u.pathname === '/fetches') {
    body = `${fetches}\n`;
  } else if (u.pathname === '/mint') {
    const n = Math.min(Number(u.searchParams.get('n') || 1), 1000);
    const all = [];
    for (let i = 0; i < n; i++) {
      all.push(mint(u.searchParams.get('case'), u.searchParams.get('sub') || 'alice',
        u.searchParams.get('jti')));
    }
    body = all.includes(null) ? null : all.join('\n');
  }
  res.writeHead(body === null ? 404 : 200, { 'Content-Type': type });
  res.end(body === null ? 'not found\n' : body);
});
server.listen(Number(process.env.LT_PORT), '127.0.0.1',
  () => console.log(`LT READY ${server.address().port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(); process.exit(0); });
