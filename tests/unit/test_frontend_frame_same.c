/*
 * frontend/frame.c against a plain byte-by-byte reference (the same rules,
 * written the obvious way): the same verdict and the same frame for every
 * input of a large pseudo-random set of requests, whole, cut short and
 * mutated byte by byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "../../frontend/frame.h"

/* ------------------------------------------------------------ reference */

#define MAX_METHOD	16
#define MAX_CL_DIGITS	12
#define MAX_FIELD_LINE	8000	/* evhtp's parser drops tokens over 8 KiB without a word */

struct scan {
	const struct frame_limits	*lim;
	struct frame			*f;
	size_t				 nheaders;
	int				 has_cl;
	int				 has_te;
	int				 te_chunked;
};

static int
tchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

/* "METHOD SP request-target SP HTTP/1.x" */
static int
request_line(struct scan *s, const char *p, size_t n)
{
	size_t	i, m, t;

	for (m = 0; m < n && p[m] != ' '; m++)
		if (!(p[m] >= 'A' && p[m] <= 'Z') && p[m] != '_' && p[m] != '-')
			return 400;
	if (m == 0 || m > MAX_METHOD || m == n)
		return 400;
	for (t = m + 1; t < n && p[t] != ' '; t++)
		if ((unsigned char)p[t] <= 0x20 || (unsigned char)p[t] >= 0x7f)
			return 400;
	if (t - (m + 1) > s->lim->max_target)
		return 414;
	if (t == m + 1 || p[m + 1] != '/' || t == n)
		return 400;
	i = t + 1;
	if (n - i != 8 || strncmp(p + i, "HTTP/1.", 7) != 0)
		return n - i == 8 && strncmp(p + i, "HTTP/", 5) == 0 ? 505 : 400;
	if (p[i + 7] != '0' && p[i + 7] != '1')
		return 505;
	return 0;
}

static int
name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* The value with optional whitespace trimmed. */
static void
trim(const char **v, size_t *n)
{
	while (*n > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n > 0 && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
		(*n)--;
}

static int
content_length(struct scan *s, const char *v, size_t n)
{
	size_t	i, cl = 0;

	if (s->has_cl++ || n == 0 || n > MAX_CL_DIGITS)
		return 400;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 400;
		cl = cl * 10 + (size_t)(v[i] - '0');
	}
	s->f->body_len = cl;
	return 0;
}

static int
header_line(struct scan *s, const char *p, size_t n)
{
	const char	*colon, *v;
	size_t		 nl, vl, i;

	if (++s->nheaders > s->lim->max_headers || n > MAX_FIELD_LINE)
		return 431;
	if (n == 0 || p[0] == ' ' || p[0] == '\t')	/* obsolete line folding */
		return 400;
	if ((colon = memchr(p, ':', n)) == NULL || colon == p)
		return 400;
	nl = (size_t)(colon - p);
	for (i = 0; i < nl; i++)
		if (!tchar((unsigned char)p[i]))
			return 400;
	v = colon + 1;
	vl = n - nl - 1;
	trim(&v, &vl);
	if (name_is(p, nl, "Content-Length"))
		return content_length(s, v, vl);
	if (name_is(p, nl, "Transfer-Encoding")) {
		if (s->has_te++)
			return 400;
		s->te_chunked = vl == 7 && strncasecmp(v, "chunked", 7) == 0;
	} else if (name_is(p, nl, "Expect")) {
		if (vl != 12 || strncasecmp(v, "100-continue", 12) != 0)
			return 417;
		s->f->expect_100 = 1;
	}
	return 0;
}

