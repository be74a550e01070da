/*
 * Every IPC message and every stored record, declared once.
 *
 * MSG_TABLE lists the messages: NAME, name, type number.  For each one,
 * Q_<NAME>(F, x) lists the request's fields and A_<NAME>(F, x) the answer's
 * fields, which follow the answer's u8 status and are present only when the
 * status is ST_OK.  LAYOUT_TABLE lists named field groups: the items of a
 * LIST field, the body of a login proof and the records the store keeps in
 * LMDB.  msg.h turns each list into a struct (struct msg_<name>,
 * struct msg_<name>_r, struct <layout>) and msg.c into the one encoder and
 * decoder.
 *
 * A field is F(x, KIND, name, bound[, layout]); on the wire:
 *	U8, U32, U64	fixed size, big-endian (bound unused, written 0)
 *	STR		u16 length + bytes, length <= bound, no control bytes
 *	BYTES		exactly bound raw bytes
 *	BLOB		u16 length + bytes, length <= bound
 *	OPT		u16 length + bytes, length 0 or exactly bound
 *	LIST		u32 count <= bound, then count layouts
 * Adding a field is one line here plus what the handlers do with it; bump
 * PROTO_VERSION (msg.h) with any change to a message.
 */
#ifndef AIRLOCK_MSGTAB_H
#define AIRLOCK_MSGTAB_H

#define MSG_TABLE(M)							\
	/* frontend -> store */						\
	M(STORE_PING,		store_ping,		100)		\
	M(STORE_SESSION_GET,	store_session_get,	102)		\
	M(STORE_INCREMENT,	store_increment,	104)		\
	M(STORE_SESSION_CREATE,	store_session_create,	106)		\
	M(STORE_SESSION_REVOKE,	store_session_revoke,	110)		\
	M(STORE_PAIR_CREATE,	store_pair_create,	112)		\
	M(STORE_PAIR_INFO,	store_pair_info,	114)		\
	M(STORE_PAIR_DECIDE,	store_pair_decide,	116)		\
	M(STORE_PAIR_TAKE,	store_pair_take,	118)		\
	M(STORE_PAIR_APPROVE,	store_pair_approve,	120)		\
	M(STORE_PAGE,		store_page,		122)		\
	M(STORE_LOGOUT,		store_logout,		124)		\
	/* frontend -> authd */						\
	M(AUTH_PING,		auth_ping,		200)		\
	M(AUTH_PROVIDERS,	auth_providers,		202)		\
	M(AUTH_LOGIN_START,	auth_login_start,	204)		\
	M(AUTH_LOGIN_FINISH,	auth_login_finish,	206)		\
	M(AUTH_REVOKE,		auth_revoke,		208)		\
	M(AUTH_BACKCHANNEL,	auth_backchannel,	210)

/* Counts for the status page. */
#define Q_STORE_PING(F, x)
#define A_STORE_PING(F, x)						\
	F(x, U64, users, 0)						\
	F(x, U64, sessions, 0)						\
	F(x, U32, pending, 0)		/* pending paircodes */

/* The session behind a token, its user, the user's count and verified
 * e-mail address ("" when the provider gave none). */
#define Q_STORE_SESSION_GET(F, x)					\
	F(x, BYTES, token, TOKEN_LEN)
#define A_STORE_SESSION_GET(F, x)					\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, STR, name, MAX_NAME)					\
	F(x, U64, counter, 0)						\
	F(x, U8, kind, 0)		/* enum session_kind */		\
	F(x, BYTES, sid, SID_LEN)					\
	F(x, STR, email, MAX_EMAIL)

/* Adds one to the session's user's count; answered once it is durable. */
#define Q_STORE_INCREMENT(F, x)						\
	F(x, BYTES, token, TOKEN_LEN)
#define A_STORE_INCREMENT(F, x)						\
	F(x, U64, counter, 0)

/* A session for the user an authd proof names (the proof's purpose must be
 * PURPOSE_WEB; a PURPOSE_CLI proof approves a pairing: STORE_PAIR_APPROVE). */
#define Q_STORE_SESSION_CREATE(F, x)					\
	F(x, BLOB, proof, MAX_PROOF)					\
	F(x, U8, kind, 0)						\
	F(x, STR, label, MAX_LABEL)
#define A_STORE_SESSION_CREATE(F, x)					\
	F(x, BYTES, token, TOKEN_LEN)					\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, STR, name, MAX_NAME)					\
	F(x, U8, purpose, 0)		/* enum login_purpose */	\
	F(x, OPT, ref, REF_LEN)

/* Ends one of the token's user's sessions: the one sid names, or without a
 * sid the token's own (a logout).  The answer hands the session's grant (the
 * box sealed by authd, or a legacy 16-byte handle; empty: none) back for
 * revocation at the provider, and says whether the ended session was the
 * token's own.  ST_NOTFOUND: the token's session is unknown; ST_DENIED: sid
 * is not a live session of the token's user. */
