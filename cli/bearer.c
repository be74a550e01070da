/* token, get URL and curl: the saved session as a bearer token, sent only to the
 * server's origin and the gateway hosts the user named (gateway.h). */
#include "args.h"
#include "cli.h"
#include "commands.h"
#include "curlargs.h"
#include "gateway.h"
#include "http.h"
#include "session.h"
#include "url.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

/* libcurl drops a custom Authorization header on a redirect to another host,
 * port or scheme (unless --location-trusted) since 7.83.0. */
#define CURL_SAFE_REDIRECTS	0x075300

int
cmd_token(void)
{
	struct cli_session s;
	char	 dir[CLI_MAX_URL];
	int	 rc = EXIT_OK;

	if (cmd_load_session(dir, sizeof(dir), &s) == -1)
		return EXIT_FAIL;
	if (printf("%s\n", session_token(&s)) < 0 || fflush(stdout) != 0) {
		cli_error("token: cannot write to stdout");
		rc = EXIT_FAIL;
	}
	session_wipe(&s);
	return rc;
}

/* --gateway-host options, then $AIRLOCK_GATEWAY_HOSTS. */
static int
gateway_hosts(const struct cli_args *a, struct gw_hosts *g)
{
	const char	*env = getenv(GW_ENV);
	char		 err[256];
	size_t		 i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < a->ngateway; i++)
		if (gw_hosts_add(g, a->gateway[i], err, sizeof(err)) == -1) {
			cli_error("--gateway-host: %s", err);
			return -1;
		}
	if (env != NULL && gw_hosts_add_list(g, env, err, sizeof(err)) == -1) {
		cli_error("%s: %s", GW_ENV, err);
		return -1;
	}
	return 0;
}

/* 0 when the token may go to url (normalized into canon), else -1, reported. */
static int
allowed(const char *url, const struct cli_session *s, const struct gw_hosts *g,
    char *canon, size_t n)
{
	char	 err[CLI_MAX_URL + 256], shown[256];

	if (gw_url_check(url, s->server, g, url_allow_http(), canon, n, err, sizeof(err)) == 0)
		return 0;
	cli_sanitize(shown, sizeof(shown), url, strlen(url));
	cli_error("refusing to send the session token to %s: %s", shown, err);
	return -1;
}

static void
report_url_status(const char *url, const struct http_resp *r)
{
	if (r->status == 401)
		cli_error("%s: HTTP 401 (the session is revoked, expired or not accepted "
		    "there; run airlock login)", url);
	else if (r->status >= 300 && r->status < 400)
		cli_error("%s: HTTP %ld, redirect to %s not followed", url, r->status,
		    r->location[0] ? r->location : "(nowhere)");
	else
		cli_error("%s: HTTP %ld", url, r->status);
}

int
cmd_get_url(const struct cli_args *a)
{
	struct cli_session s;
	struct gw_hosts	 g;
	struct http_req	 q = { .method = "GET", .accept = "*/*", .max_body = CLI_MAX_GET_BODY };
	struct http_resp r;
	char		 dir[CLI_MAX_URL], url[CLI_MAX_URL];
	int		 rc = EXIT_FAIL;

	if (gateway_hosts(a, &g) == -1)
		return EXIT_USAGE;
	if (cmd_load_session(dir, sizeof(dir), &s) == -1)
		return EXIT_FAIL;
	if (allowed(a->path, &s, &g, url, sizeof(url)) == -1)
		goto out;
	q.url = url;
	q.bearer = session_token(&s);
	if (http_do(&q, &r) == -1) {
		cli_error("%s: %s", url, r.err);
		goto out;
	}
	if (r.status < 200 || r.status >= 300)
		report_url_status(url, &r);
	else if (fwrite(r.body, 1, r.len, stdout) != r.len || fflush(stdout) != 0)
		cli_error("get: cannot write to stdout");
	else
		rc = EXIT_OK;
	http_resp_free(&r);
out:
	session_wipe(&s);
	return rc;
}

/* --- curl --- */

/* The header line in a pipe whose read end (returned, inheritable) curl reads
 * with -H @/dev/fd/N: the token is never on a command line. */
static int
header_pipe(const char *token)
{
	char	 line[CLI_MAX_COOKIE + 32];
	int	 fds[2], len, ok;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	len = snprintf(line, sizeof(line), "Authorization: Bearer %s\n", token);
	/* A pipe holds at least PIPE_BUF bytes: this write does not block. */
	ok = len > 0 && (size_t)len <= PIPE_BUF &&
	    write(fds[1], line, (size_t)len) == (ssize_t)len &&
	    fcntl(fds[0], F_SETFD, 0) == 0;
	sodium_memzero(line, sizeof(line));
	close(fds[1]);
	if (!ok) {
		close(fds[0]);
		return -1;
	}
	return fds[0];
}

