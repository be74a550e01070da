/*
 * The session cookie, the pre-login cookie, and CSRF (security properties 3 and 7 in README).
 *
 * The frontend holds no key, so the CSRF token cannot be a MAC.  It is a hash
 * of the session token instead: BLAKE2b-256 keyed with a public domain
 * separation string.  Only someone who knows the session token (an HttpOnly
 * cookie the store generated with 256 bits of randomness) can compute it, and
 * it is not the value the store keeps (domain separation).  Every POST must
 * carry it in the form field "csrf", and when the browser sends Origin or
 * Sec-Fetch-Site, they must say same-origin as well.  A leaf: reads headers
 * and adds Set-Cookie, answers nothing (route.c acts on the verdicts).
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "b64.h"
#include "csrf.h"
#include "parse.h"

#define COOKIE_VALUE_MAX 64	/* a session cookie's value and its NUL */
#define LOGIN_COOKIE_AGE 600
#define LOGIN_COOKIE_MAX 344	/* base64url of BINDING_MAX bytes, and its NUL */

_Static_assert(LOGIN_COOKIE_MAX >= 4 * BINDING_MAX / 3 + 2, "login cookie buffer");

/* The Cookie header(s): browsers send one; several are joined like RFC 6265 says. */
static int
cookie_value(struct req *r, const char *name, char *dst, size_t n)
{
	const char	*h;
	int		 count;

	h = hreq_header(r->h, "Cookie", &count);
	if (h == NULL)
		return 0;
	if (count > 1)
		return -1;	/* HTTP/1.1 clients send one; refuse to guess */
	return cookie_get(h, strlen(h), name, dst, n);
}

/*
 * Command-line sessions (handed out by /token) have a cookie name of their
 * own that only the routes command-line clients use accept: /secured and
 * POST /logout.  A browser tricked into fetching /token with someone else's
 * approved paircode (login CSRF) is thus signed in on no page.
 */
static const char *
cli_cookie_name(const struct req *r)
{
	return r->fe->conf.https ? "__Host-cli_session" : "cli_session";
}

/*
 * The last Cookie header a connection sent and the session token read from
 * it, with its CSRF token: a browser sends the same header with every
 * request on a keep-alive connection, so it is parsed, decoded and hashed
 * once per connection.  Kept in the connection's slot (hreq_conn_slot),
 * wiped when the connection closes; another header replaces it.  The token
 * read from a header depends only on the header and on which cookie names
 * are read (cli), both part of the key.
 */
#define COOKIE_HDR_CACHED	200	/* longer headers are read every time */

struct cookie_cache {
	size_t	 hlen;			/* of hdr; 0: empty */
	char	 hdr[COOKIE_HDR_CACHED];
	int	 cli;
	uint8_t	 token[TOKEN_LEN];
	int	 has_csrf;
	char	 csrf[CSRF_LEN + 1];
};

_Static_assert(sizeof(struct cookie_cache) <= HTTP_CONN_SLOT, "connection slot");

/* r->csrf from r->token (once). */
static void
derive_csrf(struct req *r)
{
	struct cookie_cache *c = hreq_conn_slot(r->h);

	if (r->csrf[0] != '\0' || !r->has_token)
		return;
	csrf_derive(r->csrf, r->token);
	if (c->hlen > 0 && sodium_memcmp(c->token, r->token, TOKEN_LEN) == 0) {
		memcpy(c->csrf, r->csrf, sizeof(c->csrf));
		c->has_csrf = 1;
	}
}

/* The session cookie of header h into r->token: 1, or 0 when there is none
 * that decodes. */
static int
token_read(struct req *r, const char *h, int cli)
{
	char	v[COOKIE_VALUE_MAX];
	size_t	n = strlen(h);
	int	got = 0;

	if (cli)
		got = cookie_get(h, n, cli_cookie_name(r), v, sizeof(v)) == 1;
	if (!got)
		got = cookie_get(h, n, r->fe->cookie_session, v, sizeof(v)) == 1;
	got = got && b64url_id(r->token, TOKEN_LEN, v, strlen(v)) == 0;
	sodium_memzero(v, sizeof(v));
	return got;
}

void
session_read_cookie(struct req *r, int cli)
{
	struct cookie_cache	*c = hreq_conn_slot(r->h);
	const char		*h;
	size_t			 n;
	int			 count;

	r->has_token = 0;
	r->csrf[0] = '\0';
	/* HTTP/1.1 clients send one Cookie header; with several, refuse to guess. */
	if ((h = hreq_header(r->h, "Cookie", &count)) == NULL || count != 1)
		return;
	n = strlen(h);
	if (c->hlen != 0 && n == c->hlen && c->cli == cli && sodium_memcmp(h, c->hdr, n) == 0) {
		memcpy(r->token, c->token, TOKEN_LEN);
		if (c->has_csrf)
			memcpy(r->csrf, c->csrf, sizeof(r->csrf));
		r->has_token = 1;
	} else if (token_read(r, h, cli)) {
		r->has_token = 1;
		sodium_memzero(c, sizeof(*c));
		if (n < sizeof(c->hdr)) {
			memcpy(c->hdr, h, n);
			c->hlen = n;
			c->cli = cli;
			memcpy(c->token, r->token, TOKEN_LEN);
		}
	}
	/* Pages may show a form; text routes (/secured, ...) never do. */
	if (r->has_token && r->style == STYLE_PAGE)
		derive_csrf(r);
}

