/* The server side of proto/ipc.h: accepting, peer checks, dispatch by permit. */
#include "ipc.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include <sodium.h>

#include "ipc_frame.h"
#include "log.h"

struct ipc_conn {
	TAILQ_ENTRY(ipc_conn)	 entry;
	struct ipc_server	*srv;
	struct bufferevent	*bev;
	uid_t			 uid;
	int			 refs;
	int			 dead;
	int			 paused;
	int			 id;		/* for log lines */
};

struct ipc_server {
	struct event_base	*base;
	struct event		*ev_accept;
	struct event		*ev_pause;	/* accept paused on EMFILE */
	struct ipc_server_conf	 conf;
	TAILQ_HEAD(, ipc_conn)	 conns;
	size_t			 nconns;
	int			 fd;
	int			 next_conn_id;
};

static void	conn_read(struct bufferevent *, void *);
static void	conn_event(struct bufferevent *, short, void *);
static void	conn_close(struct ipc_conn *, const char *why);

void
ipc_conn_ref(struct ipc_conn *c)
{
	c->refs++;
}

void
ipc_conn_unref(struct ipc_conn *c)
{
	if (--c->refs == 0)
		free(c);
}

int
ipc_conn_alive(const struct ipc_conn *c)
{
	return !c->dead;
}

uid_t
ipc_conn_uid(const struct ipc_conn *c)
{
	return c->uid;
}

void *
ipc_conn_ctx(const struct ipc_conn *c)
{
	return c->srv->conf.ctx;
}

static void
conn_close(struct ipc_conn *c, const char *why)
{
	if (c->dead)
		return;
	if (why != NULL)
		log_warnx("%s: connection %d (uid %u) closed: %s", c->srv->conf.name, c->id,
		    (unsigned)c->uid, why);
	c->dead = 1;
	bufferevent_free(c->bev);
	c->bev = NULL;
	TAILQ_REMOVE(&c->srv->conns, c, entry);
	c->srv->nconns--;
	ipc_conn_unref(c);
}

static void
conn_set_timeout(struct ipc_conn *c)
{
	struct timeval tv = { c->srv->conf.idle_timeout_sec, 0 };

	if (c->srv->conf.idle_timeout_sec > 0)
		bufferevent_set_timeouts(c->bev, &tv, NULL);
}

/*
 * With nothing queued before it, a frame is written at once instead of on the
 * loop's next pass; returns how many bytes went out (what did not is queued
 * by the caller, and an error is left for the bufferevent to meet and report).
 */
static size_t
send_now(struct ipc_conn *c, const uint8_t *p, size_t len)
{
	ssize_t n;

	do
		n = send(bufferevent_getfd(c->bev), p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	return n > 0 ? (size_t)n : 0;
}

int
ipc_send(struct ipc_conn *c, struct mbuf *m)
{
	struct evbuffer	*out;
	size_t		 sent = 0;

	if (c->dead)
		return -1;
	if (m_finish(m) == -1) {
		log_warnx("%s: answer %s too large", c->srv->conf.name,
		    msg_type_name(m->data[6] << 8 | m->data[7]));
		conn_close(c, "answer could not be encoded");
		return -1;
	}
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) == 0 && (sent = send_now(c, m->data, m->len)) == m->len)
		return 0;
	if (evbuffer_add(out, m->data + sent, m->len - sent) == -1) {
		conn_close(c, "out of memory");
		return -1;
	}
	/* A peer that sends requests but never reads answers is stopped, not buffered for. */
	if (c->srv->conf.max_outbuf > 0 && evbuffer_get_length(out) > c->srv->conf.max_outbuf)
		bufferevent_disable(c->bev, EV_READ);
	return 0;
}

void
ipc_answer_status(struct ipc_conn *c, const struct msg_hdr *req, uint8_t status)
{
	struct mbuf m;

	if (msg_answer(&m, req, status, NULL) == 0)
		ipc_send(c, &m);
}

void
ipc_conn_pause(struct ipc_conn *c)
{
	if (c->dead)
		return;
	c->paused = 1;
	bufferevent_disable(c->bev, EV_READ);
}

