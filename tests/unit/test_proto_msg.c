/* The message codec against the documented wire layouts (round trips,
 * truncation, trailing bytes, bounds, random mutations); login proofs; b64. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "b64.h"
#include "check.h"
#include "msg.h"
#include "proof.h"

/*
 * The wire layout of every message, written independently of msgtab.h:
 * b = u8, w = u32, q = u64, s = str, t = bytes32 (token), i = bytes16 (sid,
 * ref, nonce), B = blob (1..64 bytes here; a sealed grant is one), o = blob of
 * 0 or 16 bytes,
 * T = blob of 0 or 32 bytes (an optional token),
 * L(...) = u32 count then that many items.  Requests, then answers (after the
 * status byte, which the test adds).  A change to the table that moves a byte
 * on the wire fails here.
 */
static const struct layout {
	uint16_t	 type;
	const char	*req, *ans;
} layouts[] = {
	{ MSG_STORE_PING, "", "qqw" },
	{ MSG_STORE_SESSION_GET, "t", "ssqbis" },
	{ MSG_STORE_INCREMENT, "t", "q" },
	{ MSG_STORE_SESSION_CREATE, "Bbs", "tssbo" },
	{ MSG_STORE_SESSION_REVOKE, "to", "Bbs" },
	{ MSG_STORE_PAIR_CREATE, "sss", "isww" },
	{ MSG_STORE_PAIR_INFO, "iT", "swssqbss" },
	{ MSG_STORE_PAIR_DECIDE, "tib", "ss" },
	{ MSG_STORE_PAIR_TAKE, "s", "ts" },
	{ MSG_STORE_PAIR_APPROVE, "B", "" },
	{ MSG_STORE_PAGE, "tb", "ssqbiwwL(ibsqqqb)" },
	{ MSG_STORE_LOGOUT, "B", "w" },
	{ MSG_AUTH_PING, "", "w" },
	{ MSG_AUTH_PROVIDERS, "", "L(ssb)" },
	{ MSG_AUTH_LOGIN_START, "sbo", "sB" },
	{ MSG_AUTH_LOGIN_FINISH, "ssBsss", "Bssb" },
	{ MSG_AUTH_REVOKE, "Bs", "" },
	{ MSG_AUTH_BACKCHANNEL, "sss", "Bs" },
};

/* Appends random valid values for the codes in f (up to a ')' or the end),
 * with primitives only. */
static void
put_random(struct mbuf *m, const char *f)
{
	uint8_t		bytes[64];
	char		str[10];
	size_t		n, i;
	uint32_t	count;

	for (; *f != '\0' && *f != ')'; f++) {
		n = randombytes_uniform(10);
		switch (*f) {
		case 'b': m_add_u8(m, randombytes_random()); break;
		case 'w': m_add_u32(m, randombytes_random()); break;
		case 'q': m_add_u64(m, ((uint64_t)randombytes_random() << 32) | randombytes_random()); break;
		case 's':
			for (i = 0; i < n; i++)
				str[i] = 'a' + randombytes_uniform(26);
			str[n] = '\0';
			m_add_str(m, str, 9);
			break;
		case 't': randombytes_buf(bytes, 32); m_add_bytes(m, bytes, 32); break;
		case 'i': randombytes_buf(bytes, 16); m_add_bytes(m, bytes, 16); break;
		case 'B': randombytes_buf(bytes, 64); m_add_blob(m, bytes, 1 + randombytes_uniform(64)); break;
		case 'o': randombytes_buf(bytes, 16); m_add_blob(m, bytes, n < 5 ? 0 : 16); break;
		case 'T': randombytes_buf(bytes, 32); m_add_blob(m, bytes, n < 5 ? 0 : 32); break;
		case 'L':
			count = randombytes_uniform(4);
			m_add_u32(m, count);
			f += 2;		/* "L(" */
			for (i = 0; i < count; i++)
				put_random(m, f);
			f = strchr(f, ')');
			break;
		}
	}
}

