#include "proof.h"

#include <string.h>

static int
proof_encode(const struct proof *p, struct mbuf *m)
{
	m_init(m, 0, 0);
	m_add_u8(m, PROOF_VERSION);
	m_add_u8(m, p->purpose);
	m_add_u64(m, p->expires);
	m_add_bytes(m, p->nonce, sizeof(p->nonce));
	m_add_str(m, p->user_id, MAX_USERID);
	m_add_str(m, p->name, MAX_NAME);
	m_add_blob(m, p->grant, p->grant_len);
	m_add_blob(m, p->ref, p->ref_len);
	return m_finish(m);
}

int
proof_sign(struct proof *p, const uint8_t sk[crypto_sign_SECRETKEYBYTES], uint8_t *out, size_t outmax)
{
	struct mbuf		 m;
	unsigned long long	 siglen;
	size_t			 len;

	if ((p->grant_len != 0 && p->grant_len != GRANT_LEN) ||
	    (p->ref_len != 0 && p->ref_len != REF_LEN))
		return -1;
	if (p->expires == 0)
		return -1;
	randombytes_buf(p->nonce, sizeof(p->nonce));
	if (proof_encode(p, &m) == -1)
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

int
proof_verify(const uint8_t *in, size_t len, const uint8_t pk[crypto_sign_PUBLICKEYBYTES],
    uint64_t now, struct proof *p)
{
	uint8_t			 body[MAX_PROOF];
	unsigned long long	 blen;
	struct mreader		 r;

	memset(p, 0, sizeof(*p));
	if (len < crypto_sign_BYTES || len > MAX_PROOF)
		return -1;
	if (crypto_sign_open(body, &blen, in, len, pk) != 0)
		return -1;
	m_reader(&r, body, blen);
	if (m_get_u8(&r) != PROOF_VERSION)
		return -1;
	p->purpose = m_get_u8(&r);
	p->expires = m_get_u64(&r);
	m_get_bytes(&r, p->nonce, sizeof(p->nonce));
	m_get_str(&r, p->user_id, MAX_USERID);
	m_get_str(&r, p->name, MAX_NAME);
	m_get_blob(&r, p->grant, GRANT_LEN, &p->grant_len);
	m_get_blob(&r, p->ref, REF_LEN, &p->ref_len);
	if (m_end(&r) == -1 || p->user_id[0] == '\0')
		return -1;
	if ((p->purpose != PURPOSE_WEB && p->purpose != PURPOSE_CLI) ||
	    (p->grant_len != 0 && p->grant_len != GRANT_LEN) ||
	    (p->ref_len != 0 && p->ref_len != REF_LEN))
		return -1;
	if (p->expires < now || p->expires > now + PROOF_TTL + 5)
		return -2;
	return 0;
}
