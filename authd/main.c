/*
 * airlock-authd [-dv] [-f CONFIG]	serve the frontend
 * airlock-authd -k KEYFILE		make the login-proof key, print its public half
 *
 * Start-up order: config, then every secret (refusing files others can read),
 * then the socket; provider discovery runs on the loop, so one provider that
 * is down never keeps authd (or the other providers) from serving.
 */
#include <sys/stat.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "authd.h"
#include "config.h"
#include "daemon.h"
#include "grant.h"
#include "http.h"
#include "ipc.h"
#include "log.h"
#include "loginseal.h"
#include "provider.h"
#include "replay.h"
#include "secret.h"
#include "sock.h"

#define SWEEP_SEC		30

static const char *const airlock_keys[] = { "public_url", "frontend_user", NULL };
static const char *const authd_keys[] = {
	"socket", "state_dir", "secrets_dir", "allow_insecure_loopback", "ca_file",
	"login_ttl_sec", "max_logins", "max_exchanges", "http_timeout_ms",
	"grant_max_age_days", "idle_timeout_sec", "max_exchanges_per_addr",
	"default_redirect_provider", NULL
};

struct runtime {
	struct authd		 ad;
	struct ipc_server	*server;
	struct event		*ev_sig[2], *ev_sweep;
	const char		*socket_path;	/* unlinked at exit when we made it */
	uint64_t		 grant_max_age;
	time_t			 last_grant_sweep;
};

static char *
redirect_base(const struct conf *c)
{
	const char	*u = conf_require(c, "airlock", "public_url");
	size_t		 n = strlen(u);
	char		*s;

	if ((strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) ||
	    strpbrk(u, "?# \t") != NULL || n > 1024)
		fatalx("%s: [airlock] public_url: not an http(s) URL without query",
		    conf_file(c));
	while (n > 0 && u[n - 1] == '/')
		n--;
	if ((s = malloc(n + sizeof("/auth_redirect"))) == NULL)
		fatal("malloc");
	memcpy(s, u, n);
	strcpy(s + n, "/auth_redirect");
	return s;
}

static size_t
peer_uids(const struct conf *c, uid_t uids[3])
{
	const char	*user = conf_require(c, "airlock", "frontend_user");
	size_t		 n = 0, i;
	uid_t		 cand[3];

	cand[0] = 0;
	cand[1] = geteuid();
	if (sock_user_uid(user, &cand[2]) == -1)
		fatalx("%s: [airlock] frontend_user: no such user \"%s\"", conf_file(c), user);
	for (i = 0; i < 3; i++)
		if (n == 0 || (cand[i] != uids[0] && (n < 2 || cand[i] != uids[1])))
			uids[n++] = cand[i];
	return n;
}

static void
load_signkey(struct authd *ad, const char *secrets_dir)
{
	char path[4096], err[256];

	if (secret_path(path, sizeof(path), secrets_dir, "signing.key") == -1)
		fatalx("signing key: set $CREDENTIALS_DIRECTORY or [authd] secrets_dir");
	if ((ad->signkey = signkey_load(path, err, sizeof(err))) == NULL)
		fatalx("signing key %s: %s", path, err);
}

/* Each provider calls back on /auth_redirect/NAME; the default one on /auth_redirect. */
static void
redirect_uris(struct authd *ad)
{
	struct provider	*p;
	size_t		 i, n = strlen(ad->redirect_base);

	ad->default_redirect = conf_get(ad->conf, "authd", "default_redirect_provider");
	if (ad->default_redirect != NULL && provider_find(ad, ad->default_redirect, NULL) == NULL)
		fatalx("%s: [authd] default_redirect_provider: no [provider.%s] section",
		    conf_file(ad->conf), ad->default_redirect);
	for (i = 0; i < ad->nprov; i++) {
		p = ad->prov[i];
		if ((p->redirect_uri = malloc(n + 1 + MAX_PROVIDER + 1)) == NULL)
			fatal("malloc");
		if (ad->default_redirect != NULL && strcmp(p->name, ad->default_redirect) == 0)
			memcpy(p->redirect_uri, ad->redirect_base, n + 1);
		else
			snprintf(p->redirect_uri, n + 1 + MAX_PROVIDER + 1, "%s/%s",
			    ad->redirect_base, p->name);
	}
}

