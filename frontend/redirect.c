/*
 * The after-sign-in redirect (redirect.h): allowed_redirect_hosts, the rule
 * for rd, and the short-lived cookie that carries rd from /login to the end
 * of the provider round trip.
 */
#include "fe.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "b64.h"
#include "text.h"
#include "parse.h"

#define RD_COOKIE_MAX	(4 * RD_URL_MAX / 3 + 4)	/* base64url of RD_URL_MAX bytes */

/* 1 when the len bytes at s are a DNS name: labels of 1-63 letters, digits
 * and inner '-', separated by single dots. */
static int
dns_name(const char *s, size_t len)
{
	size_t	i, label = 0;

	if (len == 0 || len > RD_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && (s[i] != '-' || label == 0))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

static int
rd_host_add(struct rd_hosts *hs, const char *s, size_t len, char *why, size_t whylen)
{
	struct rd_host	*h;
	int		 sub = len > 0 && s[0] == '.';
	size_t		 i;

	if (!dns_name(s + sub, len - (size_t)sub)) {
		snprintf(why, whylen, "\"%.*s\" is not a host name or .domain", (int)(len < 64 ?
		    len : 64), s);
		return -1;
	}
	if (hs->n == RD_HOSTS_MAX) {
		snprintf(why, whylen, "more than %d entries", RD_HOSTS_MAX);
		return -1;
	}
	h = &hs->h[hs->n++];
	h->subdomains = sub;
	for (i = 0; i + (size_t)sub < len; i++)
		h->name[i] = (char)tolower((unsigned char)s[i + (size_t)sub]);
	h->name[i] = '\0';
	return 0;
}

int
rd_hosts_parse(const char *list, struct rd_hosts *hs, char *why, size_t whylen)
{
	const char	*p, *e;

	memset(hs, 0, sizeof(*hs));
	for (p = list; p != NULL && *p != '\0'; p = e) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ',' && *e != ' ' && *e != '\t'; e++)
			;
		if (e > p && rd_host_add(hs, p, (size_t)(e - p), why, whylen) == -1)
			return -1;
	}
	return 0;
}

/* The host of public_url ("scheme://host[:port]", lower case), its length in *len. */
static const char *
public_host(const char *public_url, size_t *len)
{
	const char *h = strstr(public_url, "://"), *e;

	h = h != NULL ? h + 3 : public_url;
	if (*h == '[')
		e = strchr(h, ']') != NULL ? strchr(h, ']') + 1 : h + strlen(h);
	else
		e = strchr(h, ':') != NULL ? strchr(h, ':') : h + strlen(h);
	*len = (size_t)(e - h);
	return h;
}

static int
host_allowed(const char *host, size_t len, const char *public_url, const struct rd_hosts *hs)
{
	const char	*ph;
	size_t		 plen, i, n;

	ph = public_host(public_url, &plen);
	if (len == plen && strncasecmp(host, ph, len) == 0)
		return 1;
	if (!dns_name(host, len))
		return 0;
	for (i = 0; hs != NULL && i < hs->n; i++) {
		n = strlen(hs->h[i].name);
		if (!hs->h[i].subdomains) {
			if (len == n && strncasecmp(host, hs->h[i].name, n) == 0)
				return 1;
		} else if (len > n + 1 && host[len - n - 1] == '.' &&
		    strncasecmp(host + len - n, hs->h[i].name, n) == 0)
			return 1;
	}
	return 0;
}

