/*
 * airlock.conf: "key = value" lines, "[section]" headers, "#" comments.
 * Sections hold keys; "[provider.NAME]" sections describe providers.
 * config.c reads the lines (struct conf); config_airlock.c turns them into
 * struct airlock_conf, the one typed view every daemon takes its part of.
 * Any syntax error, duplicate key, unknown key or bad value stops the daemon
 * with "file:line: reason".
 */
#ifndef AIRLOCK_CONFIG_H
#define AIRLOCK_CONFIG_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_VALUE	4096
#define CONF_URL_MAX	300	/* public_url and the origin derived from it */
#define CONF_PK_LEN	32	/* Ed25519 public key (proof_public_key) */

struct conf;

/* The file at path, or NULL with "FILE[:LINE]: reason" in err. */
struct conf *conf_read(const char *path, char *err, size_t errlen);
/* The same from text named name (tests and fuzzing). */
struct conf *conf_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);
void	 conf_free(struct conf *);

const char *conf_get(const struct conf *, const char *section, const char *key);
/* Missing -> fatalx naming file, section and key. */
const char *conf_require(const struct conf *, const char *section, const char *key);
/* Every key of section must be in the NULL-terminated list; fatalx otherwise. */
void	 conf_check(const struct conf *, const char *section, const char *const *known);
/* Names of sections starting with prefix (e.g. "provider."), in file order. */
size_t	 conf_sections(const struct conf *, const char *prefix, const char **names, size_t max);
const char *conf_file(const struct conf *);
/* Line of section's key, 0 when absent. */
int	 conf_line(const struct conf *, const char *section, const char *key);
/* fn(arg, section, key, value, line) for each setting in file order; stops at -1. */
int	 conf_each(const struct conf *,
	    int (*fn)(void *, const char *, const char *, const char *, int), void *arg);

/*
 * The whole of airlock.conf, typed, with defaults (config_airlock.c).  Every
 * setting present is checked under one set of rules whichever program reads
 * the file; each program then requires the settings of its own part.
 * Strings point into raw and live until airlock_conf_free.
 */
struct conf_airlock {
	const char	*public_url;		/* as written, NULL when absent */
	char		 url[CONF_URL_MAX];	/* scheme://host[:port], lower case, no slash */
	char		 origin[CONF_URL_MAX];	/* as browsers send it in Origin */
	int		 https;
	const char	*frontend_user;		/* NULL when absent */
	uid_t		 frontend_uid;
};

enum store_backend_kind { STORE_LMDB = 0, STORE_POSTGRESQL };

struct conf_store {
	const char	*user, *socket, *database;
	int		 backend;		/* enum store_backend_kind */
	const char	*postgresql;		/* libpq conninfo (backend = postgresql) */
	const char	*postgresql_password_file;	/* NULL: none, or the credential */
	long long	 map_size_mb, session_ttl_days, session_ttl_sec, pair_ttl_sec;
	long long	 max_pending, max_pending_per_addr, max_per_user;
	long long	 sweep_interval_sec, idle_timeout_sec;
	uint8_t		 proof_pk[CONF_PK_LEN];
};

struct conf_authd {
	const char	*user, *socket, *state_dir, *secrets_dir, *ca_file;
	const char	*default_redirect;	/* provider keeping /auth_redirect, or NULL */
	int		 insecure_loopback;
	long long	 login_ttl_sec, max_logins, max_exchanges, max_exchanges_per_addr;
	long long	 http_timeout_ms, grant_max_age_days, idle_timeout_sec;
};

struct conf_frontend {
	const char	*user, *listen;
	const char	*metrics_listen;	/* NULL: off */
	const char	*trusted_proxies;	/* CIDR list as written, or NULL */
	long long	 request_timeout_ms, idle_timeout_sec, max_conns, header_timeout_sec;
	long long	 max_conns_per_addr, rate_burst, rate_per_sec;
	const char	*allowed_redirect_hosts;	/* as written, or NULL: rd to public_url only */
};

/* [access]: who may sign in (authd decides; access.h).  Each is a list as
 * written (space or comma separated), NULL when absent; all absent: everyone. */
struct conf_access {
	const char	*emails, *domains, *users, *github_orgs, *github_teams, *claims;
};

struct airlock_conf {
	struct conf		*raw;		/* the [provider.NAME] sections are read from it */
	struct conf_airlock	 airlock;
	struct conf_store	 store;
	struct conf_authd	 authd;
	struct conf_frontend	 frontend;
	struct conf_access	 access;
};

/* The parts a program requires (the others are checked when present). */
#define CONF_PART_STORE		0x1
#define CONF_PART_AUTHD		0x2
#define CONF_PART_FRONTEND	0x4

/* 0, or -1 with the first error as "FILE:LINE: reason" (or "FILE: reason"). */
int	 airlock_conf_parse(struct airlock_conf *, const char *name, const char *text,
	    size_t len, unsigned parts, char *err, size_t errlen);
int	 airlock_conf_load(struct airlock_conf *, const char *path, unsigned parts,
	    char *err, size_t errlen);
void	 airlock_conf_free(struct airlock_conf *);
/* "http(s)://host[:port]" with an optional trailing "/", nothing else: 0 or -1. */
int	 conf_public_url(const char *, struct conf_airlock *);

#endif
