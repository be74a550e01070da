/* The commands that use a saved session: whoami, get, logout. */
#ifndef AIRLOCK_CLI_COMMANDS_H
#define AIRLOCK_CLI_COMMANDS_H

#include <stddef.h>

struct cli_args;
struct cli_session;

/* Loads the saved session into s (dir receives its directory), or prints why
 * not: 0 or -1. */
int	cmd_load_session(char *dir, size_t n, struct cli_session *s);

int	cmd_whoami(void);
int	cmd_get(const char *path);
int	cmd_logout(void);
/* bearer.c: the session as a bearer token. */
int	cmd_token(void);
int	cmd_get_url(const struct cli_args *a);
int	cmd_curl(const struct cli_args *a);

#endif
