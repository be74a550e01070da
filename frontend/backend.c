/*
 * One stub per message the frontend sends (layouts in proto/msg.h): each
 * builds its request and names the parser of its answer's ST_OK fields.
 * req.c reads the status byte first and checks m_end() after the parser.
 */
#include "fe.h"

#include <string.h>

#include <sodium.h>

const char *
be_name(enum backend be)
{
	return be == BE_STORE ? "store" : "authd";
}

static void
send_msg(struct req *r, enum backend be, struct mbuf *m, void (*parse)(struct mreader *, void *),
    void *out, uint8_t *st)
{
	req_call(r, be, m, parse, out, st);
	/* The bytes written (tokens, paircodes, codes); not all 16 KiB per call. */
	sodium_memzero(m->data, m->len);
}

/* ---------------------------------------------------------------- store */

static void
parse_session(struct mreader *rd, void *out)
{
	struct a_session *s = out;

	m_get_str(rd, s->user_id, MAX_USERID);
	m_get_str(rd, s->name, MAX_NAME);
	s->counter = m_get_u64(rd);
	s->kind = m_get_u8(rd);
	m_get_bytes(rd, s->sid, SID_LEN);
}

void
be_session_get(struct req *r, struct a_session *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_SESSION_GET, 0);
	m_add_bytes(&m, r->token, TOKEN_LEN);
	send_msg(r, BE_STORE, &m, parse_session, out, st);
}

static void
parse_counter(struct mreader *rd, void *out)
{
	*(uint64_t *)out = m_get_u64(rd);
}

void
be_increment(struct req *r, uint64_t *counter, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_INCREMENT, 0);
	m_add_bytes(&m, r->token, TOKEN_LEN);
	send_msg(r, BE_STORE, &m, parse_counter, counter, st);
}

static void
parse_created(struct mreader *rd, void *out)
{
	struct a_created *c = out;

	m_get_bytes(rd, c->token, TOKEN_LEN);
	m_get_str(rd, c->user_id, MAX_USERID);
	m_get_str(rd, c->name, MAX_NAME);
	c->purpose = m_get_u8(rd);
	m_get_blob(rd, c->ref, REF_LEN, &c->ref_len);
	if (c->ref_len != 0 && c->ref_len != REF_LEN)
		rd->err = 1;
}

void
be_session_create(struct req *r, const struct a_login_finish *fin, const char *label,
    struct a_created *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_SESSION_CREATE, 0);
	m_add_blob(&m, fin->proof, fin->proof_len);
	m_add_u8(&m, KIND_WEB);
	m_add_str(&m, label, MAX_LABEL);
	send_msg(r, BE_STORE, &m, parse_created, out, st);
}

static void
parse_list(struct mreader *rd, void *out)
{
	struct a_list	*l = out;
	uint32_t	 i;

	l->n = m_get_u32(rd);
	if (l->n > MAX_SESSIONS_LISTED) {
		l->n = 0;
		rd->err = 1;
		return;
	}
	for (i = 0; i < l->n && !rd->err; i++) {
		m_get_bytes(rd, l->s[i].sid, SID_LEN);
		l->s[i].kind = m_get_u8(rd);
		m_get_str(rd, l->s[i].label, MAX_LABEL);
		l->s[i].created = m_get_u64(rd);
		l->s[i].last_seen = m_get_u64(rd);
		l->s[i].expires = m_get_u64(rd);
		l->s[i].current = m_get_u8(rd);
	}
}

void
be_session_list(struct req *r, struct a_list *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_SESSION_LIST, 0);
	m_add_bytes(&m, r->token, TOKEN_LEN);
	send_msg(r, BE_STORE, &m, parse_list, out, st);
}

static void
parse_grant(struct mreader *rd, void *out)
{
	struct a_grant *g = out;

	m_get_blob(rd, g->grant, GRANT_LEN, &g->len);
	if (g->len != 0 && g->len != GRANT_LEN)
		rd->err = 1;
}

void
be_session_revoke(struct req *r, const uint8_t sid[SID_LEN], struct a_grant *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_SESSION_REVOKE, 0);
	m_add_bytes(&m, r->token, TOKEN_LEN);
	m_add_bytes(&m, sid, SID_LEN);
	send_msg(r, BE_STORE, &m, parse_grant, out, st);
}

