/*
 * Unit tests of STORE_PAGE and the per-user session index, on a real LMDB
 * environment with a clock the test moves: the page's lists (newest first,
 * bounded) and totals, the counts kept by every path that creates or ends a
 * session, a wrong count set right by a scan that saw every session, and the
 * upgrades of a schema 1 and a schema 2 database.
 */
#include <sys/wait.h>

#include <unistd.h>

#include "check.h"
#include "log.h"
#include "store_fixture.h"

static struct msg_store_page_r	pg;	/* the last page() answer */

static uint8_t
page(const uint8_t tok[TOKEN_LEN], uint8_t list)
{
	struct op *op = fx_op(MSG_STORE_PAGE, op_page, 0);

	secret_hash(op->req.key, tok, TOKEN_LEN);
	op->req.flag = list;
	return fx_run(op, &pg);
}

/* 1 when pg lists n sessions of kind from index from on, created newest first
 * at newest, newest - 1, ... */
static int
listed_newest_first(size_t from, size_t n, uint8_t kind, uint64_t newest)
{
	size_t i;

	if (pg.sessions_n < from + n)
		return 0;
	for (i = 0; i < n; i++)
		if (pg.sessions[from + i].kind != kind || pg.sessions[from + i].created != newest - i)
			return 0;
	return 1;
}

static struct user_rec
user(const char *user_id)
{
	struct user_rec	 u;
	MDB_txn		*txn;

	memset(&u, 0xff, sizeof(u));
	if (mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn) == 0) {
		(void)db_user_get(&st, txn, user_id, &u);
		mdb_txn_abort(txn);
	}
	return u;
}

static uint8_t
revoke_sid(const uint8_t tok[TOKEN_LEN], const uint8_t *sid)
{
	struct op *op = fx_op(MSG_STORE_SESSION_REVOKE, op_session_revoke, OP_WRITE);

	secret_hash(op->req.key, tok, TOKEN_LEN);
	if ((op->req.flag = sid != NULL))
		memcpy(op->req.sid, sid, SID_LEN);
	return fx_run(op, NULL);
}

static void
test_lists(void)
{
	uint8_t		web[TOKEN_LEN], cli[TOKEN_LEN], sid[SID_LEN];
	uint64_t	t0;
	int		i, ok = 1;

	fx_open(64 << 20);
	st.conf.max_per_user = MAX_PER_USER_LIMIT;
	t0 = st.now;
	CHECK(fx_create("u:1", KIND_WEB, web) == ST_OK && page(web, PAGE_HOME) == ST_OK &&
	    pg.sessions_n == 0 && pg.web_sessions == 1 && pg.cli_sessions == 0,
	    "page: a new user, one web session counted, no CLI session listed");
	for (i = 1; i <= 30; i++) {
		fx_at(t0 + (uint64_t)i, 0);
		ok &= fx_create("u:1", KIND_CLI, cli) == ST_OK;
	}
	CHECK(ok && page(web, PAGE_HOME) == ST_OK && pg.cli_sessions == 30 &&
	    pg.web_sessions == 1 && pg.sessions_n == PAGE_CLI_SHOWN &&
	    listed_newest_first(0, PAGE_CLI_SHOWN, KIND_CLI, t0 + 30),
	    "page (counter): the %d newest CLI sessions of 30, newest first", PAGE_CLI_SHOWN);
	CHECK(page(web, PAGE_ALL) == ST_OK && pg.sessions_n == 1 + MAX_SESSIONS_LISTED / 2 &&
	    pg.sessions[0].kind == KIND_WEB && pg.sessions[0].current &&
	    listed_newest_first(1, MAX_SESSIONS_LISTED / 2, KIND_CLI, t0 + 30),
	    "page (sessions): the web session (current), then the %d newest CLI ones",
	    MAX_SESSIONS_LISTED / 2);
	memcpy(sid, pg.sessions[1].sid, SID_LEN);
	CHECK(revoke_sid(web, sid) == ST_OK && page(web, PAGE_HOME) == ST_OK &&
	    pg.cli_sessions == 29 && listed_newest_first(0, PAGE_CLI_SHOWN, KIND_CLI, t0 + 29),
	    "revoke: the newest CLI session ended, uncounted, no longer listed");
	st.conf.max_per_user = 31;
	fx_at(t0 + 31, 0);
	CHECK(fx_create("u:1", KIND_CLI, cli) == ST_OK && page(web, PAGE_HOME) == ST_OK &&
	    pg.cli_sessions == 30 && pg.web_sessions == 1 && pg.sessions[0].created == t0 + 31,
	    "cap: at 31, a new CLI session ended one: still 30 CLI sessions counted");
	fx_at(t0 + 31 + st.conf.session_ttl, 0);
	{
		size_t	swept;
		int	more = 1, runs;

		for (runs = 0; more && runs < 10; runs++)
			if (sweep_run(&st, st.now, 2000, &swept, &more) != 0)
				break;
	}
	CHECK(user("u:1").web_sessions == 0 && user("u:1").cli_sessions == 0 &&
	    fx_entries(st.byuser) == 0, "sweep: every expired session uncounted and unindexed");
	fx_close();
}

