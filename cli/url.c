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

unsigned int
url_default_port(const char *scheme)
{
	if (strcmp(scheme, "http") == 0)
		return 80;
	if (strcmp(scheme, "https") == 0)
		return 443;
	return 0;
}

/* A DNS name, an IPv4 address or a bracketed IPv6 address, nothing else. */
static int
plain_host(const char *h)
{
	size_t	 i, len = strlen(h);

	if (len == 0)
		return 0;
	if (h[0] == '[') {
		if (len < 3 || h[len - 1] != ']')
			return 0;
		for (i = 1; i + 1 < len; i++)
			if (!strchr("0123456789abcdefABCDEF:.", h[i]))
				return 0;
		return 1;
	}
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", h[i]))
			return 0;
	return 1;
}

static int
origin_fill(CURLU *h, struct url_origin *o)
{
	char		*scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
	char		*zone = NULL;
	unsigned long	 p = 0;
	char		*end = NULL;
	size_t		 i;
	int		 ok;

	ok = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    url_default_port(scheme) != 0 && plain_host(host) &&
	    strlen(host) < sizeof(o->host) &&
	    curl_url_get(h, CURLUPART_ZONEID, &zone, 0) != CURLUE_OK;
	if (ok) {
		p = strtoul(port, &end, 10);
		ok = end != port && *end == '\0' && p > 0 && p <= 65535;
	}
	if (ok) {
		snprintf(o->scheme, sizeof(o->scheme), "%s", scheme);
		for (i = 0; host[i]; i++)
			o->host[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]);
		o->host[i] = '\0';
		o->port = (unsigned int)p;
		curl_url_get(h, CURLUPART_USER, &user, 0);
		curl_url_get(h, CURLUPART_PASSWORD, &pass, 0);
		o->userinfo = user != NULL || pass != NULL;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(pass);
	curl_free(zone);
	return ok ? 0 : -1;
}

int
url_origin_of(const char *url, struct url_origin *o, char *canon, size_t n)
{
	CURLU	*h;
	char	*full = NULL;
	int	 ok;

	memset(o, 0, sizeof(*o));
	if (!printable_no_space(url, CLI_MAX_URL) || strstr(url, "://") == NULL)
		return -1;
	if ((h = curl_url()) == NULL)
		return -1;
	ok = curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK && origin_fill(h, o) == 0;
	if (ok && canon != NULL)
		ok = curl_url_get(h, CURLUPART_URL, &full, 0) == CURLUE_OK &&
		    printable_no_space(full, CLI_MAX_URL) && strlen(full) < n &&
		    snprintf(canon, n, "%s", full) > 0;
	curl_free(full);
	curl_url_cleanup(h);
	if (!ok)
		memset(o, 0, sizeof(*o));
	return ok ? 0 : -1;
}
