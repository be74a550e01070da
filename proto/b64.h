/* URL-safe base64 without padding (cookies, URLs): libsodium underneath. */
#ifndef AIRLOCK_B64_H
#define AIRLOCK_B64_H

#include <stddef.h>
#include <stdint.h>

/* dst must hold b64_len(n) + 1 bytes. */
size_t	b64_len(size_t n);
void	b64_encode(char *dst, const uint8_t *src, size_t n);
/* Decodes exactly n bytes; -1 if the text is not exactly that (strict). */
int	b64_decode_exact(uint8_t *dst, size_t n, const char *src, size_t srclen);

#endif
