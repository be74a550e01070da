/*
 * Unit tests of group commit (store/batch.c) on a real LMDB environment: a
 * batch is applied in one transaction without nested transactions unless one
 * of its writes fails, and then that write fails alone: nothing it wrote is
 * kept, the other writes of the batch are committed, each op saw the writes
 * queued before it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "log.h"
#include "store_fixture.h"

static const char junk_key[] = "unit-test-junk";

/* A write that writes, then fails as a write that found no room does. */
static int
op_write_then_fail(struct store *s, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	int rc;

	if ((rc = db_put(txn, s->users, junk_key, sizeof(junk_key), "x", 1, 0)) != 0)
		return rc;
	return MDB_MAP_FULL;
}

static uint8_t
login(const char *user, uint8_t token[TOKEN_LEN])
{
	struct op				*op = fx_op(MSG_STORE_SESSION_CREATE,
						    op_session_create, OP_WRITE);
	struct msg_store_session_create_r	 a;
	struct proof				*p = &op->req.proof;
	uint8_t					 s;

	p->purpose = PURPOSE_WEB;
	p->expires = st.now + PROOF_TTL;
	randombytes_buf(p->nonce, sizeof(p->nonce));
	snprintf(p->user_id, sizeof(p->user_id), "%s", user);
	snprintf(p->name, sizeof(p->name), "Name");
	p->grant_len = MAX_GRANT;	/* a sealed grant as large as they come */
	memset(p->grant, 'g', MAX_GRANT);
	op->req.flag = KIND_WEB;
	if ((s = fx_run(op, &a)) == ST_OK)
		memcpy(token, a.token, TOKEN_LEN);
	return s;
}

static struct op *
incr_op(const uint8_t token[TOKEN_LEN])
{
	struct op *op = fx_op(MSG_STORE_INCREMENT, op_increment, OP_WRITE);

	secret_hash(op->req.key, token, TOKEN_LEN);
	return op;
}

/* The counter an increment answered, or 0 when it did not answer ST_OK. */
static uint64_t
counted(const struct op *op)
{
	struct msg_store_increment_r a;

	return fx_answer(op, &a) == ST_OK ? a.counter : 0;
}

static int
junk_stored(void)
{
	MDB_txn	*txn;
	MDB_val	 v;
	int	 rc;

	if (mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn) != 0)
		return -1;
	rc = db_get(txn, st.users, junk_key, sizeof(junk_key), &v);
	mdb_txn_abort(txn);
	return rc == 0;
}

static uint64_t
stored_counter(const uint8_t token[TOKEN_LEN])
{
	struct op	*ops[1] = { incr_op(token) };
	uint64_t	 c;

	fx_batch(ops, 1);
	c = counted(ops[0]);
	op_free(ops[0]);
	return c - 1;	/* the increment that read it */
}

static void
test_batch(void)
{
	uint8_t		 t[TOKEN_LEN];
	struct op	*ops[4];
	size_t		 i;

	fx_open(8 << 20);
	fx_at(1800000000, 0);
	CHECK(login("github:batch", t) == ST_OK, "batch: login");

	/* writes in one batch see each other */
	ops[0] = incr_op(t);
	ops[1] = incr_op(t);
	ops[2] = incr_op(t);
	fx_batch(ops, 3);
	CHECK(counted(ops[0]) == 1 && counted(ops[1]) == 2 && counted(ops[2]) == 3,
	    "batch: three increments in one commit answer 1, 2, 3");
	for (i = 0; i < 3; i++)
		op_free(ops[i]);

	/* a write that fails in the middle of a batch fails alone */
	ops[0] = incr_op(t);
	ops[1] = fx_op(MSG_STORE_INCREMENT, op_write_then_fail, OP_WRITE);
	ops[2] = incr_op(t);
	ops[3] = fx_op(MSG_STORE_PING, op_ping, 0);
	fx_batch(ops, 4);
	CHECK(counted(ops[0]) == 4 && counted(ops[2]) == 5,
	    "batch: the writes around a failing one are answered (4, 5)");
	CHECK(fx_answer(ops[1], NULL) == ST_FULL, "batch: the failing write is answered ST_FULL");
	CHECK(fx_answer(ops[3], NULL) == ST_OK, "batch: the read of that batch is answered");
	CHECK(junk_stored() == 0, "batch: nothing the failing write wrote is stored");
	for (i = 0; i < 4; i++)
		op_free(ops[i]);
	db_close(&st);
	db_open(&st);
	CHECK(junk_stored() == 0 && stored_counter(t) == 5,
	    "batch: after reopening, the counter is 5 and the failed write left nothing");
	fx_close();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	log_init("test_store_batch", 1);
	test_batch();
	return CHECK_DONE();
}
