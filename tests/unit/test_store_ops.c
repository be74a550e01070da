/*
 * Unit tests of the store's operations on a real LMDB environment in a temp
 * directory, without sockets: ops are applied through batch_apply() exactly as
 * the daemon does, with a clock the test moves (expiry, slow_down, sweeps).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../store/store.h"
#include "check.h"
#include "log.h"

static struct store	st;
static char		dir[64];
static struct op	*last;

static void
store_open(size_t map_size, uint32_t max_pending)
{
	memset(&st, 0, sizeof(st));
	snprintf(dir, sizeof(dir), "/tmp/airlock-store-unit.XXXXXX");
	if (mkdtemp(dir) == NULL)
		exit(1);
	st.conf.database = dir;
	st.conf.map_size = map_size;
	st.conf.session_ttl = 3600;
	st.conf.pair_ttl = 600;
	st.conf.max_pending = max_pending;
	st.conf.max_pending_per_addr = 8;
	st.now = 1800000000;
	st.now_ms = st.now * 1000;
	TAILQ_INIT(&st.queue);
	db_open(&st);
}

static void
store_close(void)
{
	char cmd[128];

	if (last != NULL)
		op_free(last);
	last = NULL;
	db_close(&st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		exit(1);
}

static void
set_time(uint64_t now, uint64_t ms)
{
	st.now = now;
	st.now_ms = now * 1000 + ms;
}

static struct op *
mk(op_apply apply, int flags)
{
	struct msg_hdr	h = { 0, PROTO_VERSION, MSG_STORE_PING, 7 };
	struct op	*op = op_new(NULL, &h, apply, flags);

	if (op == NULL)
		exit(1);
	return op;
}

/* Applies ops[0..n) in one batch; answers stay readable until the next batch. */
static void
batch(struct op **ops, size_t n)
{
	struct op_list	list;
	size_t		i;

	TAILQ_INIT(&list);
	for (i = 0; i < n; i++)
		TAILQ_INSERT_TAIL(&list, ops[i], entry);
	batch_apply(&st, &list);
}

static uint8_t
answer(struct op *op, struct mreader *r)
{
	if (op->reply == NULL || op->reply_len < MSG_HDR_LEN + 1)
		return 255;
	m_reader(r, op->reply + MSG_HDR_LEN, op->reply_len - MSG_HDR_LEN);
	return m_get_u8(r);
}

/* One op alone; its answer's reader is returned in r (valid until the next run). */
static uint8_t
run(struct op *op, struct mreader *r)
{
	if (last != NULL)
		op_free(last);
	last = op;
	batch(&op, 1);
	return answer(op, r);
}

static void
token_key(uint8_t key[HASH_LEN], const uint8_t token[TOKEN_LEN])
{
	secret_hash(key, token, TOKEN_LEN);
}

static void
mkproof(struct proof *p, const char *user, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->purpose = PURPOSE_WEB;
	p->expires = st.now + PROOF_TTL;
	randombytes_buf(p->nonce, sizeof(p->nonce));
	snprintf(p->user_id, sizeof(p->user_id), "%s", user);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->grant_len = GRANT_LEN;
	memset(p->grant, user[0], GRANT_LEN);
}

static uint8_t
create(const struct proof *p, uint8_t kind, uint8_t token[TOKEN_LEN])
{
	struct op	*op = mk(op_session_create, OP_WRITE);
	struct mreader	 r;
	uint8_t		 s;

	op->req.proof = *p;
	op->req.flag = kind;
	snprintf(op->req.label, sizeof(op->req.label), "label-%.50s", p->user_id);
	if ((s = run(op, &r)) == ST_OK)
		m_get_bytes(&r, token, TOKEN_LEN);
	return s;
}

static uint8_t
login(const char *user, uint8_t token[TOKEN_LEN])
{
	struct proof p;

	mkproof(&p, user, "Name");
	return create(&p, KIND_WEB, token);
}

static uint8_t
tok_op(op_apply apply, int flags, const uint8_t token[TOKEN_LEN], struct mreader *r)
{
	struct op *op = mk(apply, flags);

	token_key(op->req.key, token);
	return run(op, r);
}

