/*
 * Every answer leaves through reply(): it counts the answer, sends it (the
 * security headers are added by http.c to everything, refusals included) and
 * frees the request.  Error answers follow the route's style: an HTML page,
 * plain text for the CLI routes, or JSON when the client asked for it.
 */
#include "fe.h"

#include <string.h>

#include "log.h"

void
reply(struct req *r, int status, const char *ctype, const char *body, size_t len)
{
	if (ctype != NULL)
		hreq_add_header(r->h, "Content-Type", ctype);
	metrics_request_done(r->fe, r, status);
	log_debug("%s %s -> %d", hreq_method_name(r->h), hreq_path(r->h), status);
	hreq_send(r->h, status, body, len);
	req_free(r);
}

void
reply_sb(struct req *r, int status, const char *ctype, struct sbuf *sb)
{
	if (sb->err) {
		log_warnx("answer for %s too large or out of memory", hreq_path(r->h));
		sb_free(sb);
		reply(r, 500, CT_TEXT, "internal error\n", 15);
		return;
	}
	reply(r, status, ctype, sb_str(sb), sb->len);
	sb_free(sb);
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
	struct sbuf sb;

	sb_init(&sb);
	sb_add(&sb, "{\"error\":");
	sb_json(&sb, error);
	if (description != NULL) {
		sb_add(&sb, ",\"error_description\":");
		sb_json(&sb, description);
	}
	sb_add(&sb, "}\n");
	reply_sb(r, status, CT_JSON, &sb);
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
	struct sbuf sb;

	if (r->json) {
		reply_json_error(r, status, json_error_name(status), detail);
		return;
	}
	sb_init(&sb);
	if (r->style == STYLE_TEXT) {
		sb_addf(&sb, "%s: %s\n", title, detail);
		reply_sb(r, status, CT_TEXT, &sb);
		return;
	}
	page_error(&sb, title, detail, 0);
	reply_sb(r, status, CT_HTML, &sb);
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
		struct sbuf sb;

		sb_init(&sb);
		page_error(&sb, "Signed out", "Your session has ended. Please sign in again.", 0);
		reply_sb(r, 401, CT_HTML, &sb);
		return;
	}
	hreq_add_header(r->h, "WWW-Authenticate", "Cookie realm=\"airlock\"");
	reply_error(r, 401, "not signed in",
	    "no valid session (sign in again, or run: airlock login)");
}

/* A session look-up's status: 1 (and the answer sent) unless it is ST_OK. */
int
reply_session_failed(struct req *r, uint8_t st)
{
	if (st == ST_OK)
		return 0;
	if (st == ST_NOTFOUND)
		reply_no_session(r);
	else
		reply_backend_status(r, st);
	return 1;
}

void
reply_backend_status(struct req *r, uint8_t st)
{
	switch (st) {
	case ST_BUSY:
		reply_error(r, 503, "Busy", "Too many requests of this kind are in progress. "
		    "Please try again in a minute.");
		break;
	case ST_FULL:
		reply_error(r, 507, "Storage full", "The service cannot store anything more right "
		    "now. Nothing was changed.");
		break;
	case ST_TIMEOUT:
		reply_error(r, 504, "The service is slow to answer",
		    "A provider did not answer in time. Please try again.");
		break;
	case ST_PROVIDER_ERROR:
		reply_error(r, 502, "Provider error",
		    "The sign-in provider gave an error or an unusable answer.");
		break;
	case ST_INVALID:
		reply_error(r, 400, "Bad request", "The request was not acceptable.");
		break;
	default:
		log_warnx("%s: unexpected backend status %s", hreq_path(r->h), msg_status_name(st));
		reply_error(r, 500, "Something went wrong", "An internal error occurred.");
		break;
	}
}
