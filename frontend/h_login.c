/*
 * Sign-in and sign-out: GET /login, GET /login/{provider}, GET /auth_redirect,
 * GET and POST /logout.
 *
 * authd makes the authorize URL (state, PKCE, nonce) and a browser binding
 * that we keep in a short-lived pre-login cookie; on the way back authd checks
 * state + binding + code and answers a signed login proof, which only the
 * store can turn into a session (SPEC property 2).  The code and state never
 * leak onwards: Referrer-Policy no-referrer and a 303 away from the URL.
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "b64.h"
#include "log.h"
#include "parse.h"

#define MAX_STATE_PARAM	512
#define MAX_CODE_PARAM	2048

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
	page_login(&sb, &r->u.providers, NULL, r->flag ? "You have signed out." : NULL);
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

static void
login_started(struct req *r)
{
	struct a_login_start *s = &r->u.start;

	switch (r->st[0]) {
	case ST_OK:
		break;
	case ST_NOTFOUND:
		reply_error(r, 404, "Unknown provider", "There is no sign-in provider by that name.");
		return;
	case ST_PROVIDER_ERROR:
		reply_error(r, 503, "Provider unavailable", "This sign-in provider cannot be reached "
		    "right now. Please try again in a minute.");
		return;
	default:
		reply_backend_status(r, r->st[0]);
		return;
	}
	if (strncmp(s->url, "https://", 8) != 0 && strncmp(s->url, "http://", 7) != 0) {
		log_warnx("authd answered an authorize URL that is not http(s)");
		reply_error(r, 502, "Something went wrong", "The sign-in service gave an unusable "
		    "answer.");
		return;
	}
	session_set_login_cookie(r, s->binding);
	reply_redirect(r, s->url);
}

void
h_login_provider(struct req *r)
{
	char		 name[MAX_PROVIDER + 1], pair[64];
	uint8_t		 ref[REF_LEN];
	const char	*q = hreq_query(r->h);
	int		 have;

	if (!provider_name_ok(r->param, r->param_len)) {
		reply_error(r, 404, "Unknown provider", "There is no sign-in provider by that name.");
		return;
	}
	memcpy(name, r->param, r->param_len);
	name[r->param_len] = '\0';
	have = form_get(q, strlen(q), "pair", pair, sizeof(pair));
	if (have == -1 || (have == 1 && b64url_id(ref, REF_LEN, pair, strlen(pair)) == -1)) {
		reply_error(r, 400, "Bad request", "This sign-in link is malformed.");
		return;
	}
	be_login_start(r, name, have == 1 ? PURPOSE_CLI : PURPOSE_WEB, have == 1 ? ref : NULL,
	    &r->u.start, &r->st[0]);
	req_wait(r, login_started);
}

/* ------------------------------------------------------ GET /auth_redirect */

static void
login_created(struct req *r)
{
	struct a_created	*c = &r->u.login.created;
	char			 ref[64], loc[80];

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
	if (c->purpose == PURPOSE_CLI && c->ref_len == REF_LEN) {
		b64_encode(ref, c->ref, REF_LEN);
		snprintf(loc, sizeof(loc), "/pair/%s", ref);
		reply_redirect(r, loc);
		return;
	}
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
	default:
		r->fe->m.login_errors++;
		reply_backend_status(r, r->st[0]);
		return;
	}
	session_label(r, label, sizeof(label));
	be_session_create(r, &r->u.login.fin, label, &r->u.login.created, &r->st[0]);
	req_wait(r, login_created);
}

/* The provider sent the user back with an error (RFC 6749 section 4.1.2.1). */
static void
provider_error(struct req *r, const char *q)
{
	char		 err[64], desc[256], detail[400];
	const char	*what;

	r->fe->m.login_errors++;
	if (form_get(q, strlen(q), "error", err, sizeof(err)) != 1)
		snprintf(err, sizeof(err), "error");
	if (form_get(q, strlen(q), "error_description", desc, sizeof(desc)) != 1)
		desc[0] = '\0';
	if (strcmp(err, "access_denied") == 0)
		what = "The sign-in was cancelled or not allowed at the provider.";
	else if (strcmp(err, "temporarily_unavailable") == 0 || strcmp(err, "server_error") == 0)
		what = "The provider had a problem. Please try again in a moment.";
	else
		what = "The provider could not complete the sign-in.";
	snprintf(detail, sizeof(detail), "%s (%s%s%s)", what, err, desc[0] ? ": " : "", desc);
	session_clear_login_cookie(r);
	reply_error(r, strcmp(err, "access_denied") == 0 ? 403 : 400, "Sign-in not completed",
	    detail);
}

void
h_auth_redirect(struct req *r)
{
	const char	*q = hreq_query(r->h);
	char		 state[MAX_STATE_PARAM + 1], code[MAX_CODE_PARAM + 1], e[8];
	uint8_t		 binding[BINDING_LEN];
	int		 has_binding;

	if (form_check(q, strlen(q)) == -1) {
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
	    state[0] == '\0' || code[0] == '\0') {
		reply_error(r, 400, "Bad request", "The provider's answer lacks the sign-in code. "
		    "Please sign in again.");
		return;
	}
	has_binding = session_login_binding(r, binding);
	be_login_finish(r, state, code, has_binding ? binding : NULL, &r->u.login.fin,
	    &r->st[0]);
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
