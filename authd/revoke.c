/*
 * REVOKE: open the sealed grant (it must open under grant.key and name the
 * user) and ask its provider to revoke the tokens: RFC 7009 (refresh token,
 * then access token), Google's revoke endpoint, or GitHub's DELETE
 * /applications/{client_id}/grant.  A sealed grant is nothing to delete: the
 * store forgot it with the session.  A legacy 16-byte handle (a session from
 * before schema 3) names a grant file in this node's state_dir, which is
 * deleted once revoked, when the provider cannot revoke, or when it refused
 * the token for good (4xx); kept after timeouts and 5xx answers.
 * The tokens of a login [access] refuses are revoked the same way, at once,
 * with nobody waiting for the outcome (authd_revoke_tokens).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "authd.h"
#include "buf.h"
#include "grant.h"
#include "http.h"
#include "ipc.h"
#include "log.h"
#include "parse.h"
#include "provider.h"
#include "secret.h"

struct revoke {
	struct authd	*ad;
	struct ipc_conn	*conn;
	struct msg_hdr	 req;
	struct provider	*p;
	uint8_t		 handle[GRANT_HANDLE_LEN];
	int		 legacy;	/* 1: handle names a grant file */
	struct grant	 g;
	int		 step;		/* RFC 7009: 0 refresh token, 1 access token */
};

static void
revoke_end(struct revoke *v, uint8_t status, int drop_grant)
{
	if (drop_grant && v->legacy && legacy_grant_delete(v->ad->grants, v->handle) == -1)
		log_warn("revoke: deleting grant file");
	if (v->conn != NULL)
		ipc_answer_status(v->conn, &v->req, status);
	if (status == ST_OK)
		log_info("revoke %s: done", v->p->name);
	v->ad->exchanges--;
	if (v->conn != NULL)
		ipc_conn_unref(v->conn);
	grant_clear(&v->g);
	sodium_memzero(v, sizeof(*v));
	free(v);
}

static int	revoke_step(struct revoke *);

/* RFC 7009 2.2.1: a server may revoke only refresh tokens (Auth0 does); once the
 * refresh token is gone, "unsupported_token_type" for the access token is fine. */
static int
refresh_was_enough(const struct revoke *v, const struct http_resp *r)
{
	char err[64];

	if (v->p->revoke != REVOKE_RFC7009 || v->step != 1 || v->g.refresh_token == NULL ||
	    r->status != 400)
		return 0;
	error_code(r->ctype, r->body, r->len, err, sizeof(err));
	return strcmp(err, "unsupported_token_type") == 0;
}

static void
revoke_done(void *arg, const struct http_resp *r)
{
	struct revoke *v = arg;

	if (r->result != HTTP_OK) {
		if (r->result != HTTP_EABORT)
			log_warnx("revoke %s: %s", v->p->name, r->error);
		revoke_end(v, r->result == HTTP_ETIMEOUT ? ST_TIMEOUT : ST_PROVIDER_ERROR, 0);
		return;
	}
	if (refresh_was_enough(v, r)) {
		revoke_end(v, ST_OK, 1);
		return;
	}
	if (r->status < 200 || r->status > 299) {
		log_warnx("revoke %s: provider answered HTTP %ld", v->p->name, r->status);
		revoke_end(v, ST_PROVIDER_ERROR, r->status >= 400 && r->status < 500);
		return;
	}
	v->step++;
	if (revoke_step(v) == -1)
		revoke_end(v, ST_INTERNAL, 0);
}

/* GitHub: DELETE /applications/{client_id}/grant with {"access_token": ...}. */
static int
revoke_github(struct revoke *v, struct http_request *q, struct buf *body, char **auth)
{
	struct json_object	*o;
	const char		*s;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "access_token", json_object_new_string(v->g.access_token));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	buf_add(body, s);
	sodium_memzero((char *)s, strlen(s));
	json_object_put(o);
	q->method = "DELETE";
	q->accept = "application/vnd.github+json";
	q->content_type = "application/json";
	return (*auth = provider_basic_auth(v->p)) == NULL ? -1 : 0;
}

static int
revoke_form(struct revoke *v, struct http_request *q, struct buf *body, char **auth,
    const char *token, const char *hint)
{
	buf_add_param(body, "token", token);
	if (hint != NULL)
		buf_add_param(body, "token_type_hint", hint);
	q->method = "POST";
	q->content_type = "application/x-www-form-urlencoded";
	q->accept = "application/json";
	if (v->p->revoke == REVOKE_GOOGLE)
		return 0;
	return provider_client_auth(v->p, body, auth);
}

