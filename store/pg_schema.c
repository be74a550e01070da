/*
 * The PostgreSQL backend's schema, as versioned migrations: pg_migrations[i]
 * brings a database of schema version i to version i + 1.  backend_pg.c
 * applies the missing ones at every (re)connection, all in ONE transaction
 * under an advisory lock (several stores may start at once), and records the
 * version in schema_version; a database of a newer version than
 * PG_SCHEMA_VERSION is refused.  A released migration is never edited: a
 * change is a new migration at the end.
 *
 * The logic of every op is a function in the database (one round trip per
 * op), so that what must happen once happens once however many stores share
 * the database: a proof's nonce is a primary key (INSERT ... ON CONFLICT DO
 * NOTHING), a pairing's and a session's row is locked (FOR UPDATE) before it
 * changes state, a user's row before the per-user cap is counted, and the
 * pending-pairing limits are counted under a transaction-scoped advisory lock.
 * Every time is the store's clock, passed in (p_now: unix seconds), so that
 * expiry is what the store's LMDB backend would decide.  Strings are bytea:
 * the database never interprets what the store was given.
 *
 * Status codes returned (enum pg_status, pg.h): 0 ok, 1 notfound, 2 denied,
 * 3 invalid, 4 busy (per address), 5 expired, 6 pending, 7 slow_down,
 * 8 busy (pending pairings).  Session kinds and pairing states are those of
 * msg.h and record.h: kind 1 web, 2 CLI; state 1 pending, 2 approved,
 * 3 taken, 4 denied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static const char migration_1[] =
"CREATE TABLE users ("
"	user_id		bytea PRIMARY KEY,"
"	name		bytea NOT NULL,"
"	created		bigint NOT NULL,"
"	counter		bigint NOT NULL DEFAULT 0"
");\n"
"CREATE TABLE sessions ("
"	key		bytea PRIMARY KEY,"		/* BLAKE2b(token) */
"	sid		bytea NOT NULL UNIQUE,"		/* ~created, then random: newest first */
"	user_id		bytea NOT NULL,"
"	kind		smallint NOT NULL,"
"	label		bytea NOT NULL,"
"	created		bigint NOT NULL,"
"	last_seen	bigint NOT NULL,"
"	expires		bigint NOT NULL,"
"	grant_handle	bytea"				/* NULL: none */
");\n"
"CREATE INDEX sessions_by_user ON sessions (user_id, kind, sid);\n"
"CREATE INDEX sessions_by_expiry ON sessions (expires);\n"
"CREATE TABLE nonces ("
"	nonce		bytea PRIMARY KEY,"
"	expires		bigint NOT NULL"		/* spent until then */
");\n"
"CREATE INDEX nonces_by_expiry ON nonces (expires);\n"
"CREATE TABLE pairs ("
"	key		bytea PRIMARY KEY,"		/* BLAKE2b(paircode) */
"	state		smallint NOT NULL,"
"	user_code	bytea NOT NULL,"
"	ref		bytea NOT NULL UNIQUE,"
"	label		bytea NOT NULL,"
"	client		bytea NOT NULL,"
"	created		bigint NOT NULL,"
"	expires		bigint NOT NULL,"
"	user_id		bytea NOT NULL DEFAULT ''::bytea,"
"	last_poll_ms	bigint NOT NULL DEFAULT 0,"
"	grant_handle	bytea"
");\n"
"CREATE INDEX pairs_pending_by_client ON pairs (client) WHERE state = 1;\n"
"CREATE INDEX pairs_by_expiry ON pairs (expires);\n"

/* A verified proof (as store/session.c's proof_spend for LMDB): its nonce
 * spent once, false when it was spent before (then nothing is written), and
 * its user created, or renamed when the provider's name changed. */
