/* json-c with the checks its defaults skip: depth, strictness, UTF-8, types, NULs. */
#include "jparse.h"

#include <ctype.h>
#include <string.h>

#include <json.h>

struct json_object *
jparse_object(const char *buf, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t	 end;

	if (len == 0 || len > INT32_MAX || memchr(buf, '\0', len) != NULL)
		return NULL;
	if ((tok = json_tokener_new_ex(JPARSE_MAX_DEPTH)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && isspace((unsigned char)buf[end]))
		end++;
	if (end != len || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int
jparse_str(struct json_object *obj, const char *key, char *dst, size_t n)
{
	struct json_object *v;
	const char *s;
	int	 len;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	if (s == NULL || len < 0 || (size_t)len >= n || memchr(s, '\0', (size_t)len) != NULL)
		return -1;
	memcpy(dst, s, (size_t)len);
	dst[len] = '\0';
	return 0;
}

int
jparse_int(struct json_object *obj, const char *key, int64_t *v)
{
	struct json_object *o;

	if (!json_object_object_get_ex(obj, key, &o) || !json_object_is_type(o, json_type_int))
		return -1;
	*v = json_object_get_int64(o);
	return 0;
}
