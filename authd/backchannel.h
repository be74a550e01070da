/*
 * OpenID Connect Back-Channel Logout 1.0 (AUTH_BACKCHANNEL): a provider with
 * backchannel_logout = yes POSTs a logout_token to the frontend, which hands
 * it here.  authd answers a PURPOSE_LOGOUT proof naming the user
 * "<provider>:<sub>", whose every session the store then ends (STORE_LOGOUT),
 * only when every check passes, in this order (any failure: ST_INVALID and
 * one log line naming the reason, never the token):
 *	a compact JWS (not a JWE), alg one of RS256/384/512, PS256/384/512,
 *	ES256/384/512 (never "none" nor HS*: the keys are public), no "crit";
 *	iss is the provider's issuer, aud is or holds client_id, iat at most
 *	BCL_IAT_MAX_AGE old and BCL_CLOCK_SKEW ahead, exp (when present) not
 *	passed, events holds the back-channel logout event as an object, no
 *	nonce, jti present, sub present (a token with only sid is refused:
 *	airlock ends sessions by user), jti not used before;
 *	the signature, by libcjose, with the key of the provider's JWKS that kid
 *	names (no kid: the JWKS's only key) and whose type fits alg.
 * The JWKS (jwks_url, else the discovery document's jwks_uri) is fetched with
 * http.c when first needed and again when a token names an unknown kid, at
 * most once per BCL_REFETCH_SEC per provider whatever the rate of tokens;
 * at most BCL_MAX_KEYS keys are kept, and at most BCL_MAX_WAITING tokens wait
 * for a fetch (then ST_BUSY).  A fetch that fails answers the waiting tokens
 * ST_TIMEOUT or ST_PROVIDER_ERROR, and the tokens that need a key until the
 * next fetch may start ST_PROVIDER_ERROR (the provider may send them again).
 * Single use of jti: here, the replay cache keeps a hash of iss and jti until
 * the end of the iat window; across nodes, the proof nonce is a keyed BLAKE2b
 * of that hash, which the store spends once.
 */
#ifndef AIRLOCK_AUTHD_BACKCHANNEL_H
#define AIRLOCK_AUTHD_BACKCHANNEL_H

#define BCL_IAT_MAX_AGE		300	/* seconds a logout token is accepted after iat */
#define BCL_CLOCK_SKEW		60	/* seconds iat may be ahead, exp behind */
#define BCL_REFETCH_SEC		60	/* JWKS fetches per provider: at most one per this */
#define BCL_MAX_KEYS		16	/* keys kept per provider */
#define BCL_MAX_WAITING		64	/* tokens waiting for a JWKS fetch per provider */
#define BCL_MAX_KID		256
#define BCL_MAX_JTI		256
#define BCL_MIN_RSA_BITS	2048

struct ipc_conn;
struct msg_hdr;
struct provider;

int	authd_req_backchannel(struct ipc_conn *, const struct msg_hdr *, const void *msg);
/* Frees the provider's key cache (waiting tokens were answered by http_shutdown). */
void	backchannel_free(struct provider *);

#endif
