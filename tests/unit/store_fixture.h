/*
 * The fixture of the store's unit tests: a real LMDB environment in a temp
 * directory, without sockets, and a clock the test sets.  Ops are applied
 * through batch_apply() exactly as the daemon applies them.  Included once by
 * each tests/unit/test_store_*.c that runs ops.
 */
#ifndef AIRLOCK_STORE_FIXTURE_H
#define AIRLOCK_STORE_FIXTURE_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/store.h"

static struct store	 st;
static char		 fx_dir[64];
static struct op	*fx_last;	/* the op fx_run() ran last: its answer stays readable */

/* A new store: map_size bytes, sessions for an hour, pairings for ten minutes,
 * 1024 pending pairings (8 per address), no per-user cap.  Tests change
 * st.conf afterwards: it is read when each op runs. */
static void
fx_open(size_t map_size)
{
	memset(&st, 0, sizeof(st));
	snprintf(fx_dir, sizeof(fx_dir), "/tmp/airlock-store-unit.XXXXXX");
	if (mkdtemp(fx_dir) == NULL)
		exit(1);
	st.conf.database = fx_dir;
	st.conf.map_size = map_size;
	st.conf.session_ttl = 3600;
	st.conf.pair_ttl = 600;
	st.conf.max_pending = 1024;
	st.conf.max_pending_per_addr = 8;
	st.now = 1800000000;
	st.now_ms = st.now * 1000;
	TAILQ_INIT(&st.queue);
	db_open(&st);
}

static void
fx_close(void)
{
	char cmd[128];

	if (fx_last != NULL)
		op_free(fx_last);
	fx_last = NULL;
	db_close(&st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx_dir);
	if (system(cmd) != 0)
		exit(1);
}

/* The clock: unix seconds now, plus ms milliseconds. */
static void
fx_at(uint64_t now, uint64_t ms)
{
	st.now = now;
	st.now_ms = now * 1000 + ms;
}

/* An op as a handler of request type queues it, without a connection. */
static struct op *
fx_op(uint16_t type, op_apply apply, int flags)
{
	struct msg_hdr	 h = { 0, PROTO_VERSION, type, 7 };
	struct op	*op = op_new(NULL, &h, apply, flags);

	if (op == NULL)
		exit(1);
	return op;
}

/* Applies ops[0..n) as one batch (one write transaction). */
static void
fx_batch(struct op **ops, size_t n)
{
	struct op_list	list;
	size_t		i;

	TAILQ_INIT(&list);
	for (i = 0; i < n; i++)
		TAILQ_INSERT_TAIL(&list, ops[i], entry);
	batch_apply(&st, &list);
}

/* An op's answer: its status (255: none), and its fields into ans when ST_OK
 * (ans is the answer's struct msg_<name>_r, or NULL). */
static uint8_t
fx_answer(const struct op *op, void *ans)
{
	static _Alignas(max_align_t) uint8_t	scratch[1 << 16];	/* any answer struct */
	struct mreader				r;
	uint8_t					status;

	if (op->reply == NULL || op->reply_len < MSG_HDR_LEN + 1)
		return 255;
	m_reader(&r, op->reply + MSG_HDR_LEN, op->reply_len - MSG_HDR_LEN);
	if (msg_read_answer(&r, op->hdr.type, &status, ans != NULL ? ans : scratch) == -1)
		return 254;
	return status;
}

/* One op alone (freed at the next fx_run() or fx_close()); returns its status. */
static uint8_t
fx_run(struct op *op, void *ans)
{
	if (fx_last != NULL)
		op_free(fx_last);
	fx_last = op;
	fx_batch(&op, 1);
	return fx_answer(op, ans);
}

/* A SESSION_CREATE op for user (a web proof, kind, label "test") at st.now. */
static inline void
fx_fill_create(struct op *op, const char *user, uint8_t kind)
{
	struct proof *p = &op->req.proof;

	p->purpose = PURPOSE_WEB;
	p->expires = st.now + PROOF_TTL;
	randombytes_buf(p->nonce, sizeof(p->nonce));
	snprintf(p->user_id, sizeof(p->user_id), "%s", user);
	snprintf(p->name, sizeof(p->name), "Name");
	op->req.flag = kind;
	snprintf(op->req.label, sizeof(op->req.label), "test");
}

/* SESSION_CREATE for user at st.now; the token into tok when ST_OK. */
static inline uint8_t
fx_create(const char *user, uint8_t kind, uint8_t tok[TOKEN_LEN])
{
	struct op				*op = fx_op(MSG_STORE_SESSION_CREATE,
						    op_session_create, OP_WRITE);
	struct msg_store_session_create_r	 a;
	uint8_t					 s;

	fx_fill_create(op, user, kind);
	if ((s = fx_run(op, &a)) == ST_OK)
		memcpy(tok, a.token, TOKEN_LEN);
	return s;
}

/* SESSION_GET (which refreshes last_seen once a minute). */
static inline uint8_t
fx_get(const uint8_t tok[TOKEN_LEN])
{
	struct op *op = fx_op(MSG_STORE_SESSION_GET, op_session_get, 0);

	secret_hash(op->req.key, tok, TOKEN_LEN);
	return fx_run(op, NULL);
}

/* Entries of a table (an index counts expired sessions not yet removed). */
static inline size_t
fx_entries(MDB_dbi dbi)
{
	MDB_txn		*txn;
	MDB_stat	 s;

	if (mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn) != 0)
		exit(1);
	if (mdb_stat(txn, dbi, &s) != 0)
		s.ms_entries = (size_t)-1;
	mdb_txn_abort(txn);
	return s.ms_entries;
}

#endif
