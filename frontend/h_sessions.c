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

	if (s->sess_st == ST_NOTFOUND || s->list_st == ST_NOTFOUND) {
		reply_no_session(r);
		return;
	}
	if (s->sess_st != ST_OK || s->list_st != ST_OK) {
		reply_backend_status(r, s->sess_st != ST_OK ? s->sess_st : s->list_st);
		return;
	}
	buf_init(&b, FE_ANSWER_MAX);
	page_sessions(&b, s->sess.name, r->csrf, &s->list);
	reply_buf(r, 200, CT_HTML, &b);
}

void
h_sessions(struct req *r)
{
	struct st_account *s = &r->u.account;

	be_session_get(r, &s->sess, &s->sess_st);
	be_session_list(r, &s->list, &s->list_st);
	be_wait(r, sessions_render);
}

static void
revoke_done(struct req *r)
{
	if (r->u.sign_out.own) {	/* the revoked session made this request: a sign-out */
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
	struct msg_auth_revoke		 q;

	if (reply_unless_found(r, s->revoke_st, "No such session", "That session does not "
	    "exist or has already ended.") == FLOW_ANSWERED)
		return;
	log_info("session revoked by %s%s", s->sess.user_id, s->own ? " (own)" : "");
	if (s->revoked.grant_len == GRANT_LEN) {
		r->soft = 1;
		memcpy(q.grant, s->revoked.grant, GRANT_LEN);
		be_call(r, MSG_AUTH_REVOKE, &q, NULL, &s->auth_st);
	}
	be_wait(r, revoke_done);
}

static void
revoke_found(struct req *r)
{
	struct st_sign_out		*s = &r->u.sign_out;
	struct msg_store_session_revoke	 q;

	if (reply_unless_session(r, s->sess_st) == FLOW_ANSWERED)
		return;
	s->own = memcmp(r->path_id, s->sess.sid, SID_LEN) == 0;
	memcpy(q.token, r->token, TOKEN_LEN);
	memcpy(q.sid, r->path_id, SID_LEN);
	be_call(r, MSG_STORE_SESSION_REVOKE, &q, &s->revoked, &s->revoke_st);
	be_wait(r, revoked);
}

void
h_session_revoke(struct req *r)
{
	be_session_get(r, &r->u.sign_out.sess, &r->u.sign_out.sess_st);
	be_wait(r, revoke_found);
}
