/* GET /sessions and POST /sessions/{sid}/revoke: this user's sessions, CLI ones included. */
#include "fe.h"

#include <string.h>

#include "log.h"
#include "parse.h"

static void
sessions_render(struct req *r)
{
	struct sbuf sb;

	if (r->st[0] == ST_NOTFOUND || r->st[1] == ST_NOTFOUND) {
		reply_no_session(r);
		return;
	}
	if (r->st[0] != ST_OK || r->st[1] != ST_OK) {
		reply_backend_status(r, r->st[0] != ST_OK ? r->st[0] : r->st[1]);
		return;
	}
	sb_init(&sb);
	page_sessions(&sb, r, &r->u.list);
	reply_sb(r, 200, CT_HTML, &sb);
}

void
h_sessions(struct req *r)
{
	if (!r->has_token) {
		reply_no_session(r);
		return;
	}
	be_session_get(r, &r->sess, &r->st[0]);
	be_session_list(r, &r->u.list, &r->st[1]);
	req_wait(r, sessions_render);
}

/* r->flag: the revoked session is the one making this request (a sign-out). */
static void
revoke_done(struct req *r)
{
	if (r->flag) {
		session_clear_cookie(r);
		reply_redirect(r, "/login?bye=1");
		return;
	}
	reply_redirect(r, "/sessions");
}

static void
revoked(struct req *r)
{
	if (r->st[0] == ST_NOTFOUND) {
		reply_error(r, 404, "No such session", "That session does not exist or has "
		    "already ended.");
		return;
	}
	if (r->st[0] != ST_OK) {
		reply_backend_status(r, r->st[0]);
		return;
	}
	log_info("session revoked by %s%s", r->sess.user_id, r->flag ? " (own)" : "");
	if (r->u.grant.len == GRANT_LEN) {
		r->soft = 1;
		be_auth_revoke(r, r->u.grant.grant, &r->st[1]);
	}
	req_wait(r, revoke_done);
}

static void
revoke_found(struct req *r)
{
	if (reply_session_failed(r, r->st[0]))
		return;
	r->flag = memcmp(r->target, r->sess.sid, SID_LEN) == 0;
	be_session_revoke(r, r->target, &r->u.grant, &r->st[0]);
	req_wait(r, revoked);
}

void
h_session_revoke(struct req *r)
{
	const char	*body;
	size_t		 len;

	if (b64url_id(r->target, SID_LEN, r->param, r->param_len) == -1) {
		reply_error(r, 404, "No such session", "That session does not exist.");
		return;
	}
	if (session_form_ok(r, &body, &len) == -1)
		return;
	be_session_get(r, &r->sess, &r->st[0]);
	req_wait(r, revoke_found);
}
