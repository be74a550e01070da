/*
 * airlock-store: users, counters, sessions and CLI pairings in LMDB, served to
 * the frontend over one Unix socket from one libevent loop.
 *
 * A request is parsed and checked by its handler (request.c), queued as an op,
 * and applied with every other op decoded in the same loop pass inside ONE
 * write transaction (batch.c): one commit, one fsync, then all are answered.
 * Each write op runs in a nested transaction, so an op that fails (map full)
 * leaves nothing behind while the rest of its batch commits.  Writes that find
 * the map full are tried once more after a sweep of expired entries, before
 * ST_FULL is answered.
 *
 * A user has at most max_sessions_per_user live sessions: a new one beyond
 * that evicts the user's least recently seen session, of its own kind first
 * (session.c).
 *
 * Answers beyond msg.h, for the frontend:
 *	any op		ST_FULL (no room, nothing written), ST_INTERNAL (database error)
 *	token ops	ST_NOTFOUND: unknown, revoked or expired session
 *	SESSION_REVOKE	ST_DENIED: the sid is not a live session of the token's user
 *	PAGE		ST_INVALID: an unknown list
 *	SESSION_CREATE	ST_INVALID bad signature/layout or kind, ST_EXPIRED proof expired
 *			(or valid for longer than PROOF_TTL), ST_DENIED proof already used
 *	PAIR_CREATE	ST_INVALID malformed or already registered paircode, ST_BUSY
 *			max_pending_paircodes pending, or max_pending_paircodes_per_addr
 *			pending from the same client address
 *	PAIR_INFO	ST_NOTFOUND unless pending and unexpired
 *	PAIR_DECIDE	ST_INVALID approve (only PAIR_APPROVE approves); ST_NOTFOUND: no
 *			valid web session, or ref not pending/expired
 *	PAIR_APPROVE	ST_INVALID bad signature/layout or not a CLI (or CLI_REFUSED)
 *			proof with a ref, ST_EXPIRED proof expired, ST_NOTFOUND ref not
 *			pending, ST_DENIED proof already used; ST_OK: approved, or for a
 *			CLI_REFUSED proof denied (the CLI's poll answers ST_DENIED)
 *	LOGOUT		ST_INVALID bad signature/layout or not a LOGOUT proof without a
 *			ref, ST_EXPIRED proof expired, ST_DENIED proof already used (a
 *			replayed logout ends nothing)
 *	PAIR_TAKE	ST_INVALID malformed paircode; ST_EXPIRED unknown, expired or
 *			already taken (indistinguishable); ST_SLOW_DOWN polls < 0.5 s apart
 * A frame that does not parse (field bounds, trailing bytes, a label over
 * MAX_LABEL or with control characters) closes the connection instead.
 */
#ifndef AIRLOCK_STORE_H
#define AIRLOCK_STORE_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <lmdb.h>
#include <sodium.h>

#include "backend.h"
#include "ipc.h"
#include "msg.h"
#include "proof.h"
#include "record.h"

#define STORE_ECORRUPT		EBADMSG	/* a value in the database did not decode */
#define TOUCH_INTERVAL		60	/* last_seen is written at most once a minute */
#define SLOW_DOWN_MS		500	/* pending polls closer than this are slowed */
#define PAIR_INTERVAL		1	/* advertised polling interval, seconds */
#define MAX_PER_USER_LIMIT	1000	/* highest max_sessions_per_user */
#define DB_LOW_SPACE		(1024 * 1024)	/* free bytes under which EIO means disk full */

struct store_conf {
	const char	*socket;
	const char	*database;		/* LMDB directory */
	int		 backend;		/* enum store_backend_kind (config.h) */
	const char	*postgresql;		/* libpq conninfo */
	const char	*postgresql_password_file;	/* NULL: none */
	size_t		 map_size;
	uint8_t		 proof_pk[crypto_sign_PUBLICKEYBYTES];
	uint64_t	 session_ttl;		/* seconds */
	uint32_t	 pair_ttl;		/* seconds */
	uint32_t	 max_pending;
	uint32_t	 max_pending_per_addr;
	uint32_t	 max_per_user;		/* live sessions of one user; 0: no cap */
	int		 sweep_interval;	/* seconds */
	int		 idle_timeout_sec;	/* close a connection silent this long */
	uid_t		 uids[IPC_MAX_UIDS];
	size_t		 nuids;
};

struct op;
TAILQ_HEAD(op_list, op);

struct pg;

