/* Sessions: created from a login proof, read and counted by token, listed and revoked. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define LIST_SCAN_MAX	1000	/* index entries looked at for one listing */
#define CAP_SCAN_MAX	(2 * MAX_PER_USER_LIMIT)	/* index entries looked at for the cap */

/* last_seen, at most once a minute, best effort. */
static void
session_touch(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN], struct session_rec *s)
{
	uint8_t	buf[RECORD_MAX];
	int	len;

	if (st->now < s->last_seen + TOUCH_INTERVAL)
		return;
	s->last_seen = st->now;
	if ((len = session_encode(s, buf)) != -1)
		db_touch(st, txn, st->sessions, key, HASH_LEN, buf, len);
}

/*
 * The session of a token and its user: 0, MDB_NOTFOUND (no such session), or
 * an LMDB error.  A session whose user is missing means a damaged database.
 */
static int
session_lookup(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN],
    struct session_rec *s, struct user_rec *u)
{
	int rc;

	if ((rc = db_session_get(st, txn, key, s)) != 0)
		return rc;
	rc = db_user_get(st, txn, s->user_id, u);
	return rc == MDB_NOTFOUND ? STORE_ECORRUPT : rc;
}

/* SESSION_GET and INCREMENT (add): the token's session and its user's count,
 * one added first for INCREMENT. */
static int
session_count(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m, int add)
{
	union {
		struct msg_store_session_get_r	get;
		struct msg_store_increment_r	incr;
	}			a;
	struct session_rec	s;
	struct user_rec		u;
	int			rc;

	if ((rc = session_lookup(st, txn, op->req.key, &s, &u)) != 0)
		return rc == MDB_NOTFOUND ? op_reply(op, m, ST_NOTFOUND, NULL) : rc;
	memset(&a, 0, sizeof(a));
	if (add && u.counter == UINT64_MAX)
		return op_reply(op, m, ST_INVALID, NULL);
	if (add) {
		u.counter++;
		if ((rc = db_user_put(st, txn, s.user_id, &u)) != 0)
			return rc;
		a.incr.counter = u.counter;
	} else {
		memcpy(a.get.user_id, s.user_id, sizeof(a.get.user_id));
		memcpy(a.get.name, u.name, sizeof(a.get.name));
		a.get.counter = u.counter;
		a.get.kind = s.kind;
		memcpy(a.get.sid, s.sid, SID_LEN);
	}
	session_touch(st, txn, op->req.key, &s);
	return op_reply(op, m, ST_OK, &a);
}

int
op_session_get(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	return session_count(st, txn, op, m, 0);
}

int
op_increment(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	return session_count(st, txn, op, m, 1);
}

struct held {
	uint8_t		key[HASH_LEN];
	uint8_t		sid[SID_LEN];
	uint8_t		kind;
	int		dead;		/* expired or missing: to delete */
	uint64_t	last_seen, created;
};

static struct held	held[CAP_SCAN_MAX];
static uint8_t		held_kind;	/* the new session's kind, for held_order() */

/* Evicted first: the other kind last, then least recently seen, then oldest. */
static int
held_order(const void *a, const void *b)
{
	const struct held	*x = a, *y = b;
	int			 xo = x->kind != held_kind, yo = y->kind != held_kind;

	if (xo != yo)
		return xo - yo;
	if (x->last_seen != y->last_seen)
		return x->last_seen < y->last_seen ? -1 : 1;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return 0;
}

