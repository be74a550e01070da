/* Sealed grants: round trip, binding to the user, tampering, another key,
 * the size bound; grant.key (state_dir's or given); legacy grant files. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "../../authd/grant.h"
#include "../../authd/parse.h"
#include "../../authd/secret.h"

static char dir[] = "/tmp/authd-grant-test.XXXXXX";

static int
has(const uint8_t *b, size_t n, const char *needle)
{
	return memmem(b, n, needle, strlen(needle)) != NULL;
}

static struct grant
grant_of(const char *prov, char *at, char *rt)
{
	struct grant g;

	memset(&g, 0, sizeof(g));
	snprintf(g.provider, sizeof(g.provider), "%s", prov);
	g.access_token = at;
	g.refresh_token = rt;
	return g;
}

static void
test_seal(void)
{
	uint8_t		k[GRANT_KEY_LEN], k2[GRANT_KEY_LEN], box[MAX_GRANT], box2[MAX_GRANT];
	size_t		n, n2, i;
	struct grant	in = grant_of("op", "ACCESS-TOKEN-MARKER", "REFRESH-TOKEN-MARKER"), out;
	int		opened_any = 0;

	randombytes_buf(k, sizeof(k));
	randombytes_buf(k2, sizeof(k2));
	CHECK(grant_seal(k, "op:alice", &in, box, &n) == 0 && n > GRANT_BOX_OVERHEAD &&
	    n <= MAX_GRANT, "seal (%zu bytes)", n);
	CHECK(!has(box, n, "ACCESS-TOKEN-MARKER") && !has(box, n, "REFRESH-TOKEN-MARKER") &&
	    !has(box, n, "op:alice"), "neither the tokens nor the user are in the box in clear");
	CHECK(grant_open(k, box, n, "op:alice", &out) == 0 && strcmp(out.provider, "op") == 0 &&
	    strcmp(out.access_token, in.access_token) == 0 &&
	    strcmp(out.refresh_token, in.refresh_token) == 0, "opens to what was sealed");
	grant_clear(&out);
	CHECK(out.access_token == NULL && out.refresh_token == NULL, "clear forgets the tokens");
	CHECK(grant_seal(k, "op:alice", &in, box2, &n2) == 0 && n2 == n &&
	    memcmp(box, box2, n) != 0, "two seals of one grant differ (random nonce)");

	CHECK(grant_open(k2, box, n, "op:alice", &out) == -1 && out.access_token == NULL,
	    "a box from another grant.key is refused");
	CHECK(grant_open(k, box, n, "op:bob", &out) == -1, "a box of another user is refused");
	CHECK(grant_open(k, box, n, "op:alic", &out) == -1 &&
	    grant_open(k, box, n, "op:alicee", &out) == -1, "...also one byte shorter or longer");
	CHECK(grant_open(k, box, n, "", &out) == -1, "...and an empty user");
	for (i = 0; i < n; i++) {
		box[i] ^= 0x01;
		if (grant_open(k, box, n, "op:alice", &out) == 0) {
			opened_any = 1;
			grant_clear(&out);
		}
		box[i] ^= 0x01;
	}
	CHECK(!opened_any, "a box with any one bit flipped is refused (%zu positions)", n);
	CHECK(grant_open(k, box, n - 1, "op:alice", &out) == -1, "a truncated box is refused");
	CHECK(grant_open(k, box, GRANT_BOX_OVERHEAD, "op:alice", &out) == -1 &&
	    grant_open(k, box, GRANT_HANDLE_LEN, "op:alice", &out) == -1 &&
	    grant_open(k, box, 0, "op:alice", &out) == -1, "short boxes are refused");
	CHECK(grant_open(k, box, MAX_GRANT + 1, "op:alice", &out) == -1,
	    "a length over MAX_GRANT is refused before anything is read");
	CHECK(grant_open(k, box, n, "op:alice", &out) == 0, "the box is intact after all that");
	grant_clear(&out);

	in.refresh_token = NULL;
	CHECK(grant_seal(k, "op:alice", &in, box, &n) == 0 &&
	    grant_open(k, box, n, "op:alice", &out) == 0 && out.refresh_token == NULL &&
	    strcmp(out.access_token, "ACCESS-TOKEN-MARKER") == 0, "grant without refresh token");
	grant_clear(&out);
	in.access_token = NULL;
	CHECK(grant_seal(k, "op:alice", &in, box, &n) == -1 && n == 0,
	    "a grant without access token is not sealed");
	sodium_memzero(k, sizeof(k));
	sodium_memzero(k2, sizeof(k2));
}

/* The largest token set that fits is sealed into at most MAX_GRANT bytes;
 * one byte more is refused, whatever the split between the two tokens. */
