/* frontend/parse.c: strict query/form/cookie/Accept parsing, ids in URLs. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "b64.h"
#include "../../frontend/parse.h"

static int
get(const char *s, const char *name, char *dst, size_t n)
{
	return fe_form_get(s, strlen(s), name, dst, n);
}

static void
decode_cases(void)
{
	char	out[16];
	char	nul[] = { 'a', '\0', 'b' };

	CHECK(pct_decode(out, sizeof(out), "a+b%20c%2B", 10) == 6 && strcmp(out, "a b c+") == 0,
	    "+ is a space, %%XX decodes (got '%s')", out);
	CHECK(pct_decode(out, sizeof(out), "%41%6a", 6) == 2 && strcmp(out, "Aj") == 0,
	    "hex digits in both cases");
	CHECK(pct_decode(out, sizeof(out), "%4", 2) == -1, "truncated escape refused");
	CHECK(pct_decode(out, sizeof(out), "%zz", 3) == -1, "non-hex escape refused");
	CHECK(pct_decode(out, sizeof(out), "a%00b", 5) == -1, "%%00 refused");
	CHECK(pct_decode(out, sizeof(out), nul, 3) == -1, "raw NUL refused");
	CHECK(pct_decode(out, sizeof(out), "a%0Ab", 5) == -1, "%%0A (control) refused");
	CHECK(pct_decode(out, sizeof(out), "a\tb", 3) == -1, "raw tab refused");
	CHECK(pct_decode(out, sizeof(out), "%7F", 3) == -1, "DEL refused");
	CHECK(pct_decode(out, sizeof(out), "0123456789abcdef", 16) == -1,
	    "output longer than the buffer refused");
	CHECK(pct_decode(out, sizeof(out), "0123456789abcde", 15) == 15, "exactly fitting output ok");
	CHECK(pct_decode(out, sizeof(out), "", 0) == 0 && out[0] == '\0', "empty decodes to empty");
	CHECK(pct_decode(out, sizeof(out), "%C3%A9", 6) == 2, "UTF-8 bytes pass");
}

static void
form_cases(void)
{
	char	v[64], big[2000];
	size_t	i;

	CHECK(get("paircode=abc&x=1", "paircode", v, sizeof(v)) == 1 && strcmp(v, "abc") == 0,
	    "first parameter found");
	CHECK(get("x=1&paircode=a%2Fb", "paircode", v, sizeof(v)) == 1 && strcmp(v, "a/b") == 0,
	    "later parameter found and decoded");
	CHECK(get("x=1", "paircode", v, sizeof(v)) == 0, "absent parameter is 0");
	CHECK(get("", "x", v, sizeof(v)) == 0, "empty query: absent");
	CHECK(get("flag&x=2", "flag", v, sizeof(v)) == 1 && v[0] == '\0', "name without = has an empty value");
	CHECK(get("a=1&&b=2&", "b", v, sizeof(v)) == 1 && strcmp(v, "2") == 0, "empty segments skipped");
	CHECK(get("a=1&a=2", "a", v, sizeof(v)) == -1, "repeated parameter refused");
	CHECK(get("a=1&%61=2", "a", v, sizeof(v)) == -1, "repeated parameter (escaped name) refused");
	CHECK(get("a=%zz&b=1", "b", v, sizeof(v)) == -1, "a bad escape anywhere refuses the whole query");
	CHECK(get("a=%00&b=1", "b", v, sizeof(v)) == -1, "a NUL anywhere refuses the whole query");
	CHECK(get("=1&b=1", "b", v, sizeof(v)) == -1, "empty name refused");
	CHECK(get("a<b=1", "a<b", v, sizeof(v)) == -1, "odd name characters refused");
	CHECK(get("a=0123456789", "a", v, 5) == -1, "value too long for the buffer refused");
	CHECK(get("state=x=y", "state", v, sizeof(v)) == 1 && strcmp(v, "x=y") == 0, "= inside a value kept");
	CHECK(get("error_description=Access+denied%21", "error_description", v, sizeof(v)) == 1 &&
	    strcmp(v, "Access denied!") == 0, "+ and %%21 in a value");
	big[0] = '\0';
	for (i = 0; i < 33; i++)
		sprintf(big + strlen(big), "p%zu=1&", i);
	CHECK(get(big, "p0", v, sizeof(v)) == -1, "more than FORM_MAX_PAIRS pairs refused");
	CHECK(fe_form_check("code=abc&state=def&iss=https%3A%2F%2F127.0.0.1%3A9", 49) == 0,
	    "an OAuth redirect query passes");
}

static void
cookie_cases(void)
{
	char		v[64];
	const char	*h;

#define COOKIE(hdr, name) cookie_get((hdr), strlen(hdr), (name), v, sizeof(v))
	CHECK(COOKIE("session=abc", "session") == 1 && strcmp(v, "abc") == 0, "single cookie");
	CHECK(COOKIE("a=1; session=abc; b=2", "session") == 1 && strcmp(v, "abc") == 0,
	    "cookie among others");
	CHECK(COOKIE("a=1;session=abc", "session") == 1, "no space after ;");
	CHECK(COOKIE("a=1; b=2", "session") == 0, "absent cookie");
	CHECK(COOKIE("session=abc; session=def", "session") == -1, "duplicate cookie refused");
	CHECK(COOKIE("xsession=abc; sessionx=d", "session") == 0, "names match exactly");
	CHECK(COOKIE("session=\"abc\"", "session") == 1 && strcmp(v, "abc") == 0, "quoted value");
	CHECK(COOKIE("session=\"abc", "session") == -1, "unterminated quote refused");
	CHECK(COOKIE("session=a b", "session") == -1, "space inside our value refused");
	CHECK(COOKIE("session=a\\b", "session") == -1, "backslash in our value refused");
	CHECK(COOKIE("odd; x=\"y; session=ok", "session") == 1 && strcmp(v, "ok") == 0,
	    "someone else's malformed cookie is skipped");
	CHECK(COOKIE("session", "session") == -1, "our name without a value refused");
	CHECK(COOKIE("session=", "session") == 1 && v[0] == '\0', "empty value is empty");
	h = "session=0123456789012345678901234567890123456789012345678901234567890123456789";
	CHECK(cookie_get(h, strlen(h), "session", v, sizeof(v)) == -1, "value too long refused");
	CHECK(COOKIE("__Host-session=abc", "__Host-session") == 1, "__Host- prefixed name");
#undef COOKIE
}

static void
accept_cases(void)
{
	CHECK(accept_json("application/json") == 1, "application/json");
	CHECK(accept_json("text/html, application/json;q=0.9") == 1, "json among others");
	CHECK(accept_json("Application/JSON") == 1, "case-insensitive");
	CHECK(accept_json("application/json;q=0") == 0, "q=0 means no");
	CHECK(accept_json("application/json; q=0.000") == 0, "q=0.000 means no");
	CHECK(accept_json("application/json ; charset=utf-8") == 1, "parameters and spaces");
	CHECK(accept_json("text/html,application/xhtml+xml,*/*;q=0.8") == 0, "a browser: no");
	CHECK(accept_json("application/jsonx") == 0, "prefix is not json");
	CHECK(accept_json(NULL) == 0 && accept_json("") == 0, "none");
	CHECK(accept_json(";;,,;") == 0, "garbage");
}

