/* The [store] section of airlock.conf, and who may connect. */
#include "store.h"

#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "config.h"
#include "log.h"
#include "sock.h"

static const char *const store_keys[] = {
	"socket", "database", "map_size_mb", "proof_public_key", "session_ttl_days",
	"max_pending_paircodes", "max_sessions_per_user", "idle_timeout_sec",
	"max_pending_paircodes_per_addr",
	/* shorter lifetimes and sweeps, for tests */
	"session_ttl_sec", "pair_ttl_sec", "sweep_interval_sec",
	NULL
};
static const char *const airlock_keys[] = { "public_url", "frontend_user", NULL };

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

static void
proof_key(struct store_conf *sc, const struct conf *c)
{
	const char *s = conf_require(c, "store", "proof_public_key");

	if (b64_decode_exact(sc->proof_pk, sizeof(sc->proof_pk), s, strlen(s)) == -1)
		fatalx("%s: [store] proof_public_key must be the base64url Ed25519 public key "
		    "that airlock-authd -k prints", conf_file(c));
}

void
store_conf_load(struct store_conf *sc, const struct conf *c)
{
	const char	*user;
	uid_t		 uid;
	long long	 ttl;

	conf_check(c, "store", store_keys);
	conf_check(c, "airlock", airlock_keys);
	memset(sc, 0, sizeof(*sc));
	sc->socket = conf_get(c, "store", "socket");
	sc->database = conf_require(c, "store", "database");
	sc->map_size = (size_t)conf_num(c, "store", "map_size_mb", 1, 1 << 20, 64) << 20;
	proof_key(sc, c);
	ttl = conf_num(c, "store", "session_ttl_days", 1, 3650, 30) * 86400;
	sc->session_ttl = conf_num(c, "store", "session_ttl_sec", 1, 3650LL * 86400, ttl);
	sc->pair_ttl = conf_num(c, "store", "pair_ttl_sec", 1, 3600, 600);
	sc->max_pending = conf_num(c, "store", "max_pending_paircodes", 1, 1000000, 1024);
	sc->max_pending_per_addr = conf_num(c, "store", "max_pending_paircodes_per_addr", 1,
	    1000000, 8);
	sc->max_per_user = conf_num(c, "store", "max_sessions_per_user", 1, MAX_PER_USER_LIMIT,
	    64);
	sc->sweep_interval = conf_num(c, "store", "sweep_interval_sec", 1, 86400, 60);
	sc->idle_timeout_sec = (int)conf_num(c, "store", "idle_timeout_sec", 0, 86400, 300);
	allow_uid(sc, 0);
	allow_uid(sc, geteuid());
	if ((user = conf_get(c, "airlock", "frontend_user")) != NULL) {
		if (sock_user_uid(user, &uid) == -1)
			fatalx("%s: [airlock] frontend_user %s: no such user", conf_file(c), user);
		allow_uid(sc, uid);
	}
}
