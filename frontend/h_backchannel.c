/*
 * POST /backchannel_logout/{provider}: OpenID Connect Back-Channel Logout 1.0.
 * A provider with backchannel_logout = yes POSTs "logout_token=<JWT>"
 * (application/x-www-form-urlencoded, that one parameter, at most
 * MAX_LOGOUT_TOKEN bytes); authd verifies the token (AUTH_BACKCHANNEL) and
 * answers a signed PURPOSE_LOGOUT proof, and the store ends every session of
 * the user it names (STORE_LOGOUT).  This process only relays: the token is
 * the request's credential (no cookie, no CSRF token; the route is
 * rate-limited per address).  Answers (spec section 2.8): 200 once the store
 * ended the sessions (none is fine), 400 with an error object for a token
 * refused here, by authd or by the store (used before), 404 for a provider
 * that is unknown or has back-channel logout off, 503/504 when a daemon or
 * the provider's keys cannot be had.  Every answer carries Cache-Control:
 * no-store (assets.c).
 */
#include "fe.h"

#include <string.h>
#include <strings.h>

#include "log.h"
#include "parse.h"

#define FORM_CTYPE	"application/x-www-form-urlencoded"

/* This route's state in r->u (which route.c wipes with the request). */
struct st_backchannel {
	struct msg_auth_backchannel_r	 verified;
	struct msg_store_logout_r	 ended;
	uint8_t				 auth_st, store_st;
};
_Static_assert(sizeof(struct st_backchannel) <= sizeof(((struct req *)0)->u),
    "the back-channel state fits the request's");

static struct st_backchannel *
st_of(struct req *r)
{
	return (struct st_backchannel *)(void *)&r->u;
}

static void
bad_token(struct req *r, const char *why)
{
	log_info("back-channel logout %s from %s refused: %s", r->path_name, req_client(r), why);
	reply_json_error(r, 400, "invalid_request", why);
}

static const struct status_answer verify_statuses[] = {
	{ ST_NOTFOUND, 404, "Unknown provider", "There is no sign-in provider by that name "
	    "with back-channel logout." },
	{ ST_PROVIDER_ERROR, 503, "Provider unavailable", "The provider's keys cannot be had "
	    "right now." },
	{ ST_OK, 0, NULL, NULL },
};

static void
logout_done(struct req *r)
{
	struct st_backchannel *s = st_of(r);

	switch (s->store_st) {
	case ST_OK:
		log_info("back-channel logout %s: %u sessions of %s ended", r->path_name,
		    s->ended.revoked, s->verified.user_id);
		reply_text(r, 200, "");
		return;
	case ST_DENIED:
		bad_token(r, "logout token already used");
		return;
	default:
		log_warnx("back-channel logout %s: the store refused the proof: %s", r->path_name,
		    msg_status_name(s->store_st));
		reply_backend_status(r, s->store_st);
		return;
	}
}

static void
token_verified(struct req *r)
{
	struct st_backchannel		*s = st_of(r);
	struct msg_store_logout		 q;

	if (s->auth_st == ST_INVALID) {
		bad_token(r, "logout token refused (authd's log has the reason)");
		return;
	}
	if (reply_unless_ok(r, s->auth_st, verify_statuses) == FLOW_ANSWERED)
		return;
	memset(&q, 0, sizeof(q));
	memcpy(q.proof, s->verified.proof, s->verified.proof_len);
	q.proof_len = s->verified.proof_len;
	be_call(r, MSG_STORE_LOGOUT, &q, &s->ended, &s->store_st);
	be_wait(r, logout_done);
}

/* A form of exactly one parameter, logout_token: NULL, or what is wrong. */
static const char *
form_token(struct req *r, char *dst, size_t n)
{
	const char	*ctype, *body;
	size_t		 len, clen = strlen(FORM_CTYPE);
	int		 count;

	ctype = hreq_header(r->h, "Content-Type", &count);
	if (ctype == NULL || count != 1 || strncasecmp(ctype, FORM_CTYPE, clen) != 0 ||
	    (ctype[clen] != '\0' && ctype[clen] != ';'))
		return "Content-Type is not " FORM_CTYPE;
	body = hreq_body(r->h, &len);
	if (fe_form_check(body, len) == -1 || memchr(body, '&', len) != NULL)
		return "the body is not one form parameter";
	if (fe_form_get(body, len, "logout_token", dst, n) != 1 || dst[0] == '\0')
		return "no logout_token, or one too long";
	return NULL;
}

void
h_backchannel(struct req *r)
{
	struct st_backchannel		*s = st_of(r);
	struct msg_auth_backchannel	 q;
	const char			*why;

	memset(&q, 0, sizeof(q));
	if ((why = form_token(r, q.logout_token, sizeof(q.logout_token))) != NULL) {
		bad_token(r, why);
		return;
	}
	snprintf(q.provider, sizeof(q.provider), "%s", r->path_name);
	snprintf(q.client, sizeof(q.client), "%s", req_client(r));
	be_call(r, MSG_AUTH_BACKCHANNEL, &q, &s->verified, &s->auth_st);
	be_wait(r, token_verified);
}
