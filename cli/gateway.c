/* The allow-list of token destinations: exact origins, no wildcards, fail closed. */
#include "gateway.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
gw_hosts_add(struct gw_hosts *g, const char *spec, char *err, size_t errlen)
{
	struct url_origin o;
	char	 url[300];
	int	 len, explicit_port;

	len = snprintf(url, sizeof(url), "https://%s/", spec);
	if (spec[0] == '\0' || strpbrk(spec, "/?#@\\") != NULL || len < 0 ||
	    (size_t)len >= sizeof(url) || url_origin_of(url, &o, NULL, 0) == -1) {
		snprintf(err, errlen, "gateway host must be HOST or HOST:PORT, not '%.64s'", spec);
		return -1;
	}
	if (g->n >= GW_MAX_HOSTS) {
		snprintf(err, errlen, "more than %d gateway hosts", GW_MAX_HOSTS);
		return -1;
	}
	/* "[::1]:8443" and "h:8443" name a port; "[::1]" and "h" do not. */
	explicit_port = spec[strlen(spec) - 1] != ']' && strrchr(spec, ':') != NULL &&
	    (spec[0] != '[' || strstr(spec, "]:") != NULL);
	snprintf(g->h[g->n].host, sizeof(g->h[g->n].host), "%s", o.host);
	g->h[g->n].port = explicit_port ? o.port : 0;
	g->n++;
	return 0;
}

int
gw_hosts_add_list(struct gw_hosts *g, const char *list, char *err, size_t errlen)
{
	char	 one[256];
	size_t	 i = 0, len;

	for (;;) {
		i += strspn(list + i, ", \t\n");
		if (list[i] == '\0')
			return 0;
		len = strcspn(list + i, ", \t\n");
		if (len >= sizeof(one)) {
			snprintf(err, errlen, "gateway host too long in %s", GW_ENV);
			return -1;
		}
		memcpy(one, list + i, len);
		one[len] = '\0';
		if (gw_hosts_add(g, one, err, errlen) == -1)
			return -1;
		i += len;
	}
}

int
gw_looks_like_url(const char *arg)
{
	return strncasecmp(arg, "http://", 7) == 0 || strncasecmp(arg, "https://", 8) == 0;
}

static int
same_origin(const struct url_origin *a, const struct url_origin *b)
{
	return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 &&
	    a->port == b->port;
}

static int
listed(const struct gw_hosts *g, const struct url_origin *o)
{
	size_t	 i;

	for (i = 0; g != NULL && i < g->n; i++)
		if (strcmp(g->h[i].host, o->host) == 0 &&
		    (g->h[i].port == 0 ? url_default_port(o->scheme) : g->h[i].port) == o->port)
			return 1;
	return 0;
}

int
gw_url_check(const char *url, const char *server, const struct gw_hosts *g,
    int allow_http, char *canon, size_t n, char *err, size_t errlen)
{
	struct url_origin u, s;

	if (url_origin_of(server, &s, NULL, 0) == -1) {
		snprintf(err, errlen, "the saved server URL is unusable; run airlock login");
		return -1;
	}
	if (url_origin_of(url, &u, canon, n) == -1) {
		snprintf(err, errlen, "not an http(s) URL with a plain host name or address");
		return -1;
	}
	if (u.userinfo) {
		snprintf(err, errlen, "the URL must not carry a user name or password");
		return -1;
	}
	if (same_origin(&u, &s))
		return 0;
	if (!listed(g, &u)) {
		snprintf(err, errlen, "%s:%u is neither the server (%s) nor a gateway host "
		    "(--gateway-host, %s)", u.host, u.port, server, GW_ENV);
		return -1;
	}
	if (strcmp(u.scheme, "https") != 0 && (strcmp(s.scheme, "http") != 0 ||
	    !(url_host_is_loopback(u.host) || allow_http))) {
		snprintf(err, errlen, "plain http: the token goes over https only "
		    "(or to loopback when the server is plain http on loopback)");
		return -1;
	}
	return 0;
}
