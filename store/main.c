/* airlock-store: see store.h. */
#include "store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "sock.h"


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
	/* idle peers lose their slot; the frontend reconnects at once (0 = never) */
	ic.idle_timeout_sec = st->conf.idle_timeout_sec;
	ic.max_outbuf = 1 << 20;
	if ((srv = ipc_server_new(st->base, fd, &ic)) == NULL)
		fatalx("ipc server");
	return srv;
}

int
main(int argc, char *argv[])
{
	struct daemon_opts	 o;
	struct store		 st;
	struct conf		*conf;
	struct ipc_server	*srv;
	struct event		*sigs[2];
	int			 fd;

	daemon_getopt(argc, argv, "df:v", "usage: airlock-store [-dv] [-f config]\n", &o);
	log_init("airlock-store", o.foreground);
	log_setverbose(o.verbose);
	if (sodium_init() < 0)
		fatalx("sodium_init failed");
	memset(&st, 0, sizeof(st));
	conf = conf_load(o.config);
	store_conf_load(&st.conf, conf);
	fd = listen_socket(&st.conf);
	/* before LMDB: an environment must not cross a fork */
	if (!o.foreground && daemon(0, 0) == -1)
		fatal("daemon");
	db_open(&st);
	if ((st.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	batch_init(&st);
	sweep_init(&st);
	srv = serve(&st, fd);
	daemon_signals(st.base, sigs);
	log_info("serving %u peer uid(s), sessions last %llu s", (unsigned)st.conf.nuids,
	    (unsigned long long)st.conf.session_ttl);
	if (event_base_dispatch(st.base) == -1)
		fatalx("event loop failed");

	batch_discard(&st);	/* neither applied nor answered: the peer sees the close */
	log_info("%llu requests in %llu commits", (unsigned long long)st.ops,
	    (unsigned long long)st.commits);
	ipc_server_free(srv);
	close(fd);
	daemon_signals_free(sigs);
	event_free(st.ev_commit);
	event_free(st.ev_sweep);
	event_base_free(st.base);
	db_close(&st);
	conf_free(conf);
	return 0;
}
