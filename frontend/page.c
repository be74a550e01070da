/*
 * The HTML pages: small, server-rendered, one inline CSS block and one inline
 * script (both allowed by hash, see assets.c).  Everything that did not come
 * from this file goes through buf_add_html.  Built from plain values: no
 * request, no call into the rest of the frontend.
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
page_begin(struct buf *sb, const struct pg *pg)
{
	buf_add(sb, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>");
	buf_add_html(sb, pg->title);
	buf_add(sb, " · airlock</title><style>");
	buf_add(sb, fe_css);
	buf_add(sb, "</style></head>\n<body><header><a class=\"brand\" href=\"/\">airlock</a>");
	if (pg->user_name != NULL) {
		buf_add(sb, "<nav aria-label=\"Account\"><span>");
		buf_add_html(sb, pg->user_name);
		buf_add(sb, "</span><a href=\"/sessions\">Sessions</a><a href=\"/logout\">Sign out</a></nav>");
	}
	buf_add(sb, "</header>\n<main>");
}

void
page_end(struct buf *sb, const struct pg *pg)
{
	buf_add(sb, "</main>");
	if (pg->script) {
		buf_add(sb, "<script>");
		buf_add(sb, fe_js);
		buf_add(sb, "</script>");
	}
	buf_add(sb, "</body></html>\n");
}

static void
csrf_field(struct buf *sb, const char *csrf)
{
	buf_add(sb, "<input type=\"hidden\" name=\"csrf\" value=\"");
	buf_add_html(sb, csrf);
	buf_add(sb, "\">");
}

void
page_error(struct buf *sb, const char *title, const char *detail, int signed_in)
{
	struct pg pg = { title, NULL, 0 };

	page_begin(sb, &pg);
	buf_add(sb, "<section class=\"card\" role=\"alert\"><h1>");
	buf_add_html(sb, title);
	buf_add(sb, "</h1><p>");
	buf_add_html(sb, detail);
	buf_add(sb, "</p><div class=\"actions\"><a class=\"button secondary\" href=\"/\">Home</a>");
	if (!signed_in)
		buf_add(sb, "<a class=\"button secondary\" href=\"/login\">Sign in</a>");
	buf_add(sb, "</div></section>");
	page_end(sb, &pg);
}

/* "<li>label <span>last used ...</span></li>" for each listed CLI session. */
static void
cli_sessions(struct buf *sb, const struct msg_store_page_r *p)
{
	char	when[64];
	size_t	i;

	buf_add(sb, "<ul>");
	for (i = 0; i < p->sessions_n; i++) {
		if (p->sessions[i].kind != KIND_CLI)
			continue;
		fmt_time(when, sizeof(when), p->sessions[i].last_seen);
		buf_add(sb, "<li>");
		buf_add_html(sb, p->sessions[i].label[0] ? p->sessions[i].label : "command line");
		buf_add(sb, " <span class=\"muted\">last used ");
		buf_add_html(sb, when);
		buf_add(sb, "</span></li>");
	}
	buf_add(sb, "</ul>");
	if (p->cli_sessions > p->sessions_n)
		buf_addf(sb, "<p class=\"muted\">The %u most recent of %u.</p>", p->sessions_n,
		    p->cli_sessions);
}

void
page_counter(struct buf *sb, const struct msg_store_page_r *p, const char *csrf)
{
	struct pg pg = { "Count demo", p->name, 1 };

	page_begin(sb, &pg);
	buf_add(sb, "<section class=\"card\"><h1>Count demo</h1>"
	    "<p class=\"count\">Count: <span id=\"count\" aria-live=\"polite\">");
	buf_addf(sb, "%llu", (unsigned long long)p->counter);
	buf_add(sb, "</span></p><form id=\"inc\" method=\"post\" action=\"/increment\">");
	csrf_field(sb, csrf);
	buf_add(sb, "<input type=\"hidden\" name=\"back\" value=\"1\">"
	    "<button type=\"submit\">Increment</button></form>"
	    "<p class=\"muted\">Signed in as <strong>");
	buf_add_html(sb, p->name);
	buf_add(sb, "</strong> (");
	buf_add_html(sb, p->user_id);
	buf_add(sb, ")</p></section>\n<section class=\"card\"><h2>Paired command-line sessions</h2>");
	if (p->sessions_n == 0)
		buf_add(sb, "<p class=\"muted\">None. Run <code>airlock login</code> to pair one.</p>");
	else
		cli_sessions(sb, p);
	buf_add(sb, "<p><a href=\"/sessions\">Manage sessions</a></p></section>"
	    "<p><a href=\"/logout\">Sign out</a></p>");
	page_end(sb, &pg);
}

