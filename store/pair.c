/*
 * CLI pairing (security property 5 in README).  The CLI registers a paircode and polls with
 * it; the browser only ever sees the pairing's ref and user code.  States:
 *	pending --approve--> approved --take--> taken
 *	        \--decide, or a refused proof--> denied
 * Approving takes a login proof that authd signed for this pairing's ref
 * (PAIR_APPROVE): the frontend alone can deny, never approve.  authd's proof
 * for an account [access] refuses (PURPOSE_CLI_REFUSED) denies the pairing.
 * A pairing has a ref entry exactly while it is pending, so the refs table's
 * size is the pending count that max_pending_paircodes bounds; the byaddr
 * entries (client address, ref) bound each address to
 * max_pending_paircodes_per_addr.  Expired pairings are removed before either
 * bound is answered as reached.  Look-ups by paircode never tell an unknown
 * paircode from an expired or taken one.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

#define PURGE_SCAN_MAX		4096
#define ADDR_SCAN_MAX		1024	/* byaddr entries looked at for one address */

static int
pending_count(struct store *st, MDB_txn *txn, size_t *n)
{
	MDB_stat	s;
	int		rc;

	if ((rc = mdb_stat(txn, st->refs, &s)) == 0)
		*n = s.ms_entries;
	return rc;
}