static void
test_size(void)
{
	uint8_t		k[GRANT_KEY_LEN], box[MAX_GRANT];
	char		*at, *rt;
	const char	*user = "op:alice";
	size_t		n, fit, total;
	struct grant	g, out;

	randombytes_buf(k, sizeof(k));
	/* plaintext: version, then user, provider, access, refresh with a u16 length each */
	fit = MAX_GRANT - GRANT_BOX_OVERHEAD - 1 - 4 * 2 - strlen(user) - strlen("op");
	if ((at = malloc(MAX_TOKEN + 1)) == NULL || (rt = malloc(MAX_TOKEN + 1)) == NULL)
		exit(1);
	memset(at, 'a', MAX_TOKEN);
	memset(rt, 'r', MAX_TOKEN);
	at[fit / 2] = '\0';
	rt[fit - fit / 2] = '\0';
	total = strlen(at) + strlen(rt);
	g = grant_of("op", at, rt);
	CHECK(total == fit && grant_seal(k, user, &g, box, &n) == 0 && n == MAX_GRANT,
	    "tokens of %zu bytes in all fit exactly (box %zu bytes)", total, n);
	CHECK(grant_open(k, box, n, user, &out) == 0 && strlen(out.access_token) == fit / 2 &&
	    strlen(out.refresh_token) == fit - fit / 2, "...and open whole");
	grant_clear(&out);
	rt[fit - fit / 2] = 'r';
	rt[fit - fit / 2 + 1] = '\0';
	CHECK(grant_seal(k, user, &g, box, &n) == -1 && n == 0,
	    "one byte more is refused (the login then fails closed)");
	rt[0] = '\0';
	at[fit / 2] = 'a';
	at[fit + 1] = '\0';
	g.refresh_token = NULL;
	CHECK(grant_seal(k, user, &g, box, &n) == -1, "...also as one access token alone");
	at[MAX_TOKEN] = '\0';
	CHECK(grant_seal(k, user, &g, box, &n) == -1, "a MAX_TOKEN access token is refused");
	free(at);
	free(rt);
	sodium_memzero(k, sizeof(k));
}

/* A grant file as authd wrote it before schema 3: nonce, then sealed (handle,
 * version 1, provider, access token, refresh token). */
static void
legacy_write(const uint8_t k[GRANT_KEY_LEN], const uint8_t h[GRANT_HANDLE_LEN], const char *at,
    const char *rt, char *path, size_t pathlen)
{
	uint8_t	plain[512], sealed[600];
	char	hex[2 * GRANT_HANDLE_LEN + 1];
	size_t	o = 0;
	int	fd;
	const char *f[3] = { "op", at, rt };

	memcpy(plain, h, GRANT_HANDLE_LEN);
	o = GRANT_HANDLE_LEN;
	plain[o++] = 1;
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(f[i]);

		plain[o++] = (uint8_t)(n >> 8);
		plain[o++] = (uint8_t)n;
		memcpy(plain + o, f[i], n);
		o += n;
	}
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, plain, o, sealed, k);
	sodium_bin2hex(hex, sizeof(hex), h, GRANT_HANDLE_LEN);
	snprintf(path, pathlen, "%s/grants/%s.grant", dir, hex);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd != -1 && write(fd, sealed, GRANT_BOX_OVERHEAD + o) ==
	    (ssize_t)(GRANT_BOX_OVERHEAD + o), "write a legacy grant file");
	if (fd != -1)
		close(fd);
}

