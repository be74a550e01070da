/* Sealed logins: round trip, PKCE challenge, foreign state / key / box,
 * expiry, uniqueness; the replay cache: single use, bound, expiry; the proof
 * nonce derived from a login's state. */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "b64.h"
#include "check.h"
#include "proof.h"
#include "../../authd/loginseal.h"
#include "../../authd/replay.h"

static uint8_t key[LOGIN_KEY_LEN];

static void
test_roundtrip(void)
{
	struct pending_login	 out;
	char			 state[STATE_LEN + 1], ch[PKCE_VERIFIER_LEN + 1], expect[64];
	char			 nonce[OIDC_NONCE_LEN + 1];
	uint8_t			 box[LOGIN_BOX_LEN], ref[REF_LEN], sha[32];

	memset(ref, 7, sizeof(ref));
	CHECK(loginseal_new(key, "op", PURPOSE_CLI, ref, REF_LEN, 1600, state, ch, nonce, box) == 0,
	    "seal");
	CHECK(strlen(state) == STATE_LEN && strlen(ch) == PKCE_VERIFIER_LEN &&
	    strlen(nonce) == OIDC_NONCE_LEN, "state, challenge and nonce lengths");
	CHECK(loginseal_open(key, box, sizeof(box), state, 1001, &out) == ST_OK, "open");
	CHECK(strcmp(out.provider, "op") == 0 && out.purpose == PURPOSE_CLI &&
	    out.ref_len == REF_LEN && memcmp(out.ref, ref, REF_LEN) == 0 &&
	    strcmp(out.nonce, nonce) == 0 && out.expires == 1600,
	    "provider, purpose, ref, nonce and expiry come back");
	crypto_hash_sha256(sha, (const uint8_t *)out.verifier, strlen(out.verifier));
	b64_encode(expect, sha, sizeof(sha));
	CHECK(strcmp(expect, ch) == 0, "challenge is S256 of the verifier");
	CHECK(strstr(state, out.verifier) == NULL && memmem(box, sizeof(box), "op", 2) == NULL,
	    "the box shows neither the provider nor the verifier");
}

static void
test_refused(void)
{
	struct pending_login	 out;
	char			 state[STATE_LEN + 1], s2[STATE_LEN + 1], ch[PKCE_VERIFIER_LEN + 1];
	char			 nonce[OIDC_NONCE_LEN + 1];
	uint8_t			 box[LOGIN_BOX_LEN], b2[LOGIN_BOX_LEN], other[LOGIN_KEY_LEN];

	loginseal_new(key, "gh", PURPOSE_WEB, NULL, 0, 1600, state, ch, nonce, box);
	loginseal_new(key, "gh", PURPOSE_WEB, NULL, 0, 1600, s2, ch, nonce, b2);
	CHECK(loginseal_open(key, b2, sizeof(b2), state, 1001, &out) == ST_NOTFOUND,
	    "another browser's box does not fit this state");
	CHECK(loginseal_open(key, NULL, 0, state, 1001, &out) == ST_NOTFOUND, "no box");
	CHECK(loginseal_open(key, box, sizeof(box) - 1, state, 1001, &out) == ST_NOTFOUND,
	    "short box");
	box[sizeof(box) - 1] ^= 1;
	CHECK(loginseal_open(key, box, sizeof(box), state, 1001, &out) == ST_NOTFOUND,
	    "tampered box");
	box[sizeof(box) - 1] ^= 1;
	randombytes_buf(other, sizeof(other));
	CHECK(loginseal_open(other, box, sizeof(box), state, 1001, &out) == ST_NOTFOUND,
	    "another key");
	CHECK(loginseal_open(key, box, sizeof(box), "nope", 1001, &out) == ST_NOTFOUND,
	    "unknown state");
	CHECK(loginseal_open(key, box, sizeof(box), state, 1600, &out) == ST_EXPIRED,
	    "expired at its expiry");
	CHECK(loginseal_open(key, box, sizeof(box), state, 1599, &out) == ST_OK,
	    "...and not a second before");
	CHECK(loginseal_new(key, "a-name-that-is-longer-than-32-chars", PURPOSE_WEB, NULL, 0, 1,
	    state, ch, nonce, box) == -1, "a provider name longer than the field is refused");
}

static void
test_unique(void)
{
	char	st[64][STATE_LEN + 1], ch[PKCE_VERIFIER_LEN + 1], nonce[OIDC_NONCE_LEN + 1];
	uint8_t	box[LOGIN_BOX_LEN];
	int	i, j, dup = 0;

	for (i = 0; i < 64; i++)
		loginseal_new(key, "op", PURPOSE_WEB, NULL, 0, 1, st[i], ch, nonce, box);
	for (i = 0; i < 64; i++)
		for (j = i + 1; j < 64; j++)
			dup += strcmp(st[i], st[j]) == 0;
	CHECK(dup == 0, "64 states all different");
}

static void
test_replay(void)
{
	struct replay	*r = replay_new(2);
	uint8_t		 a[LOGIN_HASH_LEN], b[LOGIN_HASH_LEN], c[LOGIN_HASH_LEN];

	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	memset(c, 3, sizeof(c));
	CHECK(!replay_seen(r, a, 100), "unknown state not seen");
	CHECK(replay_add(r, a, 110, 100) == ST_OK && replay_seen(r, a, 101), "used state seen");
	CHECK(replay_add(r, b, 120, 100) == ST_OK, "second entry");
	CHECK(replay_add(r, c, 130, 105) == ST_BUSY, "full of live entries: busy");
	CHECK(replay_seen(r, a, 105) && replay_seen(r, b, 105), "...and nothing live forgotten");
	CHECK(replay_add(r, c, 130, 110) == ST_OK, "an expired entry makes room");
	CHECK(!replay_seen(r, a, 110) && replay_seen(r, c, 110), "the expired one is gone");
	replay_sweep(r, 1000);
	CHECK(replay_count(r) == 0, "sweep drops expired entries");
	replay_free(r);
}

