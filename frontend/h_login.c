/*
 * Sign-in and sign-out: GET /login, GET /login/{provider}, GET /auth_redirect
 * and /auth_redirect/{provider} (which also finish the approval of a CLI
 * pairing, started on its page in h_pair.c), GET and POST /logout.
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
	struct st_login_page	*s = &r->u.login_page;
	struct buf		 b;

	if (s->st != ST_OK) {
		reply_backend_status(r, s->st);
		return;
	}
	buf_init(&b, FE_ANSWER_MAX);
	page_login(&b, &s->providers, s->bye ? "You have signed out." : NULL);
	reply_buf(r, 200, CT_HTML, &b);
}

/* A navigation, or a client that does not say (Sec-Fetch-Dest): the images
 * of a page (the favicon.ico a browser fetches by itself) are sent here by
 * the proxy too, with their own rd, and must not replace the page's. */
static int
login_navigation(struct req *r)
{
	const char *dest = hreq_header(r->h, "Sec-Fetch-Dest", NULL);

	return dest == NULL || strcmp(dest, "document") == 0;
}

/* rd=URL: where the browser goes once signed in (redirect.h), kept in a
 * short-lived cookie through the provider round trip; a page that has no
 * rd forgets an earlier one.  An rd not allowed: 400, nothing set. */
static enum flow
login_rd(struct req *r)
{
	char	rd[RD_URL_MAX + 1];
	int	rc, nav = login_navigation(r);

	if ((rc = rd_from_query(hreq_query(r->h), rd)) == 0) {
		if (nav)
			rd_cookie_forget(r);
		return FLOW_GO_ON;
	}
	if (rc == 1 && rd_allowed(rd, r->fe->conf.public_url, &r->fe->conf.redirect_hosts)) {
		if (nav)
			rd_cookie_set(r, rd);
		return FLOW_GO_ON;
	}
	log_info("login: rd refused");
	if (nav)
		rd_cookie_forget(r);
	reply_error(r, 400, "Redirect refused", "The sign-in link asks to send you on to "
	    "another site afterwards: redirect to another site refused.");
	return FLOW_ANSWERED;
}

void
h_login_page(struct req *r)
{
	struct st_login_page		*s = &r->u.login_page;
	struct msg_auth_providers	 q;
	char				 v[4];

	if (login_rd(r) == FLOW_ANSWERED)
		return;
	s->bye = fe_form_get(hreq_query(r->h), strlen(hreq_query(r->h)), "bye", v, sizeof(v)) == 1;
	be_call(r, MSG_AUTH_PROVIDERS, &q, &s->providers, &s->st);
	be_wait(r, login_render);
}

/* ---------------------------------------------------- GET /login/{provider} */

static const struct status_answer login_start_statuses[] = {
	{ ST_NOTFOUND, 404, "Unknown provider", "There is no sign-in provider by that name." },
	{ ST_PROVIDER_ERROR, 503, "Provider unavailable", "This sign-in provider cannot be "
	    "reached right now. Please try again in a minute." },
	{ ST_OK, 0, NULL, NULL },
};

enum flow
login_start_answered(struct req *r, uint8_t st, const struct msg_auth_login_start_r *s)
{
	if (reply_unless_ok(r, st, login_start_statuses) == FLOW_ANSWERED)
		return FLOW_ANSWERED;
	if (strncmp(s->authorize_url, "https://", 8) != 0 &&
	    strncmp(s->authorize_url, "http://", 7) != 0) {
		log_warnx("authd answered an authorize URL that is not http(s)");
		reply_error(r, 502, "Something went wrong", "The sign-in service gave an unusable "
		    "answer.");
		return FLOW_ANSWERED;
	}
	session_set_login_cookie(r, s->binding, s->binding_len);
	return FLOW_GO_ON;
}

static void
login_started(struct req *r)
{
	struct st_login_start *s = &r->u.login_start;

	if (login_start_answered(r, s->st, &s->start) == FLOW_GO_ON)
		reply_redirect(r, s->start.authorize_url);
}

