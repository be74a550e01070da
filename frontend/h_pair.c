/*
 * CLI pairing over HTTP (security property 5 in README): GET or POST /cli_login and /token,
 * GET and POST /pair/{ref}, GET /secured.
 *
 * The paircode is the CLI's secret: it only travels in the CLI's own requests
 * (/cli_login, /token) and is never logged.  The browser gets a different,
 * single-use reference in /pair/{ref}.  That page shows what the requester
 * claims (a claim), where and when it asked, and the user code; reached from
 * another site it asks the user to type the code from the terminal instead.
 * Approving is a same-site POST that starts a login at the provider for this
 * pairing; authd signs a proof naming the pairing and only that proof
 * approves it in the store (PAIR_APPROVE), for the account that signed in.
 * The frontend alone can deny, never approve (the proof's approval is part
 * of /auth_redirect: h_login.c).  The CLI session /token hands
 * out has its own cookie name (session.c) and /token refuses browsers'
 * navigations, so a browser is never signed in by someone else's pairing.
 */
#include "fe.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "b64.h"
#include "log.h"
#include "parse.h"

static void	reply_user(struct req *, const char *user_id, const char *name);

/*
 * The paircode into dst: from the query of a GET (the seed's form), or from
 * the form body of a POST (the airlock command's: URLs end up in logs).  A
 * POST needs no CSRF token, the paircode is its own secret, but one that a
 * browser marks as sent from another site is refused.
 */
static enum flow
pair_paircode(struct req *r, char *dst, size_t n)
{
	const char	*src;
	size_t		 len;

	if (hreq_method(r->h) == HM_POST) {
		if (!session_same_origin(r)) {
			log_info("%s: POST from another site refused", r->route->name);
			reply_error(r, 403, "Request refused", "sent from another site");
			return FLOW_ANSWERED;
		}
		src = hreq_body(r->h, &len);
	} else {
		src = hreq_query(r->h);
		len = strlen(src);
	}
	if (fe_form_get(src, len, "paircode", dst, n) == 1 && paircode_valid(dst, strlen(dst)))
		return FLOW_GO_ON;
	if (r->json)
		reply_json_error(r, 400, "invalid_request",
		    "paircode must be 22 to 128 URL-safe characters");
	else
		reply_text(r, 400, "invalid_request: paircode must be 22 to 128 URL-safe "
		    "characters ([A-Za-z0-9_-])\n");
	return FLOW_ANSWERED;
}

/* ---------------------------------------------------------- GET /cli_login */

static const struct status_answer pair_create_statuses[] = {
	{ ST_INVALID, 400, "invalid_request", "this paircode cannot be used (already "
	    "registered?): make a new one" },
	{ ST_BUSY, 503, "temporarily_unavailable", "too many logins are waiting for approval; "
	    "try again in a few minutes" },
	{ ST_OK, 0, NULL, NULL },
};

static void
cli_login_done(struct req *r)
{
	struct st_cli_login	*s = &r->u.cli_login;
	struct buf		 b;
	char			 ref[64], url[FE_ORIGIN_MAX + 80];

	if (reply_unless_ok(r, s->st, pair_create_statuses) == FLOW_ANSWERED)
		return;
	r->fe->m.pair_created++;
	b64_encode(ref, s->created.ref, REF_LEN);
	snprintf(url, sizeof(url), "%s/pair/%s", r->fe->conf.public_url, ref);
	buf_init(&b, FE_ANSWER_MAX);
	if (r->json) {
		buf_add(&b, "{\"login_url\":");
		buf_add_json(&b, url);
		buf_add(&b, ",\"user_code\":");
		buf_add_json(&b, s->created.user_code);
		buf_addf(&b, ",\"expires_in\":%u,\"interval\":%u}\n", s->created.expires_in,
		    s->created.interval);
		reply_buf(r, 200, CT_JSON, &b);
		return;
	}
	/* Seed-compatible: the body is the URL to open, nothing else. */
	buf_add(&b, url);
	reply_buf(r, 200, CT_TEXT, &b);
}

void
h_cli_login(struct req *r)
{
	struct msg_store_pair_create	 q;
	char				 ua[MAX_LABEL + 1];

	memset(&q, 0, sizeof(q));
	if (pair_paircode(r, q.paircode, sizeof(q.paircode)) == FLOW_ANSWERED) {
		sodium_memzero(&q, sizeof(q));
		return;
	}
	printable_copy(ua, sizeof(ua), hreq_header(r->h, "User-Agent", NULL));
	snprintf(q.label, sizeof(q.label), "%s", ua[0] != '\0' ? ua : "command line");
	snprintf(q.client, sizeof(q.client), "%s", req_client(r));
	be_call(r, MSG_STORE_PAIR_CREATE, &q, &r->u.cli_login.created, &r->u.cli_login.st);
	be_wait(r, cli_login_done);
}

