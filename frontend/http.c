/*
 * libevhtp 1.2.18 behind http.h.  What this file works around in that library:
 * - callbacks match path prefixes: one general callback; the caller matches
 *   exact paths;
 * - a paused request is answered with evhtp_send_reply and then resumed,
 *   exactly once; evhtp frees the connection only at resume, and a paused
 *   connection gets no timeout from evhtp (the caller bounds every backend
 *   call); evhtp stops reading on pause, we read on (on_request) and hold
 *   back the end of the stream until the answer is out (gate_event);
 * - the parser misreads a request line split across reads (frame.h), has no
 *   header or URI limits of its own (only 8 KiB per token) and closes without
 *   a word on errors: so the socket's bytes go to a buffer of ours first
 *   (gate_read) and evhtp is handed one whole, checked request at a time; every
 *   refusal answers a short status (400/408/411/413/414/417/431/501/505) and the
 *   connection then lingers briefly so that the client reads the answer
 *   instead of a reset;
 * - for a form POST without a query, evhtp replaces uri->query_raw with the
 *   body: the query is captured before the body is read;
 * - evhtp's timeouts restart with every byte read: a request's whole head and
 *   body get one deadline of ours (ev_deadline), and a refused connection
 *   lingers for LINGER_TOTAL_SEC at most.
 */
#include "http.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <evhtp/evhtp.h>

#include "frame.h"
#include "limit.h"
#include "log.h"

#define LINGER_MAX		256		/* refused connections draining at once */
#define LINGER_MAX_DRAIN	(1 << 20)	/* bytes read and dropped after a refusal */
#define LINGER_READ_SEC		2
#define LINGER_WRITE_SEC	5
#define LINGER_TOTAL_SEC	5		/* however the client trickles */
#define LEADING_CRLF_MAX	4		/* empty lines tolerated before a request */

struct hreq {
	struct hconn		*hc;
	evhtp_request_t		*r;
	const char		*query;
	int			 in_handler;
	int			 want_pause;
	int			 paused;
	int			 answered;
	http_gone_cb		 gone;
	void			*gone_arg;
};

struct hconn {
	LIST_ENTRY(hconn)	 entry;
	struct http_server	*srv;
	evhtp_connection_t	*c;
	struct evbuffer		*stage;		/* bytes read, not yet given to evhtp */
	struct event		*ev_pump;
	bufferevent_data_cb	 evhtp_read;	/* evhtp's own callbacks */
	bufferevent_data_cb	 evhtp_write;
	bufferevent_event_cb	 evhtp_event;
	int			 busy;		/* evhtp holds a request of ours */
	int			 sent_100;
	int			 in_evhtp;	/* inside evhtp_read: freeing waits */
	int			 dead;
	struct event		*ev_deadline;	/* the request's head and body are late */
	struct addr		 group;		/* counted in srv->per_addr */
	int			 counted;
	struct hreq		 req;
};

struct drain {
	LIST_ENTRY(drain)	 entry;
	struct http_server	*srv;
	struct bufferevent	*bev;
	struct event		*ev_end;
	size_t			 drained;
};

struct http_server {
	struct event_base	*base;
	evhtp_t			*htp;
	struct http_conf	 conf;
	struct frame_limits	 lim;
	http_handler		 handler;
	void			*arg;
	LIST_HEAD(, hconn)	 conns;
	size_t			 nconns;
	LIST_HEAD(, drain)	 drains;
	size_t			 ndrains;
	struct conn_table	*per_addr;	/* open connections per address group */
	struct http_stats	 stats;
	int			 closing;
};

/* ------------------------------------------------------------ refusals */

static const char *
reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static const char *
refusal_text(int status)
{
	switch (status) {
	case 408: return "request not complete in time\n";
	case 411: return "send the request body with a Content-Length (no chunked uploads)\n";
	case 413: return "request body too large\n";
	case 414: return "request URI too long\n";
	case 417: return "unsupported Expect header\n";
	case 431: return "request header fields too large\n";
	case 501: return "transfer coding not implemented\n";
	case 505: return "only HTTP/1.0 and HTTP/1.1 are supported\n";
	default: return "malformed HTTP request\n";
	}
}

