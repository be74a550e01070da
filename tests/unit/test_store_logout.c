/*
 * Unit tests: what the store does with authd's proofs beyond a sign-in: the
 * e-mail address of the latest sign-in, a PURPOSE_CLI_REFUSED proof that
 * denies a pairing and creates nothing, and LOGOUT, which ends every session
 * of one user, once.  (request.c's purpose check: tests/t_store_proof_purposes_exact.sh.)
 */
#include <sodium.h>

#include "check.h"
#include "log.h"
#include "store_fixture.h"

/* A proof of purpose for user, fresh nonce (request.c has checked its signature). */
static void
proof_for(struct proof *p, uint8_t purpose, const char *user, const char *email,
    const uint8_t *ref)
{
	memset(p, 0, sizeof(*p));
	p->purpose = purpose;
	p->expires = st.now + PROOF_TTL;
	randombytes_buf(p->nonce, sizeof(p->nonce));
	snprintf(p->user_id, sizeof(p->user_id), "%s", user);
	snprintf(p->name, sizeof(p->name), "Name of %s", user);
	snprintf(p->email, sizeof(p->email), "%s", email);
	if (ref != NULL) {
		memcpy(p->ref, ref, REF_LEN);
		p->ref_len = REF_LEN;
	}
}

/* SESSION_CREATE of kind with proof p; the token into tok when ST_OK. */
static uint8_t
create(const struct proof *p, uint8_t kind, uint8_t tok[TOKEN_LEN])
{
	struct op				*op = fx_op(MSG_STORE_SESSION_CREATE,
						    op_session_create, OP_WRITE);
	struct msg_store_session_create_r	 a;
	uint8_t					 s;

	op->req.proof = *p;
	op->req.flag = kind;
	snprintf(op->req.label, sizeof(op->req.label), "test");
	if ((s = fx_run(op, &a)) == ST_OK)
		memcpy(tok, a.token, TOKEN_LEN);
	return s;
}

static uint8_t
login(const char *user, const char *email, uint8_t tok[TOKEN_LEN])
{
	struct proof p;

	proof_for(&p, PURPOSE_WEB, user, email, NULL);
	return create(&p, KIND_WEB, tok);
}

/* SESSION_GET: the answer into a. */
static uint8_t
get(const uint8_t tok[TOKEN_LEN], struct msg_store_session_get_r *a)
{
	struct op *op = fx_op(MSG_STORE_SESSION_GET, op_session_get, 0);

	secret_hash(op->req.key, tok, TOKEN_LEN);
	return fx_run(op, a);
}

static uint8_t
pair_create(const char *code, uint8_t ref[REF_LEN])
{
	struct op			*op = fx_op(MSG_STORE_PAIR_CREATE, op_pair_create, OP_WRITE);
	struct msg_store_pair_create_r	 a;
	uint8_t				 s;

	secret_hash(op->req.key, code, strlen(code));
	snprintf(op->req.label, sizeof(op->req.label), "cli");
	snprintf(op->req.client, sizeof(op->req.client), "192.0.2.1");
	if ((s = fx_run(op, &a)) == ST_OK)
		memcpy(ref, a.ref, REF_LEN);
	return s;
}

static uint8_t
pair_approve(const struct proof *p)
{
	struct op *op = fx_op(MSG_STORE_PAIR_APPROVE, op_pair_approve, OP_WRITE);

	op->req.proof = *p;
	return fx_run(op, NULL);
}

static uint8_t
pair_take(const char *code, uint8_t tok[TOKEN_LEN])
{
	struct op			*op = fx_op(MSG_STORE_PAIR_TAKE, op_pair_take, OP_WRITE);
	struct msg_store_pair_take_r	 a;
	uint8_t				 s;

	secret_hash(op->req.key, code, strlen(code));
	if ((s = fx_run(op, &a)) == ST_OK && tok != NULL)
		memcpy(tok, a.token, TOKEN_LEN);
	return s;
}

static uint8_t
pair_info(const uint8_t ref[REF_LEN])
{
	struct op *op = fx_op(MSG_STORE_PAIR_INFO, op_pair_info, 0);

	memcpy(op->req.ref, ref, REF_LEN);
	return fx_run(op, NULL);
}

