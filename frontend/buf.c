/* Bounded text buffer with HTML and JSON escaping. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sb_init(struct sbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void
sb_free(struct sbuf *sb)
{
	free(sb->p);
	sb_init(sb);
}

static int
sb_reserve(struct sbuf *sb, size_t n)
{
	size_t	 cap;
	char	*np;

	if (sb->err)
		return -1;
	if (n > SB_MAX || sb->len + n + 1 > SB_MAX) {
		sb->err = 1;
		return -1;
	}
	if (sb->len + n + 1 <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 1024;
	while (cap < sb->len + n + 1)
		cap *= 2;
	if ((np = realloc(sb->p, cap)) == NULL) {
		sb->err = 1;
		return -1;
	}
	sb->p = np;
	sb->cap = cap;
	return 0;
}

void
sb_addn(struct sbuf *sb, const char *s, size_t n)
{
	if (sb_reserve(sb, n) == -1)
		return;
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

void
sb_add(struct sbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void
sb_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_reserve(sb, (size_t)n) == -1) {
		sb->err = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void
sb_html(struct sbuf *sb, const char *s)
{
	const char	*run = s;

	for (; *s != '\0'; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		sb_addn(sb, run, (size_t)(s - run));
		sb_add(sb, e);
		run = s + 1;
	}
	sb_addn(sb, run, (size_t)(s - run));
}

void
sb_json(struct sbuf *sb, const char *s)
{
	unsigned char c;

	sb_addn(sb, "\"", 1);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			sb_addn(sb, "\\", 1);
			sb_addn(sb, s, 1);
		} else if (c < 0x20 || c == 0x7f)
			sb_addf(sb, "\\u%04x", c);
		else if (c == '<' || c == '>' || c == '&')
			sb_addf(sb, "\\u%04x", c);	/* harmless if ever sniffed as HTML */
		else
			sb_addn(sb, s, 1);
	}
	sb_addn(sb, "\"", 1);
}

const char *
sb_str(struct sbuf *sb)
{
	return sb->err || sb->p == NULL ? "" : sb->p;
}
