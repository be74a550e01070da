/*
 * What http.c, http_gate.c and http_refuse.c share: the server, its
 * connections and requests, and the functions one file calls in another.
 * Only these three files include it.
 */
#ifndef AIRLOCK_FE_HTTP_CONN_H
#define AIRLOCK_FE_HTTP_CONN_H

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <evhtp/evhtp.h>

#include "frame.h"
#include "http.h"
#include "limit.h"

struct hreq {
	struct hconn		*hc;
	evhtp_request_t		*r;
	const char		*query;
	int			 in_handler;
	int			 want_pause;
	int			 paused;
	int			 answered;
	http_gone_cb		 gone;
	void			*gone_arg;
	const char		*ctype;		/* hreq_set_type, or NULL */
};

struct hconn {
	LIST_ENTRY(hconn)	 entry;
	struct http_server	*srv;
	evhtp_connection_t	*c;
	struct evbuffer		*stage;		/* bytes read, not yet given to evhtp */
	struct event		*ev_pump;
	bufferevent_data_cb	 evhtp_read;	/* evhtp's own callbacks */
	bufferevent_data_cb	 evhtp_write;
	bufferevent_event_cb	 evhtp_event;
	int			 busy;		/* evhtp holds a request of ours */
	int			 sent_100;
	int			 in_evhtp;	/* inside evhtp_read: freeing waits */
	int			 dead;
	struct event		*ev_deadline;	/* the request's head and body are late */
	struct addr		 group;		/* counted in srv->per_addr */
	int			 counted;
	struct hreq		 req;
	unsigned char		 slot[HTTP_CONN_SLOT];	/* hreq_conn_slot, wiped at free */
};

struct drain {
	LIST_ENTRY(drain)	 entry;
	struct http_server	*srv;
	struct bufferevent	*bev;
	struct event		*ev_end;
	size_t			 drained;
};

/*
 * The default headers go out as one evhtp header whose value carries the
 * others, preformatted ("v1\r\nName2: v2\r\n..."): evhtp writes a header as
 * name ": " value CRLF, so the bytes on the wire are those of separate
 * headers, for one allocation and one write per answer.  A typed block starts
 * with the Content-Type (its name is the header's, so that evhtp sees it).
 */
#define HTTP_TYPED_MAX		6
struct hblock {
	char			*ctype;
	char			*val;		/* ctype CRLF, then the default block */
};

struct http_server {
	struct event_base	*base;
	evhtp_t			*htp;
	struct http_conf	 conf;
	struct frame_limits	 lim;
	http_handler		 handler;
	void			*arg;
	LIST_HEAD(, hconn)	 conns;
	size_t			 nconns;
	LIST_HEAD(, drain)	 drains;
	size_t			 ndrains;
	struct conn_table	*per_addr;	/* open connections per address group */
	struct http_stats	 stats;
	int			 closing;
	const char		*block_name;	/* first default header's name, or NULL */
	char			*block;		/* its value and the other headers */
	struct hblock		 typed[HTTP_TYPED_MAX];
	size_t			 ntyped;
};

/* hreq.c: the preformatted default headers (freed by http_blocks_free) */
int	http_blocks_init(struct http_server *);
void	http_blocks_free(struct http_server *);

/* http_refuse.c: refusals, lingering closes, and forgetting a connection */
/* Forget hc; when evhtp is on the stack above us, the caller frees it later. */
void	hconn_release(struct hconn *);
/* Frees what hc holds and hc itself. */
void	hconn_free(struct hconn *);
/* Takes the socket from evhtp and answers status on it; hc is released. */
void	refuse_on(struct hconn *, int status);
/* A refusal decided by us, outside evhtp's callbacks: evhtp's connection goes too. */
void	refuse_now(struct hconn *, int status);
void	drain_free(struct drain *);

/* http_gate.c: the socket's bytes before evhtp sees them */
struct hconn *conn_hconn(evhtp_connection_t *);
/* Puts the gate in front of evhtp's callbacks on a new connection. */
void	gate_install(struct hconn *, evhtp_connection_t *);
/* Timer callbacks: the request's deadline passed; hand evhtp the next request. */
void	gate_deadline_fired(evutil_socket_t, short, void *);
void	gate_pump_later(evutil_socket_t, short, void *);

#endif
