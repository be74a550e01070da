/*
 * AUTH_BACKCHANNEL: OpenID Connect Back-Channel Logout 1.0 (backchannel.h
 * lists the checks and the limits).  Parsing and signatures are libcjose's;
 * claims are read with json-c's strict reader (proto/json.h).  A token whose
 * key is not known yet waits, holding its connection (ipc_conn_ref), for one
 * JWKS fetch per provider, and is answered when that fetch ends.
 */
#include "backchannel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjose/cjose.h>
#include <json-c/json.h>
#include <sodium.h>

#include "authd.h"
#include "clock.h"
#include "http.h"
#include "ipc.h"
#include "json.h"
#include "log.h"
#include "loginseal.h"
#include "parse.h"
#include "proof.h"
#include "provider.h"
#include "replay.h"
#include "secret.h"

#define BCL_EVENT	"http://schemas.openid.net/event/backchannel-logout"
#define BCL_MAX_ALG	8

/* The algorithms accepted, and the key each needs (crv: EC curve, else 0). */
static const struct bcl_alg {
	const char	*name;
	cjose_jwk_kty_t	 kty;
	int		 crv;
} bcl_algs[] = {
	{ "RS256", CJOSE_JWK_KTY_RSA, 0 },
	{ "RS384", CJOSE_JWK_KTY_RSA, 0 },
	{ "RS512", CJOSE_JWK_KTY_RSA, 0 },
	{ "PS256", CJOSE_JWK_KTY_RSA, 0 },
	{ "PS384", CJOSE_JWK_KTY_RSA, 0 },
	{ "PS512", CJOSE_JWK_KTY_RSA, 0 },
	{ "ES256", CJOSE_JWK_KTY_EC, CJOSE_JWK_EC_P_256 },
	{ "ES384", CJOSE_JWK_KTY_EC, CJOSE_JWK_EC_P_384 },
	{ "ES512", CJOSE_JWK_KTY_EC, CJOSE_JWK_EC_P_521 },
};

struct bcl_key {
	cjose_jwk_t	*jwk;
	char		 kid[BCL_MAX_KID + 1];	/* "" when the JWK has none */
	char		 alg[BCL_MAX_ALG + 1];	/* the JWK's alg, "" when none */
};

/* A token whose header and claims passed, until it is answered. */
struct bcl_token {
	cjose_jws_t		*jws;
	const struct bcl_alg	*alg;
	char			 kid[BCL_MAX_KID + 1];
	int			 has_kid;
	char			 user_id[MAX_USERID + 1];
	uint8_t			 jti_hash[LOGIN_HASH_LEN];
	uint64_t		 until;		/* end of its iat window */
	char			 client[MAX_CLIENT + 1];
};

struct bcl_wait {
	struct bcl_wait		*next;
	struct ipc_conn		*conn;
	struct msg_hdr		 req;
	struct bcl_token	 t;
};

struct bcl_keys {
	struct bcl_key		 key[BCL_MAX_KEYS];
	size_t			 n;
	uint64_t		 fetched_ms;	/* monotonic start of the last fetch, 0: none */
	int			 fetching;
	int			 failed;	/* the last fetch failed */
	struct bcl_wait		*waiting;
	size_t			 nwaiting;
};

enum key_state { KEY_FOUND, KEY_UNKNOWN, KEY_MISFIT };

static uint64_t
now_sec(void)
{
	return (uint64_t)time(NULL);
}

static const struct bcl_alg *
alg_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(bcl_algs) / sizeof(bcl_algs[0]); i++)
		if (strcmp(bcl_algs[i].name, name) == 0)
			return &bcl_algs[i];
	return NULL;
}

/* --------------------------------------------------------------- the keys */

static void
keys_clear(struct bcl_keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		cjose_jwk_release(k->key[i].jwk);
	memset(k->key, 0, sizeof(k->key));
	k->n = 0;
}

/* Copies the optional string member key (at most max bytes) into dst: 0, or
 * -1 when it is of another type or too long. */
