/*
 * Each op as one call of its function in the database (pg_schema.c), and
 * its answer read back from the function's result.  Parameters and results
 * are in binary format with explicit types and lengths; every value read is
 * checked against the size of the answer field it goes to.
 */
#include "pg.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

#define MAX_PARAMS	16
/* type oids (catalog/pg_type.h) */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23

#define SWEEP_LIMIT_MIN	1

struct params {
	int		 n;
	Oid		 types[MAX_PARAMS];
	const char	*vals[MAX_PARAMS];
	int		 lens[MAX_PARAMS];
	int		 fmts[MAX_PARAMS];
	uint8_t		 num[MAX_PARAMS][8];	/* numbers, big-endian */
};

static void
p_num(struct params *p, Oid type, uint64_t v, int size)
{
	int i;

	if (p->n >= MAX_PARAMS)
		fatalx("pg: too many parameters");
	for (i = 0; i < size; i++)
		p->num[p->n][i] = (uint8_t)(v >> (8 * (size - 1 - i)));
	p->types[p->n] = type;
	p->vals[p->n] = (const char *)p->num[p->n];
	p->lens[p->n] = size;
	p->fmts[p->n] = 1;
	p->n++;
}

static void
p_i64(struct params *p, uint64_t v)
{
	p_num(p, OID_INT8, v, 8);
}

static void
p_i32(struct params *p, uint32_t v)
{
	p_num(p, OID_INT4, v, 4);
}

static void
p_i16(struct params *p, uint16_t v)
{
	p_num(p, OID_INT2, v, 2);
}

static void
p_bool(struct params *p, int v)
{
	p_num(p, OID_BOOL, v != 0, 1);
}

/* bytea; b NULL: SQL NULL */
static void
p_bytes(struct params *p, const void *b, size_t len)
{
	if (p->n >= MAX_PARAMS)
		fatalx("pg: too many parameters");
	p->types[p->n] = OID_BYTEA;
	p->vals[p->n] = b;
	p->lens[p->n] = b == NULL ? 0 : (int)len;
	p->fmts[p->n] = 1;
	p->n++;
}

static void
p_str(struct params *p, const char *s)
{
	p_bytes(p, s, strlen(s));
}

/* A number of seconds as the database's bigint (a u64 beyond it saturates). */
static uint64_t
i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : v;
}

static int
call(PGconn *c, const char *sql, const struct params *p)
{
	return PQsendQueryParams(c, sql, p->n, p->types, p->vals, p->lens, p->fmts, 1) == 1 ? 0 : -1;
}

/* --- reading a result: every getter returns 0, or -1 for a value that is
 * NULL or not of the expected size */

static int
r_num(const PGresult *r, int row, int col, int size, uint64_t *v)
{
	const uint8_t	*b;
	int		 i;

	if (col >= PQnfields(r) || PQgetisnull(r, row, col) || PQgetlength(r, row, col) != size)
		return -1;
	b = (const uint8_t *)PQgetvalue(r, row, col);
	for (*v = 0, i = 0; i < size; i++)
		*v = *v << 8 | b[i];
	return 0;
}

/* A non-negative bigint */
static int
r_u64(const PGresult *r, int row, int col, uint64_t *v)
{
	return r_num(r, row, col, 8, v) == 0 && *v <= INT64_MAX ? 0 : -1;
}

