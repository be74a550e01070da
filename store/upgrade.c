/*
 * The database's schema: meta "schema" holds SCHEMA_VERSION.  A database
 * without it was made by schema 1 (user records without session counts,
 * random sids, byuser keys without the kind) or is new; db_open upgrades it
 * here, inside the transaction that opens the tables, so an interrupted
 * upgrade leaves the old schema intact.  A database of a newer schema is
 * refused.
 *
 * Schema 2 -> 3: session and pairing records of version 1 are rewritten as
 * version 2, whose grant may be authd's sealed box.  A version 1 grant is a
 * 16-byte handle of a grant file in the state_dir of the authd that made it;
 * it is kept as it is, so that signing out of such a session still revokes
 * its grant at the provider, through that authd (which reads its legacy grant
 * files until they are revoked or reach grant_max_age_days).  Schema 1
 * records are rewritten the same way before the schema 1 -> 2 steps.
 *
 * Schema 3 -> 4: user records of version 2 are rewritten as version 3, with
 * an empty e-mail address (the next sign-in stores the provider's).  The
 * steps chain: a database of schema 1 takes every one, in one transaction.
 */
#include "store.h"

#include <string.h>

#include "log.h"

#define SCHEMA_KEY	"schema"

static int
schema_get(struct store *st, MDB_txn *txn, uint32_t *version)
{
	MDB_val		v;
	const uint8_t	*b;
	int		rc;

	if ((rc = db_get(txn, st->meta, SCHEMA_KEY, strlen(SCHEMA_KEY), &v)) == MDB_NOTFOUND) {
		*version = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (v.mv_size != 4)
		return STORE_ECORRUPT;
	b = v.mv_data;
	*version = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return 0;
}

static int
schema_put(struct store *st, MDB_txn *txn, uint32_t version)
{
	uint8_t b[4] = { version >> 24, version >> 16, version >> 8, version };

	return db_put(txn, st->meta, SCHEMA_KEY, strlen(SCHEMA_KEY), b, sizeof(b), 0);
}

/*
 * A record's new encoding into buf: its length, 0 to leave the record as it
 * is, or -1 for a record that must not stay (the upgrade fails).
 */
typedef int (*rewrite_fn)(const MDB_val *v, uint8_t buf[RECORD_MAX], void *arg);

/* Every record of dbi whose key has keymin to keymax bytes passed to fn, and
 * rewritten in place when fn gives it a new encoding; *n counts those. */
static int
rewrite_all(MDB_txn *txn, MDB_dbi dbi, size_t keymin, size_t keymax, rewrite_fn fn, void *arg,
    size_t *n)
{
	uint8_t		 buf[RECORD_MAX], key[MAX_USERID > HASH_LEN ? MAX_USERID : HASH_LEN];
	MDB_cursor	*cur;
	MDB_val		 k, v, nv;
	int		 rc, len;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < keymin || k.mv_size > keymax || k.mv_size > sizeof(key))
			continue;
		if ((len = fn(&v, buf, arg)) == 0)
			continue;
		if (len == -1) {
			rc = STORE_ECORRUPT;
			break;
		}
		/* the key and value point into the page the put rewrites */
		memcpy(key, k.mv_data, k.mv_size);
		k.mv_data = key;
		nv.mv_size = (size_t)len;
		nv.mv_data = buf;
		if ((rc = mdb_cursor_put(cur, &k, &nv, MDB_CURRENT)) != 0)
			break;
		(*n)++;
	}
	sodium_memzero(buf, sizeof(buf));
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A user record of version 1 (zero counts) or 2 as the current version,
 * with no e-mail address; counted in *(size_t *)arg by version (v1, v2). */
static int
user_v3(const MDB_val *v, uint8_t buf[RECORD_MAX], void *arg)
{
	struct user_rec	 u;
	size_t		*n = arg;

	if (user_decode(v->mv_data, v->mv_size, &u) == 0)
		return 0;	/* already current */
	if (user_decode_v2(v->mv_data, v->mv_size, &u) == 0)
		n[1]++;
	else if (user_decode_v1(v->mv_data, v->mv_size, &u) == 0)
		n[0]++;
	else
		return -1;
	return user_encode(&u, buf);
}

/* One session under the cursor: a new sid (newest-first order), its byuser
 * entry and its count; a damaged session, or one whose user is missing, is
 * left for the sweep.  Returns rc. */