"CREATE FUNCTION airlock_proof_spend(p_nonce bytea, p_nonce_expires bigint,\n"
"    p_user bytea, p_name bytea, p_now bigint)\n"
"RETURNS boolean LANGUAGE plpgsql AS $f$\n"
"BEGIN\n"
"	INSERT INTO nonces (nonce, expires) VALUES (p_nonce, p_nonce_expires)\n"
"	ON CONFLICT DO NOTHING;\n"
"	IF NOT FOUND THEN\n"
"		RETURN false;\n"
"	END IF;\n"
"	INSERT INTO users (user_id, name, created) VALUES (p_user, p_name, p_now)\n"
"	ON CONFLICT (user_id) DO UPDATE SET name = EXCLUDED.name\n"
"	WHERE users.name <> EXCLUDED.name;\n"
"	RETURN true;\n"
"END $f$;\n"

/* A new session; at the per-user cap (p_max, 0: none), the user's expired
 * sessions go, then the least recently seen, of the new one's kind first.
 * The user's row lock makes the count exact across stores.  r_live: the
 * user's live sessions before, r_web and r_cli: how many of each kind ended. */
"CREATE FUNCTION airlock_session_new(p_user bytea, p_kind smallint, p_label bytea,\n"
"    p_grant bytea, p_key bytea, p_sid bytea, p_now bigint, p_ttl bigint, p_max integer,\n"
"    OUT r_live bigint, OUT r_web bigint, OUT r_cli bigint)\n"
"LANGUAGE plpgsql AS $f$\n"
"BEGIN\n"
"	r_live := 0;\n"
"	r_web := 0;\n"
"	r_cli := 0;\n"
"	IF p_max > 0 THEN\n"
"		PERFORM 1 FROM users WHERE user_id = p_user FOR UPDATE;\n"
"		IF NOT FOUND THEN\n"
"			RAISE EXCEPTION 'airlock: a session for a user without a record';\n"
"		END IF;\n"
"		SELECT count(*) INTO r_live FROM sessions WHERE user_id = p_user;\n"
"		IF r_live >= p_max THEN\n"
"			DELETE FROM sessions WHERE user_id = p_user AND expires <= p_now;\n"
"			SELECT count(*) INTO r_live FROM sessions WHERE user_id = p_user;\n"
"		END IF;\n"
"		IF r_live >= p_max THEN\n"
"			WITH d AS (DELETE FROM sessions WHERE key IN (SELECT key FROM sessions\n"
"			    WHERE user_id = p_user ORDER BY kind <> p_kind, last_seen, created\n"
"			    LIMIT r_live - p_max + 1) RETURNING kind)\n"
"			SELECT count(*) FILTER (WHERE kind = 1), count(*) FILTER (WHERE kind = 2)\n"
"			    INTO r_web, r_cli FROM d;\n"
"		END IF;\n"
"	END IF;\n"
"	INSERT INTO sessions (key, sid, user_id, kind, label, created, last_seen, expires,\n"
"	    grant_handle)\n"
"	VALUES (p_key, p_sid, p_user, p_kind, p_label, p_now, p_now, p_now + p_ttl, p_grant);\n"
"END $f$;\n"

/* SESSION_CREATE: the proof's nonce spent once (2 denied on a replay). */
"CREATE FUNCTION airlock_session_create(p_nonce bytea, p_nonce_expires bigint,\n"
"    p_user bytea, p_name bytea, p_kind smallint, p_label bytea, p_grant bytea,\n"
"    p_key bytea, p_sid bytea, p_now bigint, p_ttl bigint, p_max integer,\n"
"    OUT r_status smallint, OUT r_live bigint, OUT r_web bigint, OUT r_cli bigint)\n"
"LANGUAGE plpgsql AS $f$\n"
"BEGIN\n"
"	IF NOT airlock_proof_spend(p_nonce, p_nonce_expires, p_user, p_name, p_now) THEN\n"
"		r_status := 2;\n"
"		RETURN;\n"
"	END IF;\n"
"	SELECT * INTO r_live, r_web, r_cli FROM airlock_session_new(p_user, p_kind, p_label,\n"
"	    p_grant, p_key, p_sid, p_now, p_ttl, p_max);\n"
"	r_status := 0;\n"
"END $f$;\n"

/* SESSION_GET (p_add false) and INCREMENT (true); last_seen at most once
 * per p_touch seconds. */
