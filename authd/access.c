#include "access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "config.h"
#include "msg.h"
#include "parse.h"
#include "text.h"

typedef const char *(*rule_check)(const struct conf *, const struct access_rule *);

struct kind {
	const char	*key;
	size_t		 off;		/* in struct conf_access */
	char		 sep;		/* between a and b, or '\0' */
	rule_check	 check;
};

/* 1 when s is 1..max visible ASCII bytes. */
static int
visible(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* The [provider.NAME] section's type, NULL when there is no such section. */
static const char *
provider_type(const struct conf *c, const char *name)
{
	char sec[sizeof("provider.") + MAX_PROVIDER];

	if (snprintf(sec, sizeof(sec), "provider.%s", name) >= (int)sizeof(sec))
		return NULL;
	return conf_get(c, sec, "type");
}

static const char *
check_email(const struct conf *c, const struct access_rule *r)
{
	return email_valid(r->a) ? NULL : "not an e-mail address";
}

static const char *
check_domain(const struct conf *c, const struct access_rule *r)
{
	if (strchr(r->a, '*') != NULL)
		return "a domain matches exactly (no wildcards)";
	return domain_valid(r->a) ? NULL : "not a domain name";
}

static const char *
check_user(const struct conf *c, const struct access_rule *r)
{
	if (!provider_name_valid(r->a, strlen(r->a)) || !visible(r->b, MAX_SUBJECT))
		return "not a user id (provider:subject)";
	if (strlen(r->a) + 1 + strlen(r->b) > MAX_USERID)
		return "user id too long";
	return provider_type(c, r->a) == NULL ? "no [provider.NAME] section of that name" : NULL;
}

static const char *
check_claim(const struct conf *c, const struct access_rule *r)
{
	if (!visible(r->a, ACCESS_MAX_CLAIM_NAME))
		return "claim name empty or too long";
	return visible(r->b, ACCESS_MAX_CLAIM_VALUE) ? NULL : "claim value empty or too long";
}

static const char *
check_org(const struct conf *c, const struct access_rule *r)
{
	return github_login_valid(r->a) ? NULL : "not a GitHub organisation login";
}

static int
slug_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > ACCESS_MAX_SLUG)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

static const char *
check_team(const struct conf *c, const struct access_rule *r)
{
	if (!github_login_valid(r->a))
		return "not a GitHub organisation login before '/'";
	return slug_valid(r->b) ? NULL : "not a GitHub team slug after '/'";
}

#define CA(f)	offsetof(struct conf_access, f)
static const struct kind kinds[ACC_KINDS] = {
	[ACC_EMAILS] = { "emails", CA(emails), '\0', check_email },
	[ACC_DOMAINS] = { "domains", CA(domains), '\0', check_domain },
	[ACC_USERS] = { "users", CA(users), ':', check_user },
	[ACC_CLAIMS] = { "claims", CA(claims), '=', check_claim },
	[ACC_ORGS] = { "github_orgs", CA(github_orgs), '\0', check_org },
	[ACC_TEAMS] = { "github_teams", CA(github_teams), '/', check_team },
};

#define SEPARATORS	" ,\t"

/* One entry of n bytes at s into r: NULL, or the reason it is refused. */
static const char *
rule_make(const struct conf *c, const struct kind *k, const char *s, size_t n,
    struct access_rule *r)
{
	const char *why;

	if ((r->a = strndup(s, n)) == NULL)
		return "out of memory";
	r->b = NULL;
	if (k->sep != '\0') {
		if ((r->b = strchr(r->a, k->sep)) == NULL)
			return k->sep == ':' ? "expected provider:subject" :
			    k->sep == '/' ? "expected org/team-slug" : "expected name=value";
		*r->b++ = '\0';
	}
	why = k->check(c, r);
	return why;
}

/* Every entry of one key's value. */
static const char *
list_load(struct access *ac, enum access_kind i, const struct conf *c, const char *v,
    size_t *bad)
{
	const struct kind	*k = &kinds[i];
	const char		*why;
	size_t			 n;

	if ((ac->r[i] = calloc(ACCESS_MAX_RULES, sizeof(*ac->r[i]))) == NULL)
		return "out of memory";
	for (v += strspn(v, SEPARATORS); *v != '\0'; v += strspn(v, SEPARATORS)) {
		n = strcspn(v, SEPARATORS);
		*bad = ac->n[i] + 1;
		if (ac->n[i] == ACCESS_MAX_RULES)
			return "too many entries";
		if ((why = rule_make(c, k, v, n, &ac->r[i][ac->n[i]++])) != NULL)
			return why;
		v += n;
	}
	*bad = 0;
	return ac->n[i] == 0 ? "empty list (leave the key out instead)" : NULL;
}

/* The GitHub rules cost a request each per sign-in, and need a GitHub provider. */
static const char *
github_rules_ok(const struct access *ac, const struct conf *c)
{
	const char	*names[MAX_PROVIDERS + 1], *t;
	size_t		 n, i;

	if (ac->n[ACC_ORGS] + ac->n[ACC_TEAMS] == 0)
		return NULL;
	if (ac->n[ACC_ORGS] + ac->n[ACC_TEAMS] > ACCESS_MAX_GITHUB)
		return "more than 16 entries in github_orgs and github_teams together";
	n = conf_sections(c, "provider.", names, MAX_PROVIDERS + 1);
	for (i = 0; i < n && i < MAX_PROVIDERS; i++)
		if ((t = conf_get(c, names[i], "type")) != NULL && strcmp(t, "github") == 0)
			return NULL;
	return "no [provider.NAME] section of type github";
}

