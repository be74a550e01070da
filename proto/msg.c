/*
 * Frames and fields (the m_* primitives), and the one encoder and decoder of
 * msgtab.h's messages and layouts: a field table per struct, generated from
 * the same lists that generate the structs, walked by one writer and one
 * reader over the primitives (in this file, so that they inline).
 */
#include "msg.h"

#include <stddef.h>
#include <string.h>

/* Big-endian n bytes (1, 2, 4 or 8: the widths in use, spelt out so that
 * each compiles to a load or store and a byte swap). */
static void
put_be(uint8_t *p, uint64_t v, int n)
{
	int i;

	switch (n) {
	case 1:
		p[0] = (uint8_t)v;
		return;
	case 2:
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
		return;
	case 4:
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
		return;
	default:
		for (i = n - 1; i >= 0; i--) {
			p[i] = v & 0xff;
			v >>= 8;
		}
	}
}

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int	 i;

	switch (n) {
	case 1:
		return p[0];
	case 2:
		return (uint64_t)p[0] << 8 | p[1];
	case 4:
		return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
	case 8:
		return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
		    (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
		    (uint64_t)p[6] << 8 | p[7];
	default:
		for (i = 0; i < n; i++)
			v = (v << 8) | p[i];
		return v;
	}
}

void
m_init(struct mbuf *m, uint16_t type, uint32_t id)
{
	m->len = MSG_HDR_LEN;
	m->err = 0;
	put_be(m->data, 0, 4);
	put_be(m->data + 4, PROTO_VERSION, 2);
	put_be(m->data + 6, type, 2);
	put_be(m->data + 8, id, 4);
}

static uint8_t *
m_room(struct mbuf *m, size_t n)
{
	uint8_t *p;

	if (m->err || n > sizeof(m->data) - m->len) {
		m->err = 1;
		return NULL;
	}
	p = m->data + m->len;
	m->len += n;
	return p;
}

static void
m_add_be(struct mbuf *m, uint64_t v, int n)
{
	uint8_t *p = m_room(m, n);

	if (p != NULL)
		put_be(p, v, n);
}

void m_add_u8(struct mbuf *m, uint8_t v) { m_add_be(m, v, 1); }
void m_add_u32(struct mbuf *m, uint32_t v) { m_add_be(m, v, 4); }
void m_add_u64(struct mbuf *m, uint64_t v) { m_add_be(m, v, 8); }

