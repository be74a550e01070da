#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <sodium.h>

#include "buf.h"
#include "text.h"

struct json_object *
json_parse_object(const void *buf, size_t len, const char **why)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	const char		*s = buf;
	size_t			 end;

	*why = NULL;
	if (len == 0 || len > INT32_MAX) {
		*why = "empty or oversized JSON";
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		*why = "NUL byte in JSON";
		return NULL;
	}
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o == NULL) {
		*why = json_tokener_get_error(tok) == json_tokener_continue ?
		    "truncated JSON" : json_tokener_error_desc(json_tokener_get_error(tok));
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; end < len; end++)	/* only whitespace may follow */
		if (s[end] != ' ' && s[end] != '\t' && s[end] != '\r' && s[end] != '\n') {
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

/*
 * Form-encoded: key=value pairs decoded by proto's rules (text.h), at most
 * MAX_ID_TOKEN bytes; a provider's raw bytes must also be visible ASCII.
 */
static char *
form_decode(const char *s, size_t n)
{
	size_t	 cap = (n < MAX_ID_TOKEN ? n : MAX_ID_TOKEN) + 1, i;
	char	*p;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return NULL;
	if ((p = malloc(cap)) == NULL)
		return NULL;
	if (pct_decode(p, cap, s, n) == -1) {
		sodium_memzero(p, cap);
		free(p);
		return NULL;
	}
	return p;
}

int
form_parse(const void *buf, size_t len, struct form *f, const char **why)
{
	const char	*s = buf, *end = s + len, *amp, *eq;
	size_t		 i;

	memset(f, 0, sizeof(*f));
	*why = NULL;
	while (s < end) {
		if ((amp = memchr(s, '&', end - s)) == NULL)
			amp = end;
		if ((eq = memchr(s, '=', amp - s)) == NULL || eq == s) {
			*why = "form pair without key or '='";
			goto bad;
		}
		if (f->n == FORM_MAX_PAIRS) {
			*why = "too many form pairs";
			goto bad;
		}
		f->key[f->n] = form_decode(s, eq - s);
		f->val[f->n] = form_decode(eq + 1, amp - eq - 1);
		f->n++;
		if (f->key[f->n - 1] == NULL || f->val[f->n - 1] == NULL) {
			*why = "bad form escape or character";
			goto bad;
		}
		for (i = 0; i + 1 < f->n; i++)
			if (strcmp(f->key[i], f->key[f->n - 1]) == 0) {
				*why = "duplicate form key";
				goto bad;
			}
		s = amp == end ? end : amp + 1;
		if (amp != end && s == end) {
			*why = "form ends in '&'";
			goto bad;
		}
	}
	return 0;
bad:
	form_free(f);
	return -1;
}

const char *
form_get(const struct form *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->key[i], key) == 0)
			return f->val[i];
	return NULL;
}

void
form_free(struct form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->key[i]);
		str_wipe_free(f->val[i]);
	}
	memset(f, 0, sizeof(*f));
}

static int
is_form(const char *ctype)
{
	return ctype != NULL &&
	    strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0 &&
	    (ctype[33] == '\0' || ctype[33] == ';' || ctype[33] == ' ');
}

struct tokfield {
	const char	*key;
	size_t		 off;
	size_t		 max;
};

static const struct tokfield tokfields[] = {
	{ "access_token", offsetof(struct tokresp, access_token), MAX_TOKEN },
	{ "token_type", offsetof(struct tokresp, token_type), 64 },
	{ "refresh_token", offsetof(struct tokresp, refresh_token), MAX_TOKEN },
	{ "id_token", offsetof(struct tokresp, id_token), MAX_ID_TOKEN },
	{ "error", offsetof(struct tokresp, error), 256 },
	{ "error_description", offsetof(struct tokresp, error_description), 1024 },
};

