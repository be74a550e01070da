/*
 * airlock-authd [-dv] [-f CONFIG]	serve the frontend
 * airlock-authd -n [-f CONFIG]		check the configuration and secrets, exit
 * airlock-authd -k KEYFILE		make the login-proof key, print its public half
 *
 * Start-up order: config, then every secret (refusing files others can read),
 * then the socket, the drop to [authd] user when started as root, and the
 * grants in state_dir; provider discovery runs on the loop, so one provider that
 * is down never keeps authd (or the other providers) from serving.
 *
 * Several authd nodes serve one airlock when they share signing.key (proofs
 * the store accepts), login.key (a login started on one node finishes on
 * another) and grant.key (a grant obtained on one node is revoked by
 * another).  Each is read from $CREDENTIALS_DIRECTORY or secrets_dir;
 * without a login.key a process makes one of its own, without a grant.key
 * there the node uses state_dir/grant.key, made at its first start.
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

#include "access.h"
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

struct runtime {
	struct authd		 ad;
	struct airlock_conf	 ac;
	struct daemon_user	 user;
	struct ipc_server	*server;
	struct event		*ev_sig[2], *ev_sweep;
	const char		*socket_path;	/* unlinked at exit when we made it */
	uint64_t		 grant_max_age;
	struct secret		*grantkey;	/* from the secrets, or NULL: state_dir's */
	time_t			 last_grant_sweep;
};

/* public_url as written, without its trailing "/", then "/auth_redirect". */
static char *
redirect_base(const struct conf_airlock *a)
{
	size_t	 n = strlen(a->public_url);
	char	*s;

	while (n > 0 && a->public_url[n - 1] == '/')
		n--;
	if ((s = malloc(n + sizeof("/auth_redirect"))) == NULL)
		fatal("malloc");
	memcpy(s, a->public_url, n);
	strcpy(s + n, "/auth_redirect");
	return s;
}

