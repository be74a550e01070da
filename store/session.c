/* Sessions: created from a login proof, read and counted by token, listed and revoked. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

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
		memcpy(a.get.email, u.email, sizeof(a.get.email));
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
	uint8_t			key[HASH_LEN];
	uint8_t			sid[SID_LEN];
	uint8_t			kind;
	enum session_entry	state;	/* ENTRY_LIVE, _EXPIRED, or _MISSING: an index entry alone */
	uint64_t		last_seen, created;
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

/* The index entries of user_id (at most CAP_SCAN_MAX) into held[]; *all
 * when that was every one.  Returns rc. */
static int
held_scan(struct store *st, MDB_txn *txn, const char *user_id, size_t *n, int *all)
{
	uint8_t			 prefix[BYUSER_KEY_MAX];
	size_t			 plen = byuser_key(prefix, user_id, 0, NULL);
	MDB_cursor		*cur;
	MDB_val			 k = { plen, prefix }, v;
	struct session_rec	 s;
	struct held		*h;
	const uint8_t		*key;
	int			 rc, got;

	*n = 0;
	*all = 0;
	if ((rc = mdb_cursor_open(txn, st->byuser, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		key = k.mv_data;
		if (k.mv_size != plen + 1 + SID_LEN || memcmp(key, prefix, plen) != 0) {
			*all = 1;
			break;
		}
		if (*n == CAP_SCAN_MAX)
			break;
		if ((got = session_entry(st, txn, &v, key[plen], &s, &rc)) == -1)
			break;
		if (got == ENTRY_DAMAGED)
			continue;	/* neither counted nor touched */
		h = &held[(*n)++];
		memcpy(h->key, v.mv_data, HASH_LEN);
		h->kind = key[plen];
		memcpy(h->sid, key + plen + 1, SID_LEN);
		if ((h->state = got) != ENTRY_MISSING) {
			h->last_seen = s.last_seen;
			h->created = s.created;
		}
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		*all = 1;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Deletes a held session with its index entry and count, or a dangling
 * byuser entry. */
static int
held_drop(struct store *st, MDB_txn *txn, const char *user_id, const struct held *h)
{
	struct session_rec	s;
	uint8_t			ikey[BYUSER_KEY_MAX];
	size_t			ilen;
	int			rc;

	if (h->state == ENTRY_MISSING) {
		ilen = byuser_key(ikey, user_id, h->kind, h->sid);
		rc = db_del(txn, st->byuser, ikey, ilen);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	memset(&s, 0, sizeof(s));
	snprintf(s.user_id, sizeof(s.user_id), "%s", user_id);
	memcpy(s.sid, h->sid, SID_LEN);
	s.kind = h->kind;
	return session_drop(st, txn, h->key, &s);
}

/* 1 when user_id's counted sessions leave room for one more; 0 with *rc set
 * when they do not or the user's record is unreadable. */
static int
session_room(struct store *st, MDB_txn *txn, const char *user_id, int *rc)
{
	struct user_rec u;

	if ((*rc = db_user_get(st, txn, user_id, &u)) != 0) {
		if (*rc == MDB_NOTFOUND)
			*rc = STORE_ECORRUPT;
		return 0;
	}
	return (uint64_t)u.web_sessions + u.cli_sessions < st->conf.max_per_user;
}

/*
 * Makes room for one more session of kind.  Under the cap (the counts in the
 * user's record say so) nothing more is read.  At the cap: removes the user's
 * expired sessions, then, while max_per_user are live, evicts the least
 * recently seen one (of the same kind first), and sets the counts to what
 * the scan found.  O(sessions of this user), at the cap only.
 */
static int
session_cap(struct store *st, MDB_txn *txn, const char *user_id, uint8_t kind)
{
	size_t		n, live = 0, i, evict = 0;
	uint32_t	web = 0, cli = 0;
	int		rc, all;

	if (st->conf.max_per_user == 0 || session_room(st, txn, user_id, &rc))
		return 0;
	if (rc != 0 || (rc = held_scan(st, txn, user_id, &n, &all)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (held[i].state != ENTRY_LIVE && (rc = held_drop(st, txn, user_id, &held[i])) != 0)
			return rc;
	for (i = 0; i < n; i++)
		if (held[i].state == ENTRY_LIVE)
			held[live++] = held[i];
	if (live >= st->conf.max_per_user) {
		held_kind = kind;
		qsort(held, live, sizeof(held[0]), held_order);
		evict = live - st->conf.max_per_user + 1;
	}
	for (i = 0; i < evict; i++) {
		if ((rc = held_drop(st, txn, user_id, &held[i])) != 0)
			return rc;
		log_info("%s has %zu sessions (max_sessions_per_user %u): the least recently "
		    "used %s session was ended", user_id, live, st->conf.max_per_user,
		    held[i].kind == KIND_CLI ? "command-line" : "web");
	}
	if (!all)
		return 0;
	for (i = evict; i < live; i++)
		*(held[i].kind == KIND_CLI ? &cli : &web) += 1;
	return session_counts_set(st, txn, user_id, web, cli);
}

int
session_new(struct store *st, MDB_txn *txn, const char *user_id, uint8_t kind, const char *label,
    const uint8_t *grant, size_t grant_len, uint8_t token[TOKEN_LEN])
{
	struct session_rec	s;
	uint8_t			key[HASH_LEN];
	int			rc;

	if ((rc = session_cap(st, txn, user_id, kind)) != 0)
		return rc;
	memset(&s, 0, sizeof(s));
	snprintf(s.user_id, sizeof(s.user_id), "%s", user_id);
	snprintf(s.label, sizeof(s.label), "%s", label);
	s.kind = kind;
	s.created = s.last_seen = st->now;
	s.expires = st->now + st->conf.session_ttl;
	if (grant_len > 0 && grant_len <= sizeof(s.grant)) {	/* authd's, opaque here */
		memcpy(s.grant, grant, grant_len);
		s.grant_len = grant_len;
	}
	sid_new(s.sid, s.created);
	randombytes_buf(token, TOKEN_LEN);
	secret_hash(key, token, TOKEN_LEN);
	return session_add(st, txn, key, &s);
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
	/* kept until the login itself expires: a proof of the same login made
	 * later, at another authd, bears the same nonce */
	for (i = 0; i < 8; i++)
		exp[i] = proof_nonce_expiry(p) >> (56 - 8 * i);
	return db_put(txn, st->nonces, p->nonce, PROOF_NONCE_LEN, exp, sizeof(exp), MDB_NOOVERWRITE);
}

/* The user record: created at first login, display name and e-mail address
 * kept those of the latest sign-in. */
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
	else if (strcmp(u.name, p->name) == 0 && strcmp(u.email, p->email) == 0)
		return 0;
	snprintf(u.name, sizeof(u.name), "%s", p->name);
	snprintf(u.email, sizeof(u.email), "%s", p->email);
	return db_user_put(st, txn, p->user_id, &u);
}

int
proof_spend(struct store *st, MDB_txn *txn, const struct proof *p, int *replayed)
{
	int rc;

	if ((rc = nonce_spend(st, txn, p, replayed)) != 0 || *replayed)
		return rc;
	if (p->purpose != PURPOSE_WEB && p->purpose != PURPOSE_CLI)
		return 0;	/* signs nobody in */
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

/*
 * LOGOUT: request.c verified the proof (PURPOSE_LOGOUT naming a user, no
 * ref).  Its nonce is spent once: a replay is answered ST_DENIED and ends
 * nothing.  Then every session of the user, web and CLI, ends with its index
 * entry and count, as held_drop ends one at the cap.  max_sessions_per_user
 * bounds them; without a cap, scans of CAP_SCAN_MAX entries repeat until the
 * user has none.  The user's approved pairings not taken yet are left: they
 * are not indexed by user, and the CLI's next poll takes them.
 */
int
op_logout(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	const struct proof		*p = &op->req.proof;
	struct msg_store_logout_r	 a;
	struct user_rec			 u;
	size_t				 n = 1, i;
	int				 rc, replayed, all = 0;

	if ((rc = proof_spend(st, txn, p, &replayed)) != 0)
		return rc;
	if (replayed) {
		log_warnx("LOGOUT: replayed logout proof for %s refused", p->user_id);
		return op_reply(op, m, ST_DENIED, NULL);
	}
	memset(&a, 0, sizeof(a));
	while (!all && n > 0) {
		if ((rc = held_scan(st, txn, p->user_id, &n, &all)) != 0)
			return rc;
		for (i = 0; i < n; i++) {
			if ((rc = held_drop(st, txn, p->user_id, &held[i])) != 0)
				return rc;
			a.revoked += held[i].state == ENTRY_LIVE;
		}
	}
	/* counts a full map's sweep left too high are set right */
	if ((rc = db_user_get(st, txn, p->user_id, &u)) == 0)
		rc = session_counts_set(st, txn, p->user_id, 0, 0);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	log_info("logout of %s: %u sessions ended", p->user_id, a.revoked);
	return op_reply(op, m, ST_OK, &a);
}

/* The lists of PAGE_HOME and PAGE_ALL: kinds in order, and how many of each. */
static const struct {
	uint8_t		kinds[2];
	uint32_t	max;
} page_lists[] = {
	[PAGE_HOME] = { { KIND_CLI, 0 }, PAGE_CLI_SHOWN },
	[PAGE_ALL] = { { KIND_WEB, KIND_CLI }, MAX_SESSIONS_LISTED / 2 },
};

int
op_page(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	static struct msg_store_page_r	 a;
	struct session_rec		 s;
	struct user_rec			 u;
	uint32_t			 all, *counted;
	uint8_t				 kind;
	size_t				 i;
	int				 rc;

	if ((rc = session_lookup(st, txn, op->req.key, &s, &u)) != 0)
		return rc == MDB_NOTFOUND ? op_reply(op, m, ST_NOTFOUND, NULL) : rc;
	memcpy(a.user_id, s.user_id, sizeof(a.user_id));
	memcpy(a.name, u.name, sizeof(a.name));
	a.counter = u.counter;
	a.kind = s.kind;
	memcpy(a.sid, s.sid, SID_LEN);
	a.web_sessions = u.web_sessions;
	a.cli_sessions = u.cli_sessions;
	a.sessions_n = 0;
	for (i = 0; i < 2 && (kind = page_lists[op->req.flag].kinds[i]) != 0; i++) {
		if ((rc = session_recent(st, txn, s.user_id, kind, page_lists[op->req.flag].max,
		    s.sid, &a, &all)) != 0)
			return rc;
		counted = kind == KIND_CLI ? &a.cli_sessions : &a.web_sessions;
		if (all != UINT32_MAX && all != *counted) {	/* after a full map's sweep */
			session_count_fix(st, txn, s.user_id, kind, all);
			*counted = all;
		}
	}
	session_touch(st, txn, op->req.key, &s);
	return op_reply(op, m, ST_OK, &a);
}

/*
 * The session a revoke names, of own's user, into target and tkey: 0,
 * MDB_NOTFOUND (answered), or an error.  The index is keyed by the caller's
 * own user: another user's sid is not found.
 */
static int
revoke_target(struct store *st, MDB_txn *txn, const struct session_rec *own, const uint8_t *sid,
    struct session_rec *target, uint8_t tkey[HASH_LEN])
{
	uint8_t			ikey[BYUSER_KEY_MAX];
	size_t			ilen;
	uint8_t			kind = KIND_WEB;
	MDB_val			v;
	int			rc;

	ilen = byuser_key(ikey, own->user_id, kind, sid);
	if ((rc = db_get(txn, st->byuser, ikey, ilen, &v)) == MDB_NOTFOUND) {
		kind = KIND_CLI;
		ilen = byuser_key(ikey, own->user_id, kind, sid);
		rc = db_get(txn, st->byuser, ikey, ilen, &v);
	}
	if (rc != 0)
		return rc;
	switch (session_entry(st, txn, &v, kind, target, &rc)) {
	case -1:
		return rc;
	case ENTRY_MISSING:
		rc = db_del(txn, st->byuser, ikey, ilen);	/* dangling index entry */
		return rc == 0 ? MDB_NOTFOUND : rc;
	case ENTRY_DAMAGED:
		return STORE_ECORRUPT;
	}
	if (strcmp(target->user_id, own->user_id) != 0)
		return STORE_ECORRUPT;
	memcpy(tkey, v.mv_data, HASH_LEN);
	return 0;
}

int
op_session_revoke(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct msg_store_session_revoke_r a;
	struct session_rec		own, target;
	uint8_t				tkey[HASH_LEN];
	int				rc;

	if ((rc = db_session_get(st, txn, op->req.key, &own)) == MDB_NOTFOUND)
		return op_reply(op, m, ST_NOTFOUND, NULL);
	if (rc != 0)
		return rc;
	if (op->req.flag == 0) {	/* no sid: the token's own session */
		target = own;
		memcpy(tkey, op->req.key, HASH_LEN);
	} else if ((rc = revoke_target(st, txn, &own, op->req.sid, &target, tkey)) != 0)
		return rc == MDB_NOTFOUND ? op_reply(op, m, ST_DENIED, NULL) : rc;
	if ((rc = session_drop(st, txn, tkey, &target)) != 0)
		return rc;
	log_debug("session of %s revoked", own.user_id);
	memset(&a, 0, sizeof(a));
	memcpy(a.grant, target.grant, target.grant_len);
	a.grant_len = target.grant_len;
	a.own = sodium_memcmp(target.sid, own.sid, SID_LEN) == 0;
	memcpy(a.user_id, own.user_id, sizeof(a.user_id));
	rc = op_reply(op, m, ST_OK, &a);
	sodium_memzero(&a, sizeof(a));
	return rc;
}
