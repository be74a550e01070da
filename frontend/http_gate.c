/*
 * The gate: every byte a connection reads goes to a buffer of ours first
 * (the stage), and evhtp is handed one whole request at a time once
 * frame_check() has accepted it (frame.h says why).  Also each request's one
 * deadline for its head and body, "100 Continue", and holding back the end
 * of the stream while a request of ours is being answered.
 */
#include "http_conn.h"

#include <string.h>

#include "log.h"

#define LEADING_CRLF_MAX	4		/* empty lines tolerated before a request */

struct hconn *
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

void
gate_deadline_fired(evutil_socket_t fd, short ev, void *arg)
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
	if ((len = evbuffer_get_length(hc->stage)) == 0) {
		if (i > 0)		/* empty lines start the deadline too */
			deadline_start(hc);
		return;
	}
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

void
gate_pump_later(evutil_socket_t fd, short ev, void *arg)
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
	/* Pipelined bytes while evhtp works on a request: bounded. */
	if (hc->busy && evbuffer_get_length(hc->stage) >
	    hc->srv->lim.max_head + hc->srv->lim.max_body) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	/*
	 * A request's deadline runs from its first byte, even of empty lines, so
	 * that no trickle keeps a connection: pump starts it for what is not a
	 * whole request yet (a whole one needs none).
	 */
	pump(hc);
}

void
gate_install(struct hconn *hc, evhtp_connection_t *c)
{
	void *cbarg;

	/* Our gate in front of evhtp's read callback (which stays evhtp's to call). */
	bufferevent_getcb(c->bev, &hc->evhtp_read, &hc->evhtp_write, &hc->evhtp_event, &cbarg);
	evhtp_event_cb = hc->evhtp_event;
	bufferevent_setcb(c->bev, gate_read, hc->evhtp_write, gate_event, cbarg);
}
