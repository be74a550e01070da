/*
 * OAuth providers from [provider.NAME] sections.  The named types carry
 * built-in endpoints; every endpoint can be overridden (tests, GitHub
 * Enterprise).  "oidc" and "auth0" find theirs by discovery at start
 * (issuer + /.well-known/openid-configuration), asynchronously, retried with
 * backoff on failure while the other providers keep working.
 * Warm connections: a started login is followed, seconds later, by its token
 * and userinfo requests, so each login start opens (or refreshes) a
 * connection to each of the provider's token and userinfo origins with a
 * HEAD request whose answer is dropped (no credentials), and keeps them open
 * for PROVIDER_WARM_SEC with a HEAD after every PROVIDER_WARM_EVERY_MS of
 * silence (below the 5 s keep-alive that common servers default to).  At most
 * one round per provider per PROVIDER_WARM_GAP_MS and one in flight, whatever
 * the rate of login starts, and none while a login exchange is in flight.
 * A provider that becomes ready is warmed once.
 * backchannel_logout = yes (OpenID Connect Back-Channel Logout, backchannel.c)
 * needs an issuer and "sub" subjects, and the provider's JWKS: jwks_url, else
 * the discovery document's jwks_uri (then discovery runs even when every
 * endpoint is configured).
 */
#ifndef AIRLOCK_AUTHD_PROVIDER_H
#define AIRLOCK_AUTHD_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "msg.h"
#include "parse.h"

#define CLIENT_SECRET_MAX	1024
#define PROVIDER_WARM_SEC	60
#define PROVIDER_WARM_EVERY_MS	3000
#define PROVIDER_WARM_GAP_MS	1000

enum provider_type { PT_GITHUB, PT_GOOGLE, PT_HUGGINGFACE, PT_DISCORD, PT_AUTH0, PT_OIDC };
enum revoke_style { REVOKE_NONE, REVOKE_RFC7009, REVOKE_GOOGLE, REVOKE_GITHUB };
enum token_auth { AUTH_BASIC, AUTH_POST };

struct authd;
struct conf;
struct secret;

struct provider {
	char			 name[MAX_PROVIDER + 1];
	char			 display[MAX_NAME + 1];
	enum provider_type	 type;
	int			 oidc;		/* "openid" scope: nonce + id_token checks */
	enum subject_kind	 subject;
	char			*client_id;
	struct secret		*secret;
	char			*issuer;
	char			*authorize_url;
	char			*token_url;
	char			*userinfo_url;
	char			*revocation_url;
	char			*api_url;
	char			*scopes;
	enum token_auth		 auth;
	int			 auth_configured;
	enum revoke_style	 revoke;
	int			 ready;
	int			 iss_required;	/* discovery: callbacks carry iss (RFC 9207) */
	char			*redirect_uri;	/* ours at this provider */

	/* back-channel logout (backchannel.c) */
	int			 backchannel;	/* backchannel_logout = yes */
	char			*jwks_url;	/* jwks_url, else discovery's jwks_uri */
	struct bcl_keys		*keys;		/* the JWKS cache, NULL until first needed */

	/* discovery */
	struct authd		*ad;
	struct event		*retry;
	unsigned		 backoff_sec;

	/* warm connections (monotonic ms) */
	struct event		*warm;		/* next keep-alive round */
	uint64_t		 warm_at;	/* last warm-up round or exchange */
	uint64_t		 warm_until;
	unsigned		 warming;	/* warm-up requests in flight */
	unsigned		 exchanging;	/* login exchanges in flight (they keep it warm) */
};

/* Reads [section] (fatalx naming file, section and key on any error) and the
 * client secret from $CREDENTIALS_DIRECTORY or secrets_dir. */
struct provider *provider_load(struct authd *, const struct conf *, const char *section,
	    const char *secrets_dir);
void	provider_free(struct provider *);
/* Starts discovery when the provider needs it; otherwise it is ready now. */
void	provider_start(struct provider *);
struct provider *provider_find(struct authd *, const char *name, size_t *index);
/* A login started: warm the provider's connections now (unless a round or an
 * exchange was less than PROVIDER_WARM_GAP_MS ago) and keep them warm. */
void	provider_warm(struct provider *);
/* An exchange talked to the provider: its connections are warm as of now. */
void	provider_used(struct provider *);
const char *provider_type_name(enum provider_type);

/* "Basic base64(urlencode(client_id):urlencode(secret))" (RFC 6749 2.3.1),
 * or NULL; free with str_wipe_free. */
char	*provider_basic_auth(struct provider *);
/* Client authentication at the token and revocation endpoints, the way this
 * provider wants it: a Basic header in *auth (else NULL), or client_id and
 * client_secret appended to body.  0 or -1. */
struct buf;
int	provider_client_auth(struct provider *, struct buf *body, char **auth);

#endif
