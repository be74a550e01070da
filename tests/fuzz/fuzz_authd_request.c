/*
 * libFuzzer: authd's permit table (authd/server.c) and the decoding of every
 * MSG_AUTH_* request.  An input is up to 8 frames, each
 *	u8 handler (index into the permit table), u8 flags, u16 len, len bytes payload;
 * each goes to its handler as proto/ipc.c hands it over (fuzz_ipc.h: a real
 * server connection, handlers called directly), and its answer is read back at
 * once: exactly one per accepted frame, right type and id, a LOGIN_START answer
 * that decodes.
 *
 * No network: there is no HTTP client (ad->http is NULL) and max_exchanges is
 * 0, so LOGIN_FINISH stops at "busy" after the sealed login was opened and
 * checked, and REVOKE at the grant lookup (an empty grant store in a temp dir)
 * -- before anything could reach libcurl.  The harness aborts if an exchange
 * ever starts.  A random state never matches, so flags fill in LOGIN_FINISH from
 * the last LOGIN_START answer:
 *	0x01 payload := str state (from the authorize URL) + payload
 *	0x02 payload := payload + blob binding + str client + str callback (the
 *	     provider of that login) + str iss ("" or, with 0x04, the payload's
 *	     first bytes again)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../authd/authd.h"
#include "../../authd/grant.h"
#include "../../authd/loginseal.h"
#include "../../authd/provider.h"
#include "../../authd/replay.h"
#include "../../authd/secret.h"
#include "fuzz_ipc.h"
#include "log.h"

#define MAX_FRAMES	8
#define RESET_RUNS	8	/* a fresh replay cache: full only now and then */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ipc_permit	*permits;
static size_t			 npermits;
static struct authd		 ad;
static struct provider		 prov[3];
static unsigned long		 runs;
static char			 last_state[STATE_LEN + 1];
static uint8_t			 last_binding[BINDING_MAX];
static size_t			 last_binding_len;
static char			 last_callback[MAX_PROVIDER + 1];
static uint16_t			 types[MAX_FRAMES];
static size_t			 nframes;

static void
provider_set(struct provider *p, const char *name, int oidc, int ready)
{
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->display, sizeof(p->display), "Provider %s", name);
	p->type = oidc ? PT_OIDC : PT_GITHUB;
	p->oidc = oidc;
	p->client_id = "airlock-client";
	p->authorize_url = oidc ? "https://idp.example/authorize" : "https://gh.example/login?x=1";
	p->token_url = "https://idp.example/token";
	p->userinfo_url = "https://idp.example/userinfo";
	p->scopes = oidc ? "openid profile" : "read:user";
	p->revoke = oidc ? REVOKE_RFC7009 : REVOKE_GITHUB;
	p->ready = ready;
	p->redirect_uri = "https://airlock.example/auth_redirect";
	p->ad = &ad;
	ad.prov[ad.nprov++] = p;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	dir[64], path[96], err[128];

	if (sodium_init() < 0)
		abort();
	log_init("fuzz_authd_request", 1);
	fz_tempdir(dir, sizeof(dir), "fuzz-authd");
	snprintf(path, sizeof(path), "%s/state", dir);
	memset(&ad, 0, sizeof(ad));
	if ((ad.base = event_base_new()) == NULL ||
	    (ad.grants = grants_open(path, err, sizeof(err))) == NULL ||
	    (ad.replay = replay_new(64)) == NULL ||
	    (ad.loginkey = secret_new(LOGIN_KEY_LEN)) == NULL)
		abort();
	randombytes_buf(ad.loginkey->p, LOGIN_KEY_LEN);
	secret_close(ad.loginkey);
	ad.login_ttl = 600;
	ad.max_per_addr = 4;
	ad.default_redirect = "dev";	/* dev: /auth_redirect; the others their own */
	ad.max_exchanges = 0;		/* nothing reaches a provider */
	provider_set(&prov[0], "dev", 1, 1);
	provider_set(&prov[1], "gh", 0, 1);
	provider_set(&prov[2], "down", 1, 0);
	authd_env = &ad;
	permits = authd_permits(&npermits);
	snprintf(path, sizeof(path), "%s/sock", dir);
	(void)fz_serve(ad.base, path, permits, npermits);
	return 0;
}

