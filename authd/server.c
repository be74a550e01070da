/*
 * The frontend's side of authd: the permit table of MSG_AUTH_* requests and
 * the two answers that need no provider (PING, PROVIDERS).  Peers are checked
 * with SO_PEERCRED by proto/ipc.c; anything malformed closes that connection.
 */
#include <string.h>

#include "authd.h"
#include "ipc.h"
#include "log.h"
#include "provider.h"

#define AUTHD_MAX_CONNS		256
#define AUTHD_MAX_OUTBUF	(1024 * 1024)

struct authd *authd_env;

void
answer_status(struct ipc_conn *c, const struct msg_hdr *h, uint8_t status)
{
	struct mbuf m;

	m_reply(&m, h, status);
	ipc_send(c, &m);
}

static int
ping(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct authd	*ad = authd_env;
	struct mbuf	 m;
	uint32_t	 ready = 0;
	size_t		 i;

	if (m_end(r) == -1)
		return -1;
	for (i = 0; i < ad->nprov; i++)
		ready += ad->prov[i]->ready ? 1 : 0;
	m_reply(&m, h, ST_OK);
	m_add_u32(&m, ready);
	ipc_send(c, &m);
	return 0;
}

static int
providers(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct authd	*ad = authd_env;
	struct mbuf	 m;
	size_t		 i;

	if (m_end(r) == -1)
		return -1;
	m_reply(&m, h, ST_OK);
	m_add_u32(&m, (uint32_t)ad->nprov);
	for (i = 0; i < ad->nprov; i++) {
		m_add_str(&m, ad->prov[i]->name, MAX_PROVIDER);
		m_add_str(&m, ad->prov[i]->display, MAX_NAME);
		m_add_u8(&m, ad->prov[i]->ready ? 1 : 0);
	}
	ipc_send(c, &m);
	return 0;
}

static const struct ipc_permit permits[] = {
	{ MSG_AUTH_PING, ping },
	{ MSG_AUTH_PROVIDERS, providers },
	{ MSG_AUTH_LOGIN_START, login_start },
	{ MSG_AUTH_LOGIN_FINISH, login_finish },
	{ MSG_AUTH_REVOKE, revoke_request },
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
	conf.permits = authd_permits(&conf.npermits);
	for (i = 0; i < nuids && i < IPC_MAX_UIDS; i++)
		conf.uids[conf.nuids++] = uids[i];
	conf.max_conns = AUTHD_MAX_CONNS;
	conf.idle_timeout_sec = ad->idle_timeout_sec;	/* [authd] idle_timeout_sec */
	conf.max_outbuf = AUTHD_MAX_OUTBUF;
	return ipc_server_new(ad->base, fd, &conf);
}