void
ipc_conn_resume(struct ipc_conn *c)
{
	if (c->dead || !c->paused)
		return;
	c->paused = 0;
	bufferevent_enable(c->bev, EV_READ);
	/* Frames may already be buffered: process them now. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) >= MSG_HDR_LEN)
		conn_read(c->bev, c);
}

static const struct ipc_permit *
permit_lookup(const struct ipc_server_conf *conf, uint16_t type)
{
	size_t i;

	for (i = 0; i < conf->npermits; i++)
		if (conf->permits[i].type == type)
			return &conf->permits[i];
	return NULL;
}

/* Decodes the request and calls its handler; -1 when either refuses it.
 * The decoded copy (codes, proofs, tokens) is wiped afterwards. */
static int
conn_call(struct ipc_conn *c, const struct ipc_permit *p, const struct msg_hdr *hdr,
    const uint8_t *payload)
{
	union msg_request	 req;
	const struct msg_def	*d;
	struct mreader		 r;
	int			 rc = -1;

	m_reader(&r, payload, hdr->len);
	if ((d = msg_def(hdr->type)) == NULL || d->req.size > sizeof(req))
		return -1;
	if (msg_read_request(&r, hdr->type, &req) == 0)
		rc = p->handler(c, hdr, &req);
	sodium_memzero(&req, d->req.size);
	return rc;
}

/* Dispatch one whole frame if buffered: 1 dispatched, 0 need more, -1 closed. */
static int
conn_dispatch_one(struct ipc_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	const struct ipc_permit	*p;
	struct msg_hdr		 hdr;
	uint8_t			*payload;
	char			 why[WHY_MAX];
	int			 n;

	if ((n = ipc_frame_next(in, &hdr, &payload, why)) != 1) {
		if (n == -1)
			conn_close(c, why);
		return n;
	}
	if ((p = permit_lookup(&c->srv->conf, hdr.type)) == NULL) {
		snprintf(why, sizeof(why), "message type %u not permitted", hdr.type);
		conn_close(c, why);
		return -1;
	}
	if (conn_call(c, p, &hdr, payload) == -1) {
		snprintf(why, sizeof(why), "malformed %s", msg_type_name(hdr.type));
		conn_close(c, why);
		return -1;
	}
	if (c->dead)
		return -1;
	evbuffer_drain(in, MSG_HDR_LEN + hdr.len);
	return 1;
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct ipc_conn *c = arg;

	ipc_conn_ref(c);
	while (!c->dead && !c->paused && conn_dispatch_one(c) == 1)
		;
	ipc_conn_unref(c);
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct ipc_conn *c = arg;

	/* Output drained below the limit: take requests again. */
	if (!c->paused)
		bufferevent_enable(bev, EV_READ);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct ipc_conn *c = arg;

	if (what & BEV_EVENT_TIMEOUT) {
		if (c->refs > 1) {	/* answers still owed: not idle */
			bufferevent_enable(bev, EV_READ);
			return;
		}
		conn_close(c, "idle timeout");
	} else if (what & BEV_EVENT_EOF)
		conn_close(c, NULL);
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, "read/write error");
}

static int
peer_allowed(const struct ipc_server_conf *conf, uid_t uid)
{
	size_t i;

	for (i = 0; i < conf->nuids; i++)
		if (conf->uids[i] == uid)
			return 1;
	return 0;
}

static void
server_accept_one(struct ipc_server *s, int fd)
{
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);
	struct ipc_conn	*c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("%s: SO_PEERCRED", s->conf.name);
		close(fd);
		return;
	}
	if (!peer_allowed(&s->conf, cred.uid)) {
		log_warnx("%s: refused peer uid %u pid %d", s->conf.name, (unsigned)cred.uid, cred.pid);
		close(fd);
		return;
	}
	if (s->conf.max_conns > 0 && s->nconns >= s->conf.max_conns) {
		log_warnx("%s: too many connections, refused uid %u", s->conf.name, (unsigned)cred.uid);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warn("%s: accept", s->conf.name);
		free(c);
		close(fd);
		return;
	}
	c->srv = s;
	c->uid = cred.uid;
	c->refs = 1;
	c->id = ++s->next_conn_id;
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->nconns++;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, s->conf.max_outbuf / 2, 0);
	conn_set_timeout(c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	log_debug("%s: connection %d from uid %u pid %d", s->conf.name, c->id,
	    (unsigned)cred.uid, cred.pid);
}

static void
server_resume_accept(evutil_socket_t fd, short ev, void *arg)
{
	struct ipc_server *s = arg;

	event_add(s->ev_accept, NULL);
}

static void
server_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct ipc_server	*s = arg;
	struct timeval		 tv = { 1, 0 };
	int			 fd, i;

	for (i = 0; i < 64; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("%s: accept: pausing 1 s", s->conf.name);
				event_del(s->ev_accept);
				evtimer_add(s->ev_pause, &tv);
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("%s: accept", s->conf.name);
			return;
		}
		server_accept_one(s, fd);
	}
}

struct ipc_server *
ipc_server_new(struct event_base *base, int fd, const struct ipc_server_conf *conf)
{
	struct ipc_server *s;

	/* A peer that hangs up must cost one connection, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->conf = *conf;
	s->fd = fd;
	TAILQ_INIT(&s->conns);
	if ((s->ev_accept = event_new(base, fd, EV_READ | EV_PERSIST, server_accept, s)) == NULL ||
	    (s->ev_pause = evtimer_new(base, server_resume_accept, s)) == NULL ||
	    event_add(s->ev_accept, NULL) == -1) {
		ipc_server_free(s);
		return NULL;
	}
	return s;
}

void
ipc_server_free(struct ipc_server *s)
{
	struct ipc_conn *c;

	if (s == NULL)
		return;
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		conn_close(c, NULL);
	if (s->ev_accept != NULL)
		event_free(s->ev_accept);
	if (s->ev_pause != NULL)
		event_free(s->ev_pause);
	close(s->fd);
	free(s);
}

