/*
 * libFuzzer: the store's record decoders (a damaged database is hostile input).
 * The first byte picks the record type (3 and 4: the version 1 session and
 * pairing records the schema 2 -> 3 upgrade reads; 5: the version 2 user
 * record the schema 3 -> 4 upgrade reads).  Decoding is strict, so a
 * value of the current version that decodes must encode back to exactly the
 * same bytes; an old one that decodes must encode as a current one.
 */
#include <stdlib.h>
#include <string.h>

#include "../../store/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct user_rec		u;
	struct session_rec	s;
	struct pair_rec		p;
	uint8_t			out[RECORD_MAX];
	int			len = -1;

	if (size < 1 || size > RECORD_MAX + 1)
		return 0;
	switch (data[0] % 6) {
	case 0:
		if (user_decode(data + 1, size - 1, &u) == 0)
			len = user_encode(&u, out);
		break;
	case 1:
		if (session_decode(data + 1, size - 1, &s) == 0)
			len = session_encode(&s, out);
		break;
	case 2:
		if (pair_decode(data + 1, size - 1, &p) == 0)
			len = pair_encode(&p, out);
		break;
	case 3:
		if (session_decode_v1(data + 1, size - 1, &s) == 0 && session_encode(&s, out) == -1)
			abort();
		break;
	case 4:
		if (pair_decode_v1(data + 1, size - 1, &p) == 0 && pair_encode(&p, out) == -1)
			abort();
		break;
	default:
		if (user_decode_v2(data + 1, size - 1, &u) == 0 && user_encode(&u, out) == -1)
			abort();
		break;
	}
	if (len != -1 && ((size_t)len != size - 1 || memcmp(out, data + 1, len) != 0))
		abort();
	paircode_valid((const char *)data, size);
	return 0;
}