static void
count_refusal(struct http_server *srv, int status)
{
	switch (status) {
	case 400: srv->stats.rejected[0]++; break;
	case 413: srv->stats.rejected[1]++; break;
	case 414: srv->stats.rejected[2]++; break;
	case 431: srv->stats.rejected[3]++; break;
	default: srv->stats.rejected[4]++; break;
	}
}

static void
drain_free(struct drain *d)
{
	LIST_REMOVE(d, entry);
	d->srv->ndrains--;
	bufferevent_free(d->bev);
	event_free(d->ev_end);
	free(d);
}

static void
drain_end(evutil_socket_t fd, short ev, void *arg)
{
	drain_free(arg);
}

static void
drain_read(struct bufferevent *bev, void *arg)
{
	struct drain	*d = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	d->drained += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (d->drained > LINGER_MAX_DRAIN)
		drain_free(d);
}

static void
drain_written(struct bufferevent *bev, void *arg)
{
	/* The answer is out: half-close, keep reading until EOF or timeout. */
	shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void
drain_event(struct bufferevent *bev, short what, void *arg)
{
	drain_free(arg);
}

/* Writes a short answer on a bufferevent taken from evhtp, then drains and closes. */
static void
drain_start(struct http_server *srv, struct bufferevent *bev, int status)
{
	struct timeval	 rtv = { LINGER_READ_SEC, 0 }, wtv = { LINGER_WRITE_SEC, 0 };
	struct timeval	 end = { LINGER_TOTAL_SEC, 0 };
	struct evbuffer	*out = bufferevent_get_output(bev);
	const char	*const *h, *body = refusal_text(status);
	struct drain	*d;

	if (srv->ndrains >= LINGER_MAX || (d = calloc(1, sizeof(*d))) == NULL) {
		bufferevent_free(bev);
		return;
	}
	if ((d->ev_end = evtimer_new(srv->base, drain_end, d)) == NULL ||
	    evtimer_add(d->ev_end, &end) == -1) {
		if (d->ev_end != NULL)
			event_free(d->ev_end);
		free(d);
		bufferevent_free(bev);
		return;
	}
	d->srv = srv;
	d->bev = bev;
	LIST_INSERT_HEAD(&srv->drains, d, entry);
	srv->ndrains++;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", status, reason(status));
	for (h = srv->conf.default_headers; h != NULL && h[0] != NULL; h += 2)
		evbuffer_add_printf(out, "%s: %s\r\n", h[0], h[1]);
	evbuffer_add_printf(out, "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
	evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
	bufferevent_setcb(bev, drain_read, drain_written, drain_event, d);
	bufferevent_set_timeouts(bev, &rtv, &wtv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* Forget hc; when evhtp is on the stack above us, the caller frees it later. */
static void
hconn_release(struct hconn *hc)
{
	if (hc->c != NULL) {
		LIST_REMOVE(hc, entry);
		hc->srv->nconns--;
		hc->c = NULL;
	}
	if (hc->counted) {
		conn_del(hc->srv->per_addr, &hc->group);
		hc->counted = 0;
	}
	if (hc->ev_deadline != NULL)
		event_del(hc->ev_deadline);
	if (hc->in_evhtp) {
		hc->dead = 1;
		return;
	}
	if (hc->ev_pump != NULL)
		event_free(hc->ev_pump);
	if (hc->ev_deadline != NULL)
		event_free(hc->ev_deadline);
	if (hc->stage != NULL)
		evbuffer_free(hc->stage);
	free(hc);
}

/* Takes the socket from evhtp and answers status on it; hc is released. */
static void
refuse_on(struct hconn *hc, int status)
{
	struct http_server	*srv = hc->srv;
	evhtp_connection_t	*c = hc->c;

	count_refusal(srv, status);
	log_debug("http: refused with %d", status);
	if (c->bev != NULL && !(c->flags & EVHTP_CONN_FLAG_ERROR) &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		drain_start(srv, evhtp_connection_take_ownership(c), status);
	else
		evhtp_unset_all_hooks(&c->hooks);
	hconn_release(hc);
}

/* A refusal decided by us, outside evhtp's callbacks: evhtp's connection goes too. */
static void
refuse_now(struct hconn *hc, int status)
{
	evhtp_connection_t *c = hc->c;

	refuse_on(hc, status);
	evhtp_connection_free(c);	/* its hooks are gone: no callback into us */
}

/* ----------------------------------------------------------------- gate */

static struct hconn *
conn_hconn(evhtp_connection_t *c)
{
	evhtp_hooks_t *hooks = evhtp_connection_get_hooks(c);

	return hooks != NULL ? hooks->on_connection_fini_arg : NULL;
}

static void	gate_read(struct bufferevent *, void *);
static void	gate_written(struct bufferevent *, void *);
static void	gate_event(struct bufferevent *, short, void *);

/* evhtp's event callback, the same for every connection (saved in on_accept). */
static bufferevent_event_cb evhtp_event_cb;

/* Bytes of a request are in: the whole request has head_timeout_sec from now. */
static void
deadline_start(struct hconn *hc)
{
	struct timeval tv = { hc->srv->conf.head_timeout_sec, 0 };

	if (hc->ev_deadline != NULL && !hc->busy && !evtimer_pending(hc->ev_deadline, NULL) &&
	    evtimer_add(hc->ev_deadline, &tv) == -1)
		log_warnx("http: cannot start a request deadline");
}

static void
deadline_fired(evutil_socket_t fd, short ev, void *arg)
{
	struct hconn *hc = arg;

	if (hc->c == NULL || hc->busy || hc->dead)
		return;
	hc->srv->stats.head_timeouts++;
	log_debug("http: request not complete within %d s", hc->srv->conf.head_timeout_sec);
	refuse_now(hc, 408);
}

/* Hands evhtp the next whole request from the stage, if there is one. */
static void
pump(struct hconn *hc)
{
	struct http_server	*srv = hc->srv;
	struct bufferevent	*bev = hc->c->bev;
	struct evbuffer		*in;
	struct frame		 f;
	const char		*p;
	size_t			 len, i;
	int			 st, n;

	if (hc->busy || hc->dead || srv->closing || bev == NULL)
		return;
	/* Empty lines between requests are tolerated (RFC 9112 section 2.2). */
	for (i = 0; i < LEADING_CRLF_MAX && evbuffer_get_length(hc->stage) >= 2 &&
	    memcmp(evbuffer_pullup(hc->stage, 2), "\r\n", 2) == 0; i++)
		evbuffer_drain(hc->stage, 2);
	if ((len = evbuffer_get_length(hc->stage)) == 0)
		return;
	if ((p = (const char *)evbuffer_pullup(hc->stage, -1)) == NULL) {
		refuse_now(hc, 400);
		return;
	}
	st = frame_check(p, len, &srv->lim, &f);
	if (st == FRAME_WAIT) {
		deadline_start(hc);
		if (f.head_len != 0 && f.expect_100 && !hc->sent_100) {
			/* evhtp's write callback would find no request and close: ours until sent */
			hc->sent_100 = 1;
			bufferevent_setcb(bev, gate_read, gate_written, gate_event, hc->c);
			bufferevent_write(bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		}
		return;
	}
	if (st != FRAME_OK) {
		refuse_now(hc, st);
		return;
	}
	if (hc->ev_deadline != NULL)
		evtimer_del(hc->ev_deadline);
	hc->busy = 1;
	hc->sent_100 = 0;
	in = bufferevent_get_input(bev);
	/* libevent freezes the end of a bufferevent's input; we add to it as if read. */
	evbuffer_unfreeze(in, 0);
	n = evbuffer_remove_buffer(hc->stage, in, f.head_len + f.body_len);
	evbuffer_freeze(in, 0);
	if (n != (int)(f.head_len + f.body_len)) {
		refuse_now(hc, 400);
		return;
	}
	hc->in_evhtp = 1;
	hc->evhtp_read(bev, hc->c);
	hc->in_evhtp = 0;
	if (hc->dead)
		hconn_release(hc);
}

static void
pump_later(evutil_socket_t fd, short ev, void *arg)
{
	pump(arg);
}

/* "100 Continue" is out: evhtp's write callback again. */
static void
gate_written(struct bufferevent *bev, void *arg)
{
	struct hconn *hc = conn_hconn(arg);

	if (hc != NULL)
		bufferevent_setcb(bev, gate_read, hc->evhtp_write, gate_event, arg);
}

/*
 * The socket's events, in front of evhtp's.  While a request of ours is being
 * answered the socket is read on (on_request), so the client's end of stream,
 * a read error or the idle timeout can arrive before the answer is out: like
 * when evhtp stopped reading on pause, they wait.  libevent has stopped
 * reading already; reading starts again once the request is done
 * (on_request_fini), and the event comes back then.
 */
static void
gate_event(struct bufferevent *bev, short what, void *arg)
{
	struct hconn *hc = conn_hconn(arg);

	if (hc != NULL && hc->busy && (what & BEV_EVENT_READING))
		return;
	if (evhtp_event_cb != NULL)
		evhtp_event_cb(bev, what, arg);
}

/* The socket's read callback, in front of evhtp's. */
static void
gate_read(struct bufferevent *bev, void *arg)
{
	struct hconn	*hc = conn_hconn(arg);
	struct evbuffer	*in = bufferevent_get_input(bev);

	if (hc == NULL) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (evbuffer_add_buffer(hc->stage, in) == -1) {
		refuse_now(hc, 400);
		return;
	}
	/* From the first byte, even of empty lines: no trickle keeps a connection. */
	deadline_start(hc);
	/* Pipelined bytes while evhtp works on a request: bounded. */
	if (hc->busy && evbuffer_get_length(hc->stage) >
	    hc->srv->lim.max_head + hc->srv->lim.max_body) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	pump(hc);
}

/* ---------------------------------------------------------------- hooks */

static void
hreq_start(struct hconn *hc, evhtp_request_t *r)
{
	memset(&hc->req, 0, sizeof(hc->req));
	hc->req.hc = hc;
	hc->req.r = r;
	hc->req.query = "";
}

static evhtp_res
on_headers_start(evhtp_request_t *r, void *arg)
{
	struct hconn *hc = arg;

	hreq_start(hc, r);
	/* Before the body: evhtp may overwrite query_raw with a form body later. */
	if (r->uri != NULL && r->uri->query_raw != NULL)
		hc->req.query = (const char *)r->uri->query_raw;
	return EVHTP_RES_OK;
}

static evhtp_res
on_request_fini(evhtp_request_t *r, void *arg)
{
	struct hconn	*hc = arg;
	struct hreq	*hq = &hc->req;

	if (hq->r == r) {
		if (!hq->answered && hq->gone != NULL)
			hq->gone(hq->gone_arg);
		if (hq->paused)
			hc->srv->stats.paused--;
		memset(hq, 0, sizeof(*hq));
	}
	hc->busy = 0;
	/* The next pipelined request, once evhtp is done with this one. */
	if (evbuffer_get_length(hc->stage) > 0 && hc->ev_pump != NULL)
		event_active(hc->ev_pump, 0, 0);
	if (hc->c != NULL && hc->c->bev != NULL && !(bufferevent_get_enabled(hc->c->bev) & EV_READ) &&
	    !(hc->c->flags & EVHTP_CONN_FLAG_PAUSED))
		bufferevent_enable(hc->c->bev, EV_READ);
	return EVHTP_RES_OK;
}

static evhtp_res
on_conn_fini(evhtp_connection_t *c, void *arg)
{
	struct hconn	*hc = arg;
	struct hreq	*hq = &hc->req;
	int		 status = 0;

	if (hq->r != NULL && !hq->answered && hq->gone != NULL) {
		hq->gone(hq->gone_arg);
		hq->gone = NULL;
	}
	if (hq->paused)
		hc->srv->stats.paused--;
	/* evhtp's parser refused what we handed it: say so before closing. */
	if (!hc->srv->closing && c->parser != NULL && !hq->answered &&
	    htparser_get_error(c->parser) != htparse_error_none)
		status = 400;
	if (status != 0) {
		refuse_on(hc, status);
		return EVHTP_RES_OK;
	}
	evhtp_unset_all_hooks(&c->hooks);
	hconn_release(hc);
	return EVHTP_RES_OK;
}

/* Counts c against its address group's cap: 1 counted, 0 not capped, -1 over the cap. */
static int
addr_admit(struct http_server *srv, evhtp_connection_t *c, struct addr *group)
{
	struct addr	a;
	unsigned	n;

	if (srv->per_addr == NULL || addr_from_sockaddr(c->saddr, &a) == -1 ||
	    (srv->conf.uncapped != NULL && cidr_list_match(srv->conf.uncapped, &a)))
		return 0;
	addr_group(&a, group);
	if ((n = conn_add(srv->per_addr, group)) == 0)
		return -1;
	if (n > srv->conf.max_conns_per_addr) {
		conn_del(srv->per_addr, group);
		return -1;
	}
	return 1;
}

static evhtp_res
on_accept(evhtp_connection_t *c, void *arg)
{
	struct http_server	*srv = arg;
	struct hconn		*hc;
	struct addr		 group;
	void			*cbarg;
	int			 counted;

	if (srv->closing || srv->nconns >= srv->conf.max_conns || c->bev == NULL) {
		srv->stats.conns_refused++;
		return EVHTP_RES_ERROR;
	}
	if ((counted = addr_admit(srv, c, &group)) == -1) {
		srv->stats.conns_refused_addr++;
		log_debug("http: connection over max_conns_per_addr closed");
		return EVHTP_RES_ERROR;
	}
	if ((hc = calloc(1, sizeof(*hc))) == NULL) {
		if (counted)
			conn_del(srv->per_addr, &group);
		return EVHTP_RES_ERROR;
	}
	hc->srv = srv;
	hc->c = c;
	hc->group = group;
	hc->counted = counted;
	if ((hc->stage = evbuffer_new()) == NULL ||
	    (hc->ev_pump = event_new(srv->base, -1, 0, pump_later, hc)) == NULL ||
	    (srv->conf.head_timeout_sec > 0 &&
	    (hc->ev_deadline = evtimer_new(srv->base, deadline_fired, hc)) == NULL) ||
	    evhtp_connection_set_hook(c, evhtp_hook_on_headers_start, (evhtp_hook)on_headers_start, hc) ||
	    evhtp_connection_set_hook(c, evhtp_hook_on_request_fini, (evhtp_hook)on_request_fini, hc) ||
	    evhtp_connection_set_hook(c, evhtp_hook_on_connection_fini, (evhtp_hook)on_conn_fini, hc)) {
		evhtp_unset_all_hooks(&c->hooks);
		if (counted)
			conn_del(srv->per_addr, &group);
		if (hc->ev_pump != NULL)
			event_free(hc->ev_pump);
		if (hc->ev_deadline != NULL)
			event_free(hc->ev_deadline);
		if (hc->stage != NULL)
			evbuffer_free(hc->stage);
		free(hc);
		return EVHTP_RES_ERROR;
	}
	/* Our gate in front of evhtp's read callback (which stays evhtp's to call). */
	bufferevent_getcb(c->bev, &hc->evhtp_read, &hc->evhtp_write, &hc->evhtp_event, &cbarg);
	evhtp_event_cb = hc->evhtp_event;
	bufferevent_setcb(c->bev, gate_read, hc->evhtp_write, gate_event, cbarg);
	LIST_INSERT_HEAD(&srv->conns, hc, entry);
	srv->nconns++;
	srv->stats.conns_accepted++;
	return EVHTP_RES_OK;
}

/* Every request that parsed completely. */
static void
on_request(evhtp_request_t *r, void *arg)
{
	struct http_server	*srv = arg;
	struct hconn		*hc = conn_hconn(r->conn);
	struct hreq		*hq;

	if (hc == NULL || r->uri == NULL || r->uri->path == NULL) {
		evhtp_send_reply(r, EVHTP_RES_BADREQ);
		return;
	}
	hq = &hc->req;
	if (hq->r != r)
		hreq_start(hc, r);
	hq->in_handler = 1;
	srv->handler(hq, srv->arg);
	hq->in_handler = 0;
	if (hq->answered)
		return;
	if (!hq->want_pause) {
		log_warnx("http: handler left %s unanswered", hreq_path(hq));
		hreq_send(hq, 500, "internal error\n", 15);
		return;
	}
	hq->paused = 1;
	srv->stats.paused++;
	evhtp_request_pause(r);
	/*
	 * evhtp stopped reading; we read on: the gate stages what comes (bounded)
	 * and holds back the end of the stream (gate_event).  With the loop's
	 * change list (main.c) the stop and this start reach the kernel as one
	 * EPOLL_CTL_MOD, not a DEL and an ADD of the socket per paused request.
	 */
	if (r->conn->bev != NULL)
		bufferevent_enable(r->conn->bev, EV_READ);
}

/* ------------------------------------------------------------- requests */

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

/* --------------------------------------------------------------- server */

struct http_server *
http_server_new(struct event_base *base, int fd, const struct http_conf *conf,
    http_handler handler, void *arg)
{
	struct http_server	*srv;
	struct timeval		 tv = { conf->idle_timeout_sec, 0 };

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->base = base;
	srv->conf = *conf;
	srv->handler = handler;
	srv->arg = arg;
	srv->lim.max_target = conf->max_uri;
	srv->lim.max_head = conf->max_header_bytes;
	srv->lim.max_headers = conf->max_headers;
	srv->lim.max_body = conf->max_body;
	LIST_INIT(&srv->conns);
	LIST_INIT(&srv->drains);
	if (conf->max_conns_per_addr > 0 &&
	    (srv->per_addr = conn_table_new(conf->max_conns)) == NULL) {
		free(srv);
		return NULL;
	}
	if ((srv->htp = evhtp_new(base, NULL)) == NULL) {
		conn_table_free(srv->per_addr);
		free(srv);
		return NULL;
	}
	evhtp_set_gencb(srv->htp, on_request, srv);
	evhtp_set_post_accept_cb(srv->htp, on_accept, srv);
	evhtp_set_timeouts(srv->htp, &tv, &tv);
	evhtp_disable_flag(srv->htp, EVHTP_FLAG_ENABLE_100_CONT);	/* the gate answers Expect */
	/* 0: the socket is already listening (ours or systemd's) */
	if (evhtp_accept_socket(srv->htp, fd, 0) == -1) {
		evhtp_free(srv->htp);
		conn_table_free(srv->per_addr);
		free(srv);
		return NULL;
	}
	return srv;
}

void
http_server_free(struct http_server *srv)
{
	struct hconn	*hc;
	struct drain	*d;

	if (srv == NULL)
		return;
	srv->closing = 1;
	evhtp_unbind_socket(srv->htp);
	while ((hc = LIST_FIRST(&srv->conns)) != NULL)
		evhtp_connection_free(hc->c);	/* on_conn_fini frees hc */
	while ((d = LIST_FIRST(&srv->drains)) != NULL)
		drain_free(d);
	evhtp_free(srv->htp);
	conn_table_free(srv->per_addr);
	free(srv);
}

void
http_server_stats(const struct http_server *srv, struct http_stats *st)
{
	*st = srv->stats;
	st->conns_open = srv->nconns;
}