static int
opt_str(struct json_object *o, const char *key, size_t max, char *dst)
{
	const char	*s;
	int		 rc = json_str(o, key, max, &s);

	dst[0] = '\0';
	if (rc == 1)
		memcpy(dst, s, strlen(s) + 1);
	return rc == -1 ? -1 : 0;
}

/* One public signing key of the JWKS: 0, or -1 to skip it. */
static int
key_import(struct json_object *e, struct bcl_key *out)
{
	const char	*kty, *js;
	char		 use[8];
	cjose_err	 err;

	memset(out, 0, sizeof(*out));
	if (!json_object_is_type(e, json_type_object) || json_str(e, "kty", 8, &kty) != 1 ||
	    (strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0) ||
	    json_object_object_get_ex(e, "d", NULL))	/* private: not a JWKS */
		return -1;
	if (opt_str(e, "use", sizeof(use) - 1, use) == -1 ||
	    (use[0] != '\0' && strcmp(use, "sig") != 0) ||
	    opt_str(e, "kid", BCL_MAX_KID, out->kid) == -1 ||
	    opt_str(e, "alg", BCL_MAX_ALG, out->alg) == -1 ||
	    (out->alg[0] != '\0' && alg_find(out->alg) == NULL))
		return -1;
	js = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN);
	if (js == NULL || (out->jwk = cjose_jwk_import(js, strlen(js), &err)) == NULL)
		return -1;
	if (cjose_jwk_get_kty(out->jwk, &err) == CJOSE_JWK_KTY_RSA &&
	    cjose_jwk_get_keysize(out->jwk, &err) < BCL_MIN_RSA_BITS) {
		cjose_jwk_release(out->jwk);
		return -1;
	}
	return 0;
}

/* A JWKS document replaces the keys when it holds at least one usable key. */
static int
keys_load(struct bcl_keys *k, const uint8_t *body, size_t len, size_t *skipped,
    const char **why)
{
	struct json_object	*o, *keys;
	struct bcl_key		 nk[BCL_MAX_KEYS];
	size_t			 i, n, got = 0;

	if ((o = json_parse_object(body, len, JSON_MAX_DEPTH, why)) == NULL)
		return -1;
	if (!json_object_object_get_ex(o, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array)) {
		json_object_put(o);
		return *why = "no \"keys\" array", -1;
	}
	n = json_object_array_length(keys);
	for (i = 0; i < n && got < BCL_MAX_KEYS; i++)
		if (key_import(json_object_array_get_idx(keys, i), &nk[got]) == 0)
			got++;
	json_object_put(o);
	*skipped = n - got;
	if (got == 0)
		return *why = "no usable public signing key (RSA of 2048 bits or more, EC)", -1;
	keys_clear(k);
	memcpy(k->key, nk, got * sizeof(nk[0]));
	k->n = got;
	return 0;
}

static int
key_fits(const struct bcl_key *key, const struct bcl_alg *alg)
{
	cjose_err err;

	if (key->alg[0] != '\0' && strcmp(key->alg, alg->name) != 0)
		return 0;
	if (cjose_jwk_get_kty(key->jwk, &err) != alg->kty)
		return 0;
	return alg->kty != CJOSE_JWK_KTY_EC || cjose_jwk_EC_get_curve(key->jwk, &err) == alg->crv;
}

/* The key kid names (no kid: the only key), checked against alg. */
static enum key_state
key_find(const struct bcl_keys *k, const struct bcl_token *t, const struct bcl_key **out)
{
	size_t i;

	*out = NULL;
	if (k == NULL || k->n == 0)
		return KEY_UNKNOWN;
	if (!t->has_kid) {
		if (k->n != 1)
			return KEY_MISFIT;
		*out = &k->key[0];
	}
	for (i = 0; *out == NULL && i < k->n; i++)
		if (strcmp(k->key[i].kid, t->kid) == 0)
			*out = &k->key[i];
	if (*out == NULL)
		return KEY_UNKNOWN;
	return key_fits(*out, t->alg) ? KEY_FOUND : KEY_MISFIT;
}

