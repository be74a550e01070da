/*
 * The frontend's side of authd: the permit table of MSG_AUTH_* requests and
 * the two answers that need no provider (PING, PROVIDERS).  Each handler,
 * authd_req_<message>, receives its request decoded into struct msg_auth_<name>.  Peers are checked
 * with SO_PEERCRED by proto/ipc_server.c; anything malformed closes that connection.
 */
#include <string.h>

#include "authd.h"
#include "backchannel.h"
#include "ipc.h"
#include "log.h"
#include "provider.h"

#define AUTHD_MAX_CONNS		256
#define AUTHD_MAX_OUTBUF	(1024 * 1024)

static int
authd_req_ping(struct ipc_conn *c, const struct msg_hdr *h, const void *msg)
{
	struct msg_auth_ping_r	a;
	struct authd		*ad = ipc_conn_ctx(c);
	struct mbuf		m;
	size_t			i;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < ad->nprov; i++)
		a.providers += ad->prov[i]->ready ? 1 : 0;
	if (msg_answer(&m, h, ST_OK, &a) == 0)
		ipc_send(c, &m);
	return 0;
}

static int
authd_req_providers(struct ipc_conn *c, const struct msg_hdr *h, const void *msg)
{
	static struct msg_auth_providers_r	 a;
	struct authd				*ad = ipc_conn_ctx(c);
	struct provider_item			*it;
	struct mbuf				 m;
	size_t					 i;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < ad->nprov && i < MAX_PROVIDERS_LISTED; i++) {
		it = &a.providers[a.providers_n++];
		snprintf(it->name, sizeof(it->name), "%s", ad->prov[i]->name);
		snprintf(it->display, sizeof(it->display), "%s", ad->prov[i]->display);
		it->ready = ad->prov[i]->ready ? 1 : 0;
	}
	if (msg_answer(&m, h, ST_OK, &a) == 0)
		ipc_send(c, &m);
	else
		ipc_answer_status(c, h, ST_INTERNAL);
	return 0;
}

static const struct ipc_permit permits[] = {
	{ .type = MSG_AUTH_PING, .handler = authd_req_ping },
	{ .type = MSG_AUTH_PROVIDERS, .handler = authd_req_providers },
	{ .type = MSG_AUTH_LOGIN_START, .handler = authd_req_login_start },
	{ .type = MSG_AUTH_LOGIN_FINISH, .handler = authd_req_login_finish },
	{ .type = MSG_AUTH_REVOKE, .handler = authd_req_revoke },
	{ .type = MSG_AUTH_BACKCHANNEL, .handler = authd_req_backchannel },
};

const struct ipc_permit *
authd_permits(size_t *n)
{
	*n = sizeof(permits) / sizeof(permits[0]);
	return permits;
}

struct ipc_server *
authd_server_new(struct authd *ad, int fd, const uid_t *uids, size_t nuids)
{
	struct ipc_server_conf	conf;
	size_t			i;

	memset(&conf, 0, sizeof(conf));
	conf.name = "authd";
	conf.ctx = ad;
	conf.permits = authd_permits(&conf.npermits);
	for (i = 0; i < nuids && i < IPC_MAX_UIDS; i++)
		conf.uids[conf.nuids++] = uids[i];
	conf.max_conns = AUTHD_MAX_CONNS;
	conf.idle_timeout_sec = ad->idle_timeout_sec;	/* [authd] idle_timeout_sec */
	conf.max_outbuf = AUTHD_MAX_OUTBUF;
	return ipc_server_new(ad->base, fd, &conf);
}
