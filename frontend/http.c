/*
 * libevhtp 1.2.18 behind http.h: the server, evhtp's hooks, and the request
 * API (hreq_*).  The gate in front of evhtp's parser is http_gate.c, refusals
 * and lingering closes are http_refuse.c.  What the three work around in that
 * library:
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
#include "http_conn.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

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
	    (hc->ev_pump = event_new(srv->base, -1, 0, gate_pump_later, hc)) == NULL ||
	    (srv->conf.head_timeout_sec > 0 &&
	    (hc->ev_deadline = evtimer_new(srv->base, gate_deadline_fired, hc)) == NULL) ||
	    evhtp_connection_set_hook(c, evhtp_hook_on_headers_start, (evhtp_hook)on_headers_start, hc) ||
	    evhtp_connection_set_hook(c, evhtp_hook_on_request_fini, (evhtp_hook)on_request_fini, hc) ||
	    evhtp_connection_set_hook(c, evhtp_hook_on_connection_fini, (evhtp_hook)on_conn_fini, hc)) {
		evhtp_unset_all_hooks(&c->hooks);
		if (counted)
			conn_del(srv->per_addr, &group);
		hconn_free(hc);
		return EVHTP_RES_ERROR;
	}
	gate_install(hc, c);
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
	if (http_blocks_init(srv) == -1 || (srv->htp = evhtp_new(base, NULL)) == NULL) {
		http_blocks_free(srv);
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
		http_blocks_free(srv);
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
	http_blocks_free(srv);
	conn_table_free(srv->per_addr);
	free(srv);
}