static int
r_u32(const PGresult *r, int row, int col, uint32_t *v)
{
	uint64_t x;

	if (r_u64(r, row, col, &x) == -1 || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int
r_u8(const PGresult *r, int row, int col, uint8_t *v)
{
	uint64_t x;

	if (r_num(r, row, col, 2, &x) == -1 || x > UINT8_MAX)
		return -1;
	*v = (uint8_t)x;
	return 0;
}

static int
r_bool(const PGresult *r, int row, int col, uint8_t *v)
{
	uint64_t x;

	if (r_num(r, row, col, 1, &x) == -1 || x > 1)
		return -1;
	*v = (uint8_t)x;
	return 0;
}

/* bytea of exactly len bytes */
static int
r_fixed(const PGresult *r, int row, int col, void *out, size_t len)
{
	if (col >= PQnfields(r) || PQgetisnull(r, row, col) ||
	    (size_t)PQgetlength(r, row, col) != len)
		return -1;
	memcpy(out, PQgetvalue(r, row, col), len);
	return 0;
}

/* bytea of at most cap bytes, NULL for none; *len its length */
static int
r_opt(const PGresult *r, int row, int col, void *out, size_t cap, size_t *len)
{
	size_t n;

	if (col >= PQnfields(r))
		return -1;
	*len = 0;
	if (PQgetisnull(r, row, col))
		return 0;
	if ((n = (size_t)PQgetlength(r, row, col)) > cap)
		return -1;
	memcpy(out, PQgetvalue(r, row, col), n);
	*len = n;
	return 0;
}

/* A string into char[size]: at most size - 1 bytes, no NUL inside. */
static int
r_str(const PGresult *r, int row, int col, char *out, size_t size)
{
	size_t n;

	if (col >= PQnfields(r) || PQgetisnull(r, row, col) ||
	    (n = (size_t)PQgetlength(r, row, col)) >= size ||
	    memchr(PQgetvalue(r, row, col), '\0', n) != NULL)
		return -1;
	memcpy(out, PQgetvalue(r, row, col), n);
	out[n] = '\0';
	return 0;
}

/* The status in column col of row 0, as a ST_ code. */
static int
r_status_at(const PGresult *r, int col, uint8_t *st)
{
	static const uint8_t map[PGS_MAX] = {
		[PGS_OK] = ST_OK, [PGS_NOTFOUND] = ST_NOTFOUND, [PGS_DENIED] = ST_DENIED,
		[PGS_INVALID] = ST_INVALID, [PGS_BUSY_ADDR] = ST_BUSY, [PGS_EXPIRED] = ST_EXPIRED,
		[PGS_PENDING] = ST_PENDING, [PGS_SLOW_DOWN] = ST_SLOW_DOWN, [PGS_BUSY] = ST_BUSY,
	};
	uint8_t s;

	if (PQntuples(r) < 1 || r_u8(r, 0, col, &s) == -1 || s >= PGS_MAX)
		return -1;
	*st = map[s];
	return 0;
}

/* The status of a one-row result, in its first column. */
static int
r_status(const PGresult *r, int row, uint8_t *st)
{
	return PQntuples(r) == 1 && row == 0 ? r_status_at(r, 0, st) : -1;
}

/* --- the statements */

static int
send_ping(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	struct params p = { 0 };

	return call(c, "SELECT * FROM airlock_ping()", &p);
}

static int
send_session_get(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	struct params p = { 0 };

	p_bytes(&p, po->op->req.key, HASH_LEN);
	p_i64(&p, now);
	p_i64(&p, TOUCH_INTERVAL);
	p_bool(&p, po->op->hdr.type == MSG_STORE_INCREMENT);
	return call(c, "SELECT * FROM airlock_session_get($1, $2, $3, $4)", &p);
}

/* A new session's token, its hash and its sid. */
static void
session_secrets(struct pg_op *po, uint64_t now)
{
	randombytes_buf(po->token, TOKEN_LEN);
	secret_hash(po->tkey, po->token, TOKEN_LEN);
	sid_new(po->sid, now);
}

static int
send_session_create(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	const struct proof	*pr = &po->op->req.proof;
	struct params		 p = { 0 };

	session_secrets(po, now);
	p_bytes(&p, pr->nonce, sizeof(pr->nonce));
	p_i64(&p, i64(proof_nonce_expiry(pr)));
	p_str(&p, pr->user_id);
	p_str(&p, pr->name);
	p_str(&p, pr->email);
	p_i16(&p, po->op->req.flag);
	p_str(&p, po->op->req.label);
	p_bytes(&p, pr->grant_len > 0 ? pr->grant : NULL,
	    pr->grant_len < sizeof(pr->grant) ? pr->grant_len : sizeof(pr->grant));
	p_bytes(&p, po->tkey, HASH_LEN);
	p_bytes(&p, po->sid, SID_LEN);
	p_i64(&p, now);
	p_i64(&p, i64(st->conf.session_ttl));
	p_i32(&p, st->conf.max_per_user);
	return call(c, "SELECT * FROM airlock_session_create($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	    " $10, $11, $12, $13)", &p);
}

static int
send_page(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	struct params	p = { 0 };
	int		all = po->op->req.flag == PAGE_ALL;

	p_bytes(&p, po->op->req.key, HASH_LEN);
	p_i64(&p, now);
	p_i64(&p, TOUCH_INTERVAL);
	p_i16(&p, all ? KIND_WEB : KIND_CLI);
	p_i16(&p, all ? KIND_CLI : 0);
	p_i32(&p, all ? MAX_SESSIONS_LISTED / 2 : PAGE_CLI_SHOWN);
	return call(c, "SELECT * FROM airlock_page($1, $2, $3, $4, $5, $6)", &p);
}

static int
send_session_revoke(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	struct params p = { 0 };

	p_bytes(&p, po->op->req.key, HASH_LEN);
	p_i64(&p, now);
	p_bytes(&p, po->op->req.flag ? po->op->req.sid : NULL, SID_LEN);
	return call(c, "SELECT * FROM airlock_session_revoke($1, $2, $3)", &p);
}

static int
send_pair_create(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	struct params p = { 0 };

	randombytes_buf(po->ref, REF_LEN);
	user_code_new(po->user_code);
	p_bytes(&p, po->op->req.key, HASH_LEN);
	p_bytes(&p, po->ref, REF_LEN);
	p_str(&p, po->user_code);
	p_str(&p, po->op->req.label);
	p_str(&p, po->op->req.client);
	p_i64(&p, now);
	p_i64(&p, st->conf.pair_ttl);
	p_i64(&p, st->conf.max_pending);
	p_i64(&p, st->conf.max_pending_per_addr);
	return call(c, "SELECT * FROM airlock_pair_create($1, $2, $3, $4, $5, $6, $7, $8, $9)", &p);
}

static int
send_pair_info(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	struct params p = { 0 };

	p_bytes(&p, po->op->req.ref, REF_LEN);
	p_i64(&p, now);
	p_bytes(&p, po->op->req.flag ? po->op->req.key : NULL, HASH_LEN);
	return call(c, "SELECT * FROM airlock_pair_info($1, $2, $3)", &p);
}

static int
send_pair_decide(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	struct params p = { 0 };

	p_bytes(&p, po->op->req.key, HASH_LEN);
	p_bytes(&p, po->op->req.ref, REF_LEN);
	p_i64(&p, now);
	return call(c, "SELECT * FROM airlock_pair_decide($1, $2, $3)", &p);
}

static int
send_pair_approve(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	const struct proof	*pr = &po->op->req.proof;
	struct params		 p = { 0 };

	p_bytes(&p, pr->ref, REF_LEN);
	p_i64(&p, now);
	p_bytes(&p, pr->nonce, sizeof(pr->nonce));
	p_i64(&p, i64(proof_nonce_expiry(pr)));
	p_str(&p, pr->user_id);
	p_str(&p, pr->name);
	p_str(&p, pr->email);
	p_bytes(&p, pr->grant_len > 0 ? pr->grant : NULL,
	    pr->grant_len < sizeof(pr->grant) ? pr->grant_len : sizeof(pr->grant));
	p_bool(&p, pr->purpose == PURPOSE_CLI_REFUSED);
	return call(c, "SELECT * FROM airlock_pair_approve($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	    &p);
}

static int
send_logout(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	const struct proof	*pr = &po->op->req.proof;
	struct params		 p = { 0 };

	p_bytes(&p, pr->nonce, sizeof(pr->nonce));
	p_i64(&p, i64(proof_nonce_expiry(pr)));
	p_str(&p, pr->user_id);
	p_i64(&p, now);
	return call(c, "SELECT * FROM airlock_logout($1, $2, $3, $4)", &p);
}

static int
send_pair_take(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	struct params p = { 0 };

	session_secrets(po, now);
	p_bytes(&p, po->op->req.key, HASH_LEN);
	p_i64(&p, now);
	p_i64(&p, now_ms);
	p_i64(&p, SLOW_DOWN_MS);
	p_bytes(&p, po->tkey, HASH_LEN);
	p_bytes(&p, po->sid, SID_LEN);
	p_i64(&p, i64(st->conf.session_ttl));
	p_i32(&p, st->conf.max_per_user);
	return call(c, "SELECT * FROM airlock_pair_take($1, $2, $3, $4, $5, $6, $7, $8)", &p);
}

int
pg_sweep_send(PGconn *c, uint64_t now, int limit)
{
	struct params p = { 0 };

	p_i64(&p, i64(now));
	p_i32(&p, (uint32_t)(limit < SWEEP_LIMIT_MIN ? SWEEP_LIMIT_MIN : limit));
	return call(c, "SELECT * FROM airlock_sweep($1, $2)", &p);
}

int
pg_sweep_result(const PGresult *r, uint64_t *deleted, int *more)
{
	uint8_t m;

	if (PQntuples(r) != 1 || r_u64(r, 0, 0, deleted) == -1 || r_bool(r, 0, 1, &m) == -1)
		return -1;
	*more = m;
	return 0;
}

/* --- the answers: each reader fills a (zeroed) answer, returns 0 or -1 */

#define ANSWER_(NAME, name, num)	struct msg_##name##_r name;
static union {
	MSG_TABLE(ANSWER_)
} ans;

static int
read_ping(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_ping_r	*a = &ans.store_ping;
	uint64_t		 pending;

	*status = ST_OK;
	if (PQntuples(r) != 1 || r_u64(r, 0, 0, &a->users) == -1 ||
	    r_u64(r, 0, 1, &a->sessions) == -1 || r_u64(r, 0, 2, &pending) == -1)
		return -1;
	a->pending = pending > UINT32_MAX ? UINT32_MAX : (uint32_t)pending;
	return 0;
}

static int
read_session_get(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_session_get_r	*a = &ans.store_session_get;
	struct msg_store_increment_r	*i = &ans.store_increment;

	if (r_status(r, 0, status) == -1)
		return -1;
	if (*status != ST_OK)
		return 0;
	if (po->op->hdr.type == MSG_STORE_INCREMENT)
		return r_u64(r, 0, 3, &i->counter);
	if (r_str(r, 0, 1, a->user_id, sizeof(a->user_id)) == -1 ||
	    r_str(r, 0, 2, a->name, sizeof(a->name)) == -1 ||
	    r_u64(r, 0, 3, &a->counter) == -1 || r_u8(r, 0, 4, &a->kind) == -1 ||
	    r_fixed(r, 0, 5, a->sid, sizeof(a->sid)) == -1 ||
	    r_str(r, 0, 6, a->email, sizeof(a->email)) == -1)
		return -1;
	return 0;
}

/* The sessions a new one ended at the per-user cap (columns col..col+2:
 * live before, web and CLI ended), one line each, as the LMDB backend logs them. */
static int
log_evicted(struct store *st, const char *user_id, const PGresult *r, int col)
{
	uint64_t	live, web, cli, i;

	if (r_u64(r, 0, col, &live) == -1 || r_u64(r, 0, col + 1, &web) == -1 ||
	    r_u64(r, 0, col + 2, &cli) == -1 || web + cli > MAX_PER_USER_LIMIT + 1)
		return -1;
	for (i = 0; i < web + cli; i++)
		log_info("%s has %llu sessions (max_sessions_per_user %u): the least recently "
		    "used %s session was ended", user_id, (unsigned long long)live,
		    st->conf.max_per_user, i < web ? "web" : "command-line");
	return 0;
}

static int
read_session_create(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_session_create_r	*a = &ans.store_session_create;
	const struct proof			*pr = &po->op->req.proof;

	if (r_status(r, 0, status) == -1)
		return -1;
	if (*status == ST_DENIED)
		log_warnx("SESSION_CREATE: replayed login proof for %s refused", pr->user_id);
	if (*status != ST_OK)
		return 0;
	if (log_evicted(st, pr->user_id, r, 1) == -1)
		return -1;
	log_debug("session of kind %u created for %s", po->op->req.flag, pr->user_id);
	memcpy(a->token, po->token, TOKEN_LEN);
	snprintf(a->user_id, sizeof(a->user_id), "%s", pr->user_id);
	snprintf(a->name, sizeof(a->name), "%s", pr->name);
	a->purpose = pr->purpose;
	if (pr->ref_len > sizeof(a->ref))
		return -1;
	memcpy(a->ref, pr->ref, pr->ref_len);
	a->ref_len = pr->ref_len;
	return 0;
}

/* PAGE's first row: the session, its user and the totals. */
static int
read_page_head(const PGresult *r, struct msg_store_page_r *a)
{
	uint8_t row;

	if (r_u8(r, 0, 1, &row) == -1 || row != 0 ||
	    r_str(r, 0, 2, a->user_id, sizeof(a->user_id)) == -1 ||
	    r_str(r, 0, 3, a->name, sizeof(a->name)) == -1 ||
	    r_u64(r, 0, 4, &a->counter) == -1 || r_u8(r, 0, 5, &a->kind) == -1 ||
	    r_fixed(r, 0, 6, a->sid, sizeof(a->sid)) == -1 ||
	    r_u32(r, 0, 7, &a->web_sessions) == -1 || r_u32(r, 0, 8, &a->cli_sessions) == -1)
		return -1;
	return 0;
}

static int
read_page_item(const PGresult *r, int row, const uint8_t *own, struct session_item *it)
{
	uint8_t type;

	if (r_u8(r, row, 0, &type) == -1 || type != 1 || r_u8(r, row, 5, &it->kind) == -1 ||
	    r_fixed(r, row, 6, it->sid, sizeof(it->sid)) == -1 ||
	    r_str(r, row, 9, it->label, sizeof(it->label)) == -1 ||
	    r_u64(r, row, 10, &it->created) == -1 || r_u64(r, row, 11, &it->last_seen) == -1 ||
	    r_u64(r, row, 12, &it->expires) == -1)
		return -1;
	it->current = sodium_memcmp(it->sid, own, SID_LEN) == 0;
	return 0;
}

static int
read_page(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_page_r	*a = &ans.store_page;
	int			 n = PQntuples(r), i;
	uint8_t			 row;

	/* first row: r_row 0, then its status */
	if (r_status_at(r, 1, status) == -1 || r_u8(r, 0, 0, &row) == -1 || row != 0)
		return -1;
	if (*status != ST_OK)
		return n == 1 ? 0 : -1;
	if (read_page_head(r, a) == -1 || n - 1 > MAX_SESSIONS_LISTED)
		return -1;
	for (i = 1; i < n; i++)
		if (read_page_item(r, i, a->sid, &a->sessions[a->sessions_n++]) == -1)
			return -1;
	return 0;
}

static int
read_session_revoke(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_session_revoke_r *a = &ans.store_session_revoke;

	if (r_status(r, 0, status) == -1)
		return -1;
	if (*status != ST_OK)
		return 0;
	if (r_opt(r, 0, 1, a->grant, sizeof(a->grant), &a->grant_len) == -1 ||
	    r_bool(r, 0, 2, &a->own) == -1 || r_str(r, 0, 3, a->user_id, sizeof(a->user_id)) == -1)
		return -1;
	log_debug("session of %s revoked", a->user_id);
	return 0;
}

static int
read_pair_create(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_pair_create_r	*a = &ans.store_pair_create;
	uint8_t				 s;

	if (r_status(r, 0, status) == -1 || r_u8(r, 0, 0, &s) == -1)
		return -1;
	if (s == PGS_BUSY_ADDR)
		log_warnx("PAIR_CREATE: %u pairings pending from %s, refused",
		    st->conf.max_pending_per_addr, po->op->req.client);
	else if (s == PGS_BUSY)
		log_warnx("PAIR_CREATE: %u pairings pending, refused", st->conf.max_pending);
	if (*status != ST_OK)
		return 0;
	log_debug("pairing created for %s, user code %s", po->op->req.client, po->user_code);
	memcpy(a->ref, po->ref, REF_LEN);
	snprintf(a->user_code, sizeof(a->user_code), "%s", po->user_code);
	a->expires_in = st->conf.pair_ttl;
	a->interval = PAIR_INTERVAL;
	return 0;
}

static int
read_pair_info(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_pair_info_r	*a = &ans.store_pair_info;

	if (r_status(r, 0, status) == -1)
		return -1;
	if (*status != ST_OK)
		return 0;
	if (r_str(r, 0, 1, a->user_code, sizeof(a->user_code)) == -1 ||
	    r_u32(r, 0, 2, &a->expires_in) == -1 ||
	    r_str(r, 0, 3, a->label, sizeof(a->label)) == -1 ||
	    r_str(r, 0, 4, a->client, sizeof(a->client)) == -1 ||
	    r_u64(r, 0, 5, &a->created) == -1 || r_bool(r, 0, 6, &a->signed_in) == -1)
		return -1;
	if (a->signed_in && (r_str(r, 0, 7, a->user_id, sizeof(a->user_id)) == -1 ||
	    r_str(r, 0, 8, a->name, sizeof(a->name)) == -1))
		return -1;
	return 0;
}

static int
read_pair_decide(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_pair_decide_r	*a = &ans.store_pair_decide;

	if (r_status(r, 0, status) == -1)
		return -1;
	if (*status != ST_OK)
		return 0;
	if (r_str(r, 0, 1, a->user_id, sizeof(a->user_id)) == -1 ||
	    r_str(r, 0, 2, a->name, sizeof(a->name)) == -1)
		return -1;
	log_info("pairing denied by %s", a->user_id);
	return 0;
}

static int
read_pair_approve(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	const struct proof *pr = &po->op->req.proof;

	if (r_status(r, 0, status) == -1)
		return -1;
	if (*status == ST_DENIED)
		log_warnx("PAIR_APPROVE: replayed login proof for %s refused", pr->user_id);
	else if (*status == ST_OK && pr->purpose == PURPOSE_CLI_REFUSED)
		log_info("pairing denied: %s is not allowed", pr->user_id);
	else if (*status == ST_OK)
		log_info("pairing approved by %s", pr->user_id);
	return 0;
}

static int
read_logout(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_logout_r	*a = &ans.store_logout;
	const struct proof		*pr = &po->op->req.proof;

	if (r_status(r, 0, status) == -1)
		return -1;
	if (*status == ST_DENIED)
		log_warnx("LOGOUT: replayed logout proof for %s refused", pr->user_id);
	if (*status != ST_OK)
		return 0;
	if (r_u32(r, 0, 1, &a->revoked) == -1)
		return -1;
	log_info("logout of %s: %u sessions ended", pr->user_id, a->revoked);
	return 0;
}

static int
read_pair_take(struct store *st, struct pg_op *po, const PGresult *r, uint8_t *status)
{
	struct msg_store_pair_take_r	*a = &ans.store_pair_take;

	if (r_status(r, 0, status) == -1)
		return -1;
	if (*status != ST_OK)
		return 0;
	if (r_str(r, 0, 1, a->user_id, sizeof(a->user_id)) == -1)
		return -1;
	if (log_evicted(st, a->user_id, r, 2) == -1)
		return -1;
	log_info("pairing taken: CLI session for %s", a->user_id);
	memcpy(a->token, po->token, TOKEN_LEN);
	return 0;
}

typedef int (*op_sender)(struct store *, PGconn *, struct pg_op *, uint64_t, uint64_t);
typedef int (*op_reader)(struct store *, struct pg_op *, const PGresult *, uint8_t *);

static const struct {
	uint16_t	type;
	op_sender	send;
	op_reader	read;
} ops[] = {
	{ MSG_STORE_PING, send_ping, read_ping },
	{ MSG_STORE_SESSION_GET, send_session_get, read_session_get },
	{ MSG_STORE_INCREMENT, send_session_get, read_session_get },
	{ MSG_STORE_SESSION_CREATE, send_session_create, read_session_create },
	{ MSG_STORE_PAGE, send_page, read_page },
	{ MSG_STORE_SESSION_REVOKE, send_session_revoke, read_session_revoke },
	{ MSG_STORE_PAIR_CREATE, send_pair_create, read_pair_create },
	{ MSG_STORE_PAIR_INFO, send_pair_info, read_pair_info },
	{ MSG_STORE_PAIR_DECIDE, send_pair_decide, read_pair_decide },
	{ MSG_STORE_PAIR_TAKE, send_pair_take, read_pair_take },
	{ MSG_STORE_PAIR_APPROVE, send_pair_approve, read_pair_approve },
	{ MSG_STORE_LOGOUT, send_logout, read_logout },
};
#define NOPS	(sizeof(ops) / sizeof(ops[0]))

static size_t
op_index(uint16_t type)
{
	size_t i;

	for (i = 0; i < NOPS; i++)
		if (ops[i].type == type)
			return i;
	return NOPS;
}

int
pg_op_send(struct store *st, PGconn *c, struct pg_op *po, uint64_t now, uint64_t now_ms)
{
	size_t i = op_index(po->op->hdr.type);

	if (i == NOPS)
		fatalx("pg: no statement for %s", msg_type_name(po->op->hdr.type));
	return ops[i].send(st, c, po, now, now_ms);
}

void
pg_op_answer(struct store *st, struct pg_op *po)
{
	size_t	i = op_index(po->op->hdr.type);
	uint8_t	status = ST_INTERNAL;

	memset(&ans, 0, sizeof(ans));
	if (i == NOPS || po->res == NULL || PQresultStatus(po->res) != PGRES_TUPLES_OK ||
	    ops[i].read(st, po, po->res, &status) == -1) {
		log_warnx("%s: the database's answer does not read as one",
		    msg_type_name(po->op->hdr.type));
		status = ST_INTERNAL;
	}
	op_send(po->op, status, status == ST_OK ? &ans : NULL);
	sodium_memzero(&ans, sizeof(ans));
}
