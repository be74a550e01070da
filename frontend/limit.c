/* Limits per client address: see limit.h. */
#include "limit.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define ADDR_TEXT_MAX	45		/* longest IPv6 literal */
#define RATE_WAYS	8		/* buckets per set */
#define MILLI		1000		/* a token in thousandths */

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* --------------------------------------------------------------- addresses */

int
addr_is_v4(const struct addr *a)
{
	return memcmp(a->b, v4_prefix, sizeof(v4_prefix)) == 0;
}

int
addr_parse(const char *text, size_t len, struct addr *a)
{
	char	buf[ADDR_TEXT_MAX + 1];
	size_t	i;

	if (len == 0 || len > ADDR_TEXT_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (strchr("0123456789abcdefABCDEF.:", text[i]) == NULL || text[i] == '\0')
			return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->b + 12) == 1) {
		memcpy(a->b, v4_prefix, sizeof(v4_prefix));
		return 0;
	}
	return inet_pton(AF_INET6, buf, a->b) == 1 ? 0 : -1;
}

int
addr_from_sockaddr(const struct sockaddr *sa, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		memcpy(a->b, v4_prefix, sizeof(v4_prefix));
		memcpy(a->b + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(a->b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

void
addr_text(const struct addr *a, char *dst, size_t n)
{
	const char *ok;

	if (addr_is_v4(a))
		ok = inet_ntop(AF_INET, a->b + 12, dst, (socklen_t)n);
	else
		ok = inet_ntop(AF_INET6, a->b, dst, (socklen_t)n);
	if (ok == NULL && n > 0)
		dst[0] = '\0';
}

void
addr_group(const struct addr *a, struct addr *g)
{
	*g = *a;
	if (!addr_is_v4(a))
		memset(g->b + 8, 0, 8);
}

/* ------------------------------------------------------------- CIDR lists */

static void
mask_to(struct addr *a, unsigned bits)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			a->b[i] &= (uint8_t)(0xff00u >> bits);
			bits = 0;
		}
	}
}

/* "0".."128" without leading zeros. */
static int
parse_bits(const char *s, size_t len, unsigned *bits)
{
	unsigned	v = 0;
	size_t		i;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*bits = v;
	return 0;
}

static int
cidr_parse(const char *s, size_t len, struct cidr *c)
{
	const char	*slash = memchr(s, '/', len);
	size_t		 alen = slash != NULL ? (size_t)(slash - s) : len;
	unsigned	 bits, max;

	if (addr_parse(s, alen, &c->a) == -1)
		return -1;
	max = addr_is_v4(&c->a) ? 32 : 128;
	if (slash == NULL)
		bits = max;
	else if (parse_bits(slash + 1, len - alen - 1, &bits) == -1 || bits > max)
		return -1;
	c->bits = addr_is_v4(&c->a) ? 96 + bits : bits;
	mask_to(&c->a, c->bits);
	return 0;
}

int
cidr_list_parse(const char *text, struct cidr_list *l, char *err, size_t errlen)
{
	const char	*p = text, *e;
	size_t		 n;

	memset(l, 0, sizeof(*l));
	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			return 0;
		n = strcspn(p, ", \t");
		e = p + n;
		if (l->n == CIDR_LIST_MAX) {
			snprintf(err, errlen, "more than %d entries", CIDR_LIST_MAX);
			return -1;
		}
		if (cidr_parse(p, n, &l->c[l->n]) == -1) {
			snprintf(err, errlen, "\"%.*s\" is not an address or address/bits",
			    n > 60 ? 60 : (int)n, p);
			return -1;
		}
		l->n++;
		p = e;
	}
}

int
cidr_list_match(const struct cidr_list *l, const struct addr *a)
{
	struct addr	m;
	size_t		i;

	for (i = 0; i < l->n; i++) {
		m = *a;
		mask_to(&m, l->c[i].bits);
		if (memcmp(m.b, l->c[i].a.b, sizeof(m.b)) == 0)
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- hashing */

static uint64_t
addr_hash(const uint8_t key[crypto_shorthash_KEYBYTES], const struct addr *a)
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, a->b, sizeof(a->b), key);
	memcpy(&h, out, sizeof(h));
	return h;
}

static size_t
pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

/* ------------------------------------------------------------ rate table */

struct bucket {
	struct addr	g;
	uint64_t	last_ms;	/* last take: recency, and refill start */
	uint64_t	milli;		/* tokens in thousandths */
	int		used;
};

struct rate_table {
	uint8_t		 key[crypto_shorthash_KEYBYTES];
	size_t		 nsets;
	uint64_t	 cap;		/* burst * MILLI */
	uint64_t	 per_ms;	/* thousandths refilled per millisecond = per_sec */
	struct bucket	*b;
};