/* login.key (32 raw bytes) when given, so that several authd share logins;
 * else a random key for this run. */
static void
load_loginkey(struct authd *ad, const char *secrets_dir)
{
	struct stat	 sb;
	char		 path[4096], err[256];

	if (secret_path(path, sizeof(path), secrets_dir, "login.key") == 0 &&
	    stat(path, &sb) == 0) {
		if ((ad->loginkey = secret_load_file(path, 1024, 0, err,
		    sizeof(err))) == NULL)
			fatalx("login key %s: %s", path, err);
		if (ad->loginkey->len != LOGIN_KEY_LEN)
			fatalx("login key %s: must be exactly %d bytes", path, LOGIN_KEY_LEN);
		return;
	}
	if ((ad->loginkey = secret_new(LOGIN_KEY_LEN)) == NULL)
		fatalx("out of memory");
	randombytes_buf(ad->loginkey->p, LOGIN_KEY_LEN);
	secret_close(ad->loginkey);
	log_info("no login.key: logins started here finish only at this process");
}

static void
load_providers(struct authd *ad, const char *secrets_dir)
{
	const char	*names[AUTHD_MAX_PROVIDERS + 1];
	size_t		 n, i;

	n = conf_sections(ad->conf, "provider.", names, AUTHD_MAX_PROVIDERS + 1);
	if (n > AUTHD_MAX_PROVIDERS)
		fatalx("%s: more than %d providers", conf_file(ad->conf), AUTHD_MAX_PROVIDERS);
	for (i = 0; i < n; i++)
		ad->prov[ad->nprov++] = provider_load(ad, ad->conf, names[i], secrets_dir);
	if (n == 0)
		log_warnx("no [provider.NAME] section: nobody can log in");
}

static void
setup_http(struct authd *ad)
{
	struct http_conf hc;

	memset(&hc, 0, sizeof(hc));
	hc.ca_file = conf_get(ad->conf, "authd", "ca_file");
	hc.insecure_loopback = ad->insecure_loopback;
	hc.timeout_ms = conf_num(ad->conf, "authd", "http_timeout_ms", 100, 120000, 10000);
	hc.connect_timeout_ms = hc.timeout_ms < 5000 ? hc.timeout_ms : 5000;
	hc.max_body = HTTP_MAX_BODY;
	if (hc.ca_file != NULL && access(hc.ca_file, R_OK) == -1)
		fatal("%s: [authd] ca_file %s", conf_file(ad->conf), hc.ca_file);
	if ((ad->http = http_new(ad->base, &hc)) == NULL)
		fatalx("http client setup failed");
}

