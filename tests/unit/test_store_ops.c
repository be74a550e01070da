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

#include "check.h"
#include "log.h"
#include "store_fixture.h"

/* One op alone; its answer's fields into ans (the answer's struct, or NULL). */
static uint8_t
run(struct op *op, void *ans)
{
	return fx_run(op, ans);
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
	p->grant_len = 600;		/* authd's sealed grant: opaque bytes here */
	memset(p->grant, user[0], 600);
}

static uint8_t
create(const struct proof *p, uint8_t kind, uint8_t token[TOKEN_LEN])
{
	struct op				*op = fx_op(MSG_STORE_SESSION_CREATE,
						    op_session_create, OP_WRITE);
	struct msg_store_session_create_r	 a;
	uint8_t					 s;

	op->req.proof = *p;
	op->req.flag = kind;
	snprintf(op->req.label, sizeof(op->req.label), "label-%.50s", p->user_id);
	if ((s = run(op, &a)) == ST_OK)
		memcpy(token, a.token, TOKEN_LEN);
	return s;
}

static uint8_t
login(const char *user, uint8_t token[TOKEN_LEN])
{
	struct proof p;

	mkproof(&p, user, "Name");
	return create(&p, KIND_WEB, token);
}

/* An op of type on a token; its answer's fields into ans. */
static uint8_t
tok_op(uint16_t type, op_apply apply, int flags, const uint8_t token[TOKEN_LEN], void *ans)
{
	struct op *op = fx_op(type, apply, flags);

	token_key(op->req.key, token);
	return run(op, ans);
}

static struct msg_store_session_get_r	got;	/* the last get() answer */
static struct msg_store_page_r		listed;

static uint8_t
get(const uint8_t token[TOKEN_LEN], uint64_t *counter, uint8_t sid[SID_LEN])
{
	uint8_t status = tok_op(MSG_STORE_SESSION_GET, op_session_get, 0, token, &got);

	if (status == ST_OK) {
		*counter = got.counter;
		memcpy(sid, got.sid, SID_LEN);
	}
	return status;
}

static uint8_t
incr(const uint8_t token[TOKEN_LEN], uint64_t *v)
{
	struct msg_store_increment_r	a;
	uint8_t				status;

	status = tok_op(MSG_STORE_INCREMENT, op_increment, OP_WRITE, token, &a);
	if (status == ST_OK)
		*v = a.counter;
	return status;
}

/* STORE_PAGE (PAGE_ALL) of token's user into listed; the number listed, or
 * -1 when not ST_OK. */
static int
list(const uint8_t token[TOKEN_LEN])
{
	struct op *op = fx_op(MSG_STORE_PAGE, op_page, 0);

	token_key(op->req.key, token);
	op->req.flag = PAGE_ALL;
	if (run(op, &listed) != ST_OK)
		return -1;
	return (int)listed.sessions_n;
}

/* last_seen of the first session listed for token's user (tests list one). */
static uint64_t
last_seen(const uint8_t token[TOKEN_LEN])
{
	return list(token) == 1 ? listed.sessions[0].last_seen : 0;
}