"CREATE FUNCTION airlock_session_get(p_key bytea, p_now bigint, p_touch bigint,\n"
"    p_add boolean, OUT r_status smallint, OUT r_user bytea, OUT r_name bytea,\n"
"    OUT r_counter bigint, OUT r_kind smallint, OUT r_sid bytea)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	s	sessions%ROWTYPE;\n"
"BEGIN\n"
"	SELECT * INTO s FROM sessions WHERE key = p_key AND expires > p_now;\n"
"	IF NOT FOUND THEN\n"
"		r_status := 1;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF p_add THEN\n"
"		UPDATE users SET counter = counter + 1\n"
"		WHERE user_id = s.user_id AND counter < 9223372036854775807\n"
"		RETURNING name, counter INTO r_name, r_counter;\n"
"	ELSE\n"
"		SELECT name, counter INTO r_name, r_counter FROM users WHERE user_id = s.user_id;\n"
"	END IF;\n"
"	IF NOT FOUND THEN\n"
"		PERFORM 1 FROM users WHERE user_id = s.user_id;\n"
"		IF NOT FOUND THEN\n"
"			RAISE EXCEPTION 'airlock: a session without its user';\n"
"		END IF;\n"
"		r_status := 3;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF p_now >= s.last_seen + p_touch THEN\n"
"		UPDATE sessions SET last_seen = p_now WHERE key = p_key;\n"
"	END IF;\n"
"	r_status := 0;\n"
"	r_user := s.user_id;\n"
"	r_kind := s.kind;\n"
"	r_sid := s.sid;\n"
"END $f$;\n"

/* PAGE: a first row (r_row 0) with the session, its user and the user's
 * totals, then (r_row 1) up to p_max live sessions of kind p_kind1, then of
 * p_kind2 (0: none), newest first. */
"CREATE FUNCTION airlock_page(p_key bytea, p_now bigint, p_touch bigint,\n"
"    p_kind1 smallint, p_kind2 smallint, p_max integer)\n"
"RETURNS TABLE (r_row smallint, r_status smallint, r_user bytea, r_name bytea,\n"
"    r_counter bigint, r_kind smallint, r_sid bytea, r_web bigint, r_cli bigint,\n"
"    r_label bytea, r_created bigint, r_last_seen bigint, r_expires bigint)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	s	sessions%ROWTYPE;\n"
"	u	users%ROWTYPE;\n"
"	k	smallint;\n"
"BEGIN\n"
"	r_row := 0;\n"
"	SELECT * INTO s FROM sessions WHERE key = p_key AND expires > p_now;\n"
"	IF NOT FOUND THEN\n"
"		r_status := 1;\n"
"		RETURN NEXT;\n"
"		RETURN;\n"
"	END IF;\n"
"	SELECT * INTO u FROM users WHERE user_id = s.user_id;\n"
"	IF NOT FOUND THEN\n"
"		RAISE EXCEPTION 'airlock: a session without its user';\n"
"	END IF;\n"
"	r_status := 0;\n"
"	r_user := s.user_id;\n"
"	r_name := u.name;\n"
"	r_counter := u.counter;\n"
"	r_kind := s.kind;\n"
"	r_sid := s.sid;\n"
"	SELECT count(*) FILTER (WHERE x.kind = 1), count(*) FILTER (WHERE x.kind = 2)\n"
"	    INTO r_web, r_cli FROM sessions x WHERE x.user_id = s.user_id;\n"
"	RETURN NEXT;\n"
"	FOREACH k IN ARRAY ARRAY[p_kind1, p_kind2] LOOP\n"
"		CONTINUE WHEN k = 0;\n"
"		RETURN QUERY SELECT 1::smallint, 0::smallint, NULL::bytea, NULL::bytea,\n"
"		    NULL::bigint, x.kind, x.sid, NULL::bigint, NULL::bigint, x.label, x.created,\n"
"		    x.last_seen, x.expires\n"
"		FROM sessions x WHERE x.user_id = s.user_id AND x.kind = k AND x.expires > p_now\n"
"		ORDER BY x.sid LIMIT p_max;\n"
"	END LOOP;\n"
"	IF p_now >= s.last_seen + p_touch THEN\n"
"		UPDATE sessions SET last_seen = p_now WHERE key = p_key;\n"
"	END IF;\n"
"END $f$;\n"

