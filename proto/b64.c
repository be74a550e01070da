#include "b64.h"

#include <string.h>

#include <sodium.h>

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

size_t
b64_len(size_t n)
{
	return sodium_base64_encoded_len(n, B64_VARIANT) - 1;
}

void
b64_encode(char *dst, const uint8_t *src, size_t n)
{
	sodium_bin2base64(dst, b64_len(n) + 1, src, n, B64_VARIANT);
}

int
b64_decode_exact(uint8_t *dst, size_t n, const char *src, size_t srclen)
{
	size_t	 got = 0;
	const char *end = NULL;

	if (srclen != b64_len(n))
		return -1;
	if (sodium_base642bin(dst, n, src, srclen, NULL, &got, &end, B64_VARIANT) != 0 ||
	    got != n || end != src + srclen) {
		sodium_memzero(dst, n);
		return -1;
	}
	return 0;
}