void
h_login_provider(struct req *r)
{
	struct st_login_start		*s = &r->u.login_start;
	struct msg_auth_login_start	 q;
	const char			*qs = hreq_query(r->h);
	char				 pair[64];

	/* Logins that approve a pairing start only from its page's form (h_pair.c):
	 * a link must never approve one. */
	if (fe_form_get(qs, strlen(qs), "pair", pair, sizeof(pair)) != 0) {
		reply_error(r, 400, "Bad request", "Command-line sign-ins are approved on their "
		    "own page.");
		return;
	}
	memset(&q, 0, sizeof(q));
	snprintf(q.provider, sizeof(q.provider), "%s", r->path_name);
	q.purpose = PURPOSE_WEB;
	be_call(r, MSG_AUTH_LOGIN_START, &q, &s->start, &s->st);
	be_wait(r, login_started);
}

/* ------------------------------------------------------ GET /auth_redirect */

/*
 * The store answered and refused a proof authd made a moment ago (its nonce
 * spent already: the login replayed at another node; its pairing gone; ...):
 * the tokens sealed in it belong to no session, so they are revoked at the
 * provider before the answer, once.  1 when that was asked (then next runs
 * again when authd answers).
 */
static int
revoke_unused_grant(struct req *r, void (*next)(struct req *))
{
	struct st_callback	*s = &r->u.callback;
	struct proof		 p;
	int			 sent;

	if (s->unused_revoked)
		return 0;
	s->unused_revoked = 1;
	if (proof_read_unverified(s->fin.proof, s->fin.proof_len, &p) == -1)
		return 0;
	sent = be_revoke_grant(r, p.grant, p.grant_len, p.user_id, &s->auth_st);
	sodium_memzero(&p, sizeof(p));
	if (sent) {
		log_info("login of %s refused by the store: revoking its provider grant",
		    s->fin.user_id);
		be_wait(r, next);
	}
	return sent;
}

static void
login_created(struct req *r)
{
	struct st_callback	*s = &r->u.callback;
	char			 rd[RD_URL_MAX + 1];

	if (s->created_st != ST_OK && revoke_unused_grant(r, login_created))
		return;
	if (s->created_st != ST_OK) {
		/* authd vouched for this login a moment ago: the store disagreeing is ours. */
		log_warnx("store refused a fresh login proof: %s", msg_status_name(s->created_st));
		r->fe->m.login_errors++;
		if (s->created_st == ST_FULL || s->created_st == ST_BUSY ||
		    s->created_st == ST_UNAVAILABLE) {
			reply_backend_status(r, s->created_st);
			return;
		}
		reply_error(r, 500, "Sign-in failed", "The sign-in could not be completed. "
		    "Please start again.");
		return;
	}
	r->fe->m.logins++;
	session_clear_login_cookie(r);
	session_set_cookie(r, s->created.token);
	log_info("signed in: %s", s->created.user_id);
	reply_redirect(r, rd_cookie_take(r, rd) ? rd : "/");
}

/* LOGIN_FINISH's status when it is not ST_OK: the error page. */
static void
login_not_finished(struct req *r, uint8_t st)
{
	r->fe->m.login_errors++;
	switch (st) {
	case ST_NOTFOUND:
	case ST_EXPIRED:
		session_clear_login_cookie(r);
		reply_error(r, 400, "Sign-in link no longer valid", "This sign-in was already "
		    "completed, took too long, or was started in another browser. Please sign in "
		    "again.");
		return;
	case ST_DENIED:
		session_clear_login_cookie(r);
		reply_error(r, 403, "Sign-in refused", "The provider refused the sign-in.");
		return;
	case ST_BUSY:
		hreq_add_header(r->h, "Retry-After", "1");
		reply_error(r, 429, "Too many sign-ins", "Too many sign-ins from your address are "
		    "in progress. Please try again in a moment.");
		return;
	default:
		reply_backend_status(r, st);
		return;
	}
}

