#include "sock.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define SD_LISTEN_FDS_START 3

int
sock_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

static int
env_num(const char *name, long *out)
{
	const char	*s = getenv(name);
	char		*end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out < 0)
		return -1;
	return 0;
}

static void
activated_fd(int fd)
{
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || sock_nonblock(fd) == -1)
		fatal("socket activation: fd %d", fd);
}

/* The entry of l[1..n) whose fdname starts the ':'-separated name at p, else l[0]. */
static struct sock_listen *
by_name(struct sock_listen *l, size_t n, const char *p)
{
	size_t i, len;

	for (i = 1; p != NULL && i < n; i++) {
		len = strlen(l[i].fdname);
		if (strncmp(p, l[i].fdname, len) == 0 && (p[len] == ':' || p[len] == '\0'))
			return &l[i];
	}
	return &l[0];
}

/* Sockets passed by systemd (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES): 0, or -1 if none. */
static int
activated(struct sock_listen *l, size_t n)
{
	long			 pid, nfds, i;
	const char		*p;
	struct sock_listen	*e;

	if (env_num("LISTEN_PID", &pid) == -1 || env_num("LISTEN_FDS", &nfds) == -1 ||
	    (pid_t)pid != getpid())
		return -1;
	for (i = 0, p = getenv("LISTEN_FDNAMES"); i < nfds; i++) {
		e = by_name(l, n, p);
		if (e->fd != -1)
			fatalx("socket activation: %ld sockets, expected %s%s", nfds, l[0].name,
			    n > 1 ? " and the named ones" : "");
		e->fd = SD_LISTEN_FDS_START + (int)i;
		activated_fd(e->fd);
		if (p != NULL && (p = strchr(p, ':')) != NULL)
			p++;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (l[0].fd == -1)
		fatalx("socket activation: no socket for %s among the %ld passed", l[0].name, nfds);
	return 0;
}

int
sock_listen_all(struct sock_listen *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		l[i].fd = -1;
	if (activated(l, n) == 0)
		return 1;
	if (l[0].at == NULL)
		fatalx("%s is not set and no socket was passed by systemd", l[0].name);
	for (i = 0; i < n; i++) {
		if (l[i].at == NULL)
			continue;
		l[i].fd = l[i].unix_mode != 0 ? sock_listen_unix(l[i].at, l[i].unix_mode) :
		    sock_listen_tcp(l[i].at);
		if (l[i].fd == -1)
			fatal("%s: listen on %s", l[i].name, l[i].at);
	}
	return 0;
}

static int
unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

int
sock_listen_unix(const char *path, mode_t mode)
{
	struct sockaddr_un	sun;
	struct stat		st;
	int			fd;
	mode_t			old;

	if (unix_addr(path, &sun) == -1)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	old = umask(0777 & ~mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, mode) == -1 || listen(fd, 128) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
sock_dial_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	if (unix_addr(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
sock_connect_unix(const char *path)
{
	int fd;

	if ((fd = sock_dial_unix(path)) == -1)
		return -1;
	if (sock_nonblock(fd) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
fd_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t	*p = buf;
	ssize_t		 w;
	int		 sock = 1;

	while (n > 0) {
		/* send() for MSG_NOSIGNAL; a file answers ENOTSOCK and gets write(). */
		w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
		if (w == -1) {
			if (errno == ENOTSOCK && sock) {
				sock = 0;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
parse_hostport(const char *hostport, struct sockaddr_storage *ss, socklen_t *sslen)
{
	char		 host[64];
	const char	*colon, *h;
	char		*end;
	size_t		 hlen;
	long		 port;

	if ((colon = strrchr(hostport, ':')) == NULL)
		return -1;
	h = hostport;
	hlen = colon - hostport;
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || colon[1] == '\0' || port < 1 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		*sslen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		*sslen = sizeof(struct sockaddr_in6);
	} else
		return -1;
	return 0;
}

int
sock_hostport_ok(const char *hostport)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;

	return parse_hostport(hostport, &ss, &sslen);
}

int
sock_listen_tcp(const char *hostport)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			fd, one = 1;

	if (parse_hostport(hostport, &ss, &sslen) == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sslen) == -1 || listen(fd, 1024) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
sock_user_uid(const char *name, uid_t *uid)
{
	struct passwd	*pw;
	char		*end;
	unsigned long	 n;

	if (name == NULL || *name == '\0')
		return -1;
	errno = 0;
	n = strtoul(name, &end, 10);
	if (errno == 0 && *end == '\0' && n < UINT_MAX) {
		*uid = (uid_t)n;
		return 0;
	}
	if ((pw = getpwnam(name)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}
