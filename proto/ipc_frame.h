/*
 * Reading whole frames from a connection's input, for both ends of
 * proto/ipc.h (ipc_server.c, ipc_client.c).
 */
#ifndef AIRLOCK_IPC_FRAME_H
#define AIRLOCK_IPC_FRAME_H

#include <event2/buffer.h>

#include "msg.h"

#define WHY_MAX	96

/*
 * The next whole frame in a connection's input, left in place: 1 with *hdr
 * and *payload set, 0 when more bytes are needed, -1 on a bad header or no
 * memory (why[WHY_MAX] says which).
 */
int	ipc_frame_next(struct evbuffer *, struct msg_hdr *, uint8_t **payload, char *why);

#endif
