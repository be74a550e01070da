/* libFuzzer: every parser of what a provider answers (token endpoint as JSON and
 * as a form, userinfo of each subject kind, discovery, id_token payload).
 * The first byte picks the parser, the rest is the answer body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../authd/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_idtoken(const uint8_t *data, size_t size)
{
	char		*jwt, sub[MAX_SUBJECT + 1];
	const char	*why;
	size_t		 n;

	/* "h." + base64url(data) + ".s", as a provider would hand it over */
	n = sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((jwt = malloc(n + 8)) == NULL)
		return;
	memcpy(jwt, "h.", 2);
	sodium_bin2base64(jwt + 2, n, data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	strcat(jwt, ".s");
	(void)idtoken_check(jwt, "https://op", "cid", "nonce", 1700000000, sub, &why);
	free(jwt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tokresp		 t;
	struct userinfo		 u;
	struct discovery	 d;
	const char		*why;
	char			 err[64];

	if (size < 1 || sodium_init() < 0)
		return 0;
	switch (data[0] % 8) {
	case 0:
		if (tokresp_parse("application/json", data + 1, size - 1, &t, &why) == 0)
			tokresp_free(&t);
		break;
	case 1:
		if (tokresp_parse("application/x-www-form-urlencoded", data + 1, size - 1, &t,
		    &why) == 0)
			tokresp_free(&t);
		break;
	case 2:
	case 3:
	case 4:
		(void)userinfo_parse(data + 1, size - 1, (enum subject_kind)(data[0] % 8 - 2), &u,
		    &why);
		break;
	case 5:
		if (discovery_parse(data + 1, size - 1, &d, &why) == 0)
			discovery_free(&d);
		break;
	case 6:
		fuzz_idtoken(data + 1, size - 1);
		break;
	case 7:
		error_code(size > 1 && data[1] & 1 ? "application/json" :
		    "application/x-www-form-urlencoded", data + 1, size - 1, err, sizeof(err));
		break;
	}
	return 0;
}
