/* proto/msg.c: round trips of every message layout, truncation, trailing bytes,
 * oversized fields and random mutations; proto/proof.c sign/verify; b64. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "b64.h"
#include "check.h"
#include "msg.h"
#include "proof.h"

/*
 * Field codes: b = u8, w = u32, q = u64, s = str, t = token bytes32, i = sid bytes16,
 * r = ref bytes16, g = grant bytes16, B = blob.  One layout per request and per
 * answer (status first), copied from the comments in msg.h.
 */
static const struct layout {
	uint16_t	 type;
	const char	*fields;
} layouts[] = {
	{ MSG_STORE_PING, "" },			{ MSG_STORE_PING_R, "bqqw" },
	{ MSG_STORE_SESSION_GET, "t" },		{ MSG_STORE_SESSION_GET_R, "bssqbi" },
	{ MSG_STORE_INCREMENT, "t" },		{ MSG_STORE_INCREMENT_R, "bq" },
	{ MSG_STORE_SESSION_CREATE, "Bbs" },	{ MSG_STORE_SESSION_CREATE_R, "btssbB" },
	{ MSG_STORE_SESSION_LIST, "t" },	{ MSG_STORE_SESSION_LIST_R, "bwibsqqqb" },
	{ MSG_STORE_SESSION_REVOKE, "ti" },	{ MSG_STORE_SESSION_REVOKE_R, "bB" },
	{ MSG_STORE_PAIR_CREATE, "ss" },	{ MSG_STORE_PAIR_CREATE_R, "brsww" },
	{ MSG_STORE_PAIR_INFO, "r" },		{ MSG_STORE_PAIR_INFO_R, "bsws" },
	{ MSG_STORE_PAIR_DECIDE, "trb" },	{ MSG_STORE_PAIR_DECIDE_R, "b" },
	{ MSG_STORE_PAIR_TAKE, "s" },		{ MSG_STORE_PAIR_TAKE_R, "bts" },
	{ MSG_AUTH_PING, "" },			{ MSG_AUTH_PING_R, "bw" },
	{ MSG_AUTH_PROVIDERS, "" },		{ MSG_AUTH_PROVIDERS_R, "bwssb" },
	{ MSG_AUTH_LOGIN_START, "sbB" },	{ MSG_AUTH_LOGIN_START_R, "bst" },
	{ MSG_AUTH_LOGIN_FINISH, "ssB" },	{ MSG_AUTH_LOGIN_FINISH_R, "bBss" },
	{ MSG_AUTH_REVOKE, "g" },		{ MSG_AUTH_REVOKE_R, "b" },
};

struct value {
	uint64_t	num;
	char		str[201];
	uint8_t		bytes[64];
	size_t		len;
};

static void
random_value(char code, struct value *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->num = ((uint64_t)randombytes_random() << 32) | randombytes_random();
	switch (code) {
	case 'b': v->num &= 0xff; break;
	case 'w': v->num &= 0xffffffff; break;
	case 's':
		v->len = randombytes_uniform(200);
		for (i = 0; i < v->len; i++)
			v->str[i] = 'a' + randombytes_uniform(26);
		break;
	case 'B': v->len = randombytes_uniform(64); randombytes_buf(v->bytes, v->len); break;
	case 't': v->len = 32; randombytes_buf(v->bytes, 32); break;
	default: v->len = 16; randombytes_buf(v->bytes, 16); break;
	}
}

static void
encode(struct mbuf *m, const char *f, struct value *vals)
{
	for (; *f; f++, vals++)
		switch (*f) {
		case 'b': m_add_u8(m, vals->num); break;
		case 'w': m_add_u32(m, vals->num); break;
		case 'q': m_add_u64(m, vals->num); break;
		case 's': m_add_str(m, vals->str, 200); break;
		case 'B': m_add_blob(m, vals->bytes, vals->len); break;
		default: m_add_bytes(m, vals->bytes, vals->len); break;
		}
}

/* Decodes and compares; returns 0 if everything matched and the end check passed. */
static int
decode(struct mreader *r, const char *f, const struct value *vals)
{
	struct value	got;
	int		same = 1;

	for (; *f; f++, vals++) {
		memset(&got, 0, sizeof(got));
		switch (*f) {
		case 'b': same &= m_get_u8(r) == vals->num; break;
		case 'w': same &= m_get_u32(r) == vals->num; break;
		case 'q': same &= m_get_u64(r) == vals->num; break;
		case 's': m_get_str(r, got.str, 200); same &= strcmp(got.str, vals->str) == 0; break;
		case 'B':
			m_get_blob(r, got.bytes, 64, &got.len);
			same &= got.len == vals->len && memcmp(got.bytes, vals->bytes, got.len) == 0;
			break;
		default:
			m_get_bytes(r, got.bytes, vals->len);
			same &= memcmp(got.bytes, vals->bytes, vals->len) == 0;
			break;
		}
	}
	return (m_end(r) == 0 && same) ? 0 : -1;
}

