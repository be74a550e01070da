/*
 * The PostgreSQL backend: several airlock nodes' stores share one database.
 *
 * One connection, driven by libpq's asynchronous API on the store's libevent
 * loop: nothing here blocks on the database.  Connecting is PQconnectStartParams
 * and PQconnectPoll, with an event on PQsocket as each step asks (a multi-host
 * conninfo with target_session_attrs=read-write finds the primary there, so a
 * promoted standby is followed at the next connection).  Once connected, the
 * schema is brought to pg_schema.c's version in one transaction under an
 * advisory lock (a newer schema is fatal), then the connection enters
 * pipeline mode.
 *
 * Batches (group commit, as batch.c does for LMDB): ops are queued; when no
 * flight is in the pipeline, the queued ops (PG_BATCH_MAX at most) go out as
 * ONE flight: BEGIN, one function call per op (pg_ops.c), COMMIT, sync.  Ops
 * that arrive meanwhile wait for the next flight, which is paced as batch.c
 * paces its commits (it waits for as many ops as the last one answered, at
 * most as long as that one took, PG_PACE_MAX_US at most).  Answers go out
 * only once the COMMIT succeeded (durable, and replicated when the database's
 * synchronous replication is configured).  A statement or commit that fails
 * aborts its batch, whose transaction block stays open until the ROLLBACK
 * that is the next flight; its ops then run again, each alone in a flight
 * and a transaction of its own, so a bad op fails alone, answered ST_INTERNAL
 * and logged (a deadlock or serialization failure is tried again, a few
 * times).  The expiry sweep is a flight of its own between batches.
 *
 * Single use is the database's: every op is one PL/pgSQL function (unique
 * keys, conditional updates, row and advisory locks; pg_schema.c), so two
 * stores on one database never both spend a proof or take a pairing.
 * Secrets stay here: tokens, sids, refs and user codes are made in C and
 * only hashes of tokens and paircodes reach the database.
 *
 * Losing the database: an op that arrives while there is no connection is
 * answered ST_UNAVAILABLE at once, as are the queued ops and those of the
 * flight when the connection breaks, or when a flight (or a connection
 * attempt) goes unanswered PG_FLIGHT_MAX_MS.  The store reconnects after
 * PG_BACKOFF_MIN_MS, doubling to PG_BACKOFF_MAX_MS; it never exits for want
 * of its database.  The password (postgresql_password_file) is read at each
 * connection attempt, handed to libpq and wiped; it is never logged, nor is
 * the conninfo.
 */
#include "pg.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define PG_BATCH_MAX		1024	/* ops in one transaction */
#define PG_FLIGHT_MAX_MS	5000	/* a flight or a connection step unanswered this long */
#define PG_UPGRADE_MAX_MS	60000	/* the schema upgrade */
#define PG_BACKOFF_MIN_MS	100
#define PG_BACKOFF_MAX_MS	5000
#define PG_ALONE_TRIES		3	/* runs alone of an op meeting deadlocks */
#define PG_SWEEP_LIMIT		2000	/* rows of each table per sweep */
#define PG_SWEEP_SOON_SEC	1	/* the next sweep, when one stopped at the limit */
#define PG_PASSWORD_MAX		1024
#define PG_PACE_MAX_US		2000	/* a batch waits at most this for its round */
#define PG_ERR_MAX		256

enum pg_state { PG_DOWN, PG_CONNECTING, PG_SCHEMA, PG_UPGRADE, PG_READY };

/* The results a flight waits for, in the pipeline's order. */
enum slot_type { SL_BEGIN, SL_OP, SL_COMMIT, SL_SYNC, SL_SWEEP, SL_ROLLBACK };

struct slot {
	enum slot_type	 type;
	struct pg_op	*po;		/* SL_OP */
	int		 got;		/* its result arrived */
};

enum flight_kind { FL_NONE, FL_BATCH, FL_ALONE, FL_SWEEP, FL_ROLLBACK };

