/*
 * LOGIN_START: a new login sealed into the pre-login cookie value, and the
 * provider's authorize URL.
 * LOGIN_FINISH: before any network traffic and before anything is spent, the
 * sealed login must open and match the state, be unexpired, come back on its
 * provider's callback path with the right iss (RFC 9207), and its client
 * address must have room for one more exchange; only then is the state
 * recorded as used (single use) and code -> tokens (token endpoint), tokens
 * -> user (userinfo), [access] decides (access.h; GitHub organisation and
 * team rules ask GitHub's API with the user's token, one rule at a time), and
 * a signed proof answered.  A refused account's tokens are revoked at once;
 * its answer says allowed 0 and carries no grant: no proof for a web login,
 * a PURPOSE_CLI_REFUSED one that denies the pairing for a pairing's login
 * (every pairing approval is such a fresh login, so the rules are always
 * applied at approval).  The proof carries the
 * tokens sealed for that user under grant.key (grant.h), and its nonce is
 * derived from the login's state (loginseal_proof_nonce).
 * The answer is asynchronous: the connection is held with ipc_conn_ref.
 *
 * Single use across authd nodes: the replay cache (replay.c) is this
 * process's memory, a first line that spares a second code exchange here.  A
 * callback replayed at another node that shares login.key passes that node's
 * cache and reaches the provider once more, where the code is single use
 * (RFC 6749 4.1.2) and normally refused; should the provider answer anyway,
 * the proof bears the same nonce as the first one and the store, which keeps
 * every nonce spent until the login's own expiry in the shared database,
 * refuses it (ST_DENIED): one more code exchange at most, never a second
 * session.
 * A login start also warms the provider's connections (provider_warm), so
 * that the exchange finds them open.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include <json-c/json.h>

#include "access.h"
#include "authd.h"
#include "buf.h"
#include "grant.h"
#include "http.h"
#include "ipc.h"
#include "log.h"
#include "parse.h"
#include "loginseal.h"
#include "proof.h"
#include "provider.h"
#include "replay.h"
#include "secret.h"

struct login {
	struct login		*next, **prevp;	/* authd's list of exchanges in flight */
	struct authd		*ad;
	struct ipc_conn		*conn;
	struct msg_hdr		 req;
	struct provider		*p;
	struct pending_login	 pl;
	struct tokresp		 tok;
	char			 id_sub[MAX_SUBJECT + 1];
	char			 client[MAX_CLIENT + 1];
	struct userinfo		 u;		/* while GitHub membership is asked */
	size_t			 gh_next;	/* the next [access] GitHub rule to ask */
};

static uint64_t
now_sec(void)
{
	return (uint64_t)time(NULL);
}

/* 1 when word is one of the space- or comma-separated scopes. */
static int
scope_listed(const char *scopes, const char *word)
{
	size_t n = strlen(word), k;

	for (scopes += strspn(scopes, " ,"); *scopes != '\0'; scopes += strspn(scopes, " ,")) {
		k = strcspn(scopes, " ,");
		if (k == n && strncmp(scopes, word, n) == 0)
			return 1;
		scopes += k;
	}
	return 0;
}

/* The scopes asked: the provider's, and read:org at GitHub when [access] has
 * GitHub organisation or team rules (membership is read with the user's token). */
static void
login_scopes(const struct authd *ad, const struct provider *p, struct buf *b)
{
	buf_add(b, p->scopes);
	if (p->type == PT_GITHUB && access_wants_github(ad->access) &&
	    !scope_listed(p->scopes, "read:org"))
		buf_add(b, " read:org");
}

static char *
authorize_url(const struct authd *ad, const struct provider *p, const char *redirect_uri,
    const char *state, const char *challenge, const char *nonce)
{
	struct buf b, scopes;

	buf_init(&b, MAX_URL);
	buf_add(&b, p->authorize_url);
	buf_addc(&b, strchr(p->authorize_url, '?') != NULL ? '&' : '?');
	buf_add_param(&b, "response_type", "code");
	buf_add_param(&b, "client_id", p->client_id);
	buf_add_param(&b, "redirect_uri", redirect_uri);
	buf_init(&scopes, MAX_URL);
	login_scopes(ad, p, &scopes);
	buf_add_param(&b, "scope", buf_str(&scopes));	/* NULL: b's error */
	buf_free(&scopes);
	buf_add_param(&b, "state", state);
	buf_add_param(&b, "code_challenge", challenge);
	buf_add_param(&b, "code_challenge_method", "S256");
	if (p->oidc)
		buf_add_param(&b, "nonce", nonce);
	return buf_take(&b);
}

