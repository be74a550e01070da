/*
 * Sign-in and sign-out: GET /login, GET /login/{provider}, GET /auth_redirect
 * and /auth_redirect/{provider}, GET and POST /logout.
 *
 * authd makes the authorize URL (state, PKCE, nonce) and seals the login in
 * progress into the value of a short-lived pre-login cookie; on the way back
 * authd checks that cookie, the state, the callback path and iss before it
 * spends the state on a code exchange, and answers a signed login proof, which
 * only the store can turn into a session (security property 2 in README).  The code and
 * state never leak onwards: Referrer-Policy no-referrer and a 303 away from
 * the URL.  Words from the provider (error_description) go to the log, never
 * onto our pages.
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "b64.h"
#include "log.h"
#include "parse.h"
#include "proof.h"

#define MAX_STATE_PARAM	512
#define MAX_CODE_PARAM	2048
#define MAX_ISS_PARAM	512

/* -------------------------------------------------------------- GET /login */

static void
login_render(struct req *r)
{
	struct sbuf sb;

	if (r->st[0] != ST_OK) {
		reply_backend_status(r, r->st[0]);
		return;
	}
	sb_init(&sb);
	page_login(&sb, &r->u.providers, r->flag ? "You have signed out." : NULL);
	reply_sb(r, 200, CT_HTML, &sb);
}

void
h_login(struct req *r)
{
	char v[4];

	r->flag = form_get(hreq_query(r->h), strlen(hreq_query(r->h)), "bye", v, sizeof(v)) == 1;
	be_auth_providers(r, &r->u.providers, &r->st[0]);
	req_wait(r, login_render);
}

/* ---------------------------------------------------- GET /login/{provider} */

/* LOGIN_START's answer: 1 with the pre-login cookie set when it holds a usable
 * authorize URL, else 0 with the error answered. */
int
login_start_ok(struct req *r)
{
	struct a_login_start *s = &r->u.start;

	switch (r->st[0]) {
	case ST_OK:
		break;
	case ST_NOTFOUND:
		reply_error(r, 404, "Unknown provider", "There is no sign-in provider by that name.");
		return 0;
	case ST_PROVIDER_ERROR:
		reply_error(r, 503, "Provider unavailable", "This sign-in provider cannot be reached "
		    "right now. Please try again in a minute.");
		return 0;
	default:
		reply_backend_status(r, r->st[0]);
		return 0;
	}
	if (strncmp(s->url, "https://", 8) != 0 && strncmp(s->url, "http://", 7) != 0) {
		log_warnx("authd answered an authorize URL that is not http(s)");
		reply_error(r, 502, "Something went wrong", "The sign-in service gave an unusable "
		    "answer.");
		return 0;
	}
	session_set_login_cookie(r, s->binding, s->binding_len);
	return 1;
}

static void
login_started(struct req *r)
{
	if (login_start_ok(r))
		reply_redirect(r, r->u.start.url);
}

void
h_login_provider(struct req *r)
{
	char		 name[MAX_PROVIDER + 1], pair[64];
	const char	*q = hreq_query(r->h);

	if (!provider_name_ok(r->param, r->param_len)) {
		reply_error(r, 404, "Unknown provider", "There is no sign-in provider by that name.");
		return;
	}
	memcpy(name, r->param, r->param_len);
	name[r->param_len] = '\0';
	/* Logins that approve a pairing start only from its page's form (h_pair.c):
	 * a link must never approve one. */
	if (form_get(q, strlen(q), "pair", pair, sizeof(pair)) != 0) {
		reply_error(r, 400, "Bad request", "Command-line sign-ins are approved on their "
		    "own page.");
		return;
	}
	be_login_start(r, name, PURPOSE_WEB, NULL, &r->u.start, &r->st[0]);
	req_wait(r, login_started);
}

/* ------------------------------------------------------ GET /auth_redirect */