/* The providers shown: the first FE_MAX_PROVIDERS. */
static uint32_t
providers_shown(const struct msg_auth_providers_r *p)
{
	return p->providers_n < FE_MAX_PROVIDERS ? p->providers_n : FE_MAX_PROVIDERS;
}

/* "Sign in with X" (a link) or "Approve with X" (a button of the pairing's form). */
static void
provider_button(struct buf *sb, const struct provider_item *p, int approve)
{
	buf_add(sb, approve ? "<button type=\"submit\" name=\"provider\" value=\"" :
	    "<a class=\"button\" href=\"/login/");
	buf_add_html(sb, p->name);
	buf_add(sb, approve ? "\">Approve with " : "\">Sign in with ");
	buf_add_html(sb, p->display[0] ? p->display : p->name);
	buf_add(sb, approve ? "</button>" : "</a>");
}

static void
provider_buttons(struct buf *sb, const struct msg_auth_providers_r *p)
{
	uint32_t i;

	if (providers_shown(p) == 0) {
		buf_add(sb, "<p class=\"muted\">No sign-in provider is configured.</p>");
		return;
	}
	buf_add(sb, "<div class=\"stack\">");
	for (i = 0; i < providers_shown(p); i++) {
		if (!p->providers[i].ready) {
			buf_add(sb, "<span class=\"button secondary disabled\" aria-disabled=\"true\">");
			buf_add_html(sb, p->providers[i].display);
			buf_add(sb, " (unavailable right now)</span>");
			continue;
		}
		provider_button(sb, &p->providers[i], 0);
	}
	buf_add(sb, "</div>");
}

void
page_login(struct buf *sb, const struct msg_auth_providers_r *p, const char *notice)
{
	struct pg pg = { "Sign in", NULL, 0 };

	page_begin(sb, &pg);
	buf_add(sb, "<section class=\"card\"><h1>Sign in</h1>");
	if (notice != NULL) {
		buf_add(sb, "<p class=\"notice\" role=\"status\">");
		buf_add_html(sb, notice);
		buf_add(sb, "</p>");
	}
	buf_add(sb, "<p>Choose how to sign in. Your count is kept per account.</p>");
	provider_buttons(sb, p);
	buf_add(sb, "</section>");
	page_end(sb, &pg);
}

void
page_logout_confirm(struct buf *sb, const char *user_name, const char *csrf)
{
	struct pg pg = { "Sign out", user_name, 0 };

	page_begin(sb, &pg);
	buf_add(sb, "<section class=\"card\"><h1>Sign out?</h1><p>This ends your session in this "
	    "browser and asks the provider to forget this sign-in where it can.</p>"
	    "<form method=\"post\" action=\"/logout\" class=\"actions\">");
	csrf_field(sb, csrf);
	buf_add(sb, "<button type=\"submit\">Sign out</button>"
	    "<a class=\"button secondary\" href=\"/\">Cancel</a></form></section>");
	page_end(sb, &pg);
}

/* What the request claims, where and when it came from, and a plain warning
 * when that is not where this browser is (RFC 8628 section 5.4). */
