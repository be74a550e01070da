/* One-line errors and terminal-safe copies of server text. */
#include "cli.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

void
cli_error(const char *fmt, ...)
{
	va_list	 ap;

	fputs("airlock: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Length of the well-formed UTF-8 sequence at s (len > 0 bytes left), its code
 * point in *cp; 0 for a stray, overlong, truncated or surrogate sequence or one
 * above U+10FFFF. */
static size_t
utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	size_t	 need, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4, c = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need;
}

/* 0 for what drives a terminal or reorders text: C0, DEL, C1 (U+0080-U+009F),
 * line/paragraph separators and bidirectional overrides/isolates. */
static int
shown(uint32_t c)
{
	return c >= 0x20 && c != 0x7f && !(c >= 0x80 && c <= 0x9f) &&
	    !(c >= 0x2028 && c <= 0x202e) && !(c >= 0x2066 && c <= 0x2069);
}

void
cli_sanitize(char *dst, size_t n, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t	 i = 0, o = 0, k;
	uint32_t cp;

	if (n == 0)
		return;
	while (i < len && o + 1 < n) {
		if ((k = utf8_seq(s + i, len - i, &cp)) == 0 || !shown(cp)) {
			dst[o++] = '?';
			i += k == 0 ? 1 : k;
			continue;
		}
		if (o + k >= n)
			break;		/* a character is copied whole or not at all */
		while (k-- > 0)
			dst[o++] = (char)s[i++];
	}
	dst[o] = '\0';
}
