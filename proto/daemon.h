/*
 * What the three daemons do alike at start: the command line and the
 * signals that end the event loop.
 */
#ifndef AIRLOCK_DAEMON_H
#define AIRLOCK_DAEMON_H

#include <sys/types.h>

#include <event2/event.h>

#define DEFAULT_CONFIG	"/etc/airlock/airlock.conf"

struct daemon_opts {
	const char	*config;	/* -f, DEFAULT_CONFIG without it */
	const char	*keyfile;	/* -k, only where optstring allows it */
	int		 foreground;	/* -d */
	int		 verbose;	/* -v */
	int		 check;		/* -n: check the configuration and exit */
};

/* The user a daemon started as root runs as, from its section's "user". */
struct daemon_user {
	const char	*name;
	uid_t		 uid;
	gid_t		 gid;
	int		 drop;		/* started as root: daemon_drop changes user */
};

/*
 * Parses OPTSTRING (a subset of "df:k:nv") into O; a bad command line
 * prints USAGE and exits 2.
 */
void	daemon_getopt(int, char *[], const char *optstring, const char *usage,
	    struct daemon_opts *o);

/*
 * Started as root: looks NAME up (0, or -1 with the reason in ERR: a user
 * that does not exist refuses the start).  Otherwise nothing to drop: 0.
 */
int	daemon_user(struct daemon_user *, const char *section, const char *name,
	    char *err, size_t errlen);

/*
 * Started as root, once what needs root is open: SOCKET (when not NULL) is
 * given to the user and group SOCKET_GID, the working directory becomes DIR
 * (when not NULL; created for the user, mode 0700, when missing), then groups, gid and uid become the user's for good
 * (checked: root cannot be regained).  Any failure is fatal.  Not root: nothing.
 */
void	daemon_drop(const struct daemon_user *, const char *dir, const char *socket,
	    gid_t socket_gid);
/* The primary group of uid, or fallback when it has no passwd entry. */
gid_t	daemon_user_gid(uid_t uid, gid_t fallback);

/* -n: ERR (when not NULL) goes to stderr and the exit status is 1, else
 * "configuration OK" and 0. */
void	daemon_check_exit(const char *progname, const char *err) __attribute__((noreturn));
/* A configuration error: with -n as daemon_check_exit, else fatal. */
void	daemon_config_error(const char *progname, const struct daemon_opts *, const char *err)
	    __attribute__((noreturn));

struct airlock_conf;
/*
 * Reads o->config requiring the settings of PART (CONF_PART_*), then the user
 * of that part's section (daemon_user); any error goes to daemon_config_error.
 */
void	daemon_configure(const char *progname, const struct daemon_opts *, unsigned part,
	    struct airlock_conf *, struct daemon_user *);

/*
 * SIGPIPE and SIGHUP ignored; SIGTERM and SIGINT end BASE's loop (logged).
 * EV receives the two signal events, to be freed with daemon_signals_free().
 */
void	daemon_signals(struct event_base *, struct event *ev[2]);
void	daemon_signals_free(struct event *ev[2]);

#endif