void
backchannel_free(struct provider *p)
{
	if (p->keys == NULL)
		return;
	keys_clear(p->keys);
	free(p->keys);
	p->keys = NULL;
}

/* ------------------------------------------------------------- the token */

/* Hash of iss and jti: the replay cache's entry and the proof nonce's input. */
static void
jti_hash(const char *iss, const char *jti, uint8_t out[LOGIN_HASH_LEN])
{
	static const char		dom[] = "airlock logout jti v1";
	crypto_generichash_state	st;

	crypto_generichash_init(&st, (const uint8_t *)dom, sizeof(dom) - 1, LOGIN_HASH_LEN);
	crypto_generichash_update(&st, (const uint8_t *)iss, strlen(iss) + 1);
	crypto_generichash_update(&st, (const uint8_t *)jti, strlen(jti));
	crypto_generichash_final(&st, out, LOGIN_HASH_LEN);
}

/* The same token gives the same nonce on every authd node (the store spends it once). */
static void
logout_proof_nonce(const uint8_t h[LOGIN_HASH_LEN], uint8_t nonce[PROOF_NONCE_LEN])
{
	static const char dom[] = "airlock logout nonce v1";

	(void)crypto_generichash(nonce, PROOF_NONCE_LEN, h, LOGIN_HASH_LEN, (const uint8_t *)dom,
	    sizeof(dom) - 1);
}

static const char *
time_check(struct json_object *o, uint64_t now, int64_t *iat)
{
	int64_t	exp;
	int	rc;

	if (json_int(o, "iat", iat) != 1)
		return "no iat";
	if (*iat < 0 || (uint64_t)*iat + BCL_IAT_MAX_AGE < now)
		return "iat too old";
	if ((uint64_t)*iat > now + BCL_CLOCK_SKEW)
		return "iat in the future";
	if ((rc = json_int(o, "exp", &exp)) == -1)
		return "exp not an integer";
	if (rc == 1 && exp < (int64_t)now - BCL_CLOCK_SKEW)
		return "exp passed";
	return NULL;
}

static int
has_logout_event(struct json_object *o)
{
	struct json_object *ev, *v;

	return json_object_object_get_ex(o, "events", &ev) &&
	    json_object_is_type(ev, json_type_object) &&
	    json_object_object_get_ex(ev, BCL_EVENT, &v) &&
	    json_object_is_type(v, json_type_object);
}

static const char *
claims_check(const struct provider *p, struct json_object *o, uint64_t now, struct bcl_token *t)
{
	const char	*iss, *jti, *sub, *why;
	size_t		 n = strlen(p->name);
	int64_t		 iat;
	int		 rc;

	if (json_str(o, "iss", MAX_URL, &iss) != 1 || strcmp(iss, p->issuer) != 0)
		return "iss is not the provider's issuer";
	if (!aud_has(o, p->client_id))
		return "aud does not hold our client_id";
	if ((why = time_check(o, now, &iat)) != NULL)
		return why;
	if (!has_logout_event(o))
		return "events lacks the back-channel logout event";
	if (json_object_object_get_ex(o, "nonce", NULL))
		return "nonce present (logout tokens have none)";
	if (json_str(o, "jti", BCL_MAX_JTI, &jti) != 1 || jti[0] == '\0')
		return "no jti";
	if ((rc = json_str(o, "sub", MAX_SUBJECT, &sub)) == 0 &&
	    json_object_object_get_ex(o, "sid", NULL))
		return "sid without sub (airlock ends sessions by user and needs sub)";
	if (rc != 1 || !subject_ok(sub))
		return "no valid sub";
	if (n + 1 + strlen(sub) > MAX_USERID)
		return "sub too long";
	memcpy(t->user_id, p->name, n);
	t->user_id[n] = ':';
	memcpy(t->user_id + n + 1, sub, strlen(sub) + 1);
	jti_hash(iss, jti, t->jti_hash);
	t->until = (uint64_t)iat + BCL_IAT_MAX_AGE;
	return NULL;
}

