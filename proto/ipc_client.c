/* The client side of proto/ipc.h: one reconnecting connection, calls by id. */
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

#include "ipc_frame.h"
#include "log.h"

#define PENDING_BUCKETS	256
#define PENDING_SPARE	64	/* finished calls kept, with their timer, for the next ones */
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
	struct pending_list	 spare;		/* free, timer made and not pending */
	size_t			 nspare;
};

static void	client_connect(evutil_socket_t, short, void *);
static void	pending_timeout(evutil_socket_t, short, void *);

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
	struct ipc_client *cl = p->cl;

	TAILQ_REMOVE(bucket(cl, p->id), p, entry);
	cl->npending--;
	if (cl->nspare < PENDING_SPARE) {
		evtimer_del(p->timer);
		p->cb = NULL;
		p->arg = NULL;
		TAILQ_INSERT_HEAD(&cl->spare, p, entry);
		cl->nspare++;
		return;
	}
	event_free(p->timer);
	free(p);
}

/* A pending call with its timer, spare or new; NULL out of memory. */
static struct ipc_pending *
pending_new(struct ipc_client *cl)
{
	struct ipc_pending *p;

	if ((p = TAILQ_FIRST(&cl->spare)) != NULL) {
		TAILQ_REMOVE(&cl->spare, p, entry);
		cl->nspare--;
		return p;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->cl = cl;
	if ((p->timer = evtimer_new(cl->base, pending_timeout, p)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

/* Back to the spare list: a call that was never sent. */
static void
pending_unused(struct ipc_pending *p)
{
	TAILQ_INSERT_HEAD(&p->cl->spare, p, entry);
	p->cl->nspare++;
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

	if ((n = ipc_frame_next(in, &hdr, &payload, why)) != 1) {
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
	TAILQ_INIT(&cl->spare);
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
	while ((p = TAILQ_FIRST(&cl->spare)) != NULL) {
		TAILQ_REMOVE(&cl->spare, p, entry);
		event_free(p->timer);
		free(p);
	}
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
	if ((p = pending_new(cl)) == NULL)
		return 0;
	if (bufferevent_write(cl->bev, m->data, m->len) == -1) {
		pending_unused(p);
		return 0;
	}
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
