/* [access]: each rule kind decided by access_check (e-mail, domain, user id,
 * claim string, claim array, GitHub membership to ask), no rule = everyone,
 * malformed entries refused at load with file:line; the verified e-mail
 * address userinfo_parse hands over, per provider kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check.h"
#include "config.h"
#include "../../authd/access.h"
#include "../../authd/parse.h"

#define PROVIDERS							\
	"[provider.op]\ntype = oidc\nissuer = https://op.example\nclient_id = a\n"	\
	"[provider.gh]\ntype = github\nclient_id = b\n"

static struct airlock_conf	conf;
static struct access		ac;
static char			err[512];

/* Loads [access] holding lines (after the providers unless noproviders). */
static int
load(const char *lines, int noproviders)
{
	char	text[4096];
	int	rc;

	access_free(&ac);
	snprintf(text, sizeof(text), "%s[access]\n%s\n", noproviders ? "" : PROVIDERS, lines);
	err[0] = '\0';
	if (airlock_conf_parse(&conf, "t.conf", text, strlen(text), 0, err, sizeof(err)) == -1)
		return -2;
	rc = access_load(&ac, &conf, err, sizeof(err));
	airlock_conf_free(&conf);
	return rc;
}

static enum access_verdict
decide(const char *user_id, const char *email, const char *login, const char *userinfo,
    const char *idtoken)
{
	struct access_account	a = { user_id, email, login, NULL, NULL };
	enum access_verdict	v;

	if (userinfo != NULL)
		a.userinfo = json_tokener_parse(userinfo);
	if (idtoken != NULL)
		a.idtoken = json_tokener_parse(idtoken);
	v = access_check(&ac, &a);
	json_object_put(a.userinfo);
	json_object_put(a.idtoken);
	return v;
}

static void
test_everyone(void)
{
	CHECK(load("", 0) == 0, "no [access] key loads");
	CHECK(decide("op:anyone", "", "", NULL, NULL) == ACCESS_ALLOW, "no rule: everyone");
	CHECK(!access_wants_github(&ac), "no rule: no read:org");
}

static void
test_email(void)
{
	CHECK(load("emails = Alice@Example.com, carol@example.net", 0) == 0, "emails loads");
	CHECK(decide("op:a", "alice@example.COM", "", NULL, NULL) == ACCESS_ALLOW,
	    "email: listed address, another case: allowed");
	CHECK(decide("op:c", "carol@example.net", "", NULL, NULL) == ACCESS_ALLOW,
	    "email: second entry allowed");
	CHECK(decide("op:b", "bob@example.com", "", NULL, NULL) == ACCESS_DENY,
	    "email: other address refused");
	CHECK(decide("op:a", "", "", NULL, NULL) == ACCESS_DENY,
	    "email: no verified address refused");
}

static void
test_domain(void)
{
	CHECK(load("domains = example.org", 0) == 0, "domains loads");
	CHECK(decide("op:x", "x@EXAMPLE.org", "", NULL, NULL) == ACCESS_ALLOW,
	    "domain: exact, case-insensitive: allowed");
	CHECK(decide("op:x", "x@sub.example.org", "", NULL, NULL) == ACCESS_DENY,
	    "domain: a subdomain is refused");
	CHECK(decide("op:x", "x@example.org.evil.test", "", NULL, NULL) == ACCESS_DENY,
	    "domain: a longer domain is refused");
	CHECK(decide("op:x", "example.org@evil.test", "", NULL, NULL) == ACCESS_DENY,
	    "domain: the local part does not count");
}

static void
test_user(void)
{
	CHECK(load("users = gh:12345 op:alice", 0) == 0, "users loads");
	CHECK(decide("gh:12345", "", "octo", NULL, NULL) == ACCESS_ALLOW, "user id: listed allowed");
	CHECK(decide("op:alice", "", "", NULL, NULL) == ACCESS_ALLOW, "user id: second allowed");
	CHECK(decide("gh:123456", "", "x", NULL, NULL) == ACCESS_DENY, "user id: prefix refused");
	CHECK(decide("op:12345", "", "", NULL, NULL) == ACCESS_DENY,
	    "user id: same subject, other provider refused");
	CHECK(decide("op:Alice", "", "", NULL, NULL) == ACCESS_DENY, "user id: case matters");
}

