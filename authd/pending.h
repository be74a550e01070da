/*
 * Logins in progress: one entry per LOGIN_START, found again by the hash of
 * its state, taken out (single use) by the first LOGIN_FINISH that names it,
 * whatever the outcome.  Bounded; an entry stays answerable as "expired" for
 * one more TTL after it expires, then it is swept.
 */
#ifndef AIRLOCK_AUTHD_PENDING_H
#define AIRLOCK_AUTHD_PENDING_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "msg.h"

#define PKCE_VERIFIER_LEN	43	/* base64url of 32 random bytes */
#define OIDC_NONCE_LEN		43
#define STATE_LEN		43

struct pending_login {
	uint8_t		state_hash[crypto_generichash_BYTES];
	uint8_t		binding_hash[crypto_generichash_BYTES];
	char		verifier[PKCE_VERIFIER_LEN + 1];
	char		nonce[OIDC_NONCE_LEN + 1];
	size_t		provider;	/* index into authd's table */
	uint8_t		purpose;
	uint8_t		ref[REF_LEN];
	size_t		ref_len;
	uint64_t	expires;
};

struct pending;

struct pending *pending_new(size_t max, unsigned ttl_sec);
void	pending_free(struct pending *);
size_t	pending_count(const struct pending *);
unsigned pending_ttl(const struct pending *);

/*
 * Fills state (NUL-terminated, STATE_LEN chars), binding (raw), verifier,
 * challenge (base64url SHA-256 of the verifier) and nonce for a new login and
 * remembers it; ST_OK, or ST_BUSY when the table is full of live logins.
 */
int	pending_add(struct pending *, uint64_t now, size_t provider, uint8_t purpose,
	    const uint8_t *ref, size_t ref_len, char state[STATE_LEN + 1],
	    uint8_t binding[BINDING_LEN], char challenge[PKCE_VERIFIER_LEN + 1],
	    char nonce[OIDC_NONCE_LEN + 1]);

/* Removes the entry of this state (if any) and checks it: ST_OK with *out
 * filled, ST_NOTFOUND (unknown, replayed, wrong binding), ST_EXPIRED. */
int	pending_take(struct pending *, uint64_t now, const char *state,
	    const uint8_t *binding, size_t binding_len, struct pending_login *out);

/* Drops entries expired for longer than one TTL. */
void	pending_sweep(struct pending *, uint64_t now);

#endif