static uint8_t
get(const uint8_t token[TOKEN_LEN], uint64_t *counter, uint8_t sid[SID_LEN])
{
	struct mreader	r;
	char		s[MAX_USERID + 1];
	uint8_t		status = tok_op(op_session_get, 0, token, &r);

	if (status == ST_OK) {
		m_get_str(&r, s, MAX_USERID);
		m_get_str(&r, s, MAX_NAME);
		*counter = m_get_u64(&r);
		m_get_u8(&r);
		m_get_bytes(&r, sid, SID_LEN);
		if (m_end(&r) == -1)
			return 254;
	}
	return status;
}

static uint8_t
incr(const uint8_t token[TOKEN_LEN], uint64_t *v)
{
	struct mreader	r;
	uint8_t		status = tok_op(op_increment, OP_WRITE, token, &r);

	if (status == ST_OK)
		*v = m_get_u64(&r);
	return status;
}

/* last_seen of the first session listed for token's user (tests list one). */
static uint64_t
last_seen(const uint8_t token[TOKEN_LEN])
{
	struct mreader	r;
	uint8_t		sid[SID_LEN];
	char		label[MAX_LABEL + 1];

	if (tok_op(op_session_list, 0, token, &r) != ST_OK || m_get_u32(&r) != 1)
		return 0;
	m_get_bytes(&r, sid, SID_LEN);
	m_get_u8(&r);
	m_get_str(&r, label, MAX_LABEL);
	m_get_u64(&r);
	return m_get_u64(&r);
}

static void
test_sessions(void)
{
	uint8_t		t1[TOKEN_LEN], t2[TOKEN_LEN], t3[TOKEN_LEN], sid[SID_LEN], sid2[SID_LEN];
	uint8_t		bogus[TOKEN_LEN] = { 0 };
	struct proof	p;
	struct mreader	r;
	uint64_t	c = 99, v = 0;
	uint32_t	n;
	int		i;

	store_open(16 << 20, 8);
	mkproof(&p, "github:1", "Alice");
	CHECK(create(&p, KIND_WEB, t1) == ST_OK, "create: web session from a proof");
	CHECK(create(&p, KIND_WEB, t2) == ST_DENIED, "create: same proof again is a replay");
	CHECK(get(t1, &c, sid) == ST_OK && c == 0, "get: new user has count 0");
	for (i = 0; i < 3; i++)
		incr(t1, &v);
	CHECK(v == 3 && get(t1, &c, sid) == ST_OK && c == 3, "increment: three times");
	CHECK(get(bogus, &c, sid) == ST_NOTFOUND, "get: unknown token");
	CHECK(incr(bogus, &v) == ST_NOTFOUND, "increment: unknown token");

	mkproof(&p, "github:1", "Alice Renamed");
	CHECK(create(&p, KIND_WEB, t2) == ST_OK, "create: second session, same user");
	CHECK(get(t2, &c, sid2) == ST_OK && c == 3 &&
	    memcmp(sid, sid2, SID_LEN) != 0, "second session sees the same counter");
	CHECK(login("github:2", t3) == ST_OK, "create: another user");
	CHECK(incr(t3, &v) == ST_OK && v == 1, "users have separate counters");

	CHECK(tok_op(op_session_list, 0, t1, &r) == ST_OK &&
	    (n = m_get_u32(&r)) == 2, "list: two sessions of user 1");

	/* revoke: another user's sid is not found; own other session works */
	{
		struct op *op = mk(op_session_revoke, OP_WRITE);
		uint8_t grant[GRANT_LEN];
		size_t glen = 0;

		token_key(op->req.key, t3);
		memcpy(op->req.sid, sid2, SID_LEN);
		CHECK(run(op, &r) == ST_NOTFOUND, "revoke: another user's session refused");
		op = mk(op_session_revoke, OP_WRITE);
		token_key(op->req.key, t1);
		memcpy(op->req.sid, sid2, SID_LEN);
		CHECK(run(op, &r) == ST_OK, "revoke: own other session");
		m_get_blob(&r, grant, sizeof(grant), &glen);
		CHECK(m_end(&r) == 0 && glen == GRANT_LEN &&
		    grant[0] == 'g', "revoke: answers the grant handle");
		CHECK(get(t2, &c, sid2) == ST_NOTFOUND, "revoked session is gone");
		CHECK(tok_op(op_session_list, 0, t1, &r) == ST_OK &&
		    m_get_u32(&r) == 1, "list: one left");
	}

	/* last_seen: at most once a minute */
	{
		uint64_t created = st.now;

		set_time(created + 30, 0);
		get(t1, &c, sid);
		CHECK(last_seen(t1) == created, "last_seen: not written within a minute");
		set_time(created + 61, 0);
		get(t1, &c, sid);
		CHECK(last_seen(t1) == created + 61, "last_seen: written after a minute");
	}

	/* expiry and sweep */
	{
		size_t deleted;
		int more;
		MDB_txn *txn;
		MDB_stat s1, s2;

		set_time(st.now + st.conf.session_ttl, 0);
		CHECK(get(t1, &c, sid) == ST_NOTFOUND, "expired session: not found");
		CHECK(incr(t1, &v) == ST_NOTFOUND, "expired session: cannot increment");
		CHECK(sweep_run(&st, st.now, 1000, &deleted, &more) == 0 && !more, "sweep: runs");
		mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn);
		mdb_stat(txn, st.sessions, &s1);
		mdb_stat(txn, st.byuser, &s2);
		mdb_txn_abort(txn);
		CHECK(s1.ms_entries == 0 && s2.ms_entries == 0 && deleted >= 2 + 3,
		    "sweep: expired sessions, their index and old nonces removed");
	}
	store_close();
}

