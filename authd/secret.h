/*
 * Secrets in guarded memory (sodium_malloc: guard pages, locked, wiped on
 * free) that is inaccessible while idle: secret_open() makes it readable for
 * the moment it is used, secret_close() takes access away again.
 * Secret files must be regular files that neither group nor others can read.
 */
#ifndef AIRLOCK_AUTHD_SECRET_H
#define AIRLOCK_AUTHD_SECRET_H

#include <stddef.h>

struct secret {
	unsigned char	*p;
	size_t		 len;
};

struct secret *secret_new(size_t len);		/* zeroed, readable-writable */
/* Whole file: regular, not group/world readable, owned by us or root, at most max
 * bytes.  text=1: one trailing newline dropped, control characters refused;
 * text=0: raw bytes, taken as they are.  Empty is refused.
 * NULL with a reason in err. */
struct secret *secret_load_file(const char *path, size_t max, int text, char *err, size_t errlen);
/* $CREDENTIALS_DIRECTORY/name when that is set and the file exists, else dir/name. */
int	secret_path(char *out, size_t outlen, const char *dir, const char *name);
const unsigned char *secret_open(struct secret *);
void	secret_close(struct secret *);
void	secret_free(struct secret *);

/* No core dumps, not ptrace-attachable by same-uid processes. */
void	secret_harden_process(void);

#endif
