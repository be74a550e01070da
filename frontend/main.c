/* airlock-frontend: see fe.h. */
#include "fe.h"

#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
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

static long
env_count(const char *name)
{
	const char	*s = getenv(name);
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || *end != '\0' || v < 0 ? -1 : v;
}

static void
activated_fd(int fd)
{
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || sock_nonblock(fd) == -1)
		fatal("socket activation: fd %d", fd);
}

/*
 * Sockets passed by systemd: the HTTP one (airlock-frontend.socket) and, when
 * airlock-frontend-metrics.socket runs, the one named "metrics".  0 when some
 * were passed, -1 when none were.
 */
static int
activated_sockets(int *http, int *metrics)
{
	long		 pid = env_count("LISTEN_PID"), n = env_count("LISTEN_FDS");
	const char	*names = getenv("LISTEN_FDNAMES"), *p;
	long		 i;

	*http = *metrics = -1;
	if (pid == -1 || n == -1 || (pid_t)pid != getpid())
		return -1;
	for (i = 0, p = names; i < n; i++) {
		if (p != NULL && strncmp(p, "metrics", 7) == 0 && (p[7] == ':' || p[7] == '\0') &&
		    *metrics == -1)
			*metrics = LISTEN_FDS_START + (int)i;
		else if (*http == -1)
			*http = LISTEN_FDS_START + (int)i;
		else
			fatalx("socket activation: %ld sockets, expected the HTTP one and at most "
			    "one named \"metrics\"", n);
		if (p != NULL && (p = strchr(p, ':')) != NULL)
			p++;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (*http == -1)
		fatalx("socket activation: no HTTP socket among the %ld passed", n);
	activated_fd(*http);
	if (*metrics != -1)
		activated_fd(*metrics);
	return 0;
}

/* The listening sockets; returns where /metrics is served, for the log. */
static const char *
listen_sockets(const struct fe_conf *fc, int *http, int *metrics)
{
	if (activated_sockets(http, metrics) == 0)
		return *metrics != -1 ? "the metrics socket passed by systemd" :
		    "nowhere (no metrics socket passed by systemd)";
	if (fc->listen == NULL)
		fatalx("[frontend] listen is not set and no socket was passed by systemd");
	if ((*http = sock_listen_tcp(fc->listen)) == -1)
		fatal("listen on %s", fc->listen);
	if (fc->metrics_listen == NULL)
		return "nowhere (metrics_listen = off)";
	if ((*metrics = sock_listen_tcp(fc->metrics_listen)) == -1)
		fatal("metrics_listen on %s", fc->metrics_listen);
	return fc->metrics_listen;
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
	struct conf		*conf;
	struct event		*sigs[2];
	const char		*metrics_at;
	int			 fd, mfd;

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
	metrics_at = listen_sockets(&fe.conf, &fd, &mfd);
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
	conf_free(conf);
	log_info("stopped");
	return 0;
}
