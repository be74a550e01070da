/* libFuzzer: the airlock.conf parser. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 err[256];
	const char	*names[4];
	struct conf	*c = conf_parse("fuzz.conf", (const char *)data, size, err, sizeof(err));

	if (c != NULL) {
		(void)conf_get(c, "airlock", "public_url");
		(void)conf_sections(c, "provider.", names, 4);
		conf_free(c);
	}
	return 0;
}
