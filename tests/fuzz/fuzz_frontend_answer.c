/*
 * libFuzzer: the frontend's decoding of store and authd answers (a daemon the
 * frontend talks to may be compromised or buggy: its answers are hostile too).
 * The first byte picks a parser from frontend/backend.c's be_parsers[], the
 * rest is the answer payload, read as req.c's call_answer() reads it: the
 * status byte, the ST_OK fields, then m_end().  Each parser writes into a heap
 * block of exactly its answer struct (ASan sees any overrun); an answer that
 * decodes must respect the bounds its users rely on.
 */
#include <stdlib.h>
#include <string.h>

#include "../../frontend/fe.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every request type of msg.h has exactly one parser entry. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint16_t ranges[][2] = {
		{ MSG_STORE_PING, MSG_STORE_PAIR_TAKE }, { MSG_AUTH_PING, MSG_AUTH_REVOKE },
	};
	size_t	i, j, found;
	int	t;

	for (i = 0; i < 2; i++)
		for (t = ranges[i][0]; t <= ranges[i][1]; t += 2) {
			for (found = 0, j = 0; j < be_nparsers; j++)
				found += be_parsers[j].type == t;
			if (found != 1)
				abort();
		}
	return 0;
}

static void
check_bounds(uint16_t type, const void *out)
{
	switch (type) {
	case MSG_STORE_SESSION_CREATE: {
		const struct a_created *c = out;

		if (c->ref_len != 0 && c->ref_len != REF_LEN)
			abort();
		break;
	}
	case MSG_STORE_SESSION_LIST:
		if (((const struct a_list *)out)->n > MAX_SESSIONS_LISTED)
			abort();
		break;
	case MSG_STORE_SESSION_REVOKE: {
		const struct a_grant *g = out;

		if (g->len != 0 && g->len != GRANT_LEN)
			abort();
		break;
	}
	case MSG_AUTH_PROVIDERS:
		if (((const struct a_providers *)out)->n > FE_MAX_PROVIDERS)
			abort();
		break;
	case MSG_AUTH_LOGIN_FINISH:
		if (((const struct a_login_finish *)out)->proof_len > MAX_PROOF)
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct be_parser	*p;
	struct mreader		 rd;
	uint8_t			*payload, st;
	void			*out = NULL;
	int			 ok;

	if (size < 1 || size - 1 > MSG_MAX_PAYLOAD)
		return 0;
	p = &be_parsers[data[0] % be_nparsers];
	/* exact-size copies: a read past the payload is caught as well */
	if ((payload = malloc(size > 1 ? size - 1 : 1)) == NULL ||
	    (p->out_size > 0 && (out = malloc(p->out_size)) == NULL)) {
		free(payload);
		return 0;
	}
	memcpy(payload, data + 1, size - 1);
	if (out != NULL)
		memset(out, 0xa5, p->out_size);
	m_reader(&rd, payload, size - 1);
	st = m_get_u8(&rd);
	if (st == ST_OK && p->parse != NULL)
		p->parse(&rd, out);
	ok = m_end(&rd) == 0 && st < ST_MAX;
	if (ok && st == ST_OK && out != NULL)
		check_bounds(p->type, out);
	free(out);
	free(payload);
	return 0;
}