/* ":port" (1-65535, digits only) or nothing: 1. */
static int
port_ok(const char *s, size_t len)
{
	unsigned long	v = 0;
	size_t		i;

	if (len == 0)
		return 1;
	if (s[0] != ':' || len < 2 || len > 6)
		return 0;
	for (i = 1; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

int
rd_allowed(const char *rd, const char *public_url, const struct rd_hosts *hs)
{
	const char	*a, *e, *hend;
	size_t		 len = strlen(rd), i;

	if (len == 0 || len > RD_URL_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)rd[i] <= 0x20 || (unsigned char)rd[i] >= 0x7f || rd[i] == '\\')
			return 0;
	if (rd[0] == '/')
		return rd[1] != '/';
	if (strncmp(rd, "https://", 8) == 0)
		a = rd + 8;
	else if (strncmp(rd, "http://", 7) == 0)
		a = rd + 7;
	else
		return 0;
	e = a + strcspn(a, "/?#");
	if (memchr(a, '@', (size_t)(e - a)) != NULL)
		return 0;
	if (*a == '[') {	/* an IPv6 literal: only public_url's own */
		if ((hend = memchr(a, ']', (size_t)(e - a))) == NULL)
			return 0;
		hend++;
	} else if ((hend = memchr(a, ':', (size_t)(e - a))) == NULL)
		hend = e;
	return hend > a && port_ok(hend, (size_t)(e - hend)) &&
	    host_allowed(a, (size_t)(hend - a), public_url, hs);
}

int
rd_from_query(const char *qs, char *dst)
{
	const char	*v;
	size_t		 len;

	dst[0] = '\0';
	if (strncmp(qs, "rd=", 3) == 0)
		v = qs + 3;
	else if ((v = strstr(qs, "&rd=")) != NULL)
		v += 4;
	else
		return 0;
	len = strlen(v);
	if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0 || v[0] == '/') {
		if (len > RD_URL_MAX)
			return -1;
		memcpy(dst, v, len + 1);
		return 1;
	}
	return pct_decode(dst, RD_URL_MAX + 1, v, len) == -1 ? -1 : 1;
}

/* ---------------------------------------------------------------- cookie */

static const char *
rd_cookie_name(const struct req *r)
{
	return r->fe->conf.https ? "__Host-airlock_rd" : "airlock_rd";
}

static void
rd_cookie_write(struct req *r, const char *value, int max_age)
{
	char line[RD_COOKIE_MAX + 128];

	snprintf(line, sizeof(line), "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
	    rd_cookie_name(r), value, max_age, r->fe->conf.https ? "; Secure" : "");
	hreq_add_header(r->h, "Set-Cookie", line);
}

void
rd_cookie_set(struct req *r, const char *rd)
{
	char	v[RD_COOKIE_MAX];
	size_t	len = strlen(rd);

	if (len == 0 || len > RD_URL_MAX)
		return;
	b64_encode(v, (const uint8_t *)rd, len);
	rd_cookie_write(r, v, RD_COOKIE_AGE);
}

/* The rd cookie's value into v (RD_COOKIE_MAX), clearing it: 1; 0 none sent or unreadable. */
static int
rd_cookie_read(struct req *r, char *v)
{
	const char	*h;
	int		 count, rc;

	if ((h = hreq_header(r->h, "Cookie", &count)) == NULL || count != 1 ||
	    (rc = cookie_get(h, strlen(h), rd_cookie_name(r), v, RD_COOKIE_MAX)) == 0)
		return 0;
	rd_cookie_write(r, "", 0);	/* -1: malformed, too long or repeated: cleared too */
	return rc == 1;
}

void
rd_cookie_forget(struct req *r)
{
	char v[RD_COOKIE_MAX];

	(void)rd_cookie_read(r, v);
}

int
rd_cookie_take(struct req *r, char *dst)
{
	char	v[RD_COOKIE_MAX], back[RD_COOKIE_MAX];
	size_t	n, m;
	int	ok;

	dst[0] = '\0';
	if (!rd_cookie_read(r, v))
		return 0;
	/* Unpadded base64url, canonical: 4 characters per 3 bytes, never 1 left over. */
	n = strlen(v);
	m = n * 3 / 4;
	ok = n > 0 && n % 4 != 1 && m <= RD_URL_MAX &&
	    b64_decode_exact((uint8_t *)dst, m, v, n) == 0;
	if (ok) {
		dst[m] = '\0';
		b64_encode(back, (const uint8_t *)dst, m);
		ok = strcmp(back, v) == 0 && strlen(dst) == m &&
		    rd_allowed(dst, r->fe->conf.public_url, &r->fe->conf.redirect_hosts);
	}
	if (!ok)
		dst[0] = '\0';
	return ok;
}
