/*
 * A full disk under the store: LMDB reports a page write cut short as EIO; the
 * store answers it as "full" (ST_FULL, nothing changed) when the file system
 * has no room left, and as an internal error otherwise (found by
 * tests/t_full_database_answers_507.sh: a disk filling up during a commit answered 500).
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "../../store/store.h"

int
main(void)
{
	struct store st;

	memset(&st, 0, sizeof(st));
	st.conf.database = "/proc";	/* a file system that never has free blocks */
	CHECK(db_commit_error(&st, EIO) == ENOSPC, "EIO on a file system with no room is ENOSPC");
	CHECK(db_status(db_commit_error(&st, EIO)) == ST_FULL, "...answered ST_FULL");
	CHECK(db_commit_error(&st, 0) == 0, "success stays success");
	CHECK(db_commit_error(&st, MDB_MAP_FULL) == MDB_MAP_FULL, "MDB_MAP_FULL unchanged");
	CHECK(db_commit_error(&st, EACCES) == EACCES, "other errors unchanged");
	st.conf.database = "/nonexistent/airlock/db";
	CHECK(db_commit_error(&st, EIO) == EIO, "EIO stays EIO when the space is unknown");
	CHECK(db_status(EIO) == ST_INTERNAL, "...answered ST_INTERNAL");
	return CHECK_DONE();
}
