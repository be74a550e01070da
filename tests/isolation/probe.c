/*
 * probe: tries one thing a confined airlock process must not be able to do,
 * and says whether it could.  Run under a unit's sandbox (systemd-run with the
 * unit's properties) by tests/isolation/audit.sh.
 *
 *	probe sock inet|inet6|unix|netlink|packet	socket()
 *	probe tcp IPV4 PORT				connect() within 2 s
 *	probe read PATH					open() + read()
 *	probe list DIR					opendir() + readdir()
 *	probe ptrace PID				PTRACE_ATTACH
 *	probe procmem PID				open /proc/PID/mem
 *
 * Prints "ALLOWED what" (exit 0) or "DENIED what: reason" (exit 1); 2 = usage.
 */
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
result(int ok, const char *what, const char *arg)
{
	if (ok) {
		printf("ALLOWED %s %s\n", what, arg);
		return 0;
	}
	printf("DENIED %s %s: %s\n", what, arg, strerror(errno));
	return 1;
}

static int
family(const char *name)
{
	if (strcmp(name, "inet") == 0)
		return AF_INET;
	if (strcmp(name, "inet6") == 0)
		return AF_INET6;
	if (strcmp(name, "unix") == 0)
		return AF_UNIX;
	if (strcmp(name, "netlink") == 0)
		return AF_NETLINK;
	if (strcmp(name, "packet") == 0)
		return AF_PACKET;
	return -1;
}

static int
probe_sock(const char *name)
{
	int af = family(name), type = SOCK_STREAM, fd;

	if (af == -1)
		return 2;
	if (af == AF_NETLINK || af == AF_PACKET)
		type = SOCK_RAW;
	fd = socket(af, type, 0);
	if (fd != -1)
		close(fd);
	return result(fd != -1, "socket", name);
}

static int
probe_tcp(const char *ip, const char *port)
{
	struct sockaddr_in	sin;
	struct pollfd		pfd;
	socklen_t		len = sizeof(int);
	int			fd, err = 0, ok = 0;
	char			what[64];

	snprintf(what, sizeof(what), "%s:%s", ip, port);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return 2;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return result(0, "tcp-connect", what);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		ok = 1;
	else if (errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 2000) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0) {
			ok = err == 0;
			errno = err;
		} else if (errno == 0)
			errno = ETIMEDOUT;
	}
	close(fd);
	return result(ok, "tcp-connect", what);
}

static int
probe_read(const char *path)
{
	char	c;
	int	fd, ok;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return result(0, "read", path);
	ok = read(fd, &c, 1) >= 0;
	close(fd);
	return result(ok, "read", path);
}

static int
probe_list(const char *path)
{
	DIR	*d;
	int	 ok;

	if ((d = opendir(path)) == NULL)
		return result(0, "list", path);
	errno = 0;
	ok = readdir(d) != NULL || errno == 0;
	closedir(d);
	return result(ok, "list", path);
}

static int
probe_ptrace(const char *arg)
{
	pid_t	pid = (pid_t)atoi(arg);

	if (pid <= 1)
		return 2;
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == -1)
		return result(0, "ptrace", arg);
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return result(1, "ptrace", arg);
}

static int
probe_procmem(const char *arg)
{
	char	path[64];
	int	fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", atoi(arg));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return result(0, "procmem", arg);
	close(fd);
	return result(1, "procmem", arg);
}

int
main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	errno = 0;
	if (argc == 3 && strcmp(argv[1], "sock") == 0)
		return probe_sock(argv[2]);
	if (argc == 4 && strcmp(argv[1], "tcp") == 0)
		return probe_tcp(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return probe_read(argv[2]);
	if (argc == 3 && strcmp(argv[1], "list") == 0)
		return probe_list(argv[2]);
	if (argc == 3 && strcmp(argv[1], "ptrace") == 0)
		return probe_ptrace(argv[2]);
	if (argc == 3 && strcmp(argv[1], "procmem") == 0)
		return probe_procmem(argv[2]);
	fprintf(stderr, "usage: probe sock|tcp|read|list|ptrace|procmem ARGS\n");
	return 2;
}