#define Q_STORE_SESSION_REVOKE(F, x)					\
	F(x, BYTES, token, TOKEN_LEN)					\
	F(x, OPT, sid, SID_LEN)
#define A_STORE_SESSION_REVOKE(F, x)					\
	F(x, BLOB, grant, MAX_GRANT)					\
	F(x, U8, own, 0)						\
	F(x, STR, user_id, MAX_USERID)

/* A pending pairing for a CLI's paircode; client is the requester's address. */
#define Q_STORE_PAIR_CREATE(F, x)					\
	F(x, STR, paircode, PAIRCODE_MAX)				\
	F(x, STR, label, MAX_LABEL)					\
	F(x, STR, client, MAX_CLIENT)
#define A_STORE_PAIR_CREATE(F, x)					\
	F(x, BYTES, ref, REF_LEN)					\
	F(x, STR, user_code, USER_CODE_LEN)				\
	F(x, U32, expires_in, 0)					\
	F(x, U32, interval, 0)

/* What the approval page shows about a pending pairing, and, given the
 * browser's session token, who is looking (signed_in 0: no live session). */
#define Q_STORE_PAIR_INFO(F, x)						\
	F(x, BYTES, ref, REF_LEN)					\
	F(x, OPT, token, TOKEN_LEN)
#define A_STORE_PAIR_INFO(F, x)						\
	F(x, STR, user_code, USER_CODE_LEN)				\
	F(x, U32, expires_in, 0)					\
	F(x, STR, label, MAX_LABEL)					\
	F(x, STR, client, MAX_CLIENT)					\
	F(x, U64, created, 0)						\
	F(x, U8, signed_in, 0)						\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, STR, name, MAX_NAME)

/* A signed-in user denies a pending pairing (approve must be 0: approving
 * takes STORE_PAIR_APPROVE and a proof). */
#define Q_STORE_PAIR_DECIDE(F, x)					\
	F(x, BYTES, token, TOKEN_LEN)					\
	F(x, BYTES, ref, REF_LEN)					\
	F(x, U8, approve, 0)
#define A_STORE_PAIR_DECIDE(F, x)					\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, STR, name, MAX_NAME)

/* The CLI's poll: status ST_PENDING, ST_SLOW_DOWN, ST_EXPIRED, ST_DENIED,
 * or ST_OK with the new CLI session's token. */
#define Q_STORE_PAIR_TAKE(F, x)						\
	F(x, STR, paircode, PAIRCODE_MAX)
#define A_STORE_PAIR_TAKE(F, x)						\
	F(x, BYTES, token, TOKEN_LEN)					\
	F(x, STR, user_id, MAX_USERID)

/* Approves the pairing named in an authd proof (PURPOSE_CLI, its ref), or
 * denies it (PURPOSE_CLI_REFUSED: the account is not allowed). */
#define Q_STORE_PAIR_APPROVE(F, x)					\
	F(x, BLOB, proof, MAX_PROOF)
#define A_STORE_PAIR_APPROVE(F, x)

/* Ends every session of the user an authd proof names (PURPOSE_LOGOUT: a
 * verified back-channel logout), web and command-line, in one transaction.
 * revoked: how many live ones ended (0 is not an error).  The proof's nonce
 * is spent once: a replay is answered ST_DENIED and ends nothing. */
#define Q_STORE_LOGOUT(F, x)						\
	F(x, BLOB, proof, MAX_PROOF)
#define A_STORE_LOGOUT(F, x)						\
	F(x, U32, revoked, 0)

/* Everything a signed-in page shows, in one request: the token's session,
 * its user, the user's count and session totals, and a bounded list of the
 * user's live sessions, newest first within each kind.  list PAGE_HOME: up to
 * PAGE_CLI_SHOWN command-line sessions (the counter page); PAGE_ALL: up to
 * MAX_SESSIONS_LISTED / 2 of each kind, web ones first (the sessions page).
 * Its cost does not grow with the user's number of sessions.  The totals
 * count sessions until they end or the expiry sweep removes them. */
#define Q_STORE_PAGE(F, x)						\
	F(x, BYTES, token, TOKEN_LEN)					\
	F(x, U8, list, 0)		/* enum page_list */
#define A_STORE_PAGE(F, x)						\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, STR, name, MAX_NAME)					\
	F(x, U64, counter, 0)						\
	F(x, U8, kind, 0)		/* enum session_kind */		\
	F(x, BYTES, sid, SID_LEN)					\
	F(x, U32, web_sessions, 0)					\
	F(x, U32, cli_sessions, 0)					\
	F(x, LIST, sessions, MAX_SESSIONS_LISTED, session_item)