static void
test_claims(void)
{
	CHECK(load("claims = groups=admins https://example.com/role=ops", 0) == 0, "claims loads");
	CHECK(decide("op:a", "", "", "{\"groups\":\"admins\"}", NULL) == ACCESS_ALLOW,
	    "claim: string equal allowed");
	CHECK(decide("op:a", "", "", "{\"groups\":[\"x\",\"admins\"]}", NULL) == ACCESS_ALLOW,
	    "claim: array holding it allowed");
	CHECK(decide("op:a", "", "", "{\"https://example.com/role\":[\"ops\"]}", NULL) ==
	    ACCESS_ALLOW, "claim: namespaced claim name allowed");
	CHECK(decide("op:a", "", "", "{\"groups\":[\"x\"]}", NULL) == ACCESS_DENY,
	    "claim: array without it refused");
	CHECK(decide("op:a", "", "", "{\"groups\":\"administrators\"}", NULL) == ACCESS_DENY,
	    "claim: other string refused");
	CHECK(decide("op:a", "", "", "{\"groups\":[[\"admins\"]]}", NULL) == ACCESS_DENY,
	    "claim: nested array refused");
	CHECK(decide("op:a", "", "", "{\"sub\":\"a\"}", "{\"groups\":[\"admins\"]}") ==
	    ACCESS_ALLOW, "claim: absent from userinfo, in the ID token: allowed");
	CHECK(decide("op:a", "", "", "{\"groups\":\"x\"}", "{\"groups\":\"admins\"}") ==
	    ACCESS_DENY, "claim: userinfo's value wins over the ID token's");
	CHECK(decide("op:a", "", "", NULL, NULL) == ACCESS_DENY, "claim: no claims refused");
}

static void
test_github(void)
{
	char url[512];

	CHECK(load("github_orgs = acme\ngithub_teams = acme/core-team other/x_y", 0) == 0,
	    "github rules load");
	CHECK(access_wants_github(&ac), "github rules ask read:org");
	CHECK(decide("gh:1", "", "octo", NULL, NULL) == ACCESS_ASK_GITHUB,
	    "github: a GitHub account is asked about");
	CHECK(decide("op:a", "", "", NULL, NULL) == ACCESS_DENY,
	    "github: another provider's account is refused");
	CHECK(access_github_url(&ac, 0, "https://api.github.com/", "octo", url, sizeof(url)) == 0 &&
	    strcmp(url, "https://api.github.com/user/memberships/orgs/acme") == 0,
	    "github: organisations first (%s)", url);
	CHECK(access_github_url(&ac, 1, "https://api.github.com", "octo", url, sizeof(url)) == 0 &&
	    strcmp(url, "https://api.github.com/orgs/acme/teams/core-team/memberships/octo") == 0,
	    "github: then teams (%s)", url);
	CHECK(access_github_url(&ac, 3, "https://api.github.com", "octo", url, sizeof(url)) == -1,
	    "github: no fourth request");
	CHECK(load("emails = a@b.example\ngithub_orgs = acme", 0) == 0 &&
	    decide("gh:1", "a@b.example", "octo", NULL, NULL) == ACCESS_ALLOW,
	    "github: a cheap rule that matches asks nothing");
}

static void
refused(const char *lines, int noproviders, const char *want)
{
	int rc = load(lines, noproviders);

	CHECK(rc != 0 && strncmp(err, "t.conf:", 7) == 0 && strstr(err, want) != NULL,
	    "refused \"%s\": %s", lines, err);
}

