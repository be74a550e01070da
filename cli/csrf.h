/* The CSRF form value the frontend expects on POSTs made with a session. */
#ifndef AIRLOCK_CLI_CSRF_H
#define AIRLOCK_CLI_CSRF_H

#include <stddef.h>

/* The frontend's rule (frontend/session.c): base64url(BLAKE2b-256 of the raw 32-byte
 * session token, keyed with the public string "airlock-csrf-v1:"). Only a holder of
 * the session cookie can compute it, which a browser on another site is not.
 * cookie is "NAME=VALUE"; 0 and the value in out (>= 44 bytes), or -1 if the cookie
 * value is not a 43-character base64url token. */
int	csrf_for_cookie(const char *cookie, char *out, size_t n);

#endif
