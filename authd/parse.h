/*
 * Strict parsing of what providers answer: JSON through json-c with a depth
 * limit, strict mode, UTF-8 validation, the whole input consumed and a type
 * check before every read; application/x-www-form-urlencoded with strict
 * escapes and no duplicates.  Every parser sets *why to a short reason (never
 * to input bytes) and leaves nothing allocated on failure.
 */
#ifndef AIRLOCK_AUTHD_PARSE_H
#define AIRLOCK_AUTHD_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "msg.h"

#define JSON_MAX_DEPTH		16	/* providers' answers (json.h) */
#define MAX_TOKEN		8192	/* access / refresh token */
#define MAX_ID_TOKEN		16384
#define MAX_SUBJECT		128
#define FORM_MAX_PAIRS		32

struct form {
	size_t	 n;
	char	*key[FORM_MAX_PAIRS];
	char	*val[FORM_MAX_PAIRS];
};
int	form_parse(const void *buf, size_t len, struct form *, const char **why);
const char *form_get(const struct form *, const char *key);
void	form_free(struct form *);		/* wipes the values */

/* Token endpoint answer (RFC 6749 5.1 / 5.2), JSON or form-encoded. */
struct tokresp {
	char	*access_token;
	char	*token_type;
	char	*refresh_token;
	char	*id_token;
	char	*error;
	char	*error_description;
};
int	tokresp_parse(const char *ctype, const uint8_t *body, size_t len, struct tokresp *,
	    const char **why);
void	tokresp_free(struct tokresp *);		/* wipes the tokens */

enum subject_kind {
	SUBJ_SUB,		/* OpenID Connect: "sub" string */
	SUBJ_NUMERIC_ID,	/* GitHub: "id" positive integer */
	SUBJ_STRING_ID,		/* Discord: "id" string of digits */
};
struct userinfo {
	char	subject[MAX_SUBJECT + 1];
	char	name[MAX_NAME + 1];	/* control characters replaced, may be "" */
};
int	userinfo_parse(const uint8_t *body, size_t len, enum subject_kind, struct userinfo *,
	    const char **why);

struct discovery {
	char	*issuer;
	char	*authorization_endpoint;
	char	*token_endpoint;
	char	*userinfo_endpoint;
	char	*revocation_endpoint;
	int	 auth_basic;	/* token_endpoint_auth_methods_supported (absent: basic) */
	int	 auth_post;
	int	 s256;		/* code_challenge_methods_supported has S256 (absent: 1) */
	int	 iss_param;	/* authorization_response_iss_parameter_supported (RFC 9207) */
};
int	discovery_parse(const uint8_t *body, size_t len, struct discovery *, const char **why);
void	discovery_free(struct discovery *);

/* ID token from the token endpoint over TLS (OIDC Core 3.1.3.7): the payload's
 * iss, aud, nonce and exp are checked; sub is copied out for the userinfo match. */
int	idtoken_check(const char *jwt, const char *issuer, const char *client_id,
	    const char *nonce, uint64_t now, char sub[MAX_SUBJECT + 1], const char **why);

/* The content of the "error" member of a provider's JSON or form answer, for
 * logging; "" when none.  Only [A-Za-z0-9_.-] is kept. */
void	error_code(const char *ctype, const uint8_t *body, size_t len, char *out, size_t outlen);

#endif