static void
login_created(struct req *r)
{
	struct a_created	*c = &r->u.login.created;

	if (r->st[0] != ST_OK) {
		/* authd vouched for this login a moment ago: the store disagreeing is ours. */
		log_warnx("store refused a fresh login proof: %s", msg_status_name(r->st[0]));
		r->fe->m.login_errors++;
		if (r->st[0] == ST_FULL || r->st[0] == ST_BUSY) {
			reply_backend_status(r, r->st[0]);
			return;
		}
		reply_error(r, 500, "Sign-in failed", "The sign-in could not be completed. "
		    "Please start again.");
		return;
	}
	r->fe->m.logins++;
	session_clear_login_cookie(r);
	session_set_cookie(r, c->token);
	log_info("signed in: %s", c->user_id);
	reply_redirect(r, "/");
}

static void
login_finished(struct req *r)
{
	char label[MAX_LABEL + 1];

	switch (r->st[0]) {
	case ST_OK:
		break;
	case ST_NOTFOUND:
	case ST_EXPIRED:
		r->fe->m.login_errors++;
		session_clear_login_cookie(r);
		reply_error(r, 400, "Sign-in link no longer valid", "This sign-in was already "
		    "completed, took too long, or was started in another browser. Please sign in "
		    "again.");
		return;
	case ST_DENIED:
		r->fe->m.login_errors++;
		session_clear_login_cookie(r);
		reply_error(r, 403, "Sign-in refused", "The provider refused the sign-in.");
		return;
	case ST_BUSY:
		r->fe->m.login_errors++;
		hreq_add_header(r->h, "Retry-After", "1");
		reply_error(r, 429, "Too many sign-ins", "Too many sign-ins from your address are "
		    "in progress. Please try again in a moment.");
		return;
	default:
		r->fe->m.login_errors++;
		reply_backend_status(r, r->st[0]);
		return;
	}
	/* A login for a pairing approves it and signs nobody in (the store checks the
	 * proof's purpose; this only routes it). */
	if (proof_purpose_unverified(r->u.login.fin.proof, r->u.login.fin.proof_len) ==
	    PURPOSE_CLI) {
		pair_login_finished(r);
		return;
	}
	session_label(r, label, sizeof(label));
	be_session_create(r, &r->u.login.fin, label, &r->u.login.created, &r->st[0]);
	req_wait(r, login_created);
}

/* Our words for each error code of RFC 6749 section 4.1.2.1. */
static const struct {
	const char	*code;
	const char	*text;
} provider_errors[] = {
	{ "access_denied", "The sign-in was cancelled or not allowed at the provider." },
	{ "invalid_request", "The provider could not read this site's sign-in request." },
	{ "unauthorized_client", "The provider does not let this site sign you in this way." },
	{ "unsupported_response_type", "The provider does not support the sign-in this site "
	    "asks for." },
	{ "invalid_scope", "The provider does not grant the access this site asks for." },
	{ "server_error", "The provider had a problem. Please try again in a moment." },
	{ "temporarily_unavailable", "The provider is busy right now. Please try again in a "
	    "moment." },
};

/* Printable ASCII only, quotes and backslashes replaced: safe in one log line. */
static void
log_safe(char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			*s = '?';
}

/* The provider sent the user back with an error: our text on the page, its
 * text (anyone can write it into a link) only in the log. */
static void
provider_error(struct req *r, const char *q)
{
	char		 err[64], desc[256];
	const char	*what = "The provider could not complete the sign-in.";
	size_t		 i;
	int		 rc;

	r->fe->m.login_errors++;
	if (form_get(q, strlen(q), "error", err, sizeof(err)) != 1)
		snprintf(err, sizeof(err), "(unreadable)");
	if ((rc = form_get(q, strlen(q), "error_description", desc, sizeof(desc))) == -1)
		snprintf(desc, sizeof(desc), "(unreadable or too long)");
	else if (rc == 0)
		desc[0] = '\0';
	for (i = 0; i < sizeof(provider_errors) / sizeof(provider_errors[0]); i++)
		if (strcmp(err, provider_errors[i].code) == 0)
			what = provider_errors[i].text;
	log_safe(err);
	log_safe(desc);
	log_info("sign-in not completed: provider error \"%s\", description \"%s\"", err, desc);
	session_clear_login_cookie(r);
	reply_error(r, strcmp(err, "access_denied") == 0 ? 403 : 400, "Sign-in not completed",
	    what);
}