static int
del_if_present(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen)
{
	int rc = db_del(txn, dbi, key, klen);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
pair_unlist(struct store *st, MDB_txn *txn, const struct pair_rec *p)
{
	uint8_t	akey[BYADDR_KEY_MAX];
	size_t	alen = byaddr_key(akey, p->client, p->ref);
	int	rc;

	if ((rc = del_if_present(txn, st->refs, p->ref, REF_LEN)) != 0)
		return rc;
	return del_if_present(txn, st->byaddr, akey, alen);
}

/*
 * Deletes up to limit refs whose pairing is no longer pending or has expired
 * (with the expired pairings).  Notes when the next pending one expires, so
 * that a full table is purged again exactly when something in it expired.
 */
int
pair_purge_pending(struct store *st, MDB_txn *txn, uint64_t now, size_t limit)
{
	static uint8_t	 keys[PURGE_SCAN_MAX][HASH_LEN];
	static struct pair_rec	 recs[PURGE_SCAN_MAX];
	MDB_cursor	*cur;
	MDB_val		 k, v;
	struct pair_rec	 p;
	uint64_t	 next = UINT64_MAX;
	size_t		 n = 0, i;
	int		 rc, prc;

	if (limit > PURGE_SCAN_MAX)
		limit = PURGE_SCAN_MAX;
	if ((rc = mdb_cursor_open(txn, st->refs, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < limit;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != REF_LEN || v.mv_size != HASH_LEN)
			continue;
		prc = db_pair_get(st, txn, v.mv_data, &p);
		if (prc == 0 && p.state == PAIR_PENDING && p.expires > now) {
			if (p.expires < next)
				next = p.expires;
			continue;
		}
		if (prc != 0)	/* unreadable: drop the ref, keep what is left */
			memset(&p, 0, sizeof(p));
		memcpy(p.ref, k.mv_data, REF_LEN);
		memcpy(keys[n], v.mv_data, HASH_LEN);
		recs[n++] = p;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	/* stopped early: what is left unseen may expire at any time */
	st->pending_min_expiry = rc == 0 ? 0 : next;
	for (i = 0, rc = 0; i < n && rc == 0; i++) {
		rc = pair_unlist(st, txn, &recs[i]);
		if (rc == 0 && recs[i].expires != 0 && recs[i].expires <= now)
			rc = del_if_present(txn, st->pairs, keys[i], HASH_LEN);
	}
	if (rc == 0 && n > 0)
		log_debug("purged %zu expired pending pairings", n);
	return rc;
}

/* Room for one more pending pairing?  Purges expired ones first when full. */
static int
pending_room(struct store *st, MDB_txn *txn, int *room)
{
	size_t	n;
	int	rc;

	*room = 0;
	if ((rc = pending_count(st, txn, &n)) != 0)
		return rc;
	if (n >= st->conf.max_pending && st->now >= st->pending_min_expiry) {
		if ((rc = pair_purge_pending(st, txn, st->now, PURGE_SCAN_MAX)) != 0 ||
		    (rc = pending_count(st, txn, &n)) != 0)
			return rc;
	}
	*room = n < st->conf.max_pending;
	return 0;
}

/* The pairing a ref names, whatever its state: 0, MDB_NOTFOUND, STORE_ECORRUPT
 * (a refs entry of the wrong size or an unreadable pairing), or an LMDB error. */
static int
ref_pair_get(struct store *st, MDB_txn *txn, const uint8_t ref[REF_LEN], uint8_t key[HASH_LEN],
    struct pair_rec *p)
{
	MDB_val	v;
	int	rc;

	if ((rc = db_get(txn, st->refs, ref, REF_LEN, &v)) != 0)
		return rc;
	if (v.mv_size != HASH_LEN)
		return STORE_ECORRUPT;
	memcpy(key, v.mv_data, HASH_LEN);
	return db_pair_get(st, txn, key, p);
}

/* The pairing a byaddr entry's ref names: 0, MDB_NOTFOUND (no ref, no readable
 * pairing), or an LMDB error. */
static int
addr_lookup(struct store *st, MDB_txn *txn, const uint8_t ref[REF_LEN], uint8_t key[HASH_LEN],
    struct pair_rec *p)
{
	int rc = ref_pair_get(st, txn, ref, key, p);

	return rc == STORE_ECORRUPT ? MDB_NOTFOUND : rc;
}

/* Removes a byaddr entry whose pairing is gone, decided or expired, with its
 * ref and, when expired, the pairing. */
static int
addr_drop(struct store *st, MDB_txn *txn, const char *client, const uint8_t ref[REF_LEN])
{
	uint8_t		key[HASH_LEN], akey[BYADDR_KEY_MAX];
	size_t		alen = byaddr_key(akey, client, ref);
	struct pair_rec	p;
	int		rc;

	rc = addr_lookup(st, txn, ref, key, &p);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (rc == 0 && p.state == PAIR_PENDING && p.expires <= st->now &&
	    (rc = del_if_present(txn, st->pairs, key, HASH_LEN)) != 0)
		return rc;
	if ((rc = del_if_present(txn, st->refs, ref, REF_LEN)) != 0)
		return rc;
	return del_if_present(txn, st->byaddr, akey, alen);
}

/*
 * Room for one more pending pairing from client?  Counts its pending pairings
 * and first removes the expired or stale entries met on the way.
 */
static int
addr_room(struct store *st, MDB_txn *txn, const char *client, int *room)
{
	static uint8_t	 stale[ADDR_SCAN_MAX][REF_LEN];
	uint8_t		 prefix[BYADDR_KEY_MAX], key[HASH_LEN];
	size_t		 plen = byaddr_key(prefix, client, NULL), nstale = 0, live = 0, i;
	MDB_cursor	*cur;
	MDB_val		 k = { plen, prefix }, v;
	struct pair_rec	 p;
	int		 rc, got;

	*room = 0;
	if ((rc = mdb_cursor_open(txn, st->byaddr, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	    rc == 0 && live < st->conf.max_pending_per_addr && nstale < ADDR_SCAN_MAX;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != plen + REF_LEN || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		got = addr_lookup(st, txn, (uint8_t *)k.mv_data + plen, key, &p);
		if (got != 0 && got != MDB_NOTFOUND) {
			rc = got;
			break;
		}
		if (got == 0 && p.state == PAIR_PENDING && p.expires > st->now)
			live++;
		else
			memcpy(stale[nstale++], (uint8_t *)k.mv_data + plen, REF_LEN);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	for (i = 0, rc = 0; i < nstale && rc == 0; i++)
		rc = addr_drop(st, txn, client, stale[i]);
	if (rc == 0 && nstale > 0)
		log_debug("purged %zu stale pending pairings of %s", nstale, client);
	/* a scan that stopped on too many stale entries fails closed */
	*room = live < st->conf.max_pending_per_addr && nstale < ADDR_SCAN_MAX;
	return rc;
}

int
op_pair_create(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct msg_store_pair_create_r	a;
	struct pair_rec			p;
	uint8_t		akey[BYADDR_KEY_MAX];
	size_t		alen;
	int		rc, room;

	/* a paircode in use gets the same answer as a malformed one */
	if ((rc = db_pair_get(st, txn, op->req.key, &p)) == 0)
		return op_reply(op, m, ST_INVALID, NULL);
	if (rc != MDB_NOTFOUND && rc != STORE_ECORRUPT)
		return rc;
	if ((rc = addr_room(st, txn, op->req.client, &room)) != 0)
		return rc;
	if (!room) {
		log_warnx("PAIR_CREATE: %u pairings pending from %s, refused",
		    st->conf.max_pending_per_addr, op->req.client);
		return op_reply(op, m, ST_BUSY, NULL);
	}
	if ((rc = pending_room(st, txn, &room)) != 0)
		return rc;
	if (!room) {
		log_warnx("PAIR_CREATE: %u pairings pending, refused", st->conf.max_pending);
		return op_reply(op, m, ST_BUSY, NULL);
	}
	memset(&p, 0, sizeof(p));
	p.state = PAIR_PENDING;
	user_code_new(p.user_code);
	randombytes_buf(p.ref, REF_LEN);
	memcpy(p.label, op->req.label, sizeof(p.label));
	memcpy(p.client, op->req.client, sizeof(p.client));
	p.created = st->now;
	p.expires = st->now + st->conf.pair_ttl;
	alen = byaddr_key(akey, p.client, p.ref);
	if ((rc = db_pair_put(st, txn, op->req.key, &p)) != 0 ||
	    (rc = db_put(txn, st->refs, p.ref, REF_LEN, op->req.key, HASH_LEN, MDB_NOOVERWRITE)) != 0 ||
	    (rc = db_put(txn, st->byaddr, akey, alen, op->req.key, HASH_LEN, MDB_NOOVERWRITE)) != 0)
		return rc;
	log_debug("pairing created for %s, user code %s", p.client, p.user_code);
	memset(&a, 0, sizeof(a));
	memcpy(a.ref, p.ref, REF_LEN);
	memcpy(a.user_code, p.user_code, sizeof(a.user_code));
	a.expires_in = st->conf.pair_ttl;
	a.interval = PAIR_INTERVAL;
	return op_reply(op, m, ST_OK, &a);
}

/* The pending, unexpired pairing of a ref: 0, or MDB_NOTFOUND for anything else. */
static int
pair_by_ref(struct store *st, MDB_txn *txn, const uint8_t ref[REF_LEN], uint8_t key[HASH_LEN],
    struct pair_rec *p)
{
	int rc;

	if ((rc = ref_pair_get(st, txn, ref, key, p)) != 0)
		return rc;
	if (p->state != PAIR_PENDING || p->expires <= st->now)
		return MDB_NOTFOUND;
	return 0;
}

/* The name of a token's user, when it is a live web session. */
static void
pair_viewer(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN],
    struct msg_store_pair_info_r *a)
{
	struct session_rec	s;
	struct user_rec		u;

	if (db_session_get(st, txn, key, &s) != 0 || s.kind != KIND_WEB ||
	    db_user_get(st, txn, s.user_id, &u) != 0)
		return;
	a->signed_in = 1;
	memcpy(a->user_id, s.user_id, sizeof(a->user_id));
	memcpy(a->name, u.name, sizeof(a->name));
}

int
op_pair_info(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct msg_store_pair_info_r	a;
	struct pair_rec			p;
	uint8_t		key[HASH_LEN];
	int		rc;

	if ((rc = pair_by_ref(st, txn, op->req.ref, key, &p)) == MDB_NOTFOUND)
		return op_reply(op, m, ST_NOTFOUND, NULL);
	if (rc != 0)
		return rc;
	memset(&a, 0, sizeof(a));
	memcpy(a.user_code, p.user_code, sizeof(a.user_code));
	a.expires_in = (uint32_t)(p.expires - st->now);
	memcpy(a.label, p.label, sizeof(a.label));
	memcpy(a.client, p.client, sizeof(a.client));
	a.created = p.created;
	if (op->req.flag)	/* who is looking: a browser's live session */
		pair_viewer(st, txn, op->req.key, &a);
	return op_reply(op, m, ST_OK, &a);
}

/* PAIR_DECIDE's answer: who decided. */
static int
pair_decided(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m, const char *user_id)
{
	struct msg_store_pair_decide_r	a;
	struct user_rec			u;
	int				rc;

	if ((rc = db_user_get(st, txn, user_id, &u)) != 0)
		return rc == MDB_NOTFOUND ? STORE_ECORRUPT : rc;
	snprintf(a.user_id, sizeof(a.user_id), "%s", user_id);
	memcpy(a.name, u.name, sizeof(a.name));
	return op_reply(op, m, ST_OK, &a);
}

int
op_pair_decide(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct session_rec	s;
	struct pair_rec		p;
	uint8_t			key[HASH_LEN];
	int			rc;

	if (op->req.flag != 0)	/* approving takes a proof: PAIR_APPROVE */
		return op_reply(op, m, ST_INVALID, NULL);
	rc = db_session_get(st, txn, op->req.key, &s);
	if (rc == 0 && s.kind != KIND_WEB)
		rc = MDB_NOTFOUND;	/* only a browser session denies */
	if (rc == 0)
		rc = pair_by_ref(st, txn, op->req.ref, key, &p);
	if (rc == MDB_NOTFOUND)
		return op_reply(op, m, ST_NOTFOUND, NULL);
	if (rc != 0)
		return rc;
	p.state = PAIR_DENIED;
	if ((rc = db_pair_put(st, txn, key, &p)) != 0 || (rc = pair_unlist(st, txn, &p)) != 0)
		return rc;
	log_info("pairing denied by %s", s.user_id);
	return pair_decided(st, txn, op, m, s.user_id);
}

/*
 * Approval: request.c verified the proof (authd's signature, freshness,
 * PURPOSE_CLI or PURPOSE_CLI_REFUSED with a ref); here it must name a
 * pending pairing and be unused.  PURPOSE_CLI approves: the approving login's
 * grant goes with the pairing to the CLI session.  PURPOSE_CLI_REFUSED (an
 * account [access] refuses) denies the pairing, as PAIR_DECIDE does; its
 * proof's nonce is spent all the same, and no user is recorded.
 */
int
op_pair_approve(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	const struct proof	*pr = &op->req.proof;
	struct pair_rec		 p;
	uint8_t			 key[HASH_LEN];
	int			 rc, replayed, refused = pr->purpose == PURPOSE_CLI_REFUSED;

	if ((rc = pair_by_ref(st, txn, pr->ref, key, &p)) == MDB_NOTFOUND)
		return op_reply(op, m, ST_NOTFOUND, NULL);
	if (rc != 0 || (rc = proof_spend(st, txn, pr, &replayed)) != 0)
		return rc;
	if (replayed) {
		log_warnx("PAIR_APPROVE: replayed login proof for %s refused", pr->user_id);
		return op_reply(op, m, ST_DENIED, NULL);
	}
	if (refused)
		p.state = PAIR_DENIED;
	else {
		p.state = PAIR_APPROVED;
		snprintf(p.user_id, sizeof(p.user_id), "%s", pr->user_id);
		memcpy(p.grant, pr->grant, pr->grant_len);
		p.grant_len = pr->grant_len;
	}
	if ((rc = db_pair_put(st, txn, key, &p)) != 0 || (rc = pair_unlist(st, txn, &p)) != 0)
		return rc;
	if (refused)
		log_info("pairing denied: %s is not allowed", pr->user_id);
	else
		log_info("pairing approved by %s", pr->user_id);
	return op_reply(op, m, ST_OK, NULL);
}

static uint8_t
pair_poll(struct store *st, MDB_txn *txn, const uint8_t key[HASH_LEN], struct pair_rec *p)
{
	uint8_t	buf[RECORD_MAX];
	uint8_t	status = ST_PENDING;
	int	len;

	if (p->last_poll_ms != 0 && st->now_ms < p->last_poll_ms + SLOW_DOWN_MS)
		status = ST_SLOW_DOWN;
	p->last_poll_ms = st->now_ms;
	if ((len = pair_encode(p, buf)) != -1)
		db_touch(st, txn, st->pairs, key, HASH_LEN, buf, len);
	return status;
}

int
op_pair_take(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct msg_store_pair_take_r	a;
	struct pair_rec			p;
	int		rc;

	rc = db_pair_get(st, txn, op->req.key, &p);
	if (rc == 0 && p.expires <= st->now)
		rc = MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND)
		return op_reply(op, m, ST_EXPIRED, NULL);
	if (rc != 0)
		return rc;
	switch (p.state) {
	case PAIR_PENDING:
		return op_reply(op, m, pair_poll(st, txn, op->req.key, &p), NULL);
	case PAIR_DENIED:
		return op_reply(op, m, ST_DENIED, NULL);
	case PAIR_TAKEN:
		return op_reply(op, m, ST_EXPIRED, NULL);
	}
	/* approved: exactly one CLI session, then the pairing is spent */
	p.state = PAIR_TAKEN;
	memset(&a, 0, sizeof(a));
	rc = session_new(st, txn, p.user_id, KIND_CLI, p.label, p.grant, p.grant_len, a.token);
	p.grant_len = 0;	/* the session holds it now */
	if (rc == 0 &&
	    (rc = db_pair_put(st, txn, op->req.key, &p)) == 0) {
		log_info("pairing taken: CLI session for %s", p.user_id);
		memcpy(a.user_id, p.user_id, sizeof(a.user_id));
		rc = op_reply(op, m, ST_OK, &a);
	}
	sodium_memzero(&a, sizeof(a));
	return rc;
}
