#include "record.h"

#include <string.h>

#include <sodium.h>

/* Copies an encoded value (mbuf minus its frame header) out; -1 if too large. */
static int
record_out(struct mbuf *m, uint8_t *out)
{
	size_t len;

	if (m_finish(m) == -1)
		return -1;
	len = m->len - MSG_HDR_LEN;
	if (len > RECORD_MAX)
		return -1;
	memcpy(out, m->data + MSG_HDR_LEN, len);
	return (int)len;
}

int
user_encode(const struct user_rec *u, uint8_t *out)
{
	struct mbuf m;

	m_init(&m, 0, 0);
	m_add_u8(&m, RECORD_VERSION);
	m_add_str(&m, u->name, MAX_NAME);
	m_add_u64(&m, u->created);
	m_add_u64(&m, u->counter);
	return record_out(&m, out);
}

int
user_decode(const uint8_t *v, size_t len, struct user_rec *u)
{
	struct mreader r;

	m_reader(&r, v, len);
	if (m_get_u8(&r) != RECORD_VERSION)
		return -1;
	m_get_str(&r, u->name, MAX_NAME);
	u->created = m_get_u64(&r);
	u->counter = m_get_u64(&r);
	return m_end(&r);
}

int
session_encode(const struct session_rec *s, uint8_t *out)
{
	struct mbuf m;

	m_init(&m, 0, 0);
	m_add_u8(&m, RECORD_VERSION);
	m_add_str(&m, s->user_id, MAX_USERID);
	m_add_u8(&m, s->kind);
	m_add_str(&m, s->label, MAX_LABEL);
	m_add_u64(&m, s->created);
	m_add_u64(&m, s->last_seen);
	m_add_u64(&m, s->expires);
	m_add_blob(&m, s->grant, s->grant_len);
	m_add_bytes(&m, s->sid, SID_LEN);
	return record_out(&m, out);
}

int
session_decode(const uint8_t *v, size_t len, struct session_rec *s)
{
	struct mreader r;

	m_reader(&r, v, len);
	if (m_get_u8(&r) != RECORD_VERSION)
		return -1;
	m_get_str(&r, s->user_id, MAX_USERID);
	s->kind = m_get_u8(&r);
	m_get_str(&r, s->label, MAX_LABEL);
	s->created = m_get_u64(&r);
	s->last_seen = m_get_u64(&r);
	s->expires = m_get_u64(&r);
	m_get_blob(&r, s->grant, GRANT_LEN, &s->grant_len);
	m_get_bytes(&r, s->sid, SID_LEN);
	if (m_end(&r) == -1 || s->user_id[0] == '\0' ||
	    (s->kind != KIND_WEB && s->kind != KIND_CLI) ||
	    (s->grant_len != 0 && s->grant_len != GRANT_LEN))
		return -1;
	return 0;
}

int
pair_encode(const struct pair_rec *p, uint8_t *out)
{
	struct mbuf m;

	m_init(&m, 0, 0);
	m_add_u8(&m, RECORD_VERSION);
	m_add_u8(&m, p->state);
	m_add_str(&m, p->user_code, USER_CODE_LEN);
	m_add_bytes(&m, p->ref, REF_LEN);
	m_add_str(&m, p->label, MAX_LABEL);
	m_add_u64(&m, p->expires);
	m_add_str(&m, p->user_id, MAX_USERID);
	m_add_u64(&m, p->last_poll_ms);
	m_add_str(&m, p->client, MAX_CLIENT);
	m_add_u64(&m, p->created);
	m_add_blob(&m, p->grant, p->grant_len);
	return record_out(&m, out);
}

int
pair_decode(const uint8_t *v, size_t len, struct pair_rec *p)
{
	struct mreader r;

	m_reader(&r, v, len);
	if (m_get_u8(&r) != RECORD_VERSION)
		return -1;
	p->state = m_get_u8(&r);
	m_get_str(&r, p->user_code, USER_CODE_LEN);
	m_get_bytes(&r, p->ref, REF_LEN);
	m_get_str(&r, p->label, MAX_LABEL);
	p->expires = m_get_u64(&r);
	m_get_str(&r, p->user_id, MAX_USERID);
	p->last_poll_ms = m_get_u64(&r);
	m_get_str(&r, p->client, MAX_CLIENT);
	p->created = m_get_u64(&r);
	m_get_blob(&r, p->grant, GRANT_LEN, &p->grant_len);
	if (m_end(&r) == -1 || p->state < PAIR_PENDING || p->state > PAIR_DENIED ||
	    !user_code_valid(p->user_code) || (p->grant_len != 0 && p->grant_len != GRANT_LEN))
		return -1;
	/* approved and taken pairings name the approving user; the others none */
	if ((p->state == PAIR_APPROVED || p->state == PAIR_TAKEN) != (p->user_id[0] != '\0'))
		return -1;
	return 0;
}

size_t
byuser_key(uint8_t *out, const char *user_id, const uint8_t *sid, int prefix_only)
{
	size_t n = strnlen(user_id, MAX_USERID);

	memcpy(out, user_id, n);
	out[n++] = '\0';
	if (!prefix_only) {
		memcpy(out + n, sid, SID_LEN);
		n += SID_LEN;
	}
	return n;
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

int
paircode_valid(const char *s, size_t len)
{
	size_t i;

	if (len < PAIRCODE_MIN || len > PAIRCODE_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
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
