/*
 * The one IPC protocol between airlock processes.
 *
 * A frame is a 12-byte header followed by at most MSG_MAX_PAYLOAD bytes:
 *	u32 len (payload bytes), u16 version, u16 type, u32 id	(all big-endian)
 * Requests have even types, their answer is type + 1 and echoes the request id,
 * so many requests can be in flight on one connection.  Every answer's payload
 * starts with a u8 status (enum msg_status); the fields after it listed below
 * are present only when status is ST_OK unless stated otherwise.
 *
 * Fields: u8, u32, u64 (big-endian); str = u16 length + bytes (no NUL inside,
 * bounded per field); bytesN = exactly N raw bytes; blob = u16 length + bytes.
 * After the last field the reader must be at the end (trailing bytes = error).
 * Bump PROTO_VERSION whenever this enum or a layout changes.
 */
#ifndef AIRLOCK_MSG_H
#define AIRLOCK_MSG_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		1
#define MSG_HDR_LEN		12
#define MSG_MAX_PAYLOAD		16384

#define TOKEN_LEN		32	/* session token, raw bytes (cookie: base64url, 43 chars) */
#define SID_LEN			16	/* public session id (listing / revoke) */
#define REF_LEN			16	/* single-use pairing reference seen by the browser */
#define GRANT_LEN		16	/* authd's handle for a stored provider grant */
#define BINDING_MAX		256	/* pre-login cookie value: authd's sealed pending login */
#define MAX_USERID		200	/* "provider:subject" */
#define MAX_NAME		200	/* display name */
#define MAX_LABEL		64	/* session label ("cli on host", user agent summary) */
#define MAX_PROVIDER		32	/* provider name as used in URLs [a-z0-9_-] */
#define MAX_URL			4096
#define MAX_PROOF		1024
#define PAIRCODE_MIN		22
#define PAIRCODE_MAX		128
#define USER_CODE_LEN		9	/* "WDJB-MJHT" */
#define MAX_SESSIONS_LISTED	50
#define MAX_CLIENT		46	/* requester's address as text (INET6_ADDRSTRLEN) */

enum msg_type {
	/* frontend -> store */
	MSG_STORE_PING = 100,		/* -> status, u64 users, u64 sessions, u32 pending paircodes */
	MSG_STORE_PING_R,
	MSG_STORE_SESSION_GET = 102,	/* bytes32 token -> status, str user_id, str name, u64 counter,
					   u8 kind, bytes16 sid */
	MSG_STORE_SESSION_GET_R,
	MSG_STORE_INCREMENT = 104,	/* bytes32 token -> status, u64 counter (durable when answered) */
	MSG_STORE_INCREMENT_R,
	MSG_STORE_SESSION_CREATE = 106,	/* blob proof, u8 kind, str label -> status, bytes32 token,
					   str user_id, str name, u8 purpose, blob ref (0 or REF_LEN) */
	MSG_STORE_SESSION_CREATE_R,
	MSG_STORE_SESSION_LIST = 108,	/* bytes32 token -> status, u32 n, n x { bytes16 sid, u8 kind,
					   str label, u64 created, u64 last_seen, u64 expires, u8 current } */
	MSG_STORE_SESSION_LIST_R,
	MSG_STORE_SESSION_REVOKE = 110,	/* bytes32 token, bytes16 sid -> status, blob grant (0 or GRANT_LEN)
					   (revoking one's own sid is a logout) */
	MSG_STORE_SESSION_REVOKE_R,
	MSG_STORE_PAIR_CREATE = 112,	/* str paircode, str label, str client (requester's address)
					   -> status, bytes16 ref, str user_code, u32 expires_in,
					   u32 interval */
	MSG_STORE_PAIR_CREATE_R,
	MSG_STORE_PAIR_INFO = 114,	/* bytes16 ref -> status, str user_code, u32 expires_in,
					   str label, str client, u64 created */
	MSG_STORE_PAIR_INFO_R,
	MSG_STORE_PAIR_DECIDE = 116,	/* bytes32 token (web session), bytes16 ref, u8 approve (only 0:
					   deny; approving takes PAIR_APPROVE) -> status */
	MSG_STORE_PAIR_DECIDE_R,
	MSG_STORE_PAIR_TAKE = 118,	/* str paircode -> status (ST_PENDING, ST_SLOW_DOWN, ST_EXPIRED,
					   ST_DENIED, ST_OK), then if ST_OK: bytes32 token, str user_id */
	MSG_STORE_PAIR_TAKE_R,
	MSG_STORE_PAIR_APPROVE = 120,	/* blob proof (PURPOSE_CLI, ref = the pending pairing's)
					   -> status */
	MSG_STORE_PAIR_APPROVE_R,

