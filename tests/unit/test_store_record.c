/* Unit tests: store record codec, user codes, paircode validation, index keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../store/record.h"
#include "check.h"


static void
test_paircode(void)
{
	char	s[PAIRCODE_MAX + 2];
	int	ok = 1;

	memset(s, 'a', sizeof(s));
	CHECK(paircode_valid(s, PAIRCODE_MIN), "paircode: 22 chars ok");
	CHECK(!paircode_valid(s, PAIRCODE_MIN - 1), "paircode: 21 chars refused");
	CHECK(paircode_valid(s, PAIRCODE_MAX), "paircode: 128 chars ok");
	CHECK(!paircode_valid(s, PAIRCODE_MAX + 1), "paircode: 129 chars refused");
	CHECK(!paircode_valid("", 0), "paircode: empty refused");
	CHECK(paircode_valid("Az09_-xY7pQ2mN4kL8jH3g", 22), "paircode: token_urlsafe alphabet ok");
	for (const char *bad = " +/=.%\n\t\"'<>&?#~!"; *bad != '\0'; bad++) {
		s[10] = *bad;
		ok &= !paircode_valid(s, 30);
	}
	s[10] = '\0';
	ok &= !paircode_valid(s, 30);	/* embedded NUL */
	s[10] = (char)0xc3;
	ok &= !paircode_valid(s, 30);	/* non-ASCII */
	CHECK(ok, "paircode: any other byte refused");
}

static void
test_user_code(void)
{
	char	code[USER_CODE_LEN + 1];
	int	seen[256] = { 0 }, shape = 1, i, j, letters = 0;

	for (i = 0; i < 2000; i++) {
		user_code_new(code);
		shape &= user_code_valid(code) && strlen(code) == USER_CODE_LEN && code[4] == '-';
		for (j = 0; j < USER_CODE_LEN; j++)
			seen[(unsigned char)code[j]]++;
	}
	CHECK(shape, "user code: XXXX-XXXX from the alphabet");
	for (i = 0; i < 256; i++)
		if (seen[i] && i != '-')
			letters++;
	CHECK(letters == 20, "user code: every alphabet letter used");
	CHECK(!seen['A'] && !seen['E'] && !seen['I'] && !seen['O'] && !seen['U'] && !seen['Y'] &&
	    !seen['0'] && !seen['1'], "user code: no vowel, digit or lookalike");
	CHECK(!user_code_valid("BCDF-GHJ") && !user_code_valid("BCDFGHJKL") &&
	    !user_code_valid("bcdf-ghjk") && !user_code_valid("BCDF-GHJA") &&
	    !user_code_valid("BCDF-GHJKL") && user_code_valid("WDJB-MJHT"),
	    "user code: validator refuses bad shapes");
}

/* Every truncation and every appended byte must be refused. */
static int
strict(const uint8_t *v, int len, int (*dec)(const uint8_t *, size_t, void *), void *rec)
{
	uint8_t	buf[RECORD_MAX + 1];
	int	n;

	for (n = 0; n < len; n++)
		if (dec(v, n, rec) == 0)
			return 0;
	memcpy(buf, v, len);
	buf[len] = 0;
	if (dec(buf, len + 1, rec) == 0)
		return 0;
	buf[0] = (uint8_t)(v[0] + 1);	/* another version */
	return dec(buf, len, rec) == -1;
}

static int dec_user(const uint8_t *v, size_t n, void *r) { return user_decode(v, n, r); }
static int dec_session(const uint8_t *v, size_t n, void *r) { return session_decode(v, n, r); }
static int dec_pair(const uint8_t *v, size_t n, void *r) { return pair_decode(v, n, r); }
static int dec_session_v1(const uint8_t *v, size_t n, void *r) { return session_decode_v1(v, n, r); }

static void
test_user_rec(void)
{
	struct user_rec	u = { .created = 1700000000, .counter = 0xfffffffffffffffeULL }, d;
	uint8_t		v[RECORD_MAX];
	int		len;

	strcpy(u.name, "Ada Lovelace");
	strcpy(u.email, "ada@example.org");
	u.web_sessions = 3;
	u.cli_sessions = 4;
	len = user_encode(&u, v);
	CHECK(len > 0 && v[0] == USER_RECORD_VERSION && USER_RECORD_VERSION == 3,
	    "user: encodes, version 3");
	memset(&d, 0x55, sizeof(d));
	CHECK(user_decode(v, len, &d) == 0 && strcmp(d.name, u.name) == 0 &&
	    d.created == u.created && d.counter == u.counter && d.web_sessions == 3 &&
	    d.cli_sessions == 4 && strcmp(d.email, "ada@example.org") == 0, "user: round trip");
	CHECK(strict(v, len, dec_user, &d), "user: truncated, trailing, wrong version refused");
	CHECK(user_decode_v2(v, len, &d) == -1, "user: version 3 is not read as version 2");
	memset(u.name, 'n', MAX_NAME);
	u.name[MAX_NAME] = '\0';
	memset(u.email, 'e', MAX_EMAIL);
	u.email[MAX_EMAIL] = '\0';
	CHECK(user_encode(&u, v) > 0, "user: longest name and e-mail address fit");
	u.email[0] = '\n';
	CHECK(user_encode(&u, v) == -1, "user: an e-mail address with a control byte refused");
}

