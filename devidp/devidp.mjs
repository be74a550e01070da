// airlock's development OpenID provider, for `make demo` and local hacking only.
// Built on oidc-provider: authorization code flow with PKCE S256 required, discovery,
// userinfo, token revocation (RFC 7009), iss in every authorization response (RFC 9207:
// always on in oidc-provider 9, announced in discovery, so airlock requires it); the sign-in page accepts any user name (the name
// becomes the subject, so "alice" signs in as oidc "alice" every time).
// Back-channel logout (OpenID Connect Back-Channel Logout 1.0): signing out at devidp
// (GET /session/end, then "Yes, sign me out") POSTs a logout_token to airlock, which
// ends every session of that user.
//
// Environment:
//   DEVIDP_PORT                 port on 127.0.0.1 (9090)
//   DEVIDP_CLIENT_ID            the one registered client (airlock-demo)
//   DEVIDP_CLIENT_SECRET_FILE   file holding that client's secret (required; mode 0600)
//   DEVIDP_REDIRECT_URIS        space separated (http://127.0.0.1:8000/auth_redirect/dev)
//   DEVIDP_BACKCHANNEL_URI      the client's backchannel_logout_uri (default: the first
//                               redirect URI's origin + /backchannel_logout/ + its last
//                               path segment, e.g. http://127.0.0.1:8000/backchannel_logout/dev)
// Prints "DEVIDP READY <issuer>" once listening. Plain http on loopback only: airlock's
// authd talks to it with `allow_insecure_loopback = yes`.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import Provider from 'oidc-provider';

function fatal(msg) {
  console.error(`devidp: ${msg}`);
  process.exit(1);
}

function readSecret(path) {
  if (!path) fatal('DEVIDP_CLIENT_SECRET_FILE is not set');
  let st;
  try { st = statSync(path); } catch (e) { fatal(`cannot read ${path}: ${e.code}`); }
  if ((st.mode & 0o077) !== 0) fatal(`${path} must not be readable by group or others (chmod 600)`);
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 16) fatal(`${path}: secret too short (want at least 16 characters)`);
  return secret;
}

const port = Number(process.env.DEVIDP_PORT || 9090);
if (!Number.isInteger(port) || port < 1 || port > 65535) fatal('DEVIDP_PORT must be a port number');
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.DEVIDP_CLIENT_ID || 'airlock-demo';
const clientSecret = readSecret(process.env.DEVIDP_CLIENT_SECRET_FILE);
const redirectUris = (process.env.DEVIDP_REDIRECT_URIS || 'http://127.0.0.1:8000/auth_redirect/dev')
  .split(/\s+/).filter(Boolean);

function backchannelUri() {
  if (process.env.DEVIDP_BACKCHANNEL_URI) return process.env.DEVIDP_BACKCHANNEL_URI;
  const u = new URL(redirectUris[0]);
  const name = u.pathname.match(/^\/auth_redirect\/([a-z0-9_-]+)$/)?.[1] || 'dev';
  return `${u.origin}/backchannel_logout/${name}`;
}

// Fresh keys on every start: sessions and tokens of a dev provider need not survive it.
function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: `dev-${Date.now()}` };
}

const config = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    backchannel_logout_uri: backchannelUri(),
    backchannel_logout_session_required: true,
  }],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    backchannelLogout: { enabled: true },
  },
  // Back-channel logouts go to airlock on loopback, which the library's guard against
  // special-use addresses would refuse.
  fetch: (url, options) => globalThis.fetch(url, { ...options, dispatcher: undefined }),
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: `Demo user ${id}`,
          preferred_username: id,
          email: `${id}@devidp.invalid`,
          email_verified: false,
        };
      },
    };
  },
  // The demo client is first-party: grant what it asks for instead of showing a consent page.
  async loadExistingGrant(ctx) {
    const { client, session, params } = ctx.oidc;
    const existing = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (existing) {
      const found = await ctx.oidc.provider.Grant.find(existing);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(params.scope || 'openid');
    await grant.save();
    return grant;
  },
  ttl: {
    AccessToken: 3600, AuthorizationCode: 120, IdToken: 3600, Interaction: 600,
    Session: 8 * 3600, Grant: 8 * 3600, RefreshToken: 8 * 3600,
  },
};

const provider = new Provider(issuer, config);
provider.on('server_error', (ctx, err) => console.error('devidp: server error', err));
provider.on('backchannel.error', (ctx, err, client, sub) =>
  console.error(`devidp: back-channel logout of ${sub} failed: ${err.message}`));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`DEVIDP READY ${issuer} client=${clientId}`);
});
server.on('error', (e) => fatal(`cannot listen on 127.0.0.1:${port}: ${e.code}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