struct pg {
	PGconn			*conn;
	enum pg_state		 state;
	struct event		*ev_io;		/* connecting: the socket as PQconnectPoll asks */
	struct event		*ev_read, *ev_write;	/* connected */
	struct event		*ev_retry, *ev_deadline, *ev_sweep, *ev_kick, *ev_pace;
	unsigned		 backoff_ms;
	int			 version;	/* the database's schema version */
	int			 phase_failed;
	struct pg_op_list	 queue;		/* waiting for the next flight */
	size_t			 queued;	/* ops in queue */
	/* pacing, as batch.c's: a batch waits for as many ops as the last one
	 * had, at most as long as the last one took */
	size_t			 target, batch_n;
	uint64_t		 wait_us, sent_us;
	int			 paced;		/* this batch waited already */
	struct pg_op_list	 retry;		/* to run alone */
	struct pg_op_list	 flight;	/* in the pipeline */
	enum flight_kind	 kind;
	struct slot		*slots;
	size_t			 nslots, cur;
	int			 seg_ok;	/* the current segment met no error */
	char			 seg_state[6];	/* its first error: SQLSTATE, message */
	char			 seg_err[PG_ERR_MAX];
	PGresult		*sweep_res;
	int			 sweep_due;
	int			 rollback;	/* a failed transaction block is open */
	uint64_t		 now, now_ms;	/* the flight's clock */
};

static struct pg	pgs;

static void	pg_connect(struct store *);
static void	pg_next(struct store *);

