#include "record.h"

#include <string.h>

#include <sodium.h>

/*
 * One record into out: its layout's fields, with the version (every record's
 * first field) written as version.  Returns the length, or -1 when a field is
 * out of its bounds or the value would not fit in RECORD_MAX.
 */
static int
record_encode(const struct msg_fields *layout, uint8_t version, const void *rec, uint8_t *out)
{
	struct mbuf	m;
	size_t		len;

	m_init(&m, 0, 0);
	msg_pack(&m, layout, rec);
	if (m_finish(&m) == -1)
		return -1;
	len = m.len - MSG_HDR_LEN;
	if (len < 1 || len > RECORD_MAX)
		return -1;
	memcpy(out, m.data + MSG_HDR_LEN, len);
	out[0] = version;
	return (int)len;
}

/* Decodes a value of layout into rec: 0, or -1 (malformed, trailing bytes,
 * or another record version). */
static int
record_decode(const struct msg_fields *layout, uint8_t version, const uint8_t *v, size_t len,
    void *rec)
{
	struct mreader r;

	m_reader(&r, v, len);
	msg_unpack(&r, layout, rec);	/* writes every field */
	if (m_end(&r) == 0 && len > 0 && v[0] == version)
		return 0;
	memset(rec, 0, layout->size);
	return -1;
}

int
user_encode(const struct user_rec *u, uint8_t *out)
{
	return record_encode(&msg_layout_user_rec, USER_RECORD_VERSION, u, out);
}

int
user_decode(const uint8_t *v, size_t len, struct user_rec *u)
{
	return record_decode(&msg_layout_user_rec, USER_RECORD_VERSION, v, len, u);
}

int
user_decode_v1(const uint8_t *v, size_t len, struct user_rec *u)
{
	struct user_rec_v1 old;

	if (record_decode(&msg_layout_user_rec_v1, 1, v, len, &old) == -1)
		return -1;
	memset(u, 0, sizeof(*u));
	memcpy(u->name, old.name, sizeof(u->name));
	u->created = old.created;
	u->counter = old.counter;
	return 0;
}

int
user_decode_v2(const uint8_t *v, size_t len, struct user_rec *u)
{
	struct user_rec_v2 old;

	if (record_decode(&msg_layout_user_rec_v2, 2, v, len, &old) == -1)
		return -1;
	memset(u, 0, sizeof(*u));
	memcpy(u->name, old.name, sizeof(u->name));
	u->created = old.created;
	u->counter = old.counter;
	u->web_sessions = old.web_sessions;
	u->cli_sessions = old.cli_sessions;
	return 0;
}

/* The checks every session record passes, whatever its version. */
static int
session_valid(const struct session_rec *s)
{
	return s->user_id[0] != '\0' && (s->kind == KIND_WEB || s->kind == KIND_CLI);
}

static int
pair_valid(const struct pair_rec *p)
{
	if (p->state < PAIR_PENDING || p->state > PAIR_DENIED || !user_code_valid(p->user_code))
		return 0;
	/* approved and taken pairings name the approving user; the others none */
	return (p->state == PAIR_APPROVED || p->state == PAIR_TAKEN) == (p->user_id[0] != '\0');
}

int
session_encode(const struct session_rec *s, uint8_t *out)
{
	return record_encode(&msg_layout_session_rec, RECORD_VERSION, s, out);
}

int
session_decode(const uint8_t *v, size_t len, struct session_rec *s)
{
	if (record_decode(&msg_layout_session_rec, RECORD_VERSION, v, len, s) == -1 ||
	    !session_valid(s)) {
		memset(s, 0, sizeof(*s));
		return -1;
	}
	return 0;
}

