/*
 * HTTPS client: libcurl's multi interface driven by the daemon's libevent loop
 * (curl tells us which sockets to watch and when its timer fires; we tell it
 * when they are ready), so any number of exchanges are in flight at once and a
 * slow provider delays only its own.  Policy for every request: https only
 * (plain http only to 127.0.0.1 behind allow_insecure_loopback), certificates
 * verified, no redirects, connect and total timeouts, a cap on the answer.
 * Connections outlive requests: after an answer the connection stays open in
 * curl's cache (at most max_conns in use and idle together; an idle one is
 * closed after curl's maximum idle age) and the next request to the same
 * scheme, host and port reuses it; TLS sessions and DNS answers are shared by
 * all requests, so a connection that must be opened again resumes its TLS
 * session.  A request is handed to curl at once (a request on an open
 * connection is on the wire when http_start returns).
 */
#ifndef AIRLOCK_AUTHD_HTTP_H
#define AIRLOCK_AUTHD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#define HTTP_MAX_BODY		(256 * 1024)
#define HTTP_USER_AGENT		"airlock-authd/1"

struct http_conf {
	const char	*ca_file;		/* NULL: system store */
	int		 insecure_loopback;	/* allow http://127.0.0.1 */
	long		 connect_timeout_ms;
	long		 timeout_ms;
	size_t		 max_body;
	long		 max_conns;		/* connections kept, in use or idle (0: 64) */
};

enum http_result {
	HTTP_OK = 0,		/* an HTTP answer arrived (any status) */
	HTTP_ETIMEOUT,
	HTTP_ENET,		/* connect, TLS, protocol */
	HTTP_ETOOBIG,		/* answer over max_body */
	HTTP_EABORT,		/* daemon shutting down */
};

struct http_resp {
	enum http_result result;
	long		 status;
	const char	*ctype;		/* "" when absent */
	const uint8_t	*body;		/* NUL-terminated for convenience; may hold NULs */
	size_t		 len;
	const char	*error;		/* curl's reason when result != HTTP_OK */
};

/* Called exactly once per started request. */
typedef void (*http_cb)(void *arg, const struct http_resp *);

struct http_request {
	const char	*method;	/* "GET" (default), "POST", "DELETE", "HEAD" */
	const char	*url;
	const char	*authorization;	/* header value; copied, wiped after */
	const char	*accept;
	const char	*content_type;
	const char	*body;		/* copied, wiped after */
	size_t		 body_len;
};

struct http *http_new(struct event_base *, const struct http_conf *);
/* Finishes every request in flight with HTTP_EABORT; later starts are refused. */
void	http_shutdown(struct http *);
/* http_shutdown, then frees. */
void	http_free(struct http *);
/* 0: started (cb will be called); -1: refused at once (cb will not be called). */
int	http_start(struct http *, const struct http_request *, http_cb, void *arg);
size_t	http_inflight(const struct http *);
/* Connections opened since http_new (each TCP connect, reused ones not counted). */
size_t	http_connections(const struct http *);
/* 1 when both URLs have the same scheme, host and port (one connection serves both). */
int	http_same_origin(const char *a, const char *b);

/* URL policy: https://host..., or http://127.0.0.1[:port]/... when insecure_loopback;
 * no user:password@, no fragment.  0 ok, -1 with *why. */
int	http_url_allowed(const char *url, int insecure_loopback, const char **why);

#endif
