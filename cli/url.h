/* Server URLs and request paths: what the CLI accepts before it sends anything. */
#ifndef AIRLOCK_CLI_URL_H
#define AIRLOCK_CLI_URL_H

#include <stddef.h>

/* Checks and normalizes a server URL to "scheme://host[:port][/prefix]" without a
 * trailing '/': http or https only, no user info, query or fragment; plain http only
 * for a loopback host unless allow_http. 0, or -1 with a reason in err. */
int	url_server_base(const char *in, int allow_http, char *base, size_t n,
	    char *err, size_t errlen);
/* 1 when $AIRLOCK_ALLOW_HTTP is "1": plain http to any host is allowed. */
int	url_allow_http(void);
/* 1 for localhost, 127.0.0.0/8 and [::1]. */
int	url_host_is_loopback(const char *host);
/* A request path: starts with '/', printable ASCII without spaces or '#', bounded. */
int	url_path_ok(const char *path);
/* A URL the server asks us to open in a browser: http(s)://, printable, bounded. */
int	url_browser_ok(const char *url);

/* Where a request to an absolute URL goes, as libcurl parses it. */
struct url_origin {
	char		 scheme[8];	/* "http" or "https" */
	char		 host[256];	/* lowercase name, IPv4, or [IPv6] */
	unsigned int	 port;		/* the explicit port, else the scheme's */
	int		 userinfo;	/* user or password present */
};

/* Parses an absolute http(s) URL (printable ASCII, bounded, scheme required) whose
 * host, percent-decoded as libcurl does, is a plain DNS name, IPv4 address or
 * bracketed IPv6 address without zone: 0 with o filled and, if canon is not NULL, libcurl's
 * normalized form of the URL in canon (size n); -1 otherwise. */
int	url_origin_of(const char *url, struct url_origin *o, char *canon, size_t n);
/* The default port of "http" (80) or "https" (443); 0 for anything else. */
unsigned int url_default_port(const char *scheme);

#endif
