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

#define FD_RESERVE	64	/* descriptors kept for backends, logs, lingering closes,
				   and the metrics listener's connections */
#define METRICS_CONNS	16	/* connections to the metrics listener at once */
#define RATE_GROUPS	16384	/* client address groups with a token bucket */
#define LISTEN_FDS_START 3	/* sd_listen_fds(3) */

/* The listening sockets; returns where /metrics is served, for the log. */
static const char *
listen_sockets(const struct fe_conf *fc, int *http, int *metrics)
{
	struct sock_listen l[2] = {
		{ "[frontend] listen", fc->listen, 0, NULL, -1 },
		{ "[frontend] metrics_listen", fc->metrics_listen, 0, "metrics", -1 },
	};
	int activated = sock_listen_all(l, 2);

	*http = l[0].fd;
	*metrics = l[1].fd;
	if (activated)
		return *metrics != -1 ? "the metrics socket passed by systemd" :
		    "nowhere (no metrics socket passed by systemd)";
	return fc->metrics_listen == NULL ? "nowhere (metrics_listen = off)" : fc->metrics_listen;
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

/* The public listener, or (metrics) the metrics listener: few connections, no cap per address. */
static struct http_server *
serve(struct fe *fe, int fd, int metrics)
{
	struct http_conf	 hc;
	struct http_server	*srv;

	memset(&hc, 0, sizeof(hc));
	hc.max_uri = 4096;
	hc.max_header_bytes = 16384;
	hc.max_headers = 64;
	hc.max_body = 16384;
	hc.max_conns = metrics ? METRICS_CONNS : conn_limit(fe->conf.max_conns);
	hc.idle_timeout_sec = fe->conf.idle_timeout_sec;
	hc.head_timeout_sec = fe->conf.header_timeout_sec;
	hc.max_conns_per_addr = metrics ? 0 : fe->conf.max_conns_per_addr;
	hc.uncapped = &fe->conf.trusted_proxies;
	hc.default_headers = fe->headers;
	if ((srv = http_server_new(fe->base, fd, &hc, metrics ? route_dispatch_metrics :
	    route_dispatch, fe)) == NULL)
		fatalx("cannot start the HTTP server%s", metrics ? " for metrics" : "");
	return srv;
}

int
main(int argc, char *argv[])
{
	struct daemon_opts	 o;
	struct fe		 fe;
	struct airlock_conf	 ac;
	struct daemon_user	 user;
	struct event		*sigs[2];
	const char		*metrics_at;
	char			 err[1024];
	int			 fd, mfd;

	daemon_getopt(argc, argv, "df:nv", "usage: airlock-frontend [-dnv] [-f config]\n", &o);
	log_init("airlock-frontend", o.foreground || o.check);
	log_setverbose(o.verbose);
	if (sodium_init() < 0)
		fatalx("sodium_init failed");
	memset(&fe, 0, sizeof(fe));
	daemon_configure("airlock-frontend", &o, CONF_PART_FRONTEND, &ac, &user);
	if (fe_conf_load(&fe.conf, &ac, err, sizeof(err)) == -1)
		daemon_config_error("airlock-frontend", &o, err);
	if (o.check)
		daemon_check_exit("airlock-frontend", NULL);
	fe.cookie_session = fe.conf.https ? "__Host-session" : "session";
	fe.cookie_login = fe.conf.https ? "__Host-login" : "login";
	if (assets_init(&fe) == -1)
		fatalx("cannot build the security headers");
	metrics_at = listen_sockets(&fe.conf, &fd, &mfd);
	daemon_drop(&user, NULL, NULL, 0);
	if (!o.foreground && daemon(0, 0) == -1)
		fatal("daemon");
	if ((fe.base = loop_new()) == NULL)
		fatalx("event_base_new");
	if ((fe.be[BE_STORE] = ipc_client_new(fe.base, fe.conf.store_socket, "store")) == NULL ||
	    (fe.be[BE_AUTHD] = ipc_client_new(fe.base, fe.conf.authd_socket, "authd")) == NULL)
		fatalx("backend socket path too long");
	fe.http = serve(&fe, fd, 0);
	if (mfd != -1)
		fe.metrics_http = serve(&fe, mfd, 1);
	if (fe.conf.rate_burst > 0 && fe.conf.rate_per_sec > 0 &&
	    (fe.anon_rate = rate_table_new(RATE_GROUPS, fe.conf.rate_burst,
	    fe.conf.rate_per_sec)) == NULL)
		fatalx("out of memory for the rate limits");
	daemon_signals(fe.base, sigs);
	log_info("serving %s%s%s, store %s, authd %s", fe.conf.public_url,
	    fe.conf.listen ? " on " : " (socket activated)", fe.conf.listen ? fe.conf.listen : "",
	    fe.conf.store_socket, fe.conf.authd_socket);
	log_info("limits: %u requests a second per address on sign-in routes (burst %u), "
	    "%zu connections per address, %d s per request head and body, %zu trusted proxies; "
	    "/metrics on %s", fe.anon_rate ? fe.conf.rate_per_sec : 0,
	    fe.anon_rate ? fe.conf.rate_burst : 0, fe.conf.max_conns_per_addr,
	    fe.conf.header_timeout_sec, fe.conf.trusted_proxies.n, metrics_at);
	if (event_base_dispatch(fe.base) == -1)
		fatalx("event loop failed");
	http_server_free(fe.http);
	http_server_free(fe.metrics_http);
	rate_table_free(fe.anon_rate);
	ipc_client_free(fe.be[BE_STORE]);
	ipc_client_free(fe.be[BE_AUTHD]);
	daemon_signals_free(sigs);
	event_base_free(fe.base);
	airlock_conf_free(&ac);
	log_info("stopped");
	return 0;
}
