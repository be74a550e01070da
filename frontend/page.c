/*
 * The HTML pages: small, server-rendered, one inline CSS block and one inline
 * script (both allowed by hash, see assets.c).  Everything that did not come
 * from this file goes through sb_html.
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "b64.h"

void
fmt_time(char *dst, size_t n, uint64_t t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(dst, n, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(dst, n, "-");
}

void
page_begin(struct sbuf *sb, const struct pg *pg)
{
	sb_add(sb, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>");
	sb_html(sb, pg->title);
	sb_add(sb, " · airlock</title><style>");
	sb_add(sb, fe_css);
	sb_add(sb, "</style></head>\n<body><header><a class=\"brand\" href=\"/\">airlock</a>");
	if (pg->user_name != NULL) {
		sb_add(sb, "<nav aria-label=\"Account\"><span>");
		sb_html(sb, pg->user_name);
		sb_add(sb, "</span><a href=\"/sessions\">Sessions</a><a href=\"/logout\">Sign out</a></nav>");
	}
	sb_add(sb, "</header>\n<main>");
}

void
page_end(struct sbuf *sb, const struct pg *pg)
{
	sb_add(sb, "</main>");
	if (pg->script) {
		sb_add(sb, "<script>");
		sb_add(sb, fe_js);
		sb_add(sb, "</script>");
	}
	sb_add(sb, "</body></html>\n");
}

static void
csrf_field(struct sbuf *sb, const struct req *r)
{
	sb_add(sb, "<input type=\"hidden\" name=\"csrf\" value=\"");
	sb_html(sb, r->csrf);
	sb_add(sb, "\">");
}

void
page_error(struct sbuf *sb, const char *title, const char *detail, int signed_in)
{
	struct pg pg = { title, NULL, 0 };

	page_begin(sb, &pg);
	sb_add(sb, "<section class=\"card\" role=\"alert\"><h1>");
	sb_html(sb, title);
	sb_add(sb, "</h1><p>");
	sb_html(sb, detail);
	sb_add(sb, "</p><div class=\"actions\"><a class=\"button secondary\" href=\"/\">Home</a>");
	if (!signed_in)
		sb_add(sb, "<a class=\"button secondary\" href=\"/login\">Sign in</a>");
	sb_add(sb, "</div></section>");
	page_end(sb, &pg);
}

static size_t
count_cli(const struct a_list *l)
{
	size_t i, n = 0;

	for (i = 0; l != NULL && i < l->n; i++)
		n += l->s[i].kind == KIND_CLI;
	return n;
}

void
page_counter(struct sbuf *sb, const struct req *r, const struct a_list *l)
{
	struct pg	pg = { "Count demo", r->sess.name, 1 };
	char		when[64];
	size_t		i;

	page_begin(sb, &pg);
	sb_add(sb, "<section class=\"card\"><h1>Count demo</h1>"
	    "<p class=\"count\">Count: <span id=\"count\" aria-live=\"polite\">");
	sb_addf(sb, "%llu", (unsigned long long)r->sess.counter);
	sb_add(sb, "</span></p><form id=\"inc\" method=\"post\" action=\"/increment\">");
	csrf_field(sb, r);
	sb_add(sb, "<input type=\"hidden\" name=\"back\" value=\"1\">"
	    "<button type=\"submit\">Increment</button></form>"
	    "<p class=\"muted\">Signed in as <strong>");
	sb_html(sb, r->sess.name);
	sb_add(sb, "</strong> (");
	sb_html(sb, r->sess.user_id);
	sb_add(sb, ")</p></section>\n<section class=\"card\"><h2>Paired command-line sessions</h2>");
	if (count_cli(l) == 0)
		sb_add(sb, "<p class=\"muted\">None. Run <code>airlock login</code> to pair one.</p>");
	else {
		sb_add(sb, "<ul>");
		for (i = 0; i < l->n; i++) {
			if (l->s[i].kind != KIND_CLI)
				continue;
			fmt_time(when, sizeof(when), l->s[i].last_seen);
			sb_add(sb, "<li>");
			sb_html(sb, l->s[i].label[0] ? l->s[i].label : "command line");
			sb_add(sb, " <span class=\"muted\">last used ");
			sb_html(sb, when);
			sb_add(sb, "</span></li>");
		}
		sb_add(sb, "</ul>");
	}
	sb_add(sb, "<p><a href=\"/sessions\">Manage sessions</a></p></section>"
	    "<p><a href=\"/logout\">Sign out</a></p>");
	page_end(sb, &pg);
}

static void
provider_buttons(struct sbuf *sb, const struct a_providers *p)
{
	uint32_t i;

	if (p->n == 0) {
		sb_add(sb, "<p class=\"muted\">No sign-in provider is configured.</p>");
		return;
	}
	sb_add(sb, "<div class=\"stack\">");
	for (i = 0; i < p->n; i++) {
		if (!p->p[i].ready) {
			sb_add(sb, "<span class=\"button secondary disabled\" aria-disabled=\"true\">");
			sb_html(sb, p->p[i].display);
			sb_add(sb, " (unavailable right now)</span>");
			continue;
		}
		sb_add(sb, "<a class=\"button\" href=\"/login/");
		sb_html(sb, p->p[i].name);
		sb_add(sb, "\">Sign in with ");
		sb_html(sb, p->p[i].display[0] ? p->p[i].display : p->p[i].name);
		sb_add(sb, "</a>");
	}
	sb_add(sb, "</div>");
}

void
page_login(struct sbuf *sb, const struct a_providers *p, const char *notice)
{
	struct pg pg = { "Sign in", NULL, 0 };

	page_begin(sb, &pg);
	sb_add(sb, "<section class=\"card\"><h1>Sign in</h1>");
	if (notice != NULL) {
		sb_add(sb, "<p class=\"notice\" role=\"status\">");
		sb_html(sb, notice);
		sb_add(sb, "</p>");
	}
	sb_add(sb, "<p>Choose how to sign in. Your count is kept per account.</p>");
	provider_buttons(sb, p);
	sb_add(sb, "</section>");
	page_end(sb, &pg);
}

void
page_logout_confirm(struct sbuf *sb, const struct req *r)
{
	struct pg pg = { "Sign out", r->sess.name, 0 };

	page_begin(sb, &pg);
	sb_add(sb, "<section class=\"card\"><h1>Sign out?</h1><p>This ends your session in this "
	    "browser and asks the provider to forget this sign-in where it can.</p>"
	    "<form method=\"post\" action=\"/logout\" class=\"actions\">");
	csrf_field(sb, r);
	sb_add(sb, "<button type=\"submit\">Sign out</button>"
	    "<a class=\"button secondary\" href=\"/\">Cancel</a></form></section>");
	page_end(sb, &pg);
}

/* What the request claims, where and when it came from, and a plain warning
 * when that is not where this browser is (RFC 8628 section 5.4). */