struct store {
	struct store_conf	 conf;
	struct event_base	*base;
	const struct store_backend *be;
	struct pg		*pg;		/* backend_pg.c's state */
	/* backend_lmdb.c's state */
	MDB_env			*env;
	MDB_dbi			 users, sessions, byuser, pairs, refs, nonces, byaddr, meta;
	/* group commit */
	struct op_list		 queue;
	struct event		*ev_commit;
	int			 commit_scheduled;
	uint64_t		 now;		/* unix seconds, fixed per batch */
	uint64_t		 now_ms;
	uint64_t		 commits, ops;	/* statistics */
	uint64_t		 pending_min_expiry;	/* no pending pairing expires before */
	int			 no_touch;	/* skip last-used updates (retry after a full map) */
	int			 read_full;	/* a read of this batch met a full map */
	uint64_t		 full_swept_at;	/* now of the last sweep for a full map */
	/* expiry sweep */
	struct event		*ev_sweep;
};

/* A request's fields, checked; secrets already replaced by their hash. */
struct op_req {
	uint8_t		key[HASH_LEN];		/* BLAKE2b of the token or paircode */
	uint8_t		sid[SID_LEN];
	uint8_t		ref[REF_LEN];
	uint8_t		flag;			/* approve (PAIR_DECIDE), kind (SESSION_CREATE),
						 * list (PAGE), a token (PAIR_INFO) or a sid
						 * (SESSION_REVOKE) was given */
	char		label[MAX_LABEL + 1];
	char		client[MAX_CLIENT + 1];	/* PAIR_CREATE: requester's address */
	struct proof	proof;
};

/* Applies an op inside txn and writes the whole answer into m (op_reply()).
 * Returns 0, or an LMDB / errno code: then the op's writes are discarded and
 * the answer is replaced by ST_FULL or ST_INTERNAL. */
typedef int (*op_apply)(struct store *, MDB_txn *, struct op *, struct mbuf *m);

#define OP_WRITE	0x01	/* runs in its own nested transaction */
#define OP_FULL		0x02	/* set by batch.c: this write found no room */

struct op {
	TAILQ_ENTRY(op)		 entry;
	struct ipc_conn		*conn;
	struct msg_hdr		 hdr;
	op_apply		 apply;
	int			 flags;
	struct op_req		 req;
	uint8_t			*reply;
	size_t			 reply_len;
};

/* conf.c: the [store] part of the parsed airlock.conf */
struct airlock_conf;
void	store_conf_load(struct store_conf *, const struct airlock_conf *);

/* db.c */
void	db_open(struct store *);
void	db_close(struct store *);
uint8_t	db_status(int rc);
/* A commit's error, with a short write on a full disk (EIO) turned into ENOSPC. */
int	db_commit_error(const struct store *, int rc);
const char *db_strerror(int rc);
int	db_get(MDB_txn *, MDB_dbi, const void *key, size_t klen, MDB_val *val);
int	db_put(MDB_txn *, MDB_dbi, const void *key, size_t klen, const void *val, size_t vlen,
	    unsigned flags);
int	db_del(MDB_txn *, MDB_dbi, const void *key, size_t klen);
/* Best effort write in a nested transaction (last_seen, last_poll): failure is logged only. */
void	db_touch(struct store *, MDB_txn *, MDB_dbi, const void *key, size_t klen,
	    const void *val, size_t vlen);
int	db_user_get(struct store *, MDB_txn *, const char *user_id, struct user_rec *);
int	db_user_put(struct store *, MDB_txn *, const char *user_id, const struct user_rec *);
/* Valid unexpired session: 0; missing or expired: MDB_NOTFOUND. */
int	db_session_get(struct store *, MDB_txn *, const uint8_t key[HASH_LEN],
	    struct session_rec *);
int	db_session_put(struct store *, MDB_txn *, const uint8_t key[HASH_LEN],
	    const struct session_rec *, unsigned flags);
int	db_pair_get(struct store *, MDB_txn *, const uint8_t key[HASH_LEN], struct pair_rec *);
int	db_pair_put(struct store *, MDB_txn *, const uint8_t key[HASH_LEN],
	    const struct pair_rec *);
int	op_ping(struct store *, MDB_txn *, struct op *, struct mbuf *);

/* batch.c */
void	batch_init(struct store *);
void	batch_add(struct store *, struct op *);
void	batch_flush(struct store *);
/* Applies ops in one transaction and commits; each op gets its answer in op->reply. */
void	batch_apply(struct store *, struct op_list *);
void	batch_discard(struct store *);
/* conn NULL: no connection (tests). */
struct op *op_new(struct ipc_conn *, const struct msg_hdr *, op_apply, int flags);
void	op_free(struct op *);
/* Writes op's answer into m: status, then when ST_OK the fields of ans (the
 * answer's struct msg_<name>_r; NULL for a status alone).  Returns 0 for the
 * op to return, or EINVAL when ans does not encode. */
