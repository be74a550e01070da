#include "ipc_frame.h"

#include <stdio.h>

int
ipc_frame_next(struct evbuffer *in, struct msg_hdr *hdr, uint8_t **payload, char *why)
{
	uint8_t hdrbuf[MSG_HDR_LEN], *frame;

	if (evbuffer_copyout(in, hdrbuf, sizeof(hdrbuf)) < (ev_ssize_t)sizeof(hdrbuf))
		return 0;
	if (msg_hdr_parse(hdrbuf, hdr) == -1) {
		snprintf(why, WHY_MAX, "bad frame header (version %u, length %u)",
		    hdr->version, hdr->len);
		return -1;
	}
	if (evbuffer_get_length(in) < MSG_HDR_LEN + (size_t)hdr->len)
		return 0;
	if ((frame = evbuffer_pullup(in, MSG_HDR_LEN + hdr->len)) == NULL) {
		snprintf(why, WHY_MAX, "out of memory");
		return -1;
	}
	*payload = frame + MSG_HDR_LEN;
	return 1;
}