static int
purpose_ok(uint8_t purpose, size_t ref_len)
{
	return (purpose == PURPOSE_WEB && ref_len == 0) ||
	    (purpose == PURPOSE_CLI && ref_len == REF_LEN);
}

int
authd_req_login_start(struct ipc_conn *c, const struct msg_hdr *h, const void *msg)
{
	const struct msg_auth_login_start	*q = msg;
	struct msg_auth_login_start_r		 a;
	struct authd				*ad = ipc_conn_ctx(c);
	struct provider				*p;
	struct mbuf				 m;
	char					 state[STATE_LEN + 1];
	char					 challenge[PKCE_VERIFIER_LEN + 1];
	char					 nonce[OIDC_NONCE_LEN + 1], *url;
	int					 rc;

	if (!purpose_ok(q->purpose, q->ref_len)) {
		ipc_answer_status(c, h, ST_INVALID);
		return 0;
	}
	if ((p = provider_find(ad, q->provider, NULL)) == NULL) {
		ipc_answer_status(c, h, ST_NOTFOUND);
		return 0;
	}
	if (!p->ready) {
		ipc_answer_status(c, h, ST_PROVIDER_ERROR);
		return 0;
	}
	memset(&a, 0, sizeof(a));
	rc = loginseal_new(secret_open(ad->loginkey), p->name, q->purpose, q->ref, q->ref_len,
	    now_sec() + ad->login_ttl, state, challenge, nonce, a.binding);
	secret_close(ad->loginkey);
	if (rc == -1 || (url = authorize_url(ad, p, p->redirect_uri, state, challenge, nonce)) == NULL) {
		log_warnx("login start %s: authorize URL too long", p->name);
		ipc_answer_status(c, h, ST_INTERNAL);
	} else {
		snprintf(a.authorize_url, sizeof(a.authorize_url), "%s", url);
		a.binding_len = LOGIN_BOX_LEN;
		if (msg_answer(&m, h, ST_OK, &a) == 0)
			ipc_send(c, &m);
		else
			ipc_answer_status(c, h, ST_INTERNAL);
		sodium_memzero(&m, sizeof(m));
		free(url);
	}
	sodium_memzero(&a, sizeof(a));
	sodium_memzero(state, sizeof(state));
	sodium_memzero(nonce, sizeof(nonce));
	log_debug("login start %s: purpose %u", p->name, q->purpose);
	provider_warm(p);
	return 0;
}

static void
login_free(struct login *l)
{
	l->ad->exchanges--;
	l->p->exchanging--;
	if (l->next != NULL)
		l->next->prevp = l->prevp;
	*l->prevp = l->next;
	ipc_conn_unref(l->conn);
	tokresp_free(&l->tok);
	sodium_memzero(l, sizeof(*l));
	free(l);
}

static void
login_fail(struct login *l, uint8_t status)
{
	ipc_answer_status(l->conn, &l->req, status);
	login_free(l);
}

static uint8_t
http_failure(struct login *l, const char *what, const struct http_resp *r)
{
	if (r->result == HTTP_EABORT)
		return ST_INTERNAL;
	log_warnx("provider %s: %s: %s", l->p->name, what, r->result == HTTP_ETOOBIG ?
	    "answer too large" : r->error);
	return r->result == HTTP_ETIMEOUT ? ST_TIMEOUT : ST_PROVIDER_ERROR;
}

