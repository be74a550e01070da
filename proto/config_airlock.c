/*
 * airlock.conf into struct airlock_conf: one table of every setting with its
 * kind, bounds and place in the struct.  Settings are checked in file order,
 * so the error reported is the first one in the file; then the settings the
 * calling program needs are required.  [provider.NAME] sections are left to
 * authd, which alone knows the provider types.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "sock.h"

enum kind {
	K_STR,		/* any value */
	K_NUM,		/* integer in [min, max] */
	K_BOOL,		/* yes/no/true/false/1/0 */
	K_URL,		/* public_url */
	K_USER,		/* an existing user (frontend_user) */
	K_KEY,		/* base64url Ed25519 public key */
	K_ADDR,		/* host:port to listen on */
	K_ADDR_OFF,	/* host:port, or "off" (stored as NULL) */
	K_PROVIDER,	/* the name of a [provider.NAME] section */
	K_BACKEND,	/* lmdb or postgresql */
};

struct spec {
	const char	*section, *key;
	enum kind	 kind;
	long long	 min, max;
	size_t		 off;
};

#define A(f)	offsetof(struct airlock_conf, f)
static const struct spec specs[] = {
	{ "airlock", "public_url", K_URL, 0, 0, A(airlock.public_url) },
	{ "airlock", "frontend_user", K_USER, 0, 0, A(airlock.frontend_user) },

	{ "store", "user", K_STR, 0, 0, A(store.user) },
	{ "store", "socket", K_STR, 0, 0, A(store.socket) },
	{ "store", "backend", K_BACKEND, 0, 0, A(store.backend) },
	{ "store", "database", K_STR, 0, 0, A(store.database) },
	{ "store", "postgresql", K_STR, 0, 0, A(store.postgresql) },
	{ "store", "postgresql_password_file", K_STR, 0, 0, A(store.postgresql_password_file) },
	{ "store", "proof_public_key", K_KEY, 0, 0, A(store.proof_pk) },
	{ "store", "map_size_mb", K_NUM, 1, 1 << 20, A(store.map_size_mb) },
	{ "store", "session_ttl_days", K_NUM, 1, 3650, A(store.session_ttl_days) },
	{ "store", "session_ttl_sec", K_NUM, 1, 3650LL * 86400, A(store.session_ttl_sec) },
	{ "store", "pair_ttl_sec", K_NUM, 1, 3600, A(store.pair_ttl_sec) },
	{ "store", "max_pending_paircodes", K_NUM, 1, 1000000, A(store.max_pending) },
	{ "store", "max_pending_paircodes_per_addr", K_NUM, 1, 1000000,
	    A(store.max_pending_per_addr) },
	{ "store", "max_sessions_per_user", K_NUM, 1, 1000, A(store.max_per_user) },
	{ "store", "sweep_interval_sec", K_NUM, 1, 86400, A(store.sweep_interval_sec) },
	{ "store", "idle_timeout_sec", K_NUM, 0, 86400, A(store.idle_timeout_sec) },

	{ "authd", "user", K_STR, 0, 0, A(authd.user) },
	{ "authd", "socket", K_STR, 0, 0, A(authd.socket) },
	{ "authd", "state_dir", K_STR, 0, 0, A(authd.state_dir) },
	{ "authd", "secrets_dir", K_STR, 0, 0, A(authd.secrets_dir) },
	{ "authd", "ca_file", K_STR, 0, 0, A(authd.ca_file) },
	{ "authd", "default_redirect_provider", K_PROVIDER, 0, 0, A(authd.default_redirect) },
	{ "authd", "allow_insecure_loopback", K_BOOL, 0, 0, A(authd.insecure_loopback) },
	{ "authd", "login_ttl_sec", K_NUM, 1, 3600, A(authd.login_ttl_sec) },
	{ "authd", "max_logins", K_NUM, 1, 1000000, A(authd.max_logins) },
	{ "authd", "max_exchanges", K_NUM, 1, 100000, A(authd.max_exchanges) },
	{ "authd", "max_exchanges_per_addr", K_NUM, 1, 100000, A(authd.max_exchanges_per_addr) },
	{ "authd", "http_timeout_ms", K_NUM, 100, 120000, A(authd.http_timeout_ms) },
	{ "authd", "grant_max_age_days", K_NUM, 1, 3650, A(authd.grant_max_age_days) },
	{ "authd", "idle_timeout_sec", K_NUM, 0, 86400, A(authd.idle_timeout_sec) },

	{ "frontend", "user", K_STR, 0, 0, A(frontend.user) },
	{ "frontend", "listen", K_ADDR, 0, 0, A(frontend.listen) },
	{ "frontend", "metrics_listen", K_ADDR_OFF, 0, 0, A(frontend.metrics_listen) },
	{ "frontend", "trusted_proxies", K_STR, 0, 0, A(frontend.trusted_proxies) },
	{ "frontend", "request_timeout_ms", K_NUM, 50, 120000, A(frontend.request_timeout_ms) },
	{ "frontend", "idle_timeout_sec", K_NUM, 1, 3600, A(frontend.idle_timeout_sec) },
	{ "frontend", "max_connections", K_NUM, 1, 1000000, A(frontend.max_conns) },
	{ "frontend", "header_timeout_sec", K_NUM, 1, 3600, A(frontend.header_timeout_sec) },
	{ "frontend", "max_conns_per_addr", K_NUM, 0, 1000000, A(frontend.max_conns_per_addr) },
	{ "frontend", "rate_limit_burst", K_NUM, 0, 1000000, A(frontend.rate_burst) },
	{ "frontend", "rate_limit_per_sec", K_NUM, 0, 1000000, A(frontend.rate_per_sec) },
	{ "frontend", "allowed_redirect_hosts", K_STR, 0, 0, A(frontend.allowed_redirect_hosts) },

	{ "access", "emails", K_STR, 0, 0, A(access.emails) },
	{ "access", "domains", K_STR, 0, 0, A(access.domains) },
	{ "access", "users", K_STR, 0, 0, A(access.users) },
	{ "access", "github_orgs", K_STR, 0, 0, A(access.github_orgs) },
	{ "access", "github_teams", K_STR, 0, 0, A(access.github_teams) },
	{ "access", "claims", K_STR, 0, 0, A(access.claims) },
};
#undef A

