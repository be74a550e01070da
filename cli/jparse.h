/* Strict, bounded JSON reading (json-c) for server answers and the session file. */
#ifndef AIRLOCK_CLI_JPARSE_H
#define AIRLOCK_CLI_JPARSE_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

#define JPARSE_MAX_DEPTH	8

/* The whole buffer must be one JSON object (trailing whitespace allowed): strict mode,
 * valid UTF-8, no NUL byte, nesting at most JPARSE_MAX_DEPTH. NULL otherwise.
 * Release with json_object_put(). */
struct json_object *jparse_object(const char *buf, size_t len);
/* String member key copied into dst (size n): 0, or -1 when missing, not a string,
 * holding a NUL, or too long. */
int	jparse_str(struct json_object *obj, const char *key, char *dst, size_t n);
/* Integer member (a real JSON integer, not a string or a float): 0 or -1. */
int	jparse_int(struct json_object *obj, const char *key, int64_t *v);

#endif