	/* frontend -> authd */
	MSG_AUTH_PING = 200,		/* -> status, u32 providers ready */
	MSG_AUTH_PING_R,
	MSG_AUTH_PROVIDERS = 202,	/* -> status, u32 n, n x { str name, str display_name, u8 ready } */
	MSG_AUTH_PROVIDERS_R,
	MSG_AUTH_LOGIN_START = 204,	/* str provider, u8 purpose, blob ref (0 or REF_LEN)
					   -> status, str authorize_url, blob binding (1..BINDING_MAX) */
	MSG_AUTH_LOGIN_START_R,
	MSG_AUTH_LOGIN_FINISH = 206,	/* str state, str code, blob binding (0..BINDING_MAX),
					   str client (address), str callback (provider named in the
					   callback path, "" for /auth_redirect), str iss ("" absent)
					   -> status, blob proof, str user_id, str name */
	MSG_AUTH_LOGIN_FINISH_R,
	MSG_AUTH_REVOKE = 208,		/* bytes16 grant -> status (ST_OK, ST_UNSUPPORTED, ST_NOTFOUND,
					   ST_PROVIDER_ERROR, ST_TIMEOUT) */
	MSG_AUTH_REVOKE_R,
};

enum msg_status {
	ST_OK = 0,
	ST_INVALID,		/* malformed field values (the frame itself parsed) */
	ST_NOTFOUND,		/* no such / invalid / revoked session, paircode, state */
	ST_EXPIRED,
	ST_DENIED,		/* user denied, or provider answered access_denied */
	ST_PENDING,
	ST_SLOW_DOWN,
	ST_BUSY,		/* bounded table full (pending paircodes, logins in flight) */
	ST_FULL,		/* storage full (MDB_MAP_FULL, ENOSPC): nothing was written */
	ST_UNSUPPORTED,		/* provider has no revocation */
	ST_PROVIDER_ERROR,	/* provider answered an error or garbage */
	ST_TIMEOUT,
	ST_INTERNAL,
	ST_MAX
};

enum session_kind { KIND_WEB = 1, KIND_CLI = 2 };
enum login_purpose { PURPOSE_WEB = 1, PURPOSE_CLI = 2 };	/* CLI: login to approve a pairing */

struct msg_hdr {
	uint32_t	len;
	uint16_t	version;
	uint16_t	type;
	uint32_t	id;
};

/* Writer: fixed buffer, errors are sticky and reported by m_finish(). */
struct mbuf {
	uint8_t		data[MSG_HDR_LEN + MSG_MAX_PAYLOAD];
	size_t		len;
	int		err;
};

void	m_init(struct mbuf *, uint16_t type, uint32_t id);
void	m_add_u8(struct mbuf *, uint8_t);
void	m_add_u32(struct mbuf *, uint32_t);
void	m_add_u64(struct mbuf *, uint64_t);
void	m_add_str(struct mbuf *, const char *, size_t maxlen);
void	m_add_bytes(struct mbuf *, const void *, size_t);	/* fixed size, no length */
void	m_add_blob(struct mbuf *, const void *, size_t);	/* u16 length + bytes */
int	m_finish(struct mbuf *);	/* writes the header length; -1 if any add failed */
/* Answer helper: m_init(type + 1, id) and the status byte. */
void	m_reply(struct mbuf *, const struct msg_hdr *req, uint8_t status);

/* Reader over one payload: errors are sticky, m_end() reports them. */
struct mreader {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 err;
};

void	 m_reader(struct mreader *, const uint8_t *payload, size_t len);
uint8_t	 m_get_u8(struct mreader *);
uint32_t m_get_u32(struct mreader *);
uint64_t m_get_u64(struct mreader *);
/* Copies a string of at most maxlen bytes (dst must hold maxlen + 1), NUL-terminates it;
 * embedded NULs and control characters are errors. */
void	 m_get_str(struct mreader *, char *dst, size_t maxlen);
void	 m_get_bytes(struct mreader *, void *dst, size_t n);
/* Blob of at most max bytes; *outlen receives its size. */
void	 m_get_blob(struct mreader *, void *dst, size_t max, size_t *outlen);
/* 0 when every get succeeded and no byte is left over, -1 otherwise. */
int	 m_end(struct mreader *);

/* Header: parse and check version and length bound; -1 on a bad header. */
int	 msg_hdr_parse(const uint8_t *buf, struct msg_hdr *);
const char *msg_type_name(uint16_t type);
const char *msg_status_name(uint8_t status);

#endif