/* Decodes a request or answer payload with the codec and encodes it again:
 * 0 when both worked and gave back exactly the same bytes, 1 when it did not
 * decode, -1 when it decoded but encoded to other bytes. */
static int
codec_round(uint16_t type, const uint8_t *payload, size_t len, uint8_t *status)
{
	static union { union msg_request q; struct msg_store_page_r l;
	    struct msg_auth_providers_r p; struct msg_auth_login_start_r s; } v;
	struct mreader	r;
	struct mbuf	m;
	struct msg_hdr	h = { 0, PROTO_VERSION, type & ~1u, 42 };

	m_reader(&r, payload, len);
	if (type & 1) {
		if (msg_read_answer(&r, type & ~1u, status, &v) == -1)
			return 1;
		if (msg_answer(&m, &h, *status, &v) == -1)
			return -1;
	} else {
		if (msg_read_request(&r, type, &v) == -1)
			return 1;
		if (msg_request(&m, type, 42, &v) == -1)
			return -1;
	}
	return m.len - MSG_HDR_LEN == len && memcmp(m.data + MSG_HDR_LEN, payload, len) == 0 ? 0 : -1;
}

static void
test_layout(uint16_t type, const char *fields)
{
	static uint8_t	 copy[MSG_MAX_PAYLOAD + 1];
	struct mbuf	 m;
	struct msg_hdr	 h;
	uint8_t		 st;
	size_t		 cut, bad_cuts = 0, k, good = 0;
	const char	*what = msg_type_name(type), *dir = (type & 1) ? " answer" : "";

	for (k = 0; k < 200; k++) {
		m_init(&m, type, 0x01020304);
		if (type & 1)
			m_add_u8(&m, ST_OK);
		put_random(&m, fields);
		if (m_finish(&m) == -1 || msg_hdr_parse(m.data, &h) == -1)
			break;
		good += codec_round(type, m.data + MSG_HDR_LEN, h.len, &st) == 0;
	}
	CHECK(good == 200, "%s%s: the codec decodes the documented layout and encodes the same bytes (%zu/200)",
	    what, dir, good);

	/* Every strict prefix of the payload must be rejected. */
	for (cut = 0; cut < h.len; cut++)
		bad_cuts += codec_round(type, m.data + MSG_HDR_LEN, cut, &st) != 1;
	CHECK(bad_cuts == 0, "%s%s: all %u truncations rejected", what, dir, h.len);

	memcpy(copy, m.data + MSG_HDR_LEN, h.len);
	copy[h.len] = 0;
	CHECK(codec_round(type, copy, h.len + 1, &st) == 1, "%s%s: trailing byte rejected", what, dir);
}

/* Encodes with the codec and compares with the same values written field by
 * field in the documented order (a swap of two fields round-trips, so only
 * known values catch it). */
static int
same_bytes(const struct mbuf *codec, const struct mbuf *by_hand)
{
	return codec->len == by_hand->len && memcmp(codec->data, by_hand->data, codec->len) == 0;
}