static void
parse_pair_created(struct mreader *rd, void *out)
{
	struct a_pair_created *p = out;

	m_get_bytes(rd, p->ref, REF_LEN);
	m_get_str(rd, p->user_code, USER_CODE_LEN);
	p->expires_in = m_get_u32(rd);
	p->interval = m_get_u32(rd);
}

void
be_pair_create(struct req *r, const char *paircode, const char *label, const char *client,
    struct a_pair_created *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_PAIR_CREATE, 0);
	m_add_str(&m, paircode, PAIRCODE_MAX);
	m_add_str(&m, label, MAX_LABEL);
	m_add_str(&m, client, MAX_CLIENT);
	send_msg(r, BE_STORE, &m, parse_pair_created, out, st);
}

static void
parse_pair_info(struct mreader *rd, void *out)
{
	struct a_pair_info *p = out;

	m_get_str(rd, p->user_code, USER_CODE_LEN);
	p->expires_in = m_get_u32(rd);
	m_get_str(rd, p->label, MAX_LABEL);
	m_get_str(rd, p->client, MAX_CLIENT);
	p->created = m_get_u64(rd);
}

void
be_pair_info(struct req *r, const uint8_t ref[REF_LEN], struct a_pair_info *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_PAIR_INFO, 0);
	m_add_bytes(&m, ref, REF_LEN);
	send_msg(r, BE_STORE, &m, parse_pair_info, out, st);
}

void
be_pair_deny(struct req *r, const uint8_t ref[REF_LEN], uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_PAIR_DECIDE, 0);
	m_add_bytes(&m, r->token, TOKEN_LEN);
	m_add_bytes(&m, ref, REF_LEN);
	m_add_u8(&m, 0);
	send_msg(r, BE_STORE, &m, NULL, NULL, st);
}

void
be_pair_approve(struct req *r, const struct a_login_finish *fin, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_PAIR_APPROVE, 0);
	m_add_blob(&m, fin->proof, fin->proof_len);
	send_msg(r, BE_STORE, &m, NULL, NULL, st);
}

static void
parse_pair_taken(struct mreader *rd, void *out)
{
	struct a_pair_taken *p = out;

	m_get_bytes(rd, p->token, TOKEN_LEN);
	m_get_str(rd, p->user_id, MAX_USERID);
}

void
be_pair_take(struct req *r, const char *paircode, struct a_pair_taken *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_PAIR_TAKE, 0);
	m_add_str(&m, paircode, PAIRCODE_MAX);
	send_msg(r, BE_STORE, &m, parse_pair_taken, out, st);
}

static void
parse_store_ping(struct mreader *rd, void *out)
{
	struct a_store_ping *p = out;

	p->users = m_get_u64(rd);
	p->sessions = m_get_u64(rd);
	p->pending = m_get_u32(rd);
}

void
be_store_ping(struct req *r, struct a_store_ping *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_STORE_PING, 0);
	send_msg(r, BE_STORE, &m, parse_store_ping, out, st);
}

/* ---------------------------------------------------------------- authd */

static void
parse_u32(struct mreader *rd, void *out)
{
	*(uint32_t *)out = m_get_u32(rd);
}

void
be_auth_ping(struct req *r, uint32_t *ready, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_AUTH_PING, 0);
	send_msg(r, BE_AUTHD, &m, parse_u32, ready, st);
}

static void
parse_providers(struct mreader *rd, void *out)
{
	struct a_providers	*l = out;
	struct a_provider	 skip;
	uint32_t		 i, n = m_get_u32(rd);

	l->n = 0;
	if (n > 1024) {
		rd->err = 1;
		return;
	}
	/* More than we show: read them all (m_end must see the end), keep the first ones. */
	for (i = 0; i < n && !rd->err; i++) {
		struct a_provider *p = l->n < FE_MAX_PROVIDERS ? &l->p[l->n++] : &skip;

		m_get_str(rd, p->name, MAX_PROVIDER);
		m_get_str(rd, p->display, MAX_NAME);
		p->ready = m_get_u8(rd);
	}
}

