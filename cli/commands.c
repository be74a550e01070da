/* whoami, get and logout: one authenticated request each to the saved session's server. */
#include "commands.h"
#include "cli.h"
#include "http.h"
#include "session.h"
#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

int
cmd_load_session(char *dir, size_t n, struct cli_session *s)
{
	char	 err[512];
	int	 rc;

	if (session_dir(dir, n, err, sizeof(err)) == -1) {
		cli_error("%s", err);
		return -1;
	}
	if ((rc = session_load(dir, s, url_allow_http(), err, sizeof(err))) == 1) {
		cli_error("not logged in, run airlock login");
		return -1;
	}
	if (rc == -1) {
		cli_error("%s", err);
		return -1;
	}
	return 0;
}

/* A redirect to the login page is how pages say "no session". */
static int
revoked(const struct http_resp *r)
{
	return r->status == 401 ||
	    (r->status >= 300 && r->status < 400 && strstr(r->location, "/login") != NULL);
}

/* One request with the session cookie; POSTs carry the CSRF form field and, like
 * any non-browser client, neither Origin nor Sec-Fetch-Site. */
static int
request(const struct cli_session *s, const char *method, const char *path,
    const char *accept, size_t max_body, struct http_resp *r)
{
	struct http_req	 q = { .method = method, .accept = accept, .cookie = s->cookie,
	    .max_body = max_body };
	char		 url[CLI_MAX_URL * 2 + 8], csrf[64], form[80];
	int		 rc = 0;

	snprintf(url, sizeof(url), "%s%s", s->server, path);
	q.url = url;
	if (strcmp(method, "POST") == 0 && session_csrf(s->cookie, csrf, sizeof(csrf)) == 0) {
		snprintf(form, sizeof(form), "csrf=%s", csrf);
		q.form = form;
	}
	if (http_do(&q, r) == -1) {
		cli_error("cannot reach %s: %s", s->server, r->err);
		rc = -1;
	}
	sodium_memzero(csrf, sizeof(csrf));
	sodium_memzero(form, sizeof(form));
	return rc;
}

static void
report_status(const char *what, const struct http_resp *r)
{
	if (revoked(r))
		cli_error(CLI_REVOKED_MSG);
	else if (r->status >= 300 && r->status < 400)
		cli_error("%s: server redirected (HTTP %ld) to %s", what, r->status,
		    r->location[0] ? r->location : "(nowhere)");
	else
		cli_error("%s: server answered HTTP %ld", what, r->status);
}

/* GET path with the saved session: a 2xx answer goes to show(), any other is
 * reported.  The command's exit status. */
static int
session_get(const char *what, const char *path, const char *accept, size_t max_body,
    int (*show)(const struct http_resp *))
{
	struct cli_session s;
	struct http_resp r;
	char	 dir[CLI_MAX_URL];
	int	 rc = EXIT_FAIL;

	if (cmd_load_session(dir, sizeof(dir), &s) == -1)
		return EXIT_FAIL;
	if (request(&s, "GET", path, accept, max_body, &r) == 0) {
		if (r.status >= 200 && r.status < 300)
			rc = show(&r);
		else
			report_status(what, &r);
		http_resp_free(&r);
	}
	session_wipe(&s);
	return rc;
}

static int
show_user(const struct http_resp *r)
{
	char	 user[CLI_MAX_USER];
	size_t	 len = r->len;

	if (r->status != 200) {
		report_status("whoami", r);
		return EXIT_FAIL;
	}
	while (len > 0 && (r->body[len - 1] == '\n' || r->body[len - 1] == '\r'))
		len--;
	cli_sanitize(user, sizeof(user), r->body, len);
	printf("%s\n", user);
	return EXIT_OK;
}

static int
show_body(const struct http_resp *r)
{
	if (fwrite(r->body, 1, r->len, stdout) != r->len || fflush(stdout) != 0) {
		cli_error("get: cannot write to stdout");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int
cmd_whoami(void)
{
	return session_get("whoami", "/secured", "text/plain", CLI_MAX_API_BODY, show_user);
}

int
cmd_get(const char *path)
{
	if (!url_path_ok(path)) {
		cli_error("get: PATH must start with '/' and be printable ASCII without spaces or '#'");
		return EXIT_USAGE;
	}
	return session_get("get", path, "*/*", CLI_MAX_GET_BODY, show_body);
}

int
cmd_logout(void)
{
	struct cli_session s;
	struct http_resp r;
	char	 dir[CLI_MAX_URL], err[512];
	int	 rc = EXIT_FAIL, forget = 0;

	if (cmd_load_session(dir, sizeof(dir), &s) == -1)
		return EXIT_FAIL;
	if (request(&s, "POST", "/logout", "application/json", CLI_MAX_API_BODY, &r) == 0) {
		/* The frontend answers 303 (to /login) both when it ended the session
		 * and when the session was already gone: either way it is over. */
		if (r.status == 401) {
			fprintf(stderr, "airlock: the session had already ended on the server\n");
			forget = 1;
		} else if (r.status >= 200 && r.status < 400)
			forget = 1;
		else
			cli_error("logout: server answered HTTP %ld; the session is still saved", r.status);
		http_resp_free(&r);
	}
	if (forget) {
		if (session_remove(dir, err, sizeof(err)) == -1)
			cli_error("logged out on the server, but %s", err);
		else {
			printf("Logged out of %s\n", s.server);
			rc = EXIT_OK;
		}
	}
	session_wipe(&s);
	return rc;
}