/* What each program requires; frontend_user by all three (the peer the
 * backends serve, the user the frontend is). */
static const struct {
	unsigned	 part;
	const char	*section, *key;
} required[] = {
	{ CONF_PART_STORE, "store", "proof_public_key" },
	{ CONF_PART_STORE, "airlock", "frontend_user" },
	{ CONF_PART_AUTHD, "airlock", "public_url" },
	{ CONF_PART_AUTHD, "airlock", "frontend_user" },
	{ CONF_PART_AUTHD, "authd", "state_dir" },
	{ CONF_PART_FRONTEND, "airlock", "public_url" },
	{ CONF_PART_FRONTEND, "airlock", "frontend_user" },
	{ CONF_PART_FRONTEND, "store", "socket" },
	{ CONF_PART_FRONTEND, "authd", "socket" },
};

struct walk {
	struct airlock_conf	*ac;
	char			*err;
	size_t			 errlen;
};

static void
defaults(struct airlock_conf *ac)
{
	ac->store.user = "airlock-store";
	ac->store.map_size_mb = 64;
	ac->store.session_ttl_days = 30;
	ac->store.pair_ttl_sec = 600;
	ac->store.max_pending = 1024;
	ac->store.max_pending_per_addr = 8;
	ac->store.max_per_user = 64;
	ac->store.sweep_interval_sec = 60;
	ac->store.idle_timeout_sec = 300;
	ac->authd.user = "airlock-authd";
	ac->authd.login_ttl_sec = 600;
	ac->authd.max_logins = 4096;
	ac->authd.max_exchanges = 1024;
	ac->authd.max_exchanges_per_addr = 4;
	ac->authd.http_timeout_ms = 10000;
	ac->authd.grant_max_age_days = 90;
	ac->authd.idle_timeout_sec = 300;
	ac->frontend.user = "airlock-frontend";
	ac->frontend.metrics_listen = "127.0.0.1:9100";
	ac->frontend.request_timeout_ms = 5000;
	ac->frontend.idle_timeout_sec = 30;
	ac->frontend.max_conns = 4096;
	ac->frontend.header_timeout_sec = 10;
	ac->frontend.max_conns_per_addr = 64;
	ac->frontend.rate_burst = 20;
	ac->frontend.rate_per_sec = 2;
}