/* SESSION_REVOKE: the token's own session (p_sid NULL) or the one of its
 * user that p_sid names, live or not yet swept. */
"CREATE FUNCTION airlock_session_revoke(p_key bytea, p_now bigint, p_sid bytea,\n"
"    OUT r_status smallint, OUT r_grant bytea, OUT r_own boolean, OUT r_user bytea)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	own	sessions%ROWTYPE;\n"
"	t	sessions%ROWTYPE;\n"
"BEGIN\n"
"	SELECT * INTO own FROM sessions WHERE key = p_key AND expires > p_now FOR UPDATE;\n"
"	IF NOT FOUND THEN\n"
"		r_status := 1;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF p_sid IS NULL THEN\n"
"		t := own;\n"
"	ELSE\n"
"		SELECT * INTO t FROM sessions WHERE user_id = own.user_id AND sid = p_sid\n"
"		    AND kind IN (1, 2) FOR UPDATE;\n"
"		IF NOT FOUND THEN\n"
"			r_status := 2;\n"
"			RETURN;\n"
"		END IF;\n"
"	END IF;\n"
"	DELETE FROM sessions WHERE key = t.key;\n"
"	r_status := 0;\n"
"	r_grant := t.grant_handle;\n"
"	r_own := t.sid = own.sid;\n"
"	r_user := own.user_id;\n"
"END $f$;\n"

"CREATE FUNCTION airlock_ping(OUT r_users bigint, OUT r_sessions bigint,\n"
"    OUT r_pending bigint)\n"
"LANGUAGE sql AS $f$\n"
"	SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM sessions),\n"
"	    (SELECT count(*) FROM pairs WHERE state = 1)\n"
"$f$;\n"

/* PAIR_CREATE: a paircode in use is invalid; the pending limits are counted
 * under one advisory lock, after the expired pending pairings are removed. */
"CREATE FUNCTION airlock_pair_create(p_key bytea, p_ref bytea, p_user_code bytea,\n"
"    p_label bytea, p_client bytea, p_now bigint, p_ttl bigint, p_max_pending bigint,\n"
"    p_max_per_addr bigint, OUT r_status smallint)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	n	bigint;\n"
"BEGIN\n"
"	PERFORM pg_advisory_xact_lock(" PG_PAIR_LOCK_SQL ");\n"
"	PERFORM 1 FROM pairs WHERE key = p_key;\n"
"	IF FOUND THEN\n"
"		r_status := 3;\n"
"		RETURN;\n"
"	END IF;\n"
"	DELETE FROM pairs WHERE client = p_client AND state = 1 AND expires <= p_now;\n"
"	SELECT count(*) INTO n FROM pairs WHERE client = p_client AND state = 1;\n"
"	IF n >= p_max_per_addr THEN\n"
"		r_status := 4;\n"
"		RETURN;\n"
"	END IF;\n"
"	SELECT count(*) INTO n FROM pairs WHERE state = 1;\n"
"	IF n >= p_max_pending THEN\n"
"		DELETE FROM pairs WHERE state = 1 AND expires <= p_now;\n"
"		SELECT count(*) INTO n FROM pairs WHERE state = 1;\n"
"		IF n >= p_max_pending THEN\n"
"			r_status := 8;\n"
"			RETURN;\n"
"		END IF;\n"
"	END IF;\n"
"	INSERT INTO pairs (key, state, user_code, ref, label, client, created, expires)\n"
"	VALUES (p_key, 1, p_user_code, p_ref, p_label, p_client, p_now, p_now + p_ttl);\n"
"	r_status := 0;\n"
"END $f$;\n"

