/* See csrf.h. */
#include "csrf.h"

#include <sodium.h>

#include "b64.h"

#define CSRF_DOMAIN	"airlock-csrf-v1:"	/* 16 bytes: crypto_generichash_KEYBYTES_MIN */

void
csrf_derive(char out[CSRF_LEN + 1], const uint8_t token[TOKEN_LEN])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), token, TOKEN_LEN,
	    (const uint8_t *)CSRF_DOMAIN, sizeof(CSRF_DOMAIN) - 1);
	b64_encode(out, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}
