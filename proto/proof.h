/*
 * Login proofs (security property 2 in README): authd signs, store verifies.
 * A proof is crypto_sign (Ed25519, combined mode) over:
 *	u8 version, u8 purpose, u64 expires (unix s), bytes16 nonce,
 *	str user_id, str name, blob grant (0 or GRANT_LEN), blob ref (0 or REF_LEN)
 * The store accepts each nonce once and only before expiry.
 */
#ifndef AIRLOCK_PROOF_H
#define AIRLOCK_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "msg.h"

#define PROOF_VERSION	1
#define PROOF_TTL	120
#define PROOF_NONCE_LEN	16

struct proof {
	uint8_t		purpose;
	uint64_t	expires;
	uint8_t		nonce[PROOF_NONCE_LEN];
	char		user_id[MAX_USERID + 1];
	char		name[MAX_NAME + 1];
	uint8_t		grant[GRANT_LEN];
	size_t		grant_len;
	uint8_t		ref[REF_LEN];
	size_t		ref_len;
};

/* Fills the nonce and signs (the caller sets expires); returns the proof length or -1. */
int	proof_sign(struct proof *, const uint8_t sk[crypto_sign_SECRETKEYBYTES],
	    uint8_t *out, size_t outmax);
/* The purpose a proof states, read WITHOUT checking its signature: only for
 * routing it (the store verifies); 0 when it does not look like a proof. */
uint8_t	proof_purpose_unverified(const uint8_t *in, size_t len);
/* Signature, layout and bounds; expiry is checked against now. 0 ok, -1 bad, -2 expired. */
int	proof_verify(const uint8_t *in, size_t len, const uint8_t pk[crypto_sign_PUBLICKEYBYTES],
	    uint64_t now, struct proof *);

#endif
