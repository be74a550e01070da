/*
 * The store's database behind one interface.  request.c reads and checks a
 * request into an op (secrets already hashed, proofs already verified) and
 * hands it to the backend; the backend applies it, makes it durable, and only
 * then answers it on its connection (op_send).  The request handlers do not
 * know which backend answers, and the frontend cannot tell: every backend
 * gives the same answers to the same requests (store.h lists them), plus
 * ST_UNAVAILABLE while its database cannot be reached.
 *
 *	backend_lmdb.c	LMDB in one file on this machine (the default): ops
 *			applied in group commits (batch.c) by session.c, pair.c,
 *			index.c, swept by sweep.c, schema upgrades in upgrade.c
 *	backend_pg.c	PostgreSQL through libpq's asynchronous API on the same
 *			libevent loop, shared by several airlock nodes; its
 *			schema and its versioned migrations in pg_schema.c
 */
#ifndef AIRLOCK_STORE_BACKEND_H
#define AIRLOCK_STORE_BACKEND_H

struct store;
struct op;

struct store_backend {
	const char	*name;
	/* Opens the database (after the privilege drop, st->base set); exits on
	 * a configuration or schema it cannot serve. */
	void	(*open)(struct store *);
	/* Takes the op (and its ownership): it is applied, made durable and
	 * answered later, from the loop. */
	void	(*submit)(struct store *, struct op *);
	/* At exit: drops the ops neither applied nor answered, closes the database. */
	void	(*close)(struct store *);
};

extern const struct store_backend backend_lmdb;
extern const struct store_backend backend_pg;

#endif