static void
test_field_order(void)
{
	struct msg_hdr			 h = { 0, PROTO_VERSION, MSG_STORE_SESSION_GET, 7 };
	struct msg_store_session_get_r	 g = { "oidc:alice", "Alice", 41, KIND_CLI, "0123456789abcdef",
	    "alice@example.org" };
	struct msg_store_pair_info_r	 pi = { "BCDF-GHJK", 300, "cli on host", "127.0.0.2", 1700000000,
	    1, "oidc:bob", "Bob" };
	struct msg_auth_login_finish	 f = { "st", "co", "bind", 4, "::1", "github", "https://iss" };
	static struct msg_store_page_r l;
	struct mbuf			 a, b;

	msg_answer(&a, &h, ST_OK, &g);
	m_reply(&b, &h, ST_OK);
	m_add_str(&b, "oidc:alice", 99); m_add_str(&b, "Alice", 99); m_add_u64(&b, 41);
	m_add_u8(&b, KIND_CLI); m_add_bytes(&b, "0123456789abcdef", SID_LEN);
	m_add_str(&b, "alice@example.org", 99); m_finish(&b);
	CHECK(same_bytes(&a, &b), "STORE_SESSION_GET answer: user_id, name, counter, kind, sid, email");

	h.type = MSG_STORE_PAIR_INFO;
	msg_answer(&a, &h, ST_OK, &pi);
	m_reply(&b, &h, ST_OK);
	m_add_str(&b, "BCDF-GHJK", 99); m_add_u32(&b, 300); m_add_str(&b, "cli on host", 99);
	m_add_str(&b, "127.0.0.2", 99); m_add_u64(&b, 1700000000); m_add_u8(&b, 1);
	m_add_str(&b, "oidc:bob", 99); m_add_str(&b, "Bob", 99); m_finish(&b);
	CHECK(same_bytes(&a, &b), "STORE_PAIR_INFO answer: user_code, expires_in, label, client, created, "
	    "signed_in, user_id, name");

	msg_request(&a, MSG_AUTH_LOGIN_FINISH, 3, &f);
	m_init(&b, MSG_AUTH_LOGIN_FINISH, 3);
	m_add_str(&b, "st", 99); m_add_str(&b, "co", 99); m_add_blob(&b, "bind", 4);
	m_add_str(&b, "::1", 99); m_add_str(&b, "github", 99); m_add_str(&b, "https://iss", 99);
	m_finish(&b);
	CHECK(same_bytes(&a, &b), "AUTH_LOGIN_FINISH: state, code, binding, client, callback, iss");

	strcpy(l.user_id, "oidc:alice");
	strcpy(l.name, "Alice");
	l.counter = 41;
	l.kind = KIND_WEB;
	memcpy(l.sid, "0123456789abcdef", SID_LEN);
	l.web_sessions = 7;
	l.cli_sessions = 900;
	l.sessions_n = 1;
	memcpy(l.sessions[0].sid, "fedcba9876543210", SID_LEN);
	l.sessions[0].kind = KIND_WEB;
	strcpy(l.sessions[0].label, "Firefox");
	l.sessions[0].created = 1;
	l.sessions[0].last_seen = 2;
	l.sessions[0].expires = 3;
	l.sessions[0].current = 1;
	h.type = MSG_STORE_PAGE;
	msg_answer(&a, &h, ST_OK, &l);
	m_reply(&b, &h, ST_OK);
	m_add_str(&b, "oidc:alice", 99); m_add_str(&b, "Alice", 99); m_add_u64(&b, 41);
	m_add_u8(&b, KIND_WEB); m_add_bytes(&b, "0123456789abcdef", SID_LEN);
	m_add_u32(&b, 7); m_add_u32(&b, 900);
	m_add_u32(&b, 1); m_add_bytes(&b, "fedcba9876543210", SID_LEN); m_add_u8(&b, KIND_WEB);
	m_add_str(&b, "Firefox", 99); m_add_u64(&b, 1); m_add_u64(&b, 2); m_add_u64(&b, 3);
	m_add_u8(&b, 1); m_finish(&b);
	CHECK(same_bytes(&a, &b), "STORE_PAGE answer: user_id, name, counter, kind, sid, web and CLI "
	    "totals, count, then sid, kind, label, created, last_seen, expires, current");
}

