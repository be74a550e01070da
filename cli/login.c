/* `airlock login`: the flow of a pairing, from /cli_login to the saved session. */
#include "login.h"
#include "browser.h"
#include "cli.h"
#include "http.h"
#include "pairing.h"
#include "session.h"
#include "url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <sodium.h>

/* --server, else $AIRLOCK_SERVER, else the saved session's server, else the default. */
static int
resolve_server(const char *arg, const char *dir, char *base, size_t n)
{
	struct cli_session old;
	const char *in = arg, *env = getenv("AIRLOCK_SERVER");
	char	 why[256], ignored[256];

	if (in == NULL && env && env[0])
		in = env;
	if (in == NULL && session_load(dir, &old, url_allow_http(), ignored, sizeof(ignored)) == 0) {
		snprintf(base, n, "%s", old.server);
		session_wipe(&old);
		return 0;
	}
	if (in == NULL)
		in = CLI_DEFAULT_SERVER;
	if (url_server_base(in, url_allow_http(), base, n, why, sizeof(why)) == -1) {
		cli_error("%s", why);
		return -1;
	}
	return 0;
}

/* The paircode is a secret: it travels in a POST body, never in a URL (URLs end
 * up in proxy and server logs). */
static void
paircode_form(char *form, size_t n, const char *paircode)
{
	snprintf(form, n, "paircode=%s", paircode);
}

static int
start_pairing(const char *base, const char *paircode, struct login_start *ls)
{
	struct http_req	 q = { .method = "POST", .accept = "application/json",
	    .max_body = CLI_MAX_API_BODY };
	struct http_resp r;
	char		 url[CLI_MAX_URL + 16], form[80], why[256];
	int		 rc = -1;

	snprintf(url, sizeof(url), "%s/cli_login", base);
	paircode_form(form, sizeof(form), paircode);
	q.url = url;
	q.form = form;
	if (http_do(&q, &r) == -1)
		cli_error("cannot reach %s: %s", base, r.err);
	else if (r.status == 503 || r.status == 429)
		cli_error("server busy (too many pending logins), try again later");
	else if (r.status != 200)
		cli_error("server answered HTTP %ld to /cli_login (is %s an airlock server?)",
		    r.status, base);
	else if (login_parse_start(r.body, r.len, ls, why, sizeof(why)) == -1)
		cli_error("%s", why);
	else
		rc = 0;
	http_resp_free(&r);
	sodium_memzero(form, sizeof(form));
	return rc;
}