/* A count left wrong (a full map's sweep does not lower counts) is set right
 * by the next page whose scan saw all the user's sessions of that kind. */
static void
test_count_fix(void)
{
	uint8_t	web[TOKEN_LEN], cli[TOKEN_LEN];
	MDB_txn	*txn;
	int	i;

	fx_open(16 << 20);
	fx_create("u:2", KIND_WEB, web);
	for (i = 0; i < 3; i++)
		fx_create("u:2", KIND_CLI, cli);
	if (mdb_txn_begin(st.env, NULL, 0, &txn) != 0 ||
	    session_counts_set(&st, txn, "u:2", 7, 99) != 0 || mdb_txn_commit(txn) != 0)
		exit(1);
	CHECK(page(web, PAGE_HOME) == ST_OK && pg.cli_sessions == 3 && pg.web_sessions == 7 &&
	    user("u:2").cli_sessions == 3,
	    "page (counter): a CLI count of 99 for 3 sessions is answered and stored as 3");
	CHECK(page(web, PAGE_ALL) == ST_OK && pg.web_sessions == 1 && user("u:2").web_sessions == 1,
	    "page (sessions): the web count set right as well");
	fx_close();
}

/* A schema 1 value laid out by hand: a user record of version 1. */
static size_t
user_v1(uint8_t *out, const char *name, uint64_t created, uint64_t counter)
{
	struct mbuf m;

	m_init(&m, 0, 0);
	m_add_u8(&m, 1);
	m_add_str(&m, name, MAX_NAME);
	m_add_u64(&m, created);
	m_add_u64(&m, counter);
	if (m_finish(&m) == -1)
		exit(1);
	memcpy(out, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
	return m.len - MSG_HDR_LEN;
}

/* A record of an old layout, of its version, as older schemas wrote it. */
static int
record_old(const struct msg_fields *layout, uint8_t version, const void *rec, uint8_t *out)
{
	struct mbuf m;

	m_init(&m, 0, 0);
	msg_pack(&m, layout, rec);
	if (m_finish(&m) == -1)
		exit(1);
	memcpy(out, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
	out[0] = version;
	return (int)(m.len - MSG_HDR_LEN);
}

/* A record of a version 1 layout (schemas 1 and 2). */
static int
record_v1(const struct msg_fields *layout, const void *rec, uint8_t *out)
{
	return record_old(layout, 1, rec, out);
}

/* A user record of version 2 (schemas 2 and 3): counts, no e-mail. */
static int
user_v2(const char *name, uint64_t counter, uint32_t web, uint32_t cli, uint8_t *out)
{
	struct user_rec_v2 u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	u.created = st.now;
	u.counter = counter;
	u.web_sessions = web;
	u.cli_sessions = cli;
	return record_old(&msg_layout_user_rec_v2, 2, &u, out);
}

/* One session as schema 1 kept it: a random sid, byuser key user_id NUL sid. */
static void
session_v1(MDB_txn *txn, const char *user_id, uint8_t kind, uint8_t token[TOKEN_LEN])
{
	struct session_rec_v1	s;
	uint8_t			key[HASH_LEN], v[RECORD_MAX], ikey[BYUSER_KEY_MAX];
	size_t			n = strlen(user_id);
	int			len;

	memset(&s, 0, sizeof(s));
	snprintf(s.user_id, sizeof(s.user_id), "%s", user_id);
	snprintf(s.label, sizeof(s.label), "old");
	s.kind = kind;
	s.created = s.last_seen = st.now;
	s.expires = st.now + 3600;
	randombytes_buf(s.sid, SID_LEN);
	randombytes_buf(token, TOKEN_LEN);
	secret_hash(key, token, TOKEN_LEN);
	memcpy(ikey, user_id, n);
	ikey[n] = '\0';
	memcpy(ikey + n + 1, s.sid, SID_LEN);
	if ((len = record_v1(&msg_layout_session_rec_v1, &s, v)) == -1 ||
	    db_put(txn, st.sessions, key, HASH_LEN, v, (size_t)len, 0) != 0 ||
	    db_put(txn, st.byuser, ikey, n + 1 + SID_LEN, key, HASH_LEN, 0) != 0)
		exit(1);
}

static void
reopen(void)
{
	db_close(&st);
	db_open(&st);
}

static void
test_upgrade(void)
{
	uint8_t		web[TOKEN_LEN], cli[2][TOKEN_LEN], v[RECORD_MAX];
	MDB_txn		*txn;
	MDB_val		 got;
	uint64_t	 counter = 0;
	pid_t		 pid;
	int		 status = 0;

	fx_open(16 << 20);
	if (mdb_txn_begin(st.env, NULL, 0, &txn) != 0 ||
	    db_del(txn, st.meta, "schema", 6) != 0 ||
	    db_put(txn, st.users, "gh:old", 6, v, user_v1(v, "Old Timer", 1700000000, 41), 0) ||
	    db_put(txn, st.users, "gh:idle", 7, v, user_v1(v, "Idle", 1700000000, 0), 0))
		exit(1);
	session_v1(txn, "gh:old", KIND_WEB, web);
	session_v1(txn, "gh:old", KIND_CLI, cli[0]);
	session_v1(txn, "gh:old", KIND_CLI, cli[1]);
	if (mdb_txn_commit(txn) != 0)
		exit(1);
	reopen();
	CHECK(page(web, PAGE_ALL) == ST_OK && pg.counter == 41 &&
	    strcmp(pg.name, "Old Timer") == 0 && pg.web_sessions == 1 && pg.cli_sessions == 2 &&
	    pg.sessions_n == 3, "upgrade: a schema 1 user keeps its count, its sessions indexed "
	    "and counted");
	CHECK(user("gh:idle").counter == 0 && user("gh:idle").web_sessions == 0 &&
	    user("gh:idle").cli_sessions == 0, "upgrade: a user without sessions, counted 0");
	CHECK(fx_entries(st.byuser) == 3, "upgrade: the old index entries replaced, not kept");
	CHECK(revoke_sid(web, pg.sessions[2].sid) == ST_OK && fx_get(cli[1]) + fx_get(cli[0]) == ST_OK +
	    ST_NOTFOUND, "upgrade: a session revoked by its new sid");
	{
		struct op *op = fx_op(MSG_STORE_INCREMENT, op_increment, OP_WRITE);
		struct msg_store_increment_r a;

		secret_hash(op->req.key, web, TOKEN_LEN);
		counter = fx_run(op, &a) == ST_OK ? a.counter : 0;
	}
	CHECK(counter == 42, "upgrade: the old token increments the old count");
	if (mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn) != 0)
		exit(1);
	CHECK(db_get(txn, st.meta, "schema", 6, &got) == 0 && got.mv_size == 4 &&
	    ((uint8_t *)got.mv_data)[3] == SCHEMA_VERSION, "upgrade: schema %d recorded",
	    SCHEMA_VERSION);
	mdb_txn_abort(txn);
	reopen();
	CHECK(fx_entries(st.byuser) == 2 && user("gh:old").cli_sessions == 1,
	    "upgrade: done once (reopening changes nothing)");

	if (mdb_txn_begin(st.env, NULL, 0, &txn) != 0 ||
	    db_put(txn, st.meta, "schema", 6, (uint8_t[4]){ 0, 0, 0, SCHEMA_VERSION + 1 }, 4,
	    0) != 0 || mdb_txn_commit(txn) != 0)
		exit(1);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		st.env = NULL;	/* the parent's stays open */
		db_open(&st);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 1, "a database of a newer schema is refused");
	fx_close();
}