/* LOGOUT with proof p; *revoked from its answer. */
static uint8_t
logout(const struct proof *p, uint32_t *revoked)
{
	struct op			*op = fx_op(MSG_STORE_LOGOUT, op_logout, OP_WRITE);
	struct msg_store_logout_r	 a;
	uint8_t				 s;

	op->req.proof = *p;
	memset(&a, 0, sizeof(a));
	s = fx_run(op, &a);
	*revoked = a.revoked;
	return s;
}

static int
user_exists(const char *user_id, struct user_rec *u)
{
	MDB_txn	*txn;
	int	 rc;

	if (mdb_txn_begin(st.env, NULL, MDB_RDONLY, &txn) != 0)
		exit(1);
	rc = db_user_get(&st, txn, user_id, u);
	mdb_txn_abort(txn);
	return rc == 0;
}

static void
test_email(void)
{
	struct msg_store_session_get_r	a;
	struct user_rec			u;
	struct proof			p;
	uint8_t				t1[TOKEN_LEN], t2[TOKEN_LEN], t3[TOKEN_LEN], ref[REF_LEN];

	fx_open(16 << 20);
	CHECK(login("gh:ann", "ann@example.org", t1) == ST_OK && get(t1, &a) == ST_OK &&
	    strcmp(a.email, "ann@example.org") == 0, "email: stored at sign-in, answered by GET");
	CHECK(login("gh:bo", "", t2) == ST_OK && get(t2, &a) == ST_OK && a.email[0] == '\0',
	    "email: none given, \"\" answered");
	CHECK(login("gh:ann", "ann@new.example", t3) == ST_OK && get(t1, &a) == ST_OK &&
	    strcmp(a.email, "ann@new.example") == 0,
	    "email: the latest sign-in's, for every session of the user");
	CHECK(pair_create("paircode-email-0123456789", ref) == ST_OK, "email: a pairing");
	proof_for(&p, PURPOSE_CLI, "gh:ann", "ann@cli.example", ref);
	CHECK(pair_approve(&p) == ST_OK && user_exists("gh:ann", &u) &&
	    strcmp(u.email, "ann@cli.example") == 0, "email: a pairing approval stores it too");
	CHECK(login("gh:ann", "", t3) == ST_OK && get(t1, &a) == ST_OK && a.email[0] == '\0',
	    "email: a sign-in without one clears it");
	fx_close();
}

static void
test_cli_refused(void)
{
	struct proof	p, q;
	struct user_rec	u;
	uint8_t		ref[REF_LEN], ref2[REF_LEN];
	const char	*code = "paircode-refused-0123456789";

	fx_open(16 << 20);
	CHECK(pair_create(code, ref) == ST_OK, "refused: a pending pairing");
	proof_for(&p, PURPOSE_CLI_REFUSED, "gh:eve", "eve@example.org", ref);
	CHECK(pair_approve(&p) == ST_OK, "refused: PAIR_APPROVE with a CLI_REFUSED proof answers ok");
	CHECK(pair_take(code, NULL) == ST_DENIED, "refused: the CLI's poll answers denied");
	CHECK(pair_info(ref) == ST_NOTFOUND, "refused: the pairing is no longer pending");
	CHECK(!user_exists("gh:eve", &u), "refused: no user created");
	CHECK(fx_entries(st.sessions) == 0 && fx_entries(st.byuser) == 0,
	    "refused: no session created");
	CHECK(fx_entries(st.refs) == 0 && fx_entries(st.byaddr) == 0,
	    "refused: the pairing unlisted from the pending ones");
	CHECK(pair_approve(&p) == ST_NOTFOUND, "refused: its replay finds nothing pending");
	proof_for(&q, PURPOSE_CLI, "gh:eve", "", ref);
	CHECK(pair_approve(&q) == ST_NOTFOUND && pair_take(code, NULL) == ST_DENIED,
	    "refused: an approval after it approves nothing");
	/* spent like any proof: the same nonce cannot serve again */
	CHECK(pair_create("paircode-refused-second-01", ref2) == ST_OK, "refused: a second pairing");
	memcpy(p.ref, ref2, REF_LEN);
	CHECK(pair_approve(&p) == ST_DENIED && pair_info(ref2) == ST_OK,
	    "refused: its nonce was spent (another pairing with it: denied, still pending)");
	fx_close();
}