/* GET /auth_redirect (the default provider's) and /auth_redirect/{provider}. */
void
h_auth_redirect(struct req *r)
{
	const char		*q = hreq_query(r->h);
	char			 state[MAX_STATE_PARAM + 1], code[MAX_CODE_PARAM + 1], e[8];
	char			 iss[MAX_ISS_PARAM + 1], prov[MAX_PROVIDER + 1];
	uint8_t			 binding[BINDING_MAX];
	struct login_callback	 cb;

	if (form_check(q, strlen(q)) == -1 || (r->param != NULL &&
	    !provider_name_ok(r->param, r->param_len))) {
		reply_error(r, 400, "Bad request", "The address the provider sent you back to is "
		    "malformed.");
		return;
	}
	if (form_get(q, strlen(q), "error", e, sizeof(e)) != 0) {
		provider_error(r, q);
		return;
	}
	if (form_get(q, strlen(q), "state", state, sizeof(state)) != 1 ||
	    form_get(q, strlen(q), "code", code, sizeof(code)) != 1 ||
	    state[0] == '\0' || code[0] == '\0' ||
	    form_get(q, strlen(q), "iss", iss, sizeof(iss)) == -1) {
		reply_error(r, 400, "Bad request", "The provider's answer lacks the sign-in code. "
		    "Please sign in again.");
		return;
	}
	if (form_get(q, strlen(q), "iss", iss, sizeof(iss)) != 1)
		iss[0] = '\0';
	snprintf(prov, sizeof(prov), "%.*s", r->param != NULL ? (int)r->param_len : 0,
	    r->param != NULL ? r->param : "");
	memset(&cb, 0, sizeof(cb));
	cb.state = state;
	cb.code = code;
	cb.provider = prov;
	cb.iss = iss;
	cb.client = req_client(r);
	if (session_login_binding(r, binding, &cb.binding_len))
		cb.binding = binding;
	be_login_finish(r, &cb, &r->u.login.fin, &r->st[0]);
	sodium_memzero(code, sizeof(code));
	sodium_memzero(binding, sizeof(binding));
	req_wait(r, login_finished);
}

/* ------------------------------------------------------------ GET /logout */

static void
logout_page(struct req *r)
{
	struct sbuf sb;

	if (reply_session_failed(r, r->st[0]))
		return;
	sb_init(&sb);
	page_logout_confirm(&sb, r);
	reply_sb(r, 200, CT_HTML, &sb);
}

void
h_logout_page(struct req *r)
{
	if (!r->has_token) {
		reply_no_session(r);
		return;
	}
	be_session_get(r, &r->sess, &r->st[0]);
	req_wait(r, logout_page);
}

/* ----------------------------------------------------------- POST /logout */

static void
logout_done(struct req *r)
{
	if (r->u.grant.len == GRANT_LEN)
		log_info("signed out: %s (provider revocation: %s)", r->sess.user_id,
		    msg_status_name(r->st[1]));
	else
		log_info("signed out: %s", r->sess.user_id);
	r->fe->m.logouts++;
	session_clear_cookie(r);
	reply_redirect(r, "/login?bye=1");
}

static void
logout_revoked(struct req *r)
{
	if (r->st[0] != ST_OK && r->st[0] != ST_NOTFOUND) {
		reply_backend_status(r, r->st[0]);
		return;
	}
	if (r->st[0] == ST_OK && r->u.grant.len == GRANT_LEN) {
		/* The session is gone already: a failure here must not look like one. */
		r->soft = 1;
		be_auth_revoke(r, r->u.grant.grant, &r->st[1]);
	}
	req_wait(r, logout_done);
}

static void
logout_found(struct req *r)
{
	if (r->st[0] == ST_NOTFOUND) {
		session_clear_cookie(r);
		reply_redirect(r, "/login?bye=1");
		return;
	}
	if (r->st[0] != ST_OK) {
		reply_backend_status(r, r->st[0]);
		return;
	}
	be_session_revoke(r, r->sess.sid, &r->u.grant, &r->st[0]);
	req_wait(r, logout_revoked);
}

void
h_logout(struct req *r)
{
	const char	*body;
	size_t		 len;

	if (session_form_ok(r, &body, &len) == -1)
		return;
	be_session_get(r, &r->sess, &r->st[0]);
	req_wait(r, logout_found);
}
