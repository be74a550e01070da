#!/usr/bin/env bash
# The PostgreSQL backend creates its schema in a fresh database (schema_version 1,
# its tables and functions), starting again is idempotent (nothing re-applied, the
# data kept), two stores starting at once on a fresh database both come up (the
# upgrade runs once, under an advisory lock), and a database whose schema_version
# is newer than the store knows is refused: the store exits with a reason.
AIRLOCK_STORE_BACKEND=postgresql
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_store.sh"

store_keys
store_conf s
store_start s || { fail "store starts on a fresh database"; exit 1; }
expect_eq "fresh database: schema_version 1, one row" "1" "$(pg_psql s 'SELECT string_agg(version::text, $$,$$) FROM schema_version')"
expect_eq "fresh database: the tables" "nonces pairs schema_version sessions users" \
	"$(pg_psql s "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")"
expect_eq "fresh database: owned by the store's role" "airlock_store" \
	"$(pg_psql s "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")"
grep -q "schema version 0, upgrading to 1" "$T/s.log" && pass "upgrade logged" || fail "upgrade logged"
TOK=$(field 2 "$(sc s login "$T/proof.sk" github:1 Alice)")
expect_eq "a write on the new schema" "ok 1" "$(sc s incr "$TOK")"
store_stop "$STORE_PID"

mv "$T/s.log" "$T/s-first.log"
store_start s || { fail "store starts again"; exit 1; }
expect_eq "restart: schema_version still 1, one row" "1" "$(pg_psql s 'SELECT string_agg(version::text, $$,$$) FROM schema_version')"
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
expect_eq "...schema_version 1, one row" "1" "$(pg_psql twin 'SELECT string_agg(version::text, $$,$$) FROM schema_version')"
store_stop "$PA"; store_stop "$PB"
unset STORE_PG

# a newer schema is refused at start
pg_psql s "UPDATE schema_version SET version = 99" >/dev/null
mv "$T/s.log" "$T/s-second.log"
timeout 20 "$BIN/airlock-store" -d -v -f "$T/s.conf" >"$T/s-newer.log" 2>&1; rc=$?
expect_eq "newer schema: the store exits with status 1" "1" "$rc"
grep -q "schema version 99 is newer than this airlock-store's (1)" "$T/s-newer.log" &&
	pass "newer schema: the reason is logged" || fail "newer schema: the reason is logged ($(tail -2 "$T/s-newer.log"))"
expect_eq "newer schema: left as it was" "99" "$(pg_psql s 'SELECT version FROM schema_version')"
exit 0
