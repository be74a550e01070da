/* airlock-frontend: see fe.h. */
#include "fe.h"

#include <sys/resource.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "sock.h"

#define FD_RESERVE	64	/* descriptors kept for backends, logs, lingering closes */

static int
listen_socket(const struct fe_conf *fc)
{
	int fd;

	if ((fd = sock_activated()) != -1)
		return fd;
	if (fc->listen == NULL)
		fatalx("[frontend] listen is not set and no socket was passed by systemd");
	if ((fd = sock_listen_tcp(fc->listen)) == -1)
		fatal("listen on %s", fc->listen);
	return fd;
}

/* As many connections as descriptors allow: accept() must never hit EMFILE. */
static size_t
conn_limit(size_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return want < 512 ? want : 512;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + FD_RESERVE)
		want = rl.rlim_cur > 2 * FD_RESERVE ? rl.rlim_cur - FD_RESERVE : FD_RESERVE;
	return want;
}

/*
 * epoll with libevent's change list: the changes made to a socket's events
 * during one loop turn reach the kernel as one epoll_ctl at most.  A request
 * answered after a backend call enables writing and, once written, drops it
 * again; without the list each step is its own system call (bench/run.sh).
 * The list is unsafe only with dup()ed descriptors, which this daemon never has.
 */
static struct event_base *
loop_new(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	(void)event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

static struct http_server *
serve(struct fe *fe, int fd)
{
	struct http_conf	 hc;
	struct http_server	*srv;

	memset(&hc, 0, sizeof(hc));
	hc.max_uri = 4096;
	hc.max_header_bytes = 16384;
	hc.max_headers = 64;
	hc.max_body = 16384;
	hc.max_conns = conn_limit(fe->conf.max_conns);
	hc.idle_timeout_sec = fe->conf.idle_timeout_sec;
	hc.default_headers = fe->headers;
	if ((srv = http_server_new(fe->base, fd, &hc, route_dispatch, fe)) == NULL)
		fatalx("cannot start the HTTP server");
	return srv;
}

int
main(int argc, char *argv[])
{
	struct daemon_opts	 o;
	struct fe		 fe;
	struct conf		*conf;
	struct event		*sigs[2];
	int			 fd;

	daemon_getopt(argc, argv, "df:v", "usage: airlock-frontend [-dv] [-f config]\n", &o);
	log_init("airlock-frontend", o.foreground);
	log_setverbose(o.verbose);
	if (sodium_init() < 0)
		fatalx("sodium_init failed");
	memset(&fe, 0, sizeof(fe));
	conf = conf_load(o.config);
	fe_conf_load(&fe.conf, conf);
	fe.cookie_session = fe.conf.https ? "__Host-session" : "session";
	fe.cookie_login = fe.conf.https ? "__Host-login" : "login";
	if (assets_init(&fe) == -1)
		fatalx("cannot build the security headers");
	fd = listen_socket(&fe.conf);
	if (!o.foreground && daemon(0, 0) == -1)
		fatal("daemon");
	if ((fe.base = loop_new()) == NULL)
		fatalx("event_base_new");
	if ((fe.be[BE_STORE] = ipc_client_new(fe.base, fe.conf.store_socket, "store")) == NULL ||
	    (fe.be[BE_AUTHD] = ipc_client_new(fe.base, fe.conf.authd_socket, "authd")) == NULL)
		fatalx("backend socket path too long");
	fe.http = serve(&fe, fd);
	daemon_signals(fe.base, sigs);
	log_info("serving %s%s%s, store %s, authd %s", fe.conf.public_url,
	    fe.conf.listen ? " on " : " (socket activated)", fe.conf.listen ? fe.conf.listen : "",
	    fe.conf.store_socket, fe.conf.authd_socket);
	if (event_base_dispatch(fe.base) == -1)
		fatalx("event loop failed");
	http_server_free(fe.http);
	ipc_client_free(fe.be[BE_STORE]);
	ipc_client_free(fe.be[BE_AUTHD]);
	daemon_signals_free(sigs);
	event_base_free(fe.base);
	conf_free(conf);
	log_info("stopped");
	return 0;
}
