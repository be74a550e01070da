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


/* The socket; *bound is 1 when it was made here at [store] socket (not passed by systemd). */
static int
listen_socket(const struct store_conf *sc, int *bound)
{
	struct sock_listen l = { "[store] socket", sc->socket, 0660, NULL, -1 };

	*bound = sock_listen_all(&l, 1) == 0;
	return l.fd;
}

static struct ipc_server *
serve(struct store *st, int fd)
{
	struct ipc_server_conf	 ic;
	struct ipc_server	*srv;
	size_t			 i;

	memset(&ic, 0, sizeof(ic));
	ic.name = "store";
	ic.ctx = st;
	ic.permits = request_permits(&ic.npermits);
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
	struct airlock_conf	 ac;
	struct daemon_user	 user;
	struct ipc_server	*srv;
	struct event		*sigs[2];
	int			 fd, bound;

	daemon_getopt(argc, argv, "df:nv", "usage: airlock-store [-dnv] [-f config]\n", &o);
	log_init("airlock-store", o.foreground || o.check);
	log_setverbose(o.verbose);
	if (sodium_init() < 0)
		fatalx("sodium_init failed");
	memset(&st, 0, sizeof(st));
	daemon_configure("airlock-store", &o, CONF_PART_STORE, &ac, &user);
	store_conf_load(&st.conf, &ac);
	if (o.check)
		daemon_check_exit("airlock-store", NULL);
	fd = listen_socket(&st.conf, &bound);
	/* before the database: an LMDB environment or a libpq connection must not cross a fork */
	if (!o.foreground && daemon(0, 0) == -1)
		fatal("daemon");
	/* the database is opened as the user, so its files are the user's */
	daemon_drop(&user, st.conf.backend == STORE_LMDB ? st.conf.database : NULL,
	    bound ? st.conf.socket : NULL, daemon_user_gid(ac.airlock.frontend_uid, user.gid));
	if ((st.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	st.be = st.conf.backend == STORE_POSTGRESQL ? &backend_pg : &backend_lmdb;
	st.be->open(&st);
	srv = serve(&st, fd);
	daemon_signals(st.base, sigs);
	log_info("serving %u peer uid(s), sessions last %llu s", (unsigned)st.conf.nuids,
	    (unsigned long long)st.conf.session_ttl);
	if (event_base_dispatch(st.base) == -1)
		fatalx("event loop failed");

	ipc_server_free(srv);
	close(fd);
	daemon_signals_free(sigs);
	st.be->close(&st);
	event_base_free(st.base);
	airlock_conf_free(&ac);
	return 0;
}
