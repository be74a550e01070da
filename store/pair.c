/*
 * CLI pairing (SPEC property 5).  The CLI registers a paircode and polls with
 * it; the browser only ever sees the pairing's ref and user code.  States:
 *	pending --decide--> approved --take--> taken
 *	        \--decide--> denied
 * A pairing has a ref entry exactly while it is pending, so the refs table's
 * size is the pending count that max_pending_paircodes bounds.  Look-ups by
 * paircode never tell an unknown paircode from an expired or taken one.
 */
#include "store.h"

#include <string.h>

#include "log.h"

#define PURGE_SCAN_MAX		4096
#define PURGE_MIN_GAP_MS	1000	/* inline purges when full: at most once a second */

static int
pending_count(struct store *st, MDB_txn *txn, size_t *n)
{
	MDB_stat	s;
	int		rc;

	if ((rc = mdb_stat(txn, st->refs, &s)) == 0)
		*n = s.ms_entries;
	return rc;
}

int
pair_purge_pending(struct store *st, MDB_txn *txn, uint64_t now, size_t limit)
{
	static uint8_t	 refs[PURGE_SCAN_MAX][REF_LEN], keys[PURGE_SCAN_MAX][HASH_LEN];
	MDB_cursor	*cur;
	MDB_val		 k, v;
	struct pair_rec	 p;
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
		if (prc == 0 && p.state == PAIR_PENDING && p.expires > now)
			continue;
		memcpy(refs[n], k.mv_data, REF_LEN);
		memcpy(keys[n], v.mv_data, HASH_LEN);
		n++;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	for (i = 0, rc = 0; i < n && rc == 0; i++) {
		rc = db_del(txn, st->refs, refs[i], REF_LEN);
		if (rc == 0 && db_pair_get(st, txn, keys[i], &p) == 0 && p.expires <= now)
			rc = db_del(txn, st->pairs, keys[i], HASH_LEN);
	}
	if (rc == 0 && n > 0)
		log_debug("purged %zu expired pending pairings", n);
	return rc;
}

/* Room for one more pending pairing?  Purges expired ones (rate limited) when full. */
static int
pending_room(struct store *st, MDB_txn *txn, int *room)
{
	size_t	n;
	int	rc;

	*room = 0;
	if ((rc = pending_count(st, txn, &n)) != 0)
		return rc;
	if (n >= st->conf.max_pending && st->now_ms >= st->last_purge_ms + PURGE_MIN_GAP_MS) {
		st->last_purge_ms = st->now_ms;
		if ((rc = pair_purge_pending(st, txn, st->now, PURGE_SCAN_MAX)) != 0 ||
		    (rc = pending_count(st, txn, &n)) != 0)
			return rc;
	}
	*room = n < st->conf.max_pending;
	return 0;
}

