/* Percent-decoding, HTTP character classes and name shapes: see text.h. */
#include "text.h"

#include <string.h>

#include "msg.h"

int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

ssize_t
pct_decode(char *dst, size_t dstsize, const char *src, size_t len)
{
	size_t		i, o = 0;
	int		hi, lo;
	unsigned char	c;

	if (dst != NULL && dstsize == 0)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (len - i < 3 || (hi = hexval((unsigned char)src[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)src[i + 2])) < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (is_ctl(c))
			return -1;
		if (dst != NULL) {
			if (o + 1 >= dstsize)
				return -1;
			dst[o] = (char)c;
		}
		o++;
	}
	if (dst != NULL)
		dst[o] = '\0';
	return (ssize_t)o;
}

int
cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	    (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

int
http_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

/* Every byte of s[0..len) is a lower-case letter, a digit, '_' or '-', or
 * (with upper) an upper-case letter. */
static int
name_chars(const char *s, size_t len, int upper)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		    c == '-' || (upper && c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

int
paircode_valid(const char *s, size_t len)
{
	return len >= PAIRCODE_MIN && len <= PAIRCODE_MAX && name_chars(s, len, 1);
}

int
provider_name_valid(const char *s, size_t len)
{
	return len >= 1 && len <= MAX_PROVIDER && name_chars(s, len, 0);
}
