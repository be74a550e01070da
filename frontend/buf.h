/*
 * A bounded, growable text buffer for answers: pages, JSON, headers.
 * Errors (out of memory, over the bound) are sticky: the answer is then a 500.
 * Anything that did not come from this program goes through sb_html (HTML
 * text and attribute values) or sb_json (JSON strings).
 */
#ifndef AIRLOCK_FE_BUF_H
#define AIRLOCK_FE_BUF_H

#include <stddef.h>

#define SB_MAX	(256 * 1024)

struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 err;
};

void	sb_init(struct sbuf *);
void	sb_free(struct sbuf *);
void	sb_addn(struct sbuf *, const char *, size_t);
void	sb_add(struct sbuf *, const char *);
void	sb_addf(struct sbuf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Escapes & < > " ' (safe in element text and quoted attribute values). */
void	sb_html(struct sbuf *, const char *);
/* A JSON string with its quotes; control characters as \u00XX. */
void	sb_json(struct sbuf *, const char *);
/* NUL-terminated contents ("" when empty or failed). */
const char *sb_str(struct sbuf *);

#endif