/* One login, one nonce, wherever it is opened; another login, another nonce. */
static void
test_proof_nonce(void)
{
	struct pending_login	 at_a, at_b;
	struct proof		 p, got;
	char			 state[STATE_LEN + 1], ch[PKCE_VERIFIER_LEN + 1];
	char			 nonce[OIDC_NONCE_LEN + 1];
	uint8_t			 box[LOGIN_BOX_LEN], na[PROOF_NONCE_LEN], nb[PROOF_NONCE_LEN];
	uint8_t			 plain[PROOF_NONCE_LEN], zero[PROOF_NONCE_LEN];
	uint8_t			 pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t			 proof[MAX_PROOF];
	static uint8_t		 seen[1000][PROOF_NONCE_LEN];
	size_t			 i, j;
	int			 dup = 0, n;

	CHECK(loginseal_new(key, "op", PURPOSE_WEB, NULL, 0, 1600, state, ch, nonce, box) == 0,
	    "seal a login");
	/* two authd nodes with the same login.key open the same cookie */
	CHECK(loginseal_open(key, box, sizeof(box), state, 1001, &at_a) == ST_OK &&
	    loginseal_open(key, box, sizeof(box), state, 1002, &at_b) == ST_OK, "open it twice");
	loginseal_proof_nonce(at_a.state_hash, na);
	loginseal_proof_nonce(at_b.state_hash, nb);
	CHECK(memcmp(na, nb, sizeof(na)) == 0, "the same login gives the same proof nonce");
	memset(zero, 0, sizeof(zero));
	crypto_generichash(plain, sizeof(plain), at_a.state_hash, LOGIN_HASH_LEN, NULL, 0);
	CHECK(memcmp(na, zero, sizeof(na)) != 0 && memcmp(na, at_a.state_hash, sizeof(na)) != 0 &&
	    memcmp(na, plain, sizeof(na)) != 0,
	    "the nonce is neither zero, nor the state hash, nor its unkeyed hash (domain)");
	for (i = 0; i < 1000; i++) {
		struct pending_login l;

		if (loginseal_new(key, "op", PURPOSE_WEB, NULL, 0, 1600, state, ch, nonce, box) != 0 ||
		    loginseal_open(key, box, sizeof(box), state, 1001, &l) != ST_OK)
			break;
		loginseal_proof_nonce(l.state_hash, seen[i]);
		for (j = 0; j < i && !dup; j++)
			dup = memcmp(seen[i], seen[j], PROOF_NONCE_LEN) == 0;
	}
	CHECK(i == 1000 && !dup, "1000 logins, 1000 different nonces");

	/* the proof carries it as given, and proof_sign refuses none */
	crypto_sign_keypair(pk, sk);
	memset(&p, 0, sizeof(p));
	p.purpose = PURPOSE_WEB;
	p.expires = (uint64_t)time(NULL) + PROOF_TTL;
	strcpy(p.user_id, "op:alice");
	CHECK(proof_sign(&p, sk, proof, sizeof(proof)) == -1, "no proof without a nonce");
	memcpy(p.nonce, na, sizeof(na));
	p.nonce_until = p.expires + PROOF_NONCE_KEEP_MAX + 1;
	CHECK(proof_sign(&p, sk, proof, sizeof(proof)) == -1,
	    "no proof whose nonce_until is more than PROOF_NONCE_KEEP_MAX after it expires");
	p.nonce_until = p.expires + 600;
	n = proof_sign(&p, sk, proof, sizeof(proof));
	CHECK(n > 0 && proof_verify(proof, (size_t)n, pk, (uint64_t)time(NULL), &got) == PROOF_OK &&
	    memcmp(got.nonce, na, sizeof(na)) == 0 && proof_nonce_expiry(&got) == p.expires + 600,
	    "the signed proof carries the derived nonce and its keeping time");
	p.grant_len = 200;
	memset(p.grant, 0x42, p.grant_len);
	n = proof_sign(&p, sk, proof, sizeof(proof));
	CHECK(n > 0 && proof_read_unverified(proof, (size_t)n, &got) == 0 && got.grant_len == 200 &&
	    got.grant[199] == 0x42 && strcmp(got.user_id, "op:alice") == 0,
	    "the frontend reads a refused proof's grant and user without the key");
	CHECK(proof_read_unverified(proof, (size_t)n - 1, &got) == -1 && got.grant_len == 0 &&
	    proof_read_unverified(proof, 10, &got) == -1, "...and nothing from a damaged one");
	p.grant_len = 0;
	p.nonce_until = 0;
	n = proof_sign(&p, sk, proof, sizeof(proof));
	CHECK(n > 0 && proof_verify(proof, (size_t)n, pk, (uint64_t)time(NULL), &got) == PROOF_OK &&
	    proof_nonce_expiry(&got) == p.expires, "without nonce_until the nonce is kept until expiry");
	sodium_memzero(sk, sizeof(sk));
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(key, sizeof(key));
	test_roundtrip();
	test_refused();
	test_unique();
	test_replay();
	test_proof_nonce();
	return CHECK_DONE();
}
