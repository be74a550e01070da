/*
 * The LMDB backend: one database file on this machine.  Ops are queued for
 * the next group commit (batch.c) and applied there by the op of their type.
 */
#include "store.h"

#include "log.h"

/* The op that applies a request of this type. */
static op_apply
lmdb_apply_of(uint16_t type)
{
	switch (type) {
	case MSG_STORE_PING:		return op_ping;
	case MSG_STORE_SESSION_GET:	return op_session_get;
	case MSG_STORE_INCREMENT:	return op_increment;
	case MSG_STORE_SESSION_CREATE:	return op_session_create;
	case MSG_STORE_PAGE:		return op_page;
	case MSG_STORE_SESSION_REVOKE:	return op_session_revoke;
	case MSG_STORE_PAIR_CREATE:	return op_pair_create;
	case MSG_STORE_PAIR_INFO:	return op_pair_info;
	case MSG_STORE_PAIR_DECIDE:	return op_pair_decide;
	case MSG_STORE_PAIR_TAKE:	return op_pair_take;
	case MSG_STORE_PAIR_APPROVE:	return op_pair_approve;
	case MSG_STORE_LOGOUT:		return op_logout;
	default:			return NULL;
	}
}

static void
lmdb_open(struct store *st)
{
	db_open(st);
	batch_init(st);
	sweep_init(st);
}

static void
lmdb_submit(struct store *st, struct op *op)
{
	if ((op->apply = lmdb_apply_of(op->hdr.type)) == NULL) {
		op_send(op, ST_INTERNAL, NULL);
		op_free(op);
		return;
	}
	batch_add(st, op);
}

static void
lmdb_close(struct store *st)
{
	batch_discard(st);	/* neither applied nor answered: the peer sees the close */
	log_info("%llu requests in %llu commits", (unsigned long long)st->ops,
	    (unsigned long long)st->commits);
	event_free(st->ev_commit);
	event_free(st->ev_sweep);
	st->ev_commit = st->ev_sweep = NULL;
	db_close(st);
}

const struct store_backend backend_lmdb = {
	"lmdb", lmdb_open, lmdb_submit, lmdb_close,
};
