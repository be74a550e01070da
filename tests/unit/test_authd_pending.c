/* Logins in progress: single use, binding, expiry, bound, PKCE challenge. */
#include <string.h>

#include <sodium.h>

#include "b64.h"
#include "check.h"
#include "../../authd/pending.h"

static void
test_roundtrip(void)
{
	struct pending		*p = pending_new(4, 600);
	struct pending_login	 out;
	char			 state[STATE_LEN + 1], ch[PKCE_VERIFIER_LEN + 1], nonce[OIDC_NONCE_LEN + 1];
	uint8_t			 binding[BINDING_LEN], ref[REF_LEN], sha[32], other[BINDING_LEN];
	char			 expect[64];

	memset(ref, 7, sizeof(ref));
	CHECK(pending_add(p, 1000, 2, PURPOSE_CLI, ref, REF_LEN, state, binding, ch, nonce) == ST_OK,
	    "add");
	CHECK(strlen(state) == STATE_LEN && strlen(ch) == PKCE_VERIFIER_LEN &&
	    strlen(nonce) == OIDC_NONCE_LEN, "state, challenge and nonce lengths");
	CHECK(pending_take(p, 1001, state, binding, BINDING_LEN, &out) == ST_OK, "take");
	CHECK(out.provider == 2 && out.purpose == PURPOSE_CLI && out.ref_len == REF_LEN &&
	    memcmp(out.ref, ref, REF_LEN) == 0 && strcmp(out.nonce, nonce) == 0,
	    "provider, purpose, ref and nonce remembered");
	crypto_hash_sha256(sha, (const uint8_t *)out.verifier, strlen(out.verifier));
	b64_encode(expect, sha, sizeof(sha));
	CHECK(strcmp(expect, ch) == 0, "challenge is S256 of the verifier");
	CHECK(pending_take(p, 1001, state, binding, BINDING_LEN, &out) == ST_NOTFOUND,
	    "second take (replay) is not found");
	CHECK(pending_count(p) == 0, "table empty");

	pending_add(p, 1000, 0, PURPOSE_WEB, NULL, 0, state, binding, ch, nonce);
	memcpy(other, binding, sizeof(other));
	other[0] ^= 1;
	CHECK(pending_take(p, 1001, state, other, BINDING_LEN, &out) == ST_NOTFOUND,
	    "wrong binding refused");
	CHECK(pending_take(p, 1001, state, binding, BINDING_LEN, &out) == ST_NOTFOUND,
	    "...and the state is spent");
	pending_add(p, 1000, 0, PURPOSE_WEB, NULL, 0, state, binding, ch, nonce);
	CHECK(pending_take(p, 1001, state, binding, BINDING_LEN - 1, &out) == ST_NOTFOUND,
	    "short binding refused");
	pending_add(p, 1000, 0, PURPOSE_WEB, NULL, 0, state, binding, ch, nonce);
	CHECK(pending_take(p, 1001, state, NULL, 0, &out) == ST_NOTFOUND, "missing binding refused");
	pending_add(p, 1000, 0, PURPOSE_WEB, NULL, 0, state, binding, ch, nonce);
	CHECK(pending_take(p, 1600, state, binding, BINDING_LEN, &out) == ST_EXPIRED,
	    "expired after the TTL");
	CHECK(pending_take(p, 1001, "nope", binding, BINDING_LEN, &out) == ST_NOTFOUND,
	    "unknown state");
	pending_free(p);
}

static void
test_bound(void)
{
	struct pending	*p = pending_new(2, 10);
	char		 state[STATE_LEN + 1], s1[STATE_LEN + 1], ch[PKCE_VERIFIER_LEN + 1];
	char		 nonce[OIDC_NONCE_LEN + 1];
	uint8_t		 b[BINDING_LEN], b1[BINDING_LEN];
	struct pending_login out;

	pending_add(p, 100, 0, PURPOSE_WEB, NULL, 0, s1, b1, ch, nonce);
	pending_add(p, 105, 0, PURPOSE_WEB, NULL, 0, state, b, ch, nonce);
	CHECK(pending_add(p, 106, 0, PURPOSE_WEB, NULL, 0, state, b, ch, nonce) == ST_BUSY,
	    "full table answers busy");
	CHECK(pending_add(p, 111, 0, PURPOSE_WEB, NULL, 0, state, b, ch, nonce) == ST_OK,
	    "an expired entry makes room");
	CHECK(pending_take(p, 111, s1, b1, BINDING_LEN, &out) == ST_NOTFOUND,
	    "the evicted entry is gone");
	pending_sweep(p, 1000);
	CHECK(pending_count(p) == 0, "sweep drops entries expired for over a TTL");
	pending_free(p);
}

static void
test_unique(void)
{
	struct pending	*p = pending_new(64, 600);
	char		 st[64][STATE_LEN + 1], ch[PKCE_VERIFIER_LEN + 1], nonce[OIDC_NONCE_LEN + 1];
	uint8_t		 b[BINDING_LEN];
	int		 i, j, dup = 0;

	for (i = 0; i < 64; i++)
		pending_add(p, 1, 0, PURPOSE_WEB, NULL, 0, st[i], b, ch, nonce);
	for (i = 0; i < 64; i++)
		for (j = i + 1; j < 64; j++)
			dup += strcmp(st[i], st[j]) == 0;
	CHECK(dup == 0, "64 states all different");
	pending_free(p);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_roundtrip();
	test_bound();
	test_unique();
	return CHECK_DONE();
}
