/*
 * Logins in progress, kept by nobody: LOGIN_START seals one (provider,
 * purpose, pairing reference, PKCE verifier, OIDC nonce, hash of the state,
 * expiry) with crypto_secretbox under login.key, and the sealed box is the
 * browser's pre-login cookie.  LOGIN_FINISH opens it and checks that the
 * state matches and has not expired; single use is the replay cache's job
 * (replay.c) on one node and the store's, through the proof nonce derived
 * from the state, across nodes.  A box from another key, tampered or truncated, does not open.
 */
#ifndef AIRLOCK_AUTHD_LOGINSEAL_H
#define AIRLOCK_AUTHD_LOGINSEAL_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "msg.h"

#define PKCE_VERIFIER_LEN	43	/* base64url of 32 random bytes */
#define OIDC_NONCE_LEN		43
#define STATE_LEN		43
#define LOGIN_KEY_LEN		crypto_secretbox_KEYBYTES
#define LOGIN_HASH_LEN		crypto_generichash_BYTES
/* version, provider (zero padded), purpose, ref length, ref, verifier, nonce,
 * state hash, expiry */
#define LOGIN_PLAIN_LEN		(1 + MAX_PROVIDER + 1 + 1 + REF_LEN + 32 + 32 + \
				 LOGIN_HASH_LEN + 8)
#define LOGIN_BOX_LEN		(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + \
				 LOGIN_PLAIN_LEN)

_Static_assert(LOGIN_BOX_LEN <= BINDING_MAX, "a sealed login must fit the binding field");

struct pending_login {
	char		provider[MAX_PROVIDER + 1];
	uint8_t		purpose;
	uint8_t		ref[REF_LEN];
	size_t		ref_len;
	char		verifier[PKCE_VERIFIER_LEN + 1];
	char		nonce[OIDC_NONCE_LEN + 1];
	uint8_t		state_hash[LOGIN_HASH_LEN];
	uint64_t	expires;
};

/*
 * A new login for provider: fills state (STATE_LEN chars), challenge (S256 of
 * the verifier) and nonce, and box with the sealed login (LOGIN_BOX_LEN
 * bytes).  0, or -1 for a name or ref that does not fit.
 */
int	loginseal_new(const uint8_t key[LOGIN_KEY_LEN], const char *provider, uint8_t purpose,
	    const uint8_t *ref, size_t ref_len, uint64_t expires, char state[STATE_LEN + 1],
	    char challenge[PKCE_VERIFIER_LEN + 1], char nonce[OIDC_NONCE_LEN + 1],
	    uint8_t box[LOGIN_BOX_LEN]);

/*
 * The nonce of the login proof of the login whose state hashes to state_hash:
 * BLAKE2b keyed with a domain string, PROOF_NONCE_LEN bytes.  The same login
 * gives the same nonce on every authd node, so the store, which spends each
 * nonce once, refuses a second proof of one login wherever it was made.
 */
void	loginseal_proof_nonce(const uint8_t state_hash[LOGIN_HASH_LEN],
	    uint8_t nonce[PROOF_NONCE_LEN]);

/*
 * Opens box and checks it against the state the provider sent back, in this
 * order: ST_NOTFOUND (no box, does not open, other state), ST_EXPIRED, or
 * ST_OK with *out filled.  Nothing is remembered either way.
 */
int	loginseal_open(const uint8_t key[LOGIN_KEY_LEN], const uint8_t *box, size_t len,
	    const char *state, uint64_t now, struct pending_login *out);

#endif