/* -------------------------------------------------------------- GET /token */

static void
token_pending(struct req *r, int status, const char *error, const char *text)
{
	if (r->json)
		reply_json_error(r, 400, error, NULL);
	else
		reply_text(r, status, text);
}

static void
token_done(struct req *r)
{
	struct st_token *s = &r->u.token;

	switch (s->st) {
	case ST_OK:
		break;
	case ST_PENDING:
		/* Seed-compatible: an empty 200 means "not yet". */
		token_pending(r, 200, "authorization_pending", "");
		return;
	case ST_SLOW_DOWN:
		hreq_add_header(r->h, "Retry-After", "1");
		token_pending(r, 429, "slow_down", "slow_down: poll at most once a second\n");
		return;
	case ST_EXPIRED:
		token_pending(r, 400, "expired_token", "expired_token: this login is unknown, "
		    "expired or already used; start a new one\n");
		return;
	case ST_DENIED:
		token_pending(r, 403, "access_denied", "access_denied: the login was denied in "
		    "the browser\n");
		return;
	case ST_INVALID:
		token_pending(r, 400, "invalid_request", "invalid_request: malformed paircode\n");
		return;
	default:
		reply_backend_status(r, s->st);
		return;
	}
	r->fe->m.pair_taken++;
	session_set_cli_cookie(r, s->taken.token);
	log_info("command-line session issued to %s", s->taken.user_id);
	reply_user(r, s->taken.user_id, NULL);
}

/*
 * 1 when the browser says this request loads a page or frame, or comes from
 * another site: /token must never hand a browser a session (login CSRF: a link
 * to /token with a paircode someone else approved).  Command-line clients send
 * no fetch metadata; a header sent twice counts as a browser's.
 */
static int
token_from_browser(struct req *r)
{
	static const char *const dests[] = { "document", "iframe", "frame", "embed", "object" };
	const char	*mode, *dest, *site;
	int		 nm, nd, ns;
	size_t		 i;

	mode = hreq_header(r->h, "Sec-Fetch-Mode", &nm);
	dest = hreq_header(r->h, "Sec-Fetch-Dest", &nd);
	site = hreq_header(r->h, "Sec-Fetch-Site", &ns);
	if (nm > 1 || nd > 1 || ns > 1)
		return 1;
	if (mode != NULL && (strcasecmp(mode, "navigate") == 0 ||
	    strcasecmp(mode, "nested-navigate") == 0))
		return 1;
	for (i = 0; dest != NULL && i < sizeof(dests) / sizeof(dests[0]); i++)
		if (strcasecmp(dest, dests[i]) == 0)
			return 1;
	return site != NULL && strcasecmp(site, "same-origin") != 0 &&
	    strcasecmp(site, "none") != 0;
}

void
h_token(struct req *r)
{
	struct msg_store_pair_take q;

	if (token_from_browser(r)) {
		log_info("/token: a browser navigation or another site's request refused");
		reply_text(r, 403, "forbidden: /token is for command-line clients; a browser "
		    "never receives a session here\n");
		return;
	}
	memset(&q, 0, sizeof(q));
	if (pair_paircode(r, q.paircode, sizeof(q.paircode)) == FLOW_ANSWERED) {
		sodium_memzero(&q, sizeof(q));
		return;
	}
	be_call(r, MSG_STORE_PAIR_TAKE, &q, &r->u.token.taken, &r->u.token.st);
	be_wait(r, token_done);
}

/* ------------------------------------------------------------ /pair/{ref} */

/* PAIR_INFO's (or another pairing message's) status: FLOW_GO_ON when ST_OK. */
static enum flow
pair_answered(struct req *r, uint8_t st)
{
	return reply_unless_found(r, st, PAIR_UNKNOWN_TITLE, PAIR_UNKNOWN_DETAIL);
}

/*
 * 1 when the browser says it came here from this site or from outside any site
 * (an address typed or opened by another program, such as airlock login):
 * Sec-Fetch-Site same-origin or none.  A link on another site, or a browser
 * that sends no fetch metadata, must make the user type the code instead of
 * clicking (RFC 8628 section 5.4: remote phishing with a complete link).
 */
static int
pair_arrived_directly(struct req *r)
{
	const char	*site;
	int		 n;

	site = hreq_header(r->h, "Sec-Fetch-Site", &n);
	return n == 1 && (strcasecmp(site, "same-origin") == 0 || strcasecmp(site, "none") == 0);
}

