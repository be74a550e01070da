#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static int
buf_grow(struct buf *b, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->err)
		return -1;
	if (n > b->max || b->len + n > b->max) {
		b->err = 1;
		return -1;
	}
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 128;
	while (cap < b->len + n + 1)
		cap *= 2;
	/* A fresh block, so a secret never lingers in memory realloc gave back. */
	if ((p = malloc(cap)) == NULL) {
		b->err = 1;
		return -1;
	}
	if (b->p != NULL) {
		memcpy(p, b->p, b->len);
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
buf_addn(struct buf *b, const void *s, size_t n)
{
	if (buf_grow(b, n) == -1)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_add(struct buf *b, const char *s)
{
	if (s == NULL) {
		b->err = 1;
		return;
	}
	buf_addn(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_addn(b, &c, 1);
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
		b->err = 1;
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

const char *
buf_str(struct buf *b)
{
	if (b->err)
		return NULL;
	if (b->p == NULL && buf_grow(b, 0) == 0)
		b->p[0] = '\0';
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
buf_free(struct buf *b)
{
	if (b->p != NULL) {
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

void
str_wipe_free(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
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
