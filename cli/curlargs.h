/* What `airlock curl` must know about curl's own command line: which arguments
 * are URLs, which options take a value, and which options it refuses. */
#ifndef AIRLOCK_CLI_CURLARGS_H
#define AIRLOCK_CLI_CURLARGS_H

#include <stddef.h>

#define CURLARGS_MAX	256	/* arguments passed on to curl */

struct curlargs {
	unsigned char	 is_url[CURLARGS_MAX];	/* 1: argv[i] is a URL curl will fetch */
	size_t		 nurls;
	int		 location;		/* -L / --location given */
};

/* Walks curl's arguments (argv[0..argc-1], options of curl 7.88, long ones spelled
 * out in full): 0 with c filled, or -1 with a one-line reason in err for an
 * unknown, abbreviated or refused option, a missing value, or too many
 * arguments. */
int	curlargs_scan(int argc, char *const argv[], struct curlargs *c, char *err, size_t errlen);

#endif
