/* libFuzzer: the frontend's parsing of what browsers and CLIs send (request
 * framing before evhtp, query strings, form bodies, Cookie and Accept
 * headers, ids in paths). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../frontend/frame.h"
#include "../../frontend/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	static const struct frame_limits lim = { 4096, 16384, 64, 16384 }, tiny = { 8, 64, 2, 4 };
	struct frame	 f;
	char		 out[256], *z;
	uint8_t		 id[32];

	if (frame_check(s, size, &lim, &f) == FRAME_OK &&
	    (f.head_len == 0 || f.head_len + f.body_len > size))
		__builtin_trap();	/* a whole request lies within what was read */
	(void)frame_check(s, size, &tiny, &f);
	(void)pct_decode(out, sizeof(out), s, size);
	(void)pct_decode(out, 1, s, size);
	(void)fe_form_check(s, size);
	(void)fe_form_get(s, size, "paircode", out, sizeof(out));
	(void)fe_form_get(s, size, "csrf", out, 8);
	(void)cookie_get(s, size, "session", out, sizeof(out));
	(void)cookie_get(s, size, "__Host-session", out, 4);
	(void)b64url_id(id, 16, s, size);
	(void)b64url_id(id, 32, s, size);
	(void)provider_name_valid(s, size);
	if ((z = malloc(size + 1)) == NULL)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	(void)accept_json(z);
	(void)paircode_valid(z, strlen(z));
	printable_copy(out, sizeof(out), z);
	free(z);
	return 0;
}
