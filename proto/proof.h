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

#define PROOF_VERSION	3
#define PROOF_TTL	120
/* nonce_until is at most this long after expires ([authd] login_ttl_sec's bound). */
#define PROOF_NONCE_KEEP_MAX	3600

/* struct proof (its fields: msgtab.h's L_proof) is what is signed. */

enum proof_result {
	PROOF_OK = 0,
	PROOF_BAD,		/* signature, layout or field values */
	PROOF_EXPIRED,
};

/* Fills the version and signs; the caller sets expires, the nonce (derived
 * from the login, never all zero) and nonce_until.  Returns the proof length
 * or -1. */
int	proof_sign(struct proof *, const uint8_t sk[crypto_sign_SECRETKEYBYTES],
	    uint8_t *out, size_t outmax);
/* The purpose a proof states, read WITHOUT checking its signature: only for
 * routing it (the store verifies); 0 when it does not look like a proof. */
uint8_t	proof_purpose_unverified(const uint8_t *in, size_t len);
/* The fields of a proof read WITHOUT checking its signature, for the
 * frontend to hand the sealed grant of a proof the store refused back to
 * authd: 0, or -1 when it does not look like a proof. */
int	proof_read_unverified(const uint8_t *in, size_t len, struct proof *);
/* Signature, layout and bounds; expiry is checked against now. */
enum proof_result proof_verify(const uint8_t *in, size_t len, const uint8_t pk[crypto_sign_PUBLICKEYBYTES],
	    uint64_t now, struct proof *);
/* Until when the store must keep a verified proof's nonce spent: the later
 * of expires and nonce_until. */
uint64_t proof_nonce_expiry(const struct proof *);

#endif
