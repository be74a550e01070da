/* proto/ipc_server.c and ipc_client.c: a real server and client on a temporary Unix socket in one loop:
 * pipelining, ids, asynchronous answers, timeouts, reconnect, hostile frames,
 * SO_PEERCRED refusal. */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "check.h"
#include "ipc.h"
#include "log.h"
#include "sock.h"

static struct event_base *base;
static char sockpath[64];

/* PING answers its id; PAIR_INFO answers after 50 ms; PAIR_TAKE never answers. */
static int
h_ping(struct ipc_conn *c, const struct msg_hdr *h, const void *req)
{
	struct msg_store_ping_r	a = { .users = h->id };
	struct mbuf		m;

	if (msg_answer(&m, h, ST_OK, &a) == -1)
		return -1;
	return ipc_send(c, &m);
}

struct later { struct ipc_conn *c; struct msg_hdr h; struct event *ev; };

static void
answer_later(evutil_socket_t fd, short ev, void *arg)
{
	struct later	*l = arg;
	struct mbuf	 m;

	if (msg_answer(&m, &l->h, ST_NOTFOUND, NULL) == 0)
		ipc_send(l->c, &m);
	ipc_conn_unref(l->c);
	event_free(l->ev);
	free(l);
}

static int
h_info(struct ipc_conn *c, const struct msg_hdr *h, const void *req)
{
	struct timeval	 tv = { 0, 50000 };
	struct later	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	l->c = c;
	l->h = *h;
	ipc_conn_ref(c);
	l->ev = evtimer_new(base, answer_later, l);
	evtimer_add(l->ev, &tv);
	return 0;
}

static int
h_silent(struct ipc_conn *c, const struct msg_hdr *h, const void *req)
{
	return 0;
}

static const struct ipc_permit permits[] = {
	{ .type = MSG_STORE_PING, .handler = h_ping },
	{ .type = MSG_STORE_PAIR_INFO, .handler = h_info },
	{ .type = MSG_STORE_PAIR_TAKE, .handler = h_silent },
};

static struct ipc_server *
server_start(void)
{
	struct ipc_server_conf	conf = { .name = "test-server", .permits = permits,
	    .npermits = 3, .nuids = 1, .max_conns = 16, .max_outbuf = 1 << 20 };
	int			fd = sock_listen_unix(sockpath, 0666);

	conf.uids[0] = geteuid();
	return fd == -1 ? NULL : ipc_server_new(base, fd, &conf);
}

struct result { int n, ok, down, timeout, ids_ok; uint8_t status; };

static void
on_reply(void *arg, enum ipc_result res, const struct msg_hdr *h, struct mreader *r)
{
	struct result *x = arg;

	x->n++;
	if (res == IPC_DOWN)
		x->down++;
	else if (res == IPC_TIMEOUT)
		x->timeout++;
	else {
		struct msg_store_ping_r a;

		x->ok++;
		if (msg_read_answer(r, h->type - 1, &x->status,
		    h->type == MSG_STORE_PING_R ? &a : NULL) == -1)
			x->ids_ok = -1000;
		else if (h->type == MSG_STORE_PING_R)
			x->ids_ok += a.users == h->id;
	}
}

static void
run_for(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static uint32_t
call(struct ipc_client *cl, uint16_t type, int timeout_ms, struct result *x)
{
	union msg_request	q;
	struct mbuf		m;

	memset(&q, 0, sizeof(q));
	if (type == MSG_STORE_PAIR_TAKE)
		strcpy(q.store_pair_take.paircode, "x");
	if (msg_request(&m, type, 0, &q) == -1)
		return 0;
	return ipc_call(cl, &m, timeout_ms, on_reply, x);
}

/* Raw peer: sends bytes, reports whether the server closed the connection. */
static int
raw_closed_after(const void *buf, size_t len)
{
	int	fd = sock_connect_unix(sockpath);
	char	c;
	ssize_t	n = -1;
	int	i;

	if (fd == -1)
		return 0;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return 0;
	}
	for (i = 0; i < 40; i++) {
		run_for(5);
		n = read(fd, &c, 1);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			break;
	}
	close(fd);
	return n == 0 || (n == -1 && errno == ECONNRESET);
}

