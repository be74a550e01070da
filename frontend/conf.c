/* The frontend's settings in airlock.conf: [airlock], [frontend], and the
 * two backend sockets.  It reads no secret: there is none to read. */
#include "fe.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"

static const char *const frontend_keys[] = {
	"listen", "request_timeout_ms", "idle_timeout_sec", "max_connections",
	"header_timeout_sec", "max_conns_per_addr", "rate_limit_burst", "rate_limit_per_sec",
	"metrics_listen", "trusted_proxies", NULL
};
static const char *const airlock_keys[] = { "public_url", "frontend_user", NULL };

/*
 * "http(s)://host[:port]" with an optional trailing "/": the origin browsers
 * see.  A path is refused: cookies are host-wide (__Host- needs Path=/) and
 * authd derives the redirect URI from the same value.
 */
int
fe_parse_public_url(const char *url, struct fe_conf *fc)
{
	const char	*host;
	size_t		 n, i, hostlen;
	const char	*port;
	char		 lower[FE_ORIGIN_MAX];

	if (strncmp(url, "https://", 8) == 0) {
		fc->https = 1;
		host = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		fc->https = 0;
		host = url + 7;
	} else
		return -1;
	n = strlen(host);
	if (n > 0 && host[n - 1] == '/')
		n--;
	if (n == 0 || n + 8 >= sizeof(lower))
		return -1;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)host[i]) && strchr(".-:[]", host[i]) == NULL)
			return -1;
		lower[i] = (char)tolower((unsigned char)host[i]);
	}
	lower[n] = '\0';
	/* Browsers leave the default port out of Origin. */
	hostlen = n;
	port = strrchr(lower, ':');
	if (port != NULL && strchr(port, ']') == NULL &&
	    ((fc->https && strcmp(port, ":443") == 0) || (!fc->https && strcmp(port, ":80") == 0)))
		hostlen = (size_t)(port - lower);
	snprintf(fc->public_url, sizeof(fc->public_url), "%s://%.*s", fc->https ? "https" : "http",
	    (int)n, lower);
	snprintf(fc->origin, sizeof(fc->origin), "%s://%.*s", fc->https ? "https" : "http",
	    (int)hostlen, lower);
	return 0;
}

/* The limits on clients: per address, the whole-request deadline, who is a proxy. */
static void
limits_load(struct fe_conf *fc, const struct conf *c)
{
	const char	*v;
	char		 err[128];

	fc->header_timeout_sec = (int)conf_num(c, "frontend", "header_timeout_sec", 1, 3600, 10);
	fc->max_conns_per_addr = (size_t)conf_num(c, "frontend", "max_conns_per_addr", 0, 1000000,
	    64);
	fc->rate_burst = (unsigned)conf_num(c, "frontend", "rate_limit_burst", 0, 1000000, 20);
	fc->rate_per_sec = (unsigned)conf_num(c, "frontend", "rate_limit_per_sec", 0, 1000000, 2);
	if ((v = conf_get(c, "frontend", "trusted_proxies")) != NULL &&
	    cidr_list_parse(v, &fc->trusted_proxies, err, sizeof(err)) == -1)
		fatalx("%s: [frontend] trusted_proxies: %s", conf_file(c), err);
	v = conf_get(c, "frontend", "metrics_listen");
	fc->metrics_listen = v == NULL ? "127.0.0.1:9100" : strcmp(v, "off") == 0 ? NULL : v;
}

void
fe_conf_load(struct fe_conf *fc, const struct conf *c)
{
	const char *url;

	conf_check(c, "frontend", frontend_keys);
	conf_check(c, "airlock", airlock_keys);
	memset(fc, 0, sizeof(*fc));
	url = conf_require(c, "airlock", "public_url");
	if (fe_parse_public_url(url, fc) == -1)
		fatalx("%s: [airlock] public_url: expected http(s)://host[:port] without a path, "
		    "got \"%s\"", conf_file(c), url);
	fc->listen = conf_get(c, "frontend", "listen");
	fc->store_socket = conf_require(c, "store", "socket");
	fc->authd_socket = conf_require(c, "authd", "socket");
	fc->request_timeout_ms = (int)conf_num(c, "frontend", "request_timeout_ms", 50, 120000, 5000);
	fc->idle_timeout_sec = (int)conf_num(c, "frontend", "idle_timeout_sec", 1, 3600, 30);
	fc->max_conns = (size_t)conf_num(c, "frontend", "max_connections", 1, 1000000, 4096);
	/* The store enforces expiry; the cookie just should not outlive it by much. */
	fc->session_max_age = conf_num(c, "store", "session_ttl_days", 1, 3650, 30) * 86400;
	limits_load(fc, c);
}
