/*
 * libFuzzer: the message codec over hostile bytes.  The first input byte picks
 * a message of msgtab.h and whether the rest is its request's or its answer's
 * payload; the first 12 bytes of the rest also go through the frame header
 * parser.  Decoding is strict, so whatever decodes must encode back to
 * exactly the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TYPE_(NAME, name, num)	num,
static const uint16_t types[] = { MSG_TABLE(TYPE_) };
#define NTYPES	(sizeof(types) / sizeof(types[0]))

static _Alignas(max_align_t) uint8_t	decoded[1 << 16];	/* any request or answer struct */
static struct mbuf			m;

/* The payload m holds must be exactly in[0..len). */
static void
same_bytes(const uint8_t *in, size_t len)
{
	if (m.len != MSG_HDR_LEN + len || memcmp(m.data + MSG_HDR_LEN, in, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct msg_def	*d;
	struct msg_hdr		 h;
	struct mreader		 r;
	uint16_t		 type;
	uint8_t			 status;

	if (size < 1)
		return 0;
	type = types[(data[0] >> 1) % NTYPES];
	data++;
	size--;
	if (size > MSG_MAX_PAYLOAD)
		size = MSG_MAX_PAYLOAD;
	if (size >= MSG_HDR_LEN)
		(void)msg_hdr_parse(data, &h);
	if ((d = msg_def(type)) == NULL || d->req.size > sizeof(decoded) ||
	    d->ans.size > sizeof(decoded))
		abort();
	m_reader(&r, data, size);
	if (!(data[-1] & 1)) {
		if (msg_read_request(&r, type, decoded) == 0) {
			if (msg_request(&m, type, 0, decoded) == -1)
				abort();
			same_bytes(data, size);
		}
	} else if (msg_read_answer(&r, type, &status, decoded) == 0) {
		h.type = type;
		h.id = 0;
		if (msg_answer(&m, &h, status, status == ST_OK ? decoded : NULL) == -1)
			abort();
		same_bytes(data, size);
	}
	(void)msg_type_name(type);
	return 0;
}