int
session_login_binding(struct req *r, uint8_t binding[BINDING_MAX], size_t *len)
{
	char	v[LOGIN_COOKIE_MAX], back[LOGIN_COOKIE_MAX];
	size_t	n;
	int	ok;

	*len = 0;
	ok = cookie_value(r, r->fe->cookie_login, v, sizeof(v)) == 1;
	n = ok ? strlen(v) : 0;
	/* Unpadded base64url: 4 characters per 3 bytes, never 1 left over. */
	ok = ok && n > 0 && n % 4 != 1 && n * 3 / 4 <= BINDING_MAX &&
	    b64_decode_exact(binding, n * 3 / 4, v, n) == 0;
	if (ok) {
		/* Only the canonical spelling (no stray low bits in the last character). */
		b64_encode(back, binding, n * 3 / 4);
		ok = memcmp(back, v, n) == 0;
	}
	*len = ok ? n * 3 / 4 : 0;
	sodium_memzero(v, sizeof(v));
	sodium_memzero(back, sizeof(back));
	return ok;
}

/*
 * Origin and Sec-Fetch-Site, when the browser sends them, must say "this site".
 * Our pages are Referrer-Policy: no-referrer, and for that browsers send
 * "Origin: null" with a form POST (chromium does): that counts only together
 * with Sec-Fetch-Site: same-origin, a header no page can set.
 */
int
session_same_origin(struct req *r)
{
	const char	*origin, *site;
	int		 n, m;

	origin = hreq_header(r->h, "Origin", &n);
	site = hreq_header(r->h, "Sec-Fetch-Site", &m);
	if (n > 1 || m > 1 || (site != NULL && strcasecmp(site, "same-origin") != 0))
		return 0;
	if (origin == NULL || strcmp(origin, r->fe->conf.origin) == 0)
		return 1;
	return site != NULL && strcmp(origin, "null") == 0;
}

enum csrf_verdict
session_csrf_check(struct req *r, const char *body, size_t len)
{
	char	got[64];
	int	ok;

	if (!session_same_origin(r))
		return CSRF_CROSS_SITE;
	derive_csrf(r);
	ok = r->has_token && fe_form_get(body, len, "csrf", got, sizeof(got)) == 1 &&
	    strlen(got) == strlen(r->csrf) && sodium_memcmp(got, r->csrf, strlen(got)) == 0;
	sodium_memzero(got, sizeof(got));
	return ok ? CSRF_OK : CSRF_BAD_TOKEN;
}

static void
set_cookie(struct req *r, const char *name, const char *value, long long max_age)
{
	char line[512];

	snprintf(line, sizeof(line), "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax%s",
	    name, value, max_age, r->fe->conf.https ? "; Secure" : "");
	hreq_add_header(r->h, "Set-Cookie", line);
	sodium_memzero(line, sizeof(line));
}

void
session_set_cookie(struct req *r, const uint8_t token[TOKEN_LEN])
{
	char v[64];

	b64_encode(v, token, TOKEN_LEN);
	set_cookie(r, r->fe->cookie_session, v, r->fe->conf.session_max_age);
	sodium_memzero(v, sizeof(v));
}

void
session_set_cli_cookie(struct req *r, const uint8_t token[TOKEN_LEN])
{
	char v[64];

	b64_encode(v, token, TOKEN_LEN);
	set_cookie(r, cli_cookie_name(r), v, r->fe->conf.session_max_age);
	sodium_memzero(v, sizeof(v));
}

void
session_clear_cookie(struct req *r)
{
	set_cookie(r, r->fe->cookie_session, "", 0);
}

void
session_set_login_cookie(struct req *r, const uint8_t *binding, size_t len)
{
	char v[LOGIN_COOKIE_MAX];

	if (len == 0 || len > BINDING_MAX)
		return;
	b64_encode(v, binding, len);
	set_cookie(r, r->fe->cookie_login, v, LOGIN_COOKIE_AGE);
	sodium_memzero(v, sizeof(v));
}

void
session_clear_login_cookie(struct req *r)
{
	set_cookie(r, r->fe->cookie_login, "", 0);
}

static const char *
ua_browser(const char *ua)
{
	/* Order matters: Edge and Chrome say "Safari", Edge says "Chrome". */
	if (strstr(ua, "Firefox/"))
		return "Firefox";
	if (strstr(ua, "Edg/"))
		return "Edge";
	if (strstr(ua, "Chrome/") || strstr(ua, "Chromium/"))
		return "Chrome";
	if (strstr(ua, "Safari/"))
		return "Safari";
	if (strncmp(ua, "curl/", 5) == 0)
		return "curl";
	return NULL;
}

static const char *
ua_system(const char *ua)
{
	if (strstr(ua, "Android"))
		return "Android";
	if (strstr(ua, "iPhone") || strstr(ua, "iPad"))
		return "iOS";
	if (strstr(ua, "Windows"))
		return "Windows";
	if (strstr(ua, "Mac OS"))
		return "macOS";
	if (strstr(ua, "Linux"))
		return "Linux";
	return NULL;
}

void
session_label(struct req *r, char *dst, size_t n)
{
	const char	*ua = hreq_header(r->h, "User-Agent", NULL), *b, *s;
	char		 tmp[MAX_LABEL + 1];

	if (ua == NULL) {
		snprintf(dst, n, "Browser");
		return;
	}
	b = ua_browser(ua);
	s = ua_system(ua);
	if (b != NULL && s != NULL)
		snprintf(dst, n, "%s on %s", b, s);
	else if (b != NULL)
		snprintf(dst, n, "%s", b);
	else {
		printable_copy(tmp, sizeof(tmp), ua);
		snprintf(dst, n, "%s", tmp[0] != '\0' ? tmp : "Browser");
	}
}
