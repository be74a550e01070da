/*
 * A user's sessions: each session's record, its byuser entry (by kind, then
 * sid, which starts with the complemented creation time: newest first) and
 * its count in the user's record are written and deleted together, so a page
 * reads a bounded number of entries however many sessions a user has.
 */
#include "store.h"

#include <string.h>

/* Adds delta (+1 or -1) to user_id's count of kind; a count never goes
 * below 0.  A missing user is a damaged database. */
static int
count_add(struct store *st, MDB_txn *txn, const char *user_id, uint8_t kind, int delta)
{
	struct user_rec	 u;
	uint32_t	*n;
	int		 rc;

	if ((rc = db_user_get(st, txn, user_id, &u)) != 0)
		return rc == MDB_NOTFOUND ? STORE_ECORRUPT : rc;
	n = kind == KIND_CLI ? &u.cli_sessions : &u.web_sessions;
	if (delta > 0 && *n < UINT32_MAX)
		(*n)++;
	else if (delta < 0 && *n > 0)
		(*n)--;
	return db_user_put(st, txn, user_id, &u);
}

int
session_add(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN],
    const struct session_rec *s)
{
	uint8_t	ikey[BYUSER_KEY_MAX];
	size_t	ilen = byuser_key(ikey, s->user_id, s->kind, s->sid);
	int	rc;

	/* NOOVERWRITE: a colliding random value is an error, never a takeover */
	if ((rc = db_session_put(st, txn, key, s, MDB_NOOVERWRITE)) != 0 ||
	    (rc = db_put(txn, st->byuser, ikey, ilen, key, HASH_LEN, MDB_NOOVERWRITE)) != 0)
		return rc;
	return count_add(st, txn, s->user_id, s->kind, 1);
}

int
session_unlist(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN],
    const struct session_rec *s)
{
	uint8_t	ikey[BYUSER_KEY_MAX];
	size_t	ilen = byuser_key(ikey, s->user_id, s->kind, s->sid);
	int	rc;

	if ((rc = db_del(txn, st->sessions, key, HASH_LEN)) != 0)
		return rc;
	rc = db_del(txn, st->byuser, ikey, ilen);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
session_drop(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN],
    const struct session_rec *s)
{
	int rc;

	if ((rc = session_unlist(st, txn, key, s)) != 0)
		return rc;
	return count_add(st, txn, s->user_id, s->kind, -1);
}

void
session_count_fix(struct store *st, MDB_txn *txn, const char *user_id, uint8_t kind, uint32_t n)
{
	struct user_rec	u;
	uint8_t		buf[RECORD_MAX];
	uint32_t	*have;
	int		len;

	if (db_user_get(st, txn, user_id, &u) != 0)
		return;
	have = kind == KIND_CLI ? &u.cli_sessions : &u.web_sessions;
	if (*have == n)
		return;
	*have = n;
	if ((len = user_encode(&u, buf)) != -1)
		db_touch(st, txn, st->users, user_id, strlen(user_id), buf, (size_t)len);
}

int
session_counts_set(struct store *st, MDB_txn *txn, const char *user_id, uint32_t web,
    uint32_t cli)
{
	struct user_rec	u;
	int		rc;

	if ((rc = db_user_get(st, txn, user_id, &u)) != 0)
		return rc == MDB_NOTFOUND ? STORE_ECORRUPT : rc;
	if (u.web_sessions == web && u.cli_sessions == cli)
		return 0;
	u.web_sessions = web;
	u.cli_sessions = cli;
	return db_user_put(st, txn, user_id, &u);
}

/* One listed session from its record. */
static void
recent_item(struct session_item *it, const struct session_rec *s, const uint8_t own[SID_LEN])
{
	memcpy(it->sid, s->sid, SID_LEN);
	it->kind = s->kind;
	memcpy(it->label, s->label, sizeof(it->label));
	it->created = s->created;
	it->last_seen = s->last_seen;
	it->expires = s->expires;
	it->current = sodium_memcmp(s->sid, own, SID_LEN) == 0;
}

/*
 * Entries looked at beyond the ones listed: expired sessions not swept yet
 * sit at the old end, so a newest-first scan meets them only after the live
 * ones (unless session_ttl was lowered since); a damaged entry is skipped.
 */
#define RECENT_SLACK	16

int
session_entry(struct store *st, MDB_txn *txn, const MDB_val *v, uint8_t kind,
    struct session_rec *s, int *rc)
{
	MDB_val rec;

	*rc = 0;
	if (v->mv_size != HASH_LEN)
		return ENTRY_DAMAGED;
	if ((*rc = db_get(txn, st->sessions, v->mv_data, HASH_LEN, &rec)) == MDB_NOTFOUND) {
		*rc = 0;
		return ENTRY_MISSING;
	}
	if (*rc != 0)
		return -1;
	if (session_decode(rec.mv_data, rec.mv_size, s) == -1 || s->kind != kind)
		return ENTRY_DAMAGED;
	return s->expires <= st->now ? ENTRY_EXPIRED : ENTRY_LIVE;
}

int
session_recent(struct store *st, MDB_txn *txn, const char *user_id, uint8_t kind, uint32_t max,
    const uint8_t own[SID_LEN], struct msg_store_page_r *a, uint32_t *all)
{
	uint8_t			 prefix[BYUSER_KEY_MAX];
	size_t			 plen = byuser_key(prefix, user_id, kind, NULL);
	uint32_t		 listed = 0, scanned = 0, counted = 0;
	MDB_cursor		*cur;
	MDB_val			 k = { plen, prefix }, v;
	struct session_rec	 s;
	int			 rc, got, end = 0;

	if ((rc = mdb_cursor_open(txn, st->byuser, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	    rc == 0 && listed < max && a->sessions_n < MAX_SESSIONS_LISTED &&
	    scanned++ < max + RECENT_SLACK;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != plen + SID_LEN || memcmp(k.mv_data, prefix, plen) != 0) {
			end = 1;
			break;
		}
		if ((got = session_entry(st, txn, &v, kind, &s, &rc)) == -1)
			break;
		counted += got == ENTRY_LIVE || got == ENTRY_EXPIRED;
		if (got == ENTRY_LIVE) {
			recent_item(&a->sessions[a->sessions_n++], &s, own);
			listed++;
		}
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		end = 1;
		rc = 0;
	}
	*all = end ? counted : UINT32_MAX;
	return rc;
}
