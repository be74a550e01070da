/*
 * libFuzzer: the store's request path behind its permit table, on a real LMDB
 * environment.  An input is up to 8 frames, each
 *	u8 handler (index into request_permits()), u8 flags, u16 len, len bytes payload;
 * every frame goes to its permit-table handler exactly as proto/ipc.c hands it
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
 * them in from earlier answers (still hostile: wrong kinds, replays, expiry);
 * a frame with 0x01 or 0x02 first commits the frames before it and reads their
 * answers, as a client waiting for them would:
 *	0x01 first 32 payload bytes := last token answered (SESSION_CREATE, PAIR_TAKE)
 *	0x02 ref/sid field := last ref (PAIR_CREATE) or sid (SESSION_LIST) answered
 *	0x04 SESSION_CREATE, PAIR_APPROVE: a proof signed with the store's key from
 *	     payload bytes (any purpose; with the last ref answered or none)
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

#define MAX_FRAMES	8
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
static uint16_t			 types[MAX_FRAMES];
static size_t			 nframes;

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
	permits = request_permits(&st, &npermits);
	(void)fz_serve(st.base, sockpath, permits, npermits);
	return 0;
}

/* SESSION_CREATE or PAIR_APPROVE with a proof the store's key signed (flags 0x04) or
 * the last one (0x08). */
static int
signed_create(struct mbuf *m, const struct msg_hdr *h, const uint8_t *p, size_t len, int flags)
{
	struct proof	pr;
	size_t		i, n;
	int		plen;

	if (!(flags & 0x08) || last_proof_len == 0) {
		memset(&pr, 0, sizeof(pr));
		pr.purpose = len > 1 ? p[1] % 3 : PURPOSE_WEB;
		/* now-60 .. now+195: expired, valid, or valid for too long */
		pr.expires = (uint64_t)time(NULL) - 60 + (len > 2 ? p[2] : 100);
		n = snprintf(pr.user_id, sizeof(pr.user_id), "fz:");
		for (i = 4; i < len && n < 40; i++)
			pr.user_id[n++] = 'a' + p[i] % 26;
		snprintf(pr.name, sizeof(pr.name), "Fuzz %s", pr.user_id);
		if (len > 3 && (p[3] & 1))
			pr.grant_len = GRANT_LEN;
		if (len > 3 && (p[3] & 2)) {
			memcpy(pr.ref, last_ref, REF_LEN);
			pr.ref_len = REF_LEN;
		}
		if ((plen = proof_sign(&pr, sk, last_proof, sizeof(last_proof))) < 0)
			return -1;
		last_proof_len = (size_t)plen;
	}
	m_init(m, h->type, h->id);
	m_add_blob(m, last_proof, last_proof_len);
	if (h->type == MSG_STORE_SESSION_CREATE) {
		m_add_u8(m, len > 0 ? p[0] % 3 : KIND_WEB);	/* 0 is not a kind */
		m_add_str(m, "fuzz", MAX_LABEL);
	}
	return m_finish(m);
}

/* Fills token / ref / sid fields from earlier answers (flags 0x01, 0x02). */
static void
substitute(uint16_t type, uint8_t *p, size_t len, int flags)
{
	if ((flags & 0x01) && len >= TOKEN_LEN && type != MSG_STORE_PAIR_INFO)
		memcpy(p, last_token, TOKEN_LEN);
	if (!(flags & 0x02))
		return;
	if (type == MSG_STORE_PAIR_INFO && len >= REF_LEN)
		memcpy(p, last_ref, REF_LEN);
	else if (type == MSG_STORE_PAIR_DECIDE && len >= TOKEN_LEN + REF_LEN)
		memcpy(p + TOKEN_LEN, last_ref, REF_LEN);
	else if (type == MSG_STORE_SESSION_REVOKE && len >= TOKEN_LEN + SID_LEN)
		memcpy(p + TOKEN_LEN, last_sid, SID_LEN);
}

/* Remembers what later frames may name; checks the answer fits its request. */
static void
answer_seen(const struct msg_hdr *h, const uint8_t *p)
{
	if (h->id == 0 || h->id > nframes || h->type != types[h->id - 1] + 1 || h->len < 1 ||
	    p[0] >= ST_MAX)
		abort();
	if (p[0] != ST_OK)
		return;
	switch (h->type - 1) {
	case MSG_STORE_SESSION_CREATE:
	case MSG_STORE_PAIR_TAKE:
		if (h->len >= 1 + TOKEN_LEN)
			memcpy(last_token, p + 1, TOKEN_LEN);
		break;
	case MSG_STORE_PAIR_CREATE:
		if (h->len >= 1 + REF_LEN)
			memcpy(last_ref, p + 1, REF_LEN);
		break;
	case MSG_STORE_SESSION_LIST:
		if (h->len >= 1 + 4 + SID_LEN && (p[1] | p[2] | p[3] | p[4]) != 0)
			memcpy(last_sid, p + 5, SID_LEN);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mbuf	 m;
	static uint8_t		 payload[MSG_MAX_PAYLOAD];
	struct msg_hdr		 h;
	struct mreader		 r;
	size_t			 off = 0, answered = 0, len;
	int			 flags;

	if (++runs % RESET_RUNS == 0)
		db_reset();
	nframes = 0;
	while (nframes < MAX_FRAMES && size - off >= 4) {
		const struct ipc_permit *pm = &permits[data[off] % npermits];

		flags = data[off + 1];
		len = (size_t)data[off + 2] << 8 | data[off + 3];
		off += 4;
		if (len > size - off)
			len = size - off;
		if (len > MSG_MAX_PAYLOAD)
			len = MSG_MAX_PAYLOAD;
		memcpy(payload, data + off, len);
		off += len;
		h.version = PROTO_VERSION;
		h.type = pm->type;
		h.id = (uint32_t)++nframes;
		h.len = (uint32_t)len;
		types[nframes - 1] = h.type;
		if ((h.type == MSG_STORE_SESSION_CREATE || h.type == MSG_STORE_PAIR_APPROVE) &&
		    (flags & 0x0c)) {
			if (signed_create(&m, &h, payload, len, flags) == -1)
				abort();	/* the harness's own proof must encode */
			h.len = (uint32_t)(m.len - MSG_HDR_LEN);
			memcpy(payload, m.data + MSG_HDR_LEN, h.len);
		} else {
			if ((flags & 0x03) && answered > 0) {
				/* a client needing an answer waits for it: commit, read */
				batch_flush(&st);
				fz_answers(st.base, answered, answer_seen);
				answered = 0;
			}
			substitute(h.type, payload, len, flags);
		}
		m_reader(&r, payload, h.len);
		if (pm->handler(fz_conn, &h, &r) == 0)
			answered++;
	}
	batch_flush(&st);
	fz_answers(st.base, answered, answer_seen);
	sodium_memzero(payload, sizeof(payload));
	return 0;
}