static int
tokresp_json(const uint8_t *body, size_t len, struct tokresp *t, const char **why)
{
	struct json_object	*o;
	const char		*s;
	size_t			 i;
	char			**dst;

	if ((o = json_parse_object(body, len, why)) == NULL)
		return -1;
	for (i = 0; i < sizeof(tokfields) / sizeof(tokfields[0]); i++) {
		dst = (char **)((char *)t + tokfields[i].off);
		switch (json_str(o, tokfields[i].key, tokfields[i].max, &s)) {
		case -1:
			*why = "token answer member of wrong type or too long";
			json_object_put(o);
			return -1;
		case 1:
			if ((*dst = strdup(s)) == NULL) {
				*why = "out of memory";
				json_object_put(o);
				return -1;
			}
			break;
		}
	}
	json_object_put(o);
	return 0;
}

static int
tokresp_form(const uint8_t *body, size_t len, struct tokresp *t, const char **why)
{
	struct form	 f;
	const char	*s;
	size_t		 i;
	char		**dst;

	if (form_parse(body, len, &f, why) == -1)
		return -1;
	for (i = 0; i < sizeof(tokfields) / sizeof(tokfields[0]); i++) {
		dst = (char **)((char *)t + tokfields[i].off);
		if ((s = form_get(&f, tokfields[i].key)) == NULL)
			continue;
		if ((*dst = str_dup_max(s, tokfields[i].max)) == NULL) {
			*why = "token answer member too long";
			form_free(&f);
			return -1;
		}
	}
	form_free(&f);
	return 0;
}

/* RFC 6749 A.12 - A.17: tokens are visible ASCII; nothing else may reach a header. */
static int
vschar(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

int
tokresp_parse(const char *ctype, const uint8_t *body, size_t len, struct tokresp *t,
    const char **why)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = is_form(ctype) ? tokresp_form(body, len, t, why) : tokresp_json(body, len, t, why);
	if (rc == 0 && (!vschar(t->access_token) || !vschar(t->refresh_token) ||
	    !vschar(t->token_type) || !vschar(t->id_token))) {
		*why = "token with characters outside visible ASCII";
		rc = -1;
	}
	if (rc == -1)
		tokresp_free(t);
	return rc;
}

void
tokresp_free(struct tokresp *t)
{
	str_wipe_free(t->access_token);
	str_wipe_free(t->token_type);
	str_wipe_free(t->refresh_token);
	str_wipe_free(t->id_token);
	free(t->error);
	free(t->error_description);
	memset(t, 0, sizeof(*t));
}

