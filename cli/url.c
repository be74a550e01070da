/* Server URL checks with libcurl's URL parser; path and browser-URL checks by hand. */
#include "url.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static int
printable_no_space(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return 0;
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	}
	return i > 0;
}

int
url_allow_http(void)
{
	const char *v = getenv("AIRLOCK_ALLOW_HTTP");

	return v != NULL && strcmp(v, "1") == 0;
}

int
url_host_is_loopback(const char *host)
{
	unsigned int	 a, b, c, d;
	char		 tail;

	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4)
		return a == 127 && b < 256 && c < 256 && d < 256;
	return 0;
}

struct url_parts {
	char	*scheme, *host, *port, *path, *query, *fragment, *user, *password;
};

static void
parts_free(struct url_parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	curl_free(p->port);
	curl_free(p->path);
	curl_free(p->query);
	curl_free(p->fragment);
	curl_free(p->user);
	curl_free(p->password);
}

static int
parts_get(const char *in, struct url_parts *p)
{
	CURLU	*h;
	int	 ok;

	memset(p, 0, sizeof(*p));
	if ((h = curl_url()) == NULL)
		return -1;
	ok = curl_url_set(h, CURLUPART_URL, in, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_SCHEME, &p->scheme, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &p->host, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_PATH, &p->path, 0) == CURLUE_OK;
	/* These are absent in a good server URL; "missing" is the normal answer. */
	curl_url_get(h, CURLUPART_PORT, &p->port, 0);
	curl_url_get(h, CURLUPART_QUERY, &p->query, 0);
	curl_url_get(h, CURLUPART_FRAGMENT, &p->fragment, 0);
	curl_url_get(h, CURLUPART_USER, &p->user, 0);
	curl_url_get(h, CURLUPART_PASSWORD, &p->password, 0);
	curl_url_cleanup(h);
	if (!ok) {
		parts_free(p);
		return -1;
	}
	return 0;
}

static int
default_port(const char *scheme, const char *port)
{
	return (strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
	    (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0);
}

static int
server_parts_ok(const struct url_parts *p, int allow_http, char *err, size_t errlen)
{
	if (strcmp(p->scheme, "http") != 0 && strcmp(p->scheme, "https") != 0) {
		snprintf(err, errlen, "server URL must be http:// or https://");
		return 0;
	}
	if (p->user || p->password || p->query || p->fragment) {
		snprintf(err, errlen, "server URL must not have user info, query or fragment");
		return 0;
	}
	if (p->host[0] == '\0') {
		snprintf(err, errlen, "server URL has no host");
		return 0;
	}
	if (strcmp(p->scheme, "http") == 0 && !allow_http && !url_host_is_loopback(p->host)) {
		snprintf(err, errlen, "refusing plain http to a non-loopback server "
		    "(use https, or set AIRLOCK_ALLOW_HTTP=1)");
		return 0;
	}
	return 1;
}

int
url_server_base(const char *in, int allow_http, char *base, size_t n, char *err, size_t errlen)
{
	struct url_parts p;
	size_t	 plen;
	int	 len, ok;

	if (!printable_no_space(in, CLI_MAX_URL) || strstr(in, "://") == NULL) {
		snprintf(err, errlen, "not a valid server URL (want http(s)://host[:port])");
		return -1;
	}
	if (parts_get(in, &p) == -1) {
		snprintf(err, errlen, "not a valid server URL (want http(s)://host[:port])");
		return -1;
	}
	ok = server_parts_ok(&p, allow_http, err, errlen);
	if (ok) {
		plen = strlen(p.path);
		while (plen > 0 && p.path[plen - 1] == '/')
			plen--;
		len = snprintf(base, n, "%s://%s%s%s%.*s", p.scheme, p.host,
		    p.port && !default_port(p.scheme, p.port) ? ":" : "",
		    p.port && !default_port(p.scheme, p.port) ? p.port : "",
		    (int)plen, p.path);
		if (len < 0 || (size_t)len >= n) {
			snprintf(err, errlen, "server URL too long");
			ok = 0;
		}
	}
	parts_free(&p);
	return ok ? 0 : -1;
}

int
url_path_ok(const char *path)
{
	return path[0] == '/' && printable_no_space(path, CLI_MAX_URL) &&
	    strchr(path, '#') == NULL;
}

int
url_browser_ok(const char *url)
{
	return (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) &&
	    printable_no_space(url, CLI_MAX_URL);
}
