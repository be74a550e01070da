/* Strict parsing of provider answers: JSON, form, token, userinfo, discovery, id_token. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <sodium.h>

#include "check.h"
#include "../../authd/parse.h"

static int
json_ok(const char *s)
{
	const char		*why;
	struct json_object	*o = json_parse_object(s, strlen(s), JSON_MAX_DEPTH, &why);

	if (o == NULL)
		return 0;
	json_object_put(o);
	return 1;
}

static void
test_json(void)
{
	char	*deep;
	size_t	 i;

	CHECK(json_ok("{\"a\":1}"), "plain object");
	CHECK(json_ok("{\"a\":1}\n"), "trailing newline allowed");
	CHECK(!json_ok("{\"a\":1} x"), "trailing garbage refused");
	CHECK(!json_ok("{\"a\":1}{}"), "second document refused");
	CHECK(!json_ok("[1,2]"), "array at top level refused");
	CHECK(!json_ok("{\"a\":1"), "truncated refused");
	CHECK(!json_ok("{\"a\":'x'}"), "single-quoted value refused (strict)");
	CHECK(!json_ok("{\"a\":01}"), "leading zero refused (strict)");
	CHECK(!json_ok("{\"a\":\"\xff\"}"), "invalid UTF-8 refused");
	CHECK(!json_ok(""), "empty refused");
	CHECK(!json_parse_object("{\"a\":\"b\0\"}", 9, JSON_MAX_DEPTH, NULL), "raw NUL refused");
	deep = malloc(2 * 100 + 8);
	strcpy(deep, "{\"a\":");
	for (i = 0; i < 100; i++)
		strcat(deep, "[");
	for (i = 0; i < 100; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	CHECK(!json_ok(deep), "100 levels deep refused (limit %d)", JSON_MAX_DEPTH);
	free(deep);
	CHECK(json_ok("{\"a\":[[[[[[[[1]]]]]]]]}"), "moderate depth accepted");
}

static void
test_json_str(void)
{
	const char		*why, *s;
	const char		*doc = "{\"s\":\"v\",\"n\":5,\"z\":\"a\\u0000b\",\"l\":\"long!\",\"x\":null}";
	struct json_object	*o = json_parse_object(doc, strlen(doc), JSON_MAX_DEPTH, &why);

	CHECK(o != NULL, "document parses");
	CHECK(json_str(o, "s", 10, &s) == 1 && strcmp(s, "v") == 0, "string read");
	CHECK(json_str(o, "n", 10, &s) == -1, "number is not a string");
	CHECK(json_str(o, "z", 10, &s) == -1, "escaped NUL inside a string refused");
	CHECK(json_str(o, "l", 3, &s) == -1, "over the length bound refused");
	CHECK(json_str(o, "x", 10, &s) == 0, "null is absent");
	CHECK(json_str(o, "missing", 10, &s) == 0, "missing is absent");
	json_object_put(o);
}

static void
test_form(void)
{
	struct form	 f;
	const char	*why;

	CHECK(form_parse("a=1&b=x%20y+z", 13, &f, &why) == 0, "form parses");
	CHECK(form_get(&f, "a") != NULL && strcmp(form_get(&f, "a"), "1") == 0, "value a");
	CHECK(form_get(&f, "b") != NULL && strcmp(form_get(&f, "b"), "x y z") == 0,
	    "percent and plus decoded");
	form_free(&f);
	CHECK(form_parse("", 0, &f, &why) == 0 && f.n == 0, "empty form is no pairs");
	form_free(&f);
	CHECK(form_parse("a=%zz", 5, &f, &why) == -1, "bad escape refused");
	CHECK(form_parse("a=%4", 4, &f, &why) == -1, "short escape refused");
	CHECK(form_parse("a=%00", 5, &f, &why) == -1, "escaped NUL refused");
	CHECK(form_parse("a=1&a=2", 7, &f, &why) == -1, "duplicate key refused");
	CHECK(form_parse("a=1&", 4, &f, &why) == -1, "dangling & refused");
	CHECK(form_parse("novalue", 7, &f, &why) == -1, "pair without = refused");
	CHECK(form_parse("a=b c", 5, &f, &why) == -1, "raw space refused");
	CHECK(form_parse("=v", 2, &f, &why) == -1, "empty key refused");
}

static void
test_tokresp(void)
{
	struct tokresp	 t;
	const char	*why, *j = "{\"access_token\":\"AT\",\"token_type\":\"Bearer\","
	    "\"refresh_token\":\"RT\",\"expires_in\":3600}";

	CHECK(tokresp_parse("application/json", (const uint8_t *)j, strlen(j), &t, &why) == 0 &&
	    strcmp(t.access_token, "AT") == 0 && strcmp(t.refresh_token, "RT") == 0,
	    "JSON token answer");
	tokresp_free(&t);
	j = "access_token=AT&token_type=bearer&scope=read%3Auser";
	CHECK(tokresp_parse("application/x-www-form-urlencoded; charset=utf-8",
	    (const uint8_t *)j, strlen(j), &t, &why) == 0 && strcmp(t.access_token, "AT") == 0,
	    "form-encoded token answer (GitHub without Accept)");
	tokresp_free(&t);
	j = "{\"access_token\":5,\"token_type\":\"Bearer\"}";
	CHECK(tokresp_parse("application/json", (const uint8_t *)j, strlen(j), &t, &why) == -1,
	    "numeric access_token refused");
	j = "{\"error\":\"bad_verification_code\"}";
	CHECK(tokresp_parse("application/json", (const uint8_t *)j, strlen(j), &t, &why) == 0 &&
	    t.error != NULL && t.access_token == NULL, "error answer parsed");
	tokresp_free(&t);
	j = "{\"access_token\":\"a\\r\\nX-Injected: 1\",\"token_type\":\"Bearer\"}";
	CHECK(tokresp_parse("application/json", (const uint8_t *)j, strlen(j), &t, &why) == -1,
	    "CR LF in a token refused");
	j = "access_token=a%0D%0AX&token_type=bearer";
	CHECK(tokresp_parse("application/x-www-form-urlencoded", (const uint8_t *)j, strlen(j), &t,
	    &why) == -1, "escaped CR LF in a form token refused");
	j = "<html>";
	CHECK(tokresp_parse("text/html", (const uint8_t *)j, strlen(j), &t, &why) == -1,
	    "HTML refused");
}

static void
test_error_code(void)
{
	char		 e[32];
	const char	*j = "{\"error\":\"invalid_grant<script>\"}";

	error_code("application/json", (const uint8_t *)j, strlen(j), e, sizeof(e));
	CHECK(strcmp(e, "invalid_grantscript") == 0, "error code filtered to safe characters");
	error_code("application/json", (const uint8_t *)"x", 1, e, sizeof(e));
	CHECK(e[0] == '\0', "no error code from garbage");
}

static int
ui(const char *j, enum subject_kind k, struct userinfo *u)
{
	const char *why;

	return userinfo_parse((const uint8_t *)j, strlen(j), k, u, &why);
}

static void
test_userinfo(void)
{
	struct userinfo u;

	CHECK(ui("{\"sub\":\"alice\",\"name\":\"Alice A\"}", SUBJ_SUB, &u) == 0 &&
	    strcmp(u.subject, "alice") == 0 && strcmp(u.name, "Alice A") == 0, "OIDC user");
	CHECK(ui("{\"sub\":\"bob\",\"preferred_username\":\"bobby\"}", SUBJ_SUB, &u) == 0 &&
	    strcmp(u.name, "bobby") == 0, "preferred_username as name");
	CHECK(ui("{\"id\":583231,\"login\":\"octocat\",\"name\":null}", SUBJ_NUMERIC_ID, &u) == 0 &&
	    strcmp(u.subject, "583231") == 0 && strcmp(u.name, "octocat") == 0,
	    "GitHub numeric id, login when name is null");
	CHECK(ui("{\"id\":\"583231\"}", SUBJ_NUMERIC_ID, &u) == -1, "GitHub id as string refused");
	CHECK(ui("{\"id\":1.5}", SUBJ_NUMERIC_ID, &u) == -1, "GitHub id as float refused");
	CHECK(ui("{\"id\":-3}", SUBJ_NUMERIC_ID, &u) == -1, "negative id refused");
	CHECK(ui("{\"id\":\"80351110224678912\",\"global_name\":\"Nelly\"}", SUBJ_STRING_ID,
	    &u) == 0 && strcmp(u.name, "Nelly") == 0, "Discord snowflake id");
	CHECK(ui("{\"id\":\"12a\"}", SUBJ_STRING_ID, &u) == -1, "non-numeric Discord id refused");
	CHECK(ui("{\"sub\":42}", SUBJ_SUB, &u) == -1, "numeric sub refused");
	CHECK(ui("{\"name\":\"x\"}", SUBJ_SUB, &u) == -1, "missing sub refused");
	CHECK(ui("{\"sub\":\"a b\"}", SUBJ_SUB, &u) == -1, "space in sub refused");
	CHECK(ui("{\"sub\":\"a\",\"name\":\"x\\ny\\u0007\"}", SUBJ_SUB, &u) == 0 &&
	    strcmp(u.name, "x?y?") == 0, "control characters in the name replaced");
	CHECK(ui("{\"sub\":\"a\",\"name\":\"x\\u0085y\"}", SUBJ_SUB, &u) == 0 &&
	    strcmp(u.name, "x??y") == 0, "C1 control in the name replaced");
}

static void
test_long_name(void)
{
	struct userinfo	 u;
	char		*j = malloc(1024);
	size_t		 i;

	strcpy(j, "{\"sub\":\"a\",\"name\":\"");
	for (i = 0; i < 150; i++)
		strcat(j, "\xc3\xa9");	/* é, two bytes */
	strcat(j, "\"}");
	CHECK(ui(j, SUBJ_SUB, &u) == 0 && strlen(u.name) == MAX_NAME &&
	    ((unsigned char)u.name[MAX_NAME - 1] & 0xc0) != 0xc0, "long name cut on a UTF-8 boundary");
	free(j);
}