int
access_load(struct access *ac, const struct airlock_conf *conf, char *err, size_t errlen)
{
	const struct conf	*c = conf->raw;
	const char		*v, *why = NULL;
	size_t			 i, bad = 0;

	memset(ac, 0, sizeof(*ac));
	for (i = 0; i < ACC_KINDS && why == NULL; i++) {
		v = *(const char *const *)(const void *)((const char *)&conf->access + kinds[i].off);
		if (v != NULL)
			why = list_load(ac, (enum access_kind)i, c, v, &bad);
	}
	if (why != NULL) {
		i--;
		if (bad > 0)
			snprintf(err, errlen, "%s:%d: [access] %s: entry %zu: %s", conf_file(c),
			    conf_line(c, "access", kinds[i].key), kinds[i].key, bad, why);
		else
			snprintf(err, errlen, "%s:%d: [access] %s: %s", conf_file(c),
			    conf_line(c, "access", kinds[i].key), kinds[i].key, why);
	} else if ((why = github_rules_ok(ac, c)) != NULL) {
		i = ac->n[ACC_ORGS] > 0 ? ACC_ORGS : ACC_TEAMS;
		snprintf(err, errlen, "%s:%d: [access] %s: %s", conf_file(c),
		    conf_line(c, "access", kinds[i].key), kinds[i].key, why);
	}
	if (why == NULL)
		return 0;
	access_free(ac);
	return -1;
}

void
access_free(struct access *ac)
{
	size_t i, j;

	for (i = 0; i < ACC_KINDS; i++) {
		for (j = 0; ac->r[i] != NULL && j < ACCESS_MAX_RULES; j++)
			free(ac->r[i][j].a);
		free(ac->r[i]);
	}
	memset(ac, 0, sizeof(*ac));
}

size_t
access_count(const struct access *ac, enum access_kind k)
{
	return ac->n[k];
}

int
access_wants_github(const struct access *ac)
{
	return ac->n[ACC_ORGS] + ac->n[ACC_TEAMS] > 0;
}

static int
any_rule(const struct access *ac)
{
	size_t i;

	for (i = 0; i < ACC_KINDS; i++)
		if (ac->n[i] > 0)
			return 1;
	return 0;
}

/* 1 when one rule of kind k has s as its a, case-insensitive. */
static int
listed(const struct access *ac, enum access_kind k, const char *s)
{
	size_t i;

	for (i = 0; i < ac->n[k]; i++)
		if (strcasecmp(ac->r[k][i].a, s) == 0)
			return 1;
	return 0;
}

/* The claim is the string value, or an array holding it. */
static int
claim_is(struct json_object *v, const char *value)
{
	struct json_object	*e;
	size_t			 i, n;

	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), value) == 0;
	if (!json_object_is_type(v, json_type_array))
		return 0;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (json_object_is_type(e, json_type_string) &&
		    strcmp(json_object_get_string(e), value) == 0)
			return 1;
	}
	return 0;
}

/* Claim name from userinfo, else from the ID token. */
static int
claim_has(const struct access_account *u, const struct access_rule *r)
{
	struct json_object *v;

	if (u->userinfo != NULL && json_object_object_get_ex(u->userinfo, r->a, &v))
		return v != NULL && claim_is(v, r->b);
	if (u->idtoken != NULL && json_object_object_get_ex(u->idtoken, r->a, &v))
		return v != NULL && claim_is(v, r->b);
	return 0;
}

static int
claims_match(const struct access *ac, const struct access_account *u)
{
	size_t i;

	for (i = 0; i < ac->n[ACC_CLAIMS]; i++)
		if (claim_has(u, &ac->r[ACC_CLAIMS][i]))
			return 1;
	return 0;
}

/* A users rule names user_id's provider and subject. */
static int
user_listed(const struct access *ac, const char *user_id)
{
	const char	*colon = strchr(user_id, ':');
	size_t		 i, n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - user_id);
	for (i = 0; i < ac->n[ACC_USERS]; i++)
		if (strlen(ac->r[ACC_USERS][i].a) == n &&
		    strncmp(ac->r[ACC_USERS][i].a, user_id, n) == 0 &&
		    strcmp(ac->r[ACC_USERS][i].b, colon + 1) == 0)
			return 1;
	return 0;
}

static int
email_match(const struct access *ac, const char *email)
{
	const char *at;

	if (email == NULL || email[0] == '\0' || (at = strrchr(email, '@')) == NULL)
		return 0;
	return listed(ac, ACC_EMAILS, email) || listed(ac, ACC_DOMAINS, at + 1);
}

enum access_verdict
access_check(const struct access *ac, const struct access_account *u)
{
	if (!any_rule(ac))
		return ACCESS_ALLOW;
	if (email_match(ac, u->email) || user_listed(ac, u->user_id) ||
	    claims_match(ac, u))
		return ACCESS_ALLOW;
	if (access_wants_github(ac) && u->github_login != NULL && u->github_login[0] != '\0')
		return ACCESS_ASK_GITHUB;
	return ACCESS_DENY;
}

int
access_github_url(const struct access *ac, size_t i, const char *api, const char *login,
    char *out, size_t outlen)
{
	const struct access_rule	*r;
	size_t				 n = strlen(api);
	int				 w;

	while (n > 0 && api[n - 1] == '/')
		n--;
	if (i < ac->n[ACC_ORGS]) {
		r = &ac->r[ACC_ORGS][i];
		w = snprintf(out, outlen, "%.*s/user/memberships/orgs/%s", (int)n, api, r->a);
	} else if (i - ac->n[ACC_ORGS] < ac->n[ACC_TEAMS]) {
		r = &ac->r[ACC_TEAMS][i - ac->n[ACC_ORGS]];
		w = snprintf(out, outlen, "%.*s/orgs/%s/teams/%s/memberships/%s", (int)n, api,
		    r->a, r->b, login);
	} else
		return -1;
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}
