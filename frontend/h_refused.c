/*
 * The page for an account [access] refuses (authd decided: LOGIN_FINISH
 * answered allowed 0).  It names the account the provider signed in, so
 * that someone signed in at the provider with the wrong account sees which
 * one, and offers the sign-in page to choose another.  Nothing on it comes
 * from the request; every value from authd is escaped.
 */
#include "fe.h"

void
page_refused(struct buf *b, const struct msg_auth_login_finish_r *a, int pairing)
{
	struct pg pg = { "Not allowed", NULL, 0 };

	page_begin(b, &pg);
	buf_add(b, "<section class=\"card\" role=\"alert\"><h1>Not allowed</h1><p>The account <strong>");
	buf_add_html(b, a->name[0] != '\0' ? a->name : a->user_id);
	buf_add(b, "</strong> (");
	buf_add_html(b, a->user_id);
	buf_add(b, ") is not allowed to sign in here.</p>");
	if (pairing)
		buf_add(b, "<p>The command-line sign-in was refused, and the command line was told. "
		    "Nothing was signed in.</p>");
	buf_add(b, "<p>If you have another account, sign out of this one at the provider and "
	    "sign in again.</p><div class=\"actions\"><a class=\"button\" href=\"/login\">"
	    "Sign in with another account</a></div></section>");
	page_end(b, &pg);
}
