/*
 * Unit tests of two limits of the store, on a real LMDB environment with a
 * clock the test moves: max_sessions_per_user (a new session beyond the cap
 * ends the user's least recently seen session, of the new one's kind first),
 * and a full map swept of expired entries before a write is answered ST_FULL.
 */
#include "check.h"
#include "log.h"
#include "store_fixture.h"

/* A store with max_sessions_per_user cap and sessions living ttl seconds. */
static void
store_open(size_t map_size, uint32_t cap, uint64_t ttl)
{
	fx_open(map_size);
	st.conf.max_per_user = cap;
	st.conf.session_ttl = ttl;
}

/* Runs ops[0..n) as one batch; the status of each into s[]. */
static void
batch(struct op **ops, size_t n, uint8_t *s)
{
	size_t i;

	fx_batch(ops, n);
	for (i = 0; i < n; i++)
		s[i] = fx_answer(ops[i], NULL);
}

static void
at(uint64_t t)
{
	fx_at(t, 0);
}

static void
test_cap(void)
{
	uint8_t		w[TOKEN_LEN], w2[TOKEN_LEN], c[5][TOKEN_LEN], o[TOKEN_LEN], x[4][TOKEN_LEN];
	uint64_t	t0;
	int		i, ok;

	store_open(16 << 20, 3, 86400);
	t0 = st.now;
	CHECK(fx_create("u:1", KIND_WEB, w) == ST_OK, "cap: web session");
	at(t0 + 10);
	CHECK(fx_create("u:1", KIND_CLI, c[0]) == ST_OK, "cap: first CLI session");
	at(t0 + 20);
	CHECK(fx_create("u:1", KIND_CLI, c[1]) == ST_OK, "cap: second CLI session (3 live)");
	CHECK(fx_create("u:2", KIND_WEB, o) == ST_OK, "cap: another user signs in");
	at(t0 + 30);
	CHECK(fx_create("u:1", KIND_CLI, c[2]) == ST_OK, "cap: a 4th session is created");
	CHECK(fx_get(c[0]) == ST_NOTFOUND, "cap: ...it ended the oldest CLI session");
	CHECK(fx_get(w) == ST_OK && fx_get(c[1]) == ST_OK && fx_get(c[2]) == ST_OK,
	    "cap: ...the older web session and the other CLI sessions live (CLI first)");
	CHECK(fx_entries(st.sessions) == 4 && fx_entries(st.byuser) == 4,
	    "cap: 3 sessions of the user + 1 of the other, index in step");
	at(t0 + 40);
	CHECK(fx_create("u:1", KIND_WEB, w2) == ST_OK && fx_get(w) == ST_NOTFOUND &&
	    fx_get(c[1]) == ST_OK && fx_get(c[2]) == ST_OK, "cap: a new web session ends the web one");

	/* least recently seen, not oldest: c[1] is used after a minute, c[2] is not */
	at(t0 + 100);
	CHECK(fx_get(c[1]) == ST_OK, "cap: the older CLI session is used again");
	at(t0 + 110);
	CHECK(fx_create("u:1", KIND_CLI, c[3]) == ST_OK && fx_get(c[2]) == ST_NOTFOUND &&
	    fx_get(c[1]) == ST_OK, "cap: the least recently seen CLI session is ended");
	CHECK(fx_get(o) == ST_OK, "cap: the other user's session is untouched");

	/* no session of the new kind: the least recently seen of the other kind */
	for (i = 0; i < 3; i++) {
		at(t0 + 200 + (uint64_t)i);
		fx_create("u:3", KIND_WEB, x[i]);
	}
	at(t0 + 210);
	CHECK(fx_create("u:3", KIND_CLI, x[3]) == ST_OK && fx_get(x[0]) == ST_NOTFOUND &&
	    fx_get(x[1]) == ST_OK && fx_get(x[2]) == ST_OK && fx_get(x[3]) == ST_OK,
	    "cap: with only web sessions, a CLI one ends the least recently seen web one");

	/* many in a row: never more than the cap */
	for (i = 0, ok = 1; i < 50; i++) {
		at(t0 + 300 + (uint64_t)i);
		ok &= fx_create("u:1", KIND_CLI, c[4]) == ST_OK;
	}
	CHECK(ok && fx_entries(st.sessions) == 3 + 1 + 3 && fx_entries(st.byuser) == 7,
	    "cap: 50 more sessions, still 3 of the user");
	CHECK(fx_get(c[4]) == ST_OK, "cap: the newest session works");
	fx_close();

	/* expired sessions neither count nor stay in the index */
	store_open(16 << 20, 2, 100);
	t0 = st.now;
	fx_create("u:1", KIND_CLI, c[0]);
	fx_create("u:1", KIND_CLI, c[1]);
	at(t0 + 100);
	CHECK(fx_create("u:1", KIND_CLI, c[2]) == ST_OK && fx_entries(st.sessions) == 1 &&
	    fx_entries(st.byuser) == 1, "cap: expired sessions of the user are removed, not counted");
	at(t0 + 101);
	CHECK(fx_create("u:1", KIND_CLI, c[3]) == ST_OK && fx_get(c[2]) == ST_OK,
	    "cap: ...so the live one is kept");
	fx_close();

	/* a lowered cap: the next session brings the user down to it */
	store_open(16 << 20, 5, 86400);
	for (i = 0; i < 5; i++)
		fx_create("u:1", KIND_CLI, c[i]);
	st.conf.max_per_user = 2;
	CHECK(fx_create("u:1", KIND_CLI, w) == ST_OK && fx_entries(st.sessions) == 2 && fx_get(w) == ST_OK,
	    "cap: lowered from 5 to 2, the next session leaves 2");
	st.conf.max_per_user = 0;
	for (i = 0; i < 5; i++)
		fx_create("u:1", KIND_CLI, c[i]);
	CHECK(fx_entries(st.sessions) == 7, "cap: 0 means no cap");
	fx_close();
}

