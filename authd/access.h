/*
 * [access]: who may sign in.  The rules are read once at start, strictly
 * (access_load: any malformed entry stops authd with "file:line: reason").
 * No rule at all: everyone may sign in.  Otherwise an account must match at
 * least one rule:
 *	emails		its verified e-mail address (case-insensitive)
 *	domains		the domain of that address, exactly (case-insensitive)
 *	users		its user id "provider:subject"
 *	claims		"name=value": the claim in userinfo (else in the ID
 *			token's payload) is the string value, or an array
 *			holding it (OpenID Connect providers only: login.c
 *			hands no claims of others)
 *	github_orgs	GitHub organisation logins, and
 *	github_teams	"org/team-slug": active membership, asked of the
 *			account's GitHub provider with its token (read:org)
 * A login is decided in two steps: access_check with what it already has (no
 * network), then, when only GitHub rules can still admit the account, one
 * membership request per rule (access_github_url), organisations first, in
 * file order, until one answers "active" (login.c).
 */
#ifndef AIRLOCK_AUTHD_ACCESS_H
#define AIRLOCK_AUTHD_ACCESS_H

#include <stddef.h>

#define ACCESS_MAX_RULES	256	/* entries of one key */
#define ACCESS_MAX_GITHUB	16	/* github_orgs + github_teams: a request each per sign-in */
#define ACCESS_MAX_CLAIM_NAME	128
#define ACCESS_MAX_CLAIM_VALUE	256
#define ACCESS_MAX_SLUG		100	/* a GitHub team slug */

struct airlock_conf;
struct json_object;

enum access_kind {
	ACC_EMAILS, ACC_DOMAINS, ACC_USERS, ACC_CLAIMS, ACC_ORGS, ACC_TEAMS, ACC_KINDS
};

/* One entry: a, and for users, teams and claims b, the part after the
 * separator (':', '/', '='). */
struct access_rule {
	char	*a;
	char	*b;
};

struct access {
	size_t			 n[ACC_KINDS];
	struct access_rule	*r[ACC_KINDS];
};

/* What a finished login knows of the account. */
struct access_account {
	const char		*user_id;	/* provider:subject */
	const char		*email;		/* verified, or "" */
	const char		*github_login;	/* "" unless of a GitHub provider */
	struct json_object	*userinfo;	/* the userinfo answer, or NULL */
	struct json_object	*idtoken;	/* the ID token's payload, or NULL */
};

enum access_verdict {
	ACCESS_ALLOW,
	ACCESS_DENY,
	ACCESS_ASK_GITHUB,	/* only GitHub membership can still admit it */
};

/* 0, or -1 with "file:line: reason" in err (nothing held). */
int	access_load(struct access *, const struct airlock_conf *, char *err, size_t errlen);
void	access_free(struct access *);
/* Rules of kind k. */
size_t	access_count(const struct access *, enum access_kind k);
/* github_orgs or github_teams present (the GitHub login asks read:org). */
int	access_wants_github(const struct access *);
enum access_verdict access_check(const struct access *, const struct access_account *);
/* The i-th membership request of the GitHub rules for login, at api (the
 * provider's api_url): 0, or -1 when there is none (or it does not fit). */
int	access_github_url(const struct access *, size_t i, const char *api, const char *login,
	    char *out, size_t outlen);

#endif
