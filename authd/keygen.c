/*
 * The login-proof signing key: a file holding the base64url Ed25519 seed.
 * `airlock-authd -k FILE` creates it (0600) when missing and prints the line
 * the store's config needs: "proof_public_key = <base64url public key>".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "authd.h"
#include "b64.h"
#include "log.h"
#include "secret.h"

#define SEED_B64_LEN	43	/* base64url of crypto_sign_SEEDBYTES (32) */

struct secret *
signkey_load(const char *path, char *err, size_t errlen)
{
	struct secret	*file, *seed, *sk;
	uint8_t		 pk[crypto_sign_PUBLICKEYBYTES];

	if ((file = secret_load_file(path, SEED_B64_LEN, 1, err, errlen)) == NULL)
		return NULL;
	seed = secret_new(crypto_sign_SEEDBYTES);
	sk = secret_new(crypto_sign_SECRETKEYBYTES);
	if (seed == NULL || sk == NULL) {
		snprintf(err, errlen, "out of locked memory");
		goto fail;
	}
	if (file->len != SEED_B64_LEN || b64_decode_exact(seed->p, crypto_sign_SEEDBYTES,
	    (const char *)secret_open(file), file->len) == -1) {
		snprintf(err, errlen, "not a base64url Ed25519 seed (make one with -k)");
		goto fail;
	}
	crypto_sign_seed_keypair(pk, sk->p, seed->p);
	secret_free(file);
	secret_free(seed);
	secret_close(sk);
	return sk;
fail:
	secret_free(file);
	secret_free(seed);
	secret_free(sk);
	return NULL;
}

static int
keygen_create(const char *path)
{
	uint8_t	 seed[crypto_sign_SEEDBYTES];
	char	 line[SEED_B64_LEN + 2];
	int	 fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		if (errno == EEXIST)
			return 0;
		fprintf(stderr, "airlock-authd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	randombytes_buf(seed, sizeof(seed));
	b64_encode(line, seed, sizeof(seed));
	strcat(line, "\n");
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) == -1) {
		fprintf(stderr, "airlock-authd: %s: write: %s\n", path, strerror(errno));
		unlink(path);
		rc = -1;
	}
	close(fd);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(line, sizeof(line));
	return rc;
}

int
keygen_main(const char *path)
{
	struct secret	*sk;
	char		 err[256], pk64[64];

	if (keygen_create(path) == -1)
		return 1;
	if ((sk = signkey_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "airlock-authd: %s: %s\n", path, err);
		return 1;
	}
	/* The public key is the second half of libsodium's secret key. */
	b64_encode(pk64, secret_open(sk) + crypto_sign_SEEDBYTES, crypto_sign_PUBLICKEYBYTES);
	secret_free(sk);
	printf("proof_public_key = %s\n", pk64);
	return 0;
}
