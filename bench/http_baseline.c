/*
 * Baseline for bench/run.sh: the smallest libevhtp server, one loop, answering
 * every request with a fixed 40-byte body.  Its requests/s is the HTTP layer's
 * ceiling on this machine; airlock's figures are printed as ratios to it.
 * Usage: http_baseline HOST:PORT
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <evhtp.h>

#include "log.h"
#include "sock.h"

static const char body[] = "0123456789012345678901234567890123456789";	/* 40 bytes */

static void
answer(evhtp_request_t *req, void *arg)
{
	evbuffer_add_reference(req->buffer_out, body, sizeof(body) - 1, NULL, NULL);
	evhtp_headers_add_header(req->headers_out,
	    evhtp_header_new("Content-Type", "text/plain", 0, 0));
	evhtp_send_reply(req, EVHTP_RES_OK);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	evhtp_t			*htp;
	int			 fd;

	log_init("http_baseline", 1);
	if (argc != 2)
		fatalx("usage: http_baseline HOST:PORT");
	signal(SIGPIPE, SIG_IGN);
	if ((fd = sock_listen_tcp(argv[1])) == -1)
		fatal("listen %s", argv[1]);
	if ((base = event_base_new()) == NULL || (htp = evhtp_new(base, NULL)) == NULL)
		fatalx("evhtp_new");
	evhtp_set_gencb(htp, answer, NULL);
	if (evhtp_accept_socket(htp, fd, 1024) != 0)
		fatalx("evhtp_accept_socket");
	event_base_dispatch(base);
	return 0;
}
