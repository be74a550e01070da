/*
 * What the layers above the server call in http.h: the request API (hreq_*),
 * what a handler reads of a request and how it answers, and the server's
 * counters.  Calls nothing else in the frontend.
 */
#include "http_conn.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

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
	int		 n = 0;

	TAILQ_FOREACH(kv, hq->r->headers_in, next)
		if (kv->key != NULL && kv->val != NULL && strcasecmp(kv->key, name) == 0) {
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

void
hreq_send(struct hreq *hq, int status, const char *body, size_t len)
{
	evhtp_request_t		*r = hq->r;
	struct http_server	*srv = hq->hc->srv;
	const char		*const *h;
	char			 num[32];

	if (hq->answered) {
		log_warnx("http: second answer for %s dropped", hreq_path(hq));
		return;
	}
	hq->answered = 1;
	for (h = srv->conf.default_headers; h != NULL && h[0] != NULL; h += 2)
		evhtp_headers_add_header(r->headers_out, evhtp_header_new(h[0], h[1], 0, 0));
	if (r->method == htp_method_HEAD) {
		snprintf(num, sizeof(num), "%zu", len);
		evhtp_headers_add_header(r->headers_out,
		    evhtp_header_new("Content-Length", num, 0, 1));
	} else if (len > 0)
		evbuffer_add(r->buffer_out, body, len);
	evhtp_send_reply(r, status);
	if (hq->paused && !hq->in_handler)
		evhtp_request_resume(r);
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