static void
clock_real(uint64_t *now, uint64_t *now_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*now = (uint64_t)ts.tv_sec;
	*now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
timer_ms(struct event *ev, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (evtimer_add(ev, &tv) == -1)
		fatalx("evtimer_add");
}

static void
timer_us(struct event *ev, uint64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	if (evtimer_add(ev, &tv) == -1)
		fatalx("evtimer_add");
}

/* The next batch waits for as many ops as this one had, at most as long
 * as this one took. */
static void
pace_next(void)
{
	uint64_t took = mono_us() - pgs.sent_us;

	pgs.target = pgs.batch_n;
	pgs.wait_us = took < PG_PACE_MAX_US ? took : PG_PACE_MAX_US;
}

static void
po_free(struct pg_op *po)
{
	if (po->res != NULL)
		PQclear(po->res);
	if (po->op != NULL)
		op_free(po->op);
	sodium_memzero(po, sizeof(*po));
	free(po);
}

static void
po_answer_status(struct pg_op *po, uint8_t status)
{
	op_send(po->op, status, NULL);
	po_free(po);
}

/* Answers every op of list with status (answer 0: drops them unanswered). */
static void
list_flush(struct pg_op_list *list, int answer, uint8_t status)
{
	struct pg_op *po;

	while ((po = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, po, entry);
		if (answer)
			po_answer_status(po, status);
		else
			po_free(po);
	}
}

static void
flight_clear(void)
{
	free(pgs.slots);
	pgs.slots = NULL;
	pgs.nslots = pgs.cur = 0;
	pgs.kind = FL_NONE;
	if (pgs.sweep_res != NULL)
		PQclear(pgs.sweep_res);
	pgs.sweep_res = NULL;
}

static void
events_free(void)
{
	if (pgs.ev_io != NULL)
		event_free(pgs.ev_io);
	if (pgs.ev_read != NULL)
		event_free(pgs.ev_read);
	if (pgs.ev_write != NULL)
		event_free(pgs.ev_write);
	pgs.ev_io = pgs.ev_read = pgs.ev_write = NULL;
}

/* libpq's last error, on one line. */
static const char *
conn_error(void)
{
	static char	 buf[PG_ERR_MAX];
	char		*nl;

	snprintf(buf, sizeof(buf), "%s", pgs.conn != NULL ? PQerrorMessage(pgs.conn) : "");
	while ((nl = strchr(buf, '\n')) != NULL)
		*nl = nl[1] == '\0' ? '\0' : ' ';
	return buf[0] != '\0' ? buf : "connection lost";
}

/*
 * The connection is gone (or given up): every op not answered yet is
 * answered ST_UNAVAILABLE, and a new connection is tried after the backoff.
 */
static void
pg_lost(struct store *st, const char *why)
{
	log_warnx("database: %s; requests answered unavailable, connecting again in %u ms",
	    why, pgs.backoff_ms);
	list_flush(&pgs.flight, 1, ST_UNAVAILABLE);
	list_flush(&pgs.retry, 1, ST_UNAVAILABLE);
	list_flush(&pgs.queue, 1, ST_UNAVAILABLE);
	pgs.queued = 0;
	flight_clear();
	events_free();
	evtimer_del(pgs.ev_deadline);
	if (pgs.conn != NULL)
		PQfinish(pgs.conn);
	pgs.conn = NULL;
	pgs.state = PG_DOWN;
	pgs.rollback = 0;
	timer_ms(pgs.ev_retry, pgs.backoff_ms);
	pgs.backoff_ms = pgs.backoff_ms * 2 > PG_BACKOFF_MAX_MS ? PG_BACKOFF_MAX_MS :
	    pgs.backoff_ms * 2;
}

static void
pg_flush(struct store *st)
{
	switch (PQflush(pgs.conn)) {
	case 0:
		return;
	case 1:
		if (event_add(pgs.ev_write, NULL) == -1)
			fatalx("event_add");
		return;
	default:
		pg_lost(st, conn_error());
	}
}

/* --- flights */

static struct slot *
slots_new(size_t n)
{
	struct slot *s;

	if ((s = calloc(n, sizeof(*s))) == NULL)
		return NULL;
	pgs.slots = s;
	pgs.nslots = n;
	pgs.cur = 0;
	pgs.seg_ok = 1;
	pgs.seg_state[0] = pgs.seg_err[0] = '\0';
	return s;
}

static int
send_plain(const char *sql)
{
	return PQsendQueryParams(pgs.conn, sql, 0, NULL, NULL, NULL, NULL, 1) == 1 ? 0 : -1;
}

/* One transaction of ops: BEGIN, each op, COMMIT, sync; 0 or -1. */
static int
segment_send(struct store *st, struct slot *s, struct pg_op **po, size_t n)
{
	size_t i;

	s[0].type = SL_BEGIN;
	if (send_plain("BEGIN") == -1)
		return -1;
	for (i = 0; i < n; i++) {
		s[1 + i].type = SL_OP;
		s[1 + i].po = po[i];
		if (pg_op_send(st, pgs.conn, po[i], pgs.now, pgs.now_ms) == -1)
			return -1;
	}
	s[1 + n].type = SL_COMMIT;
	s[2 + n].type = SL_SYNC;
	if (send_plain("COMMIT") == -1 || PQpipelineSync(pgs.conn) != 1)
		return -1;
	return 0;
}

/* Moves up to max ops of from into the flight, and into po[]. */
static size_t
flight_take(struct pg_op_list *from, struct pg_op **po, size_t max)
{
	struct pg_op	*p;
	size_t		 n = 0;

	while (n < max && (p = TAILQ_FIRST(from)) != NULL) {
		TAILQ_REMOVE(from, p, entry);
		TAILQ_INSERT_TAIL(&pgs.flight, p, entry);
		po[n++] = p;
	}
	return n;
}

static void
flight_sent(struct store *st, enum flight_kind kind, int rc)
{
	if (rc == -1) {
		pg_lost(st, conn_error());
		return;
	}
	pgs.kind = kind;
	timer_ms(pgs.ev_deadline, PG_FLIGHT_MAX_MS);
	pg_flush(st);
}

/* The queued ops in one transaction (kind FL_BATCH), or the first op to
 * retry in one of its own (FL_ALONE: a failure leaves its transaction block
 * open until the ROLLBACK that the next flight is). */
static void
flight_ops(struct store *st, enum flight_kind kind)
{
	static struct pg_op	*po[PG_BATCH_MAX];
	struct slot		*s;
	size_t			 n;

	n = flight_take(kind == FL_BATCH ? &pgs.queue : &pgs.retry, po,
	    kind == FL_BATCH ? PG_BATCH_MAX : 1);
	if (kind == FL_BATCH) {
		pgs.queued -= n;
		pgs.batch_n = n;
		pgs.sent_us = mono_us();
		pgs.paced = 0;
	}
	if ((s = slots_new(n + 3)) == NULL) {
		log_warnx("database: out of memory for a batch");
		list_flush(&pgs.flight, 1, ST_INTERNAL);
		return;
	}
	clock_real(&pgs.now, &pgs.now_ms);
	flight_sent(st, kind, segment_send(st, s, po, n));
}

/* Ends the transaction block a failed flight left open. */
static void
flight_rollback(struct store *st)
{
	struct slot *s;

	if ((s = slots_new(2)) == NULL) {
		pg_lost(st, "out of memory");
		return;
	}
	s[0].type = SL_ROLLBACK;
	s[1].type = SL_SYNC;
	flight_sent(st, FL_ROLLBACK, send_plain("ROLLBACK") == -1 ||
	    PQpipelineSync(pgs.conn) != 1 ? -1 : 0);
}

static void
flight_sweep(struct store *st)
{
	struct slot	*s;
	int		 rc;

	if ((s = slots_new(4)) == NULL) {
		log_warnx("database: out of memory for the sweep");
		return;
	}
	clock_real(&pgs.now, &pgs.now_ms);
	s[0].type = SL_BEGIN;
	s[1].type = SL_SWEEP;
	s[2].type = SL_COMMIT;
	s[3].type = SL_SYNC;
	rc = send_plain("BEGIN") == -1 || pg_sweep_send(pgs.conn, pgs.now, PG_SWEEP_LIMIT) == -1 ||
	    send_plain("COMMIT") == -1 || PQpipelineSync(pgs.conn) != 1 ? -1 : 0;
	flight_sent(st, FL_SWEEP, rc);
}

/* Sends the next flight, when the pipeline is free: ops to retry alone
 * first, then a due sweep, then the queue. */
static void
pg_next(struct store *st)
{
	if (pgs.state != PG_READY || pgs.kind != FL_NONE)
		return;
	if (pgs.rollback)
		flight_rollback(st);
	else if (!TAILQ_EMPTY(&pgs.retry))
		flight_ops(st, FL_ALONE);
	else if (pgs.sweep_due)
		flight_sweep(st);
	else if (!TAILQ_EMPTY(&pgs.queue) && pgs.queued < pgs.target && !pgs.paced &&
	    pgs.wait_us > 0) {
		pgs.paced = 1;
		evtimer_del(pgs.ev_pace);
		timer_us(pgs.ev_pace, pgs.wait_us);
	} else if (!TAILQ_EMPTY(&pgs.queue)) {
		evtimer_del(pgs.ev_pace);
		flight_ops(st, FL_BATCH);
	}
}

static void
kick_cb(evutil_socket_t fd, short ev, void *arg)
{
	pg_next(arg);
}

/* --- a flight's results */

static int
retryable(const char *sqlstate)
{
	/* serialization_failure, deadlock_detected */
	return strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0;
}

/* Notes a segment's first error. */
static void
seg_error(const PGresult *r)
{
	const char *state, *msg;

	if (!pgs.seg_ok)
		return;
	pgs.seg_ok = 0;
	if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED) {
		snprintf(pgs.seg_err, sizeof(pgs.seg_err), "aborted");
		return;
	}
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	snprintf(pgs.seg_state, sizeof(pgs.seg_state), "%s", state != NULL ? state : "");
	snprintf(pgs.seg_err, sizeof(pgs.seg_err), "%s", msg != NULL ? msg : "error");
}