static void
test_sessions(void)
{
	uint8_t		t1[TOKEN_LEN], t2[TOKEN_LEN], t3[TOKEN_LEN], sid[SID_LEN], sid2[SID_LEN];
	uint8_t		bogus[TOKEN_LEN] = { 0 };
	struct proof	p;
	uint64_t	c = 99, v = 0;
	int		i;

	fx_open(16 << 20);
	st.conf.max_pending = 8;
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

	CHECK(list(t1) == 2 && listed.web_sessions == 2 && listed.cli_sessions == 0 &&
	    listed.counter == 3 && strcmp(listed.name, "Alice Renamed") == 0,
	    "page: two sessions of user 1, counted, with the count and the name");

	/* revoke: another user's sid is not found; own other session works */
	{
		struct op *op = fx_op(MSG_STORE_SESSION_REVOKE, op_session_revoke, OP_WRITE);
		struct msg_store_session_revoke_r a;

		token_key(op->req.key, t3);
		memcpy(op->req.sid, sid2, SID_LEN);
		op->req.flag = 1;
		CHECK(run(op, &a) == ST_DENIED, "revoke: another user's session refused");
		op = fx_op(MSG_STORE_SESSION_REVOKE, op_session_revoke, OP_WRITE);
		token_key(op->req.key, t1);
		memcpy(op->req.sid, sid2, SID_LEN);
		op->req.flag = 1;
		CHECK(run(op, &a) == ST_OK && !a.own && strcmp(a.user_id, "github:1") == 0,
		    "revoke: own other session, not the asking one");
		CHECK(a.grant_len == 600 && a.grant[0] == 'g' && a.grant[599] == 'g',
		    "revoke: answers the sealed grant, unchanged");
		CHECK(get(t2, &c, sid2) == ST_NOTFOUND, "revoked session is gone");
		CHECK(list(t1) == 1 && listed.web_sessions == 1, "page: one left, one counted");
		op = fx_op(MSG_STORE_SESSION_REVOKE, op_session_revoke, OP_WRITE);
		token_key(op->req.key, t3);
		CHECK(run(op, &a) == ST_OK && a.own && strcmp(a.user_id, "github:2") == 0,
		    "revoke without a sid: the asking session (a logout)");
		CHECK(incr(t3, &v) == ST_NOTFOUND, "the signed-out session is gone");
	}

	/* last_seen: at most once a minute */
	{
		uint64_t created = st.now;

		fx_at(created + 30, 0);
		get(t1, &c, sid);
		CHECK(last_seen(t1) == created, "last_seen: not written within a minute");
		fx_at(created + 61, 0);
		get(t1, &c, sid);
		CHECK(last_seen(t1) == created + 61, "last_seen: written after a minute");
	}

	/* expiry and sweep */
	{
		size_t deleted;
		int more;
		MDB_txn *txn;
		MDB_stat s1, s2;
		struct user_rec u;

		fx_at(st.now + st.conf.session_ttl, 0);
		CHECK(get(t1, &c, sid) == ST_NOTFOUND, "expired session: not found");
		CHECK(incr(t1, &v) == ST_NOTFOUND, "expired session: cannot increment");
		CHECK(sweep_run(&st, st.now, 1000, &deleted, &more) == 0 && !more, "sweep: runs");
		mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn);
		mdb_stat(txn, st.sessions, &s1);
		mdb_stat(txn, st.byuser, &s2);
		CHECK(db_user_get(&st, txn, "github:1", &u) == 0 && u.web_sessions == 0 &&
		    u.cli_sessions == 0, "sweep: the swept sessions are no longer counted");
		mdb_txn_abort(txn);
		CHECK(s1.ms_entries == 0 && s2.ms_entries == 0 && deleted >= 1 + 3,
		    "sweep: expired sessions, their index entries and old nonces removed");
	}
	fx_close();
}

/* A login's proof nonce stays spent until the login itself expires
 * (nonce_until), not only until its proof does: a later proof of the same
 * login, made at another authd, bears the same nonce. */
static void
test_nonce_until(void)
{
	struct proof	p, again, plain;
	uint8_t		t[TOKEN_LEN];
	uint64_t	t0;
	size_t		deleted;
	int		more;

	fx_open(16 << 20);
	t0 = st.now;
	mkproof(&p, "op:n", "N");
	p.nonce_until = t0 + 600;
	mkproof(&plain, "op:m", "M");
	CHECK(create(&p, KIND_WEB, t) == ST_OK && create(&plain, KIND_WEB, t) == ST_OK,
	    "nonce: two logins, one with nonce_until");
	fx_at(t0 + PROOF_TTL + 10, 0);
	CHECK(sweep_run(&st, st.now, 1000, &deleted, &more) == 0, "nonce: sweep after the proofs expired");
	again = p;
	again.expires = st.now + PROOF_TTL;
	CHECK(create(&again, KIND_WEB, t) == ST_DENIED,
	    "nonce: a later proof of the same login is refused after the first one expired");
	again = plain;
	again.expires = st.now + PROOF_TTL;
	CHECK(create(&again, KIND_WEB, t) == ST_OK,
	    "nonce: ...while one without nonce_until was forgotten at its expiry");
	fx_at(t0 + 601, 0);
	CHECK(sweep_run(&st, st.now, 1000, &deleted, &more) == 0, "nonce: sweep after the login expired");
	again = p;
	again.expires = st.now + PROOF_TTL;
	CHECK(create(&again, KIND_WEB, t) == ST_OK, "nonce: forgotten once the login has expired");
	fx_close();
}

