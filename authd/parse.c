#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <sodium.h>

#include "buf.h"
#include "json.h"
#include "text.h"

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
		mem_wipe_free(p, cap);
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

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* A string member of an answer and where its copy goes in the parsed struct. */
struct strfield {
	const char	*key;
	size_t		 off;
	size_t		 max;
	int		 required;
};

static const struct strfield tokfields[] = {
	{ "access_token", offsetof(struct tokresp, access_token), MAX_TOKEN, 0 },
	{ "token_type", offsetof(struct tokresp, token_type), 64, 0 },
	{ "refresh_token", offsetof(struct tokresp, refresh_token), MAX_TOKEN, 0 },
	{ "id_token", offsetof(struct tokresp, id_token), MAX_ID_TOKEN, 0 },
	{ "error", offsetof(struct tokresp, error), 256, 0 },
	{ "error_description", offsetof(struct tokresp, error_description), 1024, 0 },
};

static const struct strfield discfields[] = {
	{ "issuer", offsetof(struct discovery, issuer), MAX_URL, 1 },
	{ "authorization_endpoint", offsetof(struct discovery, authorization_endpoint), MAX_URL, 1 },
	{ "token_endpoint", offsetof(struct discovery, token_endpoint), MAX_URL, 1 },
	{ "userinfo_endpoint", offsetof(struct discovery, userinfo_endpoint), MAX_URL, 0 },
	{ "revocation_endpoint", offsetof(struct discovery, revocation_endpoint), MAX_URL, 0 },
	{ "jwks_uri", offsetof(struct discovery, jwks_uri), MAX_URL, 0 },
};

static char **
field(void *base, const struct strfield *f)
{
	return (char **)((char *)base + f->off);
}

/* Wipes and frees every string the n fields of base point to. */
static void
fields_free(void *base, const struct strfield *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		str_wipe_free(*field(base, &f[i]));
}

