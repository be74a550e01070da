/*
 * Group commit.  Handlers queue ops; when the batch is due (see Pacing) a
 * deferred event runs after every read callback of that loop pass: all
 * queued ops are applied in one write transaction, committed (fsync'd), and
 * only then answered.  Each write op runs in a nested transaction, so one
 * that finds no room fails alone; as a nested transaction copies every page
 * it touches, a batch is first applied without them, and only when one of its
 * writes fails is that attempt aborted and the batch applied again, nested.
 * A commit that fails writes nothing: its write ops are answered with the
 * failure, and when the map was full its read ops are run again on what is on
 * disk and answered normally.  Before a write is answered "full", expired
 * entries are swept and it is tried once more.
 *
 * Pacing: clients whose answers a commit sent send their next requests while
 * the loop already runs; committing whatever one pass read would split them
 * into two alternating halves, each waiting for the other's fsync.  So a
 * batch is committed at the end of the loop pass in which it holds as many
 * requests as the last commit answered, or when it has waited as long as the
 * last commit took (at most BATCH_WAIT_MAX_US), whichever comes first.  A
 * lone client (last commit: one request) is never kept waiting.
 */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

#define BATCH_WAIT_MAX_US	2000

static struct mbuf scratch;	/* answers are built here, then copied to their op */

static struct {
	size_t		queued;		/* ops in st->queue */
	size_t		target;		/* ops the last commit answered */
	uint64_t	wait_us;	/* how long the last commit took, capped */
	int		now;		/* the commit is activated for this pass */
} pace;

static void	batch_run(evutil_socket_t, short, void *);

void
batch_init(struct store *st)
{
	TAILQ_INIT(&st->queue);
	if ((st->ev_commit = event_new(st->base, -1, 0, batch_run, st)) == NULL)
		fatalx("event_new");
}

struct op *
op_new(struct ipc_conn *c, const struct msg_hdr *h, op_apply apply, int flags)
{
	struct op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->conn = c;
	op->hdr = *h;
	op->apply = apply;
	op->flags = flags;
	if (c != NULL)
		ipc_conn_ref(c);
	return op;
}

void
op_free(struct op *op)
{
	if (op->reply != NULL) {
		sodium_memzero(op->reply, op->reply_len);	/* may hold a token */
		free(op->reply);
	}
	if (op->conn != NULL)
		ipc_conn_unref(op->conn);
	sodium_memzero(op, sizeof(*op));
	free(op);
}

void
batch_add(struct store *st, struct op *op)
{
	struct timeval tv;

	TAILQ_INSERT_TAIL(&st->queue, op, entry);
	pace.queued++;
	if (pace.now)
		return;
	if (pace.queued >= pace.target || pace.wait_us == 0) {
		pace.now = 1;
		st->commit_scheduled = 1;
		event_active(st->ev_commit, EV_TIMEOUT, 0);
	} else if (!st->commit_scheduled) {
		st->commit_scheduled = 1;
		tv.tv_sec = 0;
		tv.tv_usec = (suseconds_t)pace.wait_us;
		if (evtimer_add(st->ev_commit, &tv) == -1) {
			pace.now = 1;
			event_active(st->ev_commit, EV_TIMEOUT, 0);
		}
	}
}

/* The next batch waits for n requests, at most as long as this one took. */
static void
pace_next(size_t n, uint64_t took_us)
{
	pace.target = n;
	pace.wait_us = took_us < BATCH_WAIT_MAX_US ? took_us : BATCH_WAIT_MAX_US;
}

static void
op_keep_reply(struct op *op, struct mbuf *m)
{
	if (op->reply != NULL) {
		sodium_memzero(op->reply, op->reply_len);
		free(op->reply);
		op->reply = NULL;
	}
	if (m_finish(m) == 0 && (op->reply = malloc(m->len)) != NULL) {
		memcpy(op->reply, m->data, m->len);
		op->reply_len = m->len;
	} else
		log_warnx("%s: answer could not be built", msg_type_name(op->hdr.type));
	sodium_memzero(m->data, m->len);
}

int
op_reply(struct op *op, struct mbuf *m, uint8_t status, const void *ans)
{
	return msg_answer(m, &op->hdr, status, ans) == 0 ? 0 : EINVAL;
}

static void
op_fail(struct op *op, int rc)
{
	(void)op_reply(op, &scratch, db_status(rc), NULL);
	op_keep_reply(op, &scratch);
}

