#include "replay.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"

struct replay_entry {
	uint8_t		h[LOGIN_HASH_LEN];
	uint64_t	expires;
};

struct replay {
	struct replay_entry	*v;
	size_t			 n;
	size_t			 max;
};

struct replay *
replay_new(size_t max)
{
	struct replay *r;

	if (max == 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->v = calloc(max, sizeof(*r->v))) == NULL) {
		free(r);
		return NULL;
	}
	r->max = max;
	return r;
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	mem_wipe_free(r->v, r->max * sizeof(*r->v));
	free(r);
}

size_t
replay_count(const struct replay *r)
{
	return r->n;
}

int
replay_seen(const struct replay *r, const uint8_t h[LOGIN_HASH_LEN], uint64_t now)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].expires > now && memcmp(r->v[i].h, h, LOGIN_HASH_LEN) == 0)
			return 1;
	return 0;
}

void
replay_sweep(struct replay *r, uint64_t now)
{
	size_t i = 0;

	while (i < r->n)
		if (r->v[i].expires <= now) {
			r->v[i] = r->v[r->n - 1];
			memset(&r->v[--r->n], 0, sizeof(r->v[0]));
		} else
			i++;
}

int
replay_add(struct replay *r, const uint8_t h[LOGIN_HASH_LEN], uint64_t expires, uint64_t now)
{
	if (r->n == r->max)
		replay_sweep(r, now);
	if (r->n == r->max)
		return ST_BUSY;
	memcpy(r->v[r->n].h, h, LOGIN_HASH_LEN);
	r->v[r->n++].expires = expires;
	return ST_OK;
}