/*
 * The origin browsers see.  A path is refused: cookies are host-wide
 * (__Host- needs Path=/) and authd derives the redirect URI from it.
 */
int
conf_public_url(const char *url, struct conf_airlock *a)
{
	const char	*host, *port;
	size_t		 n, i, hostlen;
	char		 lower[CONF_URL_MAX];

	if (strncmp(url, "https://", 8) == 0) {
		a->https = 1;
		host = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		a->https = 0;
		host = url + 7;
	} else
		return -1;
	n = strlen(host);
	if (n > 0 && host[n - 1] == '/')
		n--;
	if (n == 0 || n + 8 >= sizeof(lower))
		return -1;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)host[i]) && strchr(".-:[]", host[i]) == NULL)
			return -1;
		lower[i] = (char)tolower((unsigned char)host[i]);
	}
	lower[n] = '\0';
	/* Browsers leave the default port out of Origin. */
	hostlen = n;
	port = strrchr(lower, ':');
	if (port != NULL && strchr(port, ']') == NULL &&
	    ((a->https && strcmp(port, ":443") == 0) || (!a->https && strcmp(port, ":80") == 0)))
		hostlen = (size_t)(port - lower);
	snprintf(a->url, sizeof(a->url), "%s://%.*s", a->https ? "https" : "http", (int)n, lower);
	snprintf(a->origin, sizeof(a->origin), "%s://%.*s", a->https ? "https" : "http",
	    (int)hostlen, lower);
	return 0;
}

static int
num(const char *v, const struct spec *s, long long *out)
{
	char	*end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno != 0 || *end != '\0' || !isdigit((unsigned char)v[0]) ||
	    *out < s->min || *out > s->max ? -1 : 0;
}

static int
boolean(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		return *out = 1, 0;
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		return *out = 0, 0;
	return -1;
}

static int
provider_named(const struct conf *c, const char *name)
{
	const char	*names[64];
	size_t		 i, n = conf_sections(c, "provider.", names, 64);

	for (i = 0; i < n; i++)
		if (strcmp(names[i] + sizeof("provider.") - 1, name) == 0)
			return 1;
	return 0;
}

/* Stores v at s->off; NULL when fine, else the reason. */
static const char *
store_value(struct airlock_conf *ac, const struct spec *s, const char *v, char *why,
    size_t whylen)
{
	char	*p = (char *)ac + s->off;

	switch (s->kind) {
	case K_STR:
		break;
	case K_NUM:
		if (num(v, s, (long long *)(void *)p) == -1) {
			snprintf(why, whylen, "%s must be a number from %lld to %lld", s->key,
			    s->min, s->max);
			return why;
		}
		return NULL;
	case K_BOOL:
		if (boolean(v, (int *)(void *)p) == -1) {
			snprintf(why, whylen, "%s must be yes or no", s->key);
			return why;
		}
		return NULL;
	case K_URL:
		if (conf_public_url(v, &ac->airlock) == -1)
			return "[airlock] public_url: expected http(s)://host[:port] without a path";
		break;
	case K_USER:
		if (sock_user_uid(v, &ac->airlock.frontend_uid) == -1) {
			snprintf(why, whylen, "[airlock] frontend_user: no such user \"%s\"", v);
			return why;
		}
		break;
	case K_KEY:
		if (b64_decode_exact(ac->store.proof_pk, CONF_PK_LEN, v, strlen(v)) == -1)
			return "[store] proof_public_key must be the base64url Ed25519 public key "
			    "that airlock-authd -k prints";
		return NULL;
	case K_ADDR_OFF:
		if (strcmp(v, "off") == 0) {
			*(const char **)(void *)p = NULL;
			return NULL;
		}
		/* FALLTHROUGH */
	case K_ADDR:
		if (sock_hostport_ok(v) == -1) {
			snprintf(why, whylen, "%s: expected IPv4:port or [IPv6]:port", s->key);
			return why;
		}
		break;
	case K_BACKEND:
		if (strcmp(v, "lmdb") == 0)
			*(int *)(void *)p = STORE_LMDB;
		else if (strcmp(v, "postgresql") == 0)
			*(int *)(void *)p = STORE_POSTGRESQL;
		else
			return "[store] backend must be lmdb or postgresql";
		return NULL;
	case K_PROVIDER:
		if (!provider_named(ac->raw, v)) {
			snprintf(why, whylen, "%s: no [provider.%s] section", s->key, v);
			return why;
		}
		break;
	}
	*(const char **)(void *)p = v;
	return NULL;
}

