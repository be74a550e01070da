/* libFuzzer: /login?rd= (frontend/redirect.c): the query's rd, the rule for
 * where a browser may be sent, and allowed_redirect_hosts.  Checks that an
 * rd allowed is one line of visible ASCII that cannot leave for another
 * host: a path not starting with "//", or http(s) without userinfo. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../frontend/redirect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
rd_sane(const char *rd)
{
	const char	*a;
	size_t		 i;

	for (i = 0; rd[i] != '\0'; i++)
		if ((unsigned char)rd[i] <= 0x20 || (unsigned char)rd[i] >= 0x7f || rd[i] == '\\')
			__builtin_trap();
	if (rd[0] == '/') {
		if (rd[1] == '/')
			__builtin_trap();
		return;
	}
	if (strncmp(rd, "https://", 8) == 0)
		a = rd + 8;
	else if (strncmp(rd, "http://", 7) == 0)
		a = rd + 7;
	else
		__builtin_trap();
	if (memchr(a, '@', strcspn(a, "/?#")) != NULL)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rd_hosts	 hs, parsed;
	char			 rd[RD_URL_MAX + 1], why[128], *z;

	if ((z = malloc(size + 1)) == NULL)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	if (rd_from_query(z, rd) == 1 && rd_allowed(rd, "https://app.example.com", NULL))
		rd_sane(rd);
	if (rd_allowed(z, "http://[::1]:8000", NULL))
		rd_sane(z);
	(void)rd_hosts_parse(z, &parsed, why, sizeof(why));
	if (rd_hosts_parse("docs.example.com .apps.example", &hs, why, sizeof(why)) == 0 &&
	    rd_allowed(z, "https://app.example.com", &hs))
		rd_sane(z);
	free(z);
	return 0;
}