/* PAIR_INFO (with the session cookie's token: who is looking) and, for a
 * page seen without a session cookie, AUTH_PROVIDERS. */
static void
pair_lookups(struct req *r, int providers)
{
	struct st_pair			*s = &r->u.pair;
	struct msg_store_pair_info	 qi;

	memcpy(qi.ref, r->path_id, REF_LEN);
	qi.token_len = r->has_token ? TOKEN_LEN : 0;
	if (r->has_token)
		memcpy(qi.token, r->token, TOKEN_LEN);
	be_call(r, MSG_STORE_PAIR_INFO, &qi, &s->info, &s->info_st);
	sodium_memzero(qi.token, sizeof(qi.token));
	if (!r->has_token && providers) {
		struct msg_auth_providers qp;

		be_call(r, MSG_AUTH_PROVIDERS, &qp, &s->providers, &s->providers_st);
	}
}

static void
pair_render(struct req *r)
{
	struct st_pair			*s = &r->u.pair;
	struct msg_auth_providers	 qp;
	struct buf			 b;
	char				 ref[64];
	uint8_t				 st;

	if (pair_answered(r, s->info_st) == FLOW_ANSWERED)
		return;
	if (r->has_token && !s->info.signed_in) {
		/* A stale cookie: drop it, then offer the providers. */
		session_clear_cookie(r);
		r->has_token = 0;
		be_call(r, MSG_AUTH_PROVIDERS, &qp, &s->providers, &s->providers_st);
		be_wait(r, pair_render);
		return;
	}
	if (!r->has_token && (st = s->providers_st) != ST_OK) {
		reply_backend_status(r, st);
		return;
	}
	b64_encode(ref, r->path_id, REF_LEN);
	buf_init(&b, FE_ANSWER_MAX);
	page_pair_approve(&b, r->has_token ? s->info.name : NULL, r->csrf, ref, &s->info,
	    r->has_token ? NULL : &s->providers, !pair_arrived_directly(r), req_client(r));
	reply_buf(r, 200, CT_HTML, &b);
}

/* GET /pair/{ref} (route.c has decoded the ref). */
void
h_pair_page(struct req *r)
{
	pair_lookups(r, 1);
	be_wait(r, pair_render);
}

static void
pair_denied(struct req *r)
{
	struct st_pair	*s = &r->u.pair;
	struct buf	 b;

	if (pair_answered(r, s->deny_st) == FLOW_ANSWERED)
		return;
	r->fe->m.pair_denied++;
	log_info("command-line sign-in denied by %s", s->denied.user_id);
	buf_init(&b, FE_ANSWER_MAX);
	page_pair_done(&b, s->denied.name, 0);
	reply_buf(r, 200, CT_HTML, &b);
}

/* The provider's authorize URL is reached by a page of ours, not a redirect:
 * form-action 'self' forbids a form's answer to redirect to another site. */
static void
pair_login_started(struct req *r)
{
	struct st_pair	*s = &r->u.pair;
	struct buf	 b;

	if (login_start_answered(r, s->start_st, &s->start) == FLOW_ANSWERED)
		return;
	buf_init(&b, FE_ANSWER_MAX);
	page_pair_continue(&b, s->start.authorize_url);
	reply_buf(r, 200, CT_HTML, &b);
}

/* "wdjb mjht", "WDJB-MJHT": the same code.  Letters only, upper case. */
static int
user_code_matches(const char *typed, const char *code)
{
	char	a[USER_CODE_LEN + 1], b[USER_CODE_LEN + 1];
	size_t	i, n = 0, m = 0;

	for (i = 0; typed[i] != '\0'; i++) {
		if (typed[i] == '-' || typed[i] == ' ')
			continue;
		if (n == USER_CODE_LEN)
			return 0;
		a[n++] = (char)toupper((unsigned char)typed[i]);
	}
	for (i = 0; code[i] != '\0' && m < USER_CODE_LEN; i++)
		if (code[i] != '-')
			b[m++] = code[i];
	return n == m && n > 0 && memcmp(a, b, n) == 0;
}

/* The provider of a "provider:subject" user id into dst: 1 ok, 0 not one. */
static int
user_provider(const char *user_id, char *dst, size_t n)
{
	const char *colon = strchr(user_id, ':');

	if (colon == NULL || !provider_name_valid(user_id, (size_t)(colon - user_id)) ||
	    (size_t)(colon - user_id) >= n)
		return 0;
	memcpy(dst, user_id, (size_t)(colon - user_id));
	dst[colon - user_id] = '\0';
	return 1;
}

/* PAIR_INFO is in (with who is signed in).  Then a login at the provider
 * for this pairing: only its proof, signed by authd, approves. */