/* Applies one op: a write op in its own nested transaction. */
static void
op_run(struct store *st, MDB_txn *txn, struct op *op)
{
	MDB_txn	*child = NULL;
	int	 rc;

	m_init(&scratch, 0, 0);
	if (op->flags & OP_WRITE) {
		if ((rc = mdb_txn_begin(st->env, txn, 0, &child)) == 0) {
			if ((rc = op->apply(st, child, op, &scratch)) == 0)
				rc = mdb_txn_commit(child);
			else
				mdb_txn_abort(child);
		}
	} else
		rc = op->apply(st, txn, op, &scratch);
	if (rc != 0) {
		if ((op->flags & OP_WRITE) && db_status(rc) == ST_FULL)
			op->flags |= OP_FULL;
		else if (db_status(rc) == ST_FULL)
			st->read_full = 1;
		log_warnx("%s: %s", msg_type_name(op->hdr.type), db_strerror(rc));
		sodium_memzero(scratch.data, scratch.len);
		op_fail(op, rc);
	} else
		op_keep_reply(op, &scratch);
}

void
op_send(struct op *op, uint8_t status, const void *ans)
{
	m_init(&scratch, 0, 0);
	if (op_reply(op, &scratch, status, ans) != 0) {
		log_warnx("%s: answer could not be built", msg_type_name(op->hdr.type));
		sodium_memzero(scratch.data, scratch.len);
		m_init(&scratch, 0, 0);
		(void)op_reply(op, &scratch, ST_INTERNAL, NULL);
	}
	if (m_finish(&scratch) == 0 && op->conn != NULL)
		ipc_send(op->conn, &scratch);
	sodium_memzero(scratch.data, scratch.len);
}

static void
op_answer(struct op *op)
{
	if (op->reply == NULL)
		op_fail(op, ENOMEM);
	if (op->reply == NULL || op->reply_len > sizeof(scratch.data))
		return;		/* out of memory: the client times out */
	memcpy(scratch.data, op->reply, op->reply_len);
	scratch.len = op->reply_len;
	scratch.err = 0;
	ipc_send(op->conn, &scratch);
	sodium_memzero(scratch.data, scratch.len);
}

static void
clock_now(struct store *st)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	st->now = (uint64_t)ts.tv_sec;
	st->now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

enum run { RUN_ALL, RUN_READS, RUN_FULL };

static int
selected(const struct op *op, enum run what)
{
	switch (what) {
	case RUN_READS:
		return !(op->flags & OP_WRITE);
	case RUN_FULL:
		return (op->flags & OP_FULL) != 0;
	default:
		return 1;
	}
}

/*
 * Every op of the batch straight in txn, in order, as the nested run would
 * (each sees the writes before it): 0 when every write succeeded, else the
 * first write's error, with txn left for the caller to abort.
 */
static int
apply_flat(struct store *st, MDB_txn *txn, struct op_list *batch)
{
	struct op	*op;
	int		 rc;

	TAILQ_FOREACH(op, batch, entry) {
		if (!(op->flags & OP_WRITE)) {
			op_run(st, txn, op);
			continue;
		}
		m_init(&scratch, 0, 0);
		if ((rc = op->apply(st, txn, op, &scratch)) != 0) {
			sodium_memzero(scratch.data, scratch.len);
			return rc;
		}
		op_keep_reply(op, &scratch);
	}
	return 0;
}

/* The whole batch without nested transactions; 1 when it is done (*rc is
 * the commit's code), 0 when a write failed and nothing was written. */
