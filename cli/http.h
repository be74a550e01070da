/* The CLI's HTTP client (libcurl easy interface): one request, bounded answer,
 * no redirects followed, verification on, timeouts, session cookie captured. */
#ifndef AIRLOCK_CLI_HTTP_H
#define AIRLOCK_CLI_HTTP_H

#include <stddef.h>

struct http_req {
	const char	*method;	/* "GET" or "POST" */
	const char	*url;
	const char	*accept;	/* Accept header, or NULL */
	const char	*cookie;	/* "name=value" to send, or NULL */
	const char	*bearer;	/* token for "Authorization: Bearer", or NULL; never
					 * through a proxy for plain http */
	const char	*form;		/* POST body, x-www-form-urlencoded (copied), or NULL */
	size_t		 max_body;	/* larger answers fail the request */
};

struct http_resp {
	long	 status;		/* 0 when no answer arrived */
	char	*body;			/* NUL-terminated; len excludes the NUL */
	size_t	 len;
	char	 location[2048];	/* Location header of a 3xx, or "" */
	char	 cookie[4096];		/* "name=value" of a session cookie the server set */
	char	 err[256];		/* why status is 0 */
};

int	http_global_init(void);		/* once, before any request */
void	http_global_cleanup(void);
/* 0 when an HTTP answer arrived (any status), -1 with resp->err set otherwise. */
int	http_do(const struct http_req *, struct http_resp *);
void	http_resp_free(struct http_resp *);	/* wipes the captured cookie */

/* Header line "Set-Cookie: NAME=VALUE; ..." with a session cookie name ("session" or
 * "__Host-session") and a non-empty, valid value:
 * copies "NAME=VALUE" into dst (size n) and returns 0; -1 for any other line. */
int	http_parse_set_cookie(const char *line, size_t len, char *dst, size_t n);

/* 1 when pair is a "NAME=VALUE" the parser above would have produced. */
int	http_cookie_pair_ok(const char *pair);

#endif
