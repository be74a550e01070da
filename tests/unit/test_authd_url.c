/* URL policy and URL / form building. */
#include <string.h>

#include <curl/curl.h>

#include "check.h"
#include "buf.h"
#include "../../authd/http.h"

static int
allowed(const char *url, int loopback)
{
	const char *why;

	return http_url_allowed(url, loopback, &why) == 0;
}

static void
test_policy(void)
{
	CHECK(allowed("https://accounts.google.com/o/oauth2/v2/auth", 0), "https accepted");
	CHECK(allowed("https://127.0.0.1:8443/token", 0), "https to loopback accepted");
	CHECK(!allowed("http://127.0.0.1:9/token", 0), "http refused without the opt-in");
	CHECK(allowed("http://127.0.0.1:9/token", 1), "http to 127.0.0.1 with the opt-in");
	CHECK(!allowed("http://localhost:9/token", 1), "http to a name refused even with the opt-in");
	CHECK(!allowed("http://10.0.0.1/token", 1), "http elsewhere refused even with the opt-in");
	CHECK(!allowed("ftp://example.com/x", 1), "other schemes refused");
	CHECK(!allowed("https://u:p@example.com/x", 0), "credentials in the URL refused");
	CHECK(!allowed("https://example.com/x#frag", 0), "fragment refused");
	CHECK(!allowed("https://example.com/a b", 0), "space refused");
	CHECK(!allowed("example.com/x", 0), "no scheme refused");
	CHECK(!allowed("", 0), "empty refused");
}

static void
test_buf(void)
{
	struct buf	 b;
	char		*s;

	buf_init(&b, 1024);
	buf_add(&b, "https://x/a?");
	buf_add_param(&b, "redirect_uri", "http://127.0.0.1:8000/auth_redirect");
	buf_add_param(&b, "scope", "openid profile");
	buf_add_param(&b, "q", "a+b&c=d~_.-");
	CHECK(buf_str(&b) != NULL && strcmp(buf_str(&b), "https://x/a?redirect_uri=http%3A%2F%2F"
	    "127.0.0.1%3A8000%2Fauth_redirect&scope=openid%20profile&q=a%2Bb%26c%3Dd~_.-") == 0,
	    "parameters escaped (%s)", buf_str(&b));
	buf_free(&b);
	buf_init(&b, 8);
	buf_add(&b, "123456789");
	CHECK(buf_str(&b) == NULL, "over the bound is an error");
	buf_add(&b, "1");
	CHECK(b.err, "errors are sticky");
	buf_free(&b);
	buf_init(&b, 100000);
	for (int i = 0; i < 1000; i++)
		buf_add(&b, "0123456789");
	s = buf_take(&b);
	CHECK(s != NULL && strlen(s) == 10000, "growth");
	str_wipe_free(s);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_policy();
	test_buf();
	curl_global_cleanup();
	return CHECK_DONE();
}