static int dec_user_v2(const uint8_t *v, size_t n, void *r) { return user_decode_v2(v, n, r); }

/* A version 2 user record (schemas 2 and 3) as current, with no e-mail. */
static void
test_user_rec_v2(void)
{
	struct user_rec_v2	old;
	struct user_rec		d;
	struct mbuf		m;
	uint8_t			v[RECORD_MAX];
	int			len;

	memset(&old, 0, sizeof(old));
	old.version = 2;
	strcpy(old.name, "Grace Hopper");
	old.created = 1600000000;
	old.counter = 77;
	old.web_sessions = 5;
	old.cli_sessions = 6;
	m_init(&m, 0, 0);
	msg_pack(&m, &msg_layout_user_rec_v2, &old);
	if (m_finish(&m) == -1)
		exit(1);
	len = (int)(m.len - MSG_HDR_LEN);
	memcpy(v, m.data + MSG_HDR_LEN, (size_t)len);
	CHECK(user_decode(v, len, &d) == -1, "user v2: not read as the current version");
	memset(&d, 0x55, sizeof(d));
	CHECK(user_decode_v2(v, len, &d) == 0 && strcmp(d.name, "Grace Hopper") == 0 &&
	    d.created == 1600000000 && d.counter == 77 && d.web_sessions == 5 &&
	    d.cli_sessions == 6 && d.email[0] == '\0', "user v2: read with its counts, no e-mail");
	CHECK(strict(v, len, dec_user_v2, &d), "user v2: truncated, trailing, wrong version refused");
	CHECK(user_decode_v1(v, len, &d) == -1, "user v2: not read as version 1");
}

static void
test_session_rec(void)
{
	struct session_rec	s, d;
	uint8_t			v[RECORD_MAX];
	int			len;

	memset(&s, 0, sizeof(s));
	strcpy(s.user_id, "github:12345");
	strcpy(s.label, "cli on host");
	s.kind = KIND_CLI;
	s.created = 1;
	s.last_seen = 2;
	s.expires = 3;
	s.grant_len = 317;		/* a sealed grant: any length up to MAX_GRANT */
	randombytes_buf(s.grant, s.grant_len);
	randombytes_buf(s.sid, SID_LEN);
	len = session_encode(&s, v);
	CHECK(len > 0, "session: encodes");
	CHECK(session_decode(v, len, &d) == 0 &&
	    strcmp(d.user_id, s.user_id) == 0 && strcmp(d.label, s.label) == 0 &&
	    d.kind == s.kind && d.created == 1 && d.last_seen == 2 && d.expires == 3 &&
	    d.grant_len == 317 && memcmp(d.grant, s.grant, 317) == 0 &&
	    memcmp(d.sid, s.sid, SID_LEN) == 0, "session: round trip");
	CHECK(v[0] == 2 && session_decode_v1(v, len, &d) == -1,
	    "session: version 2, not read as version 1");
	CHECK(strict(v, len, dec_session, &d), "session: truncated, trailing, wrong version refused");
	s.grant_len = 0;
	len = session_encode(&s, v);
	CHECK(session_decode(v, len, &d) == 0 && d.grant_len == 0, "session: without grant");
	s.kind = 3;
	len = session_encode(&s, v);
	CHECK(session_decode(v, len, &d) == -1, "session: unknown kind refused");
	s.kind = KIND_WEB;
	s.user_id[0] = '\0';
	len = session_encode(&s, v);
	CHECK(session_decode(v, len, &d) == -1, "session: empty user refused");
	memset(s.user_id, 'u', MAX_USERID);
	memset(s.label, 'l', MAX_LABEL);
	s.grant_len = MAX_GRANT;
	randombytes_buf(s.grant, MAX_GRANT);
	len = session_encode(&s, v);
	CHECK(len > 0 && session_decode(v, len, &d) == 0 && d.grant_len == MAX_GRANT &&
	    memcmp(d.grant, s.grant, MAX_GRANT) == 0, "session: the largest record fits (%d bytes)",
	    len);
	memset(&s.label, 0, sizeof(s.label));
	strcpy(s.user_id, "x");
	s.grant_len = MAX_GRANT + 1;
	CHECK(session_encode(&s, v) == -1, "session: a grant over MAX_GRANT not encoded");
	s.grant_len = 0;
	strcpy(s.label, "a\x01b");
	CHECK(session_encode(&s, v) == -1, "session: control characters not encoded");
	strcpy(s.label, "a#b");
	len = session_encode(&s, v);
	((uint8_t *)memchr(v, '#', (size_t)len))[0] = 0x01;
	CHECK(len > 0 && session_decode(v, len, &d) == -1, "session: control characters refused");
}

