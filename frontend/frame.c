/* Request framing and raw-byte checks: see frame.h. */
#include "frame.h"

#include <string.h>
#include <strings.h>

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

/* Byte classes, from the byte's value. */
#define C_CTL		0x01	/* refused in a head: controls but HT, CR and LF, and DEL */
#define C_CR		0x02
#define C_LF		0x04
#define C_TCHAR		0x08	/* a header name's character (RFC 9110 tchar) */
#define C_HIGH		0x10	/* >= 0x80: refused in the request line */

static unsigned char	 cls[256];
static int		 cls_ready;

static void
cls_init(void)
{
	unsigned c;

	for (c = 0; c < 256; c++) {
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			cls[c] |= C_CTL;
		if (c > 0x20 && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", (int)c) == NULL)
			cls[c] |= C_TCHAR;
		if (c >= 0x80)
			cls[c] |= C_HIGH;
	}
	cls['\r'] |= C_CR;
	cls['\n'] |= C_LF;
	cls_ready = 1;
}

static int
tchar(unsigned char c)
{
	return (cls[c] & C_TCHAR) != 0;
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

/* The first byte at or after i (below n) of one of the classes in mask; n when
 * there is none. */
static size_t
next_of(const unsigned char *b, size_t i, size_t n, unsigned char mask)
{
	while (i < n && !(cls[b[i]] & mask))
		i++;
	return i;
}

int
frame_check(const char *buf, size_t len, const struct frame_limits *lim, struct frame *f)
{
	const unsigned char	*b = (const unsigned char *)buf;
	struct scan		 s;
	size_t			 i, n, start = 0, nlines = 0;
	size_t			 line_max = lim->max_target + MAX_METHOD + 16;
	unsigned char		 c;
	int			 st;

	if (!cls_ready)
		cls_init();
	memset(f, 0, sizeof(*f));
	memset(&s, 0, sizeof(s));
	s.lim = lim;
	s.f = f;
	n = len < lim->max_head ? len : lim->max_head;
	for (i = 0; i < n && f->head_len == 0; i++) {
		/* Skip the bytes that need no look, up to the request line's bound. */
		if (nlines > 0)
			i = next_of(b, i, n, C_CTL | C_CR | C_LF);
		else
			i = next_of(b, i, n - start > line_max ? start + line_max + 1 : n,
			    C_CTL | C_CR | C_LF | C_HIGH);
		if (i == n)
			break;
		c = b[i];
		if (c == '\r') {
			if (i + 1 < len && b[i + 1] != '\n')
				return 400;		/* bare CR */
			continue;
		}
		if (c != '\n') {
			if ((cls[c] & C_CTL) || ((cls[c] & C_HIGH) && nlines == 0))
				return 400;
			if (nlines == 0 && i - start > line_max)
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
		st = nlines == 0 ? request_line(&s, buf + start, i - 1 - start) :
		    header_line(&s, buf + start, i - 1 - start);
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
