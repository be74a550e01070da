/* Query, form, cookie and Accept parsing: see parse.h for the rules. */
#include "parse.h"

#include <string.h>
#include <strings.h>

#include "b64.h"
#include "text.h"
#include "msg.h"

/* One "name=value" segment of s: [*pos, end of segment). */
struct seg {
	const char	*name, *val;
	size_t		 nlen, vlen;
};

/* Next non-empty segment; 0 at the end. */
static int
seg_next(const char *s, size_t len, size_t *pos, struct seg *g)
{
	const char	*p, *amp, *eq;
	size_t		 n;

	while (*pos < len && s[*pos] == '&')
		(*pos)++;
	if (*pos >= len)
		return 0;
	p = s + *pos;
	amp = memchr(p, '&', len - *pos);
	n = amp ? (size_t)(amp - p) : len - *pos;
	*pos += n;
	eq = memchr(p, '=', n);
	g->name = p;
	g->nlen = eq ? (size_t)(eq - p) : n;
	g->val = eq ? eq + 1 : p + n;
	g->vlen = eq ? n - g->nlen - 1 : 0;
	return 1;
}

static int
name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return i > 0;
}

/* pct_decode(NULL, 0, v, n) != -1: without an escape, no control byte. */
static int
value_ok(const char *v, size_t n)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)v[i];
		if (c == '%')
			return pct_decode(NULL, 0, v, n) != -1;
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

int
fe_form_check(const char *s, size_t len)
{
	char		names[FORM_MAX_PAIRS][FORM_MAX_NAME + 1];
	struct seg	g;
	size_t		pos = 0, n = 0, i;

	while (seg_next(s, len, &pos, &g)) {
		if (n == FORM_MAX_PAIRS ||
		    pct_decode(names[n], sizeof(names[n]), g.name, g.nlen) <= 0 ||
		    !name_ok(names[n]))
			return -1;
		if (!value_ok(g.val, g.vlen))
			return -1;
		for (i = 0; i < n; i++)
			if (strcmp(names[i], names[n]) == 0)
				return -1;
		n++;
	}
	return 0;
}

int
fe_form_get(const char *s, size_t len, const char *name, char *dst, size_t dstsize)
{
	char		nm[FORM_MAX_NAME + 1];
	struct seg	g;
	size_t		pos = 0;

	if (fe_form_check(s, len) == -1)
		return -1;
	while (seg_next(s, len, &pos, &g)) {
		if (pct_decode(nm, sizeof(nm), g.name, g.nlen) <= 0 || strcmp(nm, name) != 0)
			continue;
		return pct_decode(dst, dstsize, g.val, g.vlen) == -1 ? -1 : 1;
	}
	return 0;
}

int
cookie_get(const char *hdr, size_t len, const char *name, char *dst, size_t dstsize)
{
	size_t	 i = 0, ns, nl, vs, vl, want = strlen(name);
	int	 found = 0, bad;

	while (i < len) {
		while (i < len && (hdr[i] == ' ' || hdr[i] == '\t' || hdr[i] == ';'))
			i++;
		ns = i;
		while (i < len && http_token_char((unsigned char)hdr[i]))
			i++;
		nl = i - ns;
		bad = nl == 0 || i >= len || hdr[i] != '=';
		vs = vl = 0;
		if (!bad) {
			vs = ++i;
			if (i < len && hdr[i] == '"')
				i++;
			while (i < len && cookie_octet((unsigned char)hdr[i]))
				i++;
			if (i > vs && hdr[vs] == '"') {
				if (i >= len || hdr[i] != '"')
					bad = 1;
				else {
					vs++;
					vl = i - vs;
					i++;
				}
			} else
				vl = i - vs;
			while (i < len && (hdr[i] == ' ' || hdr[i] == '\t'))
				i++;
			if (i < len && hdr[i] != ';')
				bad = 1;
		}
		if (bad) {
			/* Someone else's odd cookie: skip to the next ';'.  Ours must parse. */
			if (nl == want && memcmp(hdr + ns, name, want) == 0)
				return -1;
			while (i < len && hdr[i] != ';')
				i++;
			continue;
		}
		if (nl != want || memcmp(hdr + ns, name, want) != 0)
			continue;
		if (found || vl + 1 > dstsize)
			return -1;
		memcpy(dst, hdr + vs, vl);
		dst[vl] = '\0';
		found = 1;
	}
	return found;
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* q=0, q=0.0, q=0.00, q=0.000 */
static int
q_zero(const char *p, size_t n)
{
	size_t i;

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n < 3 || strncasecmp(p, "q=", 2) != 0 || p[2] != '0')
		return 0;
	for (i = 3; i < n; i++)
		if (p[i] != '0' && !(i == 3 && p[i] == '.'))
			return 0;
	return 1;
}

/* One media range [p, end): "type/subtype *( OWS ; OWS param )". */
static int
range_is_json(const char *p, const char *end)
{
	const char	*semi = memchr(p, ';', (size_t)(end - p)), *par, *pe;
	size_t		 n = (size_t)((semi ? semi : end) - p);

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n != 16 || strncasecmp(p, "application/json", 16) != 0)
		return 0;
	for (par = semi; par != NULL; par = pe < end ? pe : NULL) {
		par = skip_ows(par + 1);
		if (par > end)
			break;
		pe = memchr(par, ';', (size_t)(end - par));
		if (pe == NULL)
			pe = end;
		if (q_zero(par, (size_t)(pe - par)))
			return 0;
	}
	return 1;
}

int
accept_json(const char *accept)
{
	const char *p = accept, *end;

	if (accept == NULL)
		return 0;
	while (*p != '\0') {
		p = skip_ows(p);
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		if (range_is_json(p, end))
			return 1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

int
b64url_id(uint8_t *dst, size_t n, const char *s, size_t len)
{
	char	back[128];

	if (n > 64 || len != b64_len(n) || b64_decode_exact(dst, n, s, len) == -1)
		return -1;
	/* Only the canonical spelling: no second URL for the same id. */
	b64_encode(back, dst, n);
	if (memcmp(back, s, len) != 0)
		return -1;
	return 0;
}

void
printable_copy(char *dst, size_t dstsize, const char *src)
{
	size_t i, o = 0;

	if (dstsize == 0)
		return;
	for (i = 0; src != NULL && src[i] != '\0' && o + 1 < dstsize; i++)
		if ((unsigned char)src[i] >= 0x20 && (unsigned char)src[i] < 0x7f)
			dst[o++] = src[i];
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}
