/*
 * Calls to store and authd.  A handler sends each request as its struct
 * msg_<name> (proto/msgtab.h) with be_call and names the next step with
 * be_wait: each call is bounded by what is left of the request's deadline,
 * the request is paused while any is in flight and continues when all are
 * answered.  Answers are decoded by the codec (msg_read_answer) into the
 * route's struct msg_<name>_r; one that does not decode is a 502.
 */
#include "fe.h"

#include <string.h>

#include <sodium.h>

#include "log.h"

/* Requests of 200 and up are authd's (proto/msgtab.h). */
static enum backend
backend_of(uint16_t type)
{
	return type >= MSG_AUTH_PING ? BE_AUTHD : BE_STORE;
}

/* What the codec's bounds do not say: authd's answer to LOGIN_START always
 * carries a pre-login binding. */
static int
answer_sane(uint16_t type, const void *ans)
{
	if (type == MSG_AUTH_LOGIN_START)
		return ((const struct msg_auth_login_start_r *)ans)->binding_len > 0;
	return 1;
}

static void
cancel_calls(struct req *r)
{
	int i;

	for (i = 0; i < FE_MAX_CALLS; i++)
		if (r->calls[i].id != 0) {
			ipc_cancel(r->fe->be[r->calls[i].be], r->calls[i].id);
			r->calls[i].id = 0;
		}
	r->npending = 0;
}

/* The connection went away before the answer (server shutdown). */
static void
req_gone(void *arg)
{
	req_free(arg);
}

static void
answer_failure(struct req *r)
{
	cancel_calls(r);
	switch (r->fail) {
	case 504:
		reply_error(r, 504, "The service is slow to answer",
		    r->fail_be == BE_AUTHD ? "The sign-in service did not answer in time. "
		    "Please try again in a moment." : "The data service did not answer in time. "
		    "Please try again in a moment.");
		break;
	case 502:
		reply_error(r, 502, "Something went wrong",
		    "A service behind this site gave an answer that did not make sense.");
		break;
	default:
		reply_error(r, 503, "Temporarily unavailable",
		    r->fail_be == BE_AUTHD ? "Sign-in is temporarily unavailable. "
		    "Please try again in a moment." : "The data service is temporarily unavailable. "
		    "Please try again in a moment.");
		break;
	}
}

/* A call that failed: with r->soft only its status says so (soft_st), else
 * the request fails with http (the first failure wins). */
static void
call_failed(struct req *r, struct call *c, uint8_t soft_st, int http)
{
	if (r->soft)
		*c->status = soft_st;
	else if (!r->fail) {
		r->fail = http;
		r->fail_be = c->be;
	}
}

static void
call_answer(void *arg, enum ipc_result res, const struct msg_hdr *hdr, struct mreader *rd)
{
	struct call	*c = arg;
	struct req	*r = c->r;
	void		(*next)(struct req *);
	uint8_t		 st;

	c->id = 0;
	r->npending--;
	if (res != IPC_OK) {
		metrics_backend(&r->fe->m, c->be, res == IPC_DOWN ? BE_DOWN : BE_TIMEOUT);
		log_warnx("%s: %s %s", be_name(c->be), res == IPC_DOWN ? "connection lost during" :
		    "no answer in time for", r->route->name);
		call_failed(r, c, res == IPC_DOWN ? ST_INTERNAL : ST_TIMEOUT,
		    res == IPC_DOWN ? 503 : 504);
	} else if (msg_read_answer(rd, c->type, &st, c->ans) == -1 || st >= ST_MAX ||
	    (st == ST_OK && c->ans != NULL && !answer_sane(c->type, c->ans))) {
		metrics_backend(&r->fe->m, c->be, BE_MALFORMED);
		log_warnx("%s: malformed answer (type %u)", be_name(c->be), hdr->type);
		call_failed(r, c, ST_INTERNAL, 502);
	} else {
		metrics_backend(&r->fe->m, c->be, BE_OK);
		*c->status = st;
	}
	if (r->fail) {
		answer_failure(r);
		return;
	}
	if (r->npending == 0 && (next = r->next) != NULL) {
		r->next = NULL;
		next(r);
	}
}

