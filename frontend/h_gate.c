/*
 * GET /auth: forward authentication for a reverse proxy (nginx auth_request,
 * Traefik forwardAuth, Caddy forward_auth).  The proxy asks, for every
 * request to the application it protects, whether the request's session is
 * live; airlock answers 202 with who it is, or 401.
 *
 * The session token comes from the session cookie (route.c read it) or from
 * "Authorization: Bearer <token>", the same 43 characters of base64url the
 * cookie holds (what the command line's session is).  A Bearer credential
 * that is not exactly such a token is refused (401), cookie or not; other
 * Authorization schemes are the application's and are ignored here.
 *
 * One store request (STORE_SESSION_GET, as every signed-in page makes).  A
 * 202 carries X-Airlock-User (the user id, "provider:subject"),
 * X-Airlock-Name, X-Airlock-Email (when the provider gave a verified one) and
 * X-Airlock-Provider (the user id before its ':'), with an empty body.  Each
 * value is percent-encoded: every byte outside printable ASCII (0x21-0x7e),
 * the space and '%' become %XX, so a value is one line of visible ASCII
 * whatever the provider sent, and decodes (as UTF-8) with any URL decoder.
 * A 401 carries no identity header.  The store down or slow: 503 / 504.
 *
 * Not rate-limited per address (not RF_ANON): the proxy calls it for each
 * of its clients' requests, from its own address.
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "parse.h"

#define BEARER		"Bearer"
#define BEARER_LEN	(sizeof(BEARER) - 1)
/* The longest header value: every byte of a name or an address as %XX. */
#define GATE_VALUE_MAX	(3 * (MAX_NAME > MAX_EMAIL ? MAX_NAME : MAX_EMAIL) + 1)

_Static_assert(MAX_USERID <= MAX_NAME || MAX_USERID <= MAX_EMAIL, "header value buffer");

/* "Authorization: Bearer <token>" into r->token: 1 taken, 0 no Bearer
 * credential (no header, or another scheme), -1 malformed or repeated. */
static int
bearer_token(struct req *r)
{
	const char	*h;
	int		 count;

	if ((h = hreq_header(r->h, "Authorization", &count)) == NULL)
		return 0;
	if (count != 1)
		return -1;
	if (strncasecmp(h, BEARER, BEARER_LEN) != 0 ||
	    (h[BEARER_LEN] != ' ' && h[BEARER_LEN] != '\0'))
		return 0;	/* another scheme: the application's */
	/* Exactly one space, then the canonical base64url of TOKEN_LEN bytes. */
	if (h[BEARER_LEN] == '\0' ||
	    b64url_id(r->token, TOKEN_LEN, h + BEARER_LEN + 1, strlen(h + BEARER_LEN + 1)) == -1) {
		sodium_memzero(r->token, TOKEN_LEN);
		return -1;
	}
	return 1;
}

/* src percent-encoded as the comment at the top says (dst: GATE_VALUE_MAX). */
static void
header_value(char *dst, const char *src)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, o = 0;
	unsigned char		 c;

	for (i = 0; src[i] != '\0' && o + 4 <= GATE_VALUE_MAX; i++) {
		c = (unsigned char)src[i];
		if (c > 0x20 && c < 0x7f && c != '%') {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '%';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0x0f];
	}
	dst[o] = '\0';
}

static void
add_identity(struct req *r, const char *name, const char *value)
{
	char v[GATE_VALUE_MAX];

	header_value(v, value);
	hreq_add_header(r->h, name, v);		/* visible ASCII only: cannot fail on CR/LF */
}

static void
unauthorized(struct req *r)
{
	hreq_add_header(r->h, "WWW-Authenticate", "Bearer realm=\"airlock\"");
	reply(r, 401, CT_TEXT, NULL, 0);
}

static void
gate_answer(struct req *r)
{
	struct st_secured	*s = &r->u.secured;
	char			 provider[MAX_USERID + 1];
	const char		*colon;

	if (s->st == ST_NOTFOUND) {		/* no such session, expired or revoked */
		unauthorized(r);
		return;
	}
	if (s->st != ST_OK) {
		reply_backend_status(r, s->st);
		return;
	}
	colon = strchr(s->sess.user_id, ':');
	snprintf(provider, sizeof(provider), "%.*s",
	    colon != NULL ? (int)(colon - s->sess.user_id) : 0, s->sess.user_id);
	add_identity(r, "X-Airlock-User", s->sess.user_id);
	add_identity(r, "X-Airlock-Name", s->sess.name);
	if (s->sess.email[0] != '\0')
		add_identity(r, "X-Airlock-Email", s->sess.email);
	add_identity(r, "X-Airlock-Provider", provider);
	reply(r, 202, NULL, NULL, 0);
}

void
h_gate_auth(struct req *r)
{
	struct st_secured	*s = &r->u.secured;
	int			 b;

	if ((b = bearer_token(r)) == -1) {
		r->has_token = 0;
		unauthorized(r);
		return;
	}
	if (b == 1)
		r->has_token = 1;
	if (!r->has_token) {
		unauthorized(r);
		return;
	}
	be_session_get(r, &s->sess, &s->st);
	be_wait(r, gate_answer);
}