static void
pair_facts(struct buf *sb, const struct msg_store_pair_info_r *info, const char *browser_addr)
{
	char when[64];

	buf_add(sb, "<p>This request says it comes from: <strong>");
	buf_add_html(sb, info->label[0] != '\0' ? info->label : "(nothing)");
	buf_add(sb, "</strong> <span class=\"muted\">(claimed by the requesting program, not "
	    "checked)</span></p><p>Requested from address <strong>");
	buf_add_html(sb, info->client[0] != '\0' ? info->client : "unknown");
	fmt_time(when, sizeof(when), info->created);
	buf_add(sb, "</strong> at ");
	buf_add_html(sb, when);
	buf_add(sb, ".</p>");
	if (info->client[0] != '\0' && strcmp(info->client, browser_addr) != 0) {
		buf_add(sb, "<p class=\"notice\" role=\"alert\"><strong>Warning:</strong> this request "
		    "came from another address (");
		buf_add_html(sb, info->client);
		buf_add(sb, ") than this browser (");
		buf_add_html(sb, browser_addr);
		buf_add(sb, "). Approve only if you started it yourself on that other computer, for "
		    "example over SSH. If someone sent you this link, do not approve: it would give "
		    "them your account.</p>");
	}
}

/* The code to check, or (arrived from another site) a field to type it into. */
static void
pair_code(struct buf *sb, const struct msg_store_pair_info_r *info, int need_code)
{
	if (need_code) {
		buf_add(sb, "<p>This page was opened from another site or program. To approve, type "
		    "the code that <code>airlock login</code> shows in your terminal. If you did not "
		    "start it yourself, close this page.</p><p><label for=\"user_code\">Code from "
		    "your terminal</label> <input id=\"user_code\" name=\"user_code\" required "
		    "autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" "
		    "maxlength=\"12\" placeholder=\"XXXX-XXXX\"></p>");
		return;
	}
	buf_add(sb, "<p>Approve only if you started it yourself and this code is the one shown in "
	    "your terminal:</p><p class=\"code\" aria-label=\"user code\">");
	buf_add_html(sb, info->user_code);
	buf_add(sb, "</p>");
}

void
page_pair_approve(struct buf *sb, const char *user_name, const char *csrf, const char *ref_b64,
    const struct msg_store_pair_info_r *info, const struct msg_auth_providers_r *p,
    int need_code, const char *browser_addr)
{
	struct pg	pg = { "Approve command-line sign-in", p == NULL ? user_name : NULL, 0 };
	uint32_t	i, min = (info->expires_in + 59) / 60;

	page_begin(sb, &pg);
	buf_add(sb, "<section class=\"card\"><h1>Approve command-line sign-in?</h1>"
	    "<p>A command-line tool asks to be signed in as ");
	if (p == NULL) {
		buf_add(sb, "<strong>");
		buf_add_html(sb, user_name);
		buf_add(sb, "</strong>.</p>");
	} else
		buf_add(sb, "the account you approve with.</p>");
	pair_facts(sb, info, browser_addr);
	buf_add(sb, "<form method=\"post\" action=\"/pair/");
	buf_add_html(sb, ref_b64);
	buf_add(sb, "\">");
	pair_code(sb, info, need_code);
	if (p == NULL) {
		csrf_field(sb, csrf);
		buf_add(sb, "<div class=\"actions\"><button type=\"submit\" name=\"decision\" "
		    "value=\"approve\">Approve</button><button type=\"submit\" name=\"decision\" "
		    "value=\"deny\" class=\"danger\" formnovalidate>Deny</button></div>");
	} else {
		buf_add(sb, "<input type=\"hidden\" name=\"decision\" value=\"approve\"><p>Approving "
		    "asks you to sign in; the tool gets that account.</p><div class=\"stack\">");
		for (i = 0; i < providers_shown(p); i++)
			if (p->providers[i].ready)
				provider_button(sb, &p->providers[i], 1);
		buf_add(sb, "</div>");
	}
	buf_addf(sb, "</form><p class=\"muted\">This request expires in %u minute%s. Nothing is "
	    "signed in unless you approve.</p></section>", min, min == 1 ? "" : "s");
	page_end(sb, &pg);
}