/* PAIR_INFO: a pending pairing, and who looks at it (p_key NULL: nobody). */
"CREATE FUNCTION airlock_pair_info(p_ref bytea, p_now bigint, p_key bytea,\n"
"    OUT r_status smallint, OUT r_user_code bytea, OUT r_expires_in bigint,\n"
"    OUT r_label bytea, OUT r_client bytea, OUT r_created bigint,\n"
"    OUT r_signed_in boolean, OUT r_user bytea, OUT r_name bytea)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	p	pairs%ROWTYPE;\n"
"BEGIN\n"
"	SELECT * INTO p FROM pairs WHERE ref = p_ref AND state = 1 AND expires > p_now;\n"
"	IF NOT FOUND THEN\n"
"		r_status := 1;\n"
"		RETURN;\n"
"	END IF;\n"
"	r_status := 0;\n"
"	r_user_code := p.user_code;\n"
"	r_expires_in := p.expires - p_now;\n"
"	r_label := p.label;\n"
"	r_client := p.client;\n"
"	r_created := p.created;\n"
"	r_signed_in := false;\n"
"	IF p_key IS NOT NULL THEN\n"
"		SELECT s.user_id, u.name INTO r_user, r_name FROM sessions s\n"
"		    JOIN users u ON u.user_id = s.user_id\n"
"		WHERE s.key = p_key AND s.expires > p_now AND s.kind = 1;\n"
"		r_signed_in := FOUND;\n"
"	END IF;\n"
"END $f$;\n"

/* PAIR_DECIDE: a live web session denies a pending pairing. */
"CREATE FUNCTION airlock_pair_decide(p_key bytea, p_ref bytea, p_now bigint,\n"
"    OUT r_status smallint, OUT r_user bytea, OUT r_name bytea)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	s	sessions%ROWTYPE;\n"
"BEGIN\n"
"	SELECT * INTO s FROM sessions WHERE key = p_key AND expires > p_now;\n"
"	IF NOT FOUND OR s.kind <> 1 THEN\n"
"		r_status := 1;\n"
"		RETURN;\n"
"	END IF;\n"
"	UPDATE pairs SET state = 4 WHERE ref = p_ref AND state = 1 AND expires > p_now;\n"
"	IF NOT FOUND THEN\n"
"		r_status := 1;\n"
"		RETURN;\n"
"	END IF;\n"
"	SELECT name INTO r_name FROM users WHERE user_id = s.user_id;\n"
"	IF NOT FOUND THEN\n"
"		RAISE EXCEPTION 'airlock: a session without its user';\n"
"	END IF;\n"
"	r_status := 0;\n"
"	r_user := s.user_id;\n"
"END $f$;\n"

/* PAIR_APPROVE: the pending pairing first, then the proof's nonce, once. */
"CREATE FUNCTION airlock_pair_approve(p_ref bytea, p_now bigint, p_nonce bytea,\n"
"    p_nonce_expires bigint, p_user bytea, p_name bytea, p_grant bytea,\n"
"    OUT r_status smallint)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	k	bytea;\n"
"BEGIN\n"
"	SELECT key INTO k FROM pairs WHERE ref = p_ref AND state = 1 AND expires > p_now\n"
"	FOR UPDATE;\n"
"	IF NOT FOUND THEN\n"
"		r_status := 1;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF NOT airlock_proof_spend(p_nonce, p_nonce_expires, p_user, p_name, p_now) THEN\n"
"		r_status := 2;\n"
"		RETURN;\n"
"	END IF;\n"
"	UPDATE pairs SET state = 2, user_id = p_user, grant_handle = p_grant WHERE key = k;\n"
"	r_status := 0;\n"
"END $f$;\n"

/* PAIR_TAKE: the CLI's poll; an approved pairing becomes exactly one CLI
 * session (the row lock orders concurrent takes). */
