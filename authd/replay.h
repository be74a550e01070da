/*
 * Single use of sealed logins: the state hash of every login that reached
 * the provider is kept until that login's own expiry (after which the box
 * is refused as expired anyway).  Bounded: when every slot holds a live
 * entry, a new one is refused (ST_BUSY) rather than forgetting a live one.
 */
#ifndef AIRLOCK_AUTHD_REPLAY_H
#define AIRLOCK_AUTHD_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "loginseal.h"

struct replay;

struct replay *replay_new(size_t max);
void	replay_free(struct replay *);
size_t	replay_count(const struct replay *);
/* 1 if this state hash is remembered and not yet expired. */
int	replay_seen(const struct replay *, const uint8_t h[LOGIN_HASH_LEN], uint64_t now);
/* Remembers h until expires: ST_OK, or ST_BUSY when full of live entries. */
int	replay_add(struct replay *, const uint8_t h[LOGIN_HASH_LEN], uint64_t expires,
	    uint64_t now);
/* Forgets the expired entries. */
void	replay_sweep(struct replay *, uint64_t now);

#endif