/* Takes the result of the current (non-sync) slot. */
static void
slot_result(struct slot *s, PGresult *r)
{
	ExecStatusType	t = PQresultStatus(r);
	int		ok;

	if (s->got) {		/* nothing more is expected: ignored */
		PQclear(r);
		return;
	}
	s->got = 1;
	switch (s->type) {
	case SL_OP:
	case SL_SWEEP:
		ok = t == PGRES_TUPLES_OK;
		break;
	case SL_COMMIT:
		ok = t == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
		break;
	default:
		ok = t == PGRES_COMMAND_OK;
	}
	if (!ok) {
		seg_error(r);
		PQclear(r);
	} else if (s->type == SL_OP)
		s->po->res = r;
	else if (s->type == SL_SWEEP)
		pgs.sweep_res = r;
	else
		PQclear(r);
}

static void
sweep_done(struct store *st)
{
	uint64_t	deleted = 0;
	int		more = 0;

	if (!pgs.seg_ok)
		log_warnx("expiry sweep failed: %s", pgs.seg_err);
	else if (pgs.sweep_res == NULL || pg_sweep_result(pgs.sweep_res, &deleted, &more) == -1)
		log_warnx("expiry sweep: its result does not read");
	else if (deleted > 0)
		log_info("expiry sweep: %llu entries removed", (unsigned long long)deleted);
	pgs.sweep_due = 0;
	timer_ms(pgs.ev_sweep, 1000U * (more ? PG_SWEEP_SOON_SEC : (unsigned)st->conf.sweep_interval));
}