/* Peers served: root, authd's own uid and frontend_user, each once. */
static size_t
peer_uids(const struct conf_airlock *a, uid_t uids[3])
{
	size_t	n = 0, i;
	uid_t	cand[3] = { 0, geteuid(), a->frontend_uid };

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

/* grant.key (32 raw bytes) when given, shared by the nodes; NULL otherwise. */
static struct secret *
load_grantkey(const char *secrets_dir)
{
	struct secret	*k;
	struct stat	 sb;
	char		 path[4096], err[256];

	if (secret_path(path, sizeof(path), secrets_dir, "grant.key") == -1 ||
	    stat(path, &sb) == -1)
		return NULL;
	if ((k = secret_load_file(path, 1024, 0, err, sizeof(err))) == NULL)
		fatalx("grant key %s: %s", path, err);
	if (k->len != GRANT_KEY_LEN)
		fatalx("grant key %s: must be exactly %d bytes", path, GRANT_KEY_LEN);
	secret_close(k);
	return k;
}

static void
load_providers(struct authd *ad, const char *secrets_dir)
{
	const char	*names[MAX_PROVIDERS + 1];
	size_t		 n, i;

	n = conf_sections(ad->conf, "provider.", names, MAX_PROVIDERS + 1);
	if (n > MAX_PROVIDERS)
		fatalx("%s: more than %d providers", conf_file(ad->conf), MAX_PROVIDERS);
	for (i = 0; i < n; i++)
		ad->prov[ad->nprov++] = provider_load(ad, ad->conf, names[i], secrets_dir);
	if (n == 0)
		log_warnx("no [provider.NAME] section: nobody can log in");
}

/* [access]: a malformed rule stops the start. */
static void
load_access(struct authd *ad, const struct airlock_conf *ac)
{
	static struct access	access;
	char			err[512];

	if (access_load(&access, ac, err, sizeof(err)) == -1)
		fatalx("%s", err);
	ad->access = &access;
}

static void
setup_http(struct authd *ad, const struct conf_authd *c)
{
	struct http_conf hc;

	memset(&hc, 0, sizeof(hc));
	hc.ca_file = c->ca_file;
	hc.insecure_loopback = ad->insecure_loopback;
	hc.timeout_ms = c->http_timeout_ms;
	hc.connect_timeout_ms = hc.timeout_ms < 5000 ? hc.timeout_ms : 5000;
	hc.max_body = HTTP_MAX_BODY;
	/* Every exchange in flight keeps its connection for its next request
	 * (a full cache closes the connection that just finished), plus warm-ups
	 * and discovery for each provider. */
	hc.max_conns = (long)ad->max_exchanges + 2 * MAX_PROVIDERS + 8;
	if (hc.ca_file != NULL && access(hc.ca_file, R_OK) == -1)
		fatal("%s: [authd] ca_file %s", conf_file(ad->conf), hc.ca_file);
	if ((ad->http = http_new(ad->base, &hc)) == NULL)
		fatalx("http client setup failed");
}

/* Settings, secrets, HTTP client and providers: all a check (-n) can try. */
static void
setup(struct runtime *rt)
{
	struct authd		*ad = &rt->ad;
	const struct conf_authd	*c = &rt->ac.authd;

	ad->conf = rt->ac.raw;
	ad->redirect_base = redirect_base(&rt->ac.airlock);
	ad->default_redirect = c->default_redirect;
	ad->insecure_loopback = c->insecure_loopback;
	if (ad->insecure_loopback)
		log_warnx("WARNING: allow_insecure_loopback = yes: plain http to providers on "
		    "127.0.0.1 is allowed. Development only, never in production.");
	ad->max_exchanges = (size_t)c->max_exchanges;
	ad->max_per_addr = (size_t)c->max_exchanges_per_addr;
	ad->idle_timeout_sec = (int)c->idle_timeout_sec;
	rt->grant_max_age = 86400ULL * (uint64_t)c->grant_max_age_days;
	ad->login_ttl = (unsigned)c->login_ttl_sec;
	load_access(ad, &rt->ac);
	load_signkey(ad, c->secrets_dir);
	load_loginkey(ad, c->secrets_dir);
	rt->grantkey = load_grantkey(c->secrets_dir);
	if ((ad->replay = replay_new((size_t)c->max_logins)) == NULL)
		fatalx("out of memory");
	if ((ad->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	setup_http(ad, c);
	load_providers(ad, c->secrets_dir);
	redirect_uris(ad);
}

/* The socket, then (started as root) the drop to [authd] user in state_dir,
 * then the grants, created as that user. */
static void
listen_socket(struct runtime *rt)
{
	struct sock_listen	 l = { "[authd] socket", rt->ac.authd.socket, 0660, NULL, -1 };
	const char		*state_dir = rt->ac.authd.state_dir;
	uid_t			 uids[3];
	size_t			 n = peer_uids(&rt->ac.airlock, uids);
	char			 err[512];

	if (sock_listen_all(&l, 1) == 0)
		rt->socket_path = l.at;
	if ((rt->server = authd_server_new(&rt->ad, l.fd, uids, n)) == NULL)
		fatalx("ipc server setup failed");
	daemon_drop(&rt->user, state_dir, rt->socket_path,
	    daemon_user_gid(rt->ac.airlock.frontend_uid, rt->user.gid));
	rt->ad.grants = grants_open(state_dir, rt->grantkey, err, sizeof(err));
	rt->grantkey = NULL;	/* the grants own it now, or freed it */
	if (rt->ad.grants == NULL)
		fatalx("state_dir: %s", err);
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
			log_info("removed %zu legacy grant files older than their maximum age", n);
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
	access_free(ad->access);
	secret_free(ad->signkey);
	free(ad->redirect_base);
	airlock_conf_free(&rt->ac);
	event_base_free(ad->base);
}

int
main(int argc, char *argv[])
{
	static struct runtime	 rt;
	struct daemon_opts	 o;
	size_t			 i;

	daemon_getopt(argc, argv, "df:k:nv", "usage: airlock-authd [-dnv] [-f config]\n"
	    "       airlock-authd -k keyfile\n", &o);
	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "airlock-authd: libsodium init failed\n");
		return 1;
	}
	if (o.keyfile != NULL)
		return keygen_main(o.keyfile);
	log_init("airlock-authd", o.foreground || o.check);
	log_setverbose(o.verbose);
	secret_harden_process();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	daemon_configure("airlock-authd", &o, CONF_PART_AUTHD, &rt.ac, &rt.user);
	setup(&rt);
	if (o.check)
		daemon_check_exit("airlock-authd", NULL);
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