static uint8_t
pair_create_from(const char *code, const char *client, uint8_t ref[REF_LEN])
{
	struct op	*op = mk(op_pair_create, OP_WRITE);
	struct mreader	 r;
	uint8_t		 s;
	char		 uc[USER_CODE_LEN + 1];

	secret_hash(op->req.key, code, strlen(code));
	strcpy(op->req.label, "cli label");
	snprintf(op->req.client, sizeof(op->req.client), "%s", client);
	if ((s = run(op, &r)) == ST_OK) {
		m_get_bytes(&r, ref, REF_LEN);
		m_get_str(&r, uc, USER_CODE_LEN);
		if (m_get_u32(&r) != 600 || m_get_u32(&r) != 1 || m_end(&r) == -1 ||
		    !user_code_valid(uc))
			return 254;
	}
	return s;
}

/* Each from an address of its own, so that only the global bound applies. */
static uint8_t
pair_create(const char *code, uint8_t ref[REF_LEN])
{
	return pair_create_from(code, code, ref);
}

static uint8_t
pair_take(const char *code, uint8_t token[TOKEN_LEN])
{
	struct op	*op = mk(op_pair_take, OP_WRITE);
	struct mreader	 r;
	uint8_t		 s;

	secret_hash(op->req.key, code, strlen(code));
	if ((s = run(op, &r)) == ST_OK)
		m_get_bytes(&r, token, TOKEN_LEN);
	return s;
}

static uint8_t
pair_info(const uint8_t ref[REF_LEN])
{
	struct op	*op = mk(op_pair_info, 0);
	struct mreader	 r;

	memcpy(op->req.ref, ref, REF_LEN);
	return run(op, &r);
}

static uint8_t
pair_decide(const uint8_t token[TOKEN_LEN], const uint8_t ref[REF_LEN], int approve)
{
	struct op	*op = mk(op_pair_decide, OP_WRITE);
	struct mreader	 r;

	token_key(op->req.key, token);
	memcpy(op->req.ref, ref, REF_LEN);
	op->req.flag = approve;
	return run(op, &r);
}

/* A PURPOSE_CLI proof of user for ref (request.c has checked purpose and signature). */
static uint8_t
pair_approve(struct proof *p, const char *user, const uint8_t ref[REF_LEN])
{
	struct op	*op = mk(op_pair_approve, OP_WRITE);
	struct mreader	 r;

	mkproof(p, user, "Grace");
	p->purpose = PURPOSE_CLI;
	memcpy(p->ref, ref, REF_LEN);
	p->ref_len = REF_LEN;
	op->req.proof = *p;
	return run(op, &r);
}

static uint8_t
pair_approve_again(const struct proof *p)
{
	struct op	*op = mk(op_pair_approve, OP_WRITE);
	struct mreader	 r;

	op->req.proof = *p;
	return run(op, &r);
}