static const char *
header_check(struct bcl_token *t, const char *jwt, size_t len)
{
	cjose_header_t	*h;
	const char	*kid, *p;
	char		*crit;
	cjose_err	 err;
	size_t		 dots = 0;

	for (p = jwt; (p = strchr(p, '.')) != NULL; p++)
		dots++;
	if (dots != 2)
		return "not a compact JWS (encrypted logout tokens are not supported)";
	if ((t->jws = cjose_jws_import(jwt, len, &err)) == NULL)
		return "not a JWS libcjose reads (malformed, or alg none or unknown)";
	h = cjose_jws_get_protected(t->jws);
	if ((t->alg = alg_find(cjose_header_get(h, CJOSE_HDR_ALG, &err))) == NULL)
		return "alg not accepted (only RS*, PS*, ES*; never none or HS*)";
	if ((crit = cjose_header_get_raw(h, "crit", &err)) != NULL) {
		free(crit);
		return "crit header present";
	}
	if ((kid = cjose_header_get(h, CJOSE_HDR_KID, &err)) != NULL) {
		if (strlen(kid) > BCL_MAX_KID)
			return "kid too long";
		memcpy(t->kid, kid, strlen(kid) + 1);
		t->has_kid = 1;
	}
	return NULL;
}

/* Everything but the signature and single use: NULL, or the reason. */
static const char *
token_check(const struct provider *p, const char *jwt, struct bcl_token *t)
{
	struct json_object	*o;
	uint8_t			*body;
	size_t			 blen;
	const char		*why;
	cjose_err		 err;

	if ((why = header_check(t, jwt, strlen(jwt))) != NULL)
		return why;
	if (!cjose_jws_get_plaintext(t->jws, &body, &blen, &err))
		return "no payload";
	if ((o = json_parse_object(body, blen, JSON_MAX_DEPTH, &why)) == NULL)
		return "payload is not a JSON object";
	why = claims_check(p, o, now_sec(), t);
	json_object_put(o);
	return why;
}

static void
token_clear(struct bcl_token *t)
{
	if (t->jws != NULL)
		cjose_jws_release(t->jws);
	sodium_memzero(t, sizeof(*t));
}

/* ----------------------------------------------------------- the answers */

static void
refuse(struct ipc_conn *c, const struct msg_hdr *h, const struct provider *p,
    const struct bcl_token *t, const char *why)
{
	log_warnx("back-channel logout %s from %s refused: %s", p->name, t->client, why);
	ipc_answer_status(c, h, ST_INVALID);
}

static void
answer_proof(struct ipc_conn *c, const struct msg_hdr *h, struct provider *p,
    const struct bcl_token *t)
{
	struct msg_auth_backchannel_r	 a;
	struct proof			 pr;
	struct mbuf			 m;
	int				 n;

	memset(&pr, 0, sizeof(pr));
	memset(&a, 0, sizeof(a));
	pr.purpose = PURPOSE_LOGOUT;
	pr.expires = now_sec() + PROOF_TTL;
	memcpy(pr.user_id, t->user_id, sizeof(pr.user_id));
	logout_proof_nonce(t->jti_hash, pr.nonce);
	pr.nonce_until = t->until;
	n = proof_sign(&pr, secret_open(p->ad->signkey), a.proof, sizeof(a.proof));
	secret_close(p->ad->signkey);
	sodium_memzero(&pr, sizeof(pr));
	if (n < 0) {
		log_warnx("back-channel logout %s: cannot sign the proof", p->name);
		ipc_answer_status(c, h, ST_INTERNAL);
		return;
	}
	a.proof_len = (size_t)n;
	memcpy(a.user_id, t->user_id, sizeof(a.user_id));
	if (msg_answer(&m, h, ST_OK, &a) == -1 || ipc_send(c, &m) == -1)
		log_warnx("back-channel logout %s of %s verified but the frontend has gone",
		    p->name, t->user_id);
	else
		log_info("back-channel logout %s: every session of %s to end (from %s)", p->name,
		    t->user_id, t->client);
}