/* Checks every URL curl would fetch, and every other argument that looks like
 * one; URLs are replaced by their normalized form in out[].  0 or -1 (reported).
 * *plain is set when some URL is plain http. */
static int
check_curl_urls(const struct cli_args *a, const struct curlargs *c,
    const struct cli_session *s, const struct gw_hosts *g, char **out, int *plain)
{
	char	 canon[CLI_MAX_URL];
	int	 i;

	*plain = 0;
	for (i = 0; i < a->curl_argc; i++) {
		if (!c->is_url[i] && !gw_looks_like_url(a->curl_argv[i]))
			continue;
		if (allowed(a->curl_argv[i], s, g, canon, sizeof(canon)) == -1)
			return -1;
		if (!c->is_url[i])
			continue;
		if (strncmp(canon, "http://", 7) == 0)
			*plain = 1;
		if ((out[i] = strdup(canon)) == NULL) {
			cli_error("out of memory");
			return -1;
		}
	}
	return 0;
}

/* curl's argv: our fixed options first (-q: no ~/.curlrc), then the user's. */
static char **
curl_argv(const struct cli_args *a, char **urls, int plain, const char *hdr)
{
	const char	*ca = getenv("AIRLOCK_CA_FILE");
	char		**v;
	int		 i, n = 0;

	if ((v = calloc((size_t)a->curl_argc + 12, sizeof(*v))) == NULL)
		return NULL;
	v[n++] = "curl";
	v[n++] = "-q";
	v[n++] = "--globoff";
	if (plain) {
		v[n++] = "--noproxy";
		v[n++] = "*";
	}
	if (ca != NULL && ca[0] != '\0') {
		v[n++] = "--cacert";
		v[n++] = (char *)ca;
	}
	v[n++] = "-H";
	v[n++] = (char *)hdr;
	for (i = 0; i < a->curl_argc; i++)
		v[n++] = urls[i] != NULL ? urls[i] : a->curl_argv[i];
	v[n] = NULL;
	return v;
}

static int
run_curl(const struct cli_args *a, struct cli_session *s, char **urls, int plain)
{
	char	 hdr[32];
	char	**v;
	int	 fd;

	if ((fd = header_pipe(session_token(s))) == -1) {
		cli_error("curl: cannot pass the token to curl: %s", strerror(errno));
		return EXIT_FAIL;
	}
	snprintf(hdr, sizeof(hdr), "@/dev/fd/%d", fd);
	if ((v = curl_argv(a, urls, plain, hdr)) == NULL) {
		cli_error("out of memory");
		close(fd);
		return EXIT_FAIL;
	}
	session_wipe(s);
	execvp("curl", v);
	cli_error("curl: cannot run curl: %s", strerror(errno));
	free(v);
	close(fd);
	return EXIT_FAIL;
}

int
cmd_curl(const struct cli_args *a)
{
	struct cli_session s;
	struct gw_hosts	 g;
	struct curlargs	 c;
	char		 dir[CLI_MAX_URL], err[256], *urls[CURLARGS_MAX] = { 0 };
	int		 i, plain, rc = EXIT_FAIL;

	if (curlargs_scan(a->curl_argc, a->curl_argv, &c, err, sizeof(err)) == -1) {
		cli_error("curl: %s", err);
		return EXIT_USAGE;
	}
	if (c.nurls == 0) {
		cli_error("curl: no URL among curl's arguments");
		return EXIT_USAGE;
	}
	if (c.location && curl_version_info(CURLVERSION_NOW)->version_num < CURL_SAFE_REDIRECTS) {
		cli_error("curl: -L needs libcurl 7.83.0 or later (it could send the token on)");
		return EXIT_USAGE;
	}
	if (gateway_hosts(a, &g) == -1)
		return EXIT_USAGE;
	if (cmd_load_session(dir, sizeof(dir), &s) == -1)
		return EXIT_FAIL;
	if (check_curl_urls(a, &c, &s, &g, urls, &plain) == 0)
		rc = run_curl(a, &s, urls, plain);
	for (i = 0; i < a->curl_argc; i++)
		free(urls[i]);
	session_wipe(&s);
	return rc;
}
