/*
 * libFuzzer: session cookie decoding as frontend/session.c does it for the
 * session and pre-login cookies: cookie_get() into a 64-byte value, then
 * b64url_id() to exactly TOKEN_LEN bytes, then the CSRF value derived from
 * the token; the pre-login cookie into a 344-byte value, then unpadded
 * base64url of 1..BINDING_MAX bytes in its one canonical spelling.  (fuzz_frontend_parse calls the two parsers on their
 * own; this is their chain with session.c's buffer sizes, and its invariants.)
 * session_read_cookie() itself needs an evhtp request for the header, so the
 * chain is rebuilt here with the same calls.
 */
#include <stdlib.h>
#include <string.h>

#include "../../frontend/parse.h"
#include "b64.h"
#include "csrf.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
decode(const char *hdr, size_t len, const char *name, size_t n)
{
	char	v[64], back[128], csrf[CSRF_LEN + 1];
	uint8_t	id[64];
	int	rc;

	memset(v, 0x5a, sizeof(v));
	rc = cookie_get(hdr, len, name, v, sizeof(v));
	if (rc < -1 || rc > 1)
		abort();
	if (rc != 1)
		return;
	if (memchr(v, '\0', sizeof(v)) == NULL)
		abort();	/* a found value is a C string within the buffer */
	if (b64url_id(id, n, v, strlen(v)) != 0)
		return;
	/* a value that decodes is the one canonical spelling of those bytes */
	b64_encode(back, id, n);
	if (strlen(v) != b64_len(n) || strcmp(back, v) != 0)
		abort();
	if (n == TOKEN_LEN) {
		csrf_derive(csrf, id);
		if (strlen(csrf) != CSRF_LEN)
			abort();
	}
}

static void
decode_login(const char *hdr, size_t len, const char *name)
{
	char	v[344], back[344];
	uint8_t	bin[BINDING_MAX];
	size_t	n;

	if (cookie_get(hdr, len, name, v, sizeof(v)) != 1)
		return;
	n = strlen(v);
	if (n == 0 || n % 4 == 1 || n * 3 / 4 > BINDING_MAX ||
	    b64_decode_exact(bin, n * 3 / 4, v, n) != 0)
		return;
	b64_encode(back, bin, n * 3 / 4);
	if (strlen(back) != n)
		abort();	/* the length rule and the decoder agree */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *h = (const char *)data;

	decode(h, size, "session", TOKEN_LEN);
	decode(h, size, "__Host-session", TOKEN_LEN);
	decode_login(h, size, "login");
	decode_login(h, size, "__Host-login");
	return 0;
}