static void
test_pair_rec(void)
{
	struct pair_rec	p, d;
	uint8_t		v[RECORD_MAX];
	int		len, state, ok = 1;

	memset(&p, 0, sizeof(p));
	p.state = PAIR_APPROVED;
	strcpy(p.user_code, "WDJB-MJHT");
	randombytes_buf(p.ref, REF_LEN);
	strcpy(p.label, "laptop");
	p.expires = 99;
	strcpy(p.user_id, "oidc:abc");
	p.last_poll_ms = 12345;
	strcpy(p.client, "2001:db8::1");
	p.created = 42;
	memset(p.grant, 7, MAX_GRANT);
	p.grant_len = MAX_GRANT;
	len = pair_encode(&p, v);
	CHECK(len > 0, "pair: encodes");
	CHECK(pair_decode(v, len, &d) == 0 && d.state == p.state &&
	    strcmp(d.user_code, p.user_code) == 0 && memcmp(d.ref, p.ref, REF_LEN) == 0 &&
	    strcmp(d.label, p.label) == 0 && d.expires == 99 && strcmp(d.user_id, p.user_id) == 0 &&
	    d.last_poll_ms == 12345 && strcmp(d.client, p.client) == 0 && d.created == 42 &&
	    d.grant_len == MAX_GRANT && memcmp(d.grant, p.grant, MAX_GRANT) == 0,
	    "pair: round trip, with the largest grant");
	CHECK(strict(v, len, dec_pair, &d), "pair: truncated, trailing, wrong version refused");
	for (state = 0; state < 8; state++) {
		p.state = state;
		p.user_id[0] = (state == PAIR_APPROVED || state == PAIR_TAKEN) ? 'u' : '\0';
		p.user_id[1] = '\0';
		len = pair_encode(&p, v);
		ok &= (pair_decode(v, len, &d) == 0) == (state >= PAIR_PENDING && state <= PAIR_DENIED);
	}
	CHECK(ok, "pair: only known states");
	p.state = PAIR_PENDING;
	strcpy(p.user_id, "someone");
	len = pair_encode(&p, v);
	CHECK(pair_decode(v, len, &d) == -1, "pair: pending with an approver refused");
	p.user_id[0] = '\0';
	strcpy(p.user_code, "AAAA-AAAA");
	len = pair_encode(&p, v);
	CHECK(pair_decode(v, len, &d) == -1, "pair: bad user code refused");
}

/* A layout's bytes (no header) with the version byte set, as schema 2 wrote them. */
static int
old_record(const struct msg_fields *layout, const void *rec, uint8_t *out)
{
	struct mbuf m;

	m_init(&m, 0, 0);
	msg_pack(&m, layout, rec);
	if (m_finish(&m) == -1)
		return -1;
	memcpy(out, m.data + MSG_HDR_LEN, m.len - MSG_HDR_LEN);
	out[0] = 1;
	return (int)(m.len - MSG_HDR_LEN);
}

/* Version 1 records (schema 2): a 16-byte grant handle or none, read by the
 * upgrade as the current record; the current decoders refuse them. */