static void
test_pairing(void)
{
	const char	*A = "aaaaaaaaaaaaaaaaaaaaaa", *B = "bbbbbbbbbbbbbbbbbbbbbb";
	uint8_t		 ra[REF_LEN], rb[REF_LEN], web[TOKEN_LEN], cli[TOKEN_LEN], sid[SID_LEN];
	struct proof	 p;
	uint64_t	 c, t0;
	char		 code[32];
	int		 i, busy = 0;

	store_open(16 << 20, 4);
	t0 = st.now;
	CHECK(pair_create(A, ra) == ST_OK, "pair: create");
	CHECK(pair_create(A, rb) == ST_INVALID, "pair: same paircode again is invalid");
	CHECK(pair_info(ra) == ST_OK, "pair: info while pending");
	CHECK(pair_take(B, cli) == ST_EXPIRED, "pair: unknown paircode looks expired");
	set_time(t0, 0);
	CHECK(pair_take(A, cli) == ST_PENDING, "pair: first poll pending");
	set_time(t0, 300);
	CHECK(pair_take(A, cli) == ST_SLOW_DOWN, "pair: poll 0.3 s later slowed");
	set_time(t0 + 1, 300);
	CHECK(pair_take(A, cli) == ST_PENDING, "pair: poll 1 s later pending");
	set_time(t0 + 2, 250);
	CHECK(pair_take(A, cli) == ST_PENDING, "pair: poll 0.95 s later pending (seed client)");

	mkproof(&p, "github:7", "Grace");
	create(&p, KIND_CLI, cli);
	CHECK(pair_decide(cli, ra, 0) == ST_NOTFOUND, "pair: a CLI session cannot deny");
	login("github:7", web);
	CHECK(pair_decide(web, ra, 1) == ST_INVALID, "pair: a web session cannot approve");
	set_time(t0 + 4, 0);
	CHECK(pair_take(A, cli) == ST_PENDING, "pair: ... and the pairing is still pending");
	randombytes_buf(rb, REF_LEN);
	CHECK(pair_approve(&p, "github:7", rb) == ST_NOTFOUND,
	    "pair: a proof for another ref approves nothing");
	CHECK(pair_approve(&p, "github:7", ra) == ST_OK, "pair: approve with a proof for its ref");
	CHECK(pair_info(ra) == ST_NOTFOUND, "pair: decided pairing has no info");
	CHECK(pair_approve_again(&p) == ST_NOTFOUND, "pair: the same proof again approves nothing");
	CHECK(pair_decide(web, ra, 0) == ST_NOTFOUND, "pair: decide twice refused");
	CHECK(pair_take(A, cli) == ST_OK, "pair: take after approval");
	CHECK(get(cli, &c, sid) == ST_OK, "pair: CLI session belongs to the approver");
	{
		struct mreader	r;
		char		u[MAX_USERID + 1];

		tok_op(op_session_get, 0, cli, &r);
		m_get_str(&r, u, MAX_USERID);
		CHECK(strcmp(u, "github:7") == 0, "pair: CLI session user id");
	}
	CHECK(pair_take(A, cli) == ST_EXPIRED, "pair: second take expired");

	CHECK(pair_create(B, rb) == ST_OK && pair_decide(web, rb, 0) == ST_OK, "pair: deny");
	CHECK(pair_take(B, cli) == ST_DENIED, "pair: denied poll");
	CHECK(pair_create("cccccccccccccccccccccc", rb) == ST_OK, "pair: another pending");
	memcpy(p.ref, rb, REF_LEN);
	CHECK(pair_approve_again(&p) == ST_DENIED, "pair: a spent proof nonce approves nothing");

	/* bounded pending count: 4 here, one ("ccc...") pending already */
	for (i = 0; i < 6; i++) {
		snprintf(code, sizeof(code), "pending-code-%010d", i);
		if (pair_create(code, ra) == ST_BUSY)
			busy++;
	}
	CHECK(busy == 3, "pair: busy when max pending reached");
	set_time(t0 + 700, 0);
	CHECK(pair_info(ra) == ST_NOTFOUND, "pair: expired pending has no info");
	CHECK(pair_take("pending-code-0000000000", cli)
	    == ST_EXPIRED, "pair: expired pending take looks expired");
	CHECK(pair_create("fresh-code-00000000000", ra)
	    == ST_OK, "pair: expired pendings purged when full");
	{
		size_t deleted;
		int more;

		set_time(t0 + 3600 * 2, 0);
		CHECK(sweep_run(&st, st.now, 1000, &deleted, &more) == 0 && deleted >= 4,
		    "pair: sweep removes expired pairings");
	}
	store_close();
}

