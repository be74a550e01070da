#include "proof.h"

#include <string.h>

static int
nonce_set(const struct proof *p)
{
	static const uint8_t zero[PROOF_NONCE_LEN];

	return sodium_memcmp(p->nonce, zero, PROOF_NONCE_LEN) != 0;
}

static int
nonce_until_ok(const struct proof *p)
{
	return p->nonce_until <= p->expires + PROOF_NONCE_KEEP_MAX;
}

int
proof_sign(struct proof *p, const uint8_t sk[crypto_sign_SECRETKEYBYTES], uint8_t *out, size_t outmax)
{
	struct mbuf		 m;
	unsigned long long	 siglen;
	size_t			 len;

	if (p->expires == 0 || !nonce_set(p) || !nonce_until_ok(p))
		return -1;
	p->version = PROOF_VERSION;
	m_init(&m, 0, 0);
	msg_pack(&m, &msg_layout_proof, p);
	if (m_finish(&m) == -1)
		return -1;
	len = m.len - MSG_HDR_LEN;
	if (len + crypto_sign_BYTES > outmax || len + crypto_sign_BYTES > MAX_PROOF)
		return -1;
	if (crypto_sign(out, &siglen, m.data + MSG_HDR_LEN, len, sk) != 0)
		return -1;
	return (int)siglen;
}

uint8_t
proof_purpose_unverified(const uint8_t *in, size_t len)
{
	/* combined mode: the signature, then the signed bytes (version, purpose, ...) */
	if (len < crypto_sign_BYTES + 2 || len > MAX_PROOF || in[crypto_sign_BYTES] != PROOF_VERSION)
		return 0;
	return in[crypto_sign_BYTES + 1];
}

/* The signed bytes of a proof into p: 0, or -1 (p zeroed) when they do not
 * decode as a proof of PROOF_VERSION. */
static int
proof_unpack(const uint8_t *body, size_t blen, struct proof *p)
{
	struct mreader r;

	m_reader(&r, body, blen);
	msg_unpack(&r, &msg_layout_proof, p);
	if (m_end(&r) == -1 || p->version != PROOF_VERSION) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	return 0;
}

int
proof_read_unverified(const uint8_t *in, size_t len, struct proof *p)
{
	memset(p, 0, sizeof(*p));
	if (len < crypto_sign_BYTES || len > MAX_PROOF)
		return -1;
	/* combined mode: the signature, then the signed bytes */
	return proof_unpack(in + crypto_sign_BYTES, len - crypto_sign_BYTES, p);
}

enum proof_result
proof_verify(const uint8_t *in, size_t len, const uint8_t pk[crypto_sign_PUBLICKEYBYTES],
    uint64_t now, struct proof *p)
{
	uint8_t			 body[MAX_PROOF];
	unsigned long long	 blen;

	memset(p, 0, sizeof(*p));
	if (len < crypto_sign_BYTES || len > MAX_PROOF)
		return PROOF_BAD;
	if (crypto_sign_open(body, &blen, in, len, pk) != 0)
		return PROOF_BAD;
	if (proof_unpack(body, (size_t)blen, p) == -1 || p->user_id[0] == '\0' ||
	    p->purpose < PURPOSE_WEB || p->purpose > PURPOSE_LOGOUT || !nonce_set(p) ||
	    !nonce_until_ok(p))
		return PROOF_BAD;
	if (p->expires < now || p->expires > now + PROOF_TTL + 5)
		return PROOF_EXPIRED;
	return PROOF_OK;
}

uint64_t
proof_nonce_expiry(const struct proof *p)
{
	return p->nonce_until > p->expires ? p->nonce_until : p->expires;
}