/* An op of a segment that failed. */
static void
op_failed(struct store *st, struct pg_op *po)
{
	if (po->res != NULL)
		PQclear(po->res);
	po->res = NULL;
	TAILQ_REMOVE(&pgs.flight, po, entry);
	if (pgs.kind == FL_BATCH ||
	    (retryable(pgs.seg_state) && ++po->tries < PG_ALONE_TRIES)) {
		TAILQ_INSERT_TAIL(&pgs.retry, po, entry);
		return;
	}
	log_warnx("%s: database: %s%s%s%s", msg_type_name(po->op->hdr.type), pgs.seg_err,
	    pgs.seg_state[0] ? " (SQLSTATE " : "", pgs.seg_state, pgs.seg_state[0] ? ")" : "");
	po_answer_status(po, ST_INTERNAL);
}

/* The sync of the segment that ends at slot end: its ops are answered, or
 * (it failed) run again alone or answered ST_INTERNAL.  0, or -1 when the
 * connection was given up. */
static int
segment_done(struct store *st, size_t end)
{
	char	why[PG_ERR_MAX + 32];
	size_t	begin = end, i, n = 0;

	while (begin > 0 && pgs.slots[begin - 1].type != SL_SYNC)
		begin--;
	if (pgs.kind == FL_ROLLBACK) {
		if (pgs.seg_ok) {
			pgs.rollback = 0;
			return 0;
		}
		snprintf(why, sizeof(why), "ROLLBACK failed: %s", pgs.seg_err);
		pg_lost(st, why);
		return -1;
	}
	pgs.rollback = !pgs.seg_ok;
	if (pgs.kind == FL_SWEEP) {
		sweep_done(st);
		return 0;
	}
	for (i = begin; i < end; i++)
		n += pgs.slots[i].type == SL_OP;
	if (!pgs.seg_ok && pgs.kind == FL_BATCH)
		log_info("database: a batch of %zu requests failed (%s): each runs again alone",
		    n, pgs.seg_err);
	for (i = begin; i < end; i++) {
		if (pgs.slots[i].type != SL_OP)
			continue;
		if (!pgs.seg_ok) {
			op_failed(st, pgs.slots[i].po);
			continue;
		}
		TAILQ_REMOVE(&pgs.flight, pgs.slots[i].po, entry);
		pg_op_answer(st, pgs.slots[i].po);
		po_free(pgs.slots[i].po);
	}
	if (pgs.seg_ok) {
		st->commits++;
		st->ops += n;
	}
	pgs.seg_ok = 1;
	pgs.seg_state[0] = pgs.seg_err[0] = '\0';
	return 0;
}

/* Reads what has arrived of the flight; 0, or -1 when the connection was
 * given up. */
static int
flight_read(struct store *st)
{
	struct slot	*s;
	PGresult	*r;

	while (pgs.kind != FL_NONE && pgs.cur < pgs.nslots && !PQisBusy(pgs.conn)) {
		r = PQgetResult(pgs.conn);
		s = &pgs.slots[pgs.cur];
		if (s->type == SL_SYNC) {
			if (r == NULL || PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
				if (r != NULL)
					PQclear(r);
				pg_lost(st, "the pipeline's results are out of order");
				return -1;
			}
			PQclear(r);
			if (segment_done(st, pgs.cur++) == -1)
				return -1;
		} else if (r == NULL) {
			if (!s->got) {
				pg_lost(st, "a statement of the pipeline has no result");
				return -1;
			}
			pgs.cur++;
		} else
			slot_result(s, r);
	}
	if (pgs.kind != FL_NONE && pgs.cur == pgs.nslots) {
		evtimer_del(pgs.ev_deadline);
		if (pgs.kind == FL_BATCH)
			pace_next();
		flight_clear();
		pg_next(st);
	}
	return 0;
}