/* One address holds at most max_pending_per_addr pending pairings; expired ones
 * stop counting. */
static void
test_pair_per_addr(void)
{
	uint8_t		ref[REF_LEN];
	uint64_t	t0;
	char		code[32];
	int		i, ok = 0, busy = 0;

	store_open(16 << 20, 100);
	st.conf.max_pending_per_addr = 3;
	t0 = st.now;
	for (i = 0; i < 5; i++) {
		snprintf(code, sizeof(code), "flood-code-%011d", i);
		if (pair_create_from(code, "192.0.2.1", ref) == ST_BUSY)
			busy++;
	}
	CHECK(busy == 2, "pair: busy past max_pending_paircodes_per_addr from one address");
	CHECK(pair_create_from("other-address-00000000", "192.0.2.2", ref) == ST_OK,
	    "pair: another address still pairs");
	set_time(t0 + 700, 0);
	for (i = 0; i < 4; i++) {
		snprintf(code, sizeof(code), "later-code-%011d", i);
		if (pair_create_from(code, "192.0.2.1", ref) == ST_OK)
			ok++;
	}
	CHECK(ok == 3, "pair: expired pairings of the address no longer count");
	store_close();
}

/* A tiny map: writes fail cleanly with ST_FULL, earlier data stays, reads work. */
static void
test_map_full(void)
{
	uint8_t		t[TOKEN_LEN], t2[TOKEN_LEN], sid[SID_LEN];
	struct op	*ops[3];
	struct mreader	r;
	uint64_t	c = 0, v = 0;
	char		user[32];
	int		i, full = 0, created = 0, other = 0;
	uint8_t		s = ST_OK;

	store_open(1 << 20, 1024);
	login("github:full", t);
	incr(t, &v);
	/* until three writes in a row found no room */
	for (i = 0; i < 20000 && full < 3; i++) {
		snprintf(user, sizeof(user), "github:%d", i);
		s = login(user, t2);
		if (s == ST_OK) {
			created++;
			full = 0;
		} else if (s == ST_FULL)
			full++;
		else
			other++;
	}
	CHECK(full == 3 && other == 0 && created > 100, "map full: answered ST_FULL, nothing else");
	CHECK(get(t, &c, sid) == ST_OK && c == 1, "map full: earlier data readable");
	/* mixed batches: the reads are answered whether or not the write found room
	 * (LMDB may still fit a few small writes in freed pages: go on until one fails) */
	for (i = 0, full = 0, other = 0; i < 5000 && full < 3; i++) {
		ops[0] = mk(op_session_get, 0);
		token_key(ops[0]->req.key, t);
		ops[1] = mk(op_session_create, OP_WRITE);
		snprintf(user, sizeof(user), "github:more-%d", i);
		mkproof(&ops[1]->req.proof, user, "X");
		ops[1]->req.flag = KIND_WEB;
		ops[2] = mk(op_ping, 0);
		batch(ops, 3);
		if (answer(ops[0], &r) != ST_OK || answer(ops[2], &r) != ST_OK)
			other++;
		s = answer(ops[1], &r);
		full += s == ST_FULL;
		other += s != ST_FULL && s != ST_OK;
		for (size_t j = 0; j < 3; j++)
			op_free(ops[j]);
	}
	CHECK(full > 0 && other == 0, "map full: in a batch, the write fails alone, reads answered");
	db_close(&st);
	db_open(&st);
	CHECK(get(t, &c, sid) == ST_OK && c == 1, "map full: database reopens with its data");
	printf("(%d sessions fit in 1 MB)\n", created);
	store_close();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	log_init("test_store_ops", 1);
	test_sessions();
	test_pairing();
	test_pair_per_addr();
	test_map_full();
	return CHECK_DONE();
}
