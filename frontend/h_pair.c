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
 * The frontend alone can deny, never approve.  The CLI session /token hands
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

/*
 * The paircode into dst: from the query of a GET (the seed's form), or from
 * the form body of a POST (the airlock command's: URLs end up in logs).  A
 * POST needs no CSRF token, the paircode is its own secret, but one that a
 * browser marks as sent from another site is refused.  1 ok, 0 answered.
 */
static int
pair_paircode(struct req *r, char *dst, size_t n)
{
	const char	*src;
	size_t		 len;

	if (hreq_method(r->h) == HM_POST) {
		if (!session_same_origin(r)) {
			log_info("%s: POST from another site refused",
			    route_name(route_index(r->route)));
			reply_error(r, 403, "Request refused", "sent from another site");
			return 0;
		}
		src = hreq_body(r->h, &len);
	} else {
		src = hreq_query(r->h);
		len = strlen(src);
	}
	if (form_get(src, len, "paircode", dst, n) == 1 && paircode_ok(dst))
		return 1;
	if (r->json)
		reply_json_error(r, 400, "invalid_request",
		    "paircode must be 22 to 128 URL-safe characters");
	else
		reply_text(r, 400, "invalid_request: paircode must be 22 to 128 URL-safe "
		    "characters ([A-Za-z0-9_-])\n");
	return 0;
}

/* ---------------------------------------------------------- GET /cli_login */

static void
cli_login_done(struct req *r)
{
	struct a_pair_created	*p = &r->u.pc;
	struct sbuf		 sb;
	char			 ref[64], url[FE_ORIGIN_MAX + 80];

	switch (r->st[0]) {
	case ST_OK:
		break;
	case ST_INVALID:
		reply_error(r, 400, "invalid_request", "this paircode cannot be used (already "
		    "registered?): make a new one");
		return;
	case ST_BUSY:
		reply_error(r, 503, "temporarily_unavailable", "too many logins are waiting for "
		    "approval; try again in a few minutes");
		return;
	default:
		reply_backend_status(r, r->st[0]);
		return;
	}
	r->fe->m.pair_created++;
	b64_encode(ref, p->ref, REF_LEN);
	snprintf(url, sizeof(url), "%s/pair/%s", r->fe->conf.public_url, ref);
	sb_init(&sb);
	if (r->json) {
		sb_add(&sb, "{\"login_url\":");
		sb_json(&sb, url);
		sb_add(&sb, ",\"user_code\":");
		sb_json(&sb, p->user_code);
		sb_addf(&sb, ",\"expires_in\":%u,\"interval\":%u}\n", p->expires_in, p->interval);
		reply_sb(r, 200, CT_JSON, &sb);
		return;
	}
	/* Seed-compatible: the body is the URL to open, nothing else. */
	sb_add(&sb, url);
	reply_sb(r, 200, CT_TEXT, &sb);
}

void
h_cli_login(struct req *r)
{
	char	pc[PAIRCODE_MAX + 1], ua[MAX_LABEL + 1], label[MAX_LABEL + 1];

	if (!pair_paircode(r, pc, sizeof(pc)))
		return;
	printable_copy(ua, sizeof(ua), hreq_header(r->h, "User-Agent", NULL));
	snprintf(label, sizeof(label), "%s", ua[0] != '\0' ? ua : "command line");
	be_pair_create(r, pc, label, req_client(r), &r->u.pc, &r->st[0]);
	sodium_memzero(pc, sizeof(pc));
	req_wait(r, cli_login_done);
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
	struct sbuf sb;

	switch (r->st[0]) {
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
		reply_backend_status(r, r->st[0]);
		return;
	}
	r->fe->m.pair_taken++;
	session_set_cli_cookie(r, r->u.taken.token);
	log_info("command-line session issued to %s", r->u.taken.user_id);
	sb_init(&sb);
	if (r->json) {
		sb_add(&sb, "{\"user\":");
		sb_json(&sb, r->u.taken.user_id);
		sb_add(&sb, "}\n");
		reply_sb(r, 200, CT_JSON, &sb);
		return;
	}
	sb_addf(&sb, "%s\n", r->u.taken.user_id);
	reply_sb(r, 200, CT_TEXT, &sb);
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
	char pc[PAIRCODE_MAX + 1];

	if (token_from_browser(r)) {
		log_info("/token: a browser navigation or another site's request refused");
		reply_text(r, 403, "forbidden: /token is for command-line clients; a browser "
		    "never receives a session here\n");
		return;
	}
	if (!pair_paircode(r, pc, sizeof(pc)))
		return;
	be_pair_take(r, pc, &r->u.taken, &r->st[0]);
	sodium_memzero(pc, sizeof(pc));
	req_wait(r, token_done);
}

