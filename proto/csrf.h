/*
 * The CSRF value of a session, the one rule shared by the frontend (which
 * checks it on every state-changing form) and the CLI (which posts with
 * its session): base64url(BLAKE2b-256 of the raw session token, keyed with
 * the public string "airlock-csrf-v1:").  Only a holder of the session
 * cookie can compute it, which a page on another site is not.
 */
#ifndef AIRLOCK_CSRF_H
#define AIRLOCK_CSRF_H

#include <stdint.h>

#include "msg.h"

#define CSRF_LEN	43	/* base64url of 32 bytes, without the NUL */

/* out receives CSRF_LEN characters and a NUL. */
void	csrf_derive(char out[CSRF_LEN + 1], const uint8_t token[TOKEN_LEN]);

#endif