struct rate_table *
rate_table_new(size_t entries, unsigned burst, unsigned per_sec)
{
	struct rate_table *t;

	if (burst == 0 || per_sec == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->nsets = pow2_at_least((entries + RATE_WAYS - 1) / RATE_WAYS);
	if ((t->b = calloc(t->nsets * RATE_WAYS, sizeof(*t->b))) == NULL) {
		free(t);
		return NULL;
	}
	randombytes_buf(t->key, sizeof(t->key));
	t->cap = (uint64_t)burst * MILLI;
	t->per_ms = per_sec;
	return t;
}

void
rate_table_free(struct rate_table *t)
{
	if (t == NULL)
		return;
	free(t->b);
	free(t);
}

static uint64_t
refilled(const struct rate_table *t, const struct bucket *b, uint64_t now)
{
	uint64_t dt = now > b->last_ms ? now - b->last_ms : 0;

	if (dt >= (t->cap - b->milli) / t->per_ms + 1)
		return t->cap;
	return b->milli + dt * t->per_ms;
}

/* The bucket of g in its set: found, or a free / full-again / least recently used one, reset. */
static struct bucket *
bucket_for(struct rate_table *t, const struct addr *g, uint64_t now)
{
	struct bucket	*set = t->b + (addr_hash(t->key, g) & (t->nsets - 1)) * RATE_WAYS;
	struct bucket	*victim = NULL;
	size_t		 i;

	for (i = 0; i < RATE_WAYS; i++)
		if (set[i].used && memcmp(set[i].g.b, g->b, sizeof(g->b)) == 0)
			return &set[i];
	for (i = 0; i < RATE_WAYS && victim == NULL; i++)
		if (!set[i].used || refilled(t, &set[i], now) == t->cap)
			victim = &set[i];
	if (victim == NULL) {
		victim = &set[0];
		for (i = 1; i < RATE_WAYS; i++)
			if (set[i].last_ms < victim->last_ms)
				victim = &set[i];
	}
	victim->used = 1;
	victim->g = *g;
	victim->milli = t->cap;
	victim->last_ms = now;
	return victim;
}

int
rate_take(struct rate_table *t, const struct addr *g, uint64_t now_ms, unsigned *retry_sec)
{
	struct bucket	*b = bucket_for(t, g, now_ms);
	uint64_t	 wait_ms;

	b->milli = refilled(t, b, now_ms);
	if (now_ms > b->last_ms)
		b->last_ms = now_ms;
	if (b->milli >= MILLI) {
		b->milli -= MILLI;
		return 1;
	}
	wait_ms = (MILLI - b->milli + t->per_ms - 1) / t->per_ms;
	*retry_sec = (unsigned)((wait_ms + 999) / 1000);
	if (*retry_sec == 0)
		*retry_sec = 1;
	return 0;
}

/* ------------------------------------------------------------ conn table */

struct conn_slot {
	struct addr	g;
	unsigned	count;		/* 0: free */
};

struct conn_table {
	uint8_t		  key[crypto_shorthash_KEYBYTES];
	size_t		  size;		/* power of two, at least twice max */
	size_t		  max;
	size_t		  used;
	struct conn_slot *s;
};

struct conn_table *
conn_table_new(size_t max)
{
	struct conn_table *t;

	if (max == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->max = max;
	t->size = pow2_at_least(2 * max);
	if (t->size < 2 * max || (t->s = calloc(t->size, sizeof(*t->s))) == NULL) {
		free(t);
		return NULL;
	}
	randombytes_buf(t->key, sizeof(t->key));
	return t;
}

void
conn_table_free(struct conn_table *t)
{
	if (t == NULL)
		return;
	free(t->s);
	free(t);
}

/* Linear probing: g's slot, or the free slot that ends its run. */
static size_t
conn_find(const struct conn_table *t, const struct addr *g)
{
	size_t i = addr_hash(t->key, g) & (t->size - 1);

	while (t->s[i].count != 0 && memcmp(t->s[i].g.b, g->b, sizeof(g->b)) != 0)
		i = (i + 1) & (t->size - 1);
	return i;
}

unsigned
conn_add(struct conn_table *t, const struct addr *g)
{
	size_t i = conn_find(t, g);

	if (t->s[i].count == 0) {
		if (t->used >= t->max)
			return 0;
		t->s[i].g = *g;
		t->used++;
	}
	return ++t->s[i].count;
}

unsigned
conn_count(const struct conn_table *t, const struct addr *g)
{
	return t->s[conn_find(t, g)].count;
}

void
conn_del(struct conn_table *t, const struct addr *g)
{
	size_t	i = conn_find(t, g), j, home;

	if (t->s[i].count == 0 || --t->s[i].count > 0)
		return;
	t->used--;
	/* Backward-shift deletion keeps every run unbroken. */
	for (j = (i + 1) & (t->size - 1); t->s[j].count != 0; j = (j + 1) & (t->size - 1)) {
		home = addr_hash(t->key, &t->s[j].g) & (t->size - 1);
		if (((j - home) & (t->size - 1)) >= ((j - i) & (t->size - 1))) {
			t->s[i] = t->s[j];
			t->s[j].count = 0;
			i = j;
		}
	}
}
