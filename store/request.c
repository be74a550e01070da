/*
 * The store's requests: one row per type, naming how the request is read
 * (store_req_<message>) and which op answers it (op_<message>).  proto/ipc_server.c
 * has decoded the request into its struct msg_<name> (a frame that does not
 * decode closed its connection).  The row's reader checks the values (a bad
 * one is answered at once, mostly ST_INVALID) and copies them into an op_req
 * with the secrets replaced by their hash; the op then goes to the backend
 * (backend.h), which applies and answers it.
 */
#include "store.h"

#include <string.h>
#include <time.h>

#include "log.h"

/* Reads a decoded request into req; returns ST_OK, or the status to refuse it with. */
typedef uint8_t (*req_reader)(struct ipc_conn *, const struct msg_hdr *, const void *msg,
    struct op_req *req);

struct store_req {
	uint16_t	type;
	req_reader	read;
	int		flags;		/* OP_WRITE */
};

/* A paircode comes from an HTTP body: a bad one is answered ST_INVALID.
 * Returns ST_OK with key = its hash. */
static uint8_t
paircode_key(const char *code, uint8_t key[HASH_LEN])
{
	size_t len = strlen(code);

	if (!paircode_valid(code, len))
		return ST_INVALID;
	secret_hash(key, code, len);
	return ST_OK;
}

static const struct {
	uint8_t		 status;
	const char	*why;
} proof_refusal[] = {
	[PROOF_BAD] = { ST_INVALID, "rejected (bad signature or layout)" },
	[PROOF_EXPIRED] = { ST_EXPIRED, "expired" },
};

/* The purposes each proof-taking request accepts, and whether their proofs
 * name a pairing (ref).  Nothing else is accepted: a proof made for one
 * purpose never serves another. */
static const struct {
	uint16_t	type;
	uint8_t		purposes[2];	/* 0: unused */
	uint8_t		ref;		/* 1: REF_LEN bytes, 0: none */
} proof_uses[] = {
	{ MSG_STORE_SESSION_CREATE, { PURPOSE_WEB, 0 }, 0 },
	{ MSG_STORE_PAIR_APPROVE, { PURPOSE_CLI, PURPOSE_CLI_REFUSED }, 1 },
	{ MSG_STORE_LOGOUT, { PURPOSE_LOGOUT, 0 }, 0 },
};

/* 1 when request type takes a proof of p's purpose and ref. */
static int
proof_fits(uint16_t type, const struct proof *p)
{
	size_t i;

	for (i = 0; i < sizeof(proof_uses) / sizeof(proof_uses[0]); i++)
		if (proof_uses[i].type == type)
			return p->purpose != 0 && (p->purpose == proof_uses[i].purposes[0] ||
			    p->purpose == proof_uses[i].purposes[1]) &&
			    p->ref_len == (proof_uses[i].ref ? REF_LEN : 0);
	return 0;
}

/*
 * The one check of an authd proof's signature, freshness and purpose: a web
 * sign-in (SESSION_CREATE) takes PURPOSE_WEB proofs without a ref, a pairing
 * approval (PAIR_APPROVE) PURPOSE_CLI or PURPOSE_CLI_REFUSED proofs naming a
 * pairing, a logout (LOGOUT) PURPOSE_LOGOUT proofs without a ref.  The nonce
 * is spent later, in the op.  Returns ST_OK, or the status to refuse with.
 */
static uint8_t
proof_check(struct ipc_conn *c, const struct msg_hdr *h, const uint8_t *proof, size_t len,
    struct proof *p)
{
	struct store		*st = ipc_conn_ctx(c);
	enum proof_result	 rc;

	rc = proof_verify(proof, len, st->conf.proof_pk, (uint64_t)time(NULL), p);
	if (rc == PROOF_OK && proof_fits(h->type, p))
		return ST_OK;
	log_warnx("%s from uid %u: login proof %s", msg_type_name(h->type),
	    (unsigned)ipc_conn_uid(c), rc == PROOF_OK ? "made for another purpose" :
	    proof_refusal[rc].why);
	return rc == PROOF_OK ? ST_INVALID : proof_refusal[rc].status;
}

static uint8_t
store_req_ping(struct ipc_conn *c, const struct msg_hdr *h, const void *msg, struct op_req *req)
{
	return ST_OK;
}

/* SESSION_GET and INCREMENT: a token alone.  Their structs share it as the
 * union's common initial sequence. */
static uint8_t
store_req_token(struct ipc_conn *c, const struct msg_hdr *h, const void *msg,
    struct op_req *req)
{
	const union msg_request *q = msg;

	secret_hash(req->key, q->store_session_get.token, TOKEN_LEN);
	return ST_OK;
}

static uint8_t
store_req_page(struct ipc_conn *c, const struct msg_hdr *h, const void *msg, struct op_req *req)
{
	const struct msg_store_page *q = msg;

	if (q->list != PAGE_HOME && q->list != PAGE_ALL)
		return ST_INVALID;
	secret_hash(req->key, q->token, TOKEN_LEN);
	req->flag = q->list;
	return ST_OK;
}

static uint8_t
store_req_session_create(struct ipc_conn *c, const struct msg_hdr *h, const void *msg,
    struct op_req *req)
{
	const struct msg_store_session_create *q = msg;
	uint8_t st;

