/* Command line of `airlock`: which command, and its operands. */
#ifndef AIRLOCK_CLI_ARGS_H
#define AIRLOCK_CLI_ARGS_H

#include <stddef.h>

enum cli_cmd {
	CMD_HELP,
	CMD_VERSION,
	CMD_LOGIN,
	CMD_WHOAMI,
	CMD_GET,
	CMD_LOGOUT,
	CMD_TOKEN,
	CMD_CURL,
};

#define ARGS_MAX_GATEWAY	32	/* --gateway-host options */

struct cli_args {
	enum cli_cmd	 cmd;
	const char	*server;	/* login --server URL, or NULL */
	const char	*path;		/* get PATH or URL */
	const char	*gateway[ARGS_MAX_GATEWAY];	/* --gateway-host HOST[:PORT] */
	size_t		 ngateway;
	int		 curl_argc;	/* curl: the arguments passed on to curl */
	char *const	*curl_argv;
};

/* 0 and *a filled, or -1 with a one-line reason in err (a usage error). */
int	cli_parse_args(int argc, char *const argv[], struct cli_args *a, char *err, size_t errlen);
void	cli_usage(void);

#endif
