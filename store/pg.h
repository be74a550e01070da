/*
 * The PostgreSQL backend's parts: the connection, its batches and its
 * reconnection (backend_pg.c), the schema and its migrations (pg_schema.c),
 * and each op's statement and answer (pg_ops.c).
 */
#ifndef AIRLOCK_STORE_PG_H
#define AIRLOCK_STORE_PG_H

#include <sys/queue.h>

#include <stdint.h>

#include <libpq-fe.h>

#include "store.h"

/* Transaction-scoped advisory lock keys (pg_advisory_xact_lock) */
#define PG_SCHEMA_LOCK_SQL	"7202605190301"	/* schema upgrades */
#define PG_PAIR_LOCK_SQL	"7202605190302"	/* pending-pairing limits */

/* What the op functions of pg_schema.c return as r_status */
enum pg_status {
	PGS_OK = 0, PGS_NOTFOUND, PGS_DENIED, PGS_INVALID, PGS_BUSY_ADDR, PGS_EXPIRED,
	PGS_PENDING, PGS_SLOW_DOWN, PGS_BUSY, PGS_MAX
};

/* An op in the backend's hands, with the secrets made for it before it is
 * sent (a new session's token, a new pairing's ref and user code). */
struct pg_op {
	TAILQ_ENTRY(pg_op)	 entry;
	struct op		*op;
	PGresult		*res;		/* its statement's result, until answered */
	int			 tries;		/* runs alone after an aborted batch */
	uint8_t			 token[TOKEN_LEN];
	uint8_t			 tkey[HASH_LEN];	/* BLAKE2b(token) */
	uint8_t			 sid[SID_LEN];
	uint8_t			 ref[REF_LEN];
	char			 user_code[USER_CODE_LEN + 1];
};
TAILQ_HEAD(pg_op_list, pg_op);

/* pg_ops.c */
/* Makes op's secrets and sends its statement into the pipeline; 0, or -1
 * when libpq refused it (the connection is broken). */
int	pg_op_send(struct store *, PGconn *, struct pg_op *, uint64_t now, uint64_t now_ms);
/* Answers the op from its committed statement's result (op_send); a result
 * that does not read as the op's answer is logged and answered ST_INTERNAL. */
void	pg_op_answer(struct store *, struct pg_op *);
/* The expiry sweep's statement, and its result: 0, or -1 when it does not read. */
int	pg_sweep_send(PGconn *, uint64_t now, int limit);
int	pg_sweep_result(const PGresult *, uint64_t *deleted, int *more);

/* pg_schema.c */
extern const char *const pg_migrations[];
extern const int	 pg_schema_version;	/* what this binary knows */
extern const char	 pg_schema_read[];
/* The migrations after version from, the new version, and COMMIT, as one
 * string (malloc'd); NULL when from is out of range or out of memory. */
char	*pg_schema_upgrade(int from);

#endif