/* --- schema */

static void
schema_result(PGresult *r)
{
	long	v;
	char	*end;

	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
		break;
	case PGRES_TUPLES_OK:
		if (pgs.state != PG_SCHEMA || PQntuples(r) != 1 || PQnfields(r) != 1 ||
		    PQgetisnull(r, 0, 0))
			break;
		errno = 0;
		v = strtol(PQgetvalue(r, 0, 0), &end, 10);
		if (errno == 0 && *end == '\0' && v >= 0 && v <= INT32_MAX)
			pgs.version = (int)v;
		break;
	default:
		if (!pgs.phase_failed)
			log_warnx("database: schema: %s",
			    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) != NULL ?
			    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "error");
		pgs.phase_failed = 1;
	}
	PQclear(r);
}

static void
schema_upgrade(struct store *st)
{
	char *sql;

	if (pgs.version > pg_schema_version)
		fatalx("database: its schema version %d is newer than this airlock-store's (%d): "
		    "refusing it", pgs.version, pg_schema_version);
	if ((sql = pg_schema_upgrade(pgs.version)) == NULL) {
		pg_lost(st, "schema upgrade: out of memory");
		return;
	}
	if (pgs.version < pg_schema_version)
		log_info("database: schema version %d, upgrading to %d", pgs.version,
		    pg_schema_version);
	pgs.state = PG_UPGRADE;
	pgs.phase_failed = 0;
	timer_ms(pgs.ev_deadline, PG_UPGRADE_MAX_MS);
	if (PQsendQuery(pgs.conn, sql) != 1) {
		free(sql);
		pg_lost(st, conn_error());
		return;
	}
	free(sql);
	pg_flush(st);
}

static void
pg_ready(struct store *st)
{
	if (PQenterPipelineMode(pgs.conn) != 1) {
		pg_lost(st, conn_error());
		return;
	}
	evtimer_del(pgs.ev_deadline);
	pgs.state = PG_READY;
	pgs.backoff_ms = PG_BACKOFF_MIN_MS;
	log_info("database ready: %s port %s, schema version %d",
	    PQhost(pgs.conn) != NULL ? PQhost(pgs.conn) : "?",
	    PQport(pgs.conn) != NULL ? PQport(pgs.conn) : "?", pg_schema_version);
	pg_next(st);
}

/* The schema phase's results, until its end (a NULL result). */
static void
schema_read(struct store *st)
{
	PGresult *r;

	while (!PQisBusy(pgs.conn)) {
		if ((r = PQgetResult(pgs.conn)) != NULL) {
			schema_result(r);
			continue;
		}
		if (pgs.phase_failed || (pgs.state == PG_SCHEMA && pgs.version < 0)) {
			pg_lost(st, "the schema could not be read or upgraded");
			return;
		}
		if (pgs.state == PG_SCHEMA)
			schema_upgrade(st);
		else
			pg_ready(st);
		return;
	}
}

/* --- the connected socket */

static void
read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct store *st = arg;

	if (PQconsumeInput(pgs.conn) != 1 || PQstatus(pgs.conn) == CONNECTION_BAD) {
		pg_lost(st, conn_error());
		return;
	}
	if (PQisnonblocking(pgs.conn) && PQflush(pgs.conn) == -1) {
		pg_lost(st, conn_error());
		return;
	}
	if (pgs.state == PG_READY)
		(void)flight_read(st);
	else
		schema_read(st);
}

static void
write_cb(evutil_socket_t fd, short ev, void *arg)
{
	pg_flush(arg);
}

static void
notice(void *arg, const char *msg)
{
	log_debug("database: %s", msg);
}

