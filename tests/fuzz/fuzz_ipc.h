/*
 * For the fuzz targets of a daemon's permit table (fuzz_store_request.c,
 * fuzz_authd_request.c): handlers answer and hold references through a live
 * ipc_conn, which only proto/ipc.c's server creates.  fz_serve() starts a real
 * server on a Unix socket, connects once and keeps the server's connection
 * object (caught by an extra permit, FZ_CAPTURE); the target then calls the
 * handlers directly with it, as conn_dispatch_one() does, and fz_answers()
 * reads what they sent back from the socket.
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

#define FZ_CAPTURE	98	/* even, neither a store nor an authd request */
#define FZ_MAX_PERMITS	16

static struct ipc_conn	*fz_conn;
static int		 fz_cfd = -1;

static int
fz_capture(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
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
    size_t n)
{
	static struct ipc_permit	 permits[FZ_MAX_PERMITS];
	static const uint8_t		 hello[MSG_HDR_LEN] = { 0, 0, 0, 0, 0, PROTO_VERSION,
					    0, FZ_CAPTURE };
	struct ipc_server_conf		 ic;
	struct ipc_server		*srv;
	struct sockaddr_un		 sun;
	int				 lfd, i;

	if (n + 1 > FZ_MAX_PERMITS)
		abort();
	memcpy(permits, daemon_permits, n * sizeof(*permits));
	permits[n].type = FZ_CAPTURE;
	permits[n].handler = fz_capture;
	memset(&ic, 0, sizeof(ic));
	ic.name = "fuzz";
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

#endif