/* Sends the request frame for msg; the call's id, 0 when it could not be sent. */
static uint32_t
send_request(struct req *r, struct call *c, const void *msg, int timeout_ms)
{
	struct mbuf	m;
	uint32_t	id = 0;

	if (msg_request(&m, c->type, 0, msg) == 0)
		id = ipc_call(r->fe->be[c->be], &m, timeout_ms, call_answer, c);
	else
		log_warnx("%s: request type %u out of its bounds", be_name(c->be), c->type);
	/* The bytes written (tokens, paircodes, codes); not all 16 KiB per call. */
	sodium_memzero(m.data, m.len < sizeof(m.data) ? m.len : sizeof(m.data));
	return id;
}

static void
call_start(struct req *r, uint16_t type, const void *msg, void *ans, uint8_t *status)
{
	struct call	*c = NULL;
	uint64_t	 now = mono_ms();
	int		 i;

	if (r->fail)
		return;
	for (i = 0; i < FE_MAX_CALLS && c == NULL; i++)
		if (r->calls[i].id == 0)
			c = &r->calls[i];
	if (c == NULL) {
		log_warnx("too many backend calls for one request");
		r->fail = 502;
		return;
	}
	c->r = r;
	c->be = backend_of(type);
	c->type = type;
	c->ans = ans;
	c->status = status;
	if (now >= r->deadline_ms) {
		call_failed(r, c, ST_TIMEOUT, 504);
		return;
	}
	if ((c->id = send_request(r, c, msg, (int)(r->deadline_ms - now))) == 0) {
		metrics_backend(&r->fe->m, c->be, BE_DOWN);
		call_failed(r, c, ST_INTERNAL, 503);
		return;
	}
	r->npending++;
}

void
be_call(struct req *r, uint16_t type, void *msg, void *ans, uint8_t *status)
{
	const struct msg_def *d = msg_def(type);

	call_start(r, type, msg, ans, status);
	/* Whatever happened to it: the request's fields (tokens, paircodes, codes). */
	if (d != NULL && msg != NULL)
		sodium_memzero(msg, d->req.size);
}

void
be_wait(struct req *r, void (*next)(struct req *))
{
	if (r->fail) {
		answer_failure(r);
		return;
	}
	if (r->npending == 0) {
		next(r);
		return;
	}
	r->next = next;
	if (!r->paused) {
		r->paused = 1;
		hreq_pause(r->h, req_gone, r);
	}
}

int
be_revoke_grant(struct req *r, const uint8_t *grant, size_t grant_len, const char *user_id,
    uint8_t *status)
{
	struct msg_auth_revoke q;

	if (grant_len == 0 || grant_len > sizeof(q.grant) || strlen(user_id) > MAX_USERID)
		return 0;
	memcpy(q.grant, grant, grant_len);
	q.grant_len = grant_len;
	snprintf(q.user_id, sizeof(q.user_id), "%s", user_id);
	/* The session is gone already: a failure here must not look like one. */
	r->soft = 1;
	be_call(r, MSG_AUTH_REVOKE, &q, NULL, status);
	return 1;
}

void
be_session_get(struct req *r, struct msg_store_session_get_r *ans, uint8_t *status)
{
	struct msg_store_session_get q;

	memcpy(q.token, r->token, TOKEN_LEN);
	be_call(r, MSG_STORE_SESSION_GET, &q, ans, status);
}

void
be_page(struct req *r, uint8_t list, struct msg_store_page_r *ans, uint8_t *status)
{
	struct msg_store_page q;

	memcpy(q.token, r->token, TOKEN_LEN);
	q.list = list;
	be_call(r, MSG_STORE_PAGE, &q, ans, status);
}
