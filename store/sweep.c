/*
 * Periodic expiry sweep of sessions, pairings and spent proof nonces.  Each
 * run looks at a bounded number of entries per table, resuming where the last
 * run stopped, so a large table never stalls the loop; expiry is also checked
 * on every read, so the sweep only reclaims space.  When a write finds the map
 * full, batch.c runs sweep_all(): every table, in bounded transactions; a
 * periodic run that finds no room for its deletions does the same.
 */
#include "store.h"

#include <string.h>
#include <time.h>

#include "log.h"

#define SWEEP_SCAN	2000	/* entries looked at per table per run */
#define SWEEP_KEY_MAX	HASH_LEN	/* sessions, pairs: 32 bytes; nonces: 16 */
#define SWEEP_SOON_SEC	1	/* rerun after this when a run stopped early */
#define SWEEP_ALL_RUNS	10000	/* bounds sweep_all(): transactions per table */
#define SWEEP_SHRINK	8	/* a run that found no room is retried over 1/8 */
/* sweep_all()'s transactions look at this many entries each: LMDB reuses the
 * pages a transaction frees only from the second transaction after it on, so
 * the write retried after a sweep_all() gets room from all but its last one. */
#define SWEEP_ALL_SCAN	256

enum { T_SESSIONS, T_PAIRS, T_NONCES, T_MAX };

struct sweep_pos {
	uint8_t		key[SWEEP_KEY_MAX];
	size_t		len;		/* 0: start from the first entry */
};

static struct sweep_pos	pos[T_MAX];
static int		uncounted;	/* sweep_all(): sessions dropped without their count */
static uint8_t		expired[SWEEP_SCAN][SWEEP_KEY_MAX];

static MDB_dbi
table(struct store *st, int t)
{
	return t == T_SESSIONS ? st->sessions : t == T_PAIRS ? st->pairs : st->nonces;
}

/* 1 if the entry has expired, 2 if it does not decode (removed as well), else 0. */
static int
is_expired(int t, const MDB_val *v, uint64_t now)
{
	struct session_rec	s;
	struct pair_rec		p;
	const uint8_t		*b = v->mv_data;
	uint64_t		exp = 0;
	size_t			i;

	switch (t) {
	case T_SESSIONS:
		if (session_decode(v->mv_data, v->mv_size, &s) == -1)
			return 2;
		return s.expires <= now;
	case T_PAIRS:
		if (pair_decode(v->mv_data, v->mv_size, &p) == -1)
			return 2;
		return p.expires <= now;
	default:
		if (v->mv_size != 8)
			return 2;
		for (i = 0; i < 8; i++)
			exp = exp << 8 | b[i];
		return exp < now;
	}
}