static void
id_cases(void)
{
	uint8_t	id[16], back[16];
	char	s[32];

	randombytes_buf(id, sizeof(id));
	b64_encode(s, id, sizeof(id));
	CHECK(b64url_id(back, 16, s, strlen(s)) == 0 && memcmp(id, back, 16) == 0,
	    "base64url id round trip");
	CHECK(b64url_id(back, 16, s, strlen(s) - 1) == -1, "short id refused");
	s[3] = '+';
	CHECK(b64url_id(back, 16, s, strlen(s)) == -1, "standard-alphabet character refused");
	memset(id, 0, sizeof(id));
	b64_encode(s, id, sizeof(id));
	s[21] = 'B';	/* last char carries 2 unused bits: non-canonical spelling */
	CHECK(b64url_id(back, 16, s, strlen(s)) == -1, "non-canonical spelling refused");
	CHECK(paircode_valid("abcdefghijklmnopqrstuv", 22) == 1, "22-character paircode ok");
	CHECK(paircode_valid("abcdefghijklmnopqrstu", 21) == 0, "21 characters refused");
	CHECK(paircode_valid("abcdefghijklmnopqrstu/", 22) == 0, "/ refused");
	CHECK(paircode_valid("abcdefghijklmnopqrst u", 22) == 0, "space refused");
	memset(s, 'a', sizeof(s));
	s[sizeof(s) - 1] = '\0';
	CHECK(paircode_valid(s, strlen(s)) == 1, "31 characters ok");
	CHECK(provider_name_valid("github", 6) && provider_name_valid("my-op_2", 7), "provider names");
	CHECK(!provider_name_valid("GitHub", 6) && !provider_name_valid("", 0) &&
	    !provider_name_valid("a.b", 3) && !provider_name_valid("a%2f", 4), "bad provider names");
}

static void
printable_cases(void)
{
	char v[8];

	printable_copy(v, sizeof(v), "ab\ncd\x01\xc3\xa9z");
	CHECK(strcmp(v, "abcdz") == 0, "control and non-ASCII bytes dropped (got '%s')", v);
	printable_copy(v, sizeof(v), "0123456789");
	CHECK(strcmp(v, "0123456") == 0, "bounded");
	printable_copy(v, sizeof(v), NULL);
	CHECK(v[0] == '\0', "NULL gives empty");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	decode_cases();
	form_cases();
	cookie_cases();
	accept_cases();
	id_cases();
	printable_cases();
	return CHECK_DONE();
}