	st = proof_check(c, h, q->proof, q->proof_len, &req->proof);
	if (st == ST_OK && q->kind != KIND_WEB && q->kind != KIND_CLI)
		st = ST_INVALID;
	req->flag = q->kind;
	memcpy(req->label, q->label, sizeof(req->label));
	return st;
}

static uint8_t
store_req_session_revoke(struct ipc_conn *c, const struct msg_hdr *h, const void *msg,
    struct op_req *req)
{
	const struct msg_store_session_revoke *q = msg;

	secret_hash(req->key, q->token, TOKEN_LEN);
	req->flag = q->sid_len == SID_LEN;	/* else the token's own session */
	memcpy(req->sid, q->sid, q->sid_len);
	return ST_OK;
}

static uint8_t
store_req_pair_create(struct ipc_conn *c, const struct msg_hdr *h, const void *msg,
    struct op_req *req)
{
	const struct msg_store_pair_create *q = msg;

	memcpy(req->label, q->label, sizeof(req->label));
	memcpy(req->client, q->client, sizeof(req->client));
	return paircode_key(q->paircode, req->key);
}

static uint8_t
store_req_pair_info(struct ipc_conn *c, const struct msg_hdr *h, const void *msg,
    struct op_req *req)
{
	const struct msg_store_pair_info *q = msg;

	memcpy(req->ref, q->ref, REF_LEN);
	if ((req->flag = q->token_len == TOKEN_LEN))
		secret_hash(req->key, q->token, TOKEN_LEN);
	return ST_OK;
}

static uint8_t
store_req_pair_decide(struct ipc_conn *c, const struct msg_hdr *h, const void *msg,
    struct op_req *req)
{
	const struct msg_store_pair_decide *q = msg;

	if (q->approve != 0) {	/* approving takes a proof: PAIR_APPROVE */
		log_warnx("PAIR_DECIDE from uid %u: approving without a proof refused",
		    (unsigned)ipc_conn_uid(c));
		return ST_INVALID;
	}
	secret_hash(req->key, q->token, TOKEN_LEN);
	memcpy(req->ref, q->ref, REF_LEN);
	return ST_OK;
}

static uint8_t
store_req_pair_take(struct ipc_conn *c, const struct msg_hdr *h, const void *msg,
    struct op_req *req)
{
	const struct msg_store_pair_take *q = msg;

	return paircode_key(q->paircode, req->key);
}

/* PAIR_APPROVE and LOGOUT: a proof alone.  Their structs share it as the
 * union's common initial sequence; proof_check tells which purposes each takes. */
static uint8_t
store_req_proof(struct ipc_conn *c, const struct msg_hdr *h, const void *msg,
    struct op_req *req)
{
	const union msg_request *q = msg;

	return proof_check(c, h, q->store_pair_approve.proof, q->store_pair_approve.proof_len,
	    &req->proof);
}

static const struct store_req reqs[] = {
	{ MSG_STORE_PING, store_req_ping, 0 },
	{ MSG_STORE_SESSION_GET, store_req_token, 0 },
	{ MSG_STORE_INCREMENT, store_req_token, OP_WRITE },
	{ MSG_STORE_SESSION_CREATE, store_req_session_create, OP_WRITE },
	{ MSG_STORE_PAGE, store_req_page, 0 },
	{ MSG_STORE_SESSION_REVOKE, store_req_session_revoke, OP_WRITE },
	{ MSG_STORE_PAIR_CREATE, store_req_pair_create, OP_WRITE },
	{ MSG_STORE_PAIR_INFO, store_req_pair_info, 0 },
	{ MSG_STORE_PAIR_DECIDE, store_req_pair_decide, OP_WRITE },
	{ MSG_STORE_PAIR_TAKE, store_req_pair_take, OP_WRITE },
	{ MSG_STORE_PAIR_APPROVE, store_req_proof, OP_WRITE },
	{ MSG_STORE_LOGOUT, store_req_proof, OP_WRITE },
};
#define NREQS	(sizeof(reqs) / sizeof(reqs[0]))

/* The handler of every store request: reads it by its row into a new op
 * (zeroed; op_free wipes it) and queues the op. */
static int
store_request(struct ipc_conn *c, const struct msg_hdr *h, const void *msg)
{
	struct store		*st = ipc_conn_ctx(c);
	const struct store_req	*rq = NULL;
	struct op		*op;
	uint8_t			 status;
	size_t			 i;

	for (i = 0; i < NREQS && rq == NULL; i++)
		if (reqs[i].type == h->type)
			rq = &reqs[i];
	if (rq == NULL)
		return -1;
	if ((op = op_new(c, h, NULL, rq->flags)) == NULL) {
		log_warnx("%s: out of memory", msg_type_name(h->type));
		ipc_answer_status(c, h, ST_INTERNAL);
	} else if ((status = rq->read(c, h, msg, &op->req)) != ST_OK) {
		op_free(op);
		ipc_answer_status(c, h, status);
	} else
		st->be->submit(st, op);
	return 0;
}

const struct ipc_permit *
request_permits(size_t *n)
{
	static struct ipc_permit	permits[NREQS];
	size_t				i;

	for (i = 0; i < NREQS; i++) {
		memset(&permits[i], 0, sizeof(permits[i]));
		permits[i].type = reqs[i].type;
		permits[i].handler = store_request;
	}
	*n = NREQS;
	return permits;
}
