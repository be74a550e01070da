/* proto/config.c: good files parse; every kind of bad line is refused with file:line. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"

static struct conf *
parse(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return conf_parse("t.conf", text, strlen(text), err, errlen);
}

static void
bad(const char *text, const char *want)
{
	char		 err[256];
	struct conf	*c = parse(text, err, sizeof(err));

	CHECK(c == NULL && strstr(err, want) != NULL, "refused with '%s' (got '%s')", want, err);
	conf_free(c);
}

int
main(void)
{
	char		 err[256];
	const char	*names[8];
	struct conf	*c;

	c = parse("# comment\n[airlock]\npublic_url = http://127.0.0.1:8000  \n\n"
	    "[provider.github]\ntype=github\r\n  client_id =  abc def\n[provider.corp]\ntype = oidc\n",
	    err, sizeof(err));
	CHECK(c != NULL, "good file parses (%s)", err);
	if (c != NULL) {
		CHECK(strcmp(conf_get(c, "airlock", "public_url"), "http://127.0.0.1:8000") == 0,
		    "value trimmed");
		CHECK(strcmp(conf_get(c, "provider.github", "client_id"), "abc def") == 0,
		    "inner spaces kept, CRLF accepted");
		CHECK(conf_get(c, "airlock", "nope") == NULL, "missing key is NULL");
		CHECK(conf_sections(c, "provider.", names, 8) == 2 &&
		    strcmp(names[0], "provider.github") == 0 && strcmp(names[1], "provider.corp") == 0,
		    "provider sections listed in file order");
		conf_free(c);
	}
	bad("key = v\n", "t.conf:1: setting outside a [section]");
	bad("[a]\n\nnovalue\n", "t.conf:3: expected key = value");
	bad("[a]\nk =\n", "t.conf:2: empty value");
	bad("[a]\nK = v\n", "t.conf:2: bad key name");
	bad("[a]\nk = 1\nk = 2\n", "t.conf:3: k set twice in [a]");
	bad("[a\n", "t.conf:1: unterminated [section]");
	bad("[A B]\n", "t.conf:1: bad section name");
	bad("[a]\n[a]\n", "t.conf:2: section [a] appears twice");
	
	return CHECK_DONE();
}