/* Start the next request, or answer OK when none is left. */
static int
revoke_step(struct revoke *v)
{
	struct http_request	 q;
	struct buf		 body;
	char			*auth = NULL;
	int			 rc = -1;

	memset(&q, 0, sizeof(q));
	buf_init(&body, 3 * 8192);
	switch (v->p->revoke) {
	case REVOKE_GITHUB:
		if (v->step > 0)
			goto ok;
		rc = revoke_github(v, &q, &body, &auth);
		break;
	case REVOKE_GOOGLE:	/* a refresh token revokes the whole grant */
		if (v->step > 0)
			goto ok;
		rc = revoke_form(v, &q, &body, &auth, v->g.refresh_token != NULL ?
		    v->g.refresh_token : v->g.access_token, NULL);
		break;
	case REVOKE_RFC7009:
		if (v->step == 0 && v->g.refresh_token == NULL)
			v->step = 1;
		if (v->step > 1)
			goto ok;
		rc = revoke_form(v, &q, &body, &auth, v->step == 0 ? v->g.refresh_token :
		    v->g.access_token, v->step == 0 ? "refresh_token" : "access_token");
		break;
	case REVOKE_NONE:
		break;
	}
	if (rc == 0 && buf_str(&body) != NULL) {
		q.url = v->p->revocation_url;
		q.authorization = auth;
		q.body = body.p;
		q.body_len = body.len;
		rc = http_start(v->ad->http, &q, revoke_done, v);
	} else
		rc = -1;
	str_wipe_free(auth);
	buf_free(&body);
	return rc;
ok:
	buf_free(&body);
	revoke_end(v, ST_OK, 1);
	return 0;
}

/* The grant in q: 0 (g filled, *legacy set), or the status to answer. */
static int
revoke_grant(struct authd *ad, const struct msg_auth_revoke *q, struct grant *g, int *legacy)
{
	struct secret	*key = grants_key(ad->grants);
	int		 rc;

	*legacy = q->grant_len == GRANT_HANDLE_LEN;
	if (*legacy) {
		if ((rc = legacy_grant_get(ad->grants, q->grant, g)) == -1)
			log_warnx("revoke: grant file unreadable or forged");
		return rc == 0 ? 0 : ST_NOTFOUND;
	}
	rc = grant_open(secret_open(key), q->grant, q->grant_len, q->user_id, g);
	secret_close(key);
	if (rc == -1) {
		log_warnx("revoke: a grant of %zu bytes for %s does not open (another grant.key, "
		    "damaged, or another user's)", q->grant_len, q->user_id);
		return ST_NOTFOUND;
	}
	return 0;
}

int
authd_req_revoke(struct ipc_conn *c, const struct msg_hdr *h, const void *msg)
{
	const struct msg_auth_revoke	*q = msg;
	struct authd			*ad = ipc_conn_ctx(c);
	struct revoke			*v;
	struct provider			*p;
	struct grant			 g;
	int				 st, legacy;

	if ((st = revoke_grant(ad, q, &g, &legacy)) != 0) {
		ipc_answer_status(c, h, (uint8_t)st);
		return 0;
	}
	if ((p = provider_find(ad, g.provider, NULL)) == NULL || p->revoke == REVOKE_NONE) {
		grant_clear(&g);
		if (legacy && legacy_grant_delete(ad->grants, q->grant) == -1)
			log_warn("revoke: deleting grant file");
		ipc_answer_status(c, h, ST_UNSUPPORTED);
		return 0;
	}
	if (!p->ready || ad->exchanges >= ad->max_exchanges ||
	    (v = calloc(1, sizeof(*v))) == NULL) {
		grant_clear(&g);
		ipc_answer_status(c, h, p->ready ? ST_BUSY : ST_PROVIDER_ERROR);
		return 0;
	}
	ad->exchanges++;
	v->ad = ad;
	v->conn = c;
	v->req = *h;
	v->p = p;
	v->g = g;
	v->legacy = legacy;
	if (legacy)
		memcpy(v->handle, q->grant, sizeof(v->handle));
	ipc_conn_ref(c);
	if (revoke_step(v) == -1)
		revoke_end(v, ST_INTERNAL, 0);
	return 0;
}

/* Tokens a login obtained and nothing will keep (an account [access]
 * refuses): revoked with nobody waiting for the answer; the outcome is
 * logged.  The tokens are copied. */
void
authd_revoke_tokens(struct authd *ad, struct provider *p, const char *access_token,
    const char *refresh_token)
{
	struct revoke *v;

	if (p->revoke == REVOKE_NONE)
		return;
	if (ad->exchanges >= ad->max_exchanges || (v = calloc(1, sizeof(*v))) == NULL) {
		log_warnx("revoke %s: too many exchanges in flight: a refused login's tokens are "
		    "left to expire", p->name);
		return;
	}
	ad->exchanges++;
	v->ad = ad;
	v->p = p;
	snprintf(v->g.provider, sizeof(v->g.provider), "%s", p->name);
	v->g.access_token = strdup(access_token);
	v->g.refresh_token = refresh_token != NULL ? strdup(refresh_token) : NULL;
	if (v->g.access_token == NULL || (refresh_token != NULL && v->g.refresh_token == NULL) ||
	    revoke_step(v) == -1)
		revoke_end(v, ST_INTERNAL, 0);
}