static void
test_v1_records(void)
{
	struct session_rec_v1	so;
	struct session_rec	sd;
	struct pair_rec_v1	po;
	struct pair_rec		pd;
	uint8_t			v[RECORD_MAX];
	int			len;

	memset(&so, 0, sizeof(so));
	strcpy(so.user_id, "github:7");
	so.kind = KIND_WEB;
	strcpy(so.label, "Firefox");
	so.created = 10;
	so.last_seen = 11;
	so.expires = 12;
	so.grant_len = GRANT_HANDLE_LEN;
	memset(so.grant, 0xab, GRANT_HANDLE_LEN);
	memset(so.sid, 0x5a, SID_LEN);
	len = old_record(&msg_layout_session_rec_v1, &so, v);
	CHECK(len > 0 && session_decode(v, len, &sd) == -1, "session v1: refused as current");
	CHECK(session_decode_v1(v, len, &sd) == 0 && strcmp(sd.user_id, "github:7") == 0 &&
	    sd.kind == KIND_WEB && strcmp(sd.label, "Firefox") == 0 && sd.created == 10 &&
	    sd.last_seen == 11 && sd.expires == 12 && sd.grant_len == GRANT_HANDLE_LEN &&
	    sd.grant[0] == 0xab && sd.grant[15] == 0xab && sd.sid[0] == 0x5a,
	    "session v1: read with its handle kept as the grant");
	CHECK(strict(v, len, dec_session_v1, &sd),
	    "session v1: truncated, trailing, other version refused");
	so.kind = 9;
	len = old_record(&msg_layout_session_rec_v1, &so, v);
	CHECK(session_decode_v1(v, len, &sd) == -1, "session v1: unknown kind refused");

	memset(&po, 0, sizeof(po));
	po.state = PAIR_APPROVED;
	strcpy(po.user_code, "WDJB-MJHT");
	memset(po.ref, 3, REF_LEN);
	strcpy(po.label, "laptop");
	po.expires = 99;
	strcpy(po.user_id, "oidc:abc");
	strcpy(po.client, "127.0.0.1");
	po.created = 42;
	po.grant_len = GRANT_HANDLE_LEN;
	memset(po.grant, 0xcd, GRANT_HANDLE_LEN);
	len = old_record(&msg_layout_pair_rec_v1, &po, v);
	CHECK(len > 0 && pair_decode(v, len, &pd) == -1, "pair v1: refused as current");
	CHECK(pair_decode_v1(v, len, &pd) == 0 && pd.state == PAIR_APPROVED &&
	    strcmp(pd.user_id, "oidc:abc") == 0 && pd.grant_len == GRANT_HANDLE_LEN &&
	    pd.grant[0] == 0xcd && pd.ref[0] == 3 && pd.expires == 99 && pd.created == 42 &&
	    strcmp(pd.client, "127.0.0.1") == 0, "pair v1: read with its handle kept");
	po.state = PAIR_PENDING;
	len = old_record(&msg_layout_pair_rec_v1, &po, v);
	CHECK(pair_decode_v1(v, len, &pd) == -1, "pair v1: pending with an approver refused");
}

static void
test_mutations(void)
{
	struct session_rec	s, d;
	uint8_t			v[RECORD_MAX], w[RECORD_MAX];
	int			len, i, crashes = 0;

	memset(&s, 0, sizeof(s));
	strcpy(s.user_id, "google:1");
	s.kind = KIND_WEB;
	len = session_encode(&s, v);
	/* random mutations must decode or be refused, never read out of bounds (ASan) */
	for (i = 0; i < 20000; i++) {
		memcpy(w, v, len);
		w[randombytes_uniform(len)] = (uint8_t)randombytes_uniform(256);
		if (session_decode(w, len, &d) == 0 && memchr(d.user_id, 0, sizeof(d.user_id)) == NULL)
			crashes++;
	}
	CHECK(crashes == 0, "session: 20000 random mutations handled");
}

static void
test_byuser_key(void)
{
	uint8_t	k[BYUSER_KEY_MAX], sid[SID_LEN], older[SID_LEN], newer[SID_LEN];
	size_t	n;

	memset(sid, 7, sizeof(sid));
	n = byuser_key(k, "github:1", KIND_CLI, sid);
	CHECK(n == 10 + SID_LEN && memcmp(k, "github:1", 9) == 0 && k[9] == KIND_CLI &&
	    memcmp(k + 10, sid, SID_LEN) == 0, "byuser key: user NUL kind sid");
	CHECK(byuser_key(k, "github:1", 0, NULL) == 9, "byuser key: the user's prefix");
	CHECK(byuser_key(k, "github:1", KIND_WEB, NULL) == 10 && k[9] == KIND_WEB,
	    "byuser key: the prefix of one kind");
	/* "github:1" must not be a prefix match of "github:12" */
	n = byuser_key(k, "github:12", KIND_WEB, sid);
	CHECK(memcmp(k, "github:1\0", 9) != 0, "byuser key: no prefix confusion between users");
	sid_new(older, 1800000000);
	sid_new(newer, 1800000001);
	CHECK(memcmp(newer, older, SID_LEN) < 0, "sid: a newer session sorts first");
	sid_new(sid, 1800000000);
	CHECK(memcmp(sid, older, 8) == 0 && memcmp(sid + 8, older + 8, 8) != 0,
	    "sid: sessions of the same second differ in their random half");
}

static void
test_hash(void)
{
	uint8_t a[HASH_LEN], b[HASH_LEN], t[TOKEN_LEN] = { 1 };

	secret_hash(a, t, sizeof(t));
	secret_hash(b, t, sizeof(t));
	CHECK(memcmp(a, b, HASH_LEN) == 0, "hash: deterministic");
	t[31] ^= 1;
	secret_hash(b, t, sizeof(t));
	CHECK(memcmp(a, b, HASH_LEN) != 0, "hash: differs");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_paircode();
	test_user_code();
	test_user_rec();
	test_user_rec_v2();
	test_session_rec();
	test_pair_rec();
	test_v1_records();
	test_mutations();
	test_byuser_key();
	test_hash();
	return CHECK_DONE();
}
