/* GET /sessions and POST /sessions/{sid}/revoke: this user's sessions, CLI
 * ones included; route.c has checked the session cookie, the sid and the form. */
#include "fe.h"

#include <string.h>

#include "log.h"

static void
sessions_render(struct req *r)
{
	struct st_account	*s = &r->u.account;
	struct buf		 b;

	if (reply_unless_session(r, s->st) == FLOW_ANSWERED)
		return;
	buf_init(&b, FE_ANSWER_MAX);
	page_sessions(&b, r->csrf, &s->page);
	reply_buf(r, 200, CT_HTML, &b);
}

/* One store request: the session and the user's sessions. */
void
h_sessions(struct req *r)
{
	struct st_account *s = &r->u.account;

	be_page(r, PAGE_ALL, &s->page, &s->st);
	be_wait(r, sessions_render);
}

static void
revoke_done(struct req *r)
{
	if (r->u.sign_out.revoked.own) {	/* the revoked session made this request: a sign-out */
		session_clear_cookie(r);
		reply_redirect(r, "/login?bye=1");
		return;
	}
	reply_redirect(r, "/sessions");
}

static void
revoked(struct req *r)
{
	struct st_sign_out		*s = &r->u.sign_out;

	if (s->revoke_st == ST_DENIED) {	/* not a live session of this user */
		reply_error(r, 404, "No such session", "That session does not exist or has "
		    "already ended.");
		return;
	}
	if (reply_unless_session(r, s->revoke_st) == FLOW_ANSWERED)
		return;
	log_info("session revoked by %s%s", s->revoked.user_id, s->revoked.own ? " (own)" : "");
	be_revoke_grant(r, s->revoked.grant, s->revoked.grant_len, s->revoked.user_id, &s->auth_st);
	be_wait(r, revoke_done);
}

/* One store request (the store knows whether the sid is the asking session's),
 * then authd's revocation of the provider grant, if the session had one. */
void
h_session_revoke(struct req *r)
{
	struct st_sign_out		*s = &r->u.sign_out;
	struct msg_store_session_revoke	 q;

	memcpy(q.token, r->token, TOKEN_LEN);
	memcpy(q.sid, r->path_id, SID_LEN);
	q.sid_len = SID_LEN;
	be_call(r, MSG_STORE_SESSION_REVOKE, &q, &s->revoked, &s->revoke_st);
	be_wait(r, revoked);
}
