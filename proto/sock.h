/* Listening sockets: systemd socket activation or a path / address from config. */
#ifndef AIRLOCK_SOCK_H
#define AIRLOCK_SOCK_H

#include <stddef.h>
#include <sys/types.h>

/*
 * A daemon's listening sockets.  l[0] is the main one, which must exist;
 * the others are optional (at NULL: none unless systemd passes it).
 */
struct sock_listen {
	const char	*name;		/* the setting, for errors: "[store] socket" */
	const char	*at;		/* Unix path or TCP host:port from config, or NULL */
	mode_t		 unix_mode;	/* Unix socket with this mode; 0: TCP */
	const char	*fdname;	/* l[1..]: systemd FileDescriptorName= */
	int		 fd;		/* out, -1 when none */
};

/*
 * Sockets passed by systemd (LISTEN_FDNAMES picks the named ones, l[0] takes
 * the other), else each l[i].at is bound.  Returns 1 when systemd passed them,
 * 0 when they were bound; a missing main socket or a failed bind is fatal.
 */
int	sock_listen_all(struct sock_listen *l, size_t n);
/* Unix stream socket at path (stale socket replaced), mode applied, non-blocking. */
int	sock_listen_unix(const char *path, mode_t mode);
/* TCP "host:port" (IPv4 literal or [IPv6]), non-blocking, SO_REUSEADDR. */
int	sock_listen_tcp(const char *hostport);
/* 0 when hostport is an address sock_listen_tcp takes, else -1. */
int	sock_hostport_ok(const char *hostport);
/* Blocking connect to a Unix socket, then set non-blocking (a full backlog
 * makes a non-blocking connect fail with EAGAIN, which libevent won't retry). */
int	sock_connect_unix(const char *path);
/* Blocking connect to a Unix socket (tools and tests); -1 on error. */
int	sock_dial_unix(const char *path);
/* Writes all n bytes to a blocking descriptor, file or socket (EINTR retried;
 * a closed socket is an error, never SIGPIPE): 0 or -1. */
int	fd_write_all(int fd, const void *p, size_t n);
int	sock_nonblock(int fd);
/* Resolve a user name or numeric uid; -1 if unknown. */
int	sock_user_uid(const char *name, uid_t *uid);

#endif