static void
pair_facts(struct sbuf *sb, const struct a_pair_info *info, const char *browser_addr)
{
	char when[64];

	sb_add(sb, "<p>This request says it comes from: <strong>");
	sb_html(sb, info->label[0] != '\0' ? info->label : "(nothing)");
	sb_add(sb, "</strong> <span class=\"muted\">(claimed by the requesting program, not "
	    "checked)</span></p><p>Requested from address <strong>");
	sb_html(sb, info->client[0] != '\0' ? info->client : "unknown");
	fmt_time(when, sizeof(when), info->created);
	sb_add(sb, "</strong> at ");
	sb_html(sb, when);
	sb_add(sb, ".</p>");
	if (info->client[0] != '\0' && strcmp(info->client, browser_addr) != 0) {
		sb_add(sb, "<p class=\"notice\" role=\"alert\"><strong>Warning:</strong> this request "
		    "came from another address (");
		sb_html(sb, info->client);
		sb_add(sb, ") than this browser (");
		sb_html(sb, browser_addr);
		sb_add(sb, "). Approve only if you started it yourself on that other computer, for "
		    "example over SSH. If someone sent you this link, do not approve: it would give "
		    "them your account.</p>");
	}
}

/* The code to check, or (arrived from another site) a field to type it into. */
static void
pair_code(struct sbuf *sb, const struct a_pair_info *info, int need_code)
{
	if (need_code) {
		sb_add(sb, "<p>This page was opened from another site or program. To approve, type "
		    "the code that <code>airlock login</code> shows in your terminal. If you did not "
		    "start it yourself, close this page.</p><p><label for=\"user_code\">Code from "
		    "your terminal</label> <input id=\"user_code\" name=\"user_code\" required "
		    "autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" "
		    "maxlength=\"12\" placeholder=\"XXXX-XXXX\"></p>");
		return;
	}
	sb_add(sb, "<p>Approve only if you started it yourself and this code is the one shown in "
	    "your terminal:</p><p class=\"code\" aria-label=\"user code\">");
	sb_html(sb, info->user_code);
	sb_add(sb, "</p>");
}

