/*
 * Login proofs (security property 2 in README): authd signs, store verifies.
 * A proof is crypto_sign (Ed25519, combined mode) over the proof layout of
 * msgtab.h.  The store accepts each nonce once and only before expiry.
 */
#ifndef AIRLOCK_PROOF_H
#define AIRLOCK_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "msg.h"

#define PROOF_VERSION	1
#define PROOF_TTL	120

/* struct proof (its fields: msgtab.h's L_proof) is what is signed. */

enum proof_result {
	PROOF_OK = 0,
	PROOF_BAD,		/* signature, layout or field values */
	PROOF_EXPIRED,
};

/* Fills the version and nonce and signs (the caller sets expires); returns the proof length or -1. */
int	proof_sign(struct proof *, const uint8_t sk[crypto_sign_SECRETKEYBYTES],
	    uint8_t *out, size_t outmax);
/* The purpose a proof states, read WITHOUT checking its signature: only for
 * routing it (the store verifies); 0 when it does not look like a proof. */
uint8_t	proof_purpose_unverified(const uint8_t *in, size_t len);
/* Signature, layout and bounds; expiry is checked against now. */
enum proof_result proof_verify(const uint8_t *in, size_t len, const uint8_t pk[crypto_sign_PUBLICKEYBYTES],
	    uint64_t now, struct proof *);

#endif