/* Deletes one expired entry and what refers to it. */
static int
drop(struct store *st, MDB_txn *txn, int t, const uint8_t *key, size_t klen)
{
	struct session_rec	s;
	struct pair_rec		p;
	MDB_val			v;
	int			rc;

	if (t == T_SESSIONS && db_get(txn, st->sessions, key, klen, &v) == 0 &&
	    session_decode(v.mv_data, v.mv_size, &s) == 0)
		return (uncounted ? session_unlist : session_drop)(st, txn, key, &s);
	if (t == T_PAIRS && db_pair_get(st, txn, key, &p) == 0 && p.state == PAIR_PENDING &&
	    (rc = pair_unlist(st, txn, &p)) != 0)
		return rc;
	rc = db_del(txn, table(st, t), key, klen);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* One bounded pass over table t; *more when it stopped before the end. */
static int
sweep_table(struct store *st, MDB_txn *txn, int t, uint64_t now, size_t limit, size_t *deleted,
    int *more)
{
	struct sweep_pos	*sp = &pos[t];
	size_t			 klen = t == T_NONCES ? PROOF_NONCE_LEN : HASH_LEN, n = 0, seen = 0, i;
	MDB_cursor		*cur;
	MDB_val			 k = { sp->len, sp->key }, v;
	int			 rc;

	if (limit > SWEEP_SCAN)
		limit = SWEEP_SCAN;
	if ((rc = mdb_cursor_open(txn, table(st, t), &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, sp->len ? MDB_SET_RANGE : MDB_FIRST);
	for (; rc == 0 && seen < limit; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), seen++) {
		if (k.mv_size != klen) {
			log_warnx("sweep: unexpected key size %zu in a table", k.mv_size);
			continue;
		}
		switch (is_expired(t, &v, now)) {
		case 2:
			log_warnx("sweep: removing a corrupt record");
			/* FALLTHROUGH */
		case 1:
			memcpy(expired[n++], k.mv_data, klen);
		}
	}
	/* resume at the first entry not looked at, or from the start */
	sp->len = 0;
	if (rc == 0 && k.mv_size <= SWEEP_KEY_MAX) {
		memcpy(sp->key, k.mv_data, k.mv_size);
		sp->len = k.mv_size;
		*more = 1;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	for (i = 0, rc = 0; i < n && rc == 0; i++)
		rc = drop(st, txn, t, expired[i], klen);
	*deleted += n;
	return rc;
}

int
sweep_run(struct store *st, uint64_t now, size_t limit, size_t *deleted, int *more)
{
	MDB_txn	*txn;
	int	 rc, t;

	*deleted = 0;
	*more = 0;
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return rc;
	for (t = 0; t < T_MAX && rc == 0; t++)
		rc = sweep_table(st, txn, t, now, limit, deleted, more);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc == 0)
		return 0;
	memset(pos, 0, sizeof(pos));
	*deleted = 0;
	*more = 0;
	/* A map too full for this run's deletions: sweep as for a write that
	 * found no room (smaller transactions, room before counts). */
	return rc == MDB_MAP_FULL ? sweep_all(st, now, deleted) : rc;
}

/* One transaction over table t; one that finds no room is tried again over
 * fewer entries (each deletion needs a few fresh pages until the commit). */
static int
sweep_step(struct store *st, int t, uint64_t now, size_t *deleted, int *more)
{
	struct sweep_pos	 saved = pos[t];
	size_t			 limit = SWEEP_ALL_SCAN, n;
	MDB_txn			*txn;
	int			 rc;

	for (;;) {
		n = 0;
		*more = 0;
		if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
			return rc;
		if ((rc = sweep_table(st, txn, t, now, limit, &n, more)) == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc == 0) {
			*deleted += n;
			return 0;
		}
		pos[t] = saved;
		if (rc != MDB_MAP_FULL || limit == 1)
			return rc;
		limit = limit > SWEEP_SHRINK ? limit / SWEEP_SHRINK : 1;
	}
}

/* Every table once; *stuck when one found no room even for one deletion. */
static int
sweep_tables(struct store *st, uint64_t now, size_t *deleted, int *stuck)
{
	size_t	i;
	int	t, rc = 0, r, more;

	*stuck = 0;
	for (t = 0; t < T_MAX; t++) {
		pos[t].len = 0;
		for (i = 0, more = 1; more && i < SWEEP_ALL_RUNS; i++)
			if ((r = sweep_step(st, t, now, deleted, &more)) != 0) {
				*stuck |= r == MDB_MAP_FULL;
				rc = rc != 0 ? rc : r;
				pos[t].len = 0;
				break;
			}
	}
	return rc;
}

/*
 * Sweeps every table of a full map.  A table that found no room even for
 * one deletion is tried again once the tables after it made room (spent
 * nonces are cheap to delete: they free the pages sessions need).
 */
int
sweep_all(struct store *st, uint64_t now, size_t *deleted)
{
	size_t	before;
	int	rc, stuck;

	*deleted = 0;
	uncounted = 1;	/* a count is a write: in a full map, room comes first */
	rc = sweep_tables(st, now, deleted, &stuck);
	if (stuck && *deleted > 0) {
		before = *deleted;
		rc = sweep_tables(st, now, deleted, &stuck);
		if (rc != 0 && *deleted > before)
			rc = 0;
	}
	uncounted = 0;
	return rc;
}

static void
sweep_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct store	*st = arg;
	struct timeval	 tv = { st->conf.sweep_interval, 0 };
	size_t		 deleted;
	int		 rc, more;

	rc = sweep_run(st, (uint64_t)time(NULL), SWEEP_SCAN, &deleted, &more);
	if (rc != 0)
		log_warnx("expiry sweep failed: %s", db_strerror(rc));
	else if (more)
		tv.tv_sec = SWEEP_SOON_SEC;
	if (deleted > 0)
		log_info("expiry sweep: %zu entries removed", deleted);
	evtimer_add(st->ev_sweep, &tv);
}

void
sweep_init(struct store *st)
{
	struct timeval tv = { st->conf.sweep_interval, 0 };

	if ((st->ev_sweep = evtimer_new(st->base, sweep_timer, st)) == NULL ||
	    evtimer_add(st->ev_sweep, &tv) == -1)
		fatalx("sweep timer");
}