/* How many providers are ready. */
#define Q_AUTH_PING(F, x)
#define A_AUTH_PING(F, x)						\
	F(x, U32, providers, 0)

#define Q_AUTH_PROVIDERS(F, x)
#define A_AUTH_PROVIDERS(F, x)						\
	F(x, LIST, providers, MAX_PROVIDERS_LISTED, provider_item)

/* Starts a login: the provider's authorize URL, and the pending login
 * sealed for the pre-login cookie (binding, 1..BINDING_MAX bytes). */
#define Q_AUTH_LOGIN_START(F, x)					\
	F(x, STR, provider, MAX_PROVIDER)				\
	F(x, U8, purpose, 0)		/* enum login_purpose */	\
	F(x, OPT, ref, REF_LEN)		/* the pairing, for PURPOSE_CLI */
#define A_AUTH_LOGIN_START(F, x)					\
	F(x, STR, authorize_url, MAX_URL)				\
	F(x, BLOB, binding, BINDING_MAX)

/* Finishes a login from the provider's callback: callback is the provider
 * named in the callback path ("" for /auth_redirect), iss the response's iss
 * parameter ("" when absent).  The answer's proof is for the store.
 * allowed 0: [access] refuses the account user_id/name: the proof is then
 * empty (PURPOSE_WEB) or a PURPOSE_CLI_REFUSED proof that denies the
 * pairing; no session may follow. */
#define Q_AUTH_LOGIN_FINISH(F, x)					\
	F(x, STR, state, MAX_STATE)					\
	F(x, STR, code, MAX_CODE)					\
	F(x, BLOB, binding, BINDING_MAX)				\
	F(x, STR, client, MAX_CLIENT)					\
	F(x, STR, callback, MAX_PROVIDER)				\
	F(x, STR, iss, MAX_ISS)
#define A_AUTH_LOGIN_FINISH(F, x)					\
	F(x, BLOB, proof, MAX_PROOF)					\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, STR, name, MAX_NAME)					\
	F(x, U8, allowed, 0)

/* Revokes a grant at its provider: grant is the sealed box of a login proof
 * (any authd node sharing grant.key opens it; it must name user_id, the user
 * of the session it came from), or a legacy 16-byte handle of a grant file
 * in this node's state_dir.  Status ST_OK, ST_UNSUPPORTED, ST_NOTFOUND (does
 * not open, another user, unknown handle), ST_PROVIDER_ERROR or ST_TIMEOUT. */
#define Q_AUTH_REVOKE(F, x)						\
	F(x, BLOB, grant, MAX_GRANT)					\
	F(x, STR, user_id, MAX_USERID)
#define A_AUTH_REVOKE(F, x)

/* An OpenID Connect back-channel logout_token POSTed to the frontend's
 * /backchannel_logout/{provider}: authd verifies it (JWKS signature, iss,
 * aud, iat, events, no nonce, jti once) and answers a PURPOSE_LOGOUT proof
 * for STORE_LOGOUT naming the user.  ST_INVALID: the token is refused;
 * ST_NOTFOUND: no such provider or back-channel logout is off for it;
 * ST_BUSY, ST_TIMEOUT, ST_PROVIDER_ERROR: the keys could not be had. */
#define Q_AUTH_BACKCHANNEL(F, x)					\
	F(x, STR, provider, MAX_PROVIDER)				\
	F(x, STR, logout_token, MAX_LOGOUT_TOKEN)			\
	F(x, STR, client, MAX_CLIENT)
#define A_AUTH_BACKCHANNEL(F, x)					\
	F(x, BLOB, proof, MAX_PROOF)					\
	F(x, STR, user_id, MAX_USERID)

/* Named field groups: LIST items, the signed body of a login proof, and the
 * store's LMDB records (each starting with its version). */
#define LAYOUT_TABLE(L)							\
	L(session_item)							\
	L(provider_item)						\
	L(proof)							\
	L(user_rec)							\
	L(user_rec_v2)							\
	L(user_rec_v1)							\
	L(session_rec)							\
	L(session_rec_v1)						\
	L(pair_rec)							\
	L(pair_rec_v1)

#define L_session_item(F, x)						\
	F(x, BYTES, sid, SID_LEN)					\
	F(x, U8, kind, 0)						\
	F(x, STR, label, MAX_LABEL)					\
	F(x, U64, created, 0)						\
	F(x, U64, last_seen, 0)						\
	F(x, U64, expires, 0)						\
	F(x, U8, current, 0)		/* 1: the asking session */

#define L_provider_item(F, x)						\
	F(x, STR, name, MAX_PROVIDER)					\
	F(x, STR, display, MAX_NAME)					\
	F(x, U8, ready, 0)