static void
test_logout(void)
{
	struct msg_store_session_get_r	a;
	struct user_rec			u;
	struct proof			p, web;
	uint32_t			revoked = 99;
	uint8_t				w1[TOKEN_LEN], w2[TOKEN_LEN], c1[TOKEN_LEN], other[TOKEN_LEN];
	uint8_t				ref[REF_LEN];
	const char			*code = "paircode-logout-0123456789";

	fx_open(16 << 20);
	CHECK(login("gh:lou", "lou@example.org", w1) == ST_OK && login("gh:lou", "", w2) == ST_OK &&
	    login("gh:other", "", other) == ST_OK, "logout: two web sessions, another user's");
	CHECK(pair_create(code, ref) == ST_OK, "logout: a pairing");
	proof_for(&p, PURPOSE_CLI, "gh:lou", "", ref);
	CHECK(pair_approve(&p) == ST_OK && pair_take(code, c1) == ST_OK, "logout: a CLI session");
	CHECK(user_exists("gh:lou", &u) && u.web_sessions == 2 && u.cli_sessions == 1,
	    "logout: counted 2 web, 1 CLI");

	proof_for(&p, PURPOSE_LOGOUT, "gh:lou", "", NULL);
	CHECK(logout(&p, &revoked) == ST_OK && revoked == 3, "logout: answers 3 ended (%u)",
	    revoked);
	CHECK(get(w1, &a) == ST_NOTFOUND && get(w2, &a) == ST_NOTFOUND && get(c1, &a) == ST_NOTFOUND,
	    "logout: every session of the user ended, web and CLI");
	CHECK(user_exists("gh:lou", &u) && u.web_sessions == 0 && u.cli_sessions == 0,
	    "logout: the user kept, counted 0 sessions");
	CHECK(get(other, &a) == ST_OK && strcmp(a.user_id, "gh:other") == 0,
	    "logout: another user's session lives on");
	CHECK(fx_entries(st.sessions) == 1 && fx_entries(st.byuser) == 1,
	    "logout: records and index entries gone together");

	CHECK(login("gh:lou", "", w1) == ST_OK, "logout: the user signs in again");
	revoked = 99;
	CHECK(logout(&p, &revoked) == ST_DENIED && get(w1, &a) == ST_OK,
	    "logout: its replay is refused (denied) and ends nothing");
	proof_for(&web, PURPOSE_LOGOUT, "gh:nobody", "", NULL);
	CHECK(logout(&web, &revoked) == ST_OK && revoked == 0 && !user_exists("gh:nobody", &u),
	    "logout: an unknown user: 0 ended, no user created");

	/* expired sessions not swept yet are ended too, and not counted as live */
	fx_at(st.now + 3600 + 1, 0);
	CHECK(login("gh:lou", "", w2) == ST_OK, "logout: a new session after the first expired");
	proof_for(&p, PURPOSE_LOGOUT, "gh:lou", "", NULL);
	CHECK(logout(&p, &revoked) == ST_OK && revoked == 1 && fx_entries(st.byuser) == 1,
	    "logout: the expired session removed, the live one counted (%u)", revoked);
	fx_close();
}

/* More sessions than one scan holds (no per-user cap): all end. */
static void
test_logout_many(void)
{
	struct proof	p;
	struct op	*ops[64];
	uint32_t	revoked;
	size_t		i, j, n = 0;

	fx_open(64 << 20);
	for (i = 0; i < 40; i++) {	/* 40 batches of 64 sessions */
		for (j = 0; j < 64; j++) {
			ops[j] = fx_op(MSG_STORE_SESSION_CREATE, op_session_create, OP_WRITE);
			fx_fill_create(ops[j], "gh:many", KIND_WEB);
		}
		fx_batch(ops, 64);
		for (j = 0; j < 64; j++) {
			n += fx_answer(ops[j], NULL) == ST_OK;
			op_free(ops[j]);
		}
	}
	CHECK(n == 2560, "many: 2560 sessions (%zu)", n);
	proof_for(&p, PURPOSE_LOGOUT, "gh:many", "", NULL);
	CHECK(logout(&p, &revoked) == ST_OK && revoked == 2560 && fx_entries(st.sessions) == 0 &&
	    fx_entries(st.byuser) == 0, "many: every one ended (%u)", revoked);
	fx_close();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	log_init("test_store_logout", 0);
	test_email();
	test_cli_refused();
	test_logout();
	test_logout_many();
	return CHECK_DONE();
}