static void
connected(struct store *st)
{
	int fd = PQsocket(pgs.conn);

	events_free();
	if (fd < 0 || PQsetnonblocking(pgs.conn, 1) != 0) {
		pg_lost(st, conn_error());
		return;
	}
	if ((pgs.ev_read = event_new(st->base, fd, EV_READ | EV_PERSIST, read_cb, st)) == NULL ||
	    (pgs.ev_write = event_new(st->base, fd, EV_WRITE, write_cb, st)) == NULL ||
	    event_add(pgs.ev_read, NULL) == -1)
		fatalx("event_new");
	pgs.state = PG_SCHEMA;
	pgs.version = -1;
	pgs.phase_failed = 0;
	timer_ms(pgs.ev_deadline, PG_FLIGHT_MAX_MS);
	if (PQsendQuery(pgs.conn, pg_schema_read) != 1) {
		pg_lost(st, conn_error());
		return;
	}
	pg_flush(st);
}

/* --- connecting */

static void	connect_cb(evutil_socket_t, short, void *);

/* Waits on the socket as PQconnectPoll asked (it may change between steps). */
static void
connect_wait(struct store *st, PostgresPollingStatusType how)
{
	int fd = PQsocket(pgs.conn);

	events_free();
	if (fd < 0) {
		pg_lost(st, conn_error());
		return;
	}
	if ((pgs.ev_io = event_new(st->base, fd, how == PGRES_POLLING_READING ? EV_READ : EV_WRITE,
	    connect_cb, st)) == NULL || event_add(pgs.ev_io, NULL) == -1)
		fatalx("event_new");
}

static void
connect_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct store			*st = arg;
	PostgresPollingStatusType	 how = PQconnectPoll(pgs.conn);

	switch (how) {
	case PGRES_POLLING_READING:
	case PGRES_POLLING_WRITING:
		connect_wait(st, how);
		break;
	case PGRES_POLLING_OK:
		connected(st);
		break;
	default:
		pg_lost(st, conn_error());
	}
}

/* The password file's first line into pw; 0, or -1 (logged). */
static int
password_read(const char *path, char *pw, size_t size)
{
	struct stat	sb;
	ssize_t		n;
	size_t		len;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("postgresql_password_file %s", path);
		return -1;
	}
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 0077))
		log_warnx("postgresql_password_file %s is accessible to others (mode %o)", path,
		    (unsigned)(sb.st_mode & 0777));
	n = read(fd, pw, size);
	close(fd);
	if (n < 0 || (size_t)n >= size) {
		log_warnx("postgresql_password_file %s: %s", path,
		    n < 0 ? strerror(errno) : "too long");
		sodium_memzero(pw, size);
		return -1;
	}
	for (len = 0; len < (size_t)n && pw[len] != '\n' && pw[len] != '\r'; len++)
		if (pw[len] == '\0') {
			log_warnx("postgresql_password_file %s: a NUL byte", path);
			sodium_memzero(pw, size);
			return -1;
		}
	pw[len] = '\0';
	return 0;
}

static void
pg_connect(struct store *st)
{
	static char	 pw[PG_PASSWORD_MAX + 1];
	const char	*keys[4], *vals[4];
	int		 n = 0;

	keys[n] = "dbname";
	vals[n++] = st->conf.postgresql;
	if (st->conf.postgresql_password_file != NULL) {
		if (password_read(st->conf.postgresql_password_file, pw, sizeof(pw)) == -1) {
			pg_lost(st, "no password");
			return;
		}
		keys[n] = "password";
		vals[n++] = pw;
	}
	keys[n] = "fallback_application_name";
	vals[n++] = "airlock-store";
	keys[n] = vals[n] = NULL;
	pgs.conn = PQconnectStartParams(keys, vals, 1);
	sodium_memzero(pw, sizeof(pw));
	if (pgs.conn == NULL || PQstatus(pgs.conn) == CONNECTION_BAD) {
		pg_lost(st, pgs.conn == NULL ? "out of memory" : conn_error());
		return;
	}
	PQsetNoticeProcessor(pgs.conn, notice, NULL);
	pgs.state = PG_CONNECTING;
	timer_ms(pgs.ev_deadline, PG_FLIGHT_MAX_MS);
	connect_wait(st, PGRES_POLLING_WRITING);
}

static void
retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	pg_connect(arg);
}

static void
deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct store	*st = arg;
	char		 why[128];

	snprintf(why, sizeof(why), "no answer within %d ms %s", pgs.state == PG_READY ?
	    PG_FLIGHT_MAX_MS : pgs.state == PG_UPGRADE ? PG_UPGRADE_MAX_MS : PG_FLIGHT_MAX_MS,
	    pgs.state == PG_READY ? "to a batch" : "while connecting");
	pg_lost(st, why);
}