void
be_auth_providers(struct req *r, struct a_providers *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_AUTH_PROVIDERS, 0);
	send_msg(r, BE_AUTHD, &m, parse_providers, out, st);
}

static void
parse_login_start(struct mreader *rd, void *out)
{
	struct a_login_start *s = out;

	m_get_str(rd, s->url, MAX_URL);
	m_get_blob(rd, s->binding, BINDING_MAX, &s->binding_len);
	if (s->binding_len == 0)
		rd->err = 1;
}

void
be_login_start(struct req *r, const char *provider, int purpose, const uint8_t *ref,
    struct a_login_start *out, uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_AUTH_LOGIN_START, 0);
	m_add_str(&m, provider, MAX_PROVIDER);
	m_add_u8(&m, (uint8_t)purpose);
	m_add_blob(&m, ref, ref != NULL ? REF_LEN : 0);
	send_msg(r, BE_AUTHD, &m, parse_login_start, out, st);
}

static void
parse_login_finish(struct mreader *rd, void *out)
{
	struct a_login_finish *f = out;

	m_get_blob(rd, f->proof, MAX_PROOF, &f->proof_len);
	m_get_str(rd, f->user_id, MAX_USERID);
	m_get_str(rd, f->name, MAX_NAME);
}

void
be_login_finish(struct req *r, const struct login_callback *cb, struct a_login_finish *out,
    uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_AUTH_LOGIN_FINISH, 0);
	m_add_str(&m, cb->state, 512);
	m_add_str(&m, cb->code, 2048);
	m_add_blob(&m, cb->binding, cb->binding != NULL ? cb->binding_len : 0);
	m_add_str(&m, cb->client, MAX_CLIENT);
	m_add_str(&m, cb->provider, MAX_PROVIDER);
	m_add_str(&m, cb->iss, 512);
	send_msg(r, BE_AUTHD, &m, parse_login_finish, out, st);
}

void
be_auth_revoke(struct req *r, const uint8_t grant[GRANT_LEN], uint8_t *st)
{
	struct mbuf m;

	m_init(&m, MSG_AUTH_REVOKE, 0);
	m_add_bytes(&m, grant, GRANT_LEN);
	send_msg(r, BE_AUTHD, &m, NULL, NULL, st);
}

/* ---------------------------------------------------------------- parsers */

const struct be_parser be_parsers[] = {
	{ MSG_STORE_SESSION_GET,	parse_session,		sizeof(struct a_session) },
	{ MSG_STORE_INCREMENT,		parse_counter,		sizeof(uint64_t) },
	{ MSG_STORE_SESSION_CREATE,	parse_created,		sizeof(struct a_created) },
	{ MSG_STORE_SESSION_LIST,	parse_list,		sizeof(struct a_list) },
	{ MSG_STORE_SESSION_REVOKE,	parse_grant,		sizeof(struct a_grant) },
	{ MSG_STORE_PAIR_CREATE,	parse_pair_created,	sizeof(struct a_pair_created) },
	{ MSG_STORE_PAIR_INFO,		parse_pair_info,	sizeof(struct a_pair_info) },
	{ MSG_STORE_PAIR_DECIDE,	NULL,			0 },
	{ MSG_STORE_PAIR_TAKE,		parse_pair_taken,	sizeof(struct a_pair_taken) },
	{ MSG_STORE_PAIR_APPROVE,	NULL,			0 },
	{ MSG_STORE_PING,		parse_store_ping,	sizeof(struct a_store_ping) },
	{ MSG_AUTH_PING,		parse_u32,		sizeof(uint32_t) },
	{ MSG_AUTH_PROVIDERS,		parse_providers,	sizeof(struct a_providers) },
	{ MSG_AUTH_LOGIN_START,		parse_login_start,	sizeof(struct a_login_start) },
	{ MSG_AUTH_LOGIN_FINISH,	parse_login_finish,	sizeof(struct a_login_finish) },
	{ MSG_AUTH_REVOKE,		NULL,			0 },
};
const size_t be_nparsers = sizeof(be_parsers) / sizeof(be_parsers[0]);
