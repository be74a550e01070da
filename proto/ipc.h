/*
 * Framed IPC over Unix stream sockets on a libevent loop.
 *
 * Server side (authd, store): ipc_server_new() accepts connections, checks the
 * peer with SO_PEERCRED against the allowed uids, reads whole frames and calls
 * the handler of the message type from the permit table.  A frame that is
 * oversized, of the wrong version, of a type not in the table, or that its
 * handler rejects (returns -1) closes that connection only, with a log line.
 *
 * Client side (frontend): ipc_client_new() keeps one connection to a daemon,
 * reconnecting with backoff; ipc_call() sends a request and calls back exactly
 * once with the answer, IPC_DOWN (not connected / connection lost) or
 * IPC_TIMEOUT, unless ipc_cancel() was called first.
 */
#ifndef AIRLOCK_IPC_H
#define AIRLOCK_IPC_H

#include <sys/types.h>

#include <event2/event.h>

#include "msg.h"

struct ipc_conn;
struct ipc_server;
struct ipc_client;

/* Called with the request decoded into its struct msg_<name> (msgtab.h);
 * returns 0, or -1 to close the connection (the request was not acceptable). */
typedef int (*ipc_handler)(struct ipc_conn *, const struct msg_hdr *, const void *req);

struct ipc_permit {
	uint16_t	type;
	ipc_handler	handler;
};

#define IPC_MAX_UIDS	4

struct ipc_server_conf {
	const char		*name;		/* for log lines */
	void			*ctx;		/* the daemon's state, for handlers */
	const struct ipc_permit	*permits;
	size_t			 npermits;
	uid_t			 uids[IPC_MAX_UIDS];	/* peers allowed */
	size_t			 nuids;
	size_t			 max_conns;
	int			 idle_timeout_sec;	/* close idle connections; 0 = never */
	size_t			 max_outbuf;		/* stop reading while more is queued */
};

/* Takes ownership of listen_fd (closed by ipc_server_free). */
struct ipc_server *ipc_server_new(struct event_base *, int listen_fd, const struct ipc_server_conf *);
void	ipc_server_free(struct ipc_server *);

/* An answer that is its status alone (refusals; answers without fields). */
void	ipc_answer_status(struct ipc_conn *, const struct msg_hdr *req, uint8_t status);
/* Queue a finished frame (m_finish done here).  Safe on a closed connection (dropped). */
int	ipc_send(struct ipc_conn *, struct mbuf *);
/* Keep a connection object alive across an asynchronous answer. */
void	ipc_conn_ref(struct ipc_conn *);
void	ipc_conn_unref(struct ipc_conn *);
int	ipc_conn_alive(const struct ipc_conn *);
uid_t	ipc_conn_uid(const struct ipc_conn *);
/* The ctx of the server the connection came to. */
void	*ipc_conn_ctx(const struct ipc_conn *);
/* Pause reading the next frames (e.g. while a batch is committed); resume later. */
void	ipc_conn_pause(struct ipc_conn *);
void	ipc_conn_resume(struct ipc_conn *);

/* Client */
enum ipc_result { IPC_OK = 0, IPC_DOWN, IPC_TIMEOUT };

typedef void (*ipc_reply_cb)(void *arg, enum ipc_result, const struct msg_hdr *, struct mreader *);

struct ipc_client *ipc_client_new(struct event_base *, const char *path, const char *name);
void	ipc_client_free(struct ipc_client *);
int	ipc_client_up(const struct ipc_client *);
/* The request's id is assigned here.  Returns the id (> 0), or 0 when the
 * request could not be sent: then cb is NOT called and the caller answers 503. */
uint32_t ipc_call(struct ipc_client *, struct mbuf *, int timeout_ms, ipc_reply_cb, void *arg);
void	ipc_cancel(struct ipc_client *, uint32_t id);

#endif