/* One session as schema 2 kept it: a version 1 record whose grant is a
 * 16-byte handle (or none), its byuser entry with the kind, and its count. */
static void
session_s2(MDB_txn *txn, const char *user_id, uint8_t kind, const uint8_t *handle,
    uint8_t token[TOKEN_LEN])
{
	struct session_rec_v1	s;
	uint8_t			key[HASH_LEN], v[RECORD_MAX], ikey[BYUSER_KEY_MAX];
	size_t			ilen;

	memset(&s, 0, sizeof(s));
	snprintf(s.user_id, sizeof(s.user_id), "%s", user_id);
	snprintf(s.label, sizeof(s.label), "before the upgrade");
	s.kind = kind;
	s.created = s.last_seen = st.now;
	s.expires = st.now + 3600;
	if (handle != NULL) {
		memcpy(s.grant, handle, GRANT_HANDLE_LEN);
		s.grant_len = GRANT_HANDLE_LEN;
	}
	sid_new(s.sid, s.created);
	randombytes_buf(token, TOKEN_LEN);
	secret_hash(key, token, TOKEN_LEN);
	ilen = byuser_key(ikey, user_id, kind, s.sid);
	if (db_put(txn, st.sessions, key, HASH_LEN, v,
	    (size_t)record_v1(&msg_layout_session_rec_v1, &s, v), 0) != 0 ||
	    db_put(txn, st.byuser, ikey, ilen, key, HASH_LEN, 0) != 0)
		exit(1);
}