static int
session_v2(struct store *st, MDB_txn *txn, MDB_cursor *cur, const MDB_val *k, const MDB_val *v)
{
	struct session_rec	s;
	struct user_rec		u;
	uint8_t			buf[RECORD_MAX], ikey[BYUSER_KEY_MAX], key[HASH_LEN];
	size_t			ilen;
	MDB_val			kv, nv;
	int			rc, len;

	if (k->mv_size != HASH_LEN || session_decode(v->mv_data, v->mv_size, &s) == -1)
		return 0;
	if ((rc = db_user_get(st, txn, s.user_id, &u)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	sid_new(s.sid, s.created);
	if ((len = session_encode(&s, buf)) == -1)
		return STORE_ECORRUPT;
	memcpy(key, k->mv_data, HASH_LEN);	/* k points into the page the put rewrites */
	kv.mv_size = HASH_LEN;
	kv.mv_data = key;
	nv.mv_size = (size_t)len;
	nv.mv_data = buf;
	ilen = byuser_key(ikey, s.user_id, s.kind, s.sid);
	if ((rc = mdb_cursor_put(cur, &kv, &nv, MDB_CURRENT)) != 0 ||
	    (rc = db_put(txn, st->byuser, ikey, ilen, key, HASH_LEN, 0)) != 0)
		return rc;
	if (s.kind == KIND_CLI)
		u.cli_sessions++;
	else
		u.web_sessions++;
	return db_user_put(st, txn, s.user_id, &u);
}

/* The byuser index and the counts, from every session. */
static int
sessions_v2(struct store *st, MDB_txn *txn, size_t *n)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc;

	*n = 0;
	if ((rc = mdb_drop(txn, st->byuser, 0)) != 0 ||
	    (rc = mdb_cursor_open(txn, st->sessions, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), (*n)++)
		if ((rc = session_v2(st, txn, cur, &k, &v)) != 0)
			break;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A session or pairing record of version 1 as version 2, its grant kept as
 * it is (counted in *(size_t *)arg); one that decodes as neither is left
 * for the sweep. */
static int
session_rec_v2(const MDB_val *v, uint8_t buf[RECORD_MAX], void *arg)
{
	struct session_rec	s;
	int			len;

	if (session_decode(v->mv_data, v->mv_size, &s) == 0 ||
	    session_decode_v1(v->mv_data, v->mv_size, &s) == -1)
		return 0;
	if ((len = session_encode(&s, buf)) > 0)
		*(size_t *)arg += s.grant_len != 0;
	return len;
}

static int
pair_rec_v2(const MDB_val *v, uint8_t buf[RECORD_MAX], void *arg)
{
	struct pair_rec	p;
	int		len;

	if (pair_decode(v->mv_data, v->mv_size, &p) == 0 ||
	    pair_decode_v1(v->mv_data, v->mv_size, &p) == -1)
		return 0;
	if ((len = pair_encode(&p, buf)) > 0)
		*(size_t *)arg += p.grant_len != 0;
	return len;
}

/* Schema 1 or 2 -> 3, first step: the records of version 1. */
static int
upgrade_records(struct store *st, MDB_txn *txn, uint32_t from)
{
	size_t	sessions, pairs, grants = 0;
	int	rc;

	if ((rc = rewrite_all(txn, st->sessions, HASH_LEN, HASH_LEN, session_rec_v2, &grants,
	    &sessions)) != 0 ||
	    (rc = rewrite_all(txn, st->pairs, HASH_LEN, HASH_LEN, pair_rec_v2, &grants,
	    &pairs)) != 0)
		return rc;
	if (sessions != 0 || pairs != 0)
		log_info("database upgrade from schema %u: %zu session and %zu pairing records "
		    "rewritten; %zu carry a legacy grant handle, revoked at sign-out by the "
		    "authd whose state_dir holds its grant file", from, sessions, pairs, grants);
	return 0;
}

/* Schema 1, 2 or 3 -> 4: the user records of version 1 or 2. */
static int
upgrade_users(struct store *st, MDB_txn *txn, uint32_t from)
{
	size_t	n[2] = { 0, 0 }, users;
	int	rc;

	if ((rc = rewrite_all(txn, st->users, 1, MAX_USERID, user_v3, n, &users)) != 0)
		return rc;
	if (users != 0)
		log_info("database upgrade from schema %u: %zu user records of version 1 and "
		    "%zu of version 2 rewritten, their e-mail address empty until the next "
		    "sign-in", from, n[0], n[1]);
	return 0;
}

int
db_upgrade(struct store *st, MDB_txn *txn)
{
	uint32_t	version;
	size_t		sessions;
	int		rc;

	if ((rc = schema_get(st, txn, &version)) != 0)
		return rc;
	if (version == SCHEMA_VERSION)
		return 0;
	if (version > SCHEMA_VERSION)
		fatalx("database schema %u is newer than this airlock-store's (%u)", version,
		    SCHEMA_VERSION);
	if (version < 3 && (rc = upgrade_records(st, txn, version)) != 0)
		return rc;
	/* before sessions_v2, which reads and counts into current user records */
	if ((rc = upgrade_users(st, txn, version)) != 0)
		return rc;
	if (version < 2) {
		if ((rc = sessions_v2(st, txn, &sessions)) != 0)
			return rc;
		if (sessions != 0)
			log_info("database upgraded from schema 1 to 2: %zu sessions indexed",
			    sessions);
	}
	return schema_put(st, txn, SCHEMA_VERSION);
}