static int
apply_all_flat(struct store *st, struct op_list *batch, int *rc)
{
	MDB_txn		*txn;
	uint64_t	 min_expiry = st->pending_min_expiry;
	int		 wrc;

	if ((*rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return 1;
	if ((wrc = apply_flat(st, txn, batch)) == 0) {
		*rc = mdb_txn_commit(txn);
		return 1;
	}
	mdb_txn_abort(txn);
	/* as if never run: what the aborted attempt learnt was not written */
	st->pending_min_expiry = min_expiry;
	st->read_full = 0;
	log_debug("a write failed (%s): the batch runs again, each write nested",
	    db_strerror(wrc));
	return 0;
}

/* One transaction over the ops of the batch selected; returns the commit's code. */
static int
apply_txn(struct store *st, struct op_list *batch, enum run what)
{
	struct op	*op;
	MDB_txn		*txn;
	int		 rc;

	if (what == RUN_ALL && apply_all_flat(st, batch, &rc))
		return rc;
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return rc;
	TAILQ_FOREACH(op, batch, entry)
		if (selected(op, what))
			op_run(st, txn, op);
	return mdb_txn_commit(txn);	/* frees txn, also on failure */
}

/*
 * The map is full: deletes every expired entry, at most once per second of
 * the clock (a sweep at `now` leaves nothing that has expired by `now`, and
 * what is written later expires later).  1 if it removed anything.
 */
static int
swept_for_room(struct store *st)
{
	size_t	deleted = 0;
	int	rc;

	if (st->full_swept_at == st->now)
		return 0;
	st->full_swept_at = st->now;
	if ((rc = sweep_all(st, st->now, &deleted)) != 0)
		log_warnx("database full: expiry sweep: %s", db_strerror(rc));
	log_info("database full: expiry sweep removed %zu entries%s", deleted,
	    deleted > 0 ? ", trying again" : "");
	return deleted > 0;
}

static int
any_full(struct op_list *batch)
{
	struct op *op;

	TAILQ_FOREACH(op, batch, entry)
		if (op->flags & OP_FULL)
			return 1;
	return 0;
}

/* The batch committed without the writes that found no room: those run once
 * more in a transaction of their own. */
static void
retry_full(struct store *st, struct op_list *batch)
{
	struct op	*op;
	int		 rc;

	if ((rc = db_commit_error(st, apply_txn(st, batch, RUN_FULL))) == 0)
		return;
	if (rc == MDB_PANIC)
		fatalx("database: %s", mdb_strerror(rc));
	log_warnx("commit of the retried writes failed: %s", db_strerror(rc));
	TAILQ_FOREACH(op, batch, entry)
		if (op->flags & OP_FULL)
			op_fail(op, rc);
}

void
batch_apply(struct store *st, struct op_list *batch)
{
	struct op	*op;
	size_t		 n = 0;
	int		 rc;

	TAILQ_FOREACH(op, batch, entry)
		n++;
	st->read_full = 0;
	rc = db_commit_error(st, apply_txn(st, batch, RUN_ALL));
	if (rc != 0 && db_status(rc) == ST_FULL && swept_for_room(st)) {
		/* nothing of the batch was written: all of it once more */
		st->read_full = 0;
		rc = db_commit_error(st, apply_txn(st, batch, RUN_ALL));
	} else if (rc == 0 && any_full(batch) && swept_for_room(st))
		retry_full(st, batch);
	if (rc == 0 && st->read_full) {
		/* A read met the full map inside the write transaction (after a write
		 * that found no room): answer the reads again from what was committed. */
		st->no_touch = 1;
		rc = apply_txn(st, batch, RUN_READS);
		st->no_touch = 0;
	} else if (rc != 0 && db_status(rc) == ST_FULL) {
		/* The commit itself found no room (LMDB writes its free list at commit):
		 * the writes fail, the reads are answered again from what is on disk. */
		log_warnx("commit of %zu requests failed: %s; answering the reads alone", n,
		    db_strerror(rc));
		TAILQ_FOREACH(op, batch, entry)
			if (op->flags & OP_WRITE)
				op_fail(op, rc);
		st->no_touch = 1;
		rc = apply_txn(st, batch, RUN_READS);
		st->no_touch = 0;
	}
	if (rc == MDB_PANIC)
		fatalx("database: %s", mdb_strerror(rc));
	if (rc != 0) {
		log_warnx("commit of %zu requests failed: %s", n, db_strerror(rc));
		TAILQ_FOREACH(op, batch, entry)
			op_fail(op, rc);
	}
	st->commits++;
	st->ops += n;
}

void
batch_flush(struct store *st)
{
	struct op_list	 batch;
	struct op	*op;
	uint64_t	 t0;
	size_t		 n = pace.queued;

	st->commit_scheduled = 0;
	pace.now = 0;
	pace.queued = 0;
	if (st->ev_commit != NULL)
		event_del(st->ev_commit);	/* the deadline, when the count came first */
	TAILQ_INIT(&batch);
	TAILQ_CONCAT(&batch, &st->queue, entry);
	if (TAILQ_EMPTY(&batch))
		return;
	clock_now(st);
	t0 = mono_us();
	batch_apply(st, &batch);
	pace_next(n, mono_us() - t0);
	while ((op = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, op, entry);
		op_answer(op);
		op_free(op);
	}
}

static void
batch_run(evutil_socket_t fd, short ev, void *arg)
{
	batch_flush(arg);
}

void
batch_discard(struct store *st)
{
	struct op *op;

	while ((op = TAILQ_FIRST(&st->queue)) != NULL) {
		TAILQ_REMOVE(&st->queue, op, entry);
		op_free(op);
	}
	st->commit_scheduled = 0;
	pace.now = 0;
	pace.queued = 0;
	if (st->ev_commit != NULL)
		event_del(st->ev_commit);
}
