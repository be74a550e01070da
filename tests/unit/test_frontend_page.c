/* frontend pages: escaping, the CSP hashes match what pages inline,
 * public_url parsing. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "../../frontend/fe.h"

/* The text between open and close in s, copied. */
static char *
between(const char *s, const char *open, const char *close)
{
	const char	*a = strstr(s, open), *b;
	char		*out;

	if (a == NULL || (b = strstr(a + strlen(open), close)) == NULL)
		return NULL;
	a += strlen(open);
	out = strndup(a, (size_t)(b - a));
	return out;
}

static int
csp_has_hash(const char *csp, const char *text)
{
	uint8_t	h[32];
	char	b64[64], want[80];

	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h), sodium_base64_VARIANT_ORIGINAL);
	snprintf(want, sizeof(want), "'sha256-%s'", b64);
	return strstr(csp, want) != NULL;
}

static void
page_cases(void)
{
	struct fe				 fe;
	struct msg_store_page_r			 l;
	struct buf				 sb;
	const char	*csp = NULL;
	char		*style, *script;
	size_t		 i;

	memset(&fe, 0, sizeof(fe));
	CHECK(assets_init(&fe) == 0, "security headers built");
	for (i = 0; fe.headers[i] != NULL; i += 2)
		if (strcmp(fe.headers[i], "Content-Security-Policy") == 0)
			csp = fe.headers[i + 1];
	CHECK(csp != NULL && strstr(csp, "default-src 'none'") && strstr(csp, "frame-ancestors 'none'") &&
	    strstr(csp, "form-action 'self'") && strstr(csp, "base-uri 'none'") &&
	    !strstr(csp, "unsafe-inline"), "CSP: strict defaults, no unsafe-inline");

	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "<script>alert(1)</script>");
	snprintf(l.user_id, sizeof(l.user_id), "op:\"quoted\"");
	l.counter = 42;
	l.cli_sessions = 1000;
	l.sessions_n = 1;
	l.sessions[0].kind = KIND_CLI;
	snprintf(l.sessions[0].label, sizeof(l.sessions[0].label), "<img src=x onerror=alert(1)>");
	buf_init(&sb, FE_ANSWER_MAX);
	page_counter(&sb, &l, "csrf-token");
	CHECK(sb.err == 0, "counter page rendered");
	CHECK(strstr(buf_str(&sb), "The 1 most recent of 1000.") != NULL,
	    "counter page: the listed CLI sessions out of the user's total");
	CHECK(strstr(buf_str(&sb), "<script>alert") == NULL &&
	    strstr(buf_str(&sb), "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL,
	    "user name escaped");
	CHECK(strstr(buf_str(&sb), "<img") == NULL, "session label escaped");
	CHECK(strstr(buf_str(&sb), "op:&quot;quoted&quot;") != NULL, "user id escaped");
	CHECK(strstr(buf_str(&sb), "id=\"count\" aria-live=\"polite\">42<") != NULL, "count in #count");
	CHECK(strstr(buf_str(&sb), "name=\"csrf\" value=\"csrf-token\"") != NULL, "CSRF field in the form");
	style = between(buf_str(&sb), "<style>", "</style>");
	script = between(buf_str(&sb), "<script>", "</script>");
	CHECK(style != NULL && csp != NULL && csp_has_hash(csp, style), "CSP allows the inline style by hash");
	CHECK(script != NULL && csp != NULL && csp_has_hash(csp, script), "CSP allows the inline script by hash");
	CHECK(strstr(buf_str(&sb), " style=") == NULL, "no style attributes (CSP would block them)");
	free(style);
	free(script);
	buf_free(&sb);

	buf_init(&sb, FE_ANSWER_MAX);
	page_error(&sb, "T<i>", "D&amp", 0);
	CHECK(strstr(buf_str(&sb), "T&lt;i&gt;") && strstr(buf_str(&sb), "D&amp;amp"), "error page escapes");
	CHECK(strstr(buf_str(&sb), "<script>") == NULL, "error page has no script");
	buf_free(&sb);
}

static void
url_cases(void)
{
	struct fe_conf fc;

	memset(&fc, 0, sizeof(fc));
	CHECK(fe_parse_public_url("http://127.0.0.1:8000", &fc) == 0 && !fc.https &&
	    strcmp(fc.origin, "http://127.0.0.1:8000") == 0, "http origin");
	CHECK(fe_parse_public_url("https://Example.COM/", &fc) == 0 && fc.https &&
	    strcmp(fc.origin, "https://example.com") == 0 &&
	    strcmp(fc.public_url, "https://example.com") == 0, "https, lower-cased, slash dropped");
	CHECK(fe_parse_public_url("https://example.com:443", &fc) == 0 &&
	    strcmp(fc.origin, "https://example.com") == 0, "default port left out of the origin");
	CHECK(fe_parse_public_url("http://[::1]:8000", &fc) == 0 &&
	    strcmp(fc.origin, "http://[::1]:8000") == 0, "IPv6 literal");
	CHECK(fe_parse_public_url("https://example.com/app", &fc) == -1, "a path is refused");
	CHECK(fe_parse_public_url("ftp://example.com", &fc) == -1, "other schemes refused");
	CHECK(fe_parse_public_url("http://", &fc) == -1, "no host refused");
	CHECK(fe_parse_public_url("http://a b", &fc) == -1, "space refused");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	page_cases();
	url_cases();
	return CHECK_DONE();
}
