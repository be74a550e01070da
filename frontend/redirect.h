/*
 * Where a browser may be sent after sign-in (GET /login?rd=URL): a path on
 * this site, or an absolute http(s) URL on public_url's host or on a host
 * [frontend] allowed_redirect_hosts names.  Pure functions; the cookie that
 * carries rd through the provider round trip is in redirect.c too.
 */
#ifndef AIRLOCK_REDIRECT_H
#define AIRLOCK_REDIRECT_H

#include <stddef.h>

#define RD_URL_MAX	2048	/* longest rd taken */
#define RD_HOSTS_MAX	32	/* entries of allowed_redirect_hosts */
#define RD_HOST_MAX	253	/* a DNS name */

struct rd_host {
	char	name[RD_HOST_MAX + 1];	/* lower case, without the leading '.' */
	int	subdomains;		/* written ".name": any host under name, not name */
};

struct rd_hosts {
	size_t		n;
	struct rd_host	h[RD_HOSTS_MAX];
};

/*
 * allowed_redirect_hosts as written (NULL: none): names separated by commas
 * or white space, each a DNS name (letters, digits, '-' inside labels of
 * 1-63, dots between) or one with a leading '.'.  -1 with the reason in why
 * when an entry is anything else (a port, a scheme, '*', an empty label) or
 * there are more than RD_HOSTS_MAX.
 */
int	rd_hosts_parse(const char *list, struct rd_hosts *, char *why, size_t whylen);

/*
 * 1 when the browser may be sent to rd: at most RD_URL_MAX bytes of visible
 * ASCII without a backslash, and either a path starting with exactly one '/'
 * or http:// or https://, then an authority without userinfo ('@'), a host
 * (compared without case) equal to public_url's or allowed by hosts, an
 * optional port, then nothing or '/', '?' or '#' and the rest.  0 otherwise.
 */
int	rd_allowed(const char *rd, const char *public_url, const struct rd_hosts *hosts);

/*
 * The rd parameter of a query, which must be its last: everything after
 * "rd=", either as written (it starts with "http://", "https://" or "/": what
 * nginx's $scheme://$host$request_uri gives, '&' and '?' included) or
 * percent-encoded (anything else).  1 with the URL in dst (RD_URL_MAX + 1),
 * 0 no rd, -1 malformed or too long.
 */
int	rd_from_query(const char *qs, char *dst);

struct req;

/* The rd cookie: rd (checked by the caller) for RD_COOKIE_AGE seconds, as
 * base64url, HttpOnly, SameSite=Lax, Secure with https; __Host- with https. */
#define RD_COOKIE_AGE	600
void	rd_cookie_set(struct req *, const char *rd);
/* The rd cookie's URL into dst (RD_URL_MAX + 1) when it decodes and
 * rd_allowed still says yes: 1; 0 otherwise.  A cookie sent is cleared. */
int	rd_cookie_take(struct req *, char *dst);
/* Clears the rd cookie if the request sent one. */
void	rd_cookie_forget(struct req *);

#endif
