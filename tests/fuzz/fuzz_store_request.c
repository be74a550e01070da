/*
 * libFuzzer: the store's request path behind its permit table, on a real LMDB
 * environment.  An input is up to 8 frames, each
 *	u8 handler (index into request_permits()), u8 flags, u16 len, len bytes payload;
 * every frame goes to its permit-table handler exactly as proto/ipc_server.c hands it
 * over (header, reader over the payload), the ops the handlers queue are applied
 * as one group commit (batch_flush), and the answers are read back from the
 * socket: exactly one per accepted frame, with the request's type + 1 and id.
 *
 * The handlers need a live ipc_conn (fuzz_ipc.h: a real server on a Unix
 * socket in a temp dir) and are called directly, below conn_dispatch_one(): a
 * frame a handler rejects (-1) would close the connection in the daemon; here
 * it must simply get no answer.
 *
 * Random bytes never guess a token or a signature, so flags let the harness fill
 * them into the decoded request from earlier answers (still hostile: wrong
 * kinds, replays, expiry); a frame with 0x01 or 0x02 first commits the frames
 * before it and reads their answers, as a client waiting for them would:
 *	0x01 token field := last token answered (SESSION_CREATE, PAIR_TAKE)
 *	0x02 ref/sid field := last ref (PAIR_CREATE) or sid (PAGE) answered
 *	0x04 SESSION_CREATE, PAIR_APPROVE: a proof signed with the store's key from
 *	     payload bytes (any purpose; with the last ref answered or none), also
 *	     when the payload does not decode
 *	0x08 SESSION_CREATE, PAIR_APPROVE: the last signed proof again (a replayed nonce)
 * The database is small (map-full answers are reached) and recreated every
 * RESET_RUNS inputs; commits are not synced (speed, not durability, here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../store/store.h"
#include "fuzz_ipc.h"
#include "log.h"

#define RESET_RUNS	2048

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store		 st;
static const struct ipc_permit	*permits;
static size_t			 npermits;
static char			 dir[64], dbdir[96];
static unsigned long		 runs;
static uint8_t			 sk[crypto_sign_SECRETKEYBYTES];
static uint8_t			 last_token[TOKEN_LEN], last_ref[REF_LEN], last_sid[SID_LEN];
static uint8_t			 last_proof[MAX_PROOF];
static size_t			 last_proof_len;

static void
db_reset(void)
{
	char path[160];

	db_close(&st);
	snprintf(path, sizeof(path), "%s/data.mdb", dbdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dbdir);
	unlink(path);
	db_open(&st);
	if (mdb_env_set_flags(st.env, MDB_NOSYNC, 1) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t	seed[crypto_sign_SEEDBYTES] = { 42 };
	char	sockpath[96];

	if (sodium_init() < 0)
		abort();
	log_init("fuzz_store_request", 1);
	fz_tempdir(dir, sizeof(dir), "fuzz-store");
	snprintf(dbdir, sizeof(dbdir), "%s/db", dir);
	snprintf(sockpath, sizeof(sockpath), "%s/sock", dir);
	memset(&st, 0, sizeof(st));
	st.conf.database = dbdir;
	st.conf.map_size = 256 << 10;	/* full now and then */
	crypto_sign_seed_keypair(st.conf.proof_pk, sk, seed);
	st.conf.session_ttl = 3600;
	st.conf.pair_ttl = 600;
	st.conf.max_pending = 8;
	st.conf.max_pending_per_addr = 4;
	db_open(&st);
	if (mdb_env_set_flags(st.env, MDB_NOSYNC, 1) != 0 ||
	    (st.base = event_base_new()) == NULL)
		abort();
	batch_init(&st);
	st.be = &backend_lmdb;
	permits = request_permits(&npermits);
	(void)fz_serve(st.base, sockpath, permits, npermits, &st);
	return 0;
}

/* The proof of a SESSION_CREATE, PAIR_APPROVE or LOGOUT: signed with the store's key
 * from payload bytes (flags 0x04), or the last one again (0x08). */
static void
signed_proof(const uint8_t *p, size_t len, int flags, uint8_t *proof, size_t *proof_len)
{
	struct proof	pr;
	size_t		i, n;
	int		plen;

	if (!(flags & 0x08) || last_proof_len == 0) {
		memset(&pr, 0, sizeof(pr));
		pr.purpose = len > 1 ? p[1] % (PURPOSE_LOGOUT + 1) : PURPOSE_WEB;
		/* now-60 .. now+195: expired, valid, or valid for too long */
		pr.expires = (uint64_t)time(NULL) - 60 + (len > 2 ? p[2] : 100);
		n = snprintf(pr.user_id, sizeof(pr.user_id), "fz:");
		for (i = 4; i < len && n < 40; i++)
			pr.user_id[n++] = 'a' + p[i] % 26;
		snprintf(pr.name, sizeof(pr.name), "Fuzz %s", pr.user_id);
		randombytes_buf(pr.nonce, sizeof(pr.nonce));
		if (len > 3 && (p[3] & 1))	/* a sealed grant, opaque to the store */
			pr.grant_len = 1 + (size_t)p[3] * (MAX_GRANT / 256);
		if (len > 3 && (p[3] & 2)) {
			memcpy(pr.ref, last_ref, REF_LEN);
			pr.ref_len = REF_LEN;
		}
		if ((plen = proof_sign(&pr, sk, last_proof, sizeof(last_proof))) < 0)
			abort();	/* the harness's own proof must sign */
		last_proof_len = (size_t)plen;
	}
	memcpy(proof, last_proof, last_proof_len);
	*proof_len = last_proof_len;
}

