/* Bounded text buffer that wipes what it held: see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define BUF_FIRST_CAP	8192	/* a page fits: no growth, no copy */

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max < SIZE_MAX / 2 ? max : SIZE_MAX / 2;
}

/* The bytes that ever held contents: they are only ever written below len
 * (and its NUL), the rest of the block is untouched since malloc. */
static size_t
buf_written(const struct buf *b)
{
	return b->p == NULL ? 0 : (b->len + 1 < b->cap ? b->len + 1 : b->cap);
}

/* Room for n more bytes and the NUL, in a fresh block so that a secret never
 * lingers in memory realloc gave back.  0, or -1 with the error set. */
static int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->err)
		return -1;
	if (n > b->max || b->len + n > b->max) {
		b->err = BUF_ETOOBIG;
		return -1;
	}
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : BUF_FIRST_CAP;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	if ((p = malloc(cap)) == NULL) {
		b->err = BUF_EFAIL;
		return -1;
	}
	if (b->p != NULL)
		memcpy(p, b->p, b->len);
	mem_wipe_free(b->p, buf_written(b));
	b->p = p;
	b->cap = cap;
	return 0;
}

void
buf_addn(struct buf *b, const void *s, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_add(struct buf *b, const char *s)
{
	if (s == NULL) {
		b->err = BUF_EFAIL;
		return;
	}
	buf_addn(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_addn(b, &c, 1);
}

/* vsnprintf into the room the block has: 1 done, 0 it does not fit (nothing
 * added, what was tried wiped) or there is no block yet. */
static int
buf_addf_in_place(struct buf *b, const char *fmt, va_list ap)
{
	size_t	room;
	int	n;

	if (b->p == NULL || b->err)
		return 0;
	room = b->cap - b->len;
	n = vsnprintf(b->p + b->len, room, fmt, ap);
	if (n >= 0 && (size_t)n < room && b->len + (size_t)n <= b->max) {
		b->len += (size_t)n;
		return 1;
	}
	/* Bytes past len must stay untouched (buf_written): wipe the attempt. */
	sodium_memzero(b->p + b->len, room);
	return 0;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n, done;

	va_start(ap, fmt);
	done = buf_addf_in_place(b, fmt, ap);
	va_end(ap);
	if (done)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = BUF_EFAIL;
		return;
	}
	if (buf_reserve(b, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_add_html(struct buf *b, const char *s)
{
	const char	*run, *e;

	if (s == NULL) {
		b->err = BUF_EFAIL;
		return;
	}
	for (run = s; *s != '\0'; s++) {
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		buf_addn(b, run, (size_t)(s - run));
		buf_add(b, e);
		run = s + 1;
	}
	buf_addn(b, run, (size_t)(s - run));
}

void
buf_add_json(struct buf *b, const char *s)
{
	unsigned char c;

	if (s == NULL) {
		b->err = BUF_EFAIL;
		return;
	}
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, *s);
		} else if (c < 0x20 || c == 0x7f)
			buf_addf(b, "\\u%04x", c);
		else if (c == '<' || c == '>' || c == '&')
			buf_addf(b, "\\u%04x", c);	/* harmless if ever sniffed as HTML */
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

void
buf_add_escaped(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 esc[3];
	const unsigned char	*p;

	if (s == NULL) {
		b->err = BUF_EFAIL;
		return;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (unreserved(*p)) {
			buf_addc(b, (char)*p);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 0xf];
		buf_addn(b, esc, 3);
	}
}

void
buf_add_param(struct buf *b, const char *key, const char *value)
{
	if (b->len > 0 && b->p[b->len - 1] != '?')
		buf_addc(b, '&');
	buf_add_escaped(b, key);
	buf_addc(b, '=');
	buf_add_escaped(b, value);
}

size_t
buf_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;

	if (nmemb > 0 && size > SIZE_MAX / nmemb)
		b->err = BUF_ETOOBIG;
	else
		buf_addn(b, data, size * nmemb);
	return b->err ? 0 : size * nmemb;
}

const char *
buf_str(struct buf *b)
{
	if (b->p == NULL)
		buf_addn(b, "", 0);
	return b->err ? NULL : b->p;
}

char *
buf_take(struct buf *b)
{
	char *p;

	if (buf_str(b) == NULL) {
		buf_free(b);
		return NULL;
	}
	p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_reset(struct buf *b)
{
	if (b->p != NULL) {
		sodium_memzero(b->p, buf_written(b));
		b->p[0] = '\0';
	}
	b->len = 0;
	b->err = 0;
}

void
buf_free(struct buf *b)
{
	mem_wipe_free(b->p, buf_written(b));
	b->p = NULL;
	b->len = b->cap = 0;
}

void
mem_wipe_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	sodium_memzero(p, n);
	free(p);
}

void
str_wipe_free(char *s)
{
	if (s != NULL)
		mem_wipe_free(s, strlen(s));
}

char *
str_dup_max(const char *s, size_t max)
{
	size_t	 n;
	char	*p;

	if (s == NULL || (n = strnlen(s, max + 1)) > max)
		return NULL;
	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