void
m_add_bytes(struct mbuf *m, const void *src, size_t n)
{
	uint8_t *p = m_room(m, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

void
m_add_blob(struct mbuf *m, const void *src, size_t n)
{
	if (n > UINT16_MAX) {
		m->err = 1;
		return;
	}
	m_add_be(m, n, 2);
	m_add_bytes(m, src, n);
}

void
m_add_str(struct mbuf *m, const char *s, size_t maxlen)
{
	size_t n = s == NULL ? 0 : strlen(s);

	if (n > maxlen) {
		m->err = 1;
		return;
	}
	m_add_blob(m, s, n);
}

int
m_finish(struct mbuf *m)
{
	if (m->err)
		return -1;
	put_be(m->data, m->len - MSG_HDR_LEN, 4);
	return 0;
}

void
m_reply(struct mbuf *m, const struct msg_hdr *req, uint8_t status)
{
	m_init(m, req->type + 1, req->id);
	m_add_u8(m, status);
}

void
m_reader(struct mreader *r, const uint8_t *payload, size_t len)
{
	r->p = payload;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

static const uint8_t *
m_take(struct mreader *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->len - r->off) {
		r->err = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t
m_get_be(struct mreader *r, int n)
{
	const uint8_t *p = m_take(r, n);

	return p == NULL ? 0 : get_be(p, n);
}

uint8_t m_get_u8(struct mreader *r) { return m_get_be(r, 1); }
uint32_t m_get_u32(struct mreader *r) { return m_get_be(r, 4); }
uint64_t m_get_u64(struct mreader *r) { return m_get_be(r, 8); }

void
m_get_bytes(struct mreader *r, void *dst, size_t n)
{
	const uint8_t *p = m_take(r, n);

	if (p != NULL)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

void
m_get_blob(struct mreader *r, void *dst, size_t max, size_t *outlen)
{
	size_t n = m_get_be(r, 2);

	*outlen = 0;
	if (r->err)
		return;
	if (n > max) {
		r->err = 1;
		return;
	}
	m_get_bytes(r, dst, n);
	if (!r->err)
		*outlen = n;
}

void
m_get_str(struct mreader *r, char *dst, size_t maxlen)
{
	size_t n, i;

	dst[0] = '\0';
	m_get_blob(r, dst, maxlen, &n);
	if (r->err)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f) {
			r->err = 1;
			dst[0] = '\0';
			return;
		}
	dst[n] = '\0';
}

int
m_end(struct mreader *r)
{
	return (r->err || r->off != r->len) ? -1 : 0;
}

int
msg_hdr_parse(const uint8_t *buf, struct msg_hdr *h)
{
	h->len = get_be(buf, 4);
	h->version = get_be(buf + 4, 2);
	h->type = get_be(buf + 6, 2);
	h->id = get_be(buf + 8, 4);
	if (h->version != PROTO_VERSION || h->len > MSG_MAX_PAYLOAD)
		return -1;
	return 0;
}

const char *
msg_status_name(uint8_t status)
{
	static const char *const names[ST_MAX] = {
		"ok", "invalid", "not found", "expired", "denied", "pending",
		"slow down", "busy", "storage full", "unsupported",
		"provider error", "timeout", "internal error", "database unavailable",
	};

	return status < ST_MAX ? names[status] : "unknown status";
}

/* ---------------------------------------------------------------- codec */

enum field_kind { FK_END = 0, FK_U8, FK_U32, FK_U64, FK_STR, FK_BYTES, FK_BLOB, FK_OPT, FK_LIST };

struct msg_field {
	enum field_kind		 kind;
	size_t			 off;		/* the member */
	size_t			 bound;		/* STR/BLOB max, BYTES/OPT size, LIST max */
	size_t			 aux;		/* BLOB/OPT: its _len member; LIST: its _n */
	const struct msg_fields	*layout;	/* LIST: the items' table */
};

#define FD_(S, kind, name, ...)		FD_##kind(S, name, __VA_ARGS__)
#define FD_U8(S, n, b)			{ FK_U8, offsetof(S, n), 0, 0, NULL },
#define FD_U32(S, n, b)			{ FK_U32, offsetof(S, n), 0, 0, NULL },
#define FD_U64(S, n, b)			{ FK_U64, offsetof(S, n), 0, 0, NULL },
#define FD_STR(S, n, b)			{ FK_STR, offsetof(S, n), b, 0, NULL },
#define FD_BYTES(S, n, b)		{ FK_BYTES, offsetof(S, n), b, 0, NULL },
#define FD_BLOB(S, n, b)		{ FK_BLOB, offsetof(S, n), b, offsetof(S, n##_len), NULL },
#define FD_OPT(S, n, b)			{ FK_OPT, offsetof(S, n), b, offsetof(S, n##_len), NULL },
#define FD_LIST(S, n, b, l)		{ FK_LIST, offsetof(S, n), b, offsetof(S, n##_n), \
					  &msg_layout_##l },

#define LAYOUT_FIELDS_(l)						\
	static const struct msg_field l##_fields[] = {			\
		L_##l(FD_, struct l) { FK_END, 0, 0, 0, NULL } };	\
	const struct msg_fields msg_layout_##l = { l##_fields, sizeof(struct l) };
LAYOUT_TABLE(LAYOUT_FIELDS_)

#define MSG_FIELDS_(NAME, name, num)					\
	static const struct msg_field name##_q[] = {			\
		Q_##NAME(FD_, struct msg_##name) { FK_END, 0, 0, 0, NULL } };	\
	static const struct msg_field name##_a[] = {			\
		A_##NAME(FD_, struct msg_##name##_r) { FK_END, 0, 0, 0, NULL } };
MSG_TABLE(MSG_FIELDS_)

#define MSG_DEF_(NAME, name, num)					\
	{ num, #NAME, { name##_q, sizeof(struct msg_##name) },		\
	  { name##_a, sizeof(struct msg_##name##_r) } },
static const struct msg_def defs[] = {
	MSG_TABLE(MSG_DEF_)
};

#define MSG_DEF_IDX_(NAME, name, num)	DEF_##NAME,
enum { MSG_TABLE(MSG_DEF_IDX_) DEF_COUNT };
_Static_assert(DEF_COUNT == sizeof(defs) / sizeof(defs[0]), "one def per message");

/* A switch over the table's numbers: a jump table, not a scan. */
const struct msg_def *
msg_def(uint16_t type)
{
#define MSG_DEF_CASE_(NAME, name, num)	case num: return &defs[DEF_##NAME];
	switch (type & ~1u) {
	MSG_TABLE(MSG_DEF_CASE_)
	default:
		return NULL;
	}
}

const char *
msg_type_name(uint16_t type)
{
	const struct msg_def *d = msg_def(type);

	return d != NULL ? d->name : "UNKNOWN";
}

/* What m_get_str accepts: at most bound bytes, no control bytes. */
static void
pack_str(struct mbuf *m, const char *s, size_t bound)
{
	size_t n = strnlen(s, bound + 1), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			n = bound + 1;
	if (n > bound)
		m->err = 1;
	else
		m_add_blob(m, s, n);
}

static void
pack_field(struct mbuf *m, const struct msg_field *f, const uint8_t *base)
{
	const uint8_t	*p = base + f->off;
	size_t		 len, i;
	uint32_t	 n;

	switch (f->kind) {
	case FK_U8:	m_add_u8(m, *p); break;
	case FK_U32:	m_add_u32(m, *(const uint32_t *)(const void *)p); break;
	case FK_U64:	m_add_u64(m, *(const uint64_t *)(const void *)p); break;
	case FK_STR:	pack_str(m, (const char *)p, f->bound); break;
	case FK_BYTES:	m_add_bytes(m, p, f->bound); break;
	case FK_BLOB:
	case FK_OPT:
		len = *(const size_t *)(const void *)(base + f->aux);
		if (len > f->bound || (f->kind == FK_OPT && len != 0 && len != f->bound))
			m->err = 1;
		else
			m_add_blob(m, p, len);
		break;
	case FK_LIST:
		n = *(const uint32_t *)(const void *)(base + f->aux);
		if (n > f->bound) {
			m->err = 1;
			break;
		}
		m_add_u32(m, n);
		for (i = 0; i < n && !m->err; i++)
			msg_pack(m, f->layout, p + i * f->layout->size);
		break;
	case FK_END:
		break;
	}
}

void
msg_pack(struct mbuf *m, const struct msg_fields *fs, const void *s)
{
	const struct msg_field *f;

	for (f = fs->f; f->kind != FK_END && !m->err; f++)
		pack_field(m, f, s);
}

static void
unpack_field(struct mreader *r, const struct msg_field *f, uint8_t *base)
{
	uint8_t		*p = base + f->off;
	size_t		*len, i;
	uint32_t	 n;

	switch (f->kind) {
	case FK_U8:	*p = m_get_u8(r); break;
	case FK_U32:	*(uint32_t *)(void *)p = m_get_u32(r); break;
	case FK_U64:	*(uint64_t *)(void *)p = m_get_u64(r); break;
	case FK_STR:	m_get_str(r, (char *)p, f->bound); break;
	case FK_BYTES:	m_get_bytes(r, p, f->bound); break;
	case FK_BLOB:
	case FK_OPT:
		len = (size_t *)(void *)(base + f->aux);
		m_get_blob(r, p, f->bound, len);
		if (f->kind == FK_OPT && *len != 0 && *len != f->bound)
			r->err = 1;
		break;
	case FK_LIST:
		n = m_get_u32(r);
		if (r->err || n > f->bound) {
			r->err = 1;
			n = 0;
		}
		*(uint32_t *)(void *)(base + f->aux) = n;
		for (i = 0; i < n && !r->err; i++)
			msg_unpack(r, f->layout, p + i * f->layout->size);
		break;
	case FK_END:
		break;
	}
}

void
msg_unpack(struct mreader *r, const struct msg_fields *fs, void *s)
{
	const struct msg_field *f;

	for (f = fs->f; f->kind != FK_END && !r->err; f++)
		unpack_field(r, f, s);
}

int
msg_request(struct mbuf *m, uint16_t type, uint32_t id, const void *req)
{
	const struct msg_def *d = msg_def(type);

	m_init(m, type, id);
	if (d == NULL || (type & 1) || (req == NULL && d->req.f->kind != FK_END))
		return -1;
	if (req != NULL)
		msg_pack(m, &d->req, req);
	return m_finish(m);
}

int
msg_answer(struct mbuf *m, const struct msg_hdr *req, uint8_t status, const void *ans)
{
	const struct msg_def *d = msg_def(req->type);

	m_reply(m, req, status);
	if (d == NULL)
		return -1;
	if (status == ST_OK && d->ans.f->kind != FK_END) {
		if (ans == NULL)
			return -1;
		msg_pack(m, &d->ans, ans);
	}
	return m_finish(m);
}

/* Decodes fs into out (out may be NULL only for no fields).  Decoding
 * writes every field; on failure out is zeroed (never half a message). */
static int
read_fields(struct mreader *r, const struct msg_fields *fs, void *out)
{
	if (out == NULL)
		return fs->f->kind == FK_END ? m_end(r) : -1;
	msg_unpack(r, fs, out);
	if (m_end(r) == 0)
		return 0;
	memset(out, 0, fs->size);
	return -1;
}

int
msg_read_request(struct mreader *r, uint16_t type, void *req)
{
	const struct msg_def *d = msg_def(type);

	if (d == NULL || (type & 1))
		return -1;
	return read_fields(r, &d->req, req);
}

int
msg_read_answer(struct mreader *r, uint16_t req_type, uint8_t *status, void *ans)
{
	const struct msg_def *d = msg_def(req_type);

	*status = m_get_u8(r);
	if (d == NULL || r->err)
		return -1;
	if (*status != ST_OK) {
		if (ans != NULL)
			memset(ans, 0, d->ans.size);
		return m_end(r);
	}
	return read_fields(r, &d->ans, ans);
}
