/*
 * Strict, bounded parsing of what a browser or CLI sends: query strings and
 * x-www-form-urlencoded bodies, the Cookie header, Accept, and the identifiers
 * that appear in URLs.  Pure functions (no I/O, no allocation): fuzzed by
 * tests/fuzz/fuzz_frontend_parse.c.
 *
 * Decoding rules: '+' is a space, %XX needs two hex digits, NUL (raw or %00)
 * and control characters are refused, output is bounded by the caller's buffer.
 */
#ifndef AIRLOCK_FE_PARSE_H
#define AIRLOCK_FE_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "text.h"

#define FORM_MAX_PAIRS	32	/* more parameters than this: the whole query is refused */
#define FORM_MAX_NAME	32

/* pct_decode() is in proto/text.h. */

/* Checks a whole query / form: at most FORM_MAX_PAIRS "name=value" pairs,
 * every name and value decodes, names are [a-z0-9_] and not repeated.
 * An empty string is fine.  Returns 0 or -1. */
int	fe_form_check(const char *s, size_t len);

/* Decoded value of parameter name: 1 found, 0 absent, -1 malformed (the
 * whole string is checked first) or value too long for dst. */
int	fe_form_get(const char *s, size_t len, const char *name, char *dst, size_t dstsize);

/* Value of cookie name in a Cookie header (RFC 6265 cookie-octets, no
 * decoding): 1 found, 0 absent, -1 malformed header, duplicate name or too long. */
int	cookie_get(const char *hdr, size_t len, const char *name, char *dst, size_t dstsize);

/* Accept header asks for JSON: a media range application/json with q > 0. */
int	accept_json(const char *accept);

/* Exactly n bytes as unpadded base64url (e.g. refs and sids in paths). */
int	b64url_id(uint8_t *dst, size_t n, const char *s, size_t len);

/* A printable single-line summary of an untrusted value (User-Agent as a
 * session label): control and non-ASCII bytes dropped, at most dstsize - 1. */
void	printable_copy(char *dst, size_t dstsize, const char *src);

#endif
