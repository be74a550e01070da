/* The commands that use a saved session: whoami, get, logout. */
#ifndef AIRLOCK_CLI_COMMANDS_H
#define AIRLOCK_CLI_COMMANDS_H

int	cmd_whoami(void);
int	cmd_get(const char *path);
int	cmd_logout(void);

#endif
