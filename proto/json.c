/* Strict JSON reading through json-c: see json.h. */
#include "json.h"

#include <string.h>

#include <json-c/json.h>

static int
json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct json_object *
json_parse_object(const void *buf, size_t len, int max_depth, const char **why)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	const char		*s = buf, *dummy;
	size_t			 end;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (len == 0 || len > INT32_MAX) {
		*why = "empty or oversized JSON";
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		*why = "NUL byte in JSON";
		return NULL;
	}
	if ((tok = json_tokener_new_ex(max_depth)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		*why = json_tokener_get_error(tok) == json_tokener_continue ?
		    "truncated JSON" : json_tokener_error_desc(json_tokener_get_error(tok));
		json_object_put(o);
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && json_space(s[end]))
		end++;
	if (end != len) {
		json_object_put(o);
		*why = "trailing bytes after JSON";
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*why = "JSON is not an object";
		return NULL;
	}
	return o;
}

int
json_str(struct json_object *o, const char *key, size_t max, const char **out)
{
	struct json_object	*v;
	const char		*s;
	int			 n;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (s == NULL || n < 0 || (size_t)n > max || strlen(s) != (size_t)n)
		return -1;
	*out = s;
	return 1;
}

int
json_str_copy(struct json_object *o, const char *key, char *dst, size_t n)
{
	const char *s;

	if (n == 0 || json_str(o, key, n - 1, &s) != 1)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int
json_int(struct json_object *o, const char *key, int64_t *v)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, key, &m) || m == NULL)
		return 0;
	if (!json_object_is_type(m, json_type_int))
		return -1;
	*v = json_object_get_int64(m);
	return 1;
}
