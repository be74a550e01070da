#include "msg.h"

#include <string.h>

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
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
		"provider error", "timeout", "internal error",
	};

	return status < ST_MAX ? names[status] : "unknown status";
}
