/*
 * libFuzzer: authd's permit table (authd/server.c) and the decoding of every
 * MSG_AUTH_* request.  An input is up to 8 frames, each
 *	u8 handler (index into the permit table), u8 flags, u16 len, len bytes payload;
 * each payload is decoded by the codec as proto/ipc_server.c decodes it and goes to
 * its handler (fuzz_ipc.h: a real server connection, handlers called directly),
 * and its answer is read back at once: exactly one per accepted frame, right
 * type and id, and every answer decodes.
 *
 * No network: there is no HTTP client (ad->http is NULL) and max_exchanges is
 * 0, so LOGIN_FINISH stops at "busy" after the sealed login was opened and
 * checked, and REVOKE at the grant lookup (an empty grant store in a temp dir)
 * -- before anything could reach libcurl.  The harness aborts if an exchange
 * ever starts.  A random state never matches, so flags fill in the decoded
 * LOGIN_FINISH (or, when the payload does not decode, one whose code is the
 * payload as text) from the last LOGIN_START answer:
 *	0x01 state := the state of its authorize URL
 *	0x02 binding, client, callback (the provider of that login) := that login's,
 *	     iss := "" or, with 0x04, the payload's first bytes as text
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../authd/access.h"
#include "../../authd/authd.h"
#include "../../authd/grant.h"
#include "../../authd/loginseal.h"
#include "../../authd/provider.h"
#include "../../authd/replay.h"
#include "../../authd/secret.h"
#include "fuzz_ipc.h"
#include "log.h"

#define RESET_RUNS	8	/* a fresh replay cache: full only now and then */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ipc_permit	*permits;
static size_t			 npermits;
static struct authd		 ad;
static struct access		 no_rules;	/* [access] absent: everyone */
static struct provider		 prov[3];
static unsigned long		 runs;
static char			 last_state[STATE_LEN + 1];
static uint8_t			 last_binding[BINDING_MAX];
static size_t			 last_binding_len;
static char			 last_callback[MAX_PROVIDER + 1];

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
	    (ad.grants = grants_open(path, NULL, err, sizeof(err))) == NULL ||
	    (ad.replay = replay_new(64)) == NULL ||
	    (ad.loginkey = secret_new(LOGIN_KEY_LEN)) == NULL)
		abort();
	randombytes_buf(ad.loginkey->p, LOGIN_KEY_LEN);
	secret_close(ad.loginkey);
	ad.login_ttl = 600;
	ad.access = &no_rules;
	ad.max_per_addr = 4;
	ad.default_redirect = "dev";	/* dev: /auth_redirect; the others their own */
	ad.max_exchanges = 0;		/* nothing reaches a provider */
	provider_set(&prov[0], "dev", 1, 1);
	provider_set(&prov[1], "gh", 0, 1);
	provider_set(&prov[2], "down", 1, 0);
	permits = authd_permits(&npermits);
	snprintf(path, sizeof(path), "%s/sock", dir);
	(void)fz_serve(ad.base, path, permits, npermits, &ad);
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
	static _Alignas(max_align_t) uint8_t	 buf[1 << 16];	/* any answer struct */
	const struct msg_auth_login_start_r	*a = (const void *)buf;
	uint8_t					 st;

	if (fz_answer_decode(h, p, buf, &st) != MSG_AUTH_LOGIN_START || st != ST_OK)
		return;
	memcpy(last_binding, a->binding, a->binding_len);
	last_binding_len = a->binding_len;
	keep_state(a->authorize_url);
}

/* printable text from fuzz bytes */
static void
text_of(char *out, size_t max, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < max; i++)
		out[i] = (char)(0x20 + p[i] % 0x5f);
	out[i] = '\0';
}

/* LOGIN_FINISH with the last state (0x01) and binding, client, callback and iss
 * (0x02: iss "" or, with 0x04, the payload's first bytes); a payload that does
 * not decode gives the code. */
static void
fill_finish(struct msg_auth_login_finish *q, int decoded, const uint8_t *p, size_t len,
    int flags)
{
	if (!decoded) {
		memset(q, 0, sizeof(*q));
		text_of(q->code, 256, p, len);
	}
	if (flags & 0x01)
		snprintf(q->state, sizeof(q->state), "%s", last_state);
	if (flags & 0x02) {
		memcpy(q->binding, last_binding, last_binding_len);
		q->binding_len = last_binding_len;
		snprintf(q->client, sizeof(q->client), "192.0.2.1");
		snprintf(q->callback, sizeof(q->callback), "%s", last_callback);
		text_of(q->iss, (flags & 0x04) ? 64 : 0, p, len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union msg_request q;
	struct fz_frame		 f;
	size_t			 off = 0;

	if (++runs % RESET_RUNS == 0) {
		replay_free(ad.replay);
		if ((ad.replay = replay_new(64)) == NULL)
			abort();
	}
	while (fz_frame_next(data, size, &off, permits, npermits, &f, &q)) {
		if (f.h.type == MSG_AUTH_LOGIN_FINISH && (f.flags & 0x03)) {
			fill_finish(&q.auth_login_finish, f.decoded, f.p, f.len, f.flags);
			f.decoded = 1;
		}
		/* a payload that does not decode closes the connection (here: no answer);
		 * every answer is immediate: read it before the next frame may use it */
		fz_answers(ad.base, f.decoded && f.pm->handler(fz_conn, &f.h, &q) == 0 ? 1 : 0,
		    answer_seen);
		sodium_memzero(&q, sizeof(q));
		if (ad.exchanges != 0)
			abort();	/* a provider exchange started: must not happen here */
	}
	return 0;
}