static void
test_hostile(struct ipc_client *cl)
{
	struct mbuf	m;
	struct result	x = { 0 };
	int		i, closed = 0;
	uint8_t		junk[256];

	m_init(&m, MSG_STORE_PING, 1);
	m_finish(&m);
	m.data[0] = 0xff;
	CHECK(raw_closed_after(m.data, MSG_HDR_LEN), "frame header claiming 4 GB closes the connection");
	m_init(&m, MSG_STORE_PING, 1);
	m_finish(&m);
	m.data[5] ^= 0x7;
	CHECK(raw_closed_after(m.data, MSG_HDR_LEN), "wrong protocol version closes the connection");
	m_init(&m, 4242, 1);
	m_finish(&m);
	CHECK(raw_closed_after(m.data, MSG_HDR_LEN), "unknown message type closes the connection");
	m_init(&m, MSG_STORE_INCREMENT, 1);
	m_finish(&m);
	CHECK(raw_closed_after(m.data, MSG_HDR_LEN), "type not in the permit table closes the connection");
	m_init(&m, MSG_STORE_PING, 1);
	m_add_u8(&m, 0);
	m_finish(&m);
	CHECK(raw_closed_after(m.data, m.len), "trailing byte closes the connection");
	for (i = 0; i < 50; i++) {
		randombytes_buf(junk, sizeof(junk));
		closed += raw_closed_after(junk, sizeof(junk));
	}
	CHECK(closed == 50, "50 random garbage frames each close their connection (%d)", closed);
	call(cl, MSG_STORE_PING, 1000, &x);
	run_for(50);
	CHECK(x.ok == 1 && x.ids_ok == 1, "the well-behaved client is still served");
}

static void
test_peercred(void)
{
	pid_t	pid;
	int	status = -1;

	if (geteuid() != 0) {
		printf("SKIP: peer uid refusal (needs root to switch uid)\n");
		return;
	}
	if ((pid = fork()) == 0) {
		struct mbuf m;
		char c;
		int fd;

		if (setresgid(65534, 65534, 65534) == -1 || setresuid(65534, 65534, 65534) == -1)
			_exit(3);
		if ((fd = sock_connect_unix(sockpath)) == -1)
			_exit(4);
		m_init(&m, MSG_STORE_PING, 1);
		m_finish(&m);
		(void)!write(fd, m.data, m.len);	/* may already be closed */
		for (int i = 0; i < 100; i++) {
			ssize_t n = read(fd, &c, 1);
			if (n == 0 || (n == -1 && errno == ECONNRESET))
				_exit(0);	/* refused */
			if (n == 1)
				_exit(6);	/* answered: wrong */
			usleep(10000);
		}
		_exit(7);
	}
	for (int i = 0; i < 200 && waitpid(pid, &status, WNOHANG) == 0; i++)
		run_for(10);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "a peer of another uid is refused (SO_PEERCRED)");
}

int
main(void)
{
	struct ipc_server	*srv;
	struct ipc_client	*cl;
	struct result		 x = { 0 }, slow = { 0 }, never = { 0 }, down = { 0 }, after = { 0 };
	int			 i, sent = 0;

	log_init("test_proto_ipc", 1);
	if (sodium_init() < 0)
		return 1;
	snprintf(sockpath, sizeof(sockpath), "/tmp/airlock-ipc-%d.sock", (int)getpid());
	base = event_base_new();
	srv = server_start();
	CHECK(srv != NULL, "server listens on %s", sockpath);
	cl = ipc_client_new(base, sockpath, "test-client");
	CHECK(cl != NULL && ipc_client_up(cl), "client connects");

	for (i = 0; i < 500; i++)
		sent += call(cl, MSG_STORE_PING, 2000, &x) != 0;
	call(cl, MSG_STORE_PAIR_INFO, 2000, &slow);
	call(cl, MSG_STORE_PAIR_TAKE, 100, &never);
	run_for(300);
	CHECK(sent == 500 && x.ok == 500 && x.ids_ok == 500, "500 pipelined requests answered with their ids");
	CHECK(slow.ok == 1 && slow.status == ST_NOTFOUND, "asynchronous answer delivered");
	CHECK(never.timeout == 1 && never.n == 1, "unanswered request times out exactly once");

	test_hostile(cl);
	test_peercred();

	/* Cancelled requests never call back. */
	memset(&x, 0, sizeof(x));
	ipc_cancel(cl, call(cl, MSG_STORE_PAIR_INFO, 2000, &x));
	run_for(100);
	CHECK(x.n == 0, "cancelled request does not call back");

	/* Server goes away: in-flight requests fail with IPC_DOWN, new calls are refused. */
	call(cl, MSG_STORE_PAIR_INFO, 2000, &down);
	ipc_server_free(srv);
	run_for(100);
	CHECK(down.down == 1, "in-flight request fails with IPC_DOWN when the server goes away");
	CHECK(call(cl, MSG_STORE_PING, 1000, &after) == 0 && !ipc_client_up(cl),
	    "calls are refused while the server is down");
	srv = server_start();
	run_for(2500);
	CHECK(ipc_client_up(cl), "client reconnects by itself");
	call(cl, MSG_STORE_PING, 1000, &after);
	run_for(100);
	CHECK(after.ok == 1, "requests work again after reconnect");

	ipc_client_free(cl);
	ipc_server_free(srv);
	event_base_free(base);
	unlink(sockpath);
	return CHECK_DONE();
}