static int
tokresp_json(const uint8_t *body, size_t len, struct tokresp *t, const char **why)
{
	struct json_object	*o;
	const char		*s;
	size_t			 i;
	char			**dst;

	if ((o = json_parse_object(body, len, JSON_MAX_DEPTH, why)) == NULL)
		return -1;
	for (i = 0; i < NITEMS(tokfields); i++) {
		dst = field(t, &tokfields[i]);
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
	for (i = 0; i < NITEMS(tokfields); i++) {
		dst = field(t, &tokfields[i]);
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
	fields_free(t, tokfields, NITEMS(tokfields));
	memset(t, 0, sizeof(*t));
}

int
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
	const char		*s;
	int64_t			 id;
	size_t			 i;

	if (kind == SUBJ_NUMERIC_ID) {
		if (json_int(o, "id", &id) != 1) {
			*why = "user has no numeric id";
			return -1;
		}
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

/* A DNS label: 1-63 letters, digits and inner hyphens. */
static int
label_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
domain_valid(const char *s)
{
	const char	*dot;
	size_t		 n = strlen(s);

	if (n == 0 || n > 253)
		return 0;
	for (; (dot = strchr(s, '.')) != NULL; s = dot + 1)
		if (!label_ok(s, (size_t)(dot - s)))
			return 0;
	return label_ok(s, strlen(s));
}

int
email_valid(const char *s)
{
	const char	*at = strchr(s, '@');
	size_t		 n = strlen(s), i;

	if (n > MAX_EMAIL || at == NULL || at == s || at - s > 64 || strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 0; s + i < at; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return domain_valid(at + 1);
}

int
github_login_valid(const char *s)
{
	return strlen(s) <= MAX_GH_LOGIN && label_ok(s, strlen(s));
}

static int	json_flag(struct json_object *, const char *);

/* The verified e-mail address (struct userinfo): "" when none. */
static void
email_get(struct json_object *o, enum subject_kind kind, char *out)
{
	const char *s;

	out[0] = '\0';
	if (json_str(o, "email", MAX_EMAIL, &s) != 1 || !email_valid(s))
		return;
	if (kind == SUBJ_SUB && json_flag(o, "email_verified") != 1)
		return;
	if (kind == SUBJ_STRING_ID && json_flag(o, "verified") != 1)
		return;
	memcpy(out, s, strlen(s) + 1);
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
	if ((o = json_parse_object(body, len, JSON_MAX_DEPTH, why)) == NULL)
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
	email_get(o, kind, u->email);
	if (kind == SUBJ_NUMERIC_ID && json_str(o, "login", MAX_GH_LOGIN, &s) == 1 &&
	    github_login_valid(s))
		memcpy(u->login, s, strlen(s) + 1);
	json_object_put(o);
	return 0;
}

int
membership_parse(const uint8_t *body, size_t len, const char **why)
{
	struct json_object	*o;
	const char		*s;
	int			 rc;

	if ((o = json_parse_object(body, len, JSON_MAX_DEPTH, why)) == NULL)
		return -1;
	if ((rc = json_str(o, "state", 64, &s)) != 1) {
		*why = "membership without a state";
		json_object_put(o);
		return -1;
	}
	rc = strcmp(s, "active") == 0;
	json_object_put(o);
	return rc;
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
	const struct strfield	*f = discfields;
	struct json_object	*o;
	const char		*s;
	size_t			 i;
	int			 rc, dummy = 0;

	memset(d, 0, sizeof(*d));
	if ((o = json_parse_object(body, len, JSON_MAX_DEPTH, why)) == NULL)
		return -1;
	for (i = 0; i < NITEMS(discfields); i++) {
		rc = json_str(o, f[i].key, f[i].max, &s);
		if (rc == -1 || (rc == 0 && f[i].required)) {
			*why = rc == -1 ? "discovery member of wrong type or too long" :
			    "discovery lacks a required endpoint";
			goto bad;
		}
		if (rc == 1 && (*field(d, &f[i]) = strdup(s)) == NULL) {
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
	fields_free(d, discfields, NITEMS(discfields));
	memset(d, 0, sizeof(*d));
}

int
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
	const char		*s;
	int64_t			 exp;

	if (json_str(o, "iss", MAX_URL, &s) != 1 || strcmp(s, issuer) != 0)
		return *why = "id_token issuer mismatch", -1;
	if (!aud_has(o, client_id))
		return *why = "id_token audience mismatch", -1;
	if (json_str(o, "nonce", 256, &s) != 1 || strlen(s) != strlen(nonce) ||
	    sodium_memcmp(s, nonce, strlen(nonce)) != 0)
		return *why = "id_token nonce mismatch", -1;
	if (json_int(o, "exp", &exp) != 1)
		return *why = "id_token without exp", -1;
	if (exp < (int64_t)now - 60)
		return *why = "id_token expired", -1;
	if (json_str(o, "sub", MAX_SUBJECT, &s) != 1 || !subject_ok(s))
		return *why = "id_token without valid sub", -1;
	memcpy(sub, s, strlen(s) + 1);
	return 0;
}

struct json_object *
idtoken_payload(const char *jwt, const char **why)
{
	const char		*d1, *d2;
	uint8_t			*payload;
	size_t			 plen = 0;
	struct json_object	*o;

	if ((d1 = strchr(jwt, '.')) == NULL || (d2 = strchr(d1 + 1, '.')) == NULL ||
	    strchr(d2 + 1, '.') != NULL) {
		*why = "id_token is not a JWS";
		return NULL;
	}
	if ((payload = malloc(MAX_ID_TOKEN)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if (sodium_base642bin(payload, MAX_ID_TOKEN, d1 + 1, d2 - d1 - 1, NULL, &plen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(payload);
		*why = "id_token payload is not base64url";
		return NULL;
	}
	o = json_parse_object(payload, plen, JSON_MAX_DEPTH, why);
	free(payload);
	return o;
}

int
idtoken_check(const char *jwt, const char *issuer, const char *client_id, const char *nonce,
    uint64_t now, char sub[MAX_SUBJECT + 1], const char **why)
{
	struct json_object	*o;
	int			 rc;

	if ((o = idtoken_payload(jwt, why)) == NULL)
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
