/*
 * One bounded, growable text buffer for everything built in memory: URLs,
 * headers and bodies that may carry secrets, HTML pages, JSON answers.
 * Errors (out of memory, over the bound, a NULL string) are sticky: check
 * once at the end with buf_str or buf_take.  What the buffer held is wiped
 * whenever it moves to a larger block and when it is freed.  Anything that
 * did not come from this program goes through buf_add_html (HTML text and
 * attribute values), buf_add_json (JSON strings) or buf_add_escaped (URLs).
 */
#ifndef AIRLOCK_BUF_H
#define AIRLOCK_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* hard bound on len (the NUL is extra); exceeding it is an error */
	int	 err;	/* 0, BUF_ETOOBIG, or BUF_EFAIL (out of memory, NULL string) */
};

#define BUF_EFAIL	1
#define BUF_ETOOBIG	2

void	buf_init(struct buf *, size_t max);
/* Wipes and frees the memory; the buffer may be used again after buf_init. */
void	buf_free(struct buf *);
/* Wipes the contents, empties the buffer and clears the error; keeps the memory. */
void	buf_reset(struct buf *);
void	buf_add(struct buf *, const char *s);
void	buf_addn(struct buf *, const void *s, size_t n);
void	buf_addc(struct buf *, char c);
void	buf_addf(struct buf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Escapes & < > " ' (safe in element text and quoted attribute values). */
void	buf_add_html(struct buf *, const char *s);
/* A JSON string with its quotes: " and \ escaped, control characters and
 * < > & as \u00XX. */
void	buf_add_json(struct buf *, const char *s);
/* RFC 3986: everything but ALPHA DIGIT - . _ ~ as %XX (valid in query strings
 * and application/x-www-form-urlencoded bodies alike). */
void	buf_add_escaped(struct buf *, const char *s);
/* "&key=escaped(value)" ("key=..." when the buffer is empty or ends in '?'). */
void	buf_add_param(struct buf *, const char *key, const char *value);
/*
 * fwrite's shape, as libcurl's CURLOPT_WRITEFUNCTION with the buffer as
 * CURLOPT_WRITEDATA: appends size * nmemb bytes and returns that count, or
 * 0 (which stops the transfer) once the buffer has failed.
 */
size_t	buf_write_cb(char *data, size_t size, size_t nmemb, void *buf);
/* NUL-terminated contents ("" when empty), or NULL after any error. */
const char *buf_str(struct buf *);
/* Hands the string over to the caller (free with str_wipe_free), or NULL
 * after any error (the buffer is then freed); the buffer is left empty. */
char	*buf_take(struct buf *);

/* free() that wipes the n bytes at p first; NULL is fine. */
void	mem_wipe_free(void *p, size_t n);
/* free() that wipes the string first; NULL is fine. */
void	str_wipe_free(char *);
/* strdup bounded to max bytes; NULL when longer or out of memory. */
char	*str_dup_max(const char *, size_t max);

#endif