void
page_pair_continue(struct buf *sb, const char *url)
{
	struct pg pg = { "Continue to sign in", NULL, 0 };

	page_begin(sb, &pg);
	/* page_begin opened <head> and closed it; a refresh in <body> works the same */
	buf_add(sb, "<meta http-equiv=\"refresh\" content=\"0;url=");
	buf_add_html(sb, url);
	buf_add(sb, "\"><section class=\"card\"><h1>Continue to sign in</h1><p>Sign in to approve "
	    "the command-line tool.</p><div class=\"actions\"><a class=\"button\" id=\"continue\" "
	    "href=\"");
	buf_add_html(sb, url);
	buf_add(sb, "\">Continue</a></div></section>");
	page_end(sb, &pg);
}

void
page_pair_done(struct buf *sb, const char *user_name, int approved)
{
	struct pg pg = { approved ? "Approved" : "Denied", NULL, 0 };

	page_begin(sb, &pg);
	if (approved) {
		buf_add(sb, "<section class=\"card\" role=\"status\"><h1 class=\"ok\">Approved</h1>"
		    "<p>The command-line tool is now signed in as <strong>");
		buf_add_html(sb, user_name);
		buf_add(sb, "</strong>. You can close this page and return to your terminal.</p>");
	} else
		buf_add(sb, "<section class=\"card\" role=\"status\"><h1>Denied</h1>"
		    "<p>The command-line sign-in was refused. Nothing was signed in.</p>");
	buf_add(sb, "<div class=\"actions\"><a class=\"button secondary\" href=\"/\">Home</a>"
	    "</div></section>");
	page_end(sb, &pg);
}

void
page_sessions(struct buf *sb, const char *csrf, const struct msg_store_page_r *l)
{
	const struct session_item	*s;
	struct pg			 pg = { "Sessions", l->name, 0 };
	char		sid[64], created[64], seen[64], expires[64];
	size_t		i;

	page_begin(sb, &pg);
	buf_add(sb, "<section class=\"card\"><h1>Your sessions</h1>"
	    "<p class=\"muted\">Browsers and command-line tools signed in as you. "
	    "Revoking one signs it out at once.</p><table><thead><tr><th scope=\"col\">Kind</th>"
	    "<th scope=\"col\">Label</th><th scope=\"col\">Signed in</th>"
	    "<th scope=\"col\">Last used</th><th scope=\"col\">Expires</th>"
	    "<th scope=\"col\"><span class=\"muted\">Action</span></th></tr></thead><tbody>");
	for (i = 0; i < l->sessions_n; i++) {
		s = &l->sessions[i];
		b64_encode(sid, s->sid, SID_LEN);
		fmt_time(created, sizeof(created), s->created);
		fmt_time(seen, sizeof(seen), s->last_seen);
		fmt_time(expires, sizeof(expires), s->expires);
		buf_addf(sb, "<tr><td>%s</td><td>", s->kind == KIND_CLI ? "Command line" :
		    "Browser");
		buf_add_html(sb, s->label[0] ? s->label : "-");
		if (s->current)
			buf_add(sb, " <strong>(this browser)</strong>");
		buf_addf(sb, "</td><td>%s</td><td>%s</td><td>%s</td><td>", created, seen, expires);
		buf_add(sb, "<form method=\"post\" action=\"/sessions/");
		buf_add_html(sb, sid);
		buf_add(sb, "/revoke\">");
		csrf_field(sb, csrf);
		buf_addf(sb, "<button type=\"submit\" class=\"danger\">%s</button></form></td></tr>",
		    s->current ? "Sign out" : "Revoke");
	}
	buf_add(sb, "</tbody></table>");
	if ((uint64_t)l->web_sessions + l->cli_sessions > l->sessions_n)
		buf_addf(sb, "<p class=\"muted\">Shown: the %u most recent of %u browser sessions "
		    "and of %u command-line ones (up to %u of each kind).</p>", l->sessions_n,
		    l->web_sessions, l->cli_sessions, MAX_SESSIONS_LISTED / 2);
	buf_add(sb, "</section><p><a href=\"/\">Back to the counter</a></p>");
	page_end(sb, &pg);
}
