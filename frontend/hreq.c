/*
 * What the layers above the server call in http.h: the request API (hreq_*),
 * what a handler reads of a request and how it answers, and the server's
 * counters.  Calls nothing else in the frontend.
 */
#include "http_conn.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "log.h"

enum http_method
hreq_method(const struct hreq *hq)
{
	switch (hq->r->method) {
	case htp_method_GET: return HM_GET;
	case htp_method_HEAD: return HM_HEAD;
	case htp_method_POST: return HM_POST;
	default: return HM_OTHER;
	}
}

const char *
hreq_method_name(const struct hreq *hq)
{
	return htparser_get_methodstr_m(hq->r->method);
}

const char *
hreq_path(const struct hreq *hq)
{
	return hq->r->uri->path->full;
}

const char *
hreq_query(const struct hreq *hq)
{
	return hq->query;
}

const char *
hreq_header(const struct hreq *hq, const char *name, int *count)
{
	evhtp_kv_t	*kv;
	const char	*first = NULL;
	size_t		 len = strlen(name);
	int		 n = 0;

	TAILQ_FOREACH(kv, hq->r->headers_in, next)
		if (kv->key != NULL && kv->val != NULL && kv->klen == len &&
		    strcasecmp(kv->key, name) == 0) {
			if (n++ == 0)
				first = kv->val;
		}
	if (count != NULL)
		*count = n;
	return first;
}

const char *
hreq_peer(const struct hreq *hq, char *dst, size_t n)
{
	const struct sockaddr	*sa = hq->r->conn->saddr;
	const void		*a = NULL;

	dst[0] = '\0';
	if (sa == NULL)
		return dst;
	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, dst, (socklen_t)n) == NULL)
		dst[0] = '\0';
	return dst;
}

const char *
hreq_body(const struct hreq *hq, size_t *len)
{
	struct evbuffer	*in = hq->r->buffer_in;
	const char	*p;

	*len = evbuffer_get_length(in);
	if (*len == 0 || (p = (const char *)evbuffer_pullup(in, -1)) == NULL) {
		*len = 0;
		return "";
	}
	return p;
}

int
hreq_add_header(struct hreq *hq, const char *name, const char *value)
{
	evhtp_header_t *h;

	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL) {
		log_warnx("http: refusing a header with CR/LF (%s)", name);
		return -1;
	}
	if ((h = evhtp_header_new(name, value, 1, 1)) == NULL)
		return -1;
	evhtp_headers_add_header(hq->r->headers_out, h);
	return 0;
}

void *
hreq_conn_slot(struct hreq *hq)
{
	return hq->hc->slot;
}

int
hreq_set_type(struct hreq *hq, const char *ctype)
{
	if (strpbrk(ctype, "\r\n") != NULL) {
		log_warnx("http: refusing a Content-Type with CR/LF");
		return -1;
	}
	hq->ctype = ctype;
	return 0;
}

/* "v1" CRLF "Name2: v2" ... of the default headers after the first name. */
static char *
block_format(const char *const *h, const char *first)
{
	const char *const	*p;
	char			*b;
	size_t			 n = strlen(first) + 1, at;

	for (p = h + 2; p[0] != NULL; p += 2)	/* CRLF name ": " value */
		n += strlen(p[0]) + strlen(p[1]) + 4;
	if ((b = malloc(n)) == NULL)
		return NULL;
	at = (size_t)snprintf(b, n, "%s", first);
	for (p = h + 2; p[0] != NULL && at < n; p += 2)
		at += (size_t)snprintf(b + at, n - at, "\r\n%s: %s", p[0], p[1]);
	return b;
}

int
http_blocks_init(struct http_server *srv)
{
	const char *const	*h = srv->conf.default_headers, *const *p;

	if (h == NULL || h[0] == NULL)
		return 0;
	for (p = h; p[0] != NULL; p += 2)
		if (p[1] == NULL || strpbrk(p[0], "\r\n:") != NULL || strpbrk(p[1], "\r\n") != NULL)
			return -1;
	srv->block_name = h[0];
	return (srv->block = block_format(h, h[1])) == NULL ? -1 : 0;
}

void
http_blocks_free(struct http_server *srv)
{
	size_t i;

	for (i = 0; i < srv->ntyped; i++) {
		free(srv->typed[i].ctype);
		free(srv->typed[i].val);
	}
	srv->ntyped = 0;
	free(srv->block);
	srv->block = NULL;
}