/* The key is known: signature, then single use, then the proof. */
static void
token_finish(struct ipc_conn *c, const struct msg_hdr *h, struct provider *p,
    const struct bcl_token *t)
{
	const struct bcl_key	*key;
	struct authd		*ad = p->ad;
	cjose_err		 err;
	uint64_t		 now = now_sec();

	switch (key_find(p->keys, t, &key)) {
	case KEY_UNKNOWN:
		refuse(c, h, p, t, "kid not in the provider's JWKS");
		return;
	case KEY_MISFIT:
		refuse(c, h, p, t, t->has_kid ? "the key kid names does not fit alg" :
		    "no kid, and the JWKS does not hold exactly one key");
		return;
	case KEY_FOUND:
		break;
	}
	if (!cjose_jws_verify(t->jws, key->jwk, &err)) {
		refuse(c, h, p, t, "bad signature");
		return;
	}
	if (replay_seen(ad->replay, t->jti_hash, now)) {
		refuse(c, h, p, t, "jti already used");
		return;
	}
	if (replay_add(ad->replay, t->jti_hash, t->until, now) != ST_OK) {
		log_warnx("back-channel logout %s: too many tokens to remember", p->name);
		ipc_answer_status(c, h, ST_BUSY);
		return;
	}
	answer_proof(c, h, p, t);
}

/* ------------------------------------------------------------ the fetch */

static void
wait_free(struct bcl_wait *w)
{
	ipc_conn_unref(w->conn);
	token_clear(&w->t);
	free(w);
}

static uint8_t
fetch_result(struct provider *p, const struct http_resp *r)
{
	const char	*why;
	size_t		 skipped = 0;

	if (r->result == HTTP_EABORT)
		return ST_INTERNAL;
	if (r->result != HTTP_OK) {
		log_warnx("provider %s: JWKS %s: %s", p->name, p->jwks_url,
		    r->result == HTTP_ETOOBIG ? "answer too large" : r->error);
		return r->result == HTTP_ETIMEOUT ? ST_TIMEOUT : ST_PROVIDER_ERROR;
	}
	if (r->status != 200) {
		log_warnx("provider %s: JWKS %s answered HTTP %ld", p->name, p->jwks_url,
		    r->status);
		return ST_PROVIDER_ERROR;
	}
	if (keys_load(p->keys, r->body, r->len, &skipped, &why) == -1) {
		log_warnx("provider %s: JWKS %s: %s", p->name, p->jwks_url, why);
		return ST_PROVIDER_ERROR;
	}
	log_info("provider %s: JWKS: %zu keys%s", p->name, p->keys->n,
	    skipped > 0 ? " (others skipped: not public RSA/EC signing keys, or over the "
	    "limit)" : "");
	return ST_OK;
}

static void
keys_fetched(void *arg, const struct http_resp *r)
{
	struct provider	*p = arg;
	struct bcl_keys	*k = p->keys;
	struct bcl_wait	*w, *next;
	uint8_t		 st;

	k->fetching = 0;
	st = fetch_result(p, r);
	k->failed = st != ST_OK;
	w = k->waiting;
	k->waiting = NULL;
	k->nwaiting = 0;
	for (; w != NULL; w = next) {
		next = w->next;
		if (st == ST_OK)
			token_finish(w->conn, &w->req, p, &w->t);
		else
			ipc_answer_status(w->conn, &w->req, st);
		wait_free(w);
	}
}

static int
fetch_allowed(const struct bcl_keys *k)
{
	return k->fetching || k->fetched_ms == 0 ||
	    mono_ms() - k->fetched_ms >= (uint64_t)BCL_REFETCH_SEC * 1000;
}