"CREATE FUNCTION airlock_pair_take(p_key bytea, p_now bigint, p_now_ms bigint,\n"
"    p_slow_ms bigint, p_tkey bytea, p_sid bytea, p_ttl bigint, p_max integer,\n"
"    OUT r_status smallint, OUT r_user bytea, OUT r_live bigint, OUT r_web bigint,\n"
"    OUT r_cli bigint)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	p	pairs%ROWTYPE;\n"
"BEGIN\n"
"	SELECT * INTO p FROM pairs WHERE key = p_key FOR UPDATE;\n"
"	IF NOT FOUND OR p.expires <= p_now THEN\n"
"		r_status := 5;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF p.state = 1 THEN\n"
"		r_status := CASE WHEN p.last_poll_ms <> 0 AND p_now_ms < p.last_poll_ms + p_slow_ms\n"
"		    THEN 7 ELSE 6 END;\n"
"		UPDATE pairs SET last_poll_ms = p_now_ms WHERE key = p_key;\n"
"		RETURN;\n"
"	ELSIF p.state = 4 THEN\n"
"		r_status := 2;\n"
"		RETURN;\n"
"	ELSIF p.state = 3 THEN\n"
"		r_status := 5;\n"
"		RETURN;\n"
"	ELSIF p.state <> 2 THEN\n"
"		RAISE EXCEPTION 'airlock: a pairing in an unknown state';\n"
"	END IF;\n"
"	UPDATE pairs SET state = 3, grant_handle = NULL WHERE key = p_key;\n"
"	SELECT * INTO r_live, r_web, r_cli FROM airlock_session_new(p.user_id, 2::smallint,\n"
"	    p.label, p.grant_handle, p_tkey, p_sid, p_now, p_ttl, p_max);\n"
"	r_status := 0;\n"
"	r_user := p.user_id;\n"
"END $f$;\n"

/* The expiry sweep: at most p_limit rows of each table, rows another
 * store's sweep holds skipped; r_more when a table had that many. */
"CREATE FUNCTION airlock_sweep(p_now bigint, p_limit integer,\n"
"    OUT r_deleted bigint, OUT r_more boolean)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	n	bigint;\n"
"BEGIN\n"
"	WITH d AS (DELETE FROM sessions WHERE key IN (SELECT key FROM sessions\n"
"	    WHERE expires <= p_now LIMIT p_limit FOR UPDATE SKIP LOCKED) RETURNING 1)\n"
"	SELECT count(*) INTO n FROM d;\n"
"	r_deleted := n;\n"
"	r_more := n >= p_limit;\n"
"	WITH d AS (DELETE FROM pairs WHERE key IN (SELECT key FROM pairs\n"
"	    WHERE expires <= p_now LIMIT p_limit FOR UPDATE SKIP LOCKED) RETURNING 1)\n"
"	SELECT count(*) INTO n FROM d;\n"
"	r_deleted := r_deleted + n;\n"
"	r_more := r_more OR n >= p_limit;\n"
"	WITH d AS (DELETE FROM nonces WHERE nonce IN (SELECT nonce FROM nonces\n"
"	    WHERE expires < p_now LIMIT p_limit FOR UPDATE SKIP LOCKED) RETURNING 1)\n"
"	SELECT count(*) INTO n FROM d;\n"
"	r_deleted := r_deleted + n;\n"
"	r_more := r_more OR n >= p_limit;\n"
"END $f$;\n";

/*
 * Version 2: the user's verified e-mail address (of the latest sign-in, ''
 * when none), a proof's nonce spent alone (airlock_nonce_spend) for proofs
 * that sign nobody in, PAIR_APPROVE's denial by a PURPOSE_CLI_REFUSED proof,
 * and LOGOUT.  The functions whose arguments or results change are dropped
 * and created anew.
 */
static const char migration_2[] =
"ALTER TABLE users ADD COLUMN email bytea NOT NULL DEFAULT ''::bytea;\n"
"DROP FUNCTION airlock_session_create(bytea, bigint, bytea, bytea, smallint, bytea, bytea,\n"
"    bytea, bytea, bigint, bigint, integer);\n"
"DROP FUNCTION airlock_pair_approve(bytea, bigint, bytea, bigint, bytea, bytea, bytea);\n"
"DROP FUNCTION airlock_proof_spend(bytea, bigint, bytea, bytea, bigint);\n"
"DROP FUNCTION airlock_session_get(bytea, bigint, bigint, boolean);\n"

/* A proof's nonce spent once: false when it was spent before. */
"CREATE FUNCTION airlock_nonce_spend(p_nonce bytea, p_nonce_expires bigint)\n"
"RETURNS boolean LANGUAGE plpgsql AS $f$\n"
"BEGIN\n"
"	INSERT INTO nonces (nonce, expires) VALUES (p_nonce, p_nonce_expires)\n"
"	ON CONFLICT DO NOTHING;\n"
"	RETURN FOUND;\n"
"END $f$;\n"