static int
ref_frame_check(const char *b, size_t len, const struct frame_limits *lim, struct frame *f)
{
	struct scan	 s;
	size_t		 i, n, start = 0, nlines = 0;
	unsigned char	 c;
	int		 st;

	memset(f, 0, sizeof(*f));
	memset(&s, 0, sizeof(s));
	s.lim = lim;
	s.f = f;
	n = len < lim->max_head ? len : lim->max_head;
	for (i = 0; i < n && f->head_len == 0; i++) {
		c = (unsigned char)b[i];
		if (c == '\r') {
			if (i + 1 < len && b[i + 1] != '\n')
				return 400;		/* bare CR */
			continue;
		}
		if (c != '\n') {
			if ((c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && nlines == 0))
				return 400;
			if (nlines == 0 && i - start > lim->max_target + MAX_METHOD + 16)
				return 414;
			continue;
		}
		if (i == 0 || b[i - 1] != '\r')
			return 400;			/* bare LF */
		if (i - 1 == start) {			/* empty line */
			if (nlines == 0)
				return 400;
			f->head_len = i + 1;
			break;
		}
		st = nlines == 0 ? request_line(&s, b + start, i - 1 - start) :
		    header_line(&s, b + start, i - 1 - start);
		if (st != 0)
			return st;
		nlines++;
		start = i + 1;
	}
	if (f->head_len == 0) {
		f->body_len = 0;
		f->expect_100 = 0;
		if (len >= lim->max_head)
			return nlines == 0 ? 414 : 431;
		return FRAME_WAIT;
	}
	if (s.has_te)
		return s.has_cl ? 400 : s.te_chunked ? 411 : 501;
	if (f->body_len > lim->max_body)
		return 413;
	return len >= f->head_len + f->body_len ? FRAME_OK : FRAME_WAIT;
}

/* ------------------------------------------------------------ inputs */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const pieces[] = {
	"GET ", "POST ", "HEAD ", "get ", "/", "/a?b=c", "/caf\xc3\xa9", " HTTP/1.1\r\n",
	" HTTP/1.0\r\n", " HTTP/2.0\r\n", "\r\n", "\n", "\r", "Host: x\r\n",
	"Content-Length: 3\r\n", "content-length:  12 \r\n", "Content-Length: 1x\r\n",
	"Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n",
	"Expect: 100-continue\r\n", "Expect: nope\r\n", " folded\r\n", "NoColon\r\n",
	"Bad Name: v\r\n", ": v\r\n", "X: a\tb\r\n", "X: caf\xc3\xa9\r\n",
	"Cookie: session=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\r\n", "abc", "\x01", "\x7f",
	"\t", " ", ":", "\xff",
	"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"?q=0123456789012345678901234567890123456789",
};

static size_t
make_input(char *dst, size_t cap)
{
	size_t	n = 0, k, i, l;

	if (rnd(4) != 0) {	/* mostly a plausible start */
		memcpy(dst, "GET / HTTP/1.1\r\n", 16);
		n = 16;
	}
	k = rnd(12);
	for (i = 0; i < k; i++) {
		const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];

		l = strlen(p);
		if (n + l >= cap)
			break;
		memcpy(dst + n, p, l);
		n += l;
	}
	if (rnd(2) && n + 2 < cap) {
		memcpy(dst + n, "\r\n", 2);
		n += 2;
	}
	for (i = rnd(3); i > 0 && n > 0; i--)	/* byte mutations */
		dst[rnd((unsigned)n)] = (char)rnd(256);
	if (rnd(8) == 0 && n > 0)		/* cut short */
		n = rnd((unsigned)n);
	return n;
}

int
main(void)
{
	static const struct frame_limits lims[] = {
		{ 64, 512, 8, 100 }, { 8, 40, 2, 5 }, { 4096, 16384, 64, 16384 },
	};
	struct frame	 a, b;
	char		 in[600];
	size_t		 i, n, bad = 0;
	int		 ra, rb;

	for (i = 0; i < 300000; i++) {
		const struct frame_limits *lim = &lims[i % 3];

		n = make_input(in, sizeof(in));
		ra = frame_check(in, n, lim, &a);
		rb = ref_frame_check(in, n, lim, &b);
		if (ra != rb || (ra == FRAME_OK && memcmp(&a, &b, sizeof(a)) != 0) ||
		    (ra == FRAME_WAIT && (a.head_len != b.head_len || a.expect_100 != b.expect_100))) {
			if (bad++ < 5)
				printf("differs (%d vs %d) on %zu bytes: %.*s\n", ra, rb, n, (int)n, in);
		}
	}
	CHECK(bad == 0, "frame_check agrees with the reference on 300000 inputs (%zu differ)", bad);
	return CHECK_DONE();
}
