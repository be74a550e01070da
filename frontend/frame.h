/*
 * Request framing before libevhtp sees a byte (used by http.c; pure, fuzzed).
 *
 * libevhtp 1.2.18's parser reads one byte past its input and acts on it when
 * a request line ends exactly at the end of what it was given (fixed upstream
 * after 1.2.18, libevhtp issue #128): a request split across TCP reads can be
 * misparsed.  So http.c buffers the bytes itself and hands evhtp one whole,
 * checked request at a time: a head that ends in CRLF CRLF, then exactly
 * Content-Length bytes of body.  The same pass enforces the size limits on the
 * raw bytes and refuses what evhtp would take silently (NUL and other control
 * bytes in the head, bare CR or LF, folded header lines, smuggling-prone
 * framing).
 */
#ifndef AIRLOCK_FE_FRAME_H
#define AIRLOCK_FE_FRAME_H

#include <stddef.h>

struct frame_limits {
	size_t	max_target;	/* request-target bytes (path + query) -> 414 */
	size_t	max_head;	/* request line + header lines -> 431 */
	size_t	max_headers;	/* header lines -> 431 */
	size_t	max_body;	/* Content-Length -> 413 */
};

struct frame {
	size_t	head_len;	/* through the blank line */
	size_t	body_len;	/* Content-Length, 0 if none */
	int	expect_100;	/* Expect: 100-continue */
};

#define FRAME_WAIT	0	/* need more bytes (what is there is fine so far) */
#define FRAME_OK	1	/* a whole request: head_len + body_len bytes */

/*
 * Looks at the first len bytes buffered on a connection (the start of a
 * request).  Returns FRAME_OK with f filled in, FRAME_WAIT, or the HTTP status
 * to refuse the request with: 400, 411 (a body without Content-Length),
 * 413, 414, 431, 501 (Transfer-Encoding).  On FRAME_WAIT, f->expect_100 and
 * f->head_len are set once the head is complete.
 */
int	frame_check(const char *buf, size_t len, const struct frame_limits *, struct frame *f);

#endif
