/*
 * The store's permit table: one handler per request type.  A handler parses
 * its fields (a malformed frame returns -1: the ipc layer logs it and closes
 * that connection), checks their values (a bad value is answered ST_INVALID
 * at once), replaces secrets by their hash, and queues the op for the next
 * group commit.
 */
#include "store.h"

#include <string.h>
#include <time.h>

#include "log.h"

static struct store *req_store;

static void
reply_now(struct ipc_conn *c, const struct msg_hdr *h, uint8_t status)
{
	struct mbuf m;

	m_reply(&m, h, status);
	ipc_send(c, &m);
}

static int
queue(struct ipc_conn *c, const struct msg_hdr *h, op_apply apply, int flags, struct op_req *req)
{
	struct op *op;

	if ((op = op_new(c, h, apply, flags)) == NULL) {
		log_warnx("%s: out of memory", msg_type_name(h->type));
		reply_now(c, h, ST_INTERNAL);
	} else {
		op->req = *req;
		batch_add(req_store, op);
	}
	sodium_memzero(req, sizeof(*req));
	return 0;
}

static void
get_token_hash(struct mreader *r, uint8_t key[HASH_LEN])
{
	uint8_t token[TOKEN_LEN];

	m_get_bytes(r, token, sizeof(token));
	secret_hash(key, token, sizeof(token));
	sodium_memzero(token, sizeof(token));
}

/*
 * A paircode is read with the whole frame as its bound, then checked: it comes
 * from an HTTP query, so a bad one is answered ST_INVALID rather than costing
 * the frontend its connection.  Returns 1 if valid (key = its hash).
 */
static int
get_paircode_hash(struct mreader *r, uint8_t key[HASH_LEN])
{
	static char	 code[MSG_MAX_PAYLOAD];
	size_t		 len = 0;
	int		 ok;

	m_get_blob(r, code, sizeof(code), &len);
	ok = !r->err && paircode_valid(code, len);
	if (ok)
		secret_hash(key, code, len);
	sodium_memzero(code, len);
	return ok;
}

static int
h_ping(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct op_req req;

	memset(&req, 0, sizeof(req));
	if (m_end(r) == -1)
		return -1;
	return queue(c, h, op_ping, 0, &req);
}

/* SESSION_GET, INCREMENT and SESSION_LIST: a token and nothing else. */
static int
h_token(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct op_req	req;
	op_apply	apply;
	int		flags = 0;

	memset(&req, 0, sizeof(req));
	get_token_hash(r, req.key);
	if (m_end(r) == -1)
		return -1;
	switch (h->type) {
	case MSG_STORE_SESSION_GET:
		apply = op_session_get;
		break;
	case MSG_STORE_INCREMENT:
		apply = op_increment;
		flags = OP_WRITE;
		break;
	default:
		apply = op_session_list;
		break;
	}
	return queue(c, h, apply, flags, &req);
}

/*
 * The one check of a login proof's signature, freshness and purpose: a web
 * sign-in (SESSION_CREATE) takes PURPOSE_WEB proofs without a ref, a pairing
 * approval (PAIR_APPROVE) PURPOSE_CLI proofs naming a pairing.  The nonce is
 * spent later, in the op.  Wipes the proof; answers ST_OK, or the status to
 * refuse with.
 */
static uint8_t
proof_check(struct ipc_conn *c, const struct msg_hdr *h, uint8_t *proof, size_t len,
    uint8_t purpose, struct proof *p)
{
	int rc;

	rc = proof_verify(proof, len, req_store->conf.proof_pk, (uint64_t)time(NULL), p);
	sodium_memzero(proof, len);	/* a bearer credential until its nonce is spent */
	if (rc == 0 && (p->purpose != purpose ||
	    p->ref_len != (purpose == PURPOSE_CLI ? REF_LEN : 0)))
		rc = -3;
	if (rc == 0)
		return ST_OK;
	log_warnx("%s from uid %u: login proof %s", msg_type_name(h->type),
	    (unsigned)ipc_conn_uid(c), rc == -2 ? "expired" : rc == -3 ?
	    "made for another purpose" : "rejected (bad signature or layout)");
	return rc == -2 ? ST_EXPIRED : ST_INVALID;
}