/* Fills the map with one session per user; returns how many fit. */
static int
fill(const char *prefix)
{
	uint8_t	tok[TOKEN_LEN], s;
	char	user[48];
	int	i, n = 0, full = 0;

	for (i = 0; i < 20000 && full < 3; i++) {
		snprintf(user, sizeof(user), "%s%d", prefix, i);
		s = fx_create(user, KIND_WEB, tok);
		n += s == ST_OK;
		full = s == ST_FULL ? full + 1 : 0;
	}
	return full == 3 ? n : -1;
}

static void
test_full_sweep(void)
{
	struct op	*ops[2];
	uint8_t		 keep[TOKEN_LEN], s[2];
	uint64_t	 t0;
	size_t		 swept;
	int		 n, late, i, more;

	store_open(1 << 20, 0, 100);
	t0 = st.now;
	CHECK((n = fill("a:")) > 100, "full: the map filled with sessions (%d)", n);
	at(t0 + 99);
	CHECK((late = fill("late:")) >= 0, "full: a second before they expire, still ST_FULL "
	    "(%d more fitted in freed pages)", late);
	at(t0 + 100);
	CHECK(fx_create("new", KIND_WEB, keep) == ST_OK,
	    "full: once they have expired, a new session is created (expired ones swept)");
	/* In a map this full the sweep for room may stop short (deleting needs
	 * pages too); the periodic sweep, with room again, removes the rest. */
	for (i = 0, more = 1; more && i < 20; i++)
		if (sweep_run(&st, st.now, 2000, &swept, &more) != 0)
			break;
	CHECK(fx_entries(st.sessions) == (size_t)late + 1 &&
	    fx_entries(st.byuser) == (size_t)late + 1,
	    "full: then every expired session is swept, each with its index entry (%zu left, "
	    "%d live)", fx_entries(st.sessions), late + 1);
	CHECK(fx_get(keep) == ST_OK, "full: the new session works");

	/* a read and a write in one batch: the write is retried, the read answered */
	at(t0 + 101);
	CHECK(fill("b:") > 100, "full: filled again");
	at(t0 + 250);
	ops[0] = fx_op(MSG_STORE_SESSION_GET, op_session_get, 0);
	secret_hash(ops[0]->req.key, keep, TOKEN_LEN);
	ops[1] = fx_op(MSG_STORE_SESSION_CREATE, op_session_create, OP_WRITE);
	fx_fill_create(ops[1], "late2", KIND_WEB);
	batch(ops, 2, s);
	CHECK(s[0] == ST_NOTFOUND && s[1] == ST_OK,
	    "full: in a batch, the write gets room after the sweep, the read is answered");
	op_free(ops[0]);
	op_free(ops[1]);
	fx_close();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	log_init("test_store_cap", 0);
	test_cap();
	test_full_sweep();
	return CHECK_DONE();
}
