#include "record.h"

#include <string.h>

#include <sodium.h>

/*
 * One record into out: its layout's fields, with the version (every record's
 * first field) written as RECORD_VERSION.  Returns the length, or -1 when a
 * field is out of its bounds or the value would not fit in RECORD_MAX.
 */
static int
record_encode(const struct msg_fields *layout, const void *rec, uint8_t *out)
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
	out[0] = RECORD_VERSION;
	return (int)len;
}

/* Decodes a value of layout into rec: 0, or -1 (malformed, trailing bytes,
 * or another record version). */
static int
record_decode(const struct msg_fields *layout, const uint8_t *v, size_t len, void *rec)
{
	struct mreader r;

	m_reader(&r, v, len);
	msg_unpack(&r, layout, rec);	/* writes every field */
	if (m_end(&r) == 0 && len > 0 && v[0] == RECORD_VERSION)
		return 0;
	memset(rec, 0, layout->size);
	return -1;
}

int
user_encode(const struct user_rec *u, uint8_t *out)
{
	return record_encode(&msg_layout_user_rec, u, out);
}

int
user_decode(const uint8_t *v, size_t len, struct user_rec *u)
{
	return record_decode(&msg_layout_user_rec, v, len, u);
}

int
session_encode(const struct session_rec *s, uint8_t *out)
{
	return record_encode(&msg_layout_session_rec, s, out);
}

int
session_decode(const uint8_t *v, size_t len, struct session_rec *s)
{
	if (record_decode(&msg_layout_session_rec, v, len, s) == -1 || s->user_id[0] == '\0' ||
	    (s->kind != KIND_WEB && s->kind != KIND_CLI))
		return -1;
	return 0;
}

int
pair_encode(const struct pair_rec *p, uint8_t *out)
{
	return record_encode(&msg_layout_pair_rec, p, out);
}

int
pair_decode(const uint8_t *v, size_t len, struct pair_rec *p)
{
	if (record_decode(&msg_layout_pair_rec, v, len, p) == -1 || p->state < PAIR_PENDING ||
	    p->state > PAIR_DENIED || !user_code_valid(p->user_code))
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