static int
h_session_create(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	static uint8_t	proof[MAX_PROOF];
	struct op_req	req;
	size_t		len = 0;
	uint8_t		st;

	memset(&req, 0, sizeof(req));
	m_get_blob(r, proof, sizeof(proof), &len);
	req.flag = m_get_u8(r);
	m_get_str(r, req.label, MAX_LABEL);
	if (m_end(r) == -1) {
		sodium_memzero(proof, sizeof(proof));
		return -1;
	}
	st = proof_check(c, h, proof, len, PURPOSE_WEB, &req.proof);
	if (st == ST_OK && req.flag != KIND_WEB && req.flag != KIND_CLI)
		st = ST_INVALID;
	if (st != ST_OK) {
		sodium_memzero(&req, sizeof(req));
		reply_now(c, h, st);
		return 0;
	}
	return queue(c, h, op_session_create, OP_WRITE, &req);
}

static int
h_pair_approve(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	static uint8_t	proof[MAX_PROOF];
	struct op_req	req;
	size_t		len = 0;
	uint8_t		st;

	memset(&req, 0, sizeof(req));
	m_get_blob(r, proof, sizeof(proof), &len);
	if (m_end(r) == -1) {
		sodium_memzero(proof, sizeof(proof));
		return -1;
	}
	if ((st = proof_check(c, h, proof, len, PURPOSE_CLI, &req.proof)) != ST_OK) {
		sodium_memzero(&req, sizeof(req));
		reply_now(c, h, st);
		return 0;
	}
	return queue(c, h, op_pair_approve, OP_WRITE, &req);
}

static int
h_session_revoke(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct op_req req;

	memset(&req, 0, sizeof(req));
	get_token_hash(r, req.key);
	m_get_bytes(r, req.sid, SID_LEN);
	if (m_end(r) == -1)
		return -1;
	return queue(c, h, op_session_revoke, OP_WRITE, &req);
}

static int
h_pair_create(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct op_req	req;
	int		valid;

	memset(&req, 0, sizeof(req));
	valid = get_paircode_hash(r, req.key);
	m_get_str(r, req.label, MAX_LABEL);
	m_get_str(r, req.client, MAX_CLIENT);
	if (m_end(r) == -1)
		return -1;
	if (!valid) {
		reply_now(c, h, ST_INVALID);
		return 0;
	}
	return queue(c, h, op_pair_create, OP_WRITE, &req);
}

static int
h_pair_info(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct op_req req;

	memset(&req, 0, sizeof(req));
	m_get_bytes(r, req.ref, REF_LEN);
	if (m_end(r) == -1)
		return -1;
	return queue(c, h, op_pair_info, 0, &req);
}

static int
h_pair_decide(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct op_req req;

	memset(&req, 0, sizeof(req));
	get_token_hash(r, req.key);
	m_get_bytes(r, req.ref, REF_LEN);
	req.flag = m_get_u8(r);
	if (m_end(r) == -1)
		return -1;
	if (req.flag != 0) {	/* approving takes a proof: PAIR_APPROVE */
		log_warnx("PAIR_DECIDE from uid %u: approving without a proof refused",
		    (unsigned)ipc_conn_uid(c));
		sodium_memzero(&req, sizeof(req));
		reply_now(c, h, ST_INVALID);
		return 0;
	}
	return queue(c, h, op_pair_decide, OP_WRITE, &req);
}

static int
h_pair_take(struct ipc_conn *c, const struct msg_hdr *h, struct mreader *r)
{
	struct op_req	req;
	int		valid;

	memset(&req, 0, sizeof(req));
	valid = get_paircode_hash(r, req.key);
	if (m_end(r) == -1)
		return -1;
	if (!valid) {
		reply_now(c, h, ST_INVALID);
		return 0;
	}
	return queue(c, h, op_pair_take, OP_WRITE, &req);
}

static const struct ipc_permit permits[] = {
	{ MSG_STORE_PING,		h_ping },
	{ MSG_STORE_SESSION_GET,	h_token },
	{ MSG_STORE_INCREMENT,		h_token },
	{ MSG_STORE_SESSION_CREATE,	h_session_create },
	{ MSG_STORE_SESSION_LIST,	h_token },
	{ MSG_STORE_SESSION_REVOKE,	h_session_revoke },
	{ MSG_STORE_PAIR_CREATE,	h_pair_create },
	{ MSG_STORE_PAIR_INFO,		h_pair_info },
	{ MSG_STORE_PAIR_DECIDE,	h_pair_decide },
	{ MSG_STORE_PAIR_TAKE,		h_pair_take },
	{ MSG_STORE_PAIR_APPROVE,	h_pair_approve },
};

const struct ipc_permit *
request_permits(struct store *st, size_t *n)
{
	req_store = st;
	*n = sizeof(permits) / sizeof(permits[0]);
	return permits;
}