static void
test_state_dir(void)
{
	struct grants	*g;
	struct grant	 out;
	struct secret	*k;
	uint8_t		 h[GRANT_HANDLE_LEN], h2[GRANT_HANDLE_LEN], byte, key[GRANT_KEY_LEN];
	uint8_t		 box[MAX_GRANT];
	struct grant	 in = grant_of("op", "AT", "RT");
	char		 err[256], path[512], path2[512], kpath[512], hex[2 * GRANT_HANDLE_LEN + 1];
	struct stat	 st;
	size_t		 n;
	int		 fd;

	g = grants_open(dir, NULL, err, sizeof(err));
	CHECK(g != NULL, "open (%s)", g == NULL ? err : "ok");
	if (g == NULL)
		return;
	snprintf(kpath, sizeof(kpath), "%s/grant.key", dir);
	CHECK(stat(kpath, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == GRANT_KEY_LEN,
	    "state_dir/grant.key made at first start, 0600, %d bytes", GRANT_KEY_LEN);
	snprintf(path, sizeof(path), "%s/grants", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700, "grants/ is 0700");
	fd = open(kpath, O_RDONLY);
	CHECK(fd != -1 && read(fd, key, sizeof(key)) == (ssize_t)sizeof(key), "read grant.key");
	if (fd != -1)
		close(fd);
	k = grants_key(g);
	CHECK(grant_seal(secret_open(k), "op:a", &in, box, &n) == 0, "seal under the grants' key");
	secret_close(k);
	CHECK(grant_open(key, box, n, "op:a", &out) == 0, "...which is state_dir/grant.key");
	grant_clear(&out);

	randombytes_buf(h, sizeof(h));
	legacy_write(key, h, "LEGACY-AT", "LEGACY-RT", path, sizeof(path));
	CHECK(legacy_grant_get(g, h, &out) == 0 && strcmp(out.provider, "op") == 0 &&
	    strcmp(out.access_token, "LEGACY-AT") == 0 &&
	    strcmp(out.refresh_token, "LEGACY-RT") == 0, "a legacy grant file still opens");
	grant_clear(&out);
	CHECK(grant_open(key, h, sizeof(h), "op:a", &out) == -1,
	    "a legacy handle is no sealed box");
	randombytes_buf(h2, sizeof(h2));
	sodium_bin2hex(hex, sizeof(hex), h2, sizeof(h2));
	snprintf(path2, sizeof(path2), "%s/grants/%s.grant", dir, hex);
	CHECK(rename(path, path2) == 0 && legacy_grant_get(g, h2, &out) == -1,
	    "a legacy grant file under another handle's name is refused");
	CHECK(legacy_grant_get(g, h, &out) == 1, "missing legacy grant is not found");
	legacy_write(key, h, "LEGACY-AT", "LEGACY-RT", path, sizeof(path));
	fd = open(path, O_RDWR);
	CHECK(fd != -1 && pread(fd, &byte, 1, 40) == 1 && (byte ^= 0x20, pwrite(fd, &byte, 1, 40)) == 1,
	    "flip one bit of the legacy grant file");
	if (fd != -1)
		close(fd);
	CHECK(legacy_grant_get(g, h, &out) == -1, "tampered legacy grant is refused");
	CHECK(legacy_grant_delete(g, h) == 0 && legacy_grant_get(g, h, &out) == 1, "delete");
	CHECK(grants_sweep(g, (uint64_t)time(NULL) + 100, 10) >= 1, "sweep removes old grant files");
	grants_close(g);

	/* given a key (from the secrets), state_dir's is not used */
	k = secret_new(GRANT_KEY_LEN);
	CHECK(k != NULL, "secret_new");
	if (k == NULL)
		return;
	randombytes_buf(k->p, GRANT_KEY_LEN);
	secret_close(k);
	g = grants_open(dir, k, err, sizeof(err));
	CHECK(g != NULL && grants_key(g) == k, "open with a given grant.key (%s)",
	    g == NULL ? err : "ok");
	if (g != NULL) {
		CHECK(grant_seal(secret_open(k), "op:a", &in, box, &n) == 0 &&
		    grant_open(key, box, n, "op:a", &out) == -1,
		    "a given grant.key replaces state_dir's");
		secret_close(k);
		legacy_write(key, h, "OLD-AT", "OLD-RT", path, sizeof(path));
		CHECK(legacy_grant_get(g, h, &out) == 0 && strcmp(out.access_token, "OLD-AT") == 0,
		    "...while legacy grant files still open with state_dir's");
		grant_clear(&out);
		grants_close(g);
	}
	k = secret_new(GRANT_KEY_LEN - 1);
	CHECK(k != NULL && grants_open(dir, k, err, sizeof(err)) == NULL &&
	    strstr(err, "32 bytes") != NULL, "a given key of the wrong size is refused");

	chmod(kpath, 0644);
	CHECK(grants_open(dir, NULL, err, sizeof(err)) == NULL && strstr(err, "group/world") != NULL,
	    "a readable grant.key is refused");
	sodium_memzero(key, sizeof(key));
}

/* A raw key whose last byte happens to be '\n' is a key, not a line. */
static void
test_key_newline(void)
{
	char		 d2[] = "/tmp/authd-grant-key.XXXXXX", path[256], err[256], cmd[300];
	uint8_t		 k[32];
	struct grants	*g;
	int		 fd;

	if (mkdtemp(d2) == NULL)
		return;
	memset(k, 'A', sizeof(k));
	k[31] = '\n';
	snprintf(path, sizeof(path), "%s/grant.key", d2);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd != -1 && write(fd, k, sizeof(k)) == (ssize_t)sizeof(k), "write a key ending in 0x0a");
	close(fd);
	g = grants_open(d2, NULL, err, sizeof(err));
	CHECK(g != NULL, "key ending in a newline byte loads (%s)", g == NULL ? err : "ok");
	grants_close(g);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d2);
	if (system(cmd) != 0)
		CHECK(0, "clean up");
}

int
main(void)
{
	char cmd[128];

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	test_seal();
	test_size();
	test_state_dir();
	test_key_newline();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return CHECK_DONE();
}