/* A pairing approved under schema 2, with the approving login's handle. */
static void
pair_s2(MDB_txn *txn, const char *paircode, const char *user_id, const uint8_t *handle)
{
	struct pair_rec_v1	p;
	uint8_t			key[HASH_LEN], v[RECORD_MAX];

	memset(&p, 0, sizeof(p));
	p.state = PAIR_APPROVED;
	user_code_new(p.user_code);
	randombytes_buf(p.ref, REF_LEN);
	snprintf(p.label, sizeof(p.label), "cli on old host");
	p.expires = st.now + 600;
	snprintf(p.user_id, sizeof(p.user_id), "%s", user_id);
	snprintf(p.client, sizeof(p.client), "127.0.0.1");
	p.created = st.now;
	memcpy(p.grant, handle, GRANT_HANDLE_LEN);
	p.grant_len = GRANT_HANDLE_LEN;
	secret_hash(key, paircode, strlen(paircode));
	if (db_put(txn, st.pairs, key, HASH_LEN, v,
	    (size_t)record_v1(&msg_layout_pair_rec_v1, &p, v), 0) != 0)
		exit(1);
}

/* The grant the store hands back when the token's session ends. */
static size_t
revoke_grant(const uint8_t tok[TOKEN_LEN], uint8_t grant[MAX_GRANT])
{
	struct op				*op;
	struct msg_store_session_revoke_r	 a;

	op = fx_op(MSG_STORE_SESSION_REVOKE, op_session_revoke, OP_WRITE);
	secret_hash(op->req.key, tok, TOKEN_LEN);
	op->req.flag = 0;
	if (fx_run(op, &a) != ST_OK)
		return (size_t)-1;
	memcpy(grant, a.grant, a.grant_len);
	return a.grant_len;
}

/* Schema 2 -> 3: session and pairing records of version 1 become version 2,
 * their 16-byte grant handles kept, so that signing out still revokes. */
static void
test_upgrade_s2(void)
{
	uint8_t		h1[GRANT_HANDLE_LEN], h2[GRANT_HANDLE_LEN], web[TOKEN_LEN], bare[TOKEN_LEN];
	uint8_t		grant[MAX_GRANT], v[RECORD_MAX];
	MDB_txn		*txn;
	MDB_val		 got;
	const char	*code = "old-paircode-0123456789abcdef";
	int		 len;

	fx_open(16 << 20);
	memset(h1, 0x11, sizeof(h1));
	memset(h2, 0x22, sizeof(h2));
	if (mdb_txn_begin(st.env, NULL, 0, &txn) != 0 ||
	    db_put(txn, st.meta, "schema", 6, "\0\0\0\2", 4, 0) != 0 ||
	    (len = user_v2("Two", 7, 2, 0, v)) == -1 ||
	    db_put(txn, st.users, "gh:two", 6, v, (size_t)len, 0) != 0)
		exit(1);
	session_s2(txn, "gh:two", KIND_WEB, h1, web);
	session_s2(txn, "gh:two", KIND_WEB, NULL, bare);
	pair_s2(txn, code, "gh:two", h2);
	if (mdb_txn_commit(txn) != 0)
		exit(1);
	reopen();
	if (mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn) != 0)
		exit(1);
	CHECK(db_get(txn, st.meta, "schema", 6, &got) == 0 && got.mv_size == 4 &&
	    ((uint8_t *)got.mv_data)[3] == SCHEMA_VERSION, "upgrade 2 -> %d: schema %d recorded",
	    SCHEMA_VERSION, SCHEMA_VERSION);
	CHECK(strcmp(user("gh:two").name, "Two") == 0 && user("gh:two").email[0] == '\0',
	    "upgrade 2 -> %d: the user record of version 2 upgraded too", SCHEMA_VERSION);
	mdb_txn_abort(txn);
	CHECK(page(web, PAGE_ALL) == ST_OK && pg.counter == 7 && pg.web_sessions == 2 &&
	    pg.sessions_n == 2, "upgrade 2 -> 3: the sessions live on, listed and counted");
	CHECK(fx_get(bare) == ST_OK, "upgrade 2 -> 3: a session without grant too");
	{
		struct op			*op = fx_op(MSG_STORE_PAIR_TAKE, op_pair_take, OP_WRITE);
		struct msg_store_pair_take_r	 a;
		uint8_t				 cli[TOKEN_LEN];

		secret_hash(op->req.key, code, strlen(code));
		CHECK(fx_run(op, &a) == ST_OK && strcmp(a.user_id, "gh:two") == 0,
		    "upgrade 2 -> 3: an approved pairing is taken");
		memcpy(cli, a.token, TOKEN_LEN);
		len = (int)revoke_grant(cli, grant);
		CHECK(len == GRANT_HANDLE_LEN && memcmp(grant, h2, GRANT_HANDLE_LEN) == 0,
		    "...and its CLI session hands back the approving login's handle");
	}
	len = (int)revoke_grant(web, grant);
	CHECK(len == GRANT_HANDLE_LEN && memcmp(grant, h1, GRANT_HANDLE_LEN) == 0,
	    "upgrade 2 -> 3: signing out hands back the legacy handle, for authd to revoke");
	CHECK(revoke_grant(bare, grant) == 0, "upgrade 2 -> 3: no grant, none handed back");
	reopen();
	CHECK(fx_entries(st.sessions) == 0 && user("gh:two").web_sessions == 0,
	    "upgrade 2 -> 3: done once (reopening changes nothing)");
	fx_close();
}

