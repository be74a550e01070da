/* Unit tests: the bounded buffer (bounds, sticky errors, escaping, reset, hand-over). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

static void
test_bounds(void)
{
	struct buf	 b;

	buf_init(&b, 10);
	buf_add(&b, "0123456789");
	CHECK(buf_str(&b) != NULL && strcmp(buf_str(&b), "0123456789") == 0,
	    "bounds: exactly max bytes fit");
	buf_addc(&b, 'x');
	CHECK(b.err == BUF_ETOOBIG && buf_str(&b) == NULL,
	    "bounds: one byte over max is an error (BUF_ETOOBIG)");
	buf_free(&b);

	buf_init(&b, 5);
	buf_addf(&b, "%s", "abcdef");
	CHECK(buf_str(&b) == NULL, "bounds: buf_addf over max is an error");
	buf_free(&b);

	buf_init(&b, 5);
	buf_addn(&b, "abc", 3);
	buf_addn(&b, "abc", (size_t)-1);
	CHECK(buf_str(&b) == NULL, "bounds: a huge length is an error, not a wrap");
	buf_free(&b);

	buf_init(&b, 0);
	CHECK(buf_str(&b) != NULL && *buf_str(&b) == '\0', "bounds: empty buffer reads as \"\"");
	buf_free(&b);

	buf_init(&b, 6);
	CHECK(buf_write_cb((char *)"abcd", 1, 4, &b) == 4 && buf_write_cb((char *)"ef", 2, 1, &b) == 2,
	    "write callback: takes what fits, returns the count");
	CHECK(buf_write_cb((char *)"g", 1, 1, &b) == 0 && b.err == BUF_ETOOBIG,
	    "write callback: 0 (stop) over the bound");
	buf_free(&b);
	buf_init(&b, 6);
	CHECK(buf_write_cb((char *)"x", SIZE_MAX / 2 + 1, 2, &b) == 0 && b.err == BUF_ETOOBIG,
	    "write callback: size * nmemb overflow refused");
	buf_free(&b);
}

static void
test_sticky(void)
{
	struct buf	 b;

	buf_init(&b, 100);
	buf_add(&b, "a");
	buf_add(&b, NULL);
	buf_add(&b, "b");
	CHECK(buf_str(&b) == NULL && b.err == BUF_EFAIL,
	    "sticky: NULL string fails the buffer (BUF_EFAIL), later adds do not clear it");
	CHECK(b.len == 1, "sticky: nothing is added after an error");
	CHECK(buf_take(&b) == NULL && b.p == NULL, "sticky: buf_take after an error is NULL and frees");
	buf_init(&b, 3);
	buf_add(&b, "abcd");
	buf_add(&b, "a");
	CHECK(buf_str(&b) == NULL, "sticky: a short add after an over-bound one still fails");
	buf_free(&b);
}

static void
test_grow(void)
{
	struct buf	 b;
	char		 big[5000];
	size_t		 i;
	int		 ok;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	buf_init(&b, 1 << 20);
	buf_addn(&b, big, 10);
	buf_addn(&b, big + 10, sizeof(big) - 10);
	ok = buf_str(&b) != NULL && b.len == sizeof(big) && memcmp(b.p, big, sizeof(big)) == 0 &&
	    b.p[b.len] == '\0';
	CHECK(ok, "grow: contents kept across larger blocks");
	buf_free(&b);
	buf_init(&b, 100);
	buf_addn(&b, big, 100);
	CHECK(buf_str(&b) != NULL && b.cap == 101, "grow: never more than max + 1 bytes");
	buf_free(&b);
}

static void
test_escape(void)
{
	struct buf	 b;

	buf_init(&b, 1000);
	buf_add_html(&b, "a<b>&\"c'd");
	CHECK(strcmp(buf_str(&b), "a&lt;b&gt;&amp;&quot;c&#39;d") == 0, "escape: HTML");
	buf_reset(&b);
	buf_add_json(&b, "q\"b\\c\n\x01\x7f<>&\xc3\xa9");
	CHECK(strcmp(buf_str(&b), "\"q\\\"b\\\\c\\u000a\\u0001\\u007f\\u003c\\u003e\\u0026\xc3\xa9\"")
	    == 0, "escape: JSON string with quotes, \\u00XX for controls and < > &");
	buf_reset(&b);
	buf_add_escaped(&b, "a b/c~-._\xff");
	CHECK(strcmp(buf_str(&b), "a%20b%2Fc~-._%FF") == 0, "escape: RFC 3986 percent-encoding");
	buf_reset(&b);
	buf_add(&b, "https://x/a?");
	buf_add_param(&b, "k", "v w");
	buf_add_param(&b, "x&", "=");
	CHECK(strcmp(buf_str(&b), "https://x/a?k=v%20w&x%26=%3D") == 0,
	    "escape: parameters after '?' joined by '&'");
	buf_reset(&b);
	buf_add_param(&b, "a", "1");
	CHECK(strcmp(buf_str(&b), "a=1") == 0, "escape: first parameter of an empty buffer");
	buf_free(&b);
}

static void
test_reset_take(void)
{
	struct buf	 b;
	char		*p, *s;
	size_t		 i, held, nonzero = 0;

	buf_init(&b, 3);
	buf_add(&b, "abcd");
	buf_reset(&b);
	buf_add(&b, "ab");
	CHECK(buf_str(&b) != NULL && strcmp(buf_str(&b), "ab") == 0,
	    "reset: clears the error, buffer usable again");
	buf_free(&b);

	buf_init(&b, 100);
	buf_addf(&b, "secret-%d", 42);
	p = b.p;
	held = b.len + 1;	/* the contents and their NUL: the only bytes ever written */
	buf_reset(&b);
	for (i = 0; i < held; i++)
		nonzero += p[i] != 0;
	CHECK(b.p == p && b.len == 0 && nonzero == 0, "reset: keeps the memory, wipes what it held");
	buf_add(&b, "again");
	s = buf_take(&b);
	CHECK(s != NULL && strcmp(s, "again") == 0 && b.p == NULL && b.len == 0,
	    "take: hands the string over, buffer left empty");
	str_wipe_free(s);
	buf_free(&b);

	s = str_dup_max("abc", 3);
	CHECK(s != NULL && strcmp(s, "abc") == 0, "str_dup_max: at the bound");
	str_wipe_free(s);
	CHECK(str_dup_max("abcd", 3) == NULL && str_dup_max(NULL, 3) == NULL,
	    "str_dup_max: longer or NULL refused");
	str_wipe_free(NULL);
}

int
main(void)
{
	test_bounds();
	test_sticky();
	test_grow();
	test_escape();
	test_reset_take();
	return CHECK_DONE();
}