static void
pair_login_approved(struct req *r)
{
	struct st_callback	*s = &r->u.callback;
	struct buf		 b;

	if (s->approve_st != ST_OK && revoke_unused_grant(r, pair_login_approved))
		return;
	session_clear_login_cookie(r);
	switch (s->approve_st) {
	case ST_OK:
		break;
	case ST_NOTFOUND:
		reply_error(r, 404, PAIR_UNKNOWN_TITLE, PAIR_UNKNOWN_DETAIL);
		return;
	case ST_DENIED:
		reply_error(r, 400, "Sign-in link no longer valid", "This approval was already "
		    "used. Nothing more was approved.");
		return;
	case ST_FULL:
	case ST_BUSY:
	case ST_UNAVAILABLE:
	case ST_INTERNAL:
		reply_backend_status(r, s->approve_st);
		return;
	default:
		/* authd vouched for this login a moment ago: the store disagreeing is ours. */
		log_warnx("store refused a fresh approval proof: %s",
		    msg_status_name(s->approve_st));
		r->fe->m.login_errors++;
		reply_error(r, 500, "Approval failed", "The approval could not be completed. "
		    "Please start again.");
		return;
	}
	r->fe->m.pair_approved++;
	log_info("command-line sign-in approved by %s", s->fin.user_id);
	buf_init(&b, FE_ANSWER_MAX);
	page_pair_done(&b, s->fin.name, 1);
	reply_buf(r, 200, CT_HTML, &b);
}

/* A PURPOSE_CLI login: its proof approves the pairing it names, and signs
 * nobody in. */
static void
pair_approve_with_proof(struct req *r)
{
	struct st_callback		*s = &r->u.callback;
	struct msg_store_pair_approve	 q;

	memcpy(q.proof, s->fin.proof, s->fin.proof_len);
	q.proof_len = s->fin.proof_len;
	be_call(r, MSG_STORE_PAIR_APPROVE, &q, NULL, &s->approve_st);
	be_wait(r, pair_login_approved);
}

/* [access] refused the account: 403 naming it, no session, no cookie. */
static void
login_refused_page(struct req *r)
{
	struct st_callback	*s = &r->u.callback;
	struct buf		 b;
	int			 pairing = s->fin.proof_len > 0;

	if (pairing && s->approve_st != ST_OK)
		log_warnx("store did not deny the pairing of a refused account: %s",
		    msg_status_name(s->approve_st));
	session_clear_login_cookie(r);
	log_info("sign-in refused by [access]: %s", s->fin.user_id);
	buf_init(&b, FE_ANSWER_MAX);
	page_refused(&b, &s->fin, pairing);
	reply_buf(r, 403, CT_HTML, &b);
}

/* A refused pairing login's proof (PURPOSE_CLI_REFUSED) denies the pairing
 * first, so that the command line is told; a web login has no proof. */
static void
login_refused(struct req *r)
{
	struct st_callback		*s = &r->u.callback;
	struct msg_store_pair_approve	 q;

	if (proof_purpose_unverified(s->fin.proof, s->fin.proof_len) != PURPOSE_CLI_REFUSED) {
		s->fin.proof_len = 0;
		login_refused_page(r);
		return;
	}
	memcpy(q.proof, s->fin.proof, s->fin.proof_len);
	q.proof_len = s->fin.proof_len;
	be_call(r, MSG_STORE_PAIR_APPROVE, &q, NULL, &s->approve_st);
	be_wait(r, login_refused_page);
}