/* A verified sign-in proof (as store/session.c's proof_spend for LMDB): its
 * nonce spent once, false when it was spent before (then nothing is
 * written), and its user created, or its name and e-mail address updated
 * to the latest sign-in's. */
"CREATE FUNCTION airlock_proof_spend(p_nonce bytea, p_nonce_expires bigint,\n"
"    p_user bytea, p_name bytea, p_email bytea, p_now bigint)\n"
"RETURNS boolean LANGUAGE plpgsql AS $f$\n"
"BEGIN\n"
"	IF NOT airlock_nonce_spend(p_nonce, p_nonce_expires) THEN\n"
"		RETURN false;\n"
"	END IF;\n"
"	INSERT INTO users (user_id, name, created, email) VALUES (p_user, p_name, p_now, p_email)\n"
"	ON CONFLICT (user_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email\n"
"	WHERE users.name <> EXCLUDED.name OR users.email <> EXCLUDED.email;\n"
"	RETURN true;\n"
"END $f$;\n"

/* SESSION_CREATE: the proof's nonce spent once (2 denied on a replay). */
"CREATE FUNCTION airlock_session_create(p_nonce bytea, p_nonce_expires bigint,\n"
"    p_user bytea, p_name bytea, p_email bytea, p_kind smallint, p_label bytea,\n"
"    p_grant bytea, p_key bytea, p_sid bytea, p_now bigint, p_ttl bigint, p_max integer,\n"
"    OUT r_status smallint, OUT r_live bigint, OUT r_web bigint, OUT r_cli bigint)\n"
"LANGUAGE plpgsql AS $f$\n"
"BEGIN\n"
"	IF NOT airlock_proof_spend(p_nonce, p_nonce_expires, p_user, p_name, p_email, p_now)\n"
"	THEN\n"
"		r_status := 2;\n"
"		RETURN;\n"
"	END IF;\n"
"	SELECT * INTO r_live, r_web, r_cli FROM airlock_session_new(p_user, p_kind, p_label,\n"
"	    p_grant, p_key, p_sid, p_now, p_ttl, p_max);\n"
"	r_status := 0;\n"
"END $f$;\n"

/* SESSION_GET (p_add false) and INCREMENT (true); last_seen at most once
 * per p_touch seconds. */
"CREATE FUNCTION airlock_session_get(p_key bytea, p_now bigint, p_touch bigint,\n"
"    p_add boolean, OUT r_status smallint, OUT r_user bytea, OUT r_name bytea,\n"
"    OUT r_counter bigint, OUT r_kind smallint, OUT r_sid bytea, OUT r_email bytea)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	s	sessions%ROWTYPE;\n"
"BEGIN\n"
"	SELECT * INTO s FROM sessions WHERE key = p_key AND expires > p_now;\n"
"	IF NOT FOUND THEN\n"
"		r_status := 1;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF p_add THEN\n"
"		UPDATE users SET counter = counter + 1\n"
"		WHERE user_id = s.user_id AND counter < 9223372036854775807\n"
"		RETURNING name, counter, email INTO r_name, r_counter, r_email;\n"
"	ELSE\n"
"		SELECT name, counter, email INTO r_name, r_counter, r_email FROM users\n"
"		WHERE user_id = s.user_id;\n"
"	END IF;\n"
"	IF NOT FOUND THEN\n"
"		PERFORM 1 FROM users WHERE user_id = s.user_id;\n"
"		IF NOT FOUND THEN\n"
"			RAISE EXCEPTION 'airlock: a session without its user';\n"
"		END IF;\n"
"		r_status := 3;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF p_now >= s.last_seen + p_touch THEN\n"
"		UPDATE sessions SET last_seen = p_now WHERE key = p_key;\n"
"	END IF;\n"
"	r_status := 0;\n"
"	r_user := s.user_id;\n"
"	r_kind := s.kind;\n"
"	r_sid := s.sid;\n"
"END $f$;\n"

