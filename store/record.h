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
 *	byuser	  user_id NUL kind sid		-> BLAKE2b(token)
 *	pairs	  BLAKE2b(paircode)		-> pairing
 *	refs	  ref (pending pairings only)	-> BLAKE2b(paircode)
 *	byaddr	  client NUL ref (pending only)	-> BLAKE2b(paircode)
 *	nonces	  proof nonce			-> u64 expires
 *	meta	  "schema"			-> u32 SCHEMA_VERSION
 *
 * A session's sid starts with its creation time, complemented (sid_new), so
 * a user's sessions of one kind are in byuser newest first.  A session's
 * record, its index entry and its count in the user's record are written and
 * deleted together (index.c).  Schema 1 had random sids, no kind in byuser
 * and no counts; schema 2 had session and pairing records of version 1,
 * whose grant was a 16-byte handle of a grant file of one authd: db_open
 * upgrades such a database once (upgrade.c).  From schema 3 on a record's
 * grant is authd's sealed box (up to MAX_GRANT bytes), which the store keeps
 * and hands back without being able to open it.  Schema 3 had user records
 * of version 2, without the e-mail address: the upgrade gives them "".
 */
#ifndef AIRLOCK_STORE_RECORD_H
#define AIRLOCK_STORE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "text.h"	/* paircode_valid */

#define RECORD_VERSION	2		/* sessions and pairings: sealed grants */
#define USER_RECORD_VERSION	3	/* users: with session counts and e-mail */
#define SCHEMA_VERSION	4
#define HASH_LEN	32		/* crypto_generichash_BYTES */
#define RECORD_MAX	(MAX_GRANT + 1024)	/* every record fits, with room */
#define BYUSER_KEY_MAX	(MAX_USERID + 2 + SID_LEN)
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
/* A schema 1 user record, with its session counts zero and no e-mail. */
int	user_decode_v1(const uint8_t *, size_t, struct user_rec *);
/* A schema 2 or 3 user record (version 2), with no e-mail. */
int	user_decode_v2(const uint8_t *, size_t, struct user_rec *);
/* A schema 2 session or pairing record (version 1), as the current record:
 * its grant, when it has one, is the 16-byte handle it held. */
int	session_decode_v1(const uint8_t *, size_t, struct session_rec *);
int	pair_decode_v1(const uint8_t *, size_t, struct pair_rec *);

/* byuser key; returns its length.  For a range scan: kind 0 gives the prefix
 * user_id NUL, sid NULL the prefix user_id NUL kind. */
size_t	byuser_key(uint8_t *out, const char *user_id, uint8_t kind, const uint8_t *sid);
/* A new sid: ~created (big-endian), then 8 random bytes. */
void	sid_new(uint8_t sid[SID_LEN], uint64_t created);
/* byaddr key; returns its length.  ref NULL: client NUL, for a range scan. */
size_t	byaddr_key(uint8_t *out, const char *client, const uint8_t *ref);

/* Random "XXXX-XXXX" from USER_CODE_ALPHABET into out[USER_CODE_LEN + 1]. */
void	user_code_new(char *out);
/* 1 if s has the user code shape (used when decoding records). */
int	user_code_valid(const char *s);
/* BLAKE2b-256 of a secret (token or paircode): what the database keys on. */
void	secret_hash(uint8_t out[HASH_LEN], const void *secret, size_t len);

#endif
