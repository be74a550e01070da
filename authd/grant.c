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
#include "log.h"
#include "sock.h"
#include "parse.h"
#include "secret.h"

#define GRANT_VERSION	1
#define GRANT_MAX_FILE	(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + \
			 GRANT_LEN + 1 + 3 * (2 + MAX_TOKEN))

struct grants {
	int		 dirfd;		/* state_dir/grants */
	struct secret	*key;
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

struct grants *
grants_open(const char *state_dir, char *err, size_t errlen)
{
	struct grants	*g;
	char		 path[4096];
	int		 sfd;

	err[0] = '\0';

	if (mkdir(state_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		return NULL;
	}
	if ((sfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		return NULL;
	}
	if (key_create(sfd, err, errlen) == -1 ||
	    (mkdirat(sfd, "grants", 0700) == -1 && errno != EEXIST)) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s/grants: %s", state_dir, strerror(errno));
		close(sfd);
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		close(sfd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->dirfd = openat(sfd, "grants", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	close(sfd);
	snprintf(path, sizeof(path), "%s/grant.key", state_dir);
	if (g->dirfd == -1) {
		snprintf(err, errlen, "%s/grants: %s", state_dir, strerror(errno));
		grants_close(g);
		return NULL;
	}
	if ((g->key = secret_load_file(path, crypto_secretbox_KEYBYTES, 0, err, errlen)) == NULL ||
	    g->key->len != crypto_secretbox_KEYBYTES) {
		if (g->key != NULL)
			snprintf(err, errlen, "grant.key: wrong size");
		else {
			char why[256];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "%s: %s", path, why);
		}
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
	free(g);
}

static void
handle_name(const uint8_t handle[GRANT_LEN], char name[2 * GRANT_LEN + 8])
{
	sodium_bin2hex(name, 2 * GRANT_LEN + 1, handle, GRANT_LEN);
	strcat(name, ".grant");
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

static int
grant_write(struct grants *g, const uint8_t handle[GRANT_LEN], const uint8_t *sealed, size_t n)
{
	char	name[2 * GRANT_LEN + 8], tmp[2 * GRANT_LEN + 16];
	int	fd;

	handle_name(handle, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	if ((fd = openat(g->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		return -1;
	if (fd_write_all(fd, sealed, n) == -1 || fsync(fd) == -1) {
		close(fd);
		unlinkat(g->dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(g->dirfd, tmp, g->dirfd, name) == -1) {
		unlinkat(g->dirfd, tmp, 0);
		return -1;
	}
	fsync(g->dirfd);
	return 0;
}

int
grant_put(struct grants *g, const struct grant *gr, uint8_t handle[GRANT_LEN])
{
	struct buf	 plain;
	uint8_t		*sealed;
	size_t		 n;
	int		 rc = -1;

	randombytes_buf(handle, GRANT_LEN);
	buf_init(&plain, GRANT_MAX_FILE);
	buf_addn(&plain, handle, GRANT_LEN);	/* binds the content to its file name */
	buf_addc(&plain, GRANT_VERSION);
	put_str(&plain, gr->provider);
	put_str(&plain, gr->access_token);
	put_str(&plain, gr->refresh_token);
	if (buf_str(&plain) == NULL) {
		buf_free(&plain);
		return -1;
	}
	n = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.len;
	if ((sealed = malloc(n)) == NULL) {
		buf_free(&plain);
		return -1;
	}
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, (uint8_t *)plain.p,
	    plain.len, sealed, secret_open(g->key));
	secret_close(g->key);
	buf_free(&plain);
	if (grant_write(g, handle, sealed, n) == 0)
		rc = 0;
	else
		log_warn("grant: store");
	free(sealed);
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

static int
grant_decode(const uint8_t *plain, size_t n, const uint8_t handle[GRANT_LEN], struct grant *gr)
{
	const uint8_t	*p = plain + GRANT_LEN + 1, *end = plain + n;
	char		*prov;
	int		 err = 0;

	if (n < GRANT_LEN + 1 || sodium_memcmp(plain, handle, GRANT_LEN) != 0 ||
	    plain[GRANT_LEN] != GRANT_VERSION)
		return -1;
	prov = get_str(&p, end, &err);
	gr->access_token = get_str(&p, end, &err);
	gr->refresh_token = get_str(&p, end, &err);
	if (err || p != end || prov == NULL || strlen(prov) > MAX_PROVIDER ||
	    gr->access_token == NULL) {
		free(prov);
		grant_clear(gr);
		return -1;
	}
	memcpy(gr->provider, prov, strlen(prov) + 1);
	free(prov);
	return 0;
}

static ssize_t
grant_read(struct grants *g, const uint8_t handle[GRANT_LEN], uint8_t *buf, size_t max)
{
	char		name[2 * GRANT_LEN + 8];
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
grant_get(struct grants *g, const uint8_t handle[GRANT_LEN], struct grant *gr)
{
	uint8_t	*sealed, *plain;
	ssize_t	 n;
	size_t	 plen;
	int	 rc = -1;

	memset(gr, 0, sizeof(*gr));
	if ((sealed = malloc(GRANT_MAX_FILE)) == NULL)
		return -1;
	if ((n = grant_read(g, handle, sealed, GRANT_MAX_FILE)) <= 0) {
		free(sealed);
		return n == 0 ? 1 : -1;
	}
	if ((size_t)n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES ||
	    (plain = malloc((size_t)n)) == NULL) {
		free(sealed);
		return -1;
	}
	plen = (size_t)n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	if (crypto_secretbox_open_easy(plain, sealed + crypto_secretbox_NONCEBYTES,
	    (size_t)n - crypto_secretbox_NONCEBYTES, sealed, secret_open(g->key)) == 0)
		rc = grant_decode(plain, plen, handle, gr);
	secret_close(g->key);
	sodium_memzero(plain, (size_t)n);
	free(plain);
	free(sealed);
	return rc;
}

int
grant_delete(struct grants *g, const uint8_t handle[GRANT_LEN])
{
	char name[2 * GRANT_LEN + 8];

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
