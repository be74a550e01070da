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
#define MAX_GH_LOGIN		39	/* a GitHub login (user or organisation) */
/* email: the verified address, "" when none or unverified: OpenID Connect
 * (Google, Hugging Face, Auth0) "email" with "email_verified" true; GitHub
 * "email" (the public profile address, chosen from verified ones only);
 * Discord "email" with "verified" true.  login: GitHub's login, else "". */
struct userinfo {
	char	subject[MAX_SUBJECT + 1];
	char	name[MAX_NAME + 1];	/* control characters replaced, may be "" */
	char	email[MAX_EMAIL + 1];
	char	login[MAX_GH_LOGIN + 1];
};
int	userinfo_parse(const uint8_t *body, size_t len, enum subject_kind, struct userinfo *,
	    const char **why);

struct discovery {
	char	*issuer;
	char	*authorization_endpoint;
	char	*token_endpoint;
	char	*userinfo_endpoint;
	char	*revocation_endpoint;
	char	*jwks_uri;
	int	 auth_basic;	/* token_endpoint_auth_methods_supported (absent: basic) */
	int	 auth_post;
	int	 s256;		/* code_challenge_methods_supported has S256 (absent: 1) */
	int	 iss_param;	/* authorization_response_iss_parameter_supported (RFC 9207) */
};
int	discovery_parse(const uint8_t *body, size_t len, struct discovery *, const char **why);
void	discovery_free(struct discovery *);

/* JWT claims (ID and logout tokens): a subject of 1-MAX_SUBJECT printable
 * ASCII bytes without spaces; aud is client_id or an array holding it. */
struct json_object;
int	subject_ok(const char *);
int	aud_has(struct json_object *, const char *client_id);

/* Shapes (1 when valid): an e-mail address of at most MAX_EMAIL visible
 * ASCII bytes, local@domain; a DNS domain name (labels of letters, digits and
 * inner hyphens, no trailing dot); a GitHub login (1-39 letters, digits and
 * inner hyphens). */
int	email_valid(const char *);
int	domain_valid(const char *);
int	github_login_valid(const char *);

/* GitHub's membership answers (orgs/{org}/teams/{slug}/memberships/{login},
 * user/memberships/orgs/{org}): 1 "state" is "active", 0 another state, -1
 * malformed. */
int	membership_parse(const uint8_t *body, size_t len, const char **why);

/* The payload of a JWS (the ID token's claims) as a JSON object, NOT
 * verified: only for what idtoken_check has vouched for.  NULL with *why. */
struct json_object *idtoken_payload(const char *jwt, const char **why);

/* ID token from the token endpoint over TLS (OIDC Core 3.1.3.7): the payload's
 * iss, aud, nonce and exp are checked; sub is copied out for the userinfo match. */
int	idtoken_check(const char *jwt, const char *issuer, const char *client_id,
	    const char *nonce, uint64_t now, char sub[MAX_SUBJECT + 1], const char **why);

/* The content of the "error" member of a provider's JSON or form answer, for
 * logging; "" when none.  Only [A-Za-z0-9_.-] is kept. */
void	error_code(const char *ctype, const uint8_t *body, size_t len, char *out, size_t outlen);

#endif