void
page_pair_approve(struct sbuf *sb, const struct req *r, const char *ref_b64,
    const struct a_pair_info *info, const struct a_providers *p, int need_code,
    const char *browser_addr)
{
	struct pg	pg = { "Approve command-line sign-in", p == NULL ? r->sess.name : NULL, 0 };
	uint32_t	i, min = (info->expires_in + 59) / 60;

	page_begin(sb, &pg);
	sb_add(sb, "<section class=\"card\"><h1>Approve command-line sign-in?</h1>"
	    "<p>A command-line tool asks to be signed in as ");
	if (p == NULL) {
		sb_add(sb, "<strong>");
		sb_html(sb, r->sess.name);
		sb_add(sb, "</strong>.</p>");
	} else
		sb_add(sb, "the account you approve with.</p>");
	pair_facts(sb, info, browser_addr);
	sb_add(sb, "<form method=\"post\" action=\"/pair/");
	sb_html(sb, ref_b64);
	sb_add(sb, "\">");
	pair_code(sb, info, need_code);
	if (p == NULL) {
		csrf_field(sb, r);
		sb_add(sb, "<div class=\"actions\"><button type=\"submit\" name=\"decision\" "
		    "value=\"approve\">Approve</button><button type=\"submit\" name=\"decision\" "
		    "value=\"deny\" class=\"danger\" formnovalidate>Deny</button></div>");
	} else {
		sb_add(sb, "<input type=\"hidden\" name=\"decision\" value=\"approve\"><p>Approving "
		    "asks you to sign in; the tool gets that account.</p><div class=\"stack\">");
		for (i = 0; i < p->n; i++) {
			if (!p->p[i].ready)
				continue;
			sb_add(sb, "<button type=\"submit\" name=\"provider\" value=\"");
			sb_html(sb, p->p[i].name);
			sb_add(sb, "\">Approve with ");
			sb_html(sb, p->p[i].display[0] ? p->p[i].display : p->p[i].name);
			sb_add(sb, "</button>");
		}
		sb_add(sb, "</div>");
	}
	sb_addf(sb, "</form><p class=\"muted\">This request expires in %u minute%s. Nothing is "
	    "signed in unless you approve.</p></section>", min, min == 1 ? "" : "s");
	page_end(sb, &pg);
}

void
page_pair_continue(struct sbuf *sb, const char *url)
{
	struct pg pg = { "Continue to sign in", NULL, 0 };

	page_begin(sb, &pg);
	/* page_begin opened <head> and closed it; a refresh in <body> works the same */
	sb_add(sb, "<meta http-equiv=\"refresh\" content=\"0;url=");
	sb_html(sb, url);
	sb_add(sb, "\"><section class=\"card\"><h1>Continue to sign in</h1><p>Sign in to approve "
	    "the command-line tool.</p><div class=\"actions\"><a class=\"button\" id=\"continue\" "
	    "href=\"");
	sb_html(sb, url);
	sb_add(sb, "\">Continue</a></div></section>");
	page_end(sb, &pg);
}

void
page_pair_done(struct sbuf *sb, const char *user_name, int approved)
{
	struct pg pg = { approved ? "Approved" : "Denied", NULL, 0 };

	page_begin(sb, &pg);
	if (approved) {
		sb_add(sb, "<section class=\"card\" role=\"status\"><h1 class=\"ok\">Approved</h1>"
		    "<p>The command-line tool is now signed in as <strong>");
		sb_html(sb, user_name);
		sb_add(sb, "</strong>. You can close this page and return to your terminal.</p>");
	} else
		sb_add(sb, "<section class=\"card\" role=\"status\"><h1>Denied</h1>"
		    "<p>The command-line sign-in was refused. Nothing was signed in.</p>");
	sb_add(sb, "<div class=\"actions\"><a class=\"button secondary\" href=\"/\">Home</a>"
	    "</div></section>");
	page_end(sb, &pg);
}

void
page_sessions(struct sbuf *sb, const struct req *r, const struct a_list *l)
{
	struct pg	pg = { "Sessions", r->sess.name, 0 };
	char		sid[64], created[64], seen[64], expires[64];
	size_t		i;

	page_begin(sb, &pg);
	sb_add(sb, "<section class=\"card\"><h1>Your sessions</h1>"
	    "<p class=\"muted\">Browsers and command-line tools signed in as you. "
	    "Revoking one signs it out at once.</p><table><thead><tr><th scope=\"col\">Kind</th>"
	    "<th scope=\"col\">Label</th><th scope=\"col\">Signed in</th>"
	    "<th scope=\"col\">Last used</th><th scope=\"col\">Expires</th>"
	    "<th scope=\"col\"><span class=\"muted\">Action</span></th></tr></thead><tbody>");
	for (i = 0; i < l->n; i++) {
		b64_encode(sid, l->s[i].sid, SID_LEN);
		fmt_time(created, sizeof(created), l->s[i].created);
		fmt_time(seen, sizeof(seen), l->s[i].last_seen);
		fmt_time(expires, sizeof(expires), l->s[i].expires);
		sb_addf(sb, "<tr><td>%s</td><td>", l->s[i].kind == KIND_CLI ? "Command line" :
		    "Browser");
		sb_html(sb, l->s[i].label[0] ? l->s[i].label : "-");
		if (l->s[i].current)
			sb_add(sb, " <strong>(this browser)</strong>");
		sb_addf(sb, "</td><td>%s</td><td>%s</td><td>%s</td><td>", created, seen, expires);
		sb_add(sb, "<form method=\"post\" action=\"/sessions/");
		sb_html(sb, sid);
		sb_add(sb, "/revoke\">");
		csrf_field(sb, r);
		sb_addf(sb, "<button type=\"submit\" class=\"danger\">%s</button></form></td></tr>",
		    l->s[i].current ? "Sign out" : "Revoke");
	}
	sb_add(sb, "</tbody></table></section><p><a href=\"/\">Back to the counter</a></p>");
	page_end(sb, &pg);
}