static void
login_finished(struct req *r)
{
	struct st_callback		*s = &r->u.callback;
	struct msg_store_session_create	 q;

	if (s->fin_st != ST_OK) {
		login_not_finished(r, s->fin_st);
		return;
	}
	if (!s->fin.allowed) {
		login_refused(r);
		return;
	}
	/* A login for a pairing approves it and signs nobody in (the store checks the
	 * proof's purpose; this only routes it). */
	if (proof_purpose_unverified(s->fin.proof, s->fin.proof_len) == PURPOSE_CLI) {
		pair_approve_with_proof(r);
		return;
	}
	memset(&q, 0, sizeof(q));
	memcpy(q.proof, s->fin.proof, s->fin.proof_len);
	q.proof_len = s->fin.proof_len;
	q.kind = KIND_WEB;
	session_label(r, q.label, sizeof(q.label));
	be_call(r, MSG_STORE_SESSION_CREATE, &q, &s->created, &s->created_st);
	be_wait(r, login_created);
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
	if (fe_form_get(q, strlen(q), "error", err, sizeof(err)) != 1)
		snprintf(err, sizeof(err), "(unreadable)");
	if ((rc = fe_form_get(q, strlen(q), "error_description", desc, sizeof(desc))) == -1)
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

/* The callback's query into LOGIN_FINISH's fields: FLOW_GO_ON, or answered. */
static enum flow
callback_fields(struct req *r, const char *qs, struct msg_auth_login_finish *q)
{
	size_t	len = strlen(qs);
	char	e[8];

	if (fe_form_check(qs, len) == -1) {
		reply_error(r, 400, "Bad request", "The address the provider sent you back to is "
		    "malformed.");
		return FLOW_ANSWERED;
	}
	if (fe_form_get(qs, len, "error", e, sizeof(e)) != 0) {
		provider_error(r, qs);
		return FLOW_ANSWERED;
	}
	if (fe_form_get(qs, len, "state", q->state, MAX_STATE_PARAM + 1) != 1 ||
	    fe_form_get(qs, len, "code", q->code, MAX_CODE_PARAM + 1) != 1 ||
	    q->state[0] == '\0' || q->code[0] == '\0' ||
	    fe_form_get(qs, len, "iss", q->iss, MAX_ISS_PARAM + 1) == -1) {
		reply_error(r, 400, "Bad request", "The provider's answer lacks the sign-in code. "
		    "Please sign in again.");
		return FLOW_ANSWERED;
	}
	if (fe_form_get(qs, len, "iss", q->iss, MAX_ISS_PARAM + 1) != 1)
		q->iss[0] = '\0';
	return FLOW_GO_ON;
}

/* GET /auth_redirect (the default provider's) and /auth_redirect/{provider}
 * (route.c has checked the name). */
void
h_auth_redirect(struct req *r)
{
	struct st_callback		*s = &r->u.callback;
	struct msg_auth_login_finish	 q;

	memset(&q, 0, sizeof(q));
	if (callback_fields(r, hreq_query(r->h), &q) == FLOW_ANSWERED) {
		sodium_memzero(&q, sizeof(q));
		return;
	}
	snprintf(q.callback, sizeof(q.callback), "%s", r->path_name);
	snprintf(q.client, sizeof(q.client), "%s", req_client(r));
	if (!session_login_binding(r, q.binding, &q.binding_len))
		q.binding_len = 0;
	be_call(r, MSG_AUTH_LOGIN_FINISH, &q, &s->fin, &s->fin_st);
	be_wait(r, login_finished);
}

/* ------------------------------------------------------------ GET /logout */

static void
logout_page(struct req *r)
{
	struct st_secured	*s = &r->u.secured;
	struct buf		 b;

	if (reply_unless_session(r, s->st) == FLOW_ANSWERED)
		return;
	buf_init(&b, FE_ANSWER_MAX);
	page_logout_confirm(&b, s->sess.name, r->csrf);
	reply_buf(r, 200, CT_HTML, &b);
}

void
h_logout_page(struct req *r)
{
	be_session_get(r, &r->u.secured.sess, &r->u.secured.st);
	be_wait(r, logout_page);
}

/* ----------------------------------------------------------- POST /logout */

static void
logout_done(struct req *r)
{
	struct st_sign_out *s = &r->u.sign_out;

	if (s->revoked.grant_len != 0)
		log_info("signed out: %s (provider revocation: %s)", s->revoked.user_id,
		    msg_status_name(s->auth_st));
	else
		log_info("signed out: %s", s->revoked.user_id);
	r->fe->m.logouts++;
	session_clear_cookie(r);
	reply_redirect(r, "/login?bye=1");
}

static void
logout_revoked(struct req *r)
{
	struct st_sign_out	*s = &r->u.sign_out;

	if (s->revoke_st == ST_NOTFOUND) {	/* signed out already */
		session_clear_cookie(r);
		reply_redirect(r, "/login?bye=1");
		return;
	}
	if (s->revoke_st != ST_OK) {
		reply_backend_status(r, s->revoke_st);
		return;
	}
	be_revoke_grant(r, s->revoked.grant, s->revoked.grant_len, s->revoked.user_id, &s->auth_st);
	be_wait(r, logout_done);
}

/* One store request (no sid: the asking session), then authd's revocation
 * of the provider grant, if the session had one. */
void
h_logout(struct req *r)
{
	struct msg_store_session_revoke q;

	memcpy(q.token, r->token, TOKEN_LEN);
	q.sid_len = 0;
	be_call(r, MSG_STORE_SESSION_REVOKE, &q, &r->u.sign_out.revoked,
	    &r->u.sign_out.revoke_st);
	be_wait(r, logout_revoked);
}