static uint8_t
pair_create_from(const char *code, const char *client, uint8_t ref[REF_LEN])
{
	struct op			*op = fx_op(MSG_STORE_PAIR_CREATE, op_pair_create,
					    OP_WRITE);
	struct msg_store_pair_create_r	 a;
	uint8_t				 s;

	secret_hash(op->req.key, code, strlen(code));
	strcpy(op->req.label, "cli label");
	snprintf(op->req.client, sizeof(op->req.client), "%s", client);
	if ((s = run(op, &a)) == ST_OK) {
		memcpy(ref, a.ref, REF_LEN);
		if (a.expires_in != 600 || a.interval != 1 || !user_code_valid(a.user_code))
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
	struct op			*op = fx_op(MSG_STORE_PAIR_TAKE, op_pair_take, OP_WRITE);
	struct msg_store_pair_take_r	 a;
	uint8_t				 s;

	secret_hash(op->req.key, code, strlen(code));
	if ((s = run(op, &a)) == ST_OK)
		memcpy(token, a.token, TOKEN_LEN);
	return s;
}

static struct msg_store_pair_info_r	info;	/* the last pair_info() answer */

/* PAIR_INFO of ref, seen with token (NULL: without a session). */
static uint8_t
pair_info_as(const uint8_t ref[REF_LEN], const uint8_t *token)
{
	struct op *op = fx_op(MSG_STORE_PAIR_INFO, op_pair_info, 0);

	memcpy(op->req.ref, ref, REF_LEN);
	if ((op->req.flag = token != NULL))
		token_key(op->req.key, token);
	return run(op, &info);
}

static uint8_t
pair_info(const uint8_t ref[REF_LEN])
{
	return pair_info_as(ref, NULL);
}

static uint8_t
pair_decide(const uint8_t token[TOKEN_LEN], const uint8_t ref[REF_LEN], int approve)
{
	struct op *op = fx_op(MSG_STORE_PAIR_DECIDE, op_pair_decide, OP_WRITE);

	token_key(op->req.key, token);
	memcpy(op->req.ref, ref, REF_LEN);
	op->req.flag = approve;
	return run(op, NULL);
}

/* A PURPOSE_CLI proof of user for ref (request.c has checked purpose and signature). */
static uint8_t
pair_approve(struct proof *p, const char *user, const uint8_t ref[REF_LEN])
{
	struct op *op = fx_op(MSG_STORE_PAIR_APPROVE, op_pair_approve, OP_WRITE);

	mkproof(p, user, "Grace");
	p->purpose = PURPOSE_CLI;
	memcpy(p->ref, ref, REF_LEN);
	p->ref_len = REF_LEN;
	op->req.proof = *p;
	return run(op, NULL);
}

static uint8_t
pair_approve_again(const struct proof *p)
{
	struct op *op = fx_op(MSG_STORE_PAIR_APPROVE, op_pair_approve, OP_WRITE);

	op->req.proof = *p;
	return run(op, NULL);
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

	fx_open(16 << 20);
	st.conf.max_pending = 4;
	t0 = st.now;
	CHECK(pair_create(A, ra) == ST_OK, "pair: create");
	CHECK(pair_create(A, rb) == ST_INVALID, "pair: same paircode again is invalid");
	CHECK(pair_info(ra) == ST_OK, "pair: info while pending");
	CHECK(pair_take(B, cli) == ST_EXPIRED, "pair: unknown paircode looks expired");
	fx_at(t0, 0);
	CHECK(pair_take(A, cli) == ST_PENDING, "pair: first poll pending");
	fx_at(t0, 300);
	CHECK(pair_take(A, cli) == ST_SLOW_DOWN, "pair: poll 0.3 s later slowed");
	fx_at(t0 + 1, 300);
	CHECK(pair_take(A, cli) == ST_PENDING, "pair: poll 1 s later pending");
	fx_at(t0 + 2, 250);
	CHECK(pair_take(A, cli) == ST_PENDING, "pair: poll 0.95 s later pending (seed client)");

	mkproof(&p, "github:7", "Grace");
	create(&p, KIND_CLI, cli);
	CHECK(pair_decide(cli, ra, 0) == ST_NOTFOUND, "pair: a CLI session cannot deny");
	login("github:7", web);
	CHECK(pair_info(ra) == ST_OK && !info.signed_in && info.name[0] == '\0',
	    "pair: info without a token names no viewer");
	CHECK(pair_info_as(ra, cli) == ST_OK && !info.signed_in,
	    "pair: info with a CLI session's token names no viewer");
	CHECK(pair_info_as(ra, web) == ST_OK && info.signed_in &&
	    strcmp(info.user_id, "github:7") == 0 && strcmp(info.name, "Name") == 0,
	    "pair: info with a web session's token names its user");
	CHECK(pair_decide(web, ra, 1) == ST_INVALID, "pair: a web session cannot approve");
	fx_at(t0 + 4, 0);
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
	CHECK(strcmp(got.user_id, "github:7") == 0, "pair: CLI session user id");
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
	fx_at(t0 + 700, 0);
	CHECK(pair_info(ra) == ST_NOTFOUND, "pair: expired pending has no info");
	CHECK(pair_take("pending-code-0000000000", cli)
	    == ST_EXPIRED, "pair: expired pending take looks expired");
	CHECK(pair_create("fresh-code-00000000000", ra)
	    == ST_OK, "pair: expired pendings purged when full");
	{
		size_t deleted;
		int more;

		fx_at(t0 + 3600 * 2, 0);
		CHECK(sweep_run(&st, st.now, 1000, &deleted, &more) == 0 && deleted >= 4,
		    "pair: sweep removes expired pairings");
	}
	fx_close();
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

	fx_open(16 << 20);
	st.conf.max_pending = 100;
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
	fx_at(t0 + 700, 0);
	for (i = 0; i < 4; i++) {
		snprintf(code, sizeof(code), "later-code-%011d", i);
		if (pair_create_from(code, "192.0.2.1", ref) == ST_OK)
			ok++;
	}
	CHECK(ok == 3, "pair: expired pairings of the address no longer count");
	fx_close();
}

/* A tiny map: writes fail cleanly with ST_FULL, earlier data stays, reads work. */
static void
test_map_full(void)
{
	uint8_t		t[TOKEN_LEN], t2[TOKEN_LEN], sid[SID_LEN];
	struct op	*ops[3];
	uint64_t	c = 0, v = 0;
	char		user[32];
	int		i, full = 0, created = 0, other = 0;
	uint8_t		s = ST_OK;

	fx_open(1 << 20);
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
		ops[0] = fx_op(MSG_STORE_SESSION_GET, op_session_get, 0);
		token_key(ops[0]->req.key, t);
		ops[1] = fx_op(MSG_STORE_SESSION_CREATE, op_session_create, OP_WRITE);
		snprintf(user, sizeof(user), "github:more-%d", i);
		mkproof(&ops[1]->req.proof, user, "X");
		ops[1]->req.flag = KIND_WEB;
		ops[2] = fx_op(MSG_STORE_PING, op_ping, 0);
		fx_batch(ops, 3);
		if (fx_answer(ops[0], NULL) != ST_OK || fx_answer(ops[2], NULL) != ST_OK)
			other++;
		s = fx_answer(ops[1], NULL);
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
	fx_close();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	log_init("test_store_ops", 1);
	test_sessions();
	test_nonce_until();
	test_pairing();
	test_pair_per_addr();
	test_map_full();
	return CHECK_DONE();
}