static void
show_instructions(const struct login_start *ls, int opened)
{
	fprintf(stderr,
	    "To log in, open this URL in a browser%s:\n\n    %s\n\n"
	    "and approve the request only if the page shows this code:\n\n    %s\n\n"
	    "Waiting for approval (this code expires in %lld minutes)...\n",
	    opened ? " (your browser should open it now)" : "",
	    ls->login_url, ls->user_code, (long long)((ls->expires_in + 59) / 60));
	fflush(stderr);
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec	 ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

struct poll_state {
	const char	*base;
	const char	*paircode;
	double		 deadline;
	int64_t		 interval;
	unsigned int	 failures;
	pid_t		 browser;
};

/* One /token request. POLL_DONE leaves the cookie in sess->cookie. */
static enum poll_result
poll_once(struct poll_state *ps, struct cli_session *sess, char *user, size_t usern,
    char *why, size_t whylen)
{
	struct http_req	 q = { .method = "POST", .accept = "application/json",
	    .max_body = CLI_MAX_API_BODY };
	struct http_resp r;
	char		 url[CLI_MAX_URL + 16], form[80];
	enum poll_result res;

	snprintf(url, sizeof(url), "%s/token", ps->base);
	paircode_form(form, sizeof(form), ps->paircode);
	q.url = url;
	q.form = form;
	http_do(&q, &r);
	res = login_classify(&r, user, usern, why, whylen);
	if (res == POLL_RETRY && r.status == 0)
		snprintf(why, whylen, "%s", r.err);
	else if (res == POLL_RETRY)
		snprintf(why, whylen, "HTTP %ld", r.status);
	if (res == POLL_DONE)
		snprintf(sess->cookie, sizeof(sess->cookie), "%s", r.cookie);
	http_resp_free(&r);
	sodium_memzero(form, sizeof(form));
	return res;
}

static void
reap_browser(struct poll_state *ps)
{
	if (ps->browser > 0 && waitpid(ps->browser, NULL, WNOHANG) == ps->browser)
		ps->browser = 0;
}

/* Polls until approved (0), or a final answer or the deadline (-1, reported). */
static int
poll_loop(struct poll_state *ps, struct cli_session *sess, char *user, size_t usern)
{
	char	 why[256] = "";
	double	 wait = (double)ps->interval;

	double	 left;

	for (;;) {
		if ((left = ps->deadline - now_s()) <= 0) {
			cli_error("the login code expired before it was approved; run airlock login again");
			return -1;
		}
		sleep_s(wait < left ? wait : left);
		reap_browser(ps);
		switch (poll_once(ps, sess, user, usern, why, sizeof(why))) {
		case POLL_DONE:
			return 0;
		case POLL_PENDING:
			ps->failures = 0;
			wait = (double)ps->interval;
			break;
		case POLL_SLOW_DOWN:
			ps->interval = pairing_clamp(ps->interval + LOGIN_SLOW_DOWN_STEP, 1, LOGIN_MAX_INTERVAL);
			wait = (double)ps->interval;
			break;
		case POLL_RETRY:
			/* The server may be restarting: say so once, keep polling until expiry. */
			if (ps->failures++ == 0)
				fprintf(stderr, "airlock: server trouble (%s), still trying...\n", why);
			wait = (double)login_retry_wait(ps->interval, ps->failures);
			break;
		case POLL_EXPIRED:
			cli_error("the login code expired; run airlock login again");
			return -1;
		case POLL_DENIED:
			/* The server answers access_denied both for a Deny in the
			 * browser and for an account its access rules refuse. */
			cli_error("sign-in refused: the account you approved with is not "
			    "allowed on %s, or the request was denied in the browser", ps->base);
			return -1;
		case POLL_FAIL:
			cli_error("%s", why);
			return -1;
		}
	}
}

int
cmd_login(const char *server_arg)
{
	struct login_start ls;
	struct poll_state ps;
	struct cli_session sess;
	char	 dir[CLI_MAX_URL], paircode[64], user[CLI_MAX_USER], err[512];
	int	 rc = EXIT_FAIL;

	memset(&sess, 0, sizeof(sess));
	if (session_dir(dir, sizeof(dir), err, sizeof(err)) == -1) {
		cli_error("%s", err);
		return EXIT_FAIL;
	}
	if (resolve_server(server_arg, dir, sess.server, sizeof(sess.server)) == -1)
		return EXIT_FAIL;
	login_paircode(paircode, sizeof(paircode));
	if (start_pairing(sess.server, paircode, &ls) == -1)
		goto out;
	memset(&ps, 0, sizeof(ps));
	ps.base = sess.server;
	ps.paircode = paircode;
	ps.deadline = now_s() + (double)ls.expires_in;
	ps.interval = ls.interval;
	ps.browser = browser_open(ls.login_url);
	show_instructions(&ls, ps.browser > 0);
	if (poll_loop(&ps, &sess, user, sizeof(user)) == -1)
		goto out;
	if (session_save(dir, &sess, err, sizeof(err)) == -1) {
		cli_error("logged in, but %s", err);
		goto out;
	}
	if (user[0])
		printf("Logged in to %s as %s\n", sess.server, user);
	else
		printf("Logged in to %s\n", sess.server);
	rc = EXIT_OK;
out:
	sodium_memzero(paircode, sizeof(paircode));
	session_wipe(&sess);
	return rc;
}