int	op_reply(struct op *, struct mbuf *m, uint8_t status, const void *ans);

/* Encodes op's answer (as op_reply) and sends it on op's connection at once;
 * an answer that does not encode is sent as ST_INTERNAL. */
void	op_send(struct op *, uint8_t status, const void *ans);

/* request.c */
const struct ipc_permit *request_permits(size_t *n);

/* session.c */
int	op_session_get(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_increment(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_session_create(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_page(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_session_revoke(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_logout(struct store *, MDB_txn *, struct op *, struct mbuf *);
/* Spends a verified proof's nonce and, for a sign-in (PURPOSE_WEB or
 * PURPOSE_CLI), records its user (created, or its name and e-mail address
 * updated); *replayed when the nonce was spent before (then nothing is
 * written). */
int	proof_spend(struct store *, MDB_txn *, const struct proof *, int *replayed);
/* New session of kind for user; answers token (caller zeroes it). */
int	session_new(struct store *, MDB_txn *, const char *user_id, uint8_t kind,
	    const char *label, const uint8_t *grant, size_t grant_len, uint8_t token[TOKEN_LEN]);

/* index.c: a session with its index entry and its user's count */
/* Writes a new session under key and its byuser entry, and counts it. */
int	session_add(struct store *, MDB_txn *, const uint8_t key[HASH_LEN],
	    const struct session_rec *);
/* Deletes the session under key (s is its record) and its index entry, and
 * uncounts it; an index entry already gone is not an error. */
int	session_drop(struct store *, MDB_txn *, const uint8_t key[HASH_LEN],
	    const struct session_rec *);
/* The same without lowering the count (the sweep of a full map: a count left
 * too high is set right by the next page or cap scan that sees all). */
int	session_unlist(struct store *, MDB_txn *, const uint8_t key[HASH_LEN],
	    const struct session_rec *);
/* Sets the user's session counts (after a full scan of them found others). */
int	session_counts_set(struct store *, MDB_txn *, const char *user_id, uint32_t web,
	    uint32_t cli);
/* What a byuser entry of kind names (v: its value, the session's key):
 * ENTRY_LIVE or ENTRY_EXPIRED with the record in *s, ENTRY_MISSING (no
 * record: a dangling entry), ENTRY_DAMAGED (a value or record that does not
 * decode, or of another kind); or -1 with the LMDB error in *rc. */
enum session_entry { ENTRY_LIVE, ENTRY_EXPIRED, ENTRY_MISSING, ENTRY_DAMAGED };
int	session_entry(struct store *, MDB_txn *, const MDB_val *v, uint8_t kind,
	    struct session_rec *s, int *rc);
/* Up to max live sessions of user_id of kind, newest first, appended to
 * a->sessions; the one whose sid is own is marked current.  *all: how many
 * sessions of kind the user has, expired ones included, when the scan saw
 * them all, else UINT32_MAX. */
int	session_recent(struct store *, MDB_txn *, const char *user_id, uint8_t kind,
	    uint32_t max, const uint8_t own[SID_LEN], struct msg_store_page_r *a,
	    uint32_t *all);
/* Sets a count that a complete scan found wrong (best effort, logged). */
void	session_count_fix(struct store *, MDB_txn *, const char *user_id, uint8_t kind,
	    uint32_t n);

/* upgrade.c: brings a database of an older schema to SCHEMA_VERSION, once */
int	db_upgrade(struct store *, MDB_txn *);

/* pair.c */
int	op_pair_create(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_pair_info(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_pair_decide(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_pair_take(struct store *, MDB_txn *, struct op *, struct mbuf *);
int	op_pair_approve(struct store *, MDB_txn *, struct op *, struct mbuf *);
/* Drops a pending pairing's ref and address entries (it is no longer pending). */
int	pair_unlist(struct store *, MDB_txn *, const struct pair_rec *);
/* Deletes up to limit expired pending pairings (and their refs); returns rc. */
int	pair_purge_pending(struct store *, MDB_txn *, uint64_t now, size_t limit);

/* sweep.c */
void	sweep_init(struct store *);
/* One bounded pass over each table in one transaction: deletes expired entries;
 * *more when a table has entries left to look at.  Returns an LMDB code. */
int	sweep_run(struct store *, uint64_t now, size_t limit, size_t *deleted, int *more);
/* Every table from its start, in bounded transactions: deletes what expired by now;
 * *deleted counts what was removed.  Returns an LMDB code. */
int	sweep_all(struct store *, uint64_t now, size_t *deleted);

#endif
