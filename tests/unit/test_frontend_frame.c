/* frontend/frame.c: whole requests only, limits on raw bytes, strict framing. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../frontend/frame.h"

static const struct frame_limits lim = { 64, 512, 8, 100 };

static int
fc(const char *s, struct frame *f)
{
	return frame_check(s, strlen(s), &lim, f);
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

int
main(void)
{
	struct frame	 f;
	char		 buf[2048], *a;
	size_t		 i;

	CHECK(fc("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &f) == FRAME_OK && f.head_len == 27 &&
	    f.body_len == 0, "simple GET is whole");
	CHECK(fc("GET / HTTP/1.0\r\n\r\n", &f) == FRAME_OK, "HTTP/1.0 without headers");
	CHECK(fc("GET / HTTP/1.1\r\nHost: x\r\n", &f) == FRAME_WAIT, "head not finished: wait");
	CHECK(fc("GET /a?b=c", &f) == FRAME_WAIT, "request line not finished: wait");
	CHECK(fc("", &f) == FRAME_WAIT, "nothing: wait");
	CHECK(fc("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", &f) == FRAME_WAIT &&
	    f.head_len == 39, "body not all there: wait, head known");
	CHECK(fc("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcdeGET", &f) == FRAME_OK &&
	    f.head_len + f.body_len == 44, "body complete; pipelined bytes after it left alone");
	CHECK(fc("POST /x HTTP/1.1\r\ncontent-length:  3 \r\n\r\nabc", &f) == FRAME_OK &&
	    f.body_len == 3, "header names case-insensitive, value trimmed");
	CHECK(fc("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", &f) ==
	    FRAME_WAIT && f.expect_100 == 1, "Expect: 100-continue noted while waiting");

	/* refusals */
	CHECK(fc("GET / HTTP/1.1\nHost: x\n\n", &f) == 400, "bare LF refused");
	CHECK(fc("GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n", &f) == 400, "bare CR refused");
	CHECK(frame_check("GET /\0 HTTP/1.1\r\n\r\n", 19, &lim, &f) == 400, "NUL in the target refused");
	CHECK(frame_check("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 25, &lim, &f) == 400,
	    "NUL in a header refused");
	CHECK(fc("GET / HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", &f) == 400, "control byte refused");
	CHECK(fc("GET / HTTP/1.1\r\nX: a\tb\r\n\r\n", &f) == FRAME_OK, "tab in a value is fine");
	CHECK(fc("GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n", &f) == FRAME_OK, "UTF-8 in a value is fine");
	CHECK(fc("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", &f) == 400, "raw UTF-8 in the target refused");
	CHECK(fc("get / HTTP/1.1\r\n\r\n", &f) == 400, "lower-case method refused");
	CHECK(fc("GET HTTP/1.1\r\n\r\n", &f) == 400, "missing target refused");
	CHECK(fc("GET /\r\n\r\n", &f) == 400, "HTTP/0.9 refused");
	CHECK(fc("GET / HTTP/2.0\r\n\r\n", &f) == 505, "HTTP/2.0 text: 505");
	CHECK(fc("GET / HTTP/1.2\r\n\r\n", &f) == 505, "HTTP/1.2: 505");
	CHECK(fc("GET http://x/ HTTP/1.1\r\n\r\n", &f) == 400, "absolute-form refused (not a proxy)");
	CHECK(fc("GET  / HTTP/1.1\r\n\r\n", &f) == 400, "double space refused");
	CHECK(fc("\r\nGET / HTTP/1.1\r\n\r\n", &f) == 400, "empty request line refused");
	CHECK(fc("GET / HTTP/1.1\r\n folded\r\n\r\n", &f) == 400, "folded header refused");
	CHECK(fc("GET / HTTP/1.1\r\nNoColon\r\n\r\n", &f) == 400, "header without colon refused");
	CHECK(fc("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", &f) == 400, "space in a header name refused");
	CHECK(fc("GET / HTTP/1.1\r\n: x\r\n\r\n", &f) == 400, "empty header name refused");
	CHECK(fc("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", &f) == 400,
	    "two Content-Length headers refused");
	CHECK(fc("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &f) == 400, "negative length refused");
	CHECK(fc("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", &f) == 400, "junk length refused");
	CHECK(fc("POST / HTTP/1.1\r\nContent-Length: 9999999999999\r\n\r\n", &f) == 400,
	    "absurd length refused");
	CHECK(fc("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", &f) == 413, "body over the limit: 413");
	CHECK(fc("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &f) == 411, "chunked: 411");
	CHECK(fc("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", &f) == 501, "other coding: 501");
	CHECK(fc("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", &f) == 400,
	    "Transfer-Encoding with Content-Length: 400");
	CHECK(fc("GET / HTTP/1.1\r\nExpect: something\r\n\r\n", &f) == 417, "unknown Expect: 417");

	/* limits */
	a = repeat('a', 70);
	snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\r\n\r\n", a);
	CHECK(fc(buf, &f) == 414, "target over the limit: 414");
	snprintf(buf, sizeof(buf), "GET /%s", a);
	CHECK(fc(buf, &f) == FRAME_WAIT, "slightly long unfinished target: wait for the line");
	free(a);
	a = repeat('a', 200);
	snprintf(buf, sizeof(buf), "GET /%s", a);
	CHECK(fc(buf, &f) == 414, "very long target refused before its end arrives");
	free(a);
	buf[0] = '\0';
	strcat(buf, "GET / HTTP/1.1\r\n");
	for (i = 0; i < 9; i++)
		strcat(buf, "X: y\r\n");
	strcat(buf, "\r\n");
	CHECK(fc(buf, &f) == 431, "too many header lines: 431");
	a = repeat('v', 600);
	snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nX: %s\r\n\r\n", a);
	CHECK(fc(buf, &f) == 431, "head over max_head: 431");
	snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nX: %s", a);
	CHECK(fc(buf, &f) == 431, "unfinished head over max_head: 431");
	free(a);
	return CHECK_DONE();
}
