/* GET / (the counter page) and POST /increment. */
#include "fe.h"

#include "parse.h"

/* ------------------------------------------------------------------ GET / */

static void
home_render(struct req *r)
{
	struct sbuf sb;

	if (reply_session_failed(r, r->st[0]))
		return;
	sb_init(&sb);
	page_counter(&sb, r, r->st[1] == ST_OK ? &r->u.list : NULL);
	reply_sb(r, 200, CT_HTML, &sb);
}

void
h_home(struct req *r)
{
	if (!r->has_token) {
		reply_no_session(r);
		return;
	}
	be_session_get(r, &r->sess, &r->st[0]);
	be_session_list(r, &r->u.list, &r->st[1]);
	req_wait(r, home_render);
}

/* -------------------------------------------------------- POST /increment */

static void
increment_done(struct req *r)
{
	struct sbuf sb;

	if (reply_session_failed(r, r->st[0]))
		return;
	r->fe->m.increments++;
	if (r->flag && !r->json) {	/* the page's form without JavaScript */
		reply_redirect(r, "/");
		return;
	}
	sb_init(&sb);
	if (r->json) {
		sb_addf(&sb, "{\"count\":%llu}\n", (unsigned long long)r->u.counter);
		reply_sb(r, 200, CT_JSON, &sb);
	} else {
		/* The fragment a script swaps into #count (the seed's hx-target). */
		sb_addf(&sb, "%llu", (unsigned long long)r->u.counter);
		reply_sb(r, 200, CT_HTML, &sb);
	}
}

void
h_increment(struct req *r)
{
	const char	*body;
	char		 back[4];
	size_t		 len;

	if (session_form_ok(r, &body, &len) == -1)
		return;
	r->flag = form_get(body, len, "back", back, sizeof(back)) == 1;
	be_increment(r, &r->u.counter, &r->st[0]);
	req_wait(r, increment_done);
}
