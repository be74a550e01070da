/* The saved CLI session: $XDG_CONFIG_HOME/airlock/session (default ~/.config/airlock),
 * a JSON object {"server": BASE_URL, "cookie": "NAME=VALUE"}, mode 0600 in a 0700
 * directory, replaced atomically (temp file + rename), never in the working directory. */
#ifndef AIRLOCK_CLI_SESSION_H
#define AIRLOCK_CLI_SESSION_H

#include <stddef.h>

#include "cli.h"

#define SESSION_MAX_FILE	(16 * 1024)

struct cli_session {
	char	 server[CLI_MAX_URL];
	char	 cookie[CLI_MAX_COOKIE];
};

/* The directory that holds the session file (absolute): 0 or -1 with err. */
int	session_dir(char *dir, size_t n, char *err, size_t errlen);
/* Loads dir/session: 0 loaded, 1 no session saved, -1 error (unsafe file, garbage). */
int	session_load(const char *dir, struct cli_session *s, int allow_http,
	    char *err, size_t errlen);
/* Creates dir (0700) when missing and atomically writes dir/session (0600). */
int	session_save(const char *dir, const struct cli_session *s, char *err, size_t errlen);
/* Removes dir/session; a missing file is fine. */
int	session_remove(const char *dir, char *err, size_t errlen);
void	session_wipe(struct cli_session *s);
/* The session token: the cookie's VALUE, which servers also take as a bearer token. */
const char *session_token(const struct cli_session *s);
/* The CSRF form value for POSTs made with the saved cookie ("NAME=VALUE"), by
 * proto/csrf.h's rule: 0 and the value in out (>= CSRF_LEN + 1 bytes), or -1 if
 * the cookie value is not a 43-character base64url token. */
int	session_csrf(const char *cookie, char *out, size_t n);

#endif
