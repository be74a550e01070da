/* libFuzzer: frame header and the typed field readers over hostile bytes.
 * The first input byte picks a sequence of field reads; the rest is the frame. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_hdr	h;
	struct mreader	r;
	char		str[PAIRCODE_MAX + 1];
	uint8_t		blob[MAX_PROOF];
	size_t		n, i;
	uint8_t		plan;

	if (size < 1 + MSG_HDR_LEN)
		return 0;
	plan = data[0];
	data++;
	size--;
	if (msg_hdr_parse(data, &h) == -1 || h.len > size - MSG_HDR_LEN)
		return 0;
	m_reader(&r, data + MSG_HDR_LEN, h.len);
	for (i = 0; i < 8; i++) {
		switch ((plan >> (i % 4 * 2)) & 3) {
		case 0: m_get_u8(&r); m_get_u32(&r); break;
		case 1: m_get_u64(&r); break;
		case 2: m_get_str(&r, str, PAIRCODE_MAX); break;
		default: m_get_blob(&r, blob, sizeof(blob), &n); break;
		}
	}
	m_end(&r);
	(void)msg_type_name(h.type);
	return 0;
}
