/*
 * libFuzzer: the frontend's decoding of store and authd answers (a daemon the
 * frontend talks to may be compromised or buggy: its answers are hostile too).
 * The first byte picks one of the requests the frontend sends, the rest is
 * the answer payload, read as frontend/backend.c reads it: msg_read_answer()
 * into a heap block of exactly that answer's struct msg_<name>_r (ASan sees
 * any overrun).  An answer that decodes must respect the bounds its users
 * rely on.
 */
#include <stdlib.h>
#include <string.h>

#include "../../frontend/fe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every request the frontend sends (proto/msgtab.h: frontend -> store, authd),
 * in the order of the seeds' first byte (tests/fuzz/mkseeds.py). */
static const uint16_t types[] = {
	MSG_STORE_SESSION_GET, MSG_STORE_INCREMENT, MSG_STORE_SESSION_CREATE,
	MSG_STORE_PAGE, MSG_STORE_SESSION_REVOKE, MSG_STORE_PAIR_CREATE,
	MSG_STORE_PAIR_INFO, MSG_STORE_PAIR_DECIDE, MSG_STORE_PAIR_TAKE, MSG_STORE_PAIR_APPROVE,
	MSG_STORE_PING, MSG_AUTH_PING, MSG_AUTH_PROVIDERS, MSG_AUTH_LOGIN_START,
	MSG_AUTH_LOGIN_FINISH, MSG_AUTH_REVOKE, MSG_STORE_LOGOUT, MSG_AUTH_BACKCHANNEL,
};
#define NTYPES	(sizeof(types) / sizeof(types[0]))
#define COUNT_(NAME, name, num)	+ 1
_Static_assert(NTYPES == 0 MSG_TABLE(COUNT_), "every message of the table is fuzzed");

static void
check_bounds(uint16_t type, const void *out)
{
	switch (type) {
	case MSG_STORE_SESSION_CREATE: {
		const struct msg_store_session_create_r *c = out;

		if (c->ref_len != 0 && c->ref_len != REF_LEN)
			abort();
		break;
	}
	case MSG_STORE_PAGE:
		if (((const struct msg_store_page_r *)out)->sessions_n > MAX_SESSIONS_LISTED)
			abort();
		break;
	case MSG_STORE_SESSION_REVOKE: {
		const struct msg_store_session_revoke_r *g = out;

		if (g->grant_len > MAX_GRANT)
			abort();
		break;
	}
	case MSG_AUTH_PROVIDERS:
		if (((const struct msg_auth_providers_r *)out)->providers_n > MAX_PROVIDERS_LISTED)
			abort();
		break;
	case MSG_AUTH_LOGIN_START:
		if (((const struct msg_auth_login_start_r *)out)->binding_len > BINDING_MAX)
			abort();
		break;
	case MSG_AUTH_LOGIN_FINISH:
		if (((const struct msg_auth_login_finish_r *)out)->proof_len > MAX_PROOF)
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct msg_def	*d;
	struct mreader		 rd;
	uint16_t		 type;
	uint8_t			*payload, st;
	void			*out = NULL;
	int			 ok;

	if (size < 1 || size - 1 > MSG_MAX_PAYLOAD)
		return 0;
	type = types[data[0] % NTYPES];
	if ((d = msg_def(type)) == NULL)
		abort();	/* every type of the table has its definition */
	/* exact-size copies: a read past the payload is caught as well */
	if ((payload = malloc(size > 1 ? size - 1 : 1)) == NULL ||
	    (d->ans.size > 0 && (out = malloc(d->ans.size)) == NULL)) {
		free(payload);
		return 0;
	}
	memcpy(payload, data + 1, size - 1);
	if (out != NULL)
		memset(out, 0xa5, d->ans.size);
	m_reader(&rd, payload, size - 1);
	ok = msg_read_answer(&rd, type, &st, out) == 0 && st < ST_MAX;
	if (ok && st == ST_OK && out != NULL)
		check_bounds(type, out);
	free(out);
	free(payload);
	return 0;
}