int
session_decode_v1(const uint8_t *v, size_t len, struct session_rec *s)
{
	struct session_rec_v1 old;

	memset(s, 0, sizeof(*s));
	if (record_decode(&msg_layout_session_rec_v1, 1, v, len, &old) == -1)
		return -1;
	memcpy(s->user_id, old.user_id, sizeof(s->user_id));
	s->kind = old.kind;
	memcpy(s->label, old.label, sizeof(s->label));
	s->created = old.created;
	s->last_seen = old.last_seen;
	s->expires = old.expires;
	memcpy(s->grant, old.grant, old.grant_len);
	s->grant_len = old.grant_len;
	memcpy(s->sid, old.sid, SID_LEN);
	if (!session_valid(s)) {
		memset(s, 0, sizeof(*s));
		return -1;
	}
	return 0;
}

int
pair_encode(const struct pair_rec *p, uint8_t *out)
{
	return record_encode(&msg_layout_pair_rec, RECORD_VERSION, p, out);
}

int
pair_decode(const uint8_t *v, size_t len, struct pair_rec *p)
{
	if (record_decode(&msg_layout_pair_rec, RECORD_VERSION, v, len, p) == -1 ||
	    !pair_valid(p)) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	return 0;
}

int
pair_decode_v1(const uint8_t *v, size_t len, struct pair_rec *p)
{
	struct pair_rec_v1 old;

	memset(p, 0, sizeof(*p));
	if (record_decode(&msg_layout_pair_rec_v1, 1, v, len, &old) == -1)
		return -1;
	p->state = old.state;
	memcpy(p->user_code, old.user_code, sizeof(p->user_code));
	memcpy(p->ref, old.ref, REF_LEN);
	memcpy(p->label, old.label, sizeof(p->label));
	p->expires = old.expires;
	memcpy(p->user_id, old.user_id, sizeof(p->user_id));
	p->last_poll_ms = old.last_poll_ms;
	memcpy(p->client, old.client, sizeof(p->client));
	p->created = old.created;
	memcpy(p->grant, old.grant, old.grant_len);
	p->grant_len = old.grant_len;
	if (!pair_valid(p)) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	return 0;
}

size_t
byuser_key(uint8_t *out, const char *user_id, uint8_t kind, const uint8_t *sid)
{
	size_t n = strnlen(user_id, MAX_USERID);

	memcpy(out, user_id, n);
	out[n++] = '\0';
	if (kind == 0)
		return n;
	out[n++] = kind;
	if (sid == NULL)
		return n;
	memcpy(out + n, sid, SID_LEN);
	return n + SID_LEN;
}

void
sid_new(uint8_t sid[SID_LEN], uint64_t created)
{
	int i;

	for (i = 0; i < 8; i++)		/* newest first: the complement, big-endian */
		sid[i] = (uint8_t)(~created >> (56 - 8 * i));
	randombytes_buf(sid + 8, SID_LEN - 8);
}

size_t
byaddr_key(uint8_t *out, const char *client, const uint8_t *ref)
{
	size_t n = strnlen(client, MAX_CLIENT);

	memcpy(out, client, n);
	out[n++] = '\0';
	if (ref != NULL) {
		memcpy(out + n, ref, REF_LEN);
		n += REF_LEN;
	}
	return n;
}

void
user_code_new(char *out)
{
	const char	*abc = USER_CODE_ALPHABET;
	const uint32_t	 n = sizeof(USER_CODE_ALPHABET) - 1;
	size_t		 i, j = 0;

	for (i = 0; i < 8; i++) {
		if (i == 4)
			out[j++] = '-';
		out[j++] = abc[randombytes_uniform(n)];
	}
	out[j] = '\0';
}

int
user_code_valid(const char *s)
{
	size_t i;

	if (strlen(s) != USER_CODE_LEN)
		return 0;
	for (i = 0; i < USER_CODE_LEN; i++) {
		if (i == 4) {
			if (s[i] != '-')
				return 0;
		} else if (s[i] == '\0' || strchr(USER_CODE_ALPHABET, s[i]) == NULL)
			return 0;
	}
	return 1;
}

void
secret_hash(uint8_t out[HASH_LEN], const void *secret, size_t len)
{
	crypto_generichash(out, HASH_LEN, secret, len, NULL, 0);
}