/* A refused status carries no fields; an answer's fields need ST_OK. */
static void
test_status(void)
{
	struct msg_store_session_get_r	a;
	struct msg_hdr			h = { 0, PROTO_VERSION, MSG_STORE_SESSION_GET, 9 };
	struct mbuf			m;
	struct mreader			r;
	uint8_t				st;

	CHECK(msg_answer(&m, &h, ST_NOTFOUND, NULL) == 0 && m.len == MSG_HDR_LEN + 1 &&
	    m.data[6] == 0 && m.data[7] == MSG_STORE_SESSION_GET_R && m.data[11] == 9,
	    "a refusal is the status byte alone, typed as the answer, with the request's id");
	m_reader(&r, m.data + MSG_HDR_LEN, 1);
	CHECK(msg_read_answer(&r, MSG_STORE_SESSION_GET, &st, &a) == 0 && st == ST_NOTFOUND,
	    "a refusal decodes to its status");
	CHECK(msg_answer(&m, &h, ST_OK, NULL) == -1, "ST_OK without the answer's fields is refused");
	m_init(&m, MSG_STORE_SESSION_GET_R, 9);
	m_add_u8(&m, ST_NOTFOUND);
	m_add_u8(&m, 0);
	m_finish(&m);
	m_reader(&r, m.data + MSG_HDR_LEN, 2);
	CHECK(msg_read_answer(&r, MSG_STORE_SESSION_GET, &st, &a) == -1,
	    "a refusal followed by any byte is refused");
	CHECK(msg_request(&m, 98, 1, NULL) == -1 && msg_def(98) == NULL && msg_def(300) == NULL,
	    "unknown types have no definition and encode nothing");
}