int
op_pair_create(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct pair_rec	p;
	int		rc, room;

	if ((rc = db_pair_get(st, txn, op->req.key, &p)) == 0) {
		m_reply(m, &op->hdr, ST_INVALID);	/* in use: same answer as malformed */
		return 0;
	}
	if (rc != MDB_NOTFOUND && rc != STORE_ECORRUPT)
		return rc;
	if ((rc = pending_room(st, txn, &room)) != 0)
		return rc;
	if (!room) {
		log_warnx("PAIR_CREATE: %u pairings pending, refused", st->conf.max_pending);
		m_reply(m, &op->hdr, ST_BUSY);
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.state = PAIR_PENDING;
	user_code_new(p.user_code);
	randombytes_buf(p.ref, REF_LEN);
	memcpy(p.label, op->req.label, sizeof(p.label));
	p.expires = st->now + st->conf.pair_ttl;
	if ((rc = db_pair_put(st, txn, op->req.key, &p)) != 0 ||
	    (rc = db_put(txn, st->refs, p.ref, REF_LEN, op->req.key, HASH_LEN, MDB_NOOVERWRITE)) != 0)
		return rc;
	log_debug("pairing created, user code %s", p.user_code);
	m_reply(m, &op->hdr, ST_OK);
	m_add_bytes(m, p.ref, REF_LEN);
	m_add_str(m, p.user_code, USER_CODE_LEN);
	m_add_u32(m, st->conf.pair_ttl);
	m_add_u32(m, PAIR_INTERVAL);
	return 0;
}

/* The pending, unexpired pairing of a ref: 0, or MDB_NOTFOUND for anything else. */
static int
pair_by_ref(struct store *st, MDB_txn *txn, const uint8_t ref[REF_LEN], uint8_t key[HASH_LEN],
    struct pair_rec *p)
{
	MDB_val	v;
	int	rc;

	if ((rc = db_get(txn, st->refs, ref, REF_LEN, &v)) != 0)
		return rc;
	if (v.mv_size != HASH_LEN)
		return STORE_ECORRUPT;
	memcpy(key, v.mv_data, HASH_LEN);
	if ((rc = db_pair_get(st, txn, key, p)) != 0)
		return rc;
	if (p->state != PAIR_PENDING || p->expires <= st->now)
		return MDB_NOTFOUND;
	return 0;
}

int
op_pair_info(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct pair_rec	p;
	uint8_t		key[HASH_LEN];
	int		rc;

	if ((rc = pair_by_ref(st, txn, op->req.ref, key, &p)) == MDB_NOTFOUND) {
		m_reply(m, &op->hdr, ST_NOTFOUND);
		return 0;
	}
	if (rc != 0)
		return rc;
	m_reply(m, &op->hdr, ST_OK);
	m_add_str(m, p.user_code, USER_CODE_LEN);
	m_add_u32(m, (uint32_t)(p.expires - st->now));
	m_add_str(m, p.label, MAX_LABEL);
	return 0;
}

int
op_pair_decide(struct store *st, MDB_txn *txn, struct op *op, struct mbuf *m)
{
	struct session_rec	s;
	struct pair_rec		p;
	uint8_t			key[HASH_LEN];
	int			rc;

	rc = db_session_get(st, txn, op->req.key, &s);
	if (rc == 0 && s.kind != KIND_WEB)
		rc = MDB_NOTFOUND;	/* only a browser session approves */
	if (rc == 0)
		rc = pair_by_ref(st, txn, op->req.ref, key, &p);
	if (rc == MDB_NOTFOUND) {
		m_reply(m, &op->hdr, ST_NOTFOUND);
		return 0;
	}
	if (rc != 0)
		return rc;
	p.state = op->req.flag ? PAIR_APPROVED : PAIR_DENIED;
	if (op->req.flag)
		memcpy(p.user_id, s.user_id, sizeof(p.user_id));
	if ((rc = db_pair_put(st, txn, key, &p)) != 0 ||
	    (rc = db_del(txn, st->refs, op->req.ref, REF_LEN)) != 0)
		return rc;
	log_info("pairing %s by %s", op->req.flag ? "approved" : "denied", s.user_id);
	m_reply(m, &op->hdr, ST_OK);
	return 0;
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
	struct pair_rec	p;
	uint8_t		token[TOKEN_LEN];
	int		rc;

	rc = db_pair_get(st, txn, op->req.key, &p);
	if (rc == 0 && p.expires <= st->now)
		rc = MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND) {
		m_reply(m, &op->hdr, ST_EXPIRED);
		return 0;
	}
	if (rc != 0)
		return rc;
	switch (p.state) {
	case PAIR_PENDING:
		m_reply(m, &op->hdr, pair_poll(st, txn, op->req.key, &p));
		return 0;
	case PAIR_DENIED:
		m_reply(m, &op->hdr, ST_DENIED);
		return 0;
	case PAIR_TAKEN:
		m_reply(m, &op->hdr, ST_EXPIRED);
		return 0;
	}
	/* approved: exactly one CLI session, then the pairing is spent */
	p.state = PAIR_TAKEN;
	if ((rc = session_new(st, txn, p.user_id, KIND_CLI, p.label, NULL, 0, token)) == 0 &&
	    (rc = db_pair_put(st, txn, op->req.key, &p)) == 0) {
		log_info("pairing taken: CLI session for %s", p.user_id);
		m_reply(m, &op->hdr, ST_OK);
		m_add_bytes(m, token, TOKEN_LEN);
		m_add_str(m, p.user_id, MAX_USERID);
	}
	sodium_memzero(token, sizeof(token));
	return rc;
}