static void
test_discovery(void)
{
	struct discovery	 d;
	const char		*why;
	const char		*j = "{\"issuer\":\"https://i\",\"authorization_endpoint\":\"https://i/a\","
	    "\"token_endpoint\":\"https://i/t\",\"userinfo_endpoint\":\"https://i/u\","
	    "\"token_endpoint_auth_methods_supported\":[\"client_secret_post\"]}";

	CHECK(discovery_parse((const uint8_t *)j, strlen(j), &d, &why) == 0 && d.auth_post &&
	    !d.auth_basic && d.s256 && d.revocation_endpoint == NULL, "discovery document");
	discovery_free(&d);
	j = "{\"issuer\":\"https://i\",\"token_endpoint\":\"https://i/t\"}";
	CHECK(discovery_parse((const uint8_t *)j, strlen(j), &d, &why) == -1,
	    "missing authorization_endpoint refused");
	j = "{\"issuer\":\"https://i\",\"authorization_endpoint\":\"https://i/a\","
	    "\"token_endpoint\":\"https://i/t\",\"code_challenge_methods_supported\":\"S256\"}";
	CHECK(discovery_parse((const uint8_t *)j, strlen(j), &d, &why) == -1,
	    "list of the wrong type refused");
	j = "{\"issuer\":\"https://i\",\"authorization_endpoint\":\"https://i/a\","
	    "\"token_endpoint\":\"https://i/t\",\"code_challenge_methods_supported\":[\"plain\"]}";
	CHECK(discovery_parse((const uint8_t *)j, strlen(j), &d, &why) == 0 && !d.s256 &&
	    !d.iss_param, "no S256 noticed; no iss promised when the flag is absent");
	discovery_free(&d);
	j = "{\"issuer\":\"https://i\",\"authorization_endpoint\":\"https://i/a\","
	    "\"token_endpoint\":\"https://i/t\","
	    "\"authorization_response_iss_parameter_supported\":true}";
	CHECK(discovery_parse((const uint8_t *)j, strlen(j), &d, &why) == 0 && d.iss_param,
	    "RFC 9207 iss promise noticed");
	discovery_free(&d);
	j = "{\"issuer\":\"https://i\",\"authorization_endpoint\":\"https://i/a\","
	    "\"token_endpoint\":\"https://i/t\","
	    "\"authorization_response_iss_parameter_supported\":\"true\"}";
	CHECK(discovery_parse((const uint8_t *)j, strlen(j), &d, &why) == -1,
	    "iss flag of the wrong type refused");
}

