/* `airlock login`: register a paircode, show the URL and user code, poll /token. */
#ifndef AIRLOCK_CLI_LOGIN_H
#define AIRLOCK_CLI_LOGIN_H

int	cmd_login(const char *server_arg);

#endif