/* The typed block for ctype (made on first use), or NULL when there is no
 * room for another type or no memory. */
static const char *
typed_block(struct http_server *srv, const char *ctype)
{
	struct hblock	*t;
	size_t		 i, n;

	for (i = 0; i < srv->ntyped; i++)
		if (strcmp(srv->typed[i].ctype, ctype) == 0)
			return srv->typed[i].val;
	if (srv->ntyped == HTTP_TYPED_MAX)
		return NULL;
	t = &srv->typed[srv->ntyped];
	n = strlen(ctype) + strlen(srv->block_name) + strlen(srv->block) + 5;
	if ((t->ctype = strdup(ctype)) == NULL || (t->val = malloc(n)) == NULL) {
		free(t->ctype);
		t->ctype = NULL;
		return NULL;
	}
	snprintf(t->val, n, "%s\r\n%s: %s", ctype, srv->block_name, srv->block);
	srv->ntyped++;
	return t->val;
}

/* The Content-Type and the default headers, as few evhtp headers as can be;
 * -1 when they could not all be added. */
static int
add_headers(struct hreq *hq)
{
	struct http_server	*srv = hq->hc->srv;
	const char		*name = srv->block_name, *val = srv->block;
	evhtp_header_t		*h;

	if (hq->ctype != NULL) {
		if (val != NULL && (val = typed_block(srv, hq->ctype)) != NULL)
			name = "Content-Type";
		else {
			if ((h = evhtp_header_new("Content-Type", hq->ctype, 0, 0)) == NULL)
				return -1;
			evhtp_headers_add_header(hq->r->headers_out, h);
			name = srv->block_name;
			val = srv->block;
		}
	}
	if (name == NULL)
		return 0;
	if ((h = evhtp_header_new(name, val, 0, 0)) == NULL)
		return -1;
	evhtp_headers_add_header(hq->r->headers_out, h);
	return 0;
}

/* What hreq_send_wiped hands to libevent: wiped and freed when released. */
static void
wipe_free(const void *data, size_t len, void *extra)
{
	sodium_memzero((void *)(uintptr_t)data, len + 1);
	free((void *)(uintptr_t)data);
}

/* The answer's body: copied, or (owned) referenced until written. */
static void
add_body(evhtp_request_t *r, const char *body, size_t len, int owned)
{
	if (r->method != htp_method_HEAD && len > 0) {
		if (!owned) {
			evbuffer_add(r->buffer_out, body, len);
			return;
		}
		if (evbuffer_add_reference(r->buffer_out, body, len, wipe_free, NULL) == 0)
			return;
		evbuffer_add(r->buffer_out, body, len);
	}
	if (owned)
		wipe_free(body, len, NULL);
}

static void
send_answer(struct hreq *hq, int status, const char *body, size_t len, int owned)
{
	evhtp_request_t		*r = hq->r;
	char			 num[32];

	if (hq->answered) {
		log_warnx("http: second answer for %s dropped", hreq_path(hq));
		if (owned)
			wipe_free(body, len, NULL);
		return;
	}
	hq->answered = 1;
	if (add_headers(hq) == -1) {
		/* No answer without its security headers: an empty 503, then close. */
		log_warnx("http: out of memory for the headers of %s", hreq_path(hq));
		evhtp_request_set_keepalive(r, 0);
		status = 503;
		if (owned)
			wipe_free(body, len, NULL);
		owned = 0;
		len = 0;
	} else if (r->method == htp_method_HEAD) {
		snprintf(num, sizeof(num), "%zu", len);
		evhtp_headers_add_header(r->headers_out,
		    evhtp_header_new("Content-Length", num, 0, 1));
	}
	add_body(r, body, len, owned);
	evhtp_send_reply(r, status);
	if (hq->paused && !hq->in_handler)
		evhtp_request_resume(r);
}

void
hreq_send(struct hreq *hq, int status, const char *body, size_t len)
{
	send_answer(hq, status, body, len, 0);
}

void
hreq_send_wiped(struct hreq *hq, int status, char *body, size_t len)
{
	send_answer(hq, status, body, len, 1);
}

void
hreq_pause(struct hreq *hq, http_gone_cb gone, void *arg)
{
	hq->want_pause = 1;
	hq->gone = gone;
	hq->gone_arg = arg;
}

void
http_server_stats(const struct http_server *srv, struct http_stats *st)
{
	*st = srv->stats;
	st->conns_open = srv->nconns;
}
