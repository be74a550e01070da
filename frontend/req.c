/*
 * The request object: made by route.c, freed when its answer is sent
 * (reply.c) or when its connection is destroyed first (backend.c), with the
 * client's address and the clock.  Calls nothing in the frontend.
 */
#include "fe.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "parse.h"

/*
 * A struct req is about 13 KiB (room for every answer): freed ones, already wiped
 * to zero by req_free, are kept for the next requests instead of a calloc and
 * a free each time.  Not under ASan, which should see every use after free.
 */
#if defined(__SANITIZE_ADDRESS__)		/* gcc */
#define REQ_UNDER_ASAN
#elif defined(__has_feature)			/* clang (the fuzzers) */
#if __has_feature(address_sanitizer)
#define REQ_UNDER_ASAN
#endif
#endif
#ifdef REQ_UNDER_ASAN
#define REQ_CACHE	1
static const int req_cache_on = 0;
#else
#define REQ_CACHE	64
static const int req_cache_on = 1;
#endif
static struct req	*req_cache[REQ_CACHE];
static size_t		 req_cached;

struct req *
req_new(struct fe *fe, struct hreq *h)
{
	struct req *r;

	if (req_cached > 0)
		r = req_cache[--req_cached];
	else if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fe = fe;
	r->h = h;
	r->start_ms = mono_ms();
	r->deadline_ms = r->start_ms + (uint64_t)fe->conf.request_timeout_ms;
	r->json = accept_json(hreq_header(h, "Accept", NULL));
	r->client[0] = '\0';
	fe->m.inflight++;
	return r;
}

#define XFF_MAX		1024		/* longest X-Forwarded-For considered */

/*
 * X-Forwarded-For read from the right, as each proxy appends the peer it saw:
 * the first entry that is not a trusted proxy is the client.  Entries left of
 * it are the client's own words and are not read.  0 with the address in *a;
 * -1 when the header is absent, repeated, too long, or an entry up to the
 * client's is not a bare IP literal.  All trusted: the left-most.
 */
static int
forwarded_for(struct req *r, struct addr *a)
{
	const struct cidr_list	*trusted = &r->fe->conf.trusted_proxies;
	const char		*h, *p, *s, *e;
	size_t			 len;
	int			 count;

	if ((h = hreq_header(r->h, "X-Forwarded-For", &count)) == NULL || count != 1 ||
	    (len = strlen(h)) == 0 || len > XFF_MAX)
		return -1;
	for (e = h + len;; e = p - 1) {
		for (p = e; p > h && p[-1] != ','; p--)
			;
		for (s = p; s < e && (*s == ' ' || *s == '\t'); s++)
			;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (addr_parse(s, (size_t)(e - s), a) == -1)
			return -1;
		if (!cidr_list_match(trusted, a) || p == h)
			return 0;
	}
}

const char *
req_client(struct req *r)
{
	char		peer[FE_ADDR_MAX];
	struct addr	a, fwd;

	if (r->client[0] != '\0')
		return r->client;
	hreq_peer(r->h, peer, sizeof(peer));
	if (addr_parse(peer, strlen(peer), &a) == -1) {
		snprintf(r->client, sizeof(r->client), "%s", peer);
		return r->client;
	}
	/* A trusted proxy's request names its client, unless the header is unusable. */
	if (cidr_list_match(&r->fe->conf.trusted_proxies, &a) && forwarded_for(r, &fwd) == 0)
		a = fwd;
	addr_text(&a, r->client, sizeof(r->client));	/* ::ffff:192.0.2.1 as 192.0.2.1 */
	return r->client;
}

/* The bytes of r that may have been written: all but the part of the route
 * state its handlers do not use, or all of it when no handler ran (still
 * zero from the last wipe). */
static size_t
req_used(const struct req *r)
{
	size_t st = r->route != NULL ? r->route->state : 0;

	if (!r->handled)
		return offsetof(struct req, u);
	if (st == 0 || st > sizeof(r->u))
		st = sizeof(r->u);
	return offsetof(struct req, u) + st;
}

#ifdef REQ_UNDER_ASAN
/* Under ASan (every test runs under it too): a route that writes past the
 * state its table entry names stops the process instead of leaving bytes
 * unwiped in memory the next request gets. */
static void
req_check_unused(const struct req *r, size_t used)
{
	const unsigned char	*p = (const unsigned char *)r;
	size_t			 i;

	for (i = used; i < sizeof(*r); i++)
		if (p[i] != 0) {
			log_warnx("request: route %s wrote past its state (byte %zu)",
			    r->route != NULL ? r->route->name : "-", i);
			abort();
		}
}
#endif

void
req_free(struct req *r)
{
	size_t	used;
	int	i;

	if (r == NULL)
		return;
	for (i = 0; i < FE_MAX_CALLS; i++)
		if (r->calls[i].id != 0)
			ipc_cancel(r->fe->be[r->calls[i].be], r->calls[i].id);
	r->fe->m.inflight--;
	used = req_used(r);
#ifdef REQ_UNDER_ASAN
	req_check_unused(r, used);
#endif
	/* The session token and answers may hold secrets (tokens, proofs). */
	sodium_memzero(r, used);
	if (req_cache_on && req_cached < REQ_CACHE)
		req_cache[req_cached++] = r;
	else
		free(r);
}
