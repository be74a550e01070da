/*
 * The small text rules every part of airlock parses by: percent-decoding
 * (query strings, form bodies, provider answers) and the character classes
 * of HTTP tokens and cookie values (RFC 7230, RFC 6265), and the shapes of
 * the names every program checks (paircodes, provider names).  Pure functions.
 */
#ifndef AIRLOCK_TEXT_H
#define AIRLOCK_TEXT_H

#include <stddef.h>
#include <sys/types.h>

/* 0..15 for a hex digit, -1 otherwise. */
int	hexval(unsigned char);

/*
 * Percent-decodes len bytes of src into dst (NUL-terminated): '+' is a
 * space, %XX needs two hex digits, NUL (raw or %00) and control characters
 * are refused.  Returns the decoded length, or -1: bad escape, NUL or control
 * character, or longer than dstsize - 1.  With dst NULL it only checks
 * src (no length bound) and returns the length it would decode to.
 */
ssize_t	pct_decode(char *dst, size_t dstsize, const char *src, size_t len);

/* RFC 6265 cookie-octet. */
int	cookie_octet(unsigned char);

/* RFC 7230 tchar (header names, cookie names). */
int	http_token_char(unsigned char);

/* 1 when the len bytes at s are a CLI paircode: PAIRCODE_MIN..PAIRCODE_MAX
 * (msg.h) of [A-Za-z0-9_-]; 0 otherwise. */
int	paircode_valid(const char *s, size_t len);

/* 1 when the len bytes at s are a provider name as used in URLs and
 * configuration sections: 1..MAX_PROVIDER (msg.h) of [a-z0-9_-]; 0 otherwise. */
int	provider_name_valid(const char *s, size_t len);

#endif
