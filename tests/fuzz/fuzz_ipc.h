/*
 * For the fuzz targets of a daemon's permit table (fuzz_store_request.c,
 * fuzz_authd_request.c): handlers answer and hold references through a live
 * ipc_conn, which only proto/ipc_server.c's server creates.  fz_serve() starts a real
 * server on a Unix socket, connects once and keeps the server's connection
 * object (caught by an extra permit for a ping of the other daemon, which
 * the daemon's own table does not hold); the target then calls the handlers
 * directly with it, as conn_dispatch_one() does, and fz_answers() reads what
 * they sent back from the socket.
 */
#ifndef AIRLOCK_FUZZ_IPC_H
#define AIRLOCK_FUZZ_IPC_H

#include <sys/socket.h>
#include <sys/un.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc.h"
#include "msg.h"

#define FZ_MAX_PERMITS	16

static struct ipc_conn	*fz_conn;
static int		 fz_cfd = -1;

static int
fz_capture(struct ipc_conn *c, const struct msg_hdr *h, const void *req)
{
	fz_conn = c;
	ipc_conn_ref(c);
	return 0;
}

static void
fz_sockaddr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
}

/* Temp dir in /dev/shm when possible (no disk traffic); path gets the name. */
static void
fz_tempdir(char *path, size_t n, const char *name)
{
	snprintf(path, n, "%s/airlock-%s.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", name);
	if (mkdtemp(path) == NULL)
		abort();
}

static struct ipc_server *
fz_serve(struct event_base *base, const char *sockpath, const struct ipc_permit *daemon_permits,
    size_t n, void *ctx)
{
	static struct ipc_permit	 permits[FZ_MAX_PERMITS];
	uint8_t				 hello[MSG_HDR_LEN] = { 0, 0, 0, 0, 0, PROTO_VERSION };
	uint16_t			 capture = MSG_STORE_PING;
	struct ipc_server_conf		 ic;
	struct ipc_server		*srv;
	struct sockaddr_un		 sun;
	size_t				 j;
	int				 lfd, i;

	if (n + 1 > FZ_MAX_PERMITS)
		abort();
	for (j = 0; j < n; j++)
		if (daemon_permits[j].type == MSG_STORE_PING)
			capture = MSG_AUTH_PING;	/* both pings have no fields */
	hello[6] = capture >> 8;
	hello[7] = capture & 0xff;
	memcpy(permits, daemon_permits, n * sizeof(*permits));
	memset(&permits[n], 0, sizeof(permits[n]));
	permits[n].type = capture;
	permits[n].handler = fz_capture;
	memset(&ic, 0, sizeof(ic));
	ic.name = "fuzz";
	ic.ctx = ctx;
	ic.permits = permits;
	ic.npermits = n + 1;
	ic.uids[0] = getuid();
	ic.nuids = 1;
	ic.max_conns = 4;
	ic.max_outbuf = 1 << 20;
	fz_sockaddr(&sun, sockpath);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 || listen(lfd, 4) == -1 ||
	    (srv = ipc_server_new(base, lfd, &ic)) == NULL)
		abort();
	if ((fz_cfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fz_cfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    write(fz_cfd, hello, sizeof(hello)) != (ssize_t)sizeof(hello))
		abort();
	for (i = 0; i < 1000 && fz_conn == NULL; i++)
		event_base_loop(base, EVLOOP_ONCE);
	if (fz_conn == NULL)
		abort();
	fcntl(fz_cfd, F_SETFL, fcntl(fz_cfd, F_GETFL) | O_NONBLOCK);
	return srv;
}

/*
 * Reads answers until `want` arrived: whole frames with a good header, nothing
 * left over, the connection still open.  seen() checks each one (payload
 * follows the header).  Anything else aborts: a finding.
 */
static void
fz_answers(struct event_base *base, size_t want, void (*seen)(const struct msg_hdr *,
    const uint8_t *))
{
	static uint8_t	 in[1 << 18];
	size_t		 have = 0, got = 0;
	ssize_t		 n;
	struct msg_hdr	 h;
	int		 tries;

	for (tries = 0; tries < 200 && got < want; tries++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		while (have < sizeof(in) && (n = read(fz_cfd, in + have, sizeof(in) - have)) > 0)
			have += (size_t)n;
		while (have >= MSG_HDR_LEN) {
			if (msg_hdr_parse(in, &h) == -1)
				abort();
			if (have < MSG_HDR_LEN + h.len)
				break;
			seen(&h, in + MSG_HDR_LEN);
			got++;
			memmove(in, in + MSG_HDR_LEN + h.len, have - MSG_HDR_LEN - h.len);
			have -= MSG_HDR_LEN + h.len;
		}
	}
	if (got != want || have != 0 || !ipc_conn_alive(fz_conn))
		abort();
}

#define FZ_MAX_FRAMES	8

/* One frame of a fuzz input: the permit it goes to, its header, flags and payload. */
struct fz_frame {
	const struct ipc_permit	*pm;
	struct msg_hdr		 h;
	int			 flags;
	const uint8_t		*p;
	size_t			 len;
	int			 decoded;	/* the payload decoded into the request */
};

static uint16_t	fz_types[FZ_MAX_FRAMES];	/* the request type of frame id - 1 */
static size_t	fz_nframes;

/*
 * The next frame, at *off, of an input of up to FZ_MAX_FRAMES frames, each
 * u8 permit index, u8 flags, u16 length, payload (cut at the input's end).
 * Frames are numbered from 1 (*off 0 starts an input); the payload is
 * decoded into q as proto/ipc_server.c decodes it.  0 when no frame is left.
 */
static int
fz_frame_next(const uint8_t *data, size_t size, size_t *off, const struct ipc_permit *permits,
    size_t npermits, struct fz_frame *f, union msg_request *q)
{
	struct mreader r;

	if (*off == 0)
		fz_nframes = 0;
	if (size - *off < 4 || fz_nframes == FZ_MAX_FRAMES)
		return 0;
	f->pm = &permits[data[*off] % npermits];
	f->flags = data[*off + 1];
	f->len = (size_t)data[*off + 2] << 8 | data[*off + 3];
	*off += 4;
	if (f->len > size - *off)
		f->len = size - *off;
	f->p = data + *off;
	*off += f->len;
	f->h.version = PROTO_VERSION;
	f->h.type = f->pm->type;
	f->h.len = (uint32_t)f->len;
	fz_types[fz_nframes++] = f->h.type;
	f->h.id = (uint32_t)fz_nframes;
	m_reader(&r, f->p, f->len);
	f->decoded = msg_read_request(&r, f->h.type, q) == 0;
	return 1;
}

/* Decodes an answer into ans (any answer struct, 64 KiB); its request's type, or
 * abort: of no frame sent, of another type, or not decoding. */
static uint16_t
fz_answer_decode(const struct msg_hdr *h, const uint8_t *p, void *ans, uint8_t *st)
{
	struct mreader	r;
	uint16_t	type;

	if (h->id == 0 || h->id > fz_nframes || h->type != fz_types[h->id - 1] + 1)
		abort();
	type = fz_types[h->id - 1];
	m_reader(&r, p, h->len);
	if (msg_def(type)->ans.size > (1 << 16) || msg_read_answer(&r, type, st, ans) == -1 ||
	    *st >= ST_MAX)
		abort();
	return type;
}

#endif
