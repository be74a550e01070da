/* Pieces every part of the airlock command shares: exit codes, limits, one-line errors. */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include <stddef.h>

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define CLI_DEFAULT_SERVER	"http://127.0.0.1:8000"
#define CLI_MAX_URL		2048	/* server URL, login URL, request path */
#define CLI_MAX_COOKIE		4096	/* "name=value" of the session cookie */
#define CLI_MAX_USER		512	/* a user id as the server shows it */
#define CLI_MAX_API_BODY	(64 * 1024)	/* JSON and text answers of the API */
#define CLI_MAX_GET_BODY	(8 * 1024 * 1024)	/* `airlock get` */
#define CLI_JSON_MAX_DEPTH	8	/* server answers and the session file (json.h) */

#define CLI_REVOKED_MSG	"session revoked or expired, run airlock login"

/* "airlock: <message>\n" on stderr; the one line a failing command prints. */
void	cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copies src into dst (size n) as one line of well-formed UTF-8: control
 * characters (C0, DEL, C1 as bytes or as U+0080-U+009F), bidirectional
 * overrides and each byte of invalid UTF-8 become '?'.  Text from the server
 * must not drive the terminal. */
void	cli_sanitize(char *dst, size_t n, const char *src, size_t len);

#endif
