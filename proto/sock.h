/* Listening sockets: systemd socket activation or a path / address from config. */
#ifndef AIRLOCK_SOCK_H
#define AIRLOCK_SOCK_H

#include <stddef.h>
#include <sys/types.h>

/* The one socket passed by systemd (LISTEN_PID/LISTEN_FDS), or -1 if none. */
int	sock_activated(void);
/* Unix stream socket at path (stale socket replaced), mode applied, non-blocking. */
int	sock_listen_unix(const char *path, mode_t mode);
/* TCP "host:port" (IPv4 literal or [IPv6]), non-blocking, SO_REUSEADDR. */
int	sock_listen_tcp(const char *hostport);
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
