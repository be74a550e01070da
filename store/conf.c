/* The store's part of airlock.conf (parsed and checked in proto/config_airlock.c),
 * and who may connect: root, the store's own uid and [airlock] frontend_user. */
#include "store.h"

#include <string.h>
#include <unistd.h>

#include "config.h"

_Static_assert(crypto_sign_PUBLICKEYBYTES == CONF_PK_LEN, "proof key length");

static void
allow_uid(struct store_conf *sc, uid_t uid)
{
	size_t i;

	for (i = 0; i < sc->nuids; i++)
		if (sc->uids[i] == uid)
			return;
	if (sc->nuids < IPC_MAX_UIDS)
		sc->uids[sc->nuids++] = uid;
}

void
store_conf_load(struct store_conf *sc, const struct airlock_conf *ac)
{
	const struct conf_store *s = &ac->store;

	memset(sc, 0, sizeof(*sc));
	sc->socket = s->socket;
	sc->database = s->database;
	sc->backend = s->backend;
	sc->postgresql = s->postgresql;
	sc->postgresql_password_file = s->postgresql_password_file;
	sc->map_size = (size_t)s->map_size_mb << 20;
	memcpy(sc->proof_pk, s->proof_pk, sizeof(sc->proof_pk));
	sc->session_ttl = (uint64_t)s->session_ttl_sec;
	sc->pair_ttl = (uint32_t)s->pair_ttl_sec;
	sc->max_pending = (uint32_t)s->max_pending;
	sc->max_pending_per_addr = (uint32_t)s->max_pending_per_addr;
	sc->max_per_user = (uint32_t)s->max_per_user;
	sc->sweep_interval = (int)s->sweep_interval_sec;
	sc->idle_timeout_sec = (int)s->idle_timeout_sec;
	allow_uid(sc, 0);
	allow_uid(sc, geteuid());
	allow_uid(sc, ac->airlock.frontend_uid);
}
