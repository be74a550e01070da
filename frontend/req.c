/*
 * Life of a request: created by route_dispatch, freed when its answer is sent
 * (reply.c) or when its connection is destroyed first (gone).  Backend calls:
 * each is bounded by what is left of the request's deadline; the request is
 * paused while any is in flight and continues when all are answered.
 */
#include "fe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "parse.h"

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A struct req is 6.7 KiB (room for every answer): freed ones, already wiped
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
req_new(struct fe *fe, struct hreq *h, const struct route *rt)
{
	struct req *r;

	if (req_cached > 0)
		r = req_cache[--req_cached];
	else if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fe = fe;
	r->h = h;
	r->route = rt;
	r->start_ms = now_ms();
	r->deadline_ms = r->start_ms + (uint64_t)fe->conf.request_timeout_ms;
	r->json = accept_json(hreq_header(h, "Accept", NULL));
	r->client[0] = '\0';
	fe->m.inflight++;
	session_read_cookie(r);
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

static void
cancel_calls(struct req *r)
{
	int i;

	for (i = 0; i < FE_MAX_CALLS; i++)
		if (r->calls[i].id != 0) {
			ipc_cancel(r->fe->be[r->calls[i].be], r->calls[i].id);
			r->calls[i].id = 0;
		}
	r->npending = 0;
}

void
req_free(struct req *r)
{
	if (r == NULL)
		return;
	cancel_calls(r);
	r->fe->m.inflight--;
	/* The session token and answers may hold secrets (tokens, proofs). */
	sodium_memzero(r, sizeof(*r));
	if (req_cache_on && req_cached < REQ_CACHE)
		req_cache[req_cached++] = r;
	else
		free(r);
}

/* The connection went away before the answer (server shutdown). */
static void
req_gone(void *arg)
{
	req_free(arg);
}

static void
req_failed(struct req *r)
{
	cancel_calls(r);
	switch (r->fail) {
	case 504:
		reply_error(r, 504, "The service is slow to answer",
		    r->fail_be == BE_AUTHD ? "The sign-in service did not answer in time. "
		    "Please try again in a moment." : "The data service did not answer in time. "
		    "Please try again in a moment.");
		break;
	case 502:
		reply_error(r, 502, "Something went wrong",
		    "A service behind this site gave an answer that did not make sense.");
		break;
	default:
		reply_error(r, 503, "Temporarily unavailable",
		    r->fail_be == BE_AUTHD ? "Sign-in is temporarily unavailable. "
		    "Please try again in a moment." : "The data service is temporarily unavailable. "
		    "Please try again in a moment.");
		break;
	}
}

static void
call_answer(void *arg, enum ipc_result res, const struct msg_hdr *hdr, struct mreader *rd)
{
	struct call	*c = arg;
	struct req	*r = c->r;
	void		(*next)(struct req *);
	uint8_t		 st;

	c->id = 0;
	r->npending--;
	if (res != IPC_OK) {
		metrics_backend(r->fe, c->be, res == IPC_DOWN ? 1 : 2);
		log_warnx("%s: %s %s", be_name(c->be), res == IPC_DOWN ? "connection lost during" :
		    "no answer in time for", route_name(route_index(r->route)));
		if (r->soft)
			*c->status = res == IPC_DOWN ? ST_INTERNAL : ST_TIMEOUT;
		else if (!r->fail) {
			r->fail = res == IPC_DOWN ? 503 : 504;
			r->fail_be = c->be;
		}
	} else {
		st = m_get_u8(rd);
		if (st == ST_OK && c->parse != NULL)
			c->parse(rd, c->out);
		if (m_end(rd) == -1 || st >= ST_MAX) {
			metrics_backend(r->fe, c->be, 3);
			log_warnx("%s: malformed answer (type %u)", be_name(c->be), hdr->type);
			if (r->soft)
				*c->status = ST_INTERNAL;
			else if (!r->fail) {
				r->fail = 502;
				r->fail_be = c->be;
			}
		} else {
			metrics_backend(r->fe, c->be, 0);
			*c->status = st;
		}
	}
	if (r->fail) {
		req_failed(r);
		return;
	}
	if (r->npending == 0 && (next = r->next) != NULL) {
		r->next = NULL;
		next(r);
	}
}

void
req_call(struct req *r, enum backend be, struct mbuf *m, void (*parse)(struct mreader *, void *),
    void *out, uint8_t *status)
{
	struct call	*c = NULL;
	uint64_t	 now = now_ms();
	int		 i, left;

	if (r->fail)
		return;
	for (i = 0; i < FE_MAX_CALLS && c == NULL; i++)
		if (r->calls[i].id == 0)
			c = &r->calls[i];
	if (c == NULL) {
		log_warnx("too many backend calls for one request");
		r->fail = 502;
		return;
	}
	if (now >= r->deadline_ms) {
		if (r->soft) {
			*status = ST_TIMEOUT;
			return;
		}
		r->fail = 504;
		r->fail_be = be;
		return;
	}
	left = (int)(r->deadline_ms - now);
	c->r = r;
	c->be = be;
	c->parse = parse;
	c->out = out;
	c->status = status;
	if ((c->id = ipc_call(r->fe->be[be], m, left, call_answer, c)) == 0) {
		metrics_backend(r->fe, be, 1);
		if (r->soft) {
			*status = ST_INTERNAL;
			return;
		}
		r->fail = 503;
		r->fail_be = be;
		return;
	}
	r->npending++;
}

void
req_wait(struct req *r, void (*next)(struct req *))
{
	if (r->fail) {
		req_failed(r);
		return;
	}
	if (r->npending == 0) {
		next(r);
		return;
	}
	r->next = next;
	if (!r->paused) {
		r->paused = 1;
		hreq_pause(r->h, req_gone, r);
	}
}