static void
sweep_cb(evutil_socket_t fd, short ev, void *arg)
{
	pgs.sweep_due = 1;
	pg_next(arg);
}

/* --- the backend */

/* A conninfo or password file that cannot work stops the store at start;
 * later, a password file that cannot be read is retried. */
static void
pg_check_conf(struct store *st)
{
	static char		 pw[PG_PASSWORD_MAX + 1];
	PQconninfoOption	*opts;
	char			*err = NULL;

	if (st->conf.postgresql == NULL || st->conf.postgresql[0] == '\0')
		fatalx("[store] backend = postgresql needs postgresql = <conninfo>");
	if ((opts = PQconninfoParse(st->conf.postgresql, &err)) == NULL) {
		if (err != NULL)
			err[strcspn(err, "\n")] = '\0';
		fatalx("[store] postgresql: %s", err != NULL ? err : "out of memory");
	}
	PQconninfoFree(opts);
	if (st->conf.postgresql_password_file != NULL &&
	    password_read(st->conf.postgresql_password_file, pw, sizeof(pw)) == -1)
		fatalx("[store] postgresql_password_file %s cannot be read",
		    st->conf.postgresql_password_file);
	sodium_memzero(pw, sizeof(pw));
}

static void
pg_open(struct store *st)
{
	pg_check_conf(st);
	memset(&pgs, 0, sizeof(pgs));
	TAILQ_INIT(&pgs.queue);
	TAILQ_INIT(&pgs.retry);
	TAILQ_INIT(&pgs.flight);
	pgs.backoff_ms = PG_BACKOFF_MIN_MS;
	if ((pgs.ev_retry = evtimer_new(st->base, retry_cb, st)) == NULL ||
	    (pgs.ev_deadline = evtimer_new(st->base, deadline_cb, st)) == NULL ||
	    (pgs.ev_sweep = evtimer_new(st->base, sweep_cb, st)) == NULL ||
	    (pgs.ev_kick = event_new(st->base, -1, 0, kick_cb, st)) == NULL ||
	    (pgs.ev_pace = evtimer_new(st->base, kick_cb, st)) == NULL)
		fatalx("event_new");
	st->pg = &pgs;
	timer_ms(pgs.ev_sweep, 1000U * (unsigned)st->conf.sweep_interval);
	pg_connect(st);
}

static void
pg_submit(struct store *st, struct op *op)
{
	struct pg_op *po;

	if (pgs.state != PG_READY) {
		op_send(op, ST_UNAVAILABLE, NULL);
		op_free(op);
		return;
	}
	if ((po = calloc(1, sizeof(*po))) == NULL) {
		log_warnx("%s: out of memory", msg_type_name(op->hdr.type));
		op_send(op, ST_INTERNAL, NULL);
		op_free(op);
		return;
	}
	po->op = op;
	TAILQ_INSERT_TAIL(&pgs.queue, po, entry);
	pgs.queued++;
	/* after this loop pass's other requests: they join the same batch
	 * (unless it waits for its round, and the round is not complete) */
	if (pgs.kind == FL_NONE && (!pgs.paced || pgs.queued >= pgs.target))
		event_active(pgs.ev_kick, EV_TIMEOUT, 0);
}

static void
pg_close(struct store *st)
{
	/* neither committed nor answered: the peers see the close */
	list_flush(&pgs.flight, 0, 0);
	list_flush(&pgs.retry, 0, 0);
	list_flush(&pgs.queue, 0, 0);
	flight_clear();
	events_free();
	event_free(pgs.ev_retry);
	event_free(pgs.ev_deadline);
	event_free(pgs.ev_sweep);
	event_free(pgs.ev_kick);
	event_free(pgs.ev_pace);
	if (pgs.conn != NULL)
		PQfinish(pgs.conn);
	pgs.conn = NULL;
	st->pg = NULL;
	log_info("%llu requests in %llu commits", (unsigned long long)st->ops,
	    (unsigned long long)st->commits);
}

const struct store_backend backend_pg = { "postgresql", pg_open, pg_submit, pg_close };
