/*
 * Provider grants (what revocation needs: provider name, access and refresh
 * token) sealed with crypto_secretbox under state_dir/grant.key, one file per
 * grant in state_dir/grants/, named by the hex of a random 16-byte handle.
 * Only the handle leaves authd (inside the login proof); the tokens never do.
 */
#ifndef AIRLOCK_AUTHD_GRANT_H
#define AIRLOCK_AUTHD_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct grants;

struct grant {
	char	 provider[MAX_PROVIDER + 1];
	char	*access_token;
	char	*refresh_token;		/* NULL when none */
};

/* Creates state_dir/grant.key (0600) and grants/ (0700) at first start.
 * NULL with a reason in err. */
struct grants *grants_open(const char *state_dir, char *err, size_t errlen);
void	grants_close(struct grants *);
/* Seals and stores; fills handle.  0 or -1. */
int	grant_put(struct grants *, const struct grant *, uint8_t handle[GRANT_LEN]);
/* 0 found (free with grant_clear), 1 no such grant, -1 unreadable or forged. */
int	grant_get(struct grants *, const uint8_t handle[GRANT_LEN], struct grant *);
int	grant_delete(struct grants *, const uint8_t handle[GRANT_LEN]);
void	grant_clear(struct grant *);
/* Deletes grants older than max_age seconds; returns how many. */
size_t	grants_sweep(struct grants *, uint64_t now, uint64_t max_age);

#endif