/* The state parameter of the authorize URL in a LOGIN_START answer. */
static void
keep_state(const char *url)
{
	const char	*p = strstr(url, "&state=");
	size_t		 n;

	if (p == NULL && (p = strstr(url, "?state=")) == NULL)
		abort();
	p += 7;
	n = strcspn(p, "&");
	if (n != STATE_LEN)
		abort();
	memcpy(last_state, p, n);
	last_state[n] = '\0';
	/* client_id is the same for all: the authorize URL's host tells the provider */
	snprintf(last_callback, sizeof(last_callback), "%s",
	    strncmp(url, "https://gh.example/", 19) == 0 ? "gh" : "");
}

static void
answer_seen(const struct msg_hdr *h, const uint8_t *p)
{
	struct mreader	r;
	char		url[MAX_URL + 1];

	if (h->id == 0 || h->id > nframes || h->type != types[h->id - 1] + 1 || h->len < 1 ||
	    p[0] >= ST_MAX)
		abort();
	if (h->type != MSG_AUTH_LOGIN_START_R || p[0] != ST_OK)
		return;
	m_reader(&r, p + 1, h->len - 1);
	m_get_str(&r, url, MAX_URL);
	m_get_blob(&r, last_binding, BINDING_MAX, &last_binding_len);
	if (m_end(&r) == -1)
		abort();
	keep_state(url);
}

/* LOGIN_FINISH with the last state (0x01) and binding (0x02) around the payload. */
static size_t
fill_finish(uint8_t *out, const uint8_t *p, size_t len, int flags)
{
	static struct mbuf m;

	m_init(&m, MSG_AUTH_LOGIN_FINISH, 0);
	if (flags & 0x01)
		m_add_str(&m, last_state, STATE_LEN);
	m_add_bytes(&m, p, len);
	if (flags & 0x02) {
		m_add_blob(&m, last_binding, last_binding_len);
		m_add_str(&m, "192.0.2.1", MAX_CLIENT);
		m_add_str(&m, last_callback, MAX_PROVIDER);
		m_add_blob(&m, p, (flags & 0x04) && len > 0 ? (len < 64 ? len : 64) : 0);
	}
	if (m_finish(&m) == -1)
		return 0;
	memcpy(out, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
	return m.len - MSG_HDR_LEN;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 payload[MSG_MAX_PAYLOAD];
	struct msg_hdr		 h;
	struct mreader		 r;
	size_t			 off = 0, len, take;
	int			 flags;

	if (++runs % RESET_RUNS == 0) {
		replay_free(ad.replay);
		if ((ad.replay = replay_new(64)) == NULL)
			abort();
	}
	nframes = 0;
	while (nframes < MAX_FRAMES && size - off >= 4) {
		const struct ipc_permit *pm = &permits[data[off] % npermits];

		flags = data[off + 1];
		take = (size_t)data[off + 2] << 8 | data[off + 3];
		off += 4;
		if (take > size - off)
			take = size - off;
		/* leave room for the filled-in fields */
		len = take > MSG_MAX_PAYLOAD - 256 ? MSG_MAX_PAYLOAD - 256 : take;
		h.version = PROTO_VERSION;
		h.type = pm->type;
		h.id = (uint32_t)++nframes;
		types[nframes - 1] = h.type;
		if (h.type == MSG_AUTH_LOGIN_FINISH && (flags & 0x03))
			len = fill_finish(payload, data + off, len, flags);
		else
			memcpy(payload, data + off, len);
		off += take;
		h.len = (uint32_t)len;
		m_reader(&r, payload, len);
		/* every answer is immediate: read it before the next frame may use it */
		fz_answers(ad.base, pm->handler(fz_conn, &h, &r) == 0 ? 1 : 0, answer_seen);
		if (ad.exchanges != 0)
			abort();	/* a provider exchange started: must not happen here */
	}
	sodium_memzero(payload, sizeof(payload));
	return 0;
}
