#!/usr/bin/env bash
# The PostgreSQL backend creates its schema in a fresh database (schema_version 2,
# its tables and functions), starting again is idempotent (nothing re-applied, the
# data kept), two stores starting at once on a fresh database both come up (the
# upgrade runs once, under an advisory lock), a database of schema_version 1 (made
# here from migration 1's own text) is migrated with its users and sessions kept
# (users get an empty e-mail address, stored at their next sign-in), and a database
# whose schema_version is newer than the store knows is refused: the store exits
# with a reason.
AIRLOCK_STORE_BACKEND=postgresql
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

store_keys
store_conf s
store_start s || { fail "store starts on a fresh database"; exit 1; }
expect_eq "fresh database: schema_version 2, one row" "2" "$(pg_psql s 'SELECT string_agg(version::text, $$,$$) FROM schema_version')"
expect_eq "fresh database: the tables" "nonces pairs schema_version sessions users" \
	"$(pg_psql s "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")"
expect_eq "fresh database: owned by the store's role" "airlock_store" \
	"$(pg_psql s "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")"
grep -q "schema version 0, upgrading to 2" "$T/s.log" && pass "upgrade logged" || fail "upgrade logged"
TOK=$(field 2 "$(sc s login "$T/proof.sk" github:1 Alice)")
expect_eq "a write on the new schema" "ok 1" "$(sc s incr "$TOK")"
store_stop "$STORE_PID"

mv "$T/s.log" "$T/s-first.log"
store_start s || { fail "store starts again"; exit 1; }
expect_eq "restart: schema_version still 2, one row" "2" "$(pg_psql s 'SELECT string_agg(version::text, $$,$$) FROM schema_version')"
grep -q "upgrading" "$T/s.log" && fail "restart: nothing re-applied" || pass "restart: nothing re-applied"
expect_eq "restart: the data kept" "ok 2" "$(sc s incr "$TOK")"
store_stop "$STORE_PID"

# two stores at once on a fresh database
STORE_PG=twin
store_conf a
store_conf b
bg a "$BIN/airlock-store" -d -v -f "$T/a.conf"; PA=$LAST_PID
bg b "$BIN/airlock-store" -d -v -f "$T/b.conf"; PB=$LAST_PID
store_wait a 20 && store_wait b 20 && pass "two stores starting at once both serve" ||
	fail "two stores starting at once both serve"
expect_eq "...and the schema was applied once" "1" \
	"$(grep -h 'upgrading to' "$T/a.log" "$T/b.log" | wc -l)"
expect_eq "...schema_version 2, one row" "2" "$(pg_psql twin 'SELECT string_agg(version::text, $$,$$) FROM schema_version')"
store_stop "$PA"; store_stop "$PB"
unset STORE_PG

# a newer schema is refused at start
pg_psql s "UPDATE schema_version SET version = 99" >/dev/null
mv "$T/s.log" "$T/s-second.log"
timeout 20 "$BIN/airlock-store" -d -v -f "$T/s.conf" >"$T/s-newer.log" 2>&1; rc=$?
expect_eq "newer schema: the store exits with status 1" "1" "$rc"
grep -q "schema version 99 is newer than this airlock-store's (2)" "$T/s-newer.log" &&
	pass "newer schema: the reason is logged" || fail "newer schema: the reason is logged ($(tail -2 "$T/s-newer.log"))"
expect_eq "newer schema: left as it was" "99" "$(pg_psql s 'SELECT version FROM schema_version')"
# a database of schema_version 1, with a user and a session, migrated to 2
# migration_1 (store/pg_schema.c) as SQL: its C string literals, joined
migration_1() {
	python3 - "$AIRLOCK_SRC/store/pg_schema.c" "$AIRLOCK_SRC/store/pg.h" <<'PY'
import re, sys
src, hdr = open(sys.argv[1]).read(), open(sys.argv[2]).read()
lock = re.search(r'#define PG_PAIR_LOCK_SQL\s+"(\d+)"', hdr).group(1)
body = src[src.index('migration_1[] ='):]
body = body[:body.index('";\n') + 2]
body = re.sub(r'/\*.*?\*/', '', body, flags=re.S).replace('" PG_PAIR_LOCK_SQL "', lock)
sql = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', body))
print(sql.replace('\\n', '\n').replace('\\t', '\t').replace('\\"', '"'))
PY
}
# on s's cluster again, in a new database
PG_DB=postgres pg_psql s "DROP DATABASE airlock" && PG_DB=postgres pg_psql s "CREATE DATABASE airlock OWNER airlock_store" ||
	fail "a new database"
OLD_TOK=$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
OLD_KEY=$(python3 -c 'import hashlib, sys; print(hashlib.blake2b(bytes.fromhex(sys.argv[1]), digest_size=32).hexdigest())' "$OLD_TOK")
OLD_SID=ffffffff00000000$(head -c 8 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
NOW=$(date +%s)
pg_psql s "SET ROLE airlock_store; $(migration_1)
CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (1);
INSERT INTO users (user_id, name, created, counter) VALUES ('op:old', 'Old', $NOW, 5);
INSERT INTO sessions (key, sid, user_id, kind, label, created, last_seen, expires)
VALUES ('\\x$OLD_KEY', '\\x$OLD_SID', 'op:old', 1, 'old', $NOW, $NOW, $NOW + 3600);" &&
	pass "a database of schema_version 1 made from migration 1" ||
	fail "a database of schema_version 1 made from migration 1"
store_start s || fail "store starts on a schema 1 database"
grep -q "schema version 1, upgrading to 2" "$T/s.log" && pass "schema 1 -> 2: upgrade logged" ||
	fail "schema 1 -> 2: upgrade logged"
expect_eq "schema 1 -> 2: the session and its user kept, no e-mail address" \
	"ok op:old Old 5 1 $OLD_SID -" "$(sc s get "$OLD_TOK")"
expect_match "schema 1 -> 2: a sign-in stores the e-mail address" '^ok [0-9a-f]{64} op:old ' \
	"$(sc s create "$(sc s sign "$T/proof.sk" op:old Old 1 120 - - old@example.org)" 1 x)"
expect_eq "schema 1 -> 2: ...which the old session's GET answers" \
	"ok op:old Old 5 1 $OLD_SID old@example.org" "$(sc s get "$OLD_TOK")"
store_stop "$STORE_PID"

exit 0
