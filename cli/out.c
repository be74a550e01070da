/* One-line errors and terminal-safe copies of server text. */
#include "cli.h"

#include <stdarg.h>
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

void
cli_sanitize(char *dst, size_t n, const char *src, size_t len)
{
	size_t	 i, o = 0;

	if (n == 0)
		return;
	for (i = 0; i < len && o + 1 < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[o] = '\0';
}
