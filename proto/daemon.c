/* Command line and shutdown signals shared by the daemons: see daemon.h. */
#include "daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void
daemon_getopt(int argc, char *argv[], const char *optstring, const char *usage,
    struct daemon_opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->config = DEFAULT_CONFIG;
	while ((ch = getopt(argc, argv, optstring)) != -1) {
		switch (ch) {
		case 'd':
			o->foreground = 1;
			break;
		case 'f':
			o->config = optarg;
			break;
		case 'k':
			o->keyfile = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		default:
			fprintf(stderr, "%s", usage);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s", usage);
		exit(2);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(arg, NULL);
}

void
daemon_signals(struct event_base *base, struct event *ev[2])
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if ((ev[0] = evsignal_new(base, SIGTERM, on_signal, base)) == NULL ||
	    (ev[1] = evsignal_new(base, SIGINT, on_signal, base)) == NULL ||
	    evsignal_add(ev[0], NULL) == -1 || evsignal_add(ev[1], NULL) == -1)
		fatalx("signal events");
}

void
daemon_signals_free(struct event *ev[2])
{
	event_free(ev[0]);
	event_free(ev[1]);
}
