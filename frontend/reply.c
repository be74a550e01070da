/*
 * Every answer leaves through reply(): it counts the answer, sends it (the
 * security headers are added by http.c to everything, refusals included) and
 * frees the request.  Error answers follow the route's style: an HTML page,
 * plain text for the CLI routes, or JSON when the client asked for it.
 * Calls below it only: page.c, session.c (clearing a cookie), metrics.c, req.c.
 */
#include "fe.h"

#include <stdint.h>
#include <string.h>

#include "log.h"

/* Counts the answer, sends it (body taken over when owned) and frees the request. */
static void
answer(struct req *r, int status, const char *ctype, const char *body, size_t len, int owned)
{
	if (ctype != NULL)
		hreq_set_type(r->h, ctype);
	metrics_request_done(&r->fe->m, r->route_i, (double)(mono_ms() - r->start_ms) / 1000.0,
	    status);
	log_debug("%s %s -> %d", hreq_method_name(r->h), hreq_path(r->h), status);
	if (owned)
		hreq_send_wiped(r->h, status, (char *)(uintptr_t)body, len);
	else
		hreq_send(r->h, status, body, len);
	req_free(r);
}

void
reply(struct req *r, int status, const char *ctype, const char *body, size_t len)
{
	answer(r, status, ctype, body, len, 0);
}

/* The buffer's block goes to the HTTP layer, which wipes it once sent: no
 * copy of the page stays behind unwiped. */
void
reply_buf(struct req *r, int status, const char *ctype, struct buf *b)
{
	size_t	 len = b->len;
	char	*body;

	if (buf_str(b) == NULL || (body = buf_take(b)) == NULL) {
		log_warnx("answer for %s too large or out of memory", hreq_path(r->h));
		buf_free(b);
		reply(r, 500, CT_TEXT, "internal error\n", 15);
		return;
	}
	answer(r, status, ctype, body, len, 1);
}

void
reply_redirect(struct req *r, const char *location)
{
	if (hreq_add_header(r->h, "Location", location) == -1) {
		reply(r, 500, CT_TEXT, "internal error\n", 15);
		return;
	}
	reply(r, 303, NULL, NULL, 0);
}

void
reply_text(struct req *r, int status, const char *text)
{
	reply(r, status, CT_TEXT, text, strlen(text));
}

void
reply_json_error(struct req *r, int status, const char *error, const char *description)
{
	struct buf b;

	buf_init(&b, FE_ANSWER_MAX);
	buf_add(&b, "{\"error\":");
	buf_add_json(&b, error);
	if (description != NULL) {
		buf_add(&b, ",\"error_description\":");
		buf_add_json(&b, description);
	}
	buf_add(&b, "}\n");
	reply_buf(r, status, CT_JSON, &b);
}

static const char *
json_error_name(int status)
{
	switch (status) {
	case 400: return "invalid_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 429: return "slow_down";
	case 502: return "bad_gateway";
	case 503: return "temporarily_unavailable";
	case 504: return "timeout";
	default: return status >= 500 ? "server_error" : "invalid_request";
	}
}

void
reply_error(struct req *r, int status, const char *title, const char *detail)
{
	struct buf b;

	if (r->json) {
		reply_json_error(r, status, json_error_name(status), detail);
		return;
	}
	buf_init(&b, FE_ANSWER_MAX);
	if (r->style == STYLE_TEXT) {
		buf_addf(&b, "%s: %s\n", title, detail);
		reply_buf(r, status, CT_TEXT, &b);
		return;
	}
	page_error(&b, title, detail, 0);
	reply_buf(r, status, CT_HTML, &b);
}

void
reply_no_session(struct req *r)
{
	/* A cookie that no longer names a session: drop it. */
	if (r->has_token)
		session_clear_cookie(r);
	if (r->style == STYLE_PAGE && !r->json && hreq_method(r->h) != HM_POST) {
		reply_redirect(r, "/login");
		return;
	}
	if (r->style == STYLE_PAGE && !r->json) {
		/* A form posted with an expired session: say so, offer to sign in. */
		struct buf b;

		buf_init(&b, FE_ANSWER_MAX);
		page_error(&b, "Signed out", "Your session has ended. Please sign in again.", 0);
		reply_buf(r, 401, CT_HTML, &b);
		return;
	}
	hreq_add_header(r->h, "WWW-Authenticate", "Cookie realm=\"airlock\"");
	reply_error(r, 401, "not signed in",
	    "no valid session (sign in again, or run: airlock login)");
}

enum flow
reply_unless_session(struct req *r, uint8_t st)
{
	if (st == ST_OK)
		return FLOW_GO_ON;
	if (st == ST_NOTFOUND)
		reply_no_session(r);
	else
		reply_backend_status(r, st);
	return FLOW_ANSWERED;
}

enum flow
reply_unless_found(struct req *r, uint8_t st, const char *title, const char *detail)
{
	if (st == ST_OK)
		return FLOW_GO_ON;
	if (st == ST_NOTFOUND)
		reply_error(r, 404, title, detail);
	else
		reply_backend_status(r, st);
	return FLOW_ANSWERED;
}

/* What any route answers for these statuses (the ones a route does not name). */
static const struct status_answer backend_statuses[] = {
	{ ST_BUSY, 503, "Busy", "Too many requests of this kind are in progress. Please try "
	    "again in a minute." },
	{ ST_FULL, 507, "Storage full", "The service cannot store anything more right now. "
	    "Nothing was changed." },
	{ ST_UNAVAILABLE, 503, "Temporarily unavailable", "The service cannot reach its "
	    "database right now. Please try again in a moment." },
	{ ST_TIMEOUT, 504, "The service is slow to answer", "A provider did not answer in "
	    "time. Please try again." },
	{ ST_PROVIDER_ERROR, 502, "Provider error", "The sign-in provider gave an error or an "
	    "unusable answer." },
	{ ST_INVALID, 400, "Bad request", "The request was not acceptable." },
	{ ST_OK, 0, NULL, NULL },
};

static const struct status_answer *
status_find(const struct status_answer *t, uint8_t st)
{
	for (; t->http != 0; t++)
		if (t->st == st)
			return t;
	return NULL;
}

void
reply_backend_status(struct req *r, uint8_t st)
{
	const struct status_answer *a;

	if ((a = status_find(backend_statuses, st)) != NULL) {
		reply_error(r, a->http, a->title, a->detail);
		return;
	}
	log_warnx("%s: unexpected backend status %s", hreq_path(r->h), msg_status_name(st));
	reply_error(r, 500, "Something went wrong", "An internal error occurred.");
}

enum flow
reply_unless_ok(struct req *r, uint8_t st, const struct status_answer *t)
{
	const struct status_answer *a;

	if (st == ST_OK)
		return FLOW_GO_ON;
	if ((a = status_find(t, st)) != NULL)
		reply_error(r, a->http, a->title, a->detail);
	else
		reply_backend_status(r, st);
	return FLOW_ANSWERED;
}
