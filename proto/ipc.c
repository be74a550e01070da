#include "ipc.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include <sodium.h>

#include "log.h"
#include "sock.h"

/* ---------------------------------------------------------------- server */

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

int
ipc_send(struct ipc_conn *c, struct mbuf *m)
{
	struct evbuffer *out;

	if (c->dead)
		return -1;
	if (m_finish(m) == -1) {
		log_warnx("%s: answer %s too large", c->srv->conf.name,
		    msg_type_name(m->data[6] << 8 | m->data[7]));
		conn_close(c, "answer could not be encoded");
		return -1;
	}
	out = bufferevent_get_output(c->bev);
	if (evbuffer_add(out, m->data, m->len) == -1) {
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

#define WHY_MAX	96

/*
 * The next whole frame in a connection's input, left in place: 1 with *hdr
 * and *payload set, 0 when more bytes are needed, -1 on a bad header or no
 * memory (why[WHY_MAX] says which).
 */
static int
frame_next(struct evbuffer *in, struct msg_hdr *hdr, uint8_t **payload, char *why)
{
	uint8_t hdrbuf[MSG_HDR_LEN], *frame;

	if (evbuffer_copyout(in, hdrbuf, sizeof(hdrbuf)) < (ev_ssize_t)sizeof(hdrbuf))
		return 0;
	if (msg_hdr_parse(hdrbuf, hdr) == -1) {
		snprintf(why, WHY_MAX, "bad frame header (version %u, length %u)",
		    hdr->version, hdr->len);
		return -1;
	}
	if (evbuffer_get_length(in) < MSG_HDR_LEN + (size_t)hdr->len)
		return 0;
	if ((frame = evbuffer_pullup(in, MSG_HDR_LEN + hdr->len)) == NULL) {
		snprintf(why, WHY_MAX, "out of memory");
		return -1;
	}
	*payload = frame + MSG_HDR_LEN;
	return 1;
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

	if ((n = frame_next(in, &hdr, &payload, why)) != 1) {
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

/* ---------------------------------------------------------------- client */

#define PENDING_BUCKETS	256
#define BACKOFF_MIN_MS	50
#define BACKOFF_MAX_MS	2000

struct ipc_pending {
	TAILQ_ENTRY(ipc_pending) entry;
	struct ipc_client	*cl;
	uint32_t		 id;
	uint16_t		 type;
	ipc_reply_cb		 cb;
	void			*arg;
	struct event		*timer;
};
TAILQ_HEAD(pending_list, ipc_pending);

struct ipc_client {
	struct event_base	*base;
	char			*path;
	char			*name;
	struct bufferevent	*bev;
	struct event		*ev_reconnect;
	int			 backoff_ms;
	int			 served;	/* this connection has answered */
	int			 up;
	uint32_t		 next_id;
	size_t			 npending;
	struct pending_list	 pending[PENDING_BUCKETS];
};

static void	client_connect(evutil_socket_t, short, void *);

static struct pending_list *
bucket(struct ipc_client *cl, uint32_t id)
{
	return &cl->pending[id % PENDING_BUCKETS];
}

static struct ipc_pending *
pending_find(struct ipc_client *cl, uint32_t id)
{
	struct ipc_pending *p;

	TAILQ_FOREACH(p, bucket(cl, id), entry)
		if (p->id == id)
			return p;
	return NULL;
}

static void
pending_free(struct ipc_pending *p)
{
	TAILQ_REMOVE(bucket(p->cl, p->id), p, entry);
	p->cl->npending--;
	event_free(p->timer);
	free(p);
}

static void
pending_finish(struct ipc_pending *p, enum ipc_result res, const struct msg_hdr *h, struct mreader *r)
{
	ipc_reply_cb	 cb = p->cb;
	void		*arg = p->arg;

	pending_free(p);
	cb(arg, res, h, r);
}

static void
client_schedule(struct ipc_client *cl)
{
	struct timeval tv = { cl->backoff_ms / 1000, (cl->backoff_ms % 1000) * 1000 };

	evtimer_add(cl->ev_reconnect, &tv);
	cl->backoff_ms = cl->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : cl->backoff_ms * 2;
}

static void
client_down(struct ipc_client *cl, const char *why)
{
	struct ipc_pending	*p;
	size_t			 i;
	int			 was_used = cl->up && cl->served;

	if (cl->up)
		log_warnx("%s: connection lost: %s", cl->name, why);
	cl->up = 0;
	if (cl->bev != NULL) {
		bufferevent_free(cl->bev);
		cl->bev = NULL;
	}
	for (i = 0; i < PENDING_BUCKETS; i++)
		while ((p = TAILQ_FIRST(&cl->pending[i])) != NULL)
			pending_finish(p, IPC_DOWN, NULL, NULL);
	if (evtimer_pending(cl->ev_reconnect, NULL))
		return;
	/* A peer that closed a connection it had served (an idle timeout) is
	 * there: connect again at once, so no request meets the gap.  A dead peer
	 * fails this and backs off; one that closes at once is never retried at once. */
	if (was_used)
		client_connect(-1, 0, cl);
	else
		client_schedule(cl);
}

/* One answer frame if buffered: 1 handled, 0 need more, -1 connection dropped. */
static int
client_dispatch_one(struct ipc_client *cl)
{
	struct evbuffer		*in = bufferevent_get_input(cl->bev);
	struct msg_hdr		 hdr;
	struct mreader		 r;
	struct ipc_pending	*p;
	uint8_t			*payload;
	char			 why[WHY_MAX];
	int			 n;

	if ((n = frame_next(in, &hdr, &payload, why)) != 1) {
		if (n == -1)
			client_down(cl, why);
		return n;
	}
	p = pending_find(cl, hdr.id);
	if ((hdr.type & 1) == 0 || (p != NULL && p->type + 1 != hdr.type)) {
		client_down(cl, "answer of the wrong type");
		return -1;
	}
	cl->served = 1;
	if (p != NULL) {
		m_reader(&r, payload, hdr.len);
		pending_finish(p, IPC_OK, &hdr, &r);
	}
	/* The callback may not touch this connection's buffers; it is still ours. */
	if (cl->bev == NULL)
		return -1;
	evbuffer_drain(in, MSG_HDR_LEN + hdr.len);
	return 1;
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct ipc_client *cl = arg;

	while (cl->bev != NULL && client_dispatch_one(cl) == 1)
		;
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct ipc_client *cl = arg;

	if (what & BEV_EVENT_CONNECTED) {
		cl->up = 1;
		cl->served = 0;
		cl->backoff_ms = BACKOFF_MIN_MS;
		log_info("%s: connected", cl->name);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_down(cl, (what & BEV_EVENT_EOF) ? "closed by peer" : "error");
}

static void
client_connect(evutil_socket_t unused, short ev, void *arg)
{
	struct ipc_client	*cl = arg;
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, cl->path, sizeof(sun.sun_path) - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: socket", cl->name);
		client_schedule(cl);
		return;
	}
	/* Unix sockets connect at once or fail (EAGAIN on a full backlog): retry later. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_debug("%s: connect %s: %s", cl->name, cl->path, strerror(errno));
		close(fd);
		client_schedule(cl);
		return;
	}
	if ((cl->bev = bufferevent_socket_new(cl->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		client_schedule(cl);
		return;
	}
	bufferevent_setcb(cl->bev, client_read, NULL, client_event, cl);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	client_event(cl->bev, BEV_EVENT_CONNECTED, cl);
}

struct ipc_client *
ipc_client_new(struct event_base *base, const char *path, const char *name)
{
	struct ipc_client	*cl;
	size_t			 i;

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return NULL;
	signal(SIGPIPE, SIG_IGN);
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return NULL;
	cl->base = base;
	cl->backoff_ms = BACKOFF_MIN_MS;
	for (i = 0; i < PENDING_BUCKETS; i++)
		TAILQ_INIT(&cl->pending[i]);
	if ((cl->path = strdup(path)) == NULL || (cl->name = strdup(name)) == NULL ||
	    (cl->ev_reconnect = evtimer_new(base, client_connect, cl)) == NULL) {
		ipc_client_free(cl);
		return NULL;
	}
	client_connect(-1, 0, cl);
	return cl;
}

void
ipc_client_free(struct ipc_client *cl)
{
	struct ipc_pending	*p;
	size_t			 i;

	if (cl == NULL)
		return;
	for (i = 0; i < PENDING_BUCKETS; i++)
		while ((p = TAILQ_FIRST(&cl->pending[i])) != NULL)
			pending_free(p);
	if (cl->bev != NULL)
		bufferevent_free(cl->bev);
	if (cl->ev_reconnect != NULL)
		event_free(cl->ev_reconnect);
	free(cl->path);
	free(cl->name);
	free(cl);
}

int
ipc_client_up(const struct ipc_client *cl)
{
	return cl->up;
}

static void
pending_timeout(evutil_socket_t fd, short ev, void *arg)
{
	pending_finish(arg, IPC_TIMEOUT, NULL, NULL);
}

uint32_t
ipc_call(struct ipc_client *cl, struct mbuf *m, int timeout_ms, ipc_reply_cb cb, void *arg)
{
	struct ipc_pending	*p;
	struct timeval		 tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	uint32_t		 id;

	if (!cl->up)
		return 0;
	do
		id = ++cl->next_id;
	while (id == 0 || pending_find(cl, id) != NULL);
	m->data[8] = id >> 24;
	m->data[9] = id >> 16;
	m->data[10] = id >> 8;
	m->data[11] = id;
	if (m_finish(m) == -1)
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return 0;
	if ((p->timer = evtimer_new(cl->base, pending_timeout, p)) == NULL) {
		free(p);
		return 0;
	}
	if (bufferevent_write(cl->bev, m->data, m->len) == -1) {
		event_free(p->timer);
		free(p);
		return 0;
	}
	p->cl = cl;
	p->id = id;
	p->type = m->data[6] << 8 | m->data[7];
	p->cb = cb;
	p->arg = arg;
	evtimer_add(p->timer, &tv);
	TAILQ_INSERT_TAIL(bucket(cl, id), p, entry);
	cl->npending++;
	return id;
}

void
ipc_cancel(struct ipc_client *cl, uint32_t id)
{
	struct ipc_pending *p;

	if (id != 0 && (p = pending_find(cl, id)) != NULL)
		pending_free(p);
}