static int
subject_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > MAX_SUBJECT)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Copy a display name: at most MAX_NAME bytes cut on a UTF-8 boundary, controls replaced. */
static void
name_copy(char *dst, const char *s)
{
	size_t n = strlen(s), i;

	if (n > MAX_NAME) {
		n = MAX_NAME;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[n] = '\0';
	/* a C1 control (U+0080..U+009F, "\xc2\x80".."\xc2\x9f") is replaced too */
	for (i = 0; i + 1 < n; i++)
		if ((unsigned char)dst[i] == 0xc2 && (unsigned char)dst[i + 1] >= 0x80 &&
		    (unsigned char)dst[i + 1] <= 0x9f)
			dst[i] = dst[i + 1] = '?';
}

static int
subject_get(struct json_object *o, enum subject_kind kind, char *out, const char **why)
{
	struct json_object	*v;
	const char		*s;
	int64_t			 id;
	size_t			 i;

	if (kind == SUBJ_NUMERIC_ID) {
		if (!json_object_object_get_ex(o, "id", &v) ||
		    !json_object_is_type(v, json_type_int)) {
			*why = "user has no numeric id";
			return -1;
		}
		id = json_object_get_int64(v);
		if (id <= 0 || id > ((int64_t)1 << 53)) {
			*why = "user id out of range";
			return -1;
		}
		snprintf(out, MAX_SUBJECT + 1, "%lld", (long long)id);
		return 0;
	}
	if (json_str(o, kind == SUBJ_SUB ? "sub" : "id", MAX_SUBJECT, &s) != 1 || !subject_ok(s)) {
		*why = "user has no valid subject";
		return -1;
	}
	if (kind == SUBJ_STRING_ID)
		for (i = 0; s[i] != '\0'; i++)
			if (s[i] < '0' || s[i] > '9') {
				*why = "user id is not numeric";
				return -1;
			}
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int
userinfo_parse(const uint8_t *body, size_t len, enum subject_kind kind, struct userinfo *u,
    const char **why)
{
	static const char *const names[] = { "name", "global_name", "preferred_username",
	    "login", "username" };
	struct json_object	*o;
	const char		*s;
	size_t			 i;

	memset(u, 0, sizeof(*u));
	if ((o = json_parse_object(body, len, why)) == NULL)
		return -1;
	if (subject_get(o, kind, u->subject, why) == -1) {
		json_object_put(o);
		return -1;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (json_str(o, names[i], 4096, &s) == 1 && *s != '\0') {
			name_copy(u->name, s);
			break;
		}
	json_object_put(o);
	return 0;
}

static int
auth_methods(struct json_object *o, const char *key, const char *a, const char *b,
    int *has_a, int *has_b)
{
	struct json_object	*arr, *v;
	size_t			 i, n;

	if (!json_object_object_get_ex(o, key, &arr) || arr == NULL)
		return 1;	/* absent */
	if (!json_object_is_type(arr, json_type_array))
		return -1;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			return -1;
		if (strcmp(json_object_get_string(v), a) == 0)
			*has_a = 1;
		if (b != NULL && strcmp(json_object_get_string(v), b) == 0)
			*has_b = 1;
	}
	return 0;
}

/* A boolean member: 1 true, 0 false or absent, -1 of another type. */
static int
json_flag(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

int
discovery_parse(const uint8_t *body, size_t len, struct discovery *d, const char **why)
{
	static const struct {
		const char	*key;
		size_t		 off;
		int		 required;
	} f[] = {
		{ "issuer", offsetof(struct discovery, issuer), 1 },
		{ "authorization_endpoint", offsetof(struct discovery, authorization_endpoint), 1 },
		{ "token_endpoint", offsetof(struct discovery, token_endpoint), 1 },
		{ "userinfo_endpoint", offsetof(struct discovery, userinfo_endpoint), 0 },
		{ "revocation_endpoint", offsetof(struct discovery, revocation_endpoint), 0 },
	};
	struct json_object	*o;
	const char		*s;
	size_t			 i;
	int			 rc, dummy = 0;

	memset(d, 0, sizeof(*d));
	if ((o = json_parse_object(body, len, why)) == NULL)
		return -1;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		rc = json_str(o, f[i].key, MAX_URL, &s);
		if (rc == -1 || (rc == 0 && f[i].required)) {
			*why = rc == -1 ? "discovery member of wrong type or too long" :
			    "discovery lacks a required endpoint";
			goto bad;
		}
		if (rc == 1 && (*(char **)((char *)d + f[i].off) = strdup(s)) == NULL) {
			*why = "out of memory";
			goto bad;
		}
	}
	rc = auth_methods(o, "token_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post", &d->auth_basic, &d->auth_post);
	if (rc == 1)
		d->auth_basic = 1;
	if (rc == -1)
		goto badtype;
	rc = auth_methods(o, "code_challenge_methods_supported", "S256", NULL, &d->s256, &dummy);
	if (rc == 1)
		d->s256 = 1;
	if (rc == -1)
		goto badtype;
	if ((d->iss_param = json_flag(o, "authorization_response_iss_parameter_supported")) == -1) {
		*why = "discovery flag of wrong type";
		goto bad;
	}
	json_object_put(o);
	return 0;
badtype:
	*why = "discovery list of wrong type";
bad:
	json_object_put(o);
	discovery_free(d);
	return -1;
}

void
discovery_free(struct discovery *d)
{
	free(d->issuer);
	free(d->authorization_endpoint);
	free(d->token_endpoint);
	free(d->userinfo_endpoint);
	free(d->revocation_endpoint);
	memset(d, 0, sizeof(*d));
}

static int
aud_has(struct json_object *o, const char *client_id)
{
	struct json_object	*aud, *v;
	size_t			 i, n;

	if (!json_object_object_get_ex(o, "aud", &aud) || aud == NULL)
		return 0;
	if (json_object_is_type(aud, json_type_string))
		return strcmp(json_object_get_string(aud), client_id) == 0;
	if (!json_object_is_type(aud, json_type_array))
		return 0;
	n = json_object_array_length(aud);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(aud, i);
		if (json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), client_id) == 0)
			return 1;
	}
	return 0;
}

