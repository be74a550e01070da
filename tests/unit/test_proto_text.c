/* Unit tests: the shapes of paircodes and provider names every program checks. */
#include <string.h>

#include "check.h"
#include "msg.h"
#include "text.h"

static void
test_paircode(void)
{
	char	 s[PAIRCODE_MAX + 2];

	memset(s, 'a', sizeof(s));
	s[sizeof(s) - 1] = '\0';
	CHECK(paircode_valid(s, PAIRCODE_MIN), "paircode: %d characters ok", PAIRCODE_MIN);
	CHECK(!paircode_valid(s, PAIRCODE_MIN - 1), "paircode: %d characters refused",
	    PAIRCODE_MIN - 1);
	CHECK(paircode_valid(s, PAIRCODE_MAX), "paircode: %d characters ok", PAIRCODE_MAX);
	CHECK(!paircode_valid(s, PAIRCODE_MAX + 1), "paircode: %d characters refused",
	    PAIRCODE_MAX + 1);
	CHECK(!paircode_valid("", 0), "paircode: empty refused");
	CHECK(paircode_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 64),
	    "paircode: the whole base64url alphabet ok");
	memcpy(s, "abcdefghijklmnopqrstu/", 22);
	CHECK(!paircode_valid(s, 22), "paircode: '/' refused");
	s[21] = ' ';
	CHECK(!paircode_valid(s, 22), "paircode: space refused");
	s[21] = '\0';
	CHECK(!paircode_valid(s, 22), "paircode: NUL inside refused");
	s[21] = '=';
	CHECK(!paircode_valid(s, 22), "paircode: '=' (padding) refused");
	s[0] = (char)0xc3;
	s[21] = 'a';
	CHECK(!paircode_valid(s, 22), "paircode: non-ASCII refused");
}

static void
test_provider_name(void)
{
	char	 s[MAX_PROVIDER + 1];

	CHECK(provider_name_valid("github", 6) && provider_name_valid("my-op_2", 7),
	    "provider: lower-case letters, digits, '-' and '_' ok");
	CHECK(provider_name_valid("githubx", 6), "provider: only len bytes are read");
	CHECK(!provider_name_valid("GitHub", 6), "provider: upper case refused");
	CHECK(!provider_name_valid("", 0), "provider: empty refused");
	CHECK(!provider_name_valid("a.b", 3) && !provider_name_valid("a/b", 3) &&
	    !provider_name_valid("a%2f", 4) && !provider_name_valid("a b", 3),
	    "provider: '.', '/', '%%' and space refused");
	CHECK(!provider_name_valid("a\0b", 3), "provider: NUL inside refused");
	memset(s, 'a', sizeof(s));
	CHECK(provider_name_valid(s, MAX_PROVIDER), "provider: %d characters ok", MAX_PROVIDER);
	CHECK(!provider_name_valid(s, MAX_PROVIDER + 1), "provider: %d characters refused",
	    MAX_PROVIDER + 1);
}

int
main(void)
{
	test_paircode();
	test_provider_name();
	return CHECK_DONE();
}
