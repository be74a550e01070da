#include "secret.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"

struct secret *
secret_new(size_t len)
{
	struct secret *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->p = sodium_malloc(len + 1)) == NULL) {
		free(s);
		return NULL;
	}
	/* sodium_malloc locks the pages already; this documents the intent. */
	(void)sodium_mlock(s->p, len + 1);
	memset(s->p, 0, len + 1);
	s->len = len;
	return s;
}

const unsigned char *
secret_open(struct secret *s)
{
	sodium_mprotect_readonly(s->p);
	return s->p;
}

void
secret_close(struct secret *s)
{
	sodium_mprotect_noaccess(s->p);
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	sodium_mprotect_readwrite(s->p);
	sodium_free(s->p);	/* wipes */
	free(s);
}

int
secret_path(char *out, size_t outlen, const char *dir, const char *name)
{
	const char	*creds = getenv("CREDENTIALS_DIRECTORY");
	int		 n;

	if (creds != NULL && *creds != '\0') {
		n = snprintf(out, outlen, "%s/%s", creds, name);
		if (n >= 0 && (size_t)n < outlen && access(out, F_OK) == 0)
			return 0;
	}
	if (dir == NULL)
		return -1;
	n = snprintf(out, outlen, "%s/%s", dir, name);
	return n >= 0 && (size_t)n < outlen ? 0 : -1;
}

static int
secret_check_fd(int fd, size_t max, char *err, size_t errlen, size_t *size)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "fstat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "group/world accessible (mode %04o), refusing: chmod 600",
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "owned by uid %u, neither us nor root", (unsigned)st.st_uid);
		return -1;
	}
	if (st.st_size <= 0 || (size_t)st.st_size > max + 2) {
		snprintf(err, errlen, "empty or too large (max %zu bytes)", max);
		return -1;
	}
	*size = (size_t)st.st_size;
	return 0;
}

static int
secret_read(int fd, struct secret *s, size_t size)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < size) {
		n = read(fd, s->p + off, size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

struct secret *
secret_load_file(const char *path, size_t max, int text, char *err, size_t errlen)
{
	struct secret	*s = NULL;
	size_t		 size, i;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (secret_check_fd(fd, max, err, errlen, &size) == -1)
		goto fail;
	if ((s = secret_new(size)) == NULL) {
		snprintf(err, errlen, "out of locked memory");
		goto fail;
	}
	if (secret_read(fd, s, size) == -1) {
		snprintf(err, errlen, "short read");
		goto fail;
	}
	close(fd);
	fd = -1;
	if (text && s->len > 0 && s->p[s->len - 1] == '\n')
		s->p[--s->len] = '\0';
	if (text && s->len > 0 && s->p[s->len - 1] == '\r')
		s->p[--s->len] = '\0';
	if (s->len == 0 || s->len > max) {
		snprintf(err, errlen, "empty or too large (max %zu bytes)", max);
		goto fail;
	}
	for (i = 0; text && i < s->len; i++)
		if (s->p[i] < 0x20 || s->p[i] == 0x7f) {
			snprintf(err, errlen, "control character inside");
			goto fail;
		}
	secret_close(s);
	return s;
fail:
	if (fd != -1)
		close(fd);
	secret_free(s);
	return NULL;
}

void
secret_harden_process(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("setrlimit(RLIMIT_CORE)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
}