/* Field bounds, checked by the encoder and by the decoder. */
static void
test_codec_bounds(void)
{
	struct msg_store_pair_create	q;
	struct msg_store_page_r		l;
	struct msg_auth_login_start	s;
	struct msg_hdr			h = { 0, PROTO_VERSION, MSG_STORE_PAGE, 1 };
	struct mbuf			m;
	struct mreader			r;

	memset(&q, 0, sizeof(q));
	strcpy(q.paircode, "abcdefghijklmnopqrstuvwxyz");
	strcpy(q.client, "127.0.0.1");
	CHECK(msg_request(&m, MSG_STORE_PAIR_CREATE, 1, &q) == 0, "a request within its bounds encodes");
	memset(q.client, 'x', sizeof(q.client));
	CHECK(msg_request(&m, MSG_STORE_PAIR_CREATE, 1, &q) == -1,
	    "a string without its NUL within the bound is refused by the encoder");
	strcpy(q.client, "1\n2");
	CHECK(msg_request(&m, MSG_STORE_PAIR_CREATE, 1, &q) == -1,
	    "a control byte in a string is refused by the encoder");

	memset(&s, 0, sizeof(s));
	strcpy(s.provider, "github");
	s.ref_len = 5;
	CHECK(msg_request(&m, MSG_AUTH_LOGIN_START, 1, &s) == -1,
	    "an OPT field of neither 0 nor its size is refused by the encoder");
	m_init(&m, MSG_AUTH_LOGIN_START, 1);
	m_add_str(&m, "github", MAX_PROVIDER);
	m_add_u8(&m, PURPOSE_CLI);
	m_add_blob(&m, "12345", 5);
	m_finish(&m);
	m_reader(&r, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
	CHECK(msg_read_request(&r, MSG_AUTH_LOGIN_START, &s) == -1,
	    "an OPT field of neither 0 nor its size is refused by the decoder");

	memset(&l, 0, sizeof(l));
	l.sessions_n = MAX_SESSIONS_LISTED + 1;
	CHECK(msg_answer(&m, &h, ST_OK, &l) == -1, "a LIST over its bound is refused by the encoder");
	m_init(&m, MSG_STORE_PAGE_R, 1);
	m_add_u8(&m, ST_OK);
	m_add_str(&m, "u", MAX_USERID); m_add_str(&m, "n", MAX_NAME); m_add_u64(&m, 0);
	m_add_u8(&m, KIND_WEB); m_add_bytes(&m, "0123456789abcdef", SID_LEN);
	m_add_u32(&m, 0); m_add_u32(&m, 0);
	m_add_u32(&m, MAX_SESSIONS_LISTED + 1);
	m_finish(&m);
	m_reader(&r, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
	CHECK(msg_read_answer(&r, MSG_STORE_PAGE, &(uint8_t){ 0 }, &l) == -1 &&
	    l.sessions_n == 0, "a LIST count over its bound is refused by the decoder");

	m_init(&m, MSG_STORE_PAIR_CREATE, 1);
	m_add_str(&m, "abcdefghijklmnopqrstuvwxyz", PAIRCODE_MAX);
	m_add_str(&m, "", MAX_LABEL);
	m_add_str(&m, "0123456789012345678901234567890123456789012345678", 60);	/* 49 > MAX_CLIENT */
	m_finish(&m);
	m_reader(&r, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
	CHECK(msg_read_request(&r, MSG_STORE_PAIR_CREATE, &q) == -1,
	    "a string over its field's bound is refused by the decoder");
}

static void
test_bounds(void)
{
	struct mbuf	 m;
	struct mreader	 r;
	struct msg_hdr	 h;
	char		 big[300], out[64];
	static uint8_t	 huge[MSG_MAX_PAYLOAD + 1];
	uint8_t		 nul[] = { 0, 3, 'a', 0, 'b' }, ctl[] = { 0, 2, 'a', '\n' };

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	m_init(&m, MSG_STORE_PAIR_TAKE, 1);
	m_add_str(&m, big, 128);
	CHECK(m_finish(&m) == -1, "writer refuses a string over its bound");

	m_init(&m, MSG_STORE_PAIR_TAKE, 1);
	m_add_bytes(&m, huge, sizeof(huge));
	CHECK(m_finish(&m) == -1, "writer refuses a payload over MSG_MAX_PAYLOAD");

	m_init(&m, MSG_STORE_PAIR_TAKE, 1);
	m_add_str(&m, big, 299);
	m_finish(&m);
	m_reader(&r, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
	m_get_str(&r, out, 63);
	CHECK(m_end(&r) == -1 && out[0] == '\0', "reader refuses a string over the field bound");

	m_reader(&r, nul, sizeof(nul));
	m_get_str(&r, out, 63);
	CHECK(m_end(&r) == -1, "reader refuses an embedded NUL");
	m_reader(&r, ctl, sizeof(ctl));
	m_get_str(&r, out, 63);
	CHECK(m_end(&r) == -1, "reader refuses a control character");

	m_init(&m, MSG_STORE_PING, 7);
	m_finish(&m);
	m.data[0] = 0xff;	/* claims 4 GB */
	CHECK(msg_hdr_parse(m.data, &h) == -1, "header claiming 4 GB rejected");
	m_init(&m, MSG_STORE_PING, 7);
	m_finish(&m);
	m.data[5] = PROTO_VERSION + 1;
	CHECK(msg_hdr_parse(m.data, &h) == -1, "header of another version rejected");
}

/* Random mutations of valid messages: never a crash or an out-of-bounds
 * read (ASan watches), and what still decodes encodes back to the same bytes. */
static void
test_mutations(void)
{
	struct mbuf	 m;
	uint8_t		 st;
	size_t		 k, tried = 0, valid = 0, changed = 0;
	int		 rc;
	const struct layout *l;
	uint16_t	 type;

	for (k = 0; k < 20000; k++) {
		l = &layouts[randombytes_uniform(sizeof(layouts) / sizeof(layouts[0]))];
		type = l->type | (k & 1);
		m_init(&m, type, k);
		if (type & 1)
			m_add_u8(&m, ST_OK);
		put_random(&m, (type & 1) ? l->ans : l->req);
		m_finish(&m);
		if (m.len == MSG_HDR_LEN)	/* nothing to mutate */
			continue;
		m.data[MSG_HDR_LEN + randombytes_uniform(m.len - MSG_HDR_LEN)] ^=
		    1 + randombytes_uniform(255);
		rc = codec_round(type, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN, &st);
		tried++;
		valid += rc != 1;
		changed += rc == -1;
	}
	CHECK(tried > 10000 && changed == 0, "%zu mutated messages through the codec without a crash; "
	    "the %zu that still decode encode back to the same bytes (%zu did not)", tried, valid, changed);
}

static void
test_proof(void)
{
	uint8_t		pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t		pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
	uint8_t		buf[MAX_PROOF];
	struct proof	p, got;
	uint64_t	now = 1700000000;
	int		len;

	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	memset(&p, 0, sizeof(p));
	p.purpose = PURPOSE_WEB;
	p.expires = now + 60;
	strcpy(p.user_id, "oidc:alice");
	strcpy(p.name, "Alice");
	p.grant_len = MAX_GRANT;
	randombytes_buf(p.grant, MAX_GRANT);
	randombytes_buf(p.nonce, PROOF_NONCE_LEN);
	p.nonce_until = now + 600;
	len = proof_sign(&p, sk, buf, sizeof(buf));
	CHECK(len > 0, "proof with a sealed grant of MAX_GRANT bytes signed (%d bytes)", len);
	CHECK(proof_verify(buf, len, pk, now, &got) == PROOF_OK && strcmp(got.user_id, "oidc:alice") == 0 &&
	    got.grant_len == MAX_GRANT && memcmp(got.grant, p.grant, MAX_GRANT) == 0 &&
	    memcmp(got.nonce, p.nonce, PROOF_NONCE_LEN) == 0 && got.nonce_until == now + 600,
	    "proof verifies with its fields");
	strcpy(p.name, "a name as long as the layout allows, so that the proof is as large as it can be");
	memset(p.user_id, 'u', MAX_USERID);
	p.user_id[MAX_USERID] = '\0';
	memset(p.name, 'n', MAX_NAME);
	p.name[MAX_NAME] = '\0';
	p.ref_len = REF_LEN;
	CHECK(proof_sign(&p, sk, buf, sizeof(buf)) > 0, "the largest proof fits MAX_PROOF");
	p.ref_len = 0;
	strcpy(p.user_id, "oidc:alice");
	strcpy(p.name, "Alice");
	len = proof_sign(&p, sk, buf, sizeof(buf));
	CHECK(proof_verify(buf, len, pk2, now, &got) == PROOF_BAD, "proof refused under another key");
	CHECK(proof_verify(buf, len, pk, now + 61, &got) == PROOF_EXPIRED, "expired proof refused");
	buf[crypto_sign_BYTES + 20] ^= 1;
	CHECK(proof_verify(buf, len, pk, now, &got) == PROOF_BAD, "tampered proof refused");
	p.expires = now + 60;
	len = proof_sign(&p, sk2, buf, sizeof(buf));
	CHECK(proof_verify(buf, len, pk, now, &got) == PROOF_BAD, "proof signed by a foreign key refused");
	CHECK(proof_verify(buf, 10, pk, now, &got) == PROOF_BAD, "short proof refused");
	sodium_memzero(sk, sizeof(sk));
}

static void
test_b64(void)
{
	uint8_t	 tok[32], back[32];
	char	 txt[64];

	randombytes_buf(tok, sizeof(tok));
	b64_encode(txt, tok, sizeof(tok));
	CHECK(strlen(txt) == 43 && strcspn(txt, "+/=") == 43, "token encodes as 43 URL-safe chars");
	CHECK(b64_decode_exact(back, 32, txt, 43) == 0 && memcmp(back, tok, 32) == 0, "b64 round trip");
	CHECK(b64_decode_exact(back, 32, txt, 42) == -1, "short b64 refused");
	txt[5] = '+';
	CHECK(b64_decode_exact(back, 32, txt, 43) == -1, "non-URL-safe b64 refused");
	txt[5] = '\0';
	CHECK(b64_decode_exact(back, 32, txt, 43) == -1, "b64 with NUL refused");
}

int
main(void)
{
	size_t i;

	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		test_layout(layouts[i].type, layouts[i].req);
		test_layout(layouts[i].type + 1, layouts[i].ans);
	}
	test_field_order();
	test_status();
	test_codec_bounds();
	test_bounds();
	test_mutations();
	test_proof();
	test_b64();
	return CHECK_DONE();
}