static void
test_malformed(void)
{
	char	many[1024];
	int	i, n = 0;

	refused("emails = alice", 0, "emails: entry 1: not an e-mail address");
	refused("emails = a@b.example, a@@b", 0, "entry 2");
	refused("emails =", 0, "empty value");
	refused("emails = ,", 0, "empty list");
	refused("domains = *.example.com", 0, "no wildcards");
	refused("domains = example..com", 0, "not a domain name");
	refused("users = gh", 0, "provider:subject");
	refused("users = nosuch:1", 0, "no [provider.NAME]");
	refused("users = gh:", 0, "not a user id");
	refused("claims = groups", 0, "name=value");
	refused("claims = =x", 0, "claim name");
	refused("github_orgs = -acme", 0, "organisation login");
	refused("github_teams = acme", 0, "org/team-slug");
	refused("github_teams = acme/a.b", 0, "team slug");
	refused("github_orgs = acme", 1, "no [provider.NAME] section of type github");
	n = snprintf(many, sizeof(many), "github_orgs =");
	for (i = 0; i < ACCESS_MAX_GITHUB + 1; i++)
		n += snprintf(many + n, sizeof(many) - (size_t)n, " o%d", i);
	refused(many, 0, "more than 16");
	CHECK(load("\n\nemails = x", 0) == -1 && strstr(err, "t.conf:11:") != NULL,
	    "the line is named: %s", err);
}

static int
email_of(const char *json, enum subject_kind k, char *out)
{
	struct userinfo	 u;
	const char	*why;

	if (userinfo_parse((const uint8_t *)json, strlen(json), k, &u, &why) == -1)
		return -1;
	strcpy(out, u.email);
	return 0;
}

static void
test_userinfo_email(void)
{
	char e[MAX_EMAIL + 1];

	CHECK(email_of("{\"sub\":\"a\",\"email\":\"a@x.example\",\"email_verified\":true}",
	    SUBJ_SUB, e) == 0 && strcmp(e, "a@x.example") == 0, "OIDC: verified address kept");
	CHECK(email_of("{\"sub\":\"a\",\"email\":\"a@x.example\",\"email_verified\":false}",
	    SUBJ_SUB, e) == 0 && e[0] == '\0', "OIDC: unverified address dropped");
	CHECK(email_of("{\"sub\":\"a\",\"email\":\"a@x.example\",\"email_verified\":\"true\"}",
	    SUBJ_SUB, e) == 0 && e[0] == '\0', "OIDC: email_verified as a string dropped");
	CHECK(email_of("{\"sub\":\"a\",\"email\":\"a@x.example\"}", SUBJ_SUB, e) == 0 &&
	    e[0] == '\0', "OIDC: no email_verified dropped");
	CHECK(email_of("{\"id\":7,\"login\":\"octo\",\"email\":\"o@gh.example\"}", SUBJ_NUMERIC_ID,
	    e) == 0 && strcmp(e, "o@gh.example") == 0, "GitHub: public address kept");
	CHECK(email_of("{\"id\":7,\"login\":\"octo\",\"email\":null}", SUBJ_NUMERIC_ID, e) == 0 &&
	    e[0] == '\0', "GitHub: null address");
	CHECK(email_of("{\"id\":\"9\",\"email\":\"d@x.example\",\"verified\":true}",
	    SUBJ_STRING_ID, e) == 0 && strcmp(e, "d@x.example") == 0, "Discord: verified kept");
	CHECK(email_of("{\"id\":\"9\",\"email\":\"d@x.example\",\"verified\":false}",
	    SUBJ_STRING_ID, e) == 0 && e[0] == '\0', "Discord: unverified dropped");
	CHECK(email_of("{\"sub\":\"a\",\"email\":\"a b@x.example\",\"email_verified\":true}",
	    SUBJ_SUB, e) == 0 && e[0] == '\0', "a malformed address is no address");
}

int
main(void)
{
	test_everyone();
	test_email();
	test_domain();
	test_user();
	test_claims();
	test_github();
	test_malformed();
	test_userinfo_email();
	access_free(&ac);
	return CHECK_DONE();
}