/* ------------------------------------------------------------ /pair/{ref} */

static void
pair_unknown(struct req *r)
{
	reply_error(r, 404, "Sign-in request not found", "This command-line sign-in request is "
	    "unknown, has expired, or was already approved or denied. Start a new one with "
	    "airlock login.");
}

static int
pair_ref(struct req *r)
{
	if (b64url_id(r->u.pair.ref, REF_LEN, r->param, r->param_len) == 0)
		return 1;
	pair_unknown(r);
	return 0;
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

/* st[0]: PAIR_INFO, st[1]: SESSION_GET (signed in) or AUTH_PROVIDERS (not). */
static void
pair_render(struct req *r)
{
	struct sbuf	sb;
	char		ref[64];

	if (r->st[0] == ST_NOTFOUND) {
		pair_unknown(r);
		return;
	}
	if (r->st[0] != ST_OK) {
		reply_backend_status(r, r->st[0]);
		return;
	}
	if (r->has_token && r->st[1] == ST_NOTFOUND) {
		/* A stale cookie: drop it, then offer the providers. */
		session_clear_cookie(r);
		r->has_token = 0;
		be_auth_providers(r, &r->u.pair.providers, &r->st[1]);
		req_wait(r, pair_render);
		return;
	}
	if (r->st[1] != ST_OK) {
		reply_backend_status(r, r->st[1]);
		return;
	}
	b64_encode(ref, r->u.pair.ref, REF_LEN);
	sb_init(&sb);
	page_pair_approve(&sb, r, ref, &r->u.pair.info, r->has_token ? NULL : &r->u.pair.providers,
	    !pair_arrived_directly(r), req_client(r));
	reply_sb(r, 200, CT_HTML, &sb);
}

void
h_pair_page(struct req *r)
{
	if (!pair_ref(r))
		return;
	be_pair_info(r, r->u.pair.ref, &r->u.pair.info, &r->st[0]);
	if (r->has_token)
		be_session_get(r, &r->sess, &r->st[1]);
	else
		be_auth_providers(r, &r->u.pair.providers, &r->st[1]);
	req_wait(r, pair_render);
}

/* st[0]: SESSION_GET, st[1]: PAIR_DECIDE (deny) */
static void
pair_denied(struct req *r)
{
	struct sbuf sb;

	if (reply_session_failed(r, r->st[0]))
		return;
	if (r->st[1] == ST_NOTFOUND) {
		pair_unknown(r);
		return;
	}
	if (r->st[1] != ST_OK) {
		reply_backend_status(r, r->st[1]);
		return;
	}
	r->fe->m.pair_denied++;
	log_info("command-line sign-in denied by %s", r->sess.user_id);
	sb_init(&sb);
	page_pair_done(&sb, r->sess.name, 0);
	reply_sb(r, 200, CT_HTML, &sb);
}

/* The provider's authorize URL is reached by a page of ours, not a redirect:
 * form-action 'self' forbids a form's answer to redirect to another site. */
static void
pair_login_started(struct req *r)
{
	struct sbuf sb;

	if (!login_start_ok(r))
		return;
	sb_init(&sb);
	page_pair_continue(&sb, r->u.start.url);
	reply_sb(r, 200, CT_HTML, &sb);
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

	if (colon == NULL || !provider_name_ok(user_id, (size_t)(colon - user_id)) ||
	    (size_t)(colon - user_id) >= n)
		return 0;
	memcpy(dst, user_id, (size_t)(colon - user_id));
	dst[colon - user_id] = '\0';
	return 1;
}

/* st[0]: PAIR_INFO, st[1]: SESSION_GET when signed in.  Then a login at the
 * provider for this pairing: only its proof, signed by authd, approves. */
static void
pair_approve_checked(struct req *r)
{
	if (r->st[0] == ST_NOTFOUND) {
		pair_unknown(r);
		return;
	}
	if (r->st[0] != ST_OK) {
		reply_backend_status(r, r->st[0]);
		return;
	}
	if (r->has_token) {
		if (reply_session_failed(r, r->st[1]))
			return;
		if (!user_provider(r->sess.user_id, r->u.pair.provider,
		    sizeof(r->u.pair.provider))) {
			reply_error(r, 400, "Bad request", "Your account's provider is unknown.");
			return;
		}
	}
	if (r->u.pair.has_code && !user_code_matches(r->u.pair.code, r->u.pair.info.user_code)) {
		log_info("command-line sign-in: a typed code did not match, nothing approved");
		reply_error(r, 400, "Wrong code", "That is not the code of this request. Nothing "
		    "was approved. If you did not start airlock login yourself, close this page.");
		return;
	}
	/* the message is built at once: provider and ref may share memory with u.start */
	be_login_start(r, r->u.pair.provider, PURPOSE_CLI, r->u.pair.ref, &r->u.start, &r->st[0]);
	req_wait(r, pair_login_started);
}

/* Approve: the fields of the form, then the checks above. */
static void
pair_approve(struct req *r, const char *body, size_t len)
{
	int have;

	have = form_get(body, len, "user_code", r->u.pair.code, sizeof(r->u.pair.code));
	if (have == -1) {
		reply_error(r, 400, "Wrong code", "That is not the code of this request. Nothing "
		    "was approved.");
		return;
	}
	r->u.pair.has_code = have == 1;
	if (!r->has_token && (form_get(body, len, "provider", r->u.pair.provider,
	    sizeof(r->u.pair.provider)) != 1 ||
	    !provider_name_ok(r->u.pair.provider, strlen(r->u.pair.provider)))) {
		reply_error(r, 400, "Bad request", "Choose how to sign in to approve.");
		return;
	}
	be_pair_info(r, r->u.pair.ref, &r->u.pair.info, &r->st[0]);
	if (r->has_token)
		be_session_get(r, &r->sess, &r->st[1]);
	req_wait(r, pair_approve_checked);
}

/*
 * POST /pair/{ref}.  From this site only (Origin / Sec-Fetch-Site); a
 * signed-in browser's form carries its CSRF token, an anonymous one has only
 * the ref, which is what the page's address already holds.  Neither approves
 * by itself: approving is a login at the provider for this pairing.
 */
void
h_pair_decide(struct req *r)
{
	const char	*body;
	char		 decision[16];
	size_t		 len;

	if (!pair_ref(r))
		return;
	body = hreq_body(r->h, &len);
	if ((r->has_token && session_csrf_ok(r, body, len) == -1) ||
	    (!r->has_token && !session_same_origin(r))) {
		reply_error(r, 403, "Request refused", "This form has expired or was sent from "
		    "another site. Reload the page and try again.");
		return;
	}
	if (form_get(body, len, "decision", decision, sizeof(decision)) != 1 ||
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
	be_session_get(r, &r->sess, &r->st[0]);
	be_pair_deny(r, r->u.pair.ref, &r->st[1]);
	req_wait(r, pair_denied);
}

/* st[0]: PAIR_APPROVE */
static void
pair_login_approved(struct req *r)
{
	struct sbuf sb;

	session_clear_login_cookie(r);
	switch (r->st[0]) {
	case ST_OK:
		break;
	case ST_NOTFOUND:
		pair_unknown(r);
		return;
	case ST_DENIED:
		reply_error(r, 400, "Sign-in link no longer valid", "This approval was already "
		    "used. Nothing more was approved.");
		return;
	case ST_FULL:
	case ST_BUSY:
	case ST_INTERNAL:
		reply_backend_status(r, r->st[0]);
		return;
	default:
		/* authd vouched for this login a moment ago: the store disagreeing is ours. */
		log_warnx("store refused a fresh approval proof: %s", msg_status_name(r->st[0]));
		r->fe->m.login_errors++;
		reply_error(r, 500, "Approval failed", "The approval could not be completed. "
		    "Please start again.");
		return;
	}
	r->fe->m.pair_approved++;
	log_info("command-line sign-in approved by %s", r->u.login.fin.user_id);
	sb_init(&sb);
	page_pair_done(&sb, r->u.login.fin.name, 1);
	reply_sb(r, 200, CT_HTML, &sb);
}

void
pair_login_finished(struct req *r)
{
	be_pair_approve(r, &r->u.login.fin, &r->st[0]);
	req_wait(r, pair_login_approved);
}

/* ------------------------------------------------------------ GET /secured */

static void
secured_done(struct req *r)
{
	struct sbuf sb;

	if (reply_session_failed(r, r->st[0]))
		return;
	sb_init(&sb);
	if (r->json) {
		sb_add(&sb, "{\"user\":");
		sb_json(&sb, r->sess.user_id);
		sb_add(&sb, ",\"name\":");
		sb_json(&sb, r->sess.name);
		sb_add(&sb, "}\n");
		reply_sb(r, 200, CT_JSON, &sb);
		return;
	}
	sb_addf(&sb, "%s\n", r->sess.user_id);
	reply_sb(r, 200, CT_TEXT, &sb);
}

void
h_secured(struct req *r)
{
	if (!r->has_token) {
		reply_no_session(r);
		return;
	}
	be_session_get(r, &r->sess, &r->st[0]);
	req_wait(r, secured_done);
}