/* The tokens sealed for user_id into the proof; -1 when they do not fit. */
static int
login_grant(struct login *l, struct proof *pr)
{
	struct grant	 g;
	struct secret	*key = grants_key(l->ad->grants);
	int		 rc;

	memset(&g, 0, sizeof(g));
	snprintf(g.provider, sizeof(g.provider), "%s", l->p->name);
	g.access_token = l->tok.access_token;
	g.refresh_token = l->tok.refresh_token;
	rc = grant_seal(secret_open(key), pr->user_id, &g, pr->grant, &pr->grant_len);
	secret_close(key);
	if (rc == -1)
		log_warnx("provider %s: tokens of %zu and %zu bytes do not fit a sealed grant "
		    "(at most %d bytes): login refused", l->p->name,
		    strlen(l->tok.access_token), l->tok.refresh_token == NULL ? (size_t)0 :
		    strlen(l->tok.refresh_token), MAX_GRANT);
	return rc;
}

/* The proof's fields for this login and account, without a grant. */
static void
proof_fill(struct login *l, const struct userinfo *u, uint8_t purpose, struct proof *pr)
{
	memset(pr, 0, sizeof(*pr));
	pr->purpose = purpose;
	pr->expires = now_sec() + PROOF_TTL;
	snprintf(pr->user_id, sizeof(pr->user_id), "%s:%s", l->p->name, u->subject);
	snprintf(pr->name, sizeof(pr->name), "%s", u->name[0] != '\0' ? u->name : u->subject);
	snprintf(pr->email, sizeof(pr->email), "%s", u->email);
	memcpy(pr->ref, l->pl.ref, l->pl.ref_len);
	pr->ref_len = l->pl.ref_len;
	loginseal_proof_nonce(l->pl.state_hash, pr->nonce);
	pr->nonce_until = l->pl.expires < pr->expires + PROOF_NONCE_KEEP_MAX ? l->pl.expires :
	    pr->expires + PROOF_NONCE_KEEP_MAX;
}

/* Answers LOGIN_FINISH for pr's account, with pr signed when signed is 1:
 * 0 sent, 1 the frontend has gone, -1 the proof could not be signed. */
static int
finish_send(struct login *l, struct proof *pr, int signed_proof, uint8_t allowed)
{
	struct msg_auth_login_finish_r	 a;
	struct mbuf			 m;
	int				 n, rc = 0;

	memset(&a, 0, sizeof(a));
	if (signed_proof) {
		n = proof_sign(pr, secret_open(l->ad->signkey), a.proof, sizeof(a.proof));
		secret_close(l->ad->signkey);
		if (n < 0) {
			log_warnx("provider %s: cannot sign the login proof", l->p->name);
			return -1;
		}
		a.proof_len = (size_t)n;
	}
	memcpy(a.user_id, pr->user_id, sizeof(a.user_id));
	memcpy(a.name, pr->name, sizeof(a.name));
	a.allowed = allowed;
	if (msg_answer(&m, &l->req, ST_OK, &a) == -1 || ipc_send(l->conn, &m) == -1) {
		log_warnx("provider %s: login of %s done but the frontend has gone", l->p->name,
		    pr->user_id);
		rc = 1;
	}
	sodium_memzero(&a, sizeof(a));
	return rc;
}

