/* GET / (the counter page) and POST /increment; route.c has checked the
 * session cookie and, for the POST, the form. */
#include "fe.h"

#include <string.h>

#include "parse.h"

/* ------------------------------------------------------------------ GET / */

static void
home_render(struct req *r)
{
	struct st_account	*s = &r->u.account;
	struct buf		 b;

	if (reply_unless_session(r, s->st) == FLOW_ANSWERED)
		return;
	buf_init(&b, FE_ANSWER_MAX);
	page_counter(&b, &s->page, r->csrf);
	reply_buf(r, 200, CT_HTML, &b);
}

/* One store request: the session, the count and the paired CLI sessions. */
void
h_home(struct req *r)
{
	struct st_account *s = &r->u.account;

	be_page(r, PAGE_HOME, &s->page, &s->st);
	be_wait(r, home_render);
}

/* -------------------------------------------------------- POST /increment */

static void
increment_done(struct req *r)
{
	struct st_increment	*s = &r->u.increment;
	struct buf		 b;

	if (reply_unless_session(r, s->st) == FLOW_ANSWERED)
		return;
	r->fe->m.increments++;
	if (s->back && !r->json) {	/* the page's form without JavaScript */
		reply_redirect(r, "/");
		return;
	}
	buf_init(&b, FE_ANSWER_MAX);
	if (r->json) {
		buf_addf(&b, "{\"count\":%llu}\n", (unsigned long long)s->inc.counter);
		reply_buf(r, 200, CT_JSON, &b);
	} else {
		/* The fragment a script swaps into #count (the seed's hx-target). */
		buf_addf(&b, "%llu", (unsigned long long)s->inc.counter);
		reply_buf(r, 200, CT_HTML, &b);
	}
}

void
h_increment(struct req *r)
{
	struct st_increment		*s = &r->u.increment;
	struct msg_store_increment	 q;
	const char			*body;
	char				 back[4];
	size_t				 len;

	body = hreq_body(r->h, &len);
	s->back = fe_form_get(body, len, "back", back, sizeof(back)) == 1;
	memcpy(q.token, r->token, TOKEN_LEN);
	be_call(r, MSG_STORE_INCREMENT, &q, &s->inc, &s->st);
	be_wait(r, increment_done);
}
