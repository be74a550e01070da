/*
 * LOGIN_START: a new pending login and the provider's authorize URL.
 * LOGIN_FINISH: the pending login is taken (single use) and checked before
 * any network traffic; then code -> tokens (token endpoint), tokens -> user
 * (userinfo), tokens sealed as a grant, and a signed proof answered.  The
 * answer is asynchronous: the connection is held with ipc_conn_ref.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "authd.h"
#include "buf.h"
#include "grant.h"
#include "http.h"
#include "ipc.h"
#include "log.h"
#include "parse.h"
#include "pending.h"
#include "proof.h"
#include "provider.h"
#include "secret.h"

struct login {
	struct authd		*ad;
	struct ipc_conn		*conn;
	struct msg_hdr		 req;
	struct provider		*p;
	struct pending_login	 pl;
	struct tokresp		 tok;
	char			 id_sub[MAX_SUBJECT + 1];
};

static uint64_t
now_sec(void)
{
	return (uint64_t)time(NULL);
}

static char *
authorize_url(const struct provider *p, const char *redirect_uri, const char *state,
    const char *challenge, const char *nonce)
{
	struct buf b;

	buf_init(&b, MAX_URL);
	buf_add(&b, p->authorize_url);
	buf_addc(&b, strchr(p->authorize_url, '?') != NULL ? '&' : '?');
	buf_add_param(&b, "response_type", "code");
	buf_add_param(&b, "client_id", p->client_id);
	buf_add_param(&b, "redirect_uri", redirect_uri);
	buf_add_param(&b, "scope", p->scopes);
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
login_start(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct authd	*ad = authd_env;
	struct provider	*p;
	struct mbuf	 m;
	char		 name[MAX_PROVIDER + 1], state[STATE_LEN + 1];
	char		 challenge[PKCE_VERIFIER_LEN + 1], nonce[OIDC_NONCE_LEN + 1], *url;
	uint8_t		 ref[REF_LEN], binding[BINDING_LEN], purpose;
	size_t		 ref_len, idx;
	int		 st;

	m_get_str(r, name, MAX_PROVIDER);
	purpose = m_get_u8(r);
	m_get_blob(r, ref, REF_LEN, &ref_len);
	if (m_end(r) == -1)
		return -1;
	if (!purpose_ok(purpose, ref_len)) {
		answer_status(c, h, ST_INVALID);
		return 0;
	}
	if ((p = provider_find(ad, name, &idx)) == NULL) {
		answer_status(c, h, ST_NOTFOUND);
		return 0;
	}
	if (!p->ready) {
		answer_status(c, h, ST_PROVIDER_ERROR);
		return 0;
	}
	st = pending_add(ad->pending, now_sec(), idx, purpose, ref, ref_len, state, binding,
	    challenge, nonce);
	if (st != ST_OK) {
		log_warnx("login start %s: too many logins in progress", p->name);
		answer_status(c, h, st);
		return 0;
	}
	if ((url = authorize_url(p, ad->redirect_uri, state, challenge, nonce)) == NULL) {
		log_warnx("login start %s: authorize URL too long", p->name);
		answer_status(c, h, ST_INTERNAL);
	} else {
		m_reply(&m, h, ST_OK);
		m_add_str(&m, url, MAX_URL);
		m_add_bytes(&m, binding, BINDING_LEN);
		ipc_send(c, &m);
		sodium_memzero(&m, sizeof(m));
		free(url);
	}
	sodium_memzero(binding, sizeof(binding));
	log_debug("login start %s: purpose %u", p->name, purpose);
	return 0;
}

static void
login_free(struct login *l)
{
	l->ad->exchanges--;
	ipc_conn_unref(l->conn);
	tokresp_free(&l->tok);
	sodium_memzero(l, sizeof(*l));
	free(l);
}

static void
login_fail(struct login *l, uint8_t status)
{
	answer_status(l->conn, &l->req, status);
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

static int
login_grant(struct login *l, uint8_t handle[GRANT_LEN])
{
	struct grant g;

	memset(&g, 0, sizeof(g));
	snprintf(g.provider, sizeof(g.provider), "%s", l->p->name);
	g.access_token = l->tok.access_token;
	g.refresh_token = l->tok.refresh_token;
	return grant_put(l->ad->grants, &g, handle);
}

static void
login_answer(struct login *l, const struct userinfo *u)
{
	struct proof	 pr;
	struct mbuf	 m;
	uint8_t		 proof[MAX_PROOF];
	int		 n;

	if (strlen(l->p->name) + 1 + strlen(u->subject) > MAX_USERID) {
		log_warnx("provider %s: subject too long", l->p->name);
		login_fail(l, ST_PROVIDER_ERROR);
		return;
	}
	memset(&pr, 0, sizeof(pr));
	pr.purpose = l->pl.purpose;
	pr.expires = now_sec() + PROOF_TTL;
	snprintf(pr.user_id, sizeof(pr.user_id), "%s:%s", l->p->name, u->subject);
	snprintf(pr.name, sizeof(pr.name), "%s", u->name[0] != '\0' ? u->name : u->subject);
	memcpy(pr.ref, l->pl.ref, l->pl.ref_len);
	pr.ref_len = l->pl.ref_len;
	if (login_grant(l, pr.grant) == -1) {
		login_fail(l, ST_INTERNAL);
		return;
	}
	pr.grant_len = GRANT_LEN;
	n = proof_sign(&pr, secret_open(l->ad->signkey), proof, sizeof(proof));
	secret_close(l->ad->signkey);
	if (n < 0) {
		log_warnx("provider %s: cannot sign the login proof", l->p->name);
		grant_delete(l->ad->grants, pr.grant);
		login_fail(l, ST_INTERNAL);
		return;
	}
	m_reply(&m, &l->req, ST_OK);
	m_add_blob(&m, proof, (size_t)n);
	m_add_str(&m, pr.user_id, MAX_USERID);
	m_add_str(&m, pr.name, MAX_NAME);
	if (ipc_send(l->conn, &m) == -1)
		log_warnx("provider %s: login of %s done but the frontend has gone", l->p->name,
		    pr.user_id);
	else
		log_info("login %s as %s", l->p->name, pr.user_id);
	login_free(l);
}

static void
userinfo_done(void *arg, const struct http_resp *r)
{
	struct login	*l = arg;
	struct userinfo	 u;
	const char	*why;

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
	login_answer(l, &u);
}

static int
userinfo_start(struct login *l)
{
	struct http_request	 q;
	struct buf		 auth;
	int			 rc;

	buf_init(&auth, MAX_TOKEN + 16);
	buf_add(&auth, "Bearer ");
	buf_add(&auth, l->tok.access_token);
	memset(&q, 0, sizeof(q));
	q.url = l->p->userinfo_url;
	q.authorization = buf_str(&auth);
	q.accept = l->p->type == PT_GITHUB ? "application/vnd.github+json" : "application/json";
	rc = q.authorization == NULL ? -1 : http_start(l->ad->http, &q, userinfo_done, l);
	buf_free(&auth);
	return rc;
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

	buf_init(&body, 3 * AUTHD_MAX_CODE + 4096);
	buf_add_param(&body, "grant_type", "authorization_code");
	buf_add_param(&body, "code", code);
	buf_add_param(&body, "redirect_uri", l->ad->redirect_uri);
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

/* Parse, take the pending login, check it; only then reach the provider. */
int
login_finish(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct authd		*ad = authd_env;
	struct pending_login	 pl;
	struct login		*l;
	char			 state[AUTHD_MAX_STATE + 1], code[AUTHD_MAX_CODE + 1];
	uint8_t			 binding[BINDING_LEN];
	size_t			 blen;
	int			 st, rc = 0;

	m_get_str(r, state, AUTHD_MAX_STATE);
	m_get_str(r, code, AUTHD_MAX_CODE);
	m_get_blob(r, binding, BINDING_LEN, &blen);
	if (m_end(r) == -1) {
		rc = -1;
		goto done;
	}
	st = pending_take(ad->pending, now_sec(), state, binding, blen, &pl);
	if (st != ST_OK) {
		log_info("login finish: %s state", st == ST_EXPIRED ? "expired" :
		    "unknown, used or foreign");
		answer_status(c, h, st);
		goto done;
	}
	if (code[0] == '\0' || pl.provider >= ad->nprov || !ad->prov[pl.provider]->ready) {
		answer_status(c, h, code[0] == '\0' ? ST_INVALID : ST_PROVIDER_ERROR);
		goto done;
	}
	if (ad->exchanges >= ad->max_exchanges || (l = calloc(1, sizeof(*l))) == NULL) {
		log_warnx("login finish: too many exchanges in flight");
		answer_status(c, h, ST_BUSY);
		goto done;
	}
	ad->exchanges++;
	l->ad = ad;
	l->conn = c;
	l->req = *h;
	l->p = ad->prov[pl.provider];
	l->pl = pl;
	ipc_conn_ref(c);
	if (token_start(l, code) == -1)
		login_fail(l, ST_INTERNAL);
done:
	sodium_memzero(code, sizeof(code));
	sodium_memzero(state, sizeof(state));
	sodium_memzero(&pl, sizeof(pl));
	return rc;
}