static void
test_layout(const struct layout *l)
{
	struct mbuf	 m;
	struct mreader	 r;
	struct msg_hdr	 h;
	struct value	 vals[16];
	uint8_t		 copy[MSG_HDR_LEN + MSG_MAX_PAYLOAD + 1];
	size_t		 i, n = strlen(l->fields), cut, bad_cuts = 0;
	int		 round = 1;

	for (i = 0; i < n; i++)
		random_value(l->fields[i], &vals[i]);
	m_init(&m, l->type, 0x01020304);
	encode(&m, l->fields, vals);
	round &= m_finish(&m) == 0;
	round &= msg_hdr_parse(m.data, &h) == 0 && h.type == l->type && h.id == 0x01020304 &&
	    h.len == m.len - MSG_HDR_LEN;
	m_reader(&r, m.data + MSG_HDR_LEN, h.len);
	round &= decode(&r, l->fields, vals) == 0;
	CHECK(round, "%s%s round trip", msg_type_name(l->type), (l->type & 1) ? " answer" : "");

	/* Every strict prefix of the payload must be rejected. */
	for (cut = 0; cut < h.len; cut++) {
		m_reader(&r, m.data + MSG_HDR_LEN, cut);
		bad_cuts += decode(&r, l->fields, vals) == 0;
	}
	CHECK(bad_cuts == 0, "%s: all %u truncations rejected", msg_type_name(l->type), h.len);

	memcpy(copy, m.data, m.len);
	copy[m.len] = 0;
	m_reader(&r, copy + MSG_HDR_LEN, h.len + 1);
	CHECK(decode(&r, l->fields, vals) == -1, "%s: trailing byte rejected", msg_type_name(l->type));
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

/* Random mutations must never crash or read out of bounds (ASan watches). */
static void
test_mutations(void)
{
	struct mbuf	 m;
	struct mreader	 r;
	struct value	 vals[16];
	size_t		 i, k, n, ok = 0;
	const struct layout *l;

	for (k = 0; k < 20000; k++) {
		l = &layouts[randombytes_uniform(sizeof(layouts) / sizeof(layouts[0]))];
		n = strlen(l->fields);
		for (i = 0; i < n; i++)
			random_value(l->fields[i], &vals[i]);
		m_init(&m, l->type, k);
		encode(&m, l->fields, vals);
		m_finish(&m);
		if (m.len == MSG_HDR_LEN)	/* nothing to mutate */
			continue;
		m.data[MSG_HDR_LEN + randombytes_uniform(m.len - MSG_HDR_LEN)] ^=
		    1 + randombytes_uniform(255);
		m_reader(&r, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
		ok += decode(&r, l->fields, vals) == 0;
	}
	CHECK(ok == 0, "20000 mutated messages decoded without a crash, none accepted as the original");
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
	p.grant_len = GRANT_LEN;
	randombytes_buf(p.grant, GRANT_LEN);
	len = proof_sign(&p, sk, buf, sizeof(buf));
	CHECK(len > 0, "proof signed");
	CHECK(proof_verify(buf, len, pk, now, &got) == 0 && strcmp(got.user_id, "oidc:alice") == 0 &&
	    got.grant_len == GRANT_LEN && memcmp(got.grant, p.grant, GRANT_LEN) == 0 &&
	    memcmp(got.nonce, p.nonce, PROOF_NONCE_LEN) == 0, "proof verifies with its fields");
	CHECK(proof_verify(buf, len, pk2, now, &got) == -1, "proof refused under another key");
	CHECK(proof_verify(buf, len, pk, now + 61, &got) == -2, "expired proof refused");
	buf[crypto_sign_BYTES + 20] ^= 1;
	CHECK(proof_verify(buf, len, pk, now, &got) == -1, "tampered proof refused");
	p.expires = now + 60;
	len = proof_sign(&p, sk2, buf, sizeof(buf));
	CHECK(proof_verify(buf, len, pk, now, &got) == -1, "proof signed by a foreign key refused");
	CHECK(proof_verify(buf, 10, pk, now, &got) == -1, "short proof refused");
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
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		test_layout(&layouts[i]);
	test_bounds();
	test_mutations();
	test_proof();
	test_b64();
	return CHECK_DONE();
}
