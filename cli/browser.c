/* $BROWSER / xdg-open without a shell: the URL is one argv word, never parsed. */
#include "browser.h"
#include "cli.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Appends s (len bytes) plus NUL at *off in buf; the copy's start, or NULL. */
static char *
put(char *buf, size_t n, size_t *off, const char *s, size_t len)
{
	char	*start = buf + *off;

	if (len >= n - *off)
		return NULL;
	memcpy(start, s, len);
	start[len] = '\0';
	*off += len + 1;
	return start;
}

/* One word of the command, with the first "%s" replaced by url. */
static char *
put_word(char *buf, size_t n, size_t *off, const char *w, size_t wlen, const char *url,
    int *used_url)
{
	const char *pct = memmem(w, wlen, "%s", 2);
	size_t	 pre, ulen = strlen(url), total;
	char	*start;

	if (pct == NULL)
		return put(buf, n, off, w, wlen);
	pre = (size_t)(pct - w);
	total = wlen - 2 + ulen;
	if (total >= n - *off)
		return NULL;
	start = buf + *off;
	memcpy(start, w, pre);
	memcpy(start + pre, url, ulen);
	memcpy(start + pre + ulen, pct + 2, wlen - pre - 2);
	start[total] = '\0';
	*off += total + 1;
	*used_url = 1;
	return start;
}

int
browser_argv(const char *cmd, const char *url, char *buf, size_t n,
    char *argv[BROWSER_MAX_ARGS + 2])
{
	size_t	 off = 0, argc = 0, wlen;
	int	 used_url = 0;
	const char *p = cmd;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		wlen = strcspn(p, " \t");
		if (argc == BROWSER_MAX_ARGS ||
		    (argv[argc++] = put_word(buf, n, &off, p, wlen, url, &used_url)) == NULL)
			return -1;
		p += wlen;
	}
	if (argc == 0)
		return -1;
	if (!used_url && (argv[argc++] = put(buf, n, &off, url, strlen(url))) == NULL)
		return -1;
	argv[argc] = NULL;
	return 0;
}

static pid_t
spawn(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t	 pid;
	int	 rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return 0;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? pid : 0;
}

static pid_t
try_browser_var(const char *var, const char *url)
{
	char	 entry[1024], words[CLI_MAX_URL + 1024 + 64];
	char	*argv[BROWSER_MAX_ARGS + 2];
	size_t	 len;
	pid_t	 pid;

	while (*var) {
		len = strcspn(var, ":");
		if (len > 0 && len < sizeof(entry)) {
			memcpy(entry, var, len);
			entry[len] = '\0';
			if (browser_argv(entry, url, words, sizeof(words), argv) == 0 &&
			    (pid = spawn(argv)) > 0)
				return pid;
		}
		var += len;
		if (*var == ':')
			var++;
	}
	return 0;
}

pid_t
browser_open(const char *url)
{
	const char *b = getenv("BROWSER"), *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
	char	*argv[] = { "xdg-open", (char *)url, NULL };

	if (b && b[0])
		return try_browser_var(b, url);
	if ((d && d[0]) || (w && w[0]))
		return spawn(argv);
	return 0;
}
