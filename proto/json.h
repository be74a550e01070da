/*
 * Strict JSON reading through json-c, with the checks its defaults skip:
 * nesting depth, strict mode, UTF-8 validation, no NUL byte, the whole input
 * consumed, and a type check before every member read.
 */
#ifndef AIRLOCK_JSON_H
#define AIRLOCK_JSON_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/*
 * A whole document of len bytes whose top level is an object, nested at most
 * max_depth deep, followed by nothing but JSON whitespace.  NULL on any
 * error, with *why (when why is not NULL) set to a short reason that never
 * holds input bytes.  Release with json_object_put().
 */
struct json_object *json_parse_object(const void *buf, size_t len, int max_depth,
	    const char **why);

/* 1: a string of at most max bytes without NUL (*out points into obj);
 * 0: absent or null; -1: another type, too long or NUL inside. */
int	json_str(struct json_object *, const char *key, size_t max, const char **out);
/* The string member key copied into dst (size n): 0, or -1 when absent, null,
 * not a string, holding a NUL, or n bytes or longer. */
int	json_str_copy(struct json_object *, const char *key, char *dst, size_t n);
/* 1: a JSON integer (not a string or a float) in *v; 0: absent or null;
 * -1: another type. */
int	json_int(struct json_object *, const char *key, int64_t *v);

#endif
