// OpenID Provider for airlock's tests, on panva's oidc-provider, served over TLS
// with the test CA's certificate (or plain http when no certificate is given).
// Env: OP_PORT, OP_CLIENT_ID (test-client), OP_CLIENT_SECRET (test-secret),
//   OP_REDIRECT_URIS (space separated), OP_AUTO_LOGIN=1 (no forms: login_hint or
//   "alice", consent pre-granted), OP_TLS_CERT + OP_TLS_KEY (PEM files),
//   OP_TOKEN_LOG=1 (print "TOKEN access|refresh <value>" for each token issued:
//   tests use them to check revocation and that no token leaks out of authd),
//   OP_BACKCHANNEL_URI (the client's backchannel_logout_uri: back-channel logout on;
//   RP-initiated logout at /session/end sends it (printing "BACKCHANNEL sent <sub>" or
//   "BACKCHANNEL error <sub>: <why>"), and so does GET /test/backchannel_logout?sub=S[&sid=I],
//   which answers "BACKCHANNEL sent" or "BACKCHANNEL error <why>").
// Every authorization response carries iss (RFC 9207; always on in oidc-provider 9, and
// announced in discovery as authorization_response_iss_parameter_supported).
// Prints "OP READY <issuer>" when listening.  Issues refresh tokens to every
// login so that revocation of both kinds is exercised.
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT || 9090);
const tls = process.env.OP_TLS_CERT && process.env.OP_TLS_KEY;
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
const clientId = process.env.OP_CLIENT_ID || 'test-client';
const auto = process.env.OP_AUTO_LOGIN === '1';

const configuration = {
  clients: [{
    client_id: clientId,
    client_secret: process.env.OP_CLIENT_SECRET || 'test-secret',
    redirect_uris: (process.env.OP_REDIRECT_URIS || 'http://127.0.0.1:8000/auth_redirect').split(/\s+/).filter(Boolean),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...(process.env.OP_BACKCHANNEL_URI ? {
      backchannel_logout_uri: process.env.OP_BACKCHANNEL_URI,
      backchannel_logout_session_required: true,
    } : {}),
  }],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
    backchannelLogout: { enabled: Boolean(process.env.OP_BACKCHANNEL_URI) },
  },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub, name: `Test User ${sub}`, preferred_username: sub }; } };
  },
  issueRefreshToken: async () => true,
  // Outgoing requests (back-channel logout) go to airlock on loopback, which the
  // library's guard against special-use addresses would refuse.
  fetch: (url, options) => globalThis.fetch(url, { ...options, dispatcher: undefined }),
  cookies: { keys: ['airlock-test-only-cookie-key'] },
  ttl: { AccessToken: 3600, AuthorizationCode: 300, IdToken: 3600, Interaction: 600, Session: 86400, Grant: 86400, RefreshToken: 86400 },
};

if (auto) {
  configuration.loadExistingGrant = async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
    await grant.save();
    return grant;
  };
}

const provider = new Provider(issuer, configuration);
if (auto) {
  provider.use(async (ctx, next) => {
    const m = ctx.method === 'GET' && ctx.path.match(/^\/interaction\/([^/]+)$/);
    if (!m) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name !== 'login') return next();
    const to = await provider.interactionResult(ctx.req, ctx.res,
      { login: { accountId: details.params.login_hint || 'alice' } }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
  });
}
if (process.env.OP_TOKEN_LOG === '1') {
  provider.on('access_token.saved', (t) => console.log(`TOKEN access ${t.jti}`));
  provider.on('refresh_token.saved', (t) => console.log(`TOKEN refresh ${t.jti}`));
}
if (process.env.OP_BACKCHANNEL_URI) {
  // The same call end_session makes for each client of the session ending.
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path !== '/test/backchannel_logout') return next();
    const client = await provider.Client.find(clientId);
    try {
      await client.backchannelLogout(ctx.query.sub || 'alice', ctx.query.sid || 'test-sid');
      ctx.body = 'BACKCHANNEL sent';
    } catch (e) {
      ctx.body = `BACKCHANNEL error ${e.message}`;
    }
  });
  provider.on('backchannel.success', (ctx, client, sub) => console.log(`BACKCHANNEL sent ${sub}`));
  provider.on('backchannel.error', (ctx, err, client, sub) =>
    console.log(`BACKCHANNEL error ${sub}: ${err.message}`));
}
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('grant.error', (ctx, err) => console.log(`GRANT ERROR ${err.error || err.message}: ${err.error_detail || err.error_description || ''}`));

const server = tls
  ? https.createServer({ cert: fs.readFileSync(process.env.OP_TLS_CERT), key: fs.readFileSync(process.env.OP_TLS_KEY) }, provider.callback())
  : http.createServer(provider.callback());
server.listen(port, '127.0.0.1', () => console.log(`OP READY ${issuer}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(); process.exit(0); });
