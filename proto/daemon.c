/* Command line and shutdown signals shared by the daemons: see daemon.h. */
#include "daemon.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
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
		case 'n':
			o->check = 1;
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

int
daemon_user(struct daemon_user *u, const char *section, const char *name, char *err,
    size_t errlen)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	u->name = name;
	if (getuid() != 0)
		return 0;
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, errlen, "[%s] user %s: no such user (started as root, "
		    "the daemon runs as this user)", section, name);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->drop = 1;
	return 0;
}

gid_t
daemon_user_gid(uid_t uid, gid_t fallback)
{
	struct passwd *pw = getpwuid(uid);

	return pw == NULL ? fallback : pw->pw_gid;
}

static void
change_ids(const struct daemon_user *u)
{
	if (setgroups(1, &u->gid) == -1)
		fatal("setgroups");
	if (setresgid(u->gid, u->gid, u->gid) == -1)
		fatal("setresgid %u", (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) == -1)
		fatal("setresuid %u", (unsigned)u->uid);
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 || getuid() != u->uid ||
	    geteuid() != u->uid || getgid() != u->gid || getegid() != u->gid)
		fatalx("privileges could not be dropped to %s", u->name);
}

void
daemon_drop(const struct daemon_user *u, const char *dir, const char *socket,
    gid_t socket_gid)
{
	if (!u->drop)
		return;
	if (socket != NULL && chown(socket, u->uid, socket_gid) == -1)
		fatal("chown %s", socket);
	if (dir != NULL && mkdir(dir, 0700) == 0 && chown(dir, u->uid, u->gid) == -1)
		fatal("chown %s", dir);
	if (dir != NULL && chdir(dir) == -1)
		fatal("chdir %s", dir);
	if (u->uid == 0) {
		log_warnx("user %s is root: running with all privileges", u->name);
		return;
	}
	change_ids(u);
	log_info("running as %s (uid %u, gid %u)", u->name, (unsigned)u->uid, (unsigned)u->gid);
}

void
daemon_check_exit(const char *progname, const char *err)
{
	if (err != NULL) {
		fprintf(stderr, "%s: %s\n", progname, err);
		exit(1);
	}
	printf("configuration OK\n");
	exit(0);
}

void
daemon_config_error(const char *progname, const struct daemon_opts *o, const char *err)
{
	if (o->check)
		daemon_check_exit(progname, err);
	fatalx("%s", err);
}

void
daemon_configure(const char *progname, const struct daemon_opts *o, unsigned part,
    struct airlock_conf *ac, struct daemon_user *u)
{
	const char	*section, *user;
	char		 err[1024];

	if (airlock_conf_load(ac, o->config, part, err, sizeof(err)) == -1)
		daemon_config_error(progname, o, err);
	if (part == CONF_PART_STORE) {
		section = "store";
		user = ac->store.user;
	} else if (part == CONF_PART_AUTHD) {
		section = "authd";
		user = ac->authd.user;
	} else {
		section = "frontend";
		user = ac->frontend.user;
	}
	if (daemon_user(u, section, user, err, sizeof(err)) == -1)
		daemon_config_error(progname, o, err);
}