/* What authd signs (crypto_sign, combined mode) and the store verifies.
 * The nonce is derived from the login's state (one login, one nonce, on
 * every authd node); the store keeps it spent until nonce_until (the login's
 * own expiry) or expires, whichever is later.  grant: the sealed box. */
#define L_proof(F, x)							\
	F(x, U8, version, 0)						\
	F(x, U8, purpose, 0)		/* enum login_purpose */	\
	F(x, U64, expires, 0)		/* unix seconds */		\
	F(x, BYTES, nonce, PROOF_NONCE_LEN)	/* spent once by the store */	\
	F(x, U64, nonce_until, 0)	/* unix seconds */		\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, STR, name, MAX_NAME)					\
	F(x, BLOB, grant, MAX_GRANT)					\
	F(x, OPT, ref, REF_LEN)		/* PURPOSE_CLI*: the pairing */	\
	F(x, STR, email, MAX_EMAIL)	/* verified, or "" */

/* users: user_id -> (version 3: with the counts of the user's sessions,
 * expired ones included until the sweep removes them, and the verified
 * e-mail address of the latest sign-in, "" when none) */
#define L_user_rec(F, x)						\
	F(x, U8, version, 0)						\
	F(x, STR, name, MAX_NAME)					\
	F(x, U64, created, 0)						\
	F(x, U64, counter, 0)						\
	F(x, U32, web_sessions, 0)					\
	F(x, U32, cli_sessions, 0)					\
	F(x, STR, email, MAX_EMAIL)

/* users, version 2 (schema 3): read once, by the upgrade */
#define L_user_rec_v2(F, x)						\
	F(x, U8, version, 0)						\
	F(x, STR, name, MAX_NAME)					\
	F(x, U64, created, 0)						\
	F(x, U64, counter, 0)						\
	F(x, U32, web_sessions, 0)					\
	F(x, U32, cli_sessions, 0)

/* users, version 1 (databases of schema 1): read once, by the upgrade */
#define L_user_rec_v1(F, x)						\
	F(x, U8, version, 0)						\
	F(x, STR, name, MAX_NAME)					\
	F(x, U64, created, 0)						\
	F(x, U64, counter, 0)

/* sessions: BLAKE2b(token) -> (version 2: grant is authd's sealed box, or
 * a 16-byte handle carried over from version 1) */
#define L_session_rec(F, x)						\
	F(x, U8, version, 0)						\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, U8, kind, 0)						\
	F(x, STR, label, MAX_LABEL)					\
	F(x, U64, created, 0)						\
	F(x, U64, last_seen, 0)						\
	F(x, U64, expires, 0)						\
	F(x, BLOB, grant, MAX_GRANT)					\
	F(x, BYTES, sid, SID_LEN)

/* sessions, version 1 (schema 2): read once, by the upgrade */
#define L_session_rec_v1(F, x)						\
	F(x, U8, version, 0)						\
	F(x, STR, user_id, MAX_USERID)					\
	F(x, U8, kind, 0)						\
	F(x, STR, label, MAX_LABEL)					\
	F(x, U64, created, 0)						\
	F(x, U64, last_seen, 0)						\
	F(x, U64, expires, 0)						\
	F(x, OPT, grant, GRANT_HANDLE_LEN)				\
	F(x, BYTES, sid, SID_LEN)

/* pairs: BLAKE2b(paircode) -> (version 2: grant as in sessions) */
#define L_pair_rec(F, x)						\
	F(x, U8, version, 0)						\
	F(x, U8, state, 0)		/* enum pair_state */		\
	F(x, STR, user_code, USER_CODE_LEN)				\
	F(x, BYTES, ref, REF_LEN)					\
	F(x, STR, label, MAX_LABEL)					\
	F(x, U64, expires, 0)						\
	F(x, STR, user_id, MAX_USERID)	/* "" until approved */		\
	F(x, U64, last_poll_ms, 0)					\
	F(x, STR, client, MAX_CLIENT)					\
	F(x, U64, created, 0)						\
	F(x, BLOB, grant, MAX_GRANT)

/* pairs, version 1 (schema 2): read once, by the upgrade */
#define L_pair_rec_v1(F, x)						\
	F(x, U8, version, 0)						\
	F(x, U8, state, 0)		/* enum pair_state */		\
	F(x, STR, user_code, USER_CODE_LEN)				\
	F(x, BYTES, ref, REF_LEN)					\
	F(x, STR, label, MAX_LABEL)					\
	F(x, U64, expires, 0)						\
	F(x, STR, user_id, MAX_USERID)	/* "" until approved */		\
	F(x, U64, last_poll_ms, 0)					\
	F(x, STR, client, MAX_CLIENT)					\
	F(x, U64, created, 0)						\
	F(x, OPT, grant, GRANT_HANDLE_LEN)

#endif