static void
pair_approve_checked(struct req *r)
{
	struct st_pair			*s = &r->u.pair;
	struct msg_auth_login_start	 q;

	if (pair_answered(r, s->info_st) == FLOW_ANSWERED)
		return;
	if (r->has_token) {
		if (!s->info.signed_in) {
			reply_no_session(r);
			return;
		}
		if (!user_provider(s->info.user_id, s->provider, sizeof(s->provider))) {
			reply_error(r, 400, "Bad request", "Your account's provider is unknown.");
			return;
		}
	}
	if (s->has_code && !user_code_matches(s->code, s->info.user_code)) {
		log_info("command-line sign-in: a typed code did not match, nothing approved");
		reply_error(r, 400, "Wrong code", "That is not the code of this request. Nothing "
		    "was approved. If you did not start airlock login yourself, close this page.");
		return;
	}
	memset(&q, 0, sizeof(q));
	snprintf(q.provider, sizeof(q.provider), "%s", s->provider);
	q.purpose = PURPOSE_CLI;
	memcpy(q.ref, r->path_id, REF_LEN);
	q.ref_len = REF_LEN;
	be_call(r, MSG_AUTH_LOGIN_START, &q, &s->start, &s->start_st);
	be_wait(r, pair_login_started);
}

/* Approve: the fields of the form, then the checks above. */
static void
pair_approve(struct req *r, const char *body, size_t len)
{
	struct st_pair	*s = &r->u.pair;
	int		 have;

	have = fe_form_get(body, len, "user_code", s->code, sizeof(s->code));
	if (have == -1) {
		reply_error(r, 400, "Wrong code", "That is not the code of this request. Nothing "
		    "was approved.");
		return;
	}
	s->has_code = have == 1;
	if (!r->has_token && (fe_form_get(body, len, "provider", s->provider,
	    sizeof(s->provider)) != 1 ||
	    !provider_name_valid(s->provider, strlen(s->provider)))) {
		reply_error(r, 400, "Bad request", "Choose how to sign in to approve.");
		return;
	}
	pair_lookups(r, 0);
	be_wait(r, pair_approve_checked);
}

/*
 * POST /pair/{ref}.  route.c has checked that it comes from this site (Origin
 * / Sec-Fetch-Site) and, for a signed-in browser, its form's CSRF token; an
 * anonymous one has only the ref, which is what the page's address already
 * holds.  Neither approves by itself: approving is a login at the provider
 * for this pairing.
 */
void
h_pair_post(struct req *r)
{
	struct st_pair			*s = &r->u.pair;
	struct msg_store_pair_decide	 q;
	const char			*body;
	char				 decision[16];
	size_t				 len;

	body = hreq_body(r->h, &len);
	if (fe_form_get(body, len, "decision", decision, sizeof(decision)) != 1 ||
	    (strcmp(decision, "approve") != 0 && strcmp(decision, "deny") != 0)) {
		reply_error(r, 400, "Bad request", "Choose Approve or Deny.");
		return;
	}
	if (strcmp(decision, "approve") == 0) {
		pair_approve(r, body, len);
		return;
	}
	if (!r->has_token) {
		reply_no_session(r);
		return;
	}
	memcpy(q.token, r->token, TOKEN_LEN);
	memcpy(q.ref, r->path_id, REF_LEN);
	q.approve = 0;
	be_call(r, MSG_STORE_PAIR_DECIDE, &q, &s->denied, &s->deny_st);
	be_wait(r, pair_denied);
}

/* ------------------------------------------------------------ GET /secured */

/* Who a command-line session is: {"user":...[,"name":...]} or the user id alone. */
static void
reply_user(struct req *r, const char *user_id, const char *name)
{
	struct buf b;

	buf_init(&b, FE_ANSWER_MAX);
	if (r->json) {
		buf_add(&b, "{\"user\":");
		buf_add_json(&b, user_id);
		if (name != NULL) {
			buf_add(&b, ",\"name\":");
			buf_add_json(&b, name);
		}
		buf_add(&b, "}\n");
		reply_buf(r, 200, CT_JSON, &b);
		return;
	}
	buf_addf(&b, "%s\n", user_id);
	reply_buf(r, 200, CT_TEXT, &b);
}

static void
secured_done(struct req *r)
{
	struct st_secured *s = &r->u.secured;

	if (reply_unless_session(r, s->st) == FLOW_ANSWERED)
		return;
	reply_user(r, s->sess.user_id, s->sess.name);
}

/* GET /secured: route.c has checked the session cookie (the CLI's, or a browser's). */
void
h_secured(struct req *r)
{
	be_session_get(r, &r->u.secured.sess, &r->u.secured.st);
	be_wait(r, secured_done);
}
