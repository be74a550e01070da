/*
 * The HTTP server: the only file that knows libevhtp (http.c).
 *
 * One loop, one handler for every request.  The handler reads the request
 * through hreq_* and either answers at once (hreq_send) or calls hreq_pause()
 * and answers later, exactly once, from another callback; if the connection
 * is torn down first (server shutdown), the gone callback runs instead and the
 * hreq must not be touched again.
 *
 * Limits are enforced before the handler runs, each with a short plain-text
 * answer carrying the default headers, then the connection is closed
 * gracefully: URI over max_uri -> 414, header fields over max_header_bytes or
 * max_headers -> 431, body over max_body -> 413, anything the parser refuses
 * (bad request line, bad escapes, NUL bytes, chunk errors) -> 400, a request
 * whose head and body are not all in head_timeout_sec after its first byte
 * (however steadily the bytes trickle in) -> 408.  A connection from an address
 * group that already holds max_conns_per_addr is closed at accept.
 */
#ifndef AIRLOCK_FE_HTTP_H
#define AIRLOCK_FE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct http_server;
struct hreq;
struct cidr_list;

enum http_method { HM_GET, HM_HEAD, HM_POST, HM_OTHER };

struct http_conf {
	size_t		 max_uri;		/* path + query bytes */
	size_t		 max_header_bytes;	/* all header names + values */
	size_t		 max_headers;
	size_t		 max_body;
	size_t		 max_conns;		/* more are closed at once */
	int		 idle_timeout_sec;	/* idle keep-alive and slow clients */
	int		 head_timeout_sec;	/* a whole request, head and body, from its
						   first byte -> 408; 0: none */
	size_t		 max_conns_per_addr;	/* per address group (limit.h); 0: no cap */
	const struct cidr_list *uncapped;	/* addresses without that cap, or NULL */
	/* "Name", "value" pairs added to every answer, NULL-terminated. */
	const char *const *default_headers;
};

struct http_stats {
	uint64_t	conns_accepted;
	uint64_t	conns_refused;		/* over max_conns */
	uint64_t	conns_refused_addr;	/* over max_conns_per_addr */
	uint64_t	head_timeouts;		/* 408: request not complete in time */
	uint64_t	rejected[5];		/* 400, 413, 414, 431, other */
	size_t		conns_open;
	size_t		paused;
};

typedef void (*http_handler)(struct hreq *, void *arg);
typedef void (*http_gone_cb)(void *arg);

/* Serves on an already listening socket (taken over, closed by free). */
struct http_server *http_server_new(struct event_base *, int listen_fd, const struct http_conf *,
	    http_handler, void *arg);
/* Stops listening and closes every connection (paused requests get their gone callback). */
void	http_server_free(struct http_server *);
void	http_server_stats(const struct http_server *, struct http_stats *);

enum http_method hreq_method(const struct hreq *);
const char *hreq_method_name(const struct hreq *);
/* The path exactly as sent (not decoded), without the query. */
const char *hreq_path(const struct hreq *);
/* The raw query string after '?', "" when there is none. */
const char *hreq_query(const struct hreq *);
/* First value of a header (case-insensitive name), or NULL; *count gets how many there are. */
const char *hreq_header(const struct hreq *, const char *name, int *count);
/* The peer's address as text ("127.0.0.1", "::1"); "" when unknown.  Returns dst. */
const char *hreq_peer(const struct hreq *, char *dst, size_t n);
/* The request body (not NUL-terminated). */
const char *hreq_body(const struct hreq *, size_t *len);

/* Answer headers; the value is copied.  -1 (and nothing added) if it holds CR or LF. */
int	hreq_add_header(struct hreq *, const char *name, const char *value);
/* HTTP_CONN_SLOT bytes that live as long as the request's connection: zero
 * when it opens, wiped when it closes.  For what the layer above keeps from
 * one request to the next on a connection (only requests on that connection
 * see it). */
#define HTTP_CONN_SLOT	320
void	*hreq_conn_slot(struct hreq *);
/* The answer's Content-Type (a constant string, kept by pointer); -1 (and
 * none set) if it holds CR or LF. */
int	hreq_set_type(struct hreq *, const char *ctype);
/* Sends the answer (default headers added, body omitted for HEAD) and
 * completes the request; after this call the hreq is gone. */
void	hreq_send(struct hreq *, int status, const char *body, size_t len);
/* hreq_send of a malloc'ed body that the server takes over: sent without a
 * copy, then its len + 1 bytes (the text and its NUL) are wiped and it is
 * freed once written or when the connection goes (at once for HEAD). */
void	hreq_send_wiped(struct hreq *, int status, char *body, size_t len);
/* Keeps the request open after the handler returns; gone(arg) runs if the
 * connection is destroyed before hreq_send. */
void	hreq_pause(struct hreq *, http_gone_cb gone, void *arg);

#endif
