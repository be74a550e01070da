/* The LMDB environment, its tables, and typed get/put of the records. */
#include "store.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <string.h>

#include "log.h"

static void
dbi_open(MDB_txn *txn, const char *name, MDB_dbi *dbi)
{
	int rc;

	if ((rc = mdb_dbi_open(txn, name, MDB_CREATE, dbi)) != 0)
		fatalx("database table %s: %s", name, mdb_strerror(rc));
}

void
db_open(struct store *st)
{
	const char	*dir = st->conf.database;
	struct stat	 sb;
	MDB_txn		*txn;
	int		 rc, dead = 0;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		fatal("database directory %s", dir);
	if (stat(dir, &sb) == -1)
		fatal("database directory %s", dir);
	if (!S_ISDIR(sb.st_mode))
		fatalx("database %s is not a directory", dir);
	if (sb.st_mode & 0077)
		log_warnx("database directory %s is accessible to others (mode %o)", dir,
		    (unsigned)(sb.st_mode & 0777));
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, st->conf.map_size)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, 9)) != 0)
		fatalx("database setup: %s", mdb_strerror(rc));
	/* default flags: every commit is synced to disk before it returns */
	if ((rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600)) != 0)
		fatalx("database %s: %s", dir, mdb_strerror(rc));
	if ((rc = mdb_reader_check(st->env, &dead)) != 0)
		fatalx("database %s: reader check: %s", dir, mdb_strerror(rc));
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		fatalx("database %s: %s", dir, mdb_strerror(rc));
	dbi_open(txn, "users", &st->users);
	dbi_open(txn, "sessions", &st->sessions);
	dbi_open(txn, "byuser", &st->byuser);
	dbi_open(txn, "pairs", &st->pairs);
	dbi_open(txn, "refs", &st->refs);
	dbi_open(txn, "nonces", &st->nonces);
	dbi_open(txn, "byaddr", &st->byaddr);
	dbi_open(txn, "meta", &st->meta);
	if ((rc = db_upgrade(st, txn)) != 0)
		fatalx("database %s: upgrade: %s", dir, db_strerror(rc));
	if ((rc = mdb_txn_commit(txn)) != 0)
		fatalx("database %s: creating tables: %s", dir, mdb_strerror(rc));
	log_info("database %s open, map size %zu MB", dir, st->conf.map_size >> 20);
}

void
db_close(struct store *st)
{
	if (st->env != NULL)
		mdb_env_close(st->env);
	st->env = NULL;
}

uint8_t
db_status(int rc)
{
	switch (rc) {
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
		return ST_FULL;
	default:
		return ST_INTERNAL;
	}
}

/*
 * LMDB reports a short page write as EIO.  When the file system under the
 * database then has (almost) no room left, the disk filled up during the
 * commit: report ENOSPC, so the peer hears "full, nothing changed" rather than
 * an internal error.
 */
int
db_commit_error(const struct store *st, int rc)
{
	struct statvfs sv;

	if (rc != EIO || statvfs(st->conf.database, &sv) == -1)
		return rc;
	if ((unsigned long long)sv.f_bavail * sv.f_frsize < DB_LOW_SPACE)
		return ENOSPC;
	return rc;
}

const char *
db_strerror(int rc)
{
	if (rc == STORE_ECORRUPT)
		return "corrupt record in database";
	return mdb_strerror(rc);
}

int
db_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val)
{
	MDB_val k = { klen, (void *)key };

	return mdb_get(txn, dbi, &k, val);
}

int
db_put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val, size_t vlen,
    unsigned flags)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };

	return mdb_put(txn, dbi, &k, &v, flags);
}

int
db_del(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };

	return mdb_del(txn, dbi, &k, NULL);
}

void
db_touch(struct store *st, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_txn	*child;
	int	 rc;

	if (st->no_touch)
		return;
	if ((rc = mdb_txn_begin(st->env, txn, 0, &child)) == 0) {
		if ((rc = db_put(child, dbi, key, klen, val, vlen, 0)) == 0)
			rc = mdb_txn_commit(child);
		else
			mdb_txn_abort(child);
	}
	if (rc != 0)
		log_warnx("update of a last-used time skipped: %s", db_strerror(rc));
}

/* Writes an encoded record: len is its encoder's result (-1: it did not encode). */
static int
put_record(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const uint8_t *buf, int len,
    unsigned flags)
{
	return len == -1 ? EINVAL : db_put(txn, dbi, key, klen, buf, (size_t)len, flags);
}

int
db_user_get(struct store *st, MDB_txn *txn, const char *user_id, struct user_rec *u)
{
	MDB_val	v;
	int	rc = db_get(txn, st->users, user_id, strlen(user_id), &v);

	return rc != 0 ? rc : user_decode(v.mv_data, v.mv_size, u) == 0 ? 0 : STORE_ECORRUPT;
}

int
db_user_put(struct store *st, MDB_txn *txn, const char *user_id, const struct user_rec *u)
{
	uint8_t buf[RECORD_MAX];

	return put_record(txn, st->users, user_id, strlen(user_id), buf, user_encode(u, buf), 0);
}

int
db_session_get(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN], struct session_rec *s)
{
	MDB_val	v;
	int	rc = db_get(txn, st->sessions, key, HASH_LEN, &v);

	if (rc == 0 && session_decode(v.mv_data, v.mv_size, s) == -1)
		rc = STORE_ECORRUPT;
	return rc == 0 && s->expires <= st->now ? MDB_NOTFOUND : rc;
}

int
db_session_put(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN],
    const struct session_rec *s, unsigned flags)
{
	uint8_t buf[RECORD_MAX];

	return put_record(txn, st->sessions, key, HASH_LEN, buf, session_encode(s, buf), flags);
}

int
db_pair_get(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN], struct pair_rec *p)
{
	MDB_val	v;
	int	rc = db_get(txn, st->pairs, key, HASH_LEN, &v);

	return rc != 0 ? rc : pair_decode(v.mv_data, v.mv_size, p) == 0 ? 0 : STORE_ECORRUPT;
}

int
db_pair_put(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN], const struct pair_rec *p)
{
	uint8_t buf[RECORD_MAX];

	return put_record(txn, st->pairs, key, HASH_LEN, buf, pair_encode(p, buf), 0);
}

static uint64_t
entries(MDB_txn *txn, MDB_dbi dbi, int *rc)
{
	MDB_stat s;

	if (*rc == 0)
		*rc = mdb_stat(txn, dbi, &s);
	return *rc == 0 ? s.ms_entries : 0;
}

/* PING: users, sessions, pending pairings (a pending pairing is one with a ref). */
int
op_ping(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct msg_store_ping_r	a;
	uint64_t		pending;
	int			rc = 0;

	memset(&a, 0, sizeof(a));
	a.users = entries(txn, st->users, &rc);
	a.sessions = entries(txn, st->sessions, &rc);
	pending = entries(txn, st->refs, &rc);
	if (rc != 0)
		return rc;
	a.pending = pending > UINT32_MAX ? UINT32_MAX : (uint32_t)pending;
	return op_reply(op, m, ST_OK, &a);
}