/* The index entries of user_id (at most CAP_SCAN_MAX) into held[]; returns rc. */
static int
held_scan(struct store *st, MDB_txn *txn, const char *user_id, size_t *n)
{
	uint8_t			 prefix[BYUSER_KEY_MAX];
	size_t			 plen = byuser_key(prefix, user_id, NULL, 1);
	MDB_cursor		*cur;
	MDB_val			 k = { plen, prefix }, v;
	struct session_rec	 s;
	struct held		*h;
	int			 rc, got;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, st->byuser, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && *n < CAP_SCAN_MAX;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != plen + SID_LEN || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (v.mv_size != HASH_LEN)
			continue;
		h = &held[(*n)++];
		memcpy(h->key, v.mv_data, HASH_LEN);
		memcpy(h->sid, (uint8_t *)k.mv_data + plen, SID_LEN);
		if ((got = db_session_get(st, txn, h->key, &s)) != 0 && got != MDB_NOTFOUND) {
			(*n)--;		/* damaged: neither counted nor touched */
			continue;
		}
		if ((h->dead = got == MDB_NOTFOUND))
			continue;
		h->kind = s.kind;
		h->last_seen = s.last_seen;
		h->created = s.created;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* Deletes a held session and its index entry; either may be gone already. */
static int
held_drop(struct store *st, MDB_txn *txn, const char *user_id, const struct held *h)
{
	uint8_t	ikey[BYUSER_KEY_MAX];
	size_t	ilen = byuser_key(ikey, user_id, h->sid, 0);
	int	rc;

	if ((rc = db_del(txn, st->sessions, h->key, HASH_LEN)) != 0 && rc != MDB_NOTFOUND)
		return rc;
	rc = db_del(txn, st->byuser, ikey, ilen);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Makes room for one more session of kind: removes the user's expired
 * sessions, then, while max_per_user are live, evicts the least recently seen
 * one (of the same kind first).  O(sessions of this user).
 */
static int
session_cap(struct store *st, MDB_txn *txn, const char *user_id, uint8_t kind)
{
	size_t	n, live = 0, i, evict;
	int	rc;

	if (st->conf.max_per_user == 0)
		return 0;
	if ((rc = held_scan(st, txn, user_id, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (held[i].dead && (rc = held_drop(st, txn, user_id, &held[i])) != 0)
			return rc;
	for (i = 0; i < n; i++)
		if (!held[i].dead)
			held[live++] = held[i];
	if (live < st->conf.max_per_user)
		return 0;
	held_kind = kind;
	qsort(held, live, sizeof(held[0]), held_order);
	evict = live - st->conf.max_per_user + 1;
	for (i = 0; i < evict; i++) {
		if ((rc = held_drop(st, txn, user_id, &held[i])) != 0)
			return rc;
		log_info("%s has %zu sessions (max_sessions_per_user %u): the least recently "
		    "used %s session was ended", user_id, live, st->conf.max_per_user,
		    held[i].kind == KIND_CLI ? "command-line" : "web");
	}
	return 0;
}

int
session_new(struct store *st, MDB_txn *txn, const char *user_id, uint8_t kind, const char *label,
    const uint8_t *grant, size_t grant_len, uint8_t token[TOKEN_LEN])
{
	struct session_rec	s;
	uint8_t			key[HASH_LEN], ikey[BYUSER_KEY_MAX];
	size_t			ilen;
	int			rc;

	if ((rc = session_cap(st, txn, user_id, kind)) != 0)
		return rc;
	memset(&s, 0, sizeof(s));
	snprintf(s.user_id, sizeof(s.user_id), "%s", user_id);
	snprintf(s.label, sizeof(s.label), "%s", label);
	s.kind = kind;
	s.created = s.last_seen = st->now;
	s.expires = st->now + st->conf.session_ttl;
	if (grant_len == GRANT_LEN) {
		memcpy(s.grant, grant, GRANT_LEN);
		s.grant_len = GRANT_LEN;
	}
	randombytes_buf(s.sid, SID_LEN);
	randombytes_buf(token, TOKEN_LEN);
	secret_hash(key, token, TOKEN_LEN);
	/* NOOVERWRITE: a colliding random value is an error, never a takeover */
	if ((rc = db_session_put(st, txn, key, &s, MDB_NOOVERWRITE)) != 0)
		return rc;
	ilen = byuser_key(ikey, s.user_id, s.sid, 0);
	return db_put(txn, st->byuser, ikey, ilen, key, HASH_LEN, MDB_NOOVERWRITE);
}

static int
nonce_spend(struct store *st, MDB_txn *txn, const struct proof *p, int *replayed)
{
	uint8_t	exp[8];
	MDB_val	v;
	int	rc, i;

	*replayed = 0;
	if ((rc = db_get(txn, st->nonces, p->nonce, PROOF_NONCE_LEN, &v)) == 0) {
		*replayed = 1;
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	for (i = 0; i < 8; i++)
		exp[i] = p->expires >> (56 - 8 * i);
	return db_put(txn, st->nonces, p->nonce, PROOF_NONCE_LEN, exp, sizeof(exp), MDB_NOOVERWRITE);
}

/* The user record: created at first login, display name kept current. */
static int
user_login(struct store *st, MDB_txn *txn, const struct proof *p)
{
	struct user_rec	u;
	int		rc;

	rc = db_user_get(st, txn, p->user_id, &u);
	if (rc == MDB_NOTFOUND) {
		memset(&u, 0, sizeof(u));
		u.created = st->now;
	} else if (rc != 0)
		return rc;
	else if (strcmp(u.name, p->name) == 0)
		return 0;
	snprintf(u.name, sizeof(u.name), "%s", p->name);
	return db_user_put(st, txn, p->user_id, &u);
}

int
proof_spend(struct store *st, MDB_txn *txn, const struct proof *p, int *replayed)
{
	int rc;

	if ((rc = nonce_spend(st, txn, p, replayed)) != 0 || *replayed)
		return rc;
	return user_login(st, txn, p);
}

int
op_session_create(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	const struct proof		*p = &op->req.proof;
	struct msg_store_session_create_r a;
	int				 rc, replayed;

	if ((rc = proof_spend(st, txn, p, &replayed)) != 0)
		return rc;
	if (replayed) {
		log_warnx("SESSION_CREATE: replayed login proof for %s refused", p->user_id);
		return op_reply(op, m, ST_DENIED, NULL);
	}
	memset(&a, 0, sizeof(a));
	rc = session_new(st, txn, p->user_id, op->req.flag, op->req.label, p->grant, p->grant_len,
	    a.token);
	if (rc == 0) {
		log_debug("session of kind %u created for %s", op->req.flag, p->user_id);
		memcpy(a.user_id, p->user_id, sizeof(a.user_id));
		memcpy(a.name, p->name, sizeof(a.name));
		a.purpose = p->purpose;
		memcpy(a.ref, p->ref, p->ref_len);
		a.ref_len = p->ref_len;
		rc = op_reply(op, m, ST_OK, &a);
	}
	sodium_memzero(&a, sizeof(a));
	return rc;
}

/* Up to MAX_SESSIONS_LISTED unexpired sessions of own's user into a, own's marked
 * current; returns rc. */
static int
sessions_of(struct store *st, MDB_txn *txn, const struct session_rec *own,
    struct msg_store_session_list_r *a)
{
	uint8_t			 prefix[BYUSER_KEY_MAX], key[HASH_LEN];
	size_t			 plen = byuser_key(prefix, own->user_id, NULL, 1), scanned = 0;
	MDB_cursor		*cur;
	MDB_val			 k = { plen, prefix }, v;
	struct session_rec	 s;
	struct session_item	*it;
	int			 rc;

	a->sessions_n = 0;
	if ((rc = mdb_cursor_open(txn, st->byuser, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	    rc == 0 && a->sessions_n < MAX_SESSIONS_LISTED && scanned++ < LIST_SCAN_MAX;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != plen + SID_LEN || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (v.mv_size != HASH_LEN)
			continue;
		memcpy(key, v.mv_data, HASH_LEN);
		if (db_session_get(st, txn, key, &s) != 0)
			continue;	/* expired, or damaged: not listed */
		it = &a->sessions[a->sessions_n++];
		memcpy(it->sid, s.sid, SID_LEN);
		it->kind = s.kind;
		memcpy(it->label, s.label, sizeof(it->label));
		it->created = s.created;
		it->last_seen = s.last_seen;
		it->expires = s.expires;
		it->current = sodium_memcmp(s.sid, own->sid, SID_LEN) == 0;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
op_session_list(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	static struct msg_store_session_list_r	a;
	struct session_rec			s;
	int					rc;

	if ((rc = db_session_get(st, txn, op->req.key, &s)) == MDB_NOTFOUND)
		return op_reply(op, m, ST_NOTFOUND, NULL);
	if (rc != 0 || (rc = sessions_of(st, txn, &s, &a)) != 0)
		return rc;
	return op_reply(op, m, ST_OK, &a);
}

int
op_session_revoke(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct msg_store_session_revoke_r a;
	struct session_rec		own, target;
	uint8_t			ikey[BYUSER_KEY_MAX], tkey[HASH_LEN];
	size_t			ilen;
	MDB_val			v;
	int			rc;

	if ((rc = db_session_get(st, txn, op->req.key, &own)) == MDB_NOTFOUND)
		return op_reply(op, m, ST_NOTFOUND, NULL);
	if (rc != 0)
		return rc;
	/* the index is keyed by the caller's own user: another user's sid is not found */
	ilen = byuser_key(ikey, own.user_id, op->req.sid, 0);
	if ((rc = db_get(txn, st->byuser, ikey, ilen, &v)) == MDB_NOTFOUND)
		return op_reply(op, m, ST_NOTFOUND, NULL);
	if (rc != 0)
		return rc;
	if (v.mv_size != HASH_LEN)
		return STORE_ECORRUPT;
	memcpy(tkey, v.mv_data, HASH_LEN);
	if ((rc = db_get(txn, st->sessions, tkey, HASH_LEN, &v)) == MDB_NOTFOUND) {
		(void)op_reply(op, m, ST_NOTFOUND, NULL);
		return db_del(txn, st->byuser, ikey, ilen);	/* dangling index entry */
	}
	if (rc != 0)
		return rc;
	if (session_decode(v.mv_data, v.mv_size, &target) == -1 ||
	    strcmp(target.user_id, own.user_id) != 0)
		return STORE_ECORRUPT;
	if ((rc = db_session_del(st, txn, tkey, &target)) != 0)
		return rc;
	log_debug("session of %s revoked", own.user_id);
	memcpy(a.grant, target.grant, target.grant_len);
	a.grant_len = target.grant_len;
	return op_reply(op, m, ST_OK, &a);
}
