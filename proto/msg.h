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
 * Each message's fields are declared once, in msgtab.h; the structs below
 * are generated from it and msg.c encodes and decodes them.  After the last
 * field the reader must be at the end (trailing bytes = error).  Bump
 * PROTO_VERSION whenever a message's layout changes.
 */
#ifndef AIRLOCK_MSG_H
#define AIRLOCK_MSG_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		4
#define MSG_HDR_LEN		12
#define MSG_MAX_PAYLOAD		16384

#define TOKEN_LEN		32	/* session token, raw bytes (cookie: base64url, 43 chars) */
#define SID_LEN			16	/* public session id (listing / revoke) */
#define REF_LEN			16	/* single-use pairing reference seen by the browser */
#define MAX_GRANT		3072	/* authd's sealed provider grant (grant.h) */
#define GRANT_HANDLE_LEN	16	/* before schema 3: a handle of a grant file in authd's state_dir */
#define BINDING_MAX		256	/* pre-login cookie value: authd's sealed pending login */
#define MAX_USERID		200	/* "provider:subject" */
#define MAX_NAME		200	/* display name */
#define MAX_LABEL		64	/* session label ("cli on host", user agent summary) */
#define MAX_PROVIDER		32	/* provider name as used in URLs [a-z0-9_-] */
#define MAX_URL			4096
#define MAX_PROOF		4096	/* a signed proof carries a sealed grant */
#define PAIRCODE_MIN		22
#define PAIRCODE_MAX		128
#define USER_CODE_LEN		9	/* "WDJB-MJHT" */
#define MAX_SESSIONS_LISTED	50
#define PAGE_CLI_SHOWN		5	/* command-line sessions on the counter page */
#define MAX_CLIENT		46	/* requester's address as text (INET6_ADDRSTRLEN) */

#define PROOF_NONCE_LEN		16	/* a login proof's single-use nonce */
#define MAX_PROVIDERS		32	/* providers one authd serves */
#define MAX_PROVIDERS_LISTED	16	/* the first ones, in AUTH_PROVIDERS (shown on pages) */
#define MAX_STATE		4096	/* state as received back (ours are 43 chars) */
#define MAX_CODE		8192	/* authorization code */
#define MAX_ISS			1024	/* iss of the authorization response (RFC 9207) */
#define MAX_EMAIL		254	/* a verified e-mail address (RFC 5321 path limit) */
#define MAX_LOGOUT_TOKEN	8192	/* an OpenID back-channel logout_token (a JWS) */

#include "msgtab.h"

/* MSG_<NAME> (request, even) and MSG_<NAME>_R (its answer), from msgtab.h. */
#define MSG_ENUM_(NAME, name, num)	MSG_##NAME = num, MSG_##NAME##_R = num + 1,
enum msg_type {
	MSG_TABLE(MSG_ENUM_)
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
	ST_UNAVAILABLE,		/* the store's database cannot be reached: nothing was done */
	ST_MAX
};

enum session_kind { KIND_WEB = 1, KIND_CLI = 2 };
enum page_list { PAGE_HOME = 0, PAGE_ALL = 1 };	/* STORE_PAGE's list */
/* What a proof is for.  PURPOSE_CLI: a login to approve a pairing (ref);
 * PURPOSE_CLI_REFUSED: a login to approve a pairing by an account [access]
 * refuses: the store denies that pairing (ref), nothing else; PURPOSE_LOGOUT:
 * a verified back-channel logout: the store ends every session of user_id. */
enum login_purpose {
	PURPOSE_WEB = 1,
	PURPOSE_CLI = 2,
	PURPOSE_CLI_REFUSED = 3,
	PURPOSE_LOGOUT = 4,
};

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

/* Generated structs: struct <layout>, struct msg_<name> (request) and
 * struct msg_<name>_r (the answer's fields after its status). */
#define MSG_FIELD_(x, kind, name, ...)	MSG_FIELD_##kind(name, __VA_ARGS__)
#define MSG_FIELD_U8(n, b)		uint8_t n;
#define MSG_FIELD_U32(n, b)		uint32_t n;
#define MSG_FIELD_U64(n, b)		uint64_t n;
#define MSG_FIELD_STR(n, b)		char n[(b) + 1];
#define MSG_FIELD_BYTES(n, b)		uint8_t n[b];
#define MSG_FIELD_BLOB(n, b)		uint8_t n[b]; size_t n##_len;
#define MSG_FIELD_OPT(n, b)		uint8_t n[b]; size_t n##_len;
#define MSG_FIELD_LIST(n, b, layout)	uint32_t n##_n; struct layout n[b];

#define MSG_LAYOUT_STRUCT_(layout)	struct layout { L_##layout(MSG_FIELD_, _) };
LAYOUT_TABLE(MSG_LAYOUT_STRUCT_)
#define MSG_STRUCTS_(NAME, name, num)					\
	struct msg_##name { Q_##NAME(MSG_FIELD_, _) };			\
	struct msg_##name##_r { A_##NAME(MSG_FIELD_, _) };
MSG_TABLE(MSG_STRUCTS_)

/* Every request, as the IPC server decodes it before calling a handler. */
#define MSG_UNION_(NAME, name, num)	struct msg_##name name;
union msg_request {
	MSG_TABLE(MSG_UNION_)
};

/* The field table of one struct (msg.c). */
struct msg_field;
struct msg_fields {
	const struct msg_field	*f;		/* ends with kind 0 */
	size_t			 size;		/* sizeof the struct */
};
struct msg_def {
	uint16_t		 type;		/* the request's type */
	const char		*name;		/* "STORE_SESSION_GET" */
	struct msg_fields	 req, ans;
};

/* The message whose request or answer has this type, or NULL. */
const struct msg_def *msg_def(uint16_t type);
/* Builds a whole request frame from struct msg_<name>.  0, or -1 when a
 * field is out of its bounds or the type is unknown. */
int	msg_request(struct mbuf *, uint16_t type, uint32_t id, const void *req);
/* Decodes a request payload into struct msg_<name>: every bound checked,
 * the reader must end exactly at the payload's end.  Every field is written
 * (a LIST's items up to its count); on failure the struct is zeroed. */
int	msg_read_request(struct mreader *, uint16_t type, void *req);
/* Builds the answer to req: the status, then ans's fields when status is
 * ST_OK (ans may be NULL otherwise, or when the answer has no fields). */
int	msg_answer(struct mbuf *, const struct msg_hdr *req, uint8_t status, const void *ans);
/* Decodes an answer payload to a req_type request: the status into *status,
 * then, when it is ST_OK, the fields into ans, as msg_read_request does (ans
 * is zeroed for any other status, and may be NULL when the answer has no
 * fields). */
int	msg_read_answer(struct mreader *, uint16_t req_type, uint8_t *status, void *ans);

/* Layouts: msg_layout_<name> describes struct <name>. */
#define MSG_LAYOUT_DECL_(layout)	extern const struct msg_fields msg_layout_##layout;
LAYOUT_TABLE(MSG_LAYOUT_DECL_)
/* Appends / reads the fields of one layout (no header, no status). */
void	msg_pack(struct mbuf *, const struct msg_fields *, const void *);
void	msg_unpack(struct mreader *, const struct msg_fields *, void *);

#endif
