/*
 * Refusals: a short plain-text answer with the default headers on a socket
 * taken from evhtp, then a lingering close (half-close, read and drop what
 * still comes, bounded in bytes and time) so that the client reads the answer
 * instead of a reset.  Also forgetting and freeing a connection.
 */
#include "http_conn.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"

#define LINGER_MAX		256		/* refused connections draining at once */
#define LINGER_MAX_DRAIN	(1 << 20)	/* bytes read and dropped after a refusal */
#define LINGER_READ_SEC		2
#define LINGER_WRITE_SEC	5
#define LINGER_TOTAL_SEC	5		/* however the client trickles */

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

void
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

void
hconn_free(struct hconn *hc)
{
	if (hc->ev_pump != NULL)
		event_free(hc->ev_pump);
	if (hc->ev_deadline != NULL)
		event_free(hc->ev_deadline);
	if (hc->stage != NULL)
		evbuffer_free(hc->stage);
	sodium_memzero(hc->slot, sizeof(hc->slot));
	free(hc);
}

void
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
	hconn_free(hc);
}

void
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

void
refuse_now(struct hconn *hc, int status)
{
	evhtp_connection_t *c = hc->c;

	refuse_on(hc, status);
	evhtp_connection_free(c);	/* its hooks are gone: no callback into us */
}
