/* Growing strings for URLs, headers and bodies that may carry secrets:
 * errors are sticky (checked once at the end) and the memory is wiped on free. */
#ifndef AIRLOCK_AUTHD_BUF_H
#define AIRLOCK_AUTHD_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* hard bound; exceeding it is an error */
	int	 err;
};

void	buf_init(struct buf *, size_t max);
void	buf_add(struct buf *, const char *s);
void	buf_addn(struct buf *, const void *s, size_t n);
void	buf_addc(struct buf *, char c);
/* RFC 3986: everything but ALPHA DIGIT - . _ ~ as %XX (valid in query strings
 * and application/x-www-form-urlencoded bodies alike). */
void	buf_add_escaped(struct buf *, const char *s);
/* "&key=escaped(value)" ("key=..." when the buffer is empty or ends in '?'). */
void	buf_add_param(struct buf *, const char *key, const char *value);
/* NUL-terminated string, or NULL after any error (the buffer stays owned). */
const char *buf_str(struct buf *);
/* Hands the string over to the caller (free with str_wipe_free), or NULL. */
char	*buf_take(struct buf *);
void	buf_free(struct buf *);

/* free() that wipes the string first; NULL is fine. */
void	str_wipe_free(char *);
/* strdup bounded to max bytes; NULL when longer or out of memory. */
char	*str_dup_max(const char *, size_t max);

#endif