static int
known_section(const char *section)
{
	return !strcmp(section, "airlock") || !strcmp(section, "store") ||
	    !strcmp(section, "authd") || !strcmp(section, "frontend") ||
	    !strcmp(section, "access");
}

static int
one_setting(void *arg, const char *section, const char *key, const char *value, int line)
{
	struct walk	*w = arg;
	const char	*file = conf_file(w->ac->raw), *why;
	char		 buf[256];
	size_t		 i;

	if (strncmp(section, "provider.", 9) == 0)
		return 0;
	if (!known_section(section)) {
		snprintf(w->err, w->errlen, "%s:%d: unknown section [%s]", file, line, section);
		return -1;
	}
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (strcmp(specs[i].section, section) == 0 && strcmp(specs[i].key, key) == 0)
			break;
	if (i == sizeof(specs) / sizeof(specs[0])) {
		snprintf(w->err, w->errlen, "%s:%d: unknown setting %s in [%s]", file, line, key,
		    section);
		return -1;
	}
	if ((why = store_value(w->ac, &specs[i], value, buf, sizeof(buf))) != NULL) {
		snprintf(w->err, w->errlen, "%s:%d: %s", file, line, why);
		return -1;
	}
	return 0;
}

static int
check_required(const struct airlock_conf *ac, unsigned parts, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if ((parts & required[i].part) &&
		    conf_get(ac->raw, required[i].section, required[i].key) == NULL) {
			snprintf(err, errlen, "%s: [%s] %s is missing", conf_file(ac->raw),
			    required[i].section, required[i].key);
			return -1;
		}
	return 0;
}

/* The store's backend names its database: database (LMDB) or postgresql. */
static int
check_backend(const struct airlock_conf *ac, unsigned parts, char *err, size_t errlen)
{
	const struct conf_store *s = &ac->store;
	const char		*want = NULL;

	if (!(parts & CONF_PART_STORE))
		return 0;
	if (s->backend == STORE_LMDB && s->database == NULL)
		want = "[store] database is missing";
	else if (s->backend == STORE_POSTGRESQL && s->postgresql == NULL)
		want = "[store] backend = postgresql needs [store] postgresql (a libpq conninfo)";
	if (want == NULL)
		return 0;
	snprintf(err, errlen, "%s: %s", conf_file(ac->raw), want);
	return -1;
}

static int
finish(struct airlock_conf *ac, unsigned parts, char *err, size_t errlen)
{
	struct walk w = { ac, err, errlen };

	defaults(ac);
	if (conf_each(ac->raw, one_setting, &w) == -1 ||
	    check_required(ac, parts, err, errlen) == -1 ||
	    check_backend(ac, parts, err, errlen) == -1) {
		airlock_conf_free(ac);
		return -1;
	}
	if (ac->store.session_ttl_sec == 0)
		ac->store.session_ttl_sec = ac->store.session_ttl_days * 86400;
	return 0;
}

int
airlock_conf_parse(struct airlock_conf *ac, const char *name, const char *text, size_t len,
    unsigned parts, char *err, size_t errlen)
{
	memset(ac, 0, sizeof(*ac));
	if ((ac->raw = conf_parse(name, text, len, err, errlen)) == NULL)
		return -1;
	return finish(ac, parts, err, errlen);
}

int
airlock_conf_load(struct airlock_conf *ac, const char *path, unsigned parts, char *err,
    size_t errlen)
{
	memset(ac, 0, sizeof(*ac));
	if ((ac->raw = conf_read(path, err, errlen)) == NULL)
		return -1;
	return finish(ac, parts, err, errlen);
}

void
airlock_conf_free(struct airlock_conf *ac)
{
	conf_free(ac->raw);
	memset(ac, 0, sizeof(*ac));
}
