/*
 * Unit tests: server text shown on the terminal is one line of well-formed
 * UTF-8 without anything that drives the terminal: C0 controls, DEL, C1 as
 * single bytes (0x9b is CSI on many terminals) or encoded as U+0080-U+009F,
 * bidirectional overrides, and every kind of invalid UTF-8.
 */
#include <string.h>

#include "check.h"
#include "../../cli/cli.h"

static char out[64];

/* src of len bytes through cli_sanitize into a buffer of size n. */
static const char *
san(const char *src, size_t len, size_t n)
{
	memset(out, 'X', sizeof(out));
	cli_sanitize(out, n, src, len);
	return out;
}

#define S(lit)		san(lit, sizeof(lit) - 1, sizeof(out))
#define SAME(lit, want)	(strcmp(S(lit), want) == 0)

int
main(void)
{
	CHECK(SAME("github:12345", "github:12345"), "ASCII text is copied");
	CHECK(SAME("Jos\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91", "Jos\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91"),
	    "well-formed UTF-8 (2, 3 and 4 bytes) is copied");
	CHECK(SAME("a\x1b[2Jb", "a?[2Jb"), "ESC (C0) is replaced");
	CHECK(SAME("a\nb\tc\rd\x07", "a?b?c?d?"), "newline, tab, CR, BEL are replaced (one line)");
	CHECK(SAME("a\x7f" "b", "a?b"), "DEL is replaced");
	CHECK(SAME("a\x9b" "31mb", "a?31mb"), "C1 CSI as a single byte is replaced");
	CHECK(SAME("\x80\x85\x90\x9d\x9f", "?????"), "C1 bytes 0x80-0x9f are replaced");
	CHECK(SAME("a\xc2\x9b" "31mb", "a?31mb"), "CSI encoded as UTF-8 (U+009B) is replaced");
	CHECK(SAME("\xc2\x80\xc2\x9f\xc2\xa0", "??\xc2\xa0"), "U+0080, U+009F replaced, U+00A0 kept");
	CHECK(SAME("\xc0\xaf\xe0\x80\xaf\xf0\x80\x80\xaf", "?????????"),
	    "overlong encodings are replaced byte by byte");
	CHECK(SAME("\xc1\x9b", "??"), "overlong C1 (0xc1 0x9b) is replaced");
	CHECK(SAME("\xed\xa0\x80\xed\xbf\xbf", "??????"), "UTF-16 surrogates are replaced");
	CHECK(SAME("\xf4\x90\x80\x80\xf5\x80\x80\x80", "????????"), "above U+10FFFF is replaced");
	CHECK(SAME("ab\xe6\x97", "ab??"), "a truncated sequence at the end is replaced");
	CHECK(SAME("\xe6\x97z", "??z"), "a truncated sequence before ASCII is replaced");
	CHECK(SAME("\xff\xfe", "??"), "0xff, 0xfe are replaced");
	CHECK(SAME("x\xe2\x80\xaey\xe2\x81\xa6z\xe2\x80\xa8", "x?y?z?"),
	    "bidirectional override/isolate and line separator are replaced");
	CHECK(strcmp(san("a\0b", 3, sizeof(out)), "a?b") == 0, "NUL is replaced");
	CHECK(strcmp(san("ab\xc3\xa9", 4, 4), "ab") == 0 && out[2] == '\0',
	    "a character that does not fit is left out whole");
	CHECK(strcmp(san("abcdef", 6, 4), "abc") == 0, "output is cut to the buffer");
	CHECK(strcmp(san("\x9b\x9b\x9b", 3, 3), "??") == 0, "replacements are bounded too");
	memset(out, 'X', sizeof(out));
	cli_sanitize(out, 0, "abc", 3);
	CHECK(out[0] == 'X', "a buffer of size 0 is not written");
	CHECK(strcmp(san("", 0, sizeof(out)), "") == 0, "empty input gives an empty string");
	return CHECK_DONE();
}