/* Fills in a decoded request from earlier answers (flags 0x01 token, 0x02 ref or sid)
 * and signed proofs (0x04, 0x08). */
static void
substitute(uint16_t type, union msg_request *q, const uint8_t *p, size_t len, int flags)
{
	switch (type) {
	case MSG_STORE_SESSION_GET:
	case MSG_STORE_INCREMENT:
	case MSG_STORE_PAGE:
		if (flags & 0x01)	/* same start: a token */
			memcpy(q->store_session_get.token, last_token, TOKEN_LEN);
		break;
	case MSG_STORE_SESSION_REVOKE:
		if (flags & 0x01)
			memcpy(q->store_session_revoke.token, last_token, TOKEN_LEN);
		if (flags & 0x02) {
			memcpy(q->store_session_revoke.sid, last_sid, SID_LEN);
			q->store_session_revoke.sid_len = SID_LEN;
		}
		break;
	case MSG_STORE_PAIR_DECIDE:
		if (flags & 0x01)
			memcpy(q->store_pair_decide.token, last_token, TOKEN_LEN);
		if (flags & 0x02)
			memcpy(q->store_pair_decide.ref, last_ref, REF_LEN);
		break;
	case MSG_STORE_PAIR_INFO:
		if (flags & 0x01) {
			memcpy(q->store_pair_info.token, last_token, TOKEN_LEN);
			q->store_pair_info.token_len = TOKEN_LEN;
		}
		if (flags & 0x02)
			memcpy(q->store_pair_info.ref, last_ref, REF_LEN);
		break;
	case MSG_STORE_SESSION_CREATE:
		if (flags & 0x0c) {
			signed_proof(p, len, flags, q->store_session_create.proof,
			    &q->store_session_create.proof_len);
			q->store_session_create.kind = len > 0 ? p[0] % 3 : KIND_WEB;
		}
		break;
	case MSG_STORE_PAIR_APPROVE:
	case MSG_STORE_LOGOUT:		/* same start: a proof */
		if (flags & 0x0c)
			signed_proof(p, len, flags, q->store_pair_approve.proof,
			    &q->store_pair_approve.proof_len);
		break;
	}
}

/* Remembers what later frames may name; checks the answer fits its request. */
static void
answer_seen(const struct msg_hdr *h, const uint8_t *p)
{
	static _Alignas(max_align_t) uint8_t	 buf[1 << 16];	/* any answer struct */
	const union {
		struct msg_store_session_create_r	create;
		struct msg_store_pair_take_r		take;
		struct msg_store_pair_create_r		pair;
		struct msg_store_page_r			list;
	}					*a = (const void *)buf;
	uint16_t				 type;
	uint8_t					 st;

	type = fz_answer_decode(h, p, buf, &st);	/* every answer decodes */
	if (st != ST_OK)
		return;
	switch (type) {
	case MSG_STORE_SESSION_CREATE:
		memcpy(last_token, a->create.token, TOKEN_LEN);
		break;
	case MSG_STORE_PAIR_TAKE:
		memcpy(last_token, a->take.token, TOKEN_LEN);
		break;
	case MSG_STORE_PAIR_CREATE:
		memcpy(last_ref, a->pair.ref, REF_LEN);
		break;
	case MSG_STORE_PAGE:
		if (a->list.sessions_n > 0)
			memcpy(last_sid, a->list.sessions[0].sid, SID_LEN);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union msg_request q;
	struct fz_frame		 f;
	size_t			 off = 0, answered = 0;

	if (++runs % RESET_RUNS == 0)
		db_reset();
	while (fz_frame_next(data, size, &off, permits, npermits, &f, &q)) {
		/* a payload that does not decode closes the connection (here: no answer);
		 * a signed proof stands in for an undecodable one */
		if (!f.decoded && (f.flags & 0x0c) && (f.h.type == MSG_STORE_SESSION_CREATE ||
		    f.h.type == MSG_STORE_PAIR_APPROVE || f.h.type == MSG_STORE_LOGOUT)) {
			memset(&q, 0, sizeof(q));
			snprintf(q.store_session_create.label, MAX_LABEL, "fuzz");
			f.decoded = 1;
		}
		if (f.decoded && (f.flags & 0x03) && answered > 0) {
			/* a client needing an answer waits for it: commit, read */
			batch_flush(&st);
			fz_answers(st.base, answered, answer_seen);
			answered = 0;
		}
		if (f.decoded)
			substitute(f.h.type, &q, f.p, f.len, f.flags);
		if (f.decoded && f.pm->handler(fz_conn, &f.h, &q) == 0)
			answered++;
		sodium_memzero(&q, sizeof(q));
	}
	batch_flush(&st);
	fz_answers(st.base, answered, answer_seen);
	return 0;
}
