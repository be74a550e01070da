/* CSRF value for the CLI's own POSTs (logout), derived like the frontend does. */
#include "csrf.h"

#include <string.h>

#include <sodium.h>

#include "b64.h"
#include "msg.h"

#define CSRF_DOMAIN	"airlock-csrf-v1:"	/* must match frontend/session.c */

int
csrf_for_cookie(const char *cookie, char *out, size_t n)
{
	uint8_t		 token[TOKEN_LEN], h[32];
	const char	*v = strchr(cookie, '=');

	if (v == NULL || n < b64_len(sizeof(h)) + 1)
		return -1;
	v++;
	if (b64_decode_exact(token, sizeof(token), v, strlen(v)) == -1)
		return -1;
	crypto_generichash(h, sizeof(h), token, sizeof(token),
	    (const uint8_t *)CSRF_DOMAIN, sizeof(CSRF_DOMAIN) - 1);
	b64_encode(out, h, sizeof(h));
	sodium_memzero(token, sizeof(token));
	sodium_memzero(h, sizeof(h));
	return 0;
}
