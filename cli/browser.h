/* Opening the login URL in the user's browser. */
#ifndef AIRLOCK_CLI_BROWSER_H
#define AIRLOCK_CLI_BROWSER_H

#include <stddef.h>
#include <sys/types.h>

#define BROWSER_MAX_ARGS	16

/* Splits one $BROWSER entry into argv (whitespace separated; "%s" inside a word is
 * replaced by url, else url is appended). 0, or -1 if too long or empty.
 * buf (size n) holds the words. */
int	browser_argv(const char *cmd, const char *url, char *buf, size_t n,
	    char *argv[BROWSER_MAX_ARGS + 2]);
/* Starts $BROWSER (entries separated by ':', first that starts wins) or, when there
 * is a display ($DISPLAY or $WAYLAND_DISPLAY), xdg-open; does not wait for it.
 * Its stdin is /dev/null and its stdout goes to our stderr.
 * The child's pid, 0 when nothing was started. */
pid_t	browser_open(const char *url);

#endif
