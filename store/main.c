/* airlock-store: see store.h. */
#include "store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sock.h"

#define DEFAULT_CONFIG	"/etc/airlock/airlock.conf"

static void
usage(void)
{
	fprintf(stderr, "usage: airlock-store [-dv] [-f config]\n");
	exit(2);
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct store *st = arg;

	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(st->base, NULL);
}

static int
listen_socket(const struct store_conf *sc)
{
	int fd;

	if ((fd = sock_activated()) != -1)
		return fd;
	if (sc->socket == NULL)
		fatalx("[store] socket is not set and no socket was passed by systemd");
	if ((fd = sock_listen_unix(sc->socket, 0660)) == -1)
		fatal("listen on %s", sc->socket);
	return fd;
}

static struct ipc_server *
serve(struct store *st, int fd)
{
	struct ipc_server_conf	 ic;
	struct ipc_server	*srv;
	size_t			 i;

	memset(&ic, 0, sizeof(ic));
	ic.name = "store";
	ic.permits = request_permits(st, &ic.npermits);
	for (i = 0; i < st->conf.nuids; i++)
		ic.uids[i] = st->conf.uids[i];
	ic.nuids = st->conf.nuids;
	ic.max_conns = 512;
	ic.idle_timeout_sec = 0;	/* the frontend keeps its connection */
	ic.max_outbuf = 1 << 20;
	if ((srv = ipc_server_new(st->base, fd, &ic)) == NULL)
		fatalx("ipc server");
	return srv;
}

int
main(int argc, char *argv[])
{
	const char		*path = DEFAULT_CONFIG;
	struct store		 st;
	struct conf		*conf;
	struct ipc_server	*srv;
	struct event		*sigs[2];
	int			 ch, foreground = 0, verbose = 0, fd;

	while ((ch = getopt(argc, argv, "df:v")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("airlock-store", foreground);
	log_setverbose(verbose);
	if (sodium_init() < 0)
		fatalx("sodium_init failed");
	memset(&st, 0, sizeof(st));
	conf = conf_load(path);
	store_conf_load(&st.conf, conf);
	signal(SIGPIPE, SIG_IGN);
	fd = listen_socket(&st.conf);
	/* before LMDB: an environment must not cross a fork */
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	db_open(&st);
	if ((st.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	batch_init(&st);
	sweep_init(&st);
	srv = serve(&st, fd);
	if ((sigs[0] = evsignal_new(st.base, SIGTERM, on_signal, &st)) == NULL ||
	    (sigs[1] = evsignal_new(st.base, SIGINT, on_signal, &st)) == NULL ||
	    evsignal_add(sigs[0], NULL) == -1 || evsignal_add(sigs[1], NULL) == -1)
		fatalx("signal events");
	log_info("serving %u peer uid(s), sessions last %llu s", (unsigned)st.conf.nuids,
	    (unsigned long long)st.conf.session_ttl);
	if (event_base_dispatch(st.base) == -1)
		fatalx("event loop failed");

	batch_discard(&st);	/* neither applied nor answered: the peer sees the close */
	log_info("%llu requests in %llu commits", (unsigned long long)st.ops,
	    (unsigned long long)st.commits);
	ipc_server_free(srv);
	close(fd);
	event_free(sigs[0]);
	event_free(sigs[1]);
	event_free(st.ev_commit);
	event_free(st.ev_sweep);
	event_base_free(st.base);
	db_close(&st);
	conf_free(conf);
	return 0;
}
