#include "pending.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"

struct pending {
	struct pending_login	*v;
	size_t			 n;
	size_t			 max;
	unsigned		 ttl;
};

struct pending *
pending_new(size_t max, unsigned ttl_sec)
{
	struct pending *p;

	if (max == 0 || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->v = calloc(max, sizeof(*p->v))) == NULL) {
		free(p);
		return NULL;
	}
	p->max = max;
	p->ttl = ttl_sec;
	return p;
}

void
pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p->v, p->max * sizeof(*p->v));
	free(p->v);
	free(p);
}

size_t
pending_count(const struct pending *p)
{
	return p->n;
}

unsigned
pending_ttl(const struct pending *p)
{
	return p->ttl;
}

static void
pending_remove(struct pending *p, size_t i)
{
	p->v[i] = p->v[p->n - 1];
	sodium_memzero(&p->v[p->n - 1], sizeof(p->v[0]));
	p->n--;
}

void
pending_sweep(struct pending *p, uint64_t now)
{
	size_t i = 0;

	while (i < p->n)
		if (p->v[i].expires + p->ttl < now)
			pending_remove(p, i);
		else
			i++;
}

/* Full: first forget every expired entry, then refuse. */
static int
pending_room(struct pending *p, uint64_t now)
{
	size_t i = 0;

	if (p->n < p->max)
		return 1;
	while (i < p->n)
		if (p->v[i].expires <= now)
			pending_remove(p, i);
		else
			i++;
	return p->n < p->max;
}

static void
random_b64(char *out, size_t chars)
{
	uint8_t raw[32];

	randombytes_buf(raw, sizeof(raw));
	b64_encode(out, raw, sizeof(raw));
	out[chars] = '\0';
	sodium_memzero(raw, sizeof(raw));
}

static void
hash_str(uint8_t out[crypto_generichash_BYTES], const void *s, size_t n)
{
	crypto_generichash(out, crypto_generichash_BYTES, s, n, NULL, 0);
}

int
pending_add(struct pending *p, uint64_t now, size_t provider, uint8_t purpose,
    const uint8_t *ref, size_t ref_len, char state[STATE_LEN + 1],
    uint8_t binding[BINDING_LEN], char challenge[PKCE_VERIFIER_LEN + 1],
    char nonce[OIDC_NONCE_LEN + 1])
{
	struct pending_login	*e;
	uint8_t			 sha[crypto_hash_sha256_BYTES];

	if (ref_len > REF_LEN || !pending_room(p, now))
		return ST_BUSY;
	e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	random_b64(state, STATE_LEN);
	randombytes_buf(binding, BINDING_LEN);
	random_b64(e->verifier, PKCE_VERIFIER_LEN);
	random_b64(e->nonce, OIDC_NONCE_LEN);
	hash_str(e->state_hash, state, STATE_LEN);
	hash_str(e->binding_hash, binding, BINDING_LEN);
	crypto_hash_sha256(sha, (const uint8_t *)e->verifier, PKCE_VERIFIER_LEN);
	b64_encode(challenge, sha, sizeof(sha));
	memcpy(nonce, e->nonce, OIDC_NONCE_LEN + 1);
	e->provider = provider;
	e->purpose = purpose;
	if (ref_len > 0)
		memcpy(e->ref, ref, ref_len);
	e->ref_len = ref_len;
	e->expires = now + p->ttl;
	return ST_OK;
}

int
pending_take(struct pending *p, uint64_t now, const char *state, const uint8_t *binding,
    size_t binding_len, struct pending_login *out)
{
	uint8_t	 h[crypto_generichash_BYTES];
	size_t	 i;
	int	 st;

	memset(out, 0, sizeof(*out));
	hash_str(h, state, strlen(state));
	for (i = 0; i < p->n; i++)
		if (memcmp(p->v[i].state_hash, h, sizeof(h)) == 0)
			break;
	if (i == p->n)
		return ST_NOTFOUND;
	*out = p->v[i];
	pending_remove(p, i);	/* single use, whatever happens next */
	hash_str(h, binding, binding_len);
	if (binding_len != BINDING_LEN ||
	    sodium_memcmp(h, out->binding_hash, sizeof(h)) != 0)
		st = ST_NOTFOUND;
	else if (out->expires <= now)
		st = ST_EXPIRED;
	else
		return ST_OK;
	sodium_memzero(out, sizeof(*out));
	return st;
}