/* Schema 3 -> 4: user records of version 2 become version 3 with no e-mail
 * address, their counts and sessions kept; the next sign-in stores one. */
static void
test_upgrade_s3(void)
{
	uint8_t				 web[TOKEN_LEN], v[RECORD_MAX];
	struct op			*op;
	struct msg_store_session_get_r	 a;
	MDB_txn				*txn;
	MDB_val				 got;
	int				 len;

	fx_open(16 << 20);
	CHECK(fx_create("gh:three", KIND_WEB, web) == ST_OK, "schema 3 -> 4: a session");
	if (mdb_txn_begin(st.env, NULL, 0, &txn) != 0 ||
	    db_put(txn, st.meta, "schema", 6, "\0\0\0\3", 4, 0) != 0 ||
	    (len = user_v2("Three", 9, 1, 0, v)) == -1 ||
	    db_put(txn, st.users, "gh:three", 8, v, (size_t)len, 0) != 0 ||
	    (len = user_v2("Idle", 0, 0, 0, v)) == -1 ||
	    db_put(txn, st.users, "gh:idle", 7, v, (size_t)len, 0) != 0 ||
	    mdb_txn_commit(txn) != 0)
		exit(1);
	CHECK(fx_get(web) == ST_INTERNAL, "schema 3 -> 4: a version 2 user record is not read as "
	    "current");
	reopen();
	if (mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn) != 0)
		exit(1);
	CHECK(db_get(txn, st.meta, "schema", 6, &got) == 0 && got.mv_size == 4 &&
	    ((uint8_t *)got.mv_data)[3] == SCHEMA_VERSION, "upgrade 3 -> 4: schema 4 recorded");
	mdb_txn_abort(txn);
	op = fx_op(MSG_STORE_SESSION_GET, op_session_get, 0);
	secret_hash(op->req.key, web, TOKEN_LEN);
	CHECK(fx_run(op, &a) == ST_OK && strcmp(a.name, "Three") == 0 && a.counter == 9 &&
	    a.email[0] == '\0', "upgrade 3 -> 4: the session lives on, its user's count kept, "
	    "no e-mail");
	CHECK(user("gh:three").web_sessions == 1 && user("gh:idle").counter == 0 &&
	    strcmp(user("gh:idle").name, "Idle") == 0, "upgrade 3 -> 4: every user upgraded");
	op = fx_op(MSG_STORE_SESSION_CREATE, op_session_create, OP_WRITE);
	fx_fill_create(op, "gh:three", KIND_WEB);
	snprintf(op->req.proof.email, sizeof(op->req.proof.email), "three@example.org");
	CHECK(fx_run(op, NULL) == ST_OK && strcmp(user("gh:three").email, "three@example.org") == 0 &&
	    user("gh:three").web_sessions == 2, "upgrade 3 -> 4: the next sign-in stores the "
	    "e-mail address");
	reopen();
	CHECK(strcmp(user("gh:three").email, "three@example.org") == 0,
	    "upgrade 3 -> 4: done once (reopening changes nothing)");
	fx_close();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	log_init("test_store_page", 0);
	test_lists();
	test_count_fix();
	test_upgrade();
	test_upgrade_s2();
	test_upgrade_s3();
	return CHECK_DONE();
}