static void
login_answer(struct login *l, const struct userinfo *u)
{
	struct proof	pr;
	int		rc;

	proof_fill(l, u, l->pl.purpose, &pr);
	if (login_grant(l, &pr) == -1) {
		sodium_memzero(&pr, sizeof(pr));
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	rc = finish_send(l, &pr, 1, 1);
	if (rc == 0)
		log_info("login %s as %s", l->p->name, pr.user_id);
	sodium_memzero(&pr, sizeof(pr));
	if (rc == -1)
		login_fail(l, ST_INTERNAL);
	else
		login_free(l);
}

/* [access] refuses the account: its tokens are revoked and no grant is kept;
 * the answer names the account, with a proof that denies the pairing when
 * the login was for one (PURPOSE_CLI_REFUSED), else none. */
static void
login_refuse(struct login *l, const struct userinfo *u)
{
	struct proof	pr;
	int		rc;

	log_info("login %s as %s:%s refused by [access]", l->p->name, l->p->name, u->subject);
	authd_revoke_tokens(l->ad, l->p, l->tok.access_token, l->tok.refresh_token);
	proof_fill(l, u, PURPOSE_CLI_REFUSED, &pr);
	rc = finish_send(l, &pr, l->pl.purpose == PURPOSE_CLI, 0);
	sodium_memzero(&pr, sizeof(pr));
	if (rc == -1)
		login_fail(l, ST_INTERNAL);
	else
		login_free(l);
}

/* GET url with the user's token; cb gets the answer. */
static int
bearer_get(struct login *l, const char *url, http_cb cb)
{
	struct http_request	 q;
	struct buf		 auth;
	int			 rc;

	buf_init(&auth, MAX_TOKEN + 16);
	buf_add(&auth, "Bearer ");
	buf_add(&auth, l->tok.access_token);
	memset(&q, 0, sizeof(q));
	q.url = url;
	q.authorization = buf_str(&auth);
	q.accept = l->p->type == PT_GITHUB ? "application/vnd.github+json" : "application/json";
	rc = q.authorization == NULL ? -1 : http_start(l->ad->http, &q, cb, l);
	buf_free(&auth);
	return rc;
}

static void	github_done(void *, const struct http_resp *);

/* The next GitHub rule's membership request; none left: refused. */
static void
github_ask(struct login *l)
{
	char url[MAX_URL];

	if (access_github_url(l->ad->access, l->gh_next++, l->p->api_url, l->u.login, url,
	    sizeof(url)) == -1) {
		login_refuse(l, &l->u);
		return;
	}
	if (bearer_get(l, url, github_done) == -1)
		login_fail(l, ST_INTERNAL);
}

/* 200 "active": a member.  200 otherwise, 403 and 404 (not a member, no
 * read:org, the organisation restricts this app): the next rule. */
static void
github_done(void *arg, const struct http_resp *r)
{
	struct login	*l = arg;
	const char	*why;
	int		 m = 0;

	provider_used(l->p);
	if (r->result != HTTP_OK) {
		login_fail(l, http_failure(l, "membership", r));
		return;
	}
	if (r->status == 200 && (m = membership_parse(r->body, r->len, &why)) == -1) {
		log_warnx("provider %s: membership: %s", l->p->name, why);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	if (m == 1) {
		login_answer(l, &l->u);
		return;
	}
	if (r->status != 200 && r->status != 403 && r->status != 404) {
		log_warnx("provider %s: membership answered HTTP %ld", l->p->name, r->status);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	github_ask(l);
}

/* [access] on what the login has (userinfo answer r); GitHub is asked when
 * only its membership can still admit the account. */
static void
login_decide(struct login *l, const struct userinfo *u, const struct http_resp *r)
{
	struct access_account	 acct;
	char			 user_id[MAX_USERID + 1];
	const char		*why;
	enum access_verdict	 v;

	snprintf(user_id, sizeof(user_id), "%s:%s", l->p->name, u->subject);
	memset(&acct, 0, sizeof(acct));
	acct.user_id = user_id;
	acct.email = u->email;
	acct.github_login = l->p->type == PT_GITHUB ? u->login : "";
	/* Claims are OpenID Connect's: GitHub's and Discord's user objects are
	 * profiles their users edit. */
	if (access_count(l->ad->access, ACC_CLAIMS) > 0 && l->p->oidc) {
		acct.userinfo = json_parse_object(r->body, r->len, JSON_MAX_DEPTH, &why);
		if (l->tok.id_token != NULL)
			acct.idtoken = idtoken_payload(l->tok.id_token, &why);
	}
	v = access_check(l->ad->access, &acct);
	json_object_put(acct.userinfo);
	json_object_put(acct.idtoken);
	if (v == ACCESS_ALLOW)
		login_answer(l, u);
	else if (v == ACCESS_DENY)
		login_refuse(l, u);
	else {
		l->u = *u;
		l->gh_next = 0;
		github_ask(l);
	}
}

static void
userinfo_done(void *arg, const struct http_resp *r)
{
	struct login	*l = arg;
	struct userinfo	 u;
	const char	*why;

	provider_used(l->p);
	if (r->result != HTTP_OK) {
		login_fail(l, http_failure(l, "userinfo", r));
		return;
	}
	if (r->status != 200) {
		log_warnx("provider %s: userinfo answered HTTP %ld", l->p->name, r->status);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	if (userinfo_parse(r->body, r->len, l->p->subject, &u, &why) == -1) {
		log_warnx("provider %s: userinfo: %s", l->p->name, why);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	if (l->p->oidc && strcmp(u.subject, l->id_sub) != 0) {
		log_warnx("provider %s: userinfo sub differs from the id_token's", l->p->name);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	if (strlen(l->p->name) + 1 + strlen(u.subject) > MAX_USERID) {
		log_warnx("provider %s: subject too long", l->p->name);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	login_decide(l, &u, r);
	sodium_memzero(&u, sizeof(u));
}

static int
userinfo_start(struct login *l)
{
	return bearer_get(l, l->p->userinfo_url, userinfo_done);
}

static int
idtoken_ok(struct login *l)
{
	const char	*why;
	uint64_t	 now = now_sec();

	if (l->tok.id_token == NULL) {
		log_warnx("provider %s: no id_token although openid was asked", l->p->name);
		return 0;
	}
	if (idtoken_check(l->tok.id_token, l->p->issuer, l->p->client_id, l->pl.nonce, now,
	    l->id_sub, &why) == 0)
		return 1;
	/* Google also issues "accounts.google.com" without the scheme. */
	if (l->p->type == PT_GOOGLE && idtoken_check(l->tok.id_token, "accounts.google.com",
	    l->p->client_id, l->pl.nonce, now, l->id_sub, &why) == 0)
		return 1;
	log_warnx("provider %s: %s", l->p->name, why);
	return 0;
}

static void
token_done(void *arg, const struct http_resp *r)
{
	struct login	*l = arg;
	const char	*why;
	char		 err[64];

	provider_used(l->p);
	if (r->result != HTTP_OK) {
		login_fail(l, http_failure(l, "token endpoint", r));
		return;
	}
	if (tokresp_parse(r->ctype, r->body, r->len, &l->tok, &why) == -1) {
		log_warnx("provider %s: token endpoint answered HTTP %ld: %s", l->p->name,
		    r->status, why);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	if (r->status != 200 || l->tok.error != NULL || l->tok.access_token == NULL) {
		error_code(r->ctype, r->body, r->len, err, sizeof(err));
		log_warnx("provider %s: token endpoint answered HTTP %ld, error \"%s\"%s",
		    l->p->name, r->status, err, l->tok.access_token == NULL &&
		    l->tok.error == NULL ? " and no access_token" : "");
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	if (l->tok.token_type == NULL || strcasecmp(l->tok.token_type, "bearer") != 0) {
		log_warnx("provider %s: token_type is not bearer", l->p->name);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	if (l->p->oidc && !idtoken_ok(l)) {
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	if (userinfo_start(l) == -1)
		login_fail(l, ST_INTERNAL);
}

static int
token_start(struct login *l, const char *code)
{
	struct http_request	 q;
	struct buf		 body;
	char			*auth = NULL;
	int			 rc = -1;

	buf_init(&body, 3 * MAX_CODE + 4096);
	buf_add_param(&body, "grant_type", "authorization_code");
	buf_add_param(&body, "code", code);
	buf_add_param(&body, "redirect_uri", l->p->redirect_uri);
	buf_add_param(&body, "code_verifier", l->pl.verifier);
	if (provider_client_auth(l->p, &body, &auth) == 0 && buf_str(&body) != NULL) {
		memset(&q, 0, sizeof(q));
		q.method = "POST";
		q.url = l->p->token_url;
		q.authorization = auth;
		q.accept = "application/json";
		q.content_type = "application/x-www-form-urlencoded";
		q.body = body.p;
		q.body_len = body.len;
		rc = http_start(l->ad->http, &q, token_done, l);
	}
	str_wipe_free(auth);
	buf_free(&body);
	return rc;
}

/* Exchanges in flight for this client address. */
static size_t
client_exchanges(const struct authd *ad, const char *client)
{
	const struct login	*l;
	size_t			 n = 0;

	for (l = ad->logins; l != NULL; l = l->next)
		n += strcmp(l->client, client) == 0;
	return n;
}

/* The callback came back on this provider's path (mix-up defence). */
static int
callback_ok(const struct authd *ad, const struct provider *p, const char *callback)
{
	if (ad->default_redirect != NULL && strcmp(p->name, ad->default_redirect) == 0)
		return callback[0] == '\0';
	return strcmp(callback, p->name) == 0;
}

/* RFC 9207: iss, when sent, names the issuer; a provider that says it sends
 * iss must send it.  Without a known issuer only the first rule is void. */
static int
iss_ok(const struct provider *p, const char *iss)
{
	if (iss[0] == '\0')
		return !p->iss_required;
	return p->issuer == NULL || strcmp(iss, p->issuer) == 0;
}

/* Everything that needs no network, in an order that spends nothing until the
 * end: only the right browser's sealed login passes the first check. */
static int
finish_check(struct authd *ad, const uint8_t *binding, size_t blen, const char *state,
    const char *code, const char *client, const char *callback, const char *iss,
    struct pending_login *pl, struct provider **pp)
{
	struct provider	*p;
	uint64_t	 now = now_sec();
	int		 st;

	st = loginseal_open(secret_open(ad->loginkey), binding, blen, state, now, pl);
	secret_close(ad->loginkey);
	if (st != ST_OK) {
		log_info("login finish: %s state", st == ST_EXPIRED ? "expired" :
		    "unknown or foreign");
		return st;
	}
	if (replay_seen(ad->replay, pl->state_hash, now)) {
		log_info("login finish: state already used");
		return ST_NOTFOUND;
	}
	if ((p = *pp = provider_find(ad, pl->provider, NULL)) == NULL || !p->ready)
		return ST_PROVIDER_ERROR;
	if (!callback_ok(ad, p, callback)) {
		log_warnx("login finish: a %s login came back on the callback path of \"%s\"; "
		    "refused", p->name, callback[0] != '\0' ? callback : "(default)");
		return ST_DENIED;
	}
	if (!iss_ok(p, iss)) {
		log_warnx("login finish: %s: authorization response %s; refused", p->name,
		    iss[0] == '\0' ? "without the iss its provider promised" :
		    "with the iss of another issuer");
		return ST_DENIED;
	}
	if (code[0] == '\0')
		return ST_INVALID;
	if (ad->exchanges >= ad->max_exchanges) {
		log_warnx("login finish: too many exchanges in flight");
		return ST_BUSY;
	}
	if (client_exchanges(ad, client) >= ad->max_per_addr) {
		log_warnx("login finish: %s has %zu exchanges in flight already", client,
		    ad->max_per_addr);
		return ST_BUSY;
	}
	if (replay_add(ad->replay, pl->state_hash, pl->expires, now) != ST_OK) {
		log_warnx("login finish: too many finished logins to remember");
		return ST_BUSY;
	}
	return ST_OK;
}

/* Parse and check everything; only then reach the provider. */
int
authd_req_login_finish(struct ipc_conn *c, const struct msg_hdr *h, const void *msg)
{
	const struct msg_auth_login_finish	*q = msg;
	struct authd				*ad = ipc_conn_ctx(c);
	struct pending_login			 pl;
	struct provider				*p = NULL;
	struct login				*l;
	int					 st;

	st = finish_check(ad, q->binding, q->binding_len, q->state, q->code, q->client,
	    q->callback, q->iss, &pl, &p);
	if (st == ST_OK && (l = calloc(1, sizeof(*l))) == NULL)
		st = ST_INTERNAL;
	if (st != ST_OK) {
		ipc_answer_status(c, h, (uint8_t)st);
		goto done;
	}
	ad->exchanges++;
	p->exchanging++;
	l->ad = ad;
	l->conn = c;
	l->req = *h;
	l->p = p;
	l->pl = pl;
	snprintf(l->client, sizeof(l->client), "%s", q->client);
	if ((l->next = ad->logins) != NULL)
		l->next->prevp = &l->next;
	l->prevp = &ad->logins;
	ad->logins = l;
	ipc_conn_ref(c);
	if (token_start(l, q->code) == -1)
		login_fail(l, ST_INTERNAL);
done:
	sodium_memzero(&pl, sizeof(pl));
	return 0;
}
