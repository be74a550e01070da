#include "loginseal.h"

#include <string.h>

#include "b64.h"

#define LOGIN_VERSION	1

static void
state_hash(uint8_t out[LOGIN_HASH_LEN], const char *state, size_t n)
{
	static const char dom[] = "airlock login state v1";

	crypto_generichash(out, LOGIN_HASH_LEN, (const uint8_t *)state, n,
	    (const uint8_t *)dom, sizeof(dom) - 1);
}

void
loginseal_proof_nonce(const uint8_t state_hash[LOGIN_HASH_LEN], uint8_t nonce[PROOF_NONCE_LEN])
{
	static const char dom[] = "airlock proof nonce v1";

	_Static_assert(PROOF_NONCE_LEN >= crypto_generichash_BYTES_MIN &&
	    PROOF_NONCE_LEN <= crypto_generichash_BYTES_MAX, "a BLAKE2b output size");
	_Static_assert(sizeof(dom) - 1 >= crypto_generichash_KEYBYTES_MIN, "a BLAKE2b key size");
	(void)crypto_generichash(nonce, PROOF_NONCE_LEN, state_hash, LOGIN_HASH_LEN,
	    (const uint8_t *)dom, sizeof(dom) - 1);
}

static void
u64_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
u64_get(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
pack(uint8_t p[LOGIN_PLAIN_LEN], const struct pending_login *l, const uint8_t verifier[32],
    const uint8_t nonce[32])
{
	size_t o = 0;

	memset(p, 0, LOGIN_PLAIN_LEN);
	p[o++] = LOGIN_VERSION;
	memcpy(p + o, l->provider, strlen(l->provider));
	o += MAX_PROVIDER;
	p[o++] = l->purpose;
	p[o++] = (uint8_t)l->ref_len;
	memcpy(p + o, l->ref, l->ref_len);
	o += REF_LEN;
	memcpy(p + o, verifier, 32);
	o += 32;
	memcpy(p + o, nonce, 32);
	o += 32;
	memcpy(p + o, l->state_hash, LOGIN_HASH_LEN);
	o += LOGIN_HASH_LEN;
	u64_put(p + o, l->expires);
}

/* Only boxes we sealed open, so a bad field here means a bug or a leaked key. */
static int
unpack(const uint8_t p[LOGIN_PLAIN_LEN], struct pending_login *l)
{
	size_t o = 1;

	if (p[0] != LOGIN_VERSION)
		return -1;
	memcpy(l->provider, p + o, MAX_PROVIDER);
	l->provider[MAX_PROVIDER] = '\0';
	o += MAX_PROVIDER;
	l->purpose = p[o++];
	l->ref_len = p[o++];
	if (l->ref_len > REF_LEN)
		return -1;
	memcpy(l->ref, p + o, l->ref_len);
	o += REF_LEN;
	b64_encode(l->verifier, p + o, 32);
	o += 32;
	b64_encode(l->nonce, p + o, 32);
	o += 32;
	memcpy(l->state_hash, p + o, LOGIN_HASH_LEN);
	o += LOGIN_HASH_LEN;
	l->expires = u64_get(p + o);
	return 0;
}

int
loginseal_new(const uint8_t key[LOGIN_KEY_LEN], const char *provider, uint8_t purpose,
    const uint8_t *ref, size_t ref_len, uint64_t expires, char state[STATE_LEN + 1],
    char challenge[PKCE_VERIFIER_LEN + 1], char nonce[OIDC_NONCE_LEN + 1],
    uint8_t box[LOGIN_BOX_LEN])
{
	struct pending_login	l;
	uint8_t			raw[32], verifier[32], nraw[32], sha[crypto_hash_sha256_BYTES];
	uint8_t			plain[LOGIN_PLAIN_LEN];
	char			v64[PKCE_VERIFIER_LEN + 1];

	if (strlen(provider) > MAX_PROVIDER || ref_len > REF_LEN)
		return -1;
	memset(&l, 0, sizeof(l));
	memcpy(l.provider, provider, strlen(provider));
	l.purpose = purpose;
	if (ref_len > 0)
		memcpy(l.ref, ref, ref_len);
	l.ref_len = ref_len;
	l.expires = expires;
	randombytes_buf(raw, sizeof(raw));
	b64_encode(state, raw, sizeof(raw));
	state_hash(l.state_hash, state, STATE_LEN);
	randombytes_buf(verifier, sizeof(verifier));
	b64_encode(v64, verifier, sizeof(verifier));
	crypto_hash_sha256(sha, (const uint8_t *)v64, PKCE_VERIFIER_LEN);
	b64_encode(challenge, sha, sizeof(sha));
	randombytes_buf(nraw, sizeof(nraw));
	b64_encode(nonce, nraw, sizeof(nraw));
	pack(plain, &l, verifier, nraw);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plain, sizeof(plain), box, key);
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(verifier, sizeof(verifier));
	sodium_memzero(v64, sizeof(v64));
	sodium_memzero(nraw, sizeof(nraw));
	sodium_memzero(&l, sizeof(l));
	return 0;
}

int
loginseal_open(const uint8_t key[LOGIN_KEY_LEN], const uint8_t *box, size_t len,
    const char *state, uint64_t now, struct pending_login *out)
{
	uint8_t	plain[LOGIN_PLAIN_LEN], h[LOGIN_HASH_LEN];
	int	st = ST_NOTFOUND;

	memset(out, 0, sizeof(*out));
	if (len != LOGIN_BOX_LEN || crypto_secretbox_open_easy(plain,
	    box + crypto_secretbox_NONCEBYTES, len - crypto_secretbox_NONCEBYTES, box, key) != 0)
		return ST_NOTFOUND;
	state_hash(h, state, strlen(state));
	if (unpack(plain, out) == 0 && sodium_memcmp(h, out->state_hash, sizeof(h)) == 0)
		st = out->expires <= now ? ST_EXPIRED : ST_OK;
	sodium_memzero(plain, sizeof(plain));
	if (st != ST_OK)
		sodium_memzero(out, sizeof(*out));
	return st;
}
