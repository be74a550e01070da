/*
 * What the three daemons do alike at start: the command line and the
 * signals that end the event loop.
 */
#ifndef AIRLOCK_DAEMON_H
#define AIRLOCK_DAEMON_H

#include <event2/event.h>

#define DEFAULT_CONFIG	"/etc/airlock/airlock.conf"

struct daemon_opts {
	const char	*config;	/* -f, DEFAULT_CONFIG without it */
	const char	*keyfile;	/* -k, only where optstring allows it */
	int		 foreground;	/* -d */
	int		 verbose;	/* -v */
};

/*
 * Parses OPTSTRING (a subset of "df:k:v") into O; a bad command line
 * prints USAGE and exits 2.
 */
void	daemon_getopt(int, char *[], const char *optstring, const char *usage,
	    struct daemon_opts *o);

/*
 * SIGPIPE and SIGHUP ignored; SIGTERM and SIGINT end BASE's loop (logged).
 * EV receives the two signal events, to be freed with daemon_signals_free().
 */
void	daemon_signals(struct event_base *, struct event *ev[2]);
void	daemon_signals_free(struct event *ev[2]);

#endif
