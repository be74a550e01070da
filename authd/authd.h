/*
 * airlock-authd: the only process that holds OAuth client secrets, provider
 * tokens and the key that signs login proofs.  One libevent loop serves the
 * frontend over a Unix socket (server.c) and talks to providers over HTTPS
 * (http.c, libcurl multi).  Files by job:
 *	main.c		start-up, config, signals, the loop
 *	server.c	permit table, PING and PROVIDERS
 *	login.c		LOGIN_START / LOGIN_FINISH (code exchange, user info, proof)
 *	access.c	[access]: who may sign in
 *	revoke.c	REVOKE
 *	backchannel.c	BACKCHANNEL (OpenID Connect back-channel logout)
 *	loginseal.c	logins in progress sealed into the pre-login cookie
 *	replay.c	single use of sealed logins (bounded cache of state hashes)
 *	provider.c	[provider.NAME] sections, built-in endpoints, discovery
 *	grant.c		provider tokens sealed under grant.key into the proof
 *	secret.c	secret files and guarded memory
 *	http.c		libcurl multi on libevent; URL policy
 *	parse.c		strict JSON / form answers from providers
 *	buf.c		growing strings that are wiped on free, URL escaping
 *	keygen.c	`airlock-authd -k FILE`
 *
 * Several authd nodes (each with its frontend, all on one shared store)
 * serve one airlock when these files are identical on every node, supplied
 * as credentials ($CREDENTIALS_DIRECTORY) or in secrets_dir:
 *	signing.key	proofs every store accepts
 *	login.key	a login started at one node finishes at any other
 *	grant.key	a grant obtained at one node is revoked by any other
 * (and the same [provider.NAME] sections and client secrets).  Everything
 * else is per node: state_dir, the socket, the replay cache.  Single use
 * across nodes is the store's: a login's proof nonce derives from its state
 * (login.c), and the shared database spends each nonce once.
 */
#ifndef AIRLOCK_AUTHD_H
#define AIRLOCK_AUTHD_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "msg.h"


struct conf;
struct http;
struct ipc_server;
struct replay;
struct login;
struct grants;
struct secret;
struct provider;
struct access;

struct authd {
	struct event_base	*base;
	struct conf		*conf;
	struct http		*http;
	struct replay		*replay;	/* states of finished logins, until expiry */
	struct secret		*loginkey;	/* seals pending logins (login.key) */
	unsigned		 login_ttl;	/* seconds a started login stays valid */
	struct grants		*grants;	/* grant.key, legacy grant files */
	struct secret		*signkey;	/* Ed25519 secret key, 64 bytes */
	struct access		*access;	/* [access]: who may sign in (access.h) */
	struct provider		*prov[MAX_PROVIDERS];
	size_t			 nprov;
	char			*redirect_base;	/* public_url + "/auth_redirect" */
	const char		*default_redirect;	/* provider keeping /auth_redirect, or NULL */
	int			 insecure_loopback;
	size_t			 max_exchanges;	/* finishes + revokes in flight */
	size_t			 exchanges;
	size_t			 max_per_addr;	/* login exchanges in flight per client address */
	struct login		*logins;	/* login exchanges in flight */
	int			 idle_timeout_sec;	/* close a silent peer's connection */
};

/* server.c */
struct ipc_server *authd_server_new(struct authd *, int fd, const uid_t *uids, size_t nuids);
struct ipc_permit;
/* The permit table (tests call its handlers directly). */
const struct ipc_permit *authd_permits(size_t *n);

/* The IPC handlers of LOGIN_START, LOGIN_FINISH (login.c) and REVOKE (revoke.c):
 * msg is the decoded struct msg_auth_<name>. */
struct ipc_conn;
struct msg_hdr;
int	authd_req_login_start(struct ipc_conn *, const struct msg_hdr *, const void *msg);
int	authd_req_login_finish(struct ipc_conn *, const struct msg_hdr *, const void *msg);
int	authd_req_revoke(struct ipc_conn *, const struct msg_hdr *, const void *msg);
/* revoke.c: revokes tokens no session keeps (copied), answering nobody. */
void	authd_revoke_tokens(struct authd *, struct provider *, const char *access_token,
	    const char *refresh_token);

/* keygen.c */
int	keygen_main(const char *path);
/* Loads signing.key (base64url Ed25519 seed) from a file checked for its mode. */
struct secret *signkey_load(const char *path, char *err, size_t errlen);

#endif
