#include "grant.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "parse.h"
#include "secret.h"

#define GRANT_VERSION		2	/* sealed boxes */
#define LEGACY_VERSION		1	/* grant files named by a handle */
#define LEGACY_MAX_FILE		(GRANT_BOX_OVERHEAD + GRANT_HANDLE_LEN + 1 + 3 * (2 + MAX_TOKEN))
#define GRANT_PLAIN_MAX		(MAX_GRANT - GRANT_BOX_OVERHEAD)

struct grants {
	int		 dirfd;		/* state_dir/grants */
	struct secret	*key;
	struct secret	*legacy_key;	/* state_dir/grant.key when key is another */
};

static int
key_create(int sfd, char *err, size_t errlen)
{
	uint8_t	 k[crypto_secretbox_KEYBYTES];
	int	 fd, rc = 0;

	if ((fd = openat(sfd, "grant.key", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errlen, "grant.key: %s", strerror(errno));
		return -1;
	}
	randombytes_buf(k, sizeof(k));
	if (write(fd, k, sizeof(k)) != (ssize_t)sizeof(k) || fsync(fd) == -1) {
		snprintf(err, errlen, "grant.key: write: %s", strerror(errno));
		unlinkat(sfd, "grant.key", 0);
		rc = -1;
	}
	sodium_memzero(k, sizeof(k));
	close(fd);
	return rc;
}

static struct secret *
key_load(const char *state_dir, char *err, size_t errlen)
{
	struct secret	*k;
	char		 path[4096], why[256];

	snprintf(path, sizeof(path), "%s/grant.key", state_dir);
	if ((k = secret_load_file(path, GRANT_KEY_LEN, 0, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	return k;
}

/* Given a shared grant.key, the grant files of sessions made before schema 3
 * stay sealed under the state_dir/grant.key of their day, when there is one. */
static int
legacy_key_load(struct grants *g, const char *state_dir, char *err, size_t errlen)
{
	char		path[4096];
	struct stat	sb;

	snprintf(path, sizeof(path), "%s/grant.key", state_dir);
	if (lstat(path, &sb) == -1 && errno == ENOENT)
		return 0;
	if ((g->legacy_key = key_load(state_dir, err, errlen)) == NULL)
		return -1;
	if (g->legacy_key->len != GRANT_KEY_LEN) {
		snprintf(err, errlen, "%s: must be exactly %d bytes", path, GRANT_KEY_LEN);
		return -1;
	}
	secret_close(g->legacy_key);
	return 0;
}

struct grants *
grants_open(const char *state_dir, struct secret *key, char *err, size_t errlen)
{
	struct grants	*g;
	int		 sfd;

	err[0] = '\0';

	if (mkdir(state_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		secret_free(key);
		return NULL;
	}
	if ((sfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		secret_free(key);
		return NULL;
	}
	if ((key == NULL && key_create(sfd, err, errlen) == -1) ||
	    (mkdirat(sfd, "grants", 0700) == -1 && errno != EEXIST)) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s/grants: %s", state_dir, strerror(errno));
		close(sfd);
		secret_free(key);
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		close(sfd);
		secret_free(key);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->key = key;
	g->dirfd = openat(sfd, "grants", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	close(sfd);
	if (g->dirfd == -1) {
		snprintf(err, errlen, "%s/grants: %s", state_dir, strerror(errno));
		grants_close(g);
		return NULL;
	}
	if (g->key == NULL && (g->key = key_load(state_dir, err, errlen)) == NULL) {
		grants_close(g);
		return NULL;
	}
	if (g->key->len != GRANT_KEY_LEN) {
		snprintf(err, errlen, "grant.key: must be exactly %d bytes", GRANT_KEY_LEN);
		grants_close(g);
		return NULL;
	}
	secret_close(g->key);
	if (key != NULL && legacy_key_load(g, state_dir, err, errlen) == -1) {
		grants_close(g);
		return NULL;
	}
	return g;
}

void
grants_close(struct grants *g)
{
	if (g == NULL)
		return;
	if (g->dirfd != -1)
		close(g->dirfd);
	secret_free(g->key);
	secret_free(g->legacy_key);
	free(g);
}

struct secret *
grants_key(struct grants *g)
{
	return g->key;
}

static void
put_str(struct buf *b, const char *s)
{
	size_t	n = s == NULL ? 0 : strlen(s);
	uint8_t	len[2] = { (uint8_t)(n >> 8), (uint8_t)n };

	if (n > MAX_TOKEN) {
		b->err = 1;
		return;
	}
	buf_addn(b, len, 2);
	if (n > 0)
		buf_addn(b, s, n);
}

int
grant_seal(const uint8_t key[GRANT_KEY_LEN], const char *user_id, const struct grant *gr,
    uint8_t box[MAX_GRANT], size_t *len)
{
	struct buf	plain;
	int		rc = -1;

	*len = 0;
	if (gr->access_token == NULL || strlen(user_id) > MAX_USERID ||
	    strlen(gr->provider) > MAX_PROVIDER)
		return -1;
	/* a buffer that refuses to grow past what fits, so a token set that does
	 * not fit fails here, before anything is sealed */
	buf_init(&plain, GRANT_PLAIN_MAX);
	buf_addc(&plain, GRANT_VERSION);
	put_str(&plain, user_id);
	put_str(&plain, gr->provider);
	put_str(&plain, gr->access_token);
	put_str(&plain, gr->refresh_token);
	if (buf_str(&plain) != NULL && plain.len <= GRANT_PLAIN_MAX) {
		randombytes_buf(box, crypto_secretbox_NONCEBYTES);
		if (crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES,
		    (const uint8_t *)plain.p, plain.len, box, key) == 0) {
			*len = GRANT_BOX_OVERHEAD + plain.len;
			rc = 0;
		}
	}
	buf_free(&plain);
	return rc;
}

static char *
get_str(const uint8_t **p, const uint8_t *end, int *err)
{
	size_t	 n;
	char	*s;

	if (end - *p < 2) {
		*err = 1;
		return NULL;
	}
	n = (size_t)(*p)[0] << 8 | (*p)[1];
	*p += 2;
	if (n > (size_t)(end - *p) || n > MAX_TOKEN || memchr(*p, '\0', n) != NULL) {
		*err = 1;
		return NULL;
	}
	if (n == 0)
		return NULL;
	if ((s = malloc(n + 1)) == NULL) {
		*err = 1;
		return NULL;
	}
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n;
	return s;
}

/* provider, access token, refresh token, up to end */
static int
grant_fields(const uint8_t *p, const uint8_t *end, struct grant *gr)
{
	char	*prov;
	int	 err = 0;

	prov = get_str(&p, end, &err);
	gr->access_token = get_str(&p, end, &err);
	gr->refresh_token = get_str(&p, end, &err);
	if (err || p != end || prov == NULL || strlen(prov) > MAX_PROVIDER ||
	    gr->access_token == NULL) {
		str_wipe_free(prov);
		grant_clear(gr);
		return -1;
	}
	memcpy(gr->provider, prov, strlen(prov) + 1);
	free(prov);
	return 0;
}

/* Version, the user the box was sealed for, then the fields. */
static int
grant_decode(const uint8_t *plain, size_t n, const char *user_id, struct grant *gr)
{
	const uint8_t	*p = plain + 1, *end = plain + n;
	size_t		 ulen = strlen(user_id), m;

	if (n < 3 || plain[0] != GRANT_VERSION)
		return -1;
	m = (size_t)p[0] << 8 | p[1];
	p += 2;
	if (m != ulen || m > (size_t)(end - p) || sodium_memcmp(p, user_id, m) != 0)
		return -1;
	return grant_fields(p + m, end, gr);
}

int
grant_open(const uint8_t key[GRANT_KEY_LEN], const uint8_t *box, size_t len,
    const char *user_id, struct grant *gr)
{
	uint8_t	plain[GRANT_PLAIN_MAX];
	size_t	plen;
	int	rc = -1;

	memset(gr, 0, sizeof(*gr));
	if (len <= GRANT_BOX_OVERHEAD || len > MAX_GRANT)
		return -1;
	plen = len - GRANT_BOX_OVERHEAD;
	if (crypto_secretbox_open_easy(plain, box + crypto_secretbox_NONCEBYTES,
	    len - crypto_secretbox_NONCEBYTES, box, key) == 0)
		rc = grant_decode(plain, plen, user_id, gr);
	sodium_memzero(plain, sizeof(plain));
	return rc;
}

/* ---- legacy grant files (before schema 3) ---- */

static void
handle_name(const uint8_t handle[GRANT_HANDLE_LEN], char name[2 * GRANT_HANDLE_LEN + 8])
{
	sodium_bin2hex(name, 2 * GRANT_HANDLE_LEN + 1, handle, GRANT_HANDLE_LEN);
	strcat(name, ".grant");
}

static int
legacy_decode(const uint8_t *plain, size_t n, const uint8_t handle[GRANT_HANDLE_LEN],
    struct grant *gr)
{
	/* the handle binds the content to its file name */
	if (n < GRANT_HANDLE_LEN + 1 || sodium_memcmp(plain, handle, GRANT_HANDLE_LEN) != 0 ||
	    plain[GRANT_HANDLE_LEN] != LEGACY_VERSION)
		return -1;
	return grant_fields(plain + GRANT_HANDLE_LEN + 1, plain + n, gr);
}

static ssize_t
legacy_read(struct grants *g, const uint8_t handle[GRANT_HANDLE_LEN], uint8_t *buf, size_t max)
{
	char		name[2 * GRANT_HANDLE_LEN + 8];
	struct stat	st;
	ssize_t		n;
	int		fd;

	handle_name(handle, name);
	if ((fd = openat(g->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size > max) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	return n == st.st_size ? n : -1;
}

int
legacy_grant_get(struct grants *g, const uint8_t handle[GRANT_HANDLE_LEN], struct grant *gr)
{
	struct secret	*k = g->legacy_key != NULL ? g->legacy_key : g->key;
	uint8_t		*sealed, *plain;
	ssize_t		 n;
	size_t		 plen;
	int		 rc = -1;

	memset(gr, 0, sizeof(*gr));
	if ((sealed = malloc(LEGACY_MAX_FILE)) == NULL)
		return -1;
	if ((n = legacy_read(g, handle, sealed, LEGACY_MAX_FILE)) <= 0) {
		free(sealed);
		return n == 0 ? 1 : -1;
	}
	if ((size_t)n < GRANT_BOX_OVERHEAD || (plain = malloc((size_t)n)) == NULL) {
		free(sealed);
		return -1;
	}
	plen = (size_t)n - GRANT_BOX_OVERHEAD;
	if (crypto_secretbox_open_easy(plain, sealed + crypto_secretbox_NONCEBYTES,
	    (size_t)n - crypto_secretbox_NONCEBYTES, sealed, secret_open(k)) == 0)
		rc = legacy_decode(plain, plen, handle, gr);
	secret_close(k);
	sodium_memzero(plain, (size_t)n);
	free(plain);
	free(sealed);
	return rc;
}

int
legacy_grant_delete(struct grants *g, const uint8_t handle[GRANT_HANDLE_LEN])
{
	char name[2 * GRANT_HANDLE_LEN + 8];

	handle_name(handle, name);
	if (unlinkat(g->dirfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

void
grant_clear(struct grant *gr)
{
	str_wipe_free(gr->access_token);
	str_wipe_free(gr->refresh_token);
	memset(gr, 0, sizeof(*gr));
}

size_t
grants_sweep(struct grants *g, uint64_t now, uint64_t max_age)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	size_t		 n = 0;
	int		 fd;

	if ((fd = dup(g->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".grant") == NULL)
			continue;
		if (fstatat(g->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if ((uint64_t)st.st_mtime + max_age < now &&
		    unlinkat(g->dirfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}
