/* frontend/redirect.c: allowed_redirect_hosts and the rule for /login?rd=. */
#include <string.h>

#include "check.h"
#include "../../frontend/redirect.h"

#define PUB	"https://app.example.com"

static struct rd_hosts hs;

static void
hosts_cases(void)
{
	static const char *bad[] = { "https://a.example", "a.example:443", "*.example", "a..example",
	    "-a.example", "a-.example", "a.example/", ".", "..a.example", "a.example.", "a_b.example",
	    "[::1]", "a@b.example" };
	char	why[128];
	size_t	i;

	CHECK(rd_hosts_parse(NULL, &hs, why, sizeof(why)) == 0 && hs.n == 0, "absent: no hosts");
	CHECK(rd_hosts_parse(" , ", &hs, why, sizeof(why)) == 0 && hs.n == 0, "only separators: none");
	CHECK(rd_hosts_parse("Docs.Example.COM, .apps.example\t127.0.0.1", &hs, why,
	    sizeof(why)) == 0 && hs.n == 3, "three entries, commas and blanks");
	CHECK(strcmp(hs.h[0].name, "docs.example.com") == 0 && !hs.h[0].subdomains,
	    "lower-cased exact host");
	CHECK(strcmp(hs.h[1].name, "apps.example") == 0 && hs.h[1].subdomains, ".domain: subdomains");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(rd_hosts_parse(bad[i], &hs, why, sizeof(why)) == -1 && why[0] != '\0',
		    "'%s' refused: %s", bad[i], why);
	CHECK(rd_hosts_parse("a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg",
	    &hs, why, sizeof(why)) == -1, "more than %d entries refused", RD_HOSTS_MAX);
}

static void
rd_cases(void)
{
	static const char *yes[] = { "/", "/app?x=1&y=2", "https://app.example.com",
	    "https://APP.example.com:8443/x#f", "http://app.example.com/", "https://docs.example.com/d",
	    "https://a.b.apps.example/?q", "/a/%2F/b" };
	static const char *no[] = { "", "//evil.example/", "/\\evil.example", "https://evil.example/",
	    "https://user@app.example.com/", "https://app.example.com@evil.example/",
	    "javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x", "https:/app.example.com/",
	    "https://apps.example/", "https://xapps.example/", "https://app.example.com.evil/",
	    "https://app.example.com:0/", "https://app.example.com:65536/", "https://app.example.com:x/",
	    "https://app.example.com\\@evil.example/", "/a b", "/a\tb", "/\x7f", "/\xc3\xa9",
	    "https://[::1]/", "ftp://app.example.com/", "https://", "https://:443/" };
	char	 long_rd[RD_URL_MAX + 2];
	size_t	 i;

	rd_hosts_parse("docs.example.com .apps.example", &hs, long_rd, sizeof(long_rd));
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(rd_allowed(yes[i], PUB, &hs) == 1, "rd '%s' allowed", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(rd_allowed(no[i], PUB, &hs) == 0, "rd '%s' refused", no[i]);
	memset(long_rd, 'a', sizeof(long_rd));
	long_rd[0] = '/';
	long_rd[RD_URL_MAX] = '\0';
	CHECK(rd_allowed(long_rd, PUB, &hs) == 1, "rd of %d bytes allowed", RD_URL_MAX);
	long_rd[RD_URL_MAX] = 'a';
	long_rd[RD_URL_MAX + 1] = '\0';
	CHECK(rd_allowed(long_rd, PUB, &hs) == 0, "rd of %d bytes refused", RD_URL_MAX + 1);
	CHECK(rd_allowed("http://[::1]:8000/x", "http://[::1]:8000", &hs) == 1,
	    "public_url's own IPv6 literal");
}

static void
query_cases(void)
{
	char	rd[RD_URL_MAX + 1];

	CHECK(rd_from_query("", rd) == 0 && rd[0] == '\0', "no query: no rd");
	CHECK(rd_from_query("bye=1", rd) == 0, "another parameter: no rd");
	CHECK(rd_from_query("xrd=/a", rd) == 0, "a longer name is not rd");
	CHECK(rd_from_query("rd=/a?b=1&c=%20", rd) == 1 && strcmp(rd, "/a?b=1&c=%20") == 0,
	    "raw rd taken to the end, as written (got '%s')", rd);
	CHECK(rd_from_query("bye=1&rd=https://h/x?y", rd) == 1 && strcmp(rd, "https://h/x?y") == 0,
	    "rd after another parameter");
	CHECK(rd_from_query("rd=https%3A%2F%2Fh%2Fx", rd) == 1 && strcmp(rd, "https://h/x") == 0,
	    "percent-encoded rd decoded");
	CHECK(rd_from_query("rd=%2F%0a", rd) == -1, "encoded control character refused");
	CHECK(rd_from_query("rd=%zz", rd) == -1, "bad escape refused");
}

int
main(void)
{
	hosts_cases();
	rd_cases();
	query_cases();
	return CHECK_DONE();
}
