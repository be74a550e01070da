/* Unit tests: the PostgreSQL backend's migrations and the upgrade text built from them. */
#include <stdlib.h>
#include <string.h>

#include "../../store/pg.h"
#include "check.h"

/* every function the backend calls (pg_ops.c) */
static const char *const functions[] = {
	"airlock_ping", "airlock_session_get", "airlock_session_create", "airlock_page",
	"airlock_session_revoke", "airlock_pair_create", "airlock_pair_info",
	"airlock_pair_decide", "airlock_pair_approve", "airlock_pair_take", "airlock_sweep",
	"airlock_logout", "airlock_nonce_spend", "airlock_proof_spend",
};

static void
test_upgrade_text(void)
{
	char	*sql, want[64];
	int	 v;

	CHECK(pg_schema_version >= 1, "schema: version %d, one migration at least", pg_schema_version);
	CHECK(pg_schema_upgrade(-1) == NULL, "upgrade from -1 refused");
	CHECK(pg_schema_upgrade(pg_schema_version + 1) == NULL, "upgrade from a newer version refused");
	sql = pg_schema_upgrade(pg_schema_version);
	CHECK(sql != NULL && strcmp(sql, "COMMIT") == 0, "upgrade from the current version: COMMIT alone");
	free(sql);
	snprintf(want, sizeof(want), "INSERT INTO schema_version (version) VALUES (%d);COMMIT",
	    pg_schema_version);
	for (v = 0; v < pg_schema_version; v++) {
		sql = pg_schema_upgrade(v);
		CHECK(sql != NULL && strstr(sql, pg_migrations[v]) != NULL &&
		    (v == 0 || strstr(sql, pg_migrations[v - 1]) == NULL),
		    "upgrade from %d: its migrations from %d on, not the earlier ones", v, v + 1);
		CHECK(sql != NULL && strlen(sql) >= strlen(want) &&
		    strcmp(sql + strlen(sql) - strlen(want), want) == 0,
		    "upgrade from %d: records version %d, then commits", v, pg_schema_version);
		free(sql);
	}
	CHECK(strncmp(pg_schema_read, "BEGIN;SELECT pg_advisory_xact_lock(", 35) == 0,
	    "the schema is read in a transaction, under the advisory lock");
}

/* Each function exists once the migrations ran: created once more than
 * dropped, and a migration that drops one creates it again after the drop. */
static void
test_functions(void)
{
	char		 create[80], drop[80];
	const char	*c, *d;
	size_t		 i;
	int		 v, made;

	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		snprintf(create, sizeof(create), "CREATE FUNCTION %s(", functions[i]);
		snprintf(drop, sizeof(drop), "DROP FUNCTION %s(", functions[i]);
		for (v = 0, made = 0; v < pg_schema_version; v++) {
			c = strstr(pg_migrations[v], create);
			d = strstr(pg_migrations[v], drop);
			made += (c != NULL) - (d != NULL);
			CHECK(d == NULL || (c != NULL && c > d),
			    "migration %d creates %s again after dropping it", v + 1, functions[i]);
		}
		CHECK(made == 1, "%s exists after the migrations (created %d more than dropped)",
		    functions[i], made);
	}
}

int
main(void)
{
	test_upgrade_text();
	test_functions();
	return CHECK_DONE();
}