static char *
jwt(const char *payload)
{
	char	*out = malloc(4096), b64[2048];

	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)payload, strlen(payload),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, 4096, "eyJhbGciOiJSUzI1NiJ9.%s.c2ln", b64);
	return out;
}

static void
test_idtoken(void)
{
	char		 sub[MAX_SUBJECT + 1], pl[512], *t;
	const char	*why;
	long long	 now = (long long)time(NULL);

	snprintf(pl, sizeof(pl), "{\"iss\":\"https://op\",\"aud\":[\"x\",\"cid\"],\"nonce\":\"N1\","
	    "\"exp\":%lld,\"sub\":\"alice\"}", now + 300);
	t = jwt(pl);
	CHECK(idtoken_check(t, "https://op", "cid", "N1", (uint64_t)now, sub, &why) == 0 &&
	    strcmp(sub, "alice") == 0, "good id_token");
	CHECK(idtoken_check(t, "https://op", "cid", "N2", (uint64_t)now, sub, &why) == -1,
	    "wrong nonce refused");
	CHECK(idtoken_check(t, "https://other", "cid", "N1", (uint64_t)now, sub, &why) == -1,
	    "wrong issuer refused");
	CHECK(idtoken_check(t, "https://op", "zzz", "N1", (uint64_t)now, sub, &why) == -1,
	    "wrong audience refused");
	CHECK(idtoken_check(t, "https://op", "cid", "N1", (uint64_t)now + 1000, sub, &why) == -1,
	    "expired refused");
	free(t);
	CHECK(idtoken_check("a.b", "https://op", "cid", "N1", (uint64_t)now, sub, &why) == -1,
	    "not three parts refused");
	CHECK(idtoken_check("a.!!!.c", "https://op", "cid", "N1", (uint64_t)now, sub, &why) == -1,
	    "bad base64 refused");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_json();
	test_json_str();
	test_form();
	test_tokresp();
	test_error_code();
	test_userinfo();
	test_long_name();
	test_discovery();
	test_idtoken();
	return CHECK_DONE();
}