static void
setup(struct runtime *rt, const char *config)
{
	struct authd	*ad = &rt->ad;
	const char	*secrets_dir, *state_dir;
	char		 err[512];

	ad->conf = conf_load(config);
	conf_check(ad->conf, "airlock", airlock_keys);
	conf_check(ad->conf, "authd", authd_keys);
	ad->redirect_base = redirect_base(ad->conf);
	ad->insecure_loopback = conf_bool(ad->conf, "authd", "allow_insecure_loopback", 0);
	if (ad->insecure_loopback)
		log_warnx("WARNING: allow_insecure_loopback = yes: plain http to providers on "
		    "127.0.0.1 is allowed. Development only, never in production.");
	ad->max_exchanges = conf_num(ad->conf, "authd", "max_exchanges", 1, 100000, 1024);
	ad->max_per_addr = conf_num(ad->conf, "authd", "max_exchanges_per_addr", 1, 100000, 4);
	ad->idle_timeout_sec = (int)conf_num(ad->conf, "authd", "idle_timeout_sec", 0, 86400, 300);
	rt->grant_max_age = 86400ULL *
	    conf_num(ad->conf, "authd", "grant_max_age_days", 1, 3650, 90);
	secrets_dir = conf_get(ad->conf, "authd", "secrets_dir");
	state_dir = conf_require(ad->conf, "authd", "state_dir");
	load_signkey(ad, secrets_dir);
	load_loginkey(ad, secrets_dir);
	if ((ad->grants = grants_open(state_dir, err, sizeof(err))) == NULL)
		fatalx("state_dir: %s", err);
	ad->login_ttl = (unsigned)conf_num(ad->conf, "authd", "login_ttl_sec", 1, 3600, 600);
	if ((ad->replay = replay_new(conf_num(ad->conf, "authd", "max_logins", 1, 1000000,
	    4096))) == NULL)
		fatalx("out of memory");
	if ((ad->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	setup_http(ad);
	load_providers(ad, secrets_dir);
	redirect_uris(ad);
}

static void
listen_socket(struct runtime *rt)
{
	uid_t	uids[3];
	size_t	n = peer_uids(rt->ad.conf, uids);
	int	fd;

	if ((fd = sock_activated()) == -1) {
		rt->socket_path = conf_require(rt->ad.conf, "authd", "socket");
		if ((fd = sock_listen_unix(rt->socket_path, 0660)) == -1)
			fatal("listen on %s", rt->socket_path);
	}
	if ((rt->server = authd_server_new(&rt->ad, fd, uids, n)) == NULL)
		fatalx("ipc server setup failed");
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct runtime	*rt = arg;
	time_t		 now = time(NULL);
	size_t		 n;

	replay_sweep(rt->ad.replay, (uint64_t)now);
	if (now - rt->last_grant_sweep >= 86400) {
		rt->last_grant_sweep = now;
		if ((n = grants_sweep(rt->ad.grants, (uint64_t)now, rt->grant_max_age)) > 0)
			log_info("removed %zu grants older than their maximum age", n);
	}
}

static void
events(struct runtime *rt)
{
	struct timeval tv = { SWEEP_SEC, 0 };

	daemon_signals(rt->ad.base, rt->ev_sig);
	rt->ev_sweep = event_new(rt->ad.base, -1, EV_PERSIST, on_sweep, rt);
	if (rt->ev_sweep == NULL || event_add(rt->ev_sweep, &tv) == -1)
		fatalx("event setup failed");
	on_sweep(-1, 0, rt);
}

static void
teardown(struct runtime *rt)
{
	struct authd	*ad = &rt->ad;
	size_t		 i;
	struct timeval	 flush = { 0, 200000 };

	/* Answer what is in flight, give the answers a moment to leave, then close. */
	http_shutdown(ad->http);
	event_base_loopexit(ad->base, &flush);
	event_base_dispatch(ad->base);
	ipc_server_free(rt->server);
	http_free(ad->http);
	if (rt->socket_path != NULL)
		unlink(rt->socket_path);
	for (i = 0; i < ad->nprov; i++)
		provider_free(ad->prov[i]);
	daemon_signals_free(rt->ev_sig);
	event_free(rt->ev_sweep);
	replay_free(ad->replay);
	secret_free(ad->loginkey);
	grants_close(ad->grants);
	secret_free(ad->signkey);
	free(ad->redirect_base);
	conf_free(ad->conf);
	event_base_free(ad->base);
}

int
main(int argc, char *argv[])
{
	static struct runtime	 rt;
	struct daemon_opts	 o;
	size_t			 i;

	daemon_getopt(argc, argv, "df:k:v", "usage: airlock-authd [-dv] [-f config]\n"
	    "       airlock-authd -k keyfile\n", &o);
	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "airlock-authd: libsodium init failed\n");
		return 1;
	}
	if (o.keyfile != NULL)
		return keygen_main(o.keyfile);
	log_init("airlock-authd", o.foreground);
	log_setverbose(o.verbose);
	secret_harden_process();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	authd_env = &rt.ad;
	setup(&rt, o.config);
	listen_socket(&rt);
	events(&rt);
	for (i = 0; i < rt.ad.nprov; i++)
		provider_start(rt.ad.prov[i]);
	log_info("serving on %s with %zu providers", rt.socket_path != NULL ? rt.socket_path :
	    "the socket systemd passed", rt.ad.nprov);
	event_base_dispatch(rt.ad.base);
	teardown(&rt);
	curl_global_cleanup();
	return 0;
}