static int
idtoken_claims(struct json_object *o, const char *issuer, const char *client_id,
    const char *nonce, uint64_t now, char *sub, const char **why)
{
	struct json_object	*exp;
	const char		*s;

	if (json_str(o, "iss", MAX_URL, &s) != 1 || strcmp(s, issuer) != 0)
		return *why = "id_token issuer mismatch", -1;
	if (!aud_has(o, client_id))
		return *why = "id_token audience mismatch", -1;
	if (json_str(o, "nonce", 256, &s) != 1 || strlen(s) != strlen(nonce) ||
	    sodium_memcmp(s, nonce, strlen(nonce)) != 0)
		return *why = "id_token nonce mismatch", -1;
	if (!json_object_object_get_ex(o, "exp", &exp) || !json_object_is_type(exp, json_type_int))
		return *why = "id_token without exp", -1;
	if (json_object_get_int64(exp) < (int64_t)now - 60)
		return *why = "id_token expired", -1;
	if (json_str(o, "sub", MAX_SUBJECT, &s) != 1 || !subject_ok(s))
		return *why = "id_token without valid sub", -1;
	memcpy(sub, s, strlen(s) + 1);
	return 0;
}

int
idtoken_check(const char *jwt, const char *issuer, const char *client_id, const char *nonce,
    uint64_t now, char sub[MAX_SUBJECT + 1], const char **why)
{
	const char		*d1, *d2;
	uint8_t			*payload;
	size_t			 plen = 0;
	struct json_object	*o;
	int			 rc;

	if ((d1 = strchr(jwt, '.')) == NULL || (d2 = strchr(d1 + 1, '.')) == NULL ||
	    strchr(d2 + 1, '.') != NULL) {
		*why = "id_token is not a JWS";
		return -1;
	}
	if ((payload = malloc(MAX_ID_TOKEN)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	if (sodium_base642bin(payload, MAX_ID_TOKEN, d1 + 1, d2 - d1 - 1, NULL, &plen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(payload);
		*why = "id_token payload is not base64url";
		return -1;
	}
	o = json_parse_object(payload, plen, why);
	free(payload);
	if (o == NULL)
		return -1;
	rc = idtoken_claims(o, issuer, client_id, nonce, now, sub, why);
	json_object_put(o);
	return rc;
}

static void
keep_safe(const char *s, char *out, size_t outlen)
{
	size_t i, j = 0;

	for (i = 0; s != NULL && s[i] != '\0' && j + 1 < outlen; i++)
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.')
			out[j++] = s[i];
	out[j] = '\0';
}

void
error_code(const char *ctype, const uint8_t *body, size_t len, char *out, size_t outlen)
{
	struct tokresp	 t;
	const char	*why;

	out[0] = '\0';
	if (outlen == 0 || body == NULL || len == 0)
		return;
	if (tokresp_parse(ctype, body, len, &t, &why) == -1)
		return;
	keep_safe(t.error, out, outlen);
	tokresp_free(&t);
}
