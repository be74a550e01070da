/* libFuzzer: login proof verification (what store runs on bytes from the frontend). */
#include <stddef.h>
#include <stdint.h>

#include "proof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	pk[crypto_sign_PUBLICKEYBYTES];
	struct proof	p;

	if (sodium_init() < 0)
		return 0;
	(void)proof_verify(data, size, pk, 1700000000, &p);
	return 0;
}