/* PAIR_APPROVE: the pending pairing first, then the proof's nonce, once;
 * p_refused (a PURPOSE_CLI_REFUSED proof): the pairing is denied, and no
 * user is written. */
"CREATE FUNCTION airlock_pair_approve(p_ref bytea, p_now bigint, p_nonce bytea,\n"
"    p_nonce_expires bigint, p_user bytea, p_name bytea, p_email bytea, p_grant bytea,\n"
"    p_refused boolean, OUT r_status smallint)\n"
"LANGUAGE plpgsql AS $f$\n"
"DECLARE\n"
"	k	bytea;\n"
"BEGIN\n"
"	SELECT key INTO k FROM pairs WHERE ref = p_ref AND state = 1 AND expires > p_now\n"
"	FOR UPDATE;\n"
"	IF NOT FOUND THEN\n"
"		r_status := 1;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF p_refused THEN\n"
"		IF NOT airlock_nonce_spend(p_nonce, p_nonce_expires) THEN\n"
"			r_status := 2;\n"
"			RETURN;\n"
"		END IF;\n"
"		UPDATE pairs SET state = 4 WHERE key = k;\n"
"		r_status := 0;\n"
"		RETURN;\n"
"	END IF;\n"
"	IF NOT airlock_proof_spend(p_nonce, p_nonce_expires, p_user, p_name, p_email, p_now)\n"
"	THEN\n"
"		r_status := 2;\n"
"		RETURN;\n"
"	END IF;\n"
"	UPDATE pairs SET state = 2, user_id = p_user, grant_handle = p_grant WHERE key = k;\n"
"	r_status := 0;\n"
"END $f$;\n"

/* LOGOUT: the proof's nonce spent once (2 denied on a replay, nothing
 * ended), then every session of the user, under its row lock (as a new
 * session counts them); r_revoked: the live ones among them. */
"CREATE FUNCTION airlock_logout(p_nonce bytea, p_nonce_expires bigint, p_user bytea,\n"
"    p_now bigint, OUT r_status smallint, OUT r_revoked bigint)\n"
"LANGUAGE plpgsql AS $f$\n"
"BEGIN\n"
"	r_revoked := 0;\n"
"	IF NOT airlock_nonce_spend(p_nonce, p_nonce_expires) THEN\n"
"		r_status := 2;\n"
"		RETURN;\n"
"	END IF;\n"
"	PERFORM 1 FROM users WHERE user_id = p_user FOR UPDATE;\n"
"	WITH d AS (DELETE FROM sessions WHERE user_id = p_user RETURNING expires)\n"
"	SELECT count(*) FILTER (WHERE expires > p_now) INTO r_revoked FROM d;\n"
"	r_status := 0;\n"
"END $f$;\n";

const char *const pg_migrations[] = {
	migration_1,
	migration_2,
};
const int pg_schema_version = sizeof(pg_migrations) / sizeof(pg_migrations[0]);

/* Run first at every connection, in one simple-protocol string: the
 * transaction, its lock, and the version the database has (0: none). */
const char pg_schema_read[] =
	"BEGIN;"
	"SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK_SQL ");"
	"CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL);"
	"SELECT coalesce(max(version), 0) FROM schema_version";

char *
pg_schema_upgrade(int from)
{
	char	*sql, *p;
	size_t	 len = 128;
	int	 v, n;

	if (from < 0 || from > pg_schema_version)
		return NULL;
	for (v = from; v < pg_schema_version; v++)
		len += strlen(pg_migrations[v]) + 2;
	if ((sql = malloc(len)) == NULL)
		return NULL;
	p = sql;
	for (v = from; v < pg_schema_version; v++)
		p += sprintf(p, "%s;\n", pg_migrations[v]);
	if (from < pg_schema_version)
		p += sprintf(p, "DELETE FROM schema_version;"
		    "INSERT INTO schema_version (version) VALUES (%d);", pg_schema_version);
	n = snprintf(p, len - (size_t)(p - sql), "COMMIT");
	if (n < 0 || (size_t)n >= len - (size_t)(p - sql)) {
		free(sql);
		return NULL;
	}
	return sql;
}