static int
fetch_start(struct provider *p)
{
	struct http_request	q;
	struct bcl_keys		*k = p->keys;

	if (k->fetching)
		return 0;
	memset(&q, 0, sizeof(q));
	q.url = p->jwks_url;
	q.accept = "application/jwk-set+json, application/json";
	k->fetched_ms = mono_ms();
	if (http_start(p->ad->http, &q, keys_fetched, p) == -1)
		return -1;
	k->fetching = 1;
	log_info("provider %s: fetching its keys (JWKS) for back-channel logout", p->name);
	return 0;
}

/* Waits for the provider's keys: ST_OK (the token is taken over), ST_INVALID
 * (refused and answered), else the status to answer. */
static uint8_t
token_wait(struct ipc_conn *c, const struct msg_hdr *h, struct provider *p, struct bcl_token *t)
{
	struct bcl_wait *w;

	if (p->keys == NULL && (p->keys = calloc(1, sizeof(*p->keys))) == NULL)
		return ST_INTERNAL;
	if (!fetch_allowed(p->keys) && p->keys->failed) {
		log_warnx("back-channel logout %s: no keys (the last JWKS fetch failed; next "
		    "try at most %d s after it)", p->name, BCL_REFETCH_SEC);
		return ST_PROVIDER_ERROR;
	}
	if (!fetch_allowed(p->keys)) {
		refuse(c, h, p, t, "kid unknown, and the JWKS was fetched less than "
		    "60 s ago");
		return ST_INVALID;
	}
	if (p->keys->nwaiting >= BCL_MAX_WAITING) {
		log_warnx("back-channel logout %s: %d tokens wait for its keys already", p->name,
		    BCL_MAX_WAITING);
		return ST_BUSY;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ST_INTERNAL;
	if (fetch_start(p) == -1) {
		free(w);
		log_warnx("provider %s: cannot start the JWKS request", p->name);
		return ST_INTERNAL;
	}
	w->conn = c;
	w->req = *h;
	w->t = *t;
	memset(t, 0, sizeof(*t));	/* w owns the JWS now */
	ipc_conn_ref(c);
	w->next = p->keys->waiting;
	p->keys->waiting = w;
	p->keys->nwaiting++;
	return ST_OK;
}

/* --------------------------------------------------------------- request */

int
authd_req_backchannel(struct ipc_conn *c, const struct msg_hdr *h, const void *msg)
{
	const struct msg_auth_backchannel	*q = msg;
	struct authd				*ad = ipc_conn_ctx(c);
	struct provider				*p;
	struct bcl_token			 t;
	const struct bcl_key			*key;
	const char				*why;
	uint8_t					 st;

	memset(&t, 0, sizeof(t));
	snprintf(t.client, sizeof(t.client), "%s", q->client);
	if ((p = provider_find(ad, q->provider, NULL)) == NULL || !p->backchannel) {
		log_info("back-channel logout from %s: %s", t.client, p == NULL ?
		    "no such provider" : "not enabled for this provider");
		ipc_answer_status(c, h, ST_NOTFOUND);
		return 0;
	}
	if (!p->ready || p->jwks_url == NULL) {
		log_warnx("back-channel logout %s: provider not ready (discovery)", p->name);
		ipc_answer_status(c, h, ST_PROVIDER_ERROR);
		return 0;
	}
	if ((why = token_check(p, q->logout_token, &t)) != NULL)
		refuse(c, h, p, &t, why);
	else if (replay_seen(ad->replay, t.jti_hash, now_sec()))
		refuse(c, h, p, &t, "jti already used");
	else if (key_find(p->keys, &t, &key) != KEY_UNKNOWN)
		token_finish(c, h, p, &t);
	else if ((st = token_wait(c, h, p, &t)) != ST_OK && st != ST_INVALID)
		ipc_answer_status(c, h, st);
	token_clear(&t);
	return 0;
}
