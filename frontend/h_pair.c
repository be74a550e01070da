/*
 * CLI pairing over HTTP (SPEC property 5): GET /cli_login, GET /token,
 * GET and POST /pair/{ref}, GET /secured.
 *
 * The paircode is the CLI's secret: it only travels in the CLI's own requests
 * (/cli_login, /token) and is never logged.  The browser gets a different,
 * single-use reference in /pair/{ref}.  That page shows the CLI's user code
 * and Approve/Deny only to a signed-in user; approving is a POST with that
 * user's session and CSRF token, and the CLI session it creates belongs to
 * the approving user.  A ref alone confers nothing: a second browser that
 * opens someone else's link must sign in as itself first, and then can only
 * attach the waiting CLI to its own account (or deny it).
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "b64.h"
#include "log.h"
#include "parse.h"

/* The paircode from the query: 1 ok, 0 answered (400). */
static int
get_paircode(struct req *r, char *pc, size_t n)
{
	const char *q = hreq_query(r->h);

	if (form_get(q, strlen(q), "paircode", pc, n) == 1 && paircode_ok(pc))
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

	if (!get_paircode(r, pc, sizeof(pc)))
		return;
	printable_copy(ua, sizeof(ua), hreq_header(r->h, "User-Agent", NULL));
	snprintf(label, sizeof(label), "%s", ua[0] != '\0' ? ua : "command line");
	be_pair_create(r, pc, label, &r->u.pc, &r->st[0]);
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
	session_set_cookie(r, r->u.taken.token);
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

void
h_token(struct req *r)
{
	char pc[PAIRCODE_MAX + 1];

	if (!get_paircode(r, pc, sizeof(pc)))
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

static void
pair_signin_render(struct req *r)
{
	struct sbuf	sb;
	char		ref[64];

	if (r->st[1] != ST_OK) {
		reply_backend_status(r, r->st[1]);
		return;
	}
	b64_encode(ref, r->u.pair.ref, REF_LEN);
	sb_init(&sb);
	page_pair_signin(&sb, &r->u.pair.providers, ref);
	reply_sb(r, 200, CT_HTML, &sb);
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
	if (!r->has_token) {
		pair_signin_render(r);
		return;
	}
	if (r->st[1] == ST_NOTFOUND) {
		/* A stale cookie: drop it, then show the sign-in choices. */
		session_clear_cookie(r);
		r->has_token = 0;
		be_auth_providers(r, &r->u.pair.providers, &r->st[1]);
		req_wait(r, pair_signin_render);
		return;
	}
	if (r->st[1] != ST_OK) {
		reply_backend_status(r, r->st[1]);
		return;
	}
	b64_encode(ref, r->u.pair.ref, REF_LEN);
	sb_init(&sb);
	page_pair_approve(&sb, r, ref, &r->u.pair.info);
	reply_sb(r, 200, CT_HTML, &sb);
}

static int
pair_ref(struct req *r)
{
	if (b64url_id(r->u.pair.ref, REF_LEN, r->param, r->param_len) == 0)
		return 1;
	pair_unknown(r);
	return 0;
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

/* st[0]: SESSION_GET, st[1]: PAIR_DECIDE */
static void
pair_decided(struct req *r)
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
	if (r->u.pair.approve)
		r->fe->m.pair_approved++;
	else
		r->fe->m.pair_denied++;
	log_info("command-line sign-in %s by %s", r->u.pair.approve ? "approved" : "denied",
	    r->sess.user_id);
	sb_init(&sb);
	page_pair_done(&sb, r, r->u.pair.approve);
	reply_sb(r, 200, CT_HTML, &sb);
}

void
h_pair_decide(struct req *r)
{
	const char	*body;
	char		 decision[16];
	size_t		 len;

	if (!pair_ref(r))
		return;
	if (session_form_ok(r, &body, &len) == -1)
		return;
	if (form_get(body, len, "decision", decision, sizeof(decision)) != 1 ||
	    (strcmp(decision, "approve") != 0 && strcmp(decision, "deny") != 0)) {
		reply_error(r, 400, "Bad request", "Choose Approve or Deny.");
		return;
	}
	r->u.pair.approve = strcmp(decision, "approve") == 0;
	be_session_get(r, &r->sess, &r->st[0]);
	be_pair_decide(r, r->u.pair.ref, r->u.pair.approve, &r->st[1]);
	req_wait(r, pair_decided);
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
