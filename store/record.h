/*
 * What airlock-store keeps in LMDB, and how each value is laid out.
 *
 * Values are laid out by the IPC codec (msgtab.h: user_rec, session_rec,
 * pair_rec, each starting with a u8 record version) and decoded as strictly
 * as a message: a value that does not decode is reported as corrupt, never
 * trusted.
 *
 *	users	  user_id			-> user
 *	sessions  BLAKE2b(token)		-> session
 *	byuser	  user_id NUL sid		-> BLAKE2b(token)
 *	pairs	  BLAKE2b(paircode)		-> pairing
 *	refs	  ref (pending pairings only)	-> BLAKE2b(paircode)
 *	byaddr	  client NUL ref (pending only)	-> BLAKE2b(paircode)
 *	nonces	  proof nonce			-> u64 expires
 */
#ifndef AIRLOCK_STORE_RECORD_H
#define AIRLOCK_STORE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "text.h"	/* paircode_valid */

#define RECORD_VERSION	1
#define HASH_LEN	32		/* crypto_generichash_BYTES */
#define RECORD_MAX	1024		/* every record fits, with room */
#define BYUSER_KEY_MAX	(MAX_USERID + 1 + SID_LEN)
#define BYADDR_KEY_MAX	(MAX_CLIENT + 1 + REF_LEN)
#define USER_CODE_ALPHABET	"BCDFGHJKLMNPQRSTVWXZ"	/* RFC 8628 6.1: no vowels, no 0/O 1/I */

/* The records are struct user_rec, session_rec and pair_rec,
 * declared with the IPC messages in msgtab.h; each starts with its version. */

enum pair_state { PAIR_PENDING = 1, PAIR_APPROVED, PAIR_TAKEN, PAIR_DENIED };

/* Encoders return the value length written to out (RECORD_MAX bytes), or -1. */
int	user_encode(const struct user_rec *, uint8_t *out);
int	session_encode(const struct session_rec *, uint8_t *out);
int	pair_encode(const struct pair_rec *, uint8_t *out);
/* Decoders return 0, or -1 when the value is not a well-formed record. */
int	user_decode(const uint8_t *, size_t, struct user_rec *);
int	session_decode(const uint8_t *, size_t, struct session_rec *);
int	pair_decode(const uint8_t *, size_t, struct pair_rec *);

/* byuser key; returns its length.  prefix_only: user_id NUL, for a range scan. */
size_t	byuser_key(uint8_t *out, const char *user_id, const uint8_t *sid, int prefix_only);
/* byaddr key; returns its length.  ref NULL: client NUL, for a range scan. */
size_t	byaddr_key(uint8_t *out, const char *client, const uint8_t *ref);

/* Random "XXXX-XXXX" from USER_CODE_ALPHABET into out[USER_CODE_LEN + 1]. */
void	user_code_new(char *out);
/* 1 if s has the user code shape (used when decoding records). */
int	user_code_valid(const char *s);
/* BLAKE2b-256 of a secret (token or paircode): what the database keys on. */
void	secret_hash(uint8_t out[HASH_LEN], const void *secret, size_t len);

#endif
