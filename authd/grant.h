/*
 * Provider grants: what revocation needs (provider name, access and refresh
 * token), sealed with crypto_secretbox under grant.key.  The sealed box is
 * the grant: it travels in the login proof, the store keeps it in the
 * session (or pairing) record, and it comes back in REVOKE, so any authd
 * node holding the same grant.key revokes a grant obtained on any other.
 * The frontend and the store only ever hold ciphertext.
 *
 * Sealed plaintext: u8 version, then u16-length strings user_id, provider,
 * access token, refresh token ("" when none).  The user_id binds the box to
 * the user whose sessions carry it: REVOKE names the user and a box of
 * another user does not count as open.
 *
 * A token set whose box would exceed MAX_GRANT bytes is not sealed, and the
 * login fails (ST_PROVIDER_ERROR, logged with the sizes, never the tokens):
 * a session whose tokens could not be revoked at sign-out is not created.
 *
 * grant.key: $CREDENTIALS_DIRECTORY/grant.key or secrets_dir/grant.key when
 * present (32 raw bytes, loaded before the privilege drop), else
 * state_dir/grant.key, created at first start.  Every authd node of one
 * airlock must have the same grant.key (as it must the same login.key and
 * signing.key).
 *
 * Before schema 3 a grant was a file state_dir/grants/<hex handle>.grant and
 * the proof carried the 16-byte handle; such handles still reach REVOKE from
 * sessions made before the upgrade.  They are read from this node's
 * state_dir as before (legacy_*), deleted once revoked, and swept after
 * grant_max_age_days.  They stay sealed under the state_dir/grant.key of
 * their day: when a shared grant.key is given, that one (if present) is kept
 * for them alone.  Only the node holding such a file can revoke its grant.
 */
#ifndef AIRLOCK_AUTHD_GRANT_H
#define AIRLOCK_AUTHD_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "msg.h"

#define GRANT_KEY_LEN		crypto_secretbox_KEYBYTES
#define GRANT_BOX_OVERHEAD	(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)

struct grants;
struct secret;

struct grant {
	char	 provider[MAX_PROVIDER + 1];
	char	*access_token;
	char	*refresh_token;		/* NULL when none */
};

/*
 * key: grant.key as loaded from the secrets (taken over, freed by
 * grants_close; a state_dir/grant.key is then loaded for legacy files only),
 * or NULL for state_dir/grant.key (0600, created at first start).  Creates
 * the legacy grants/ (0700) too.  NULL with a reason in err.
 */
struct grants *grants_open(const char *state_dir, struct secret *key, char *err, size_t errlen);
void	grants_close(struct grants *);
struct secret *grants_key(struct grants *);

/* Seals gr for user_id into box (MAX_GRANT bytes); *len its size.  0, or -1
 * when it does not fit in MAX_GRANT (or a field is out of its bounds). */
int	grant_seal(const uint8_t key[GRANT_KEY_LEN], const char *user_id, const struct grant *,
	    uint8_t box[MAX_GRANT], size_t *len);
/* Opens box and checks it names user_id: 0 (free gr with grant_clear), or -1
 * (does not open: another key, tampered, truncated, another user). */
int	grant_open(const uint8_t key[GRANT_KEY_LEN], const uint8_t *box, size_t len,
	    const char *user_id, struct grant *);
void	grant_clear(struct grant *);

/* Legacy grant files: 0 found (free with grant_clear), 1 no such grant, -1
 * unreadable or forged. */
int	legacy_grant_get(struct grants *, const uint8_t handle[GRANT_HANDLE_LEN], struct grant *);
int	legacy_grant_delete(struct grants *, const uint8_t handle[GRANT_HANDLE_LEN]);
/* Deletes legacy grant files older than max_age seconds; returns how many. */
size_t	grants_sweep(struct grants *, uint64_t now, uint64_t max_age);

#endif
