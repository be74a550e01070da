#include "provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"

#include "authd.h"
#include "backchannel.h"
#include "buf.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "secret.h"
#include "text.h"

#define DISCOVERY_BACKOFF_MAX	60

struct builtin {
	const char		*type;
	enum provider_type	 pt;
	const char		*display;
	const char		*issuer;
	const char		*authorize_url;
	const char		*token_url;
	const char		*userinfo_url;
	const char		*revocation_url;
	const char		*api_url;
	const char		*scopes;
	enum subject_kind	 subject;
	enum revoke_style	 revoke;
	enum token_auth		 auth;
};

static const struct builtin builtins[] = {
	{ "github", PT_GITHUB, "GitHub", NULL,
	  "https://github.com/login/oauth/authorize",
	  "https://github.com/login/oauth/access_token",
	  NULL, NULL, "https://api.github.com", "read:user",
	  SUBJ_NUMERIC_ID, REVOKE_GITHUB, AUTH_POST },
	{ "google", PT_GOOGLE, "Google", "https://accounts.google.com",
	  "https://accounts.google.com/o/oauth2/v2/auth",
	  "https://oauth2.googleapis.com/token",
	  "https://openidconnect.googleapis.com/v1/userinfo",
	  "https://oauth2.googleapis.com/revoke", NULL, "openid profile",
	  SUBJ_SUB, REVOKE_GOOGLE, AUTH_POST },
	{ "huggingface", PT_HUGGINGFACE, "Hugging Face", "https://huggingface.co",
	  "https://huggingface.co/oauth/authorize",
	  "https://huggingface.co/oauth/token",
	  "https://huggingface.co/oauth/userinfo", NULL, NULL, "openid profile",
	  SUBJ_SUB, REVOKE_NONE, AUTH_BASIC },
	{ "discord", PT_DISCORD, "Discord", NULL,
	  "https://discord.com/oauth2/authorize",
	  "https://discord.com/api/oauth2/token",
	  "https://discord.com/api/users/@me",
	  "https://discord.com/api/oauth2/token/revoke", NULL, "identify",
	  SUBJ_STRING_ID, REVOKE_RFC7009, AUTH_BASIC },
	{ "auth0", PT_AUTH0, "Auth0", NULL, NULL, NULL, NULL, NULL, NULL, "openid profile",
	  SUBJ_SUB, REVOKE_RFC7009, AUTH_BASIC },
	{ "oidc", PT_OIDC, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "openid profile",
	  SUBJ_SUB, REVOKE_RFC7009, AUTH_BASIC },
};

static const char *const provider_keys[] = {
	"type", "display_name", "client_id", "issuer", "authorize_url", "token_url",
	"userinfo_url", "revocation_url", "api_url", "scopes", "token_auth",
	"backchannel_logout", "jwks_url", NULL
};

const char *
provider_type_name(enum provider_type t)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (builtins[i].pt == t)
			return builtins[i].type;
	return "?";
}

static int
printable(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
has_word(const char *list, const char *word)
{
	size_t		 n = strlen(word);
	const char	*p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

/* A configured URL, else the built-in one; checked against the URL policy. */
static char *
endpoint(struct provider *p, const struct conf *c, const char *sec, const char *key,
    const char *def)
{
	const char	*v = conf_get(c, sec, key), *why;
	char		*s;

	if (v == NULL)
		v = def;
	if (v == NULL)
		return NULL;
	if (http_url_allowed(v, p->ad->insecure_loopback, &why) == -1)
		fatalx("%s: [%s] %s: %s", conf_file(c), sec, key, why);
	if ((s = strdup(v)) == NULL)
		fatal("strdup");
	return s;
}

static void
provider_secret(struct provider *p, const char *secrets_dir)
{
	char	path[4096], fname[MAX_PROVIDER + 32], err[256];

	snprintf(fname, sizeof(fname), "%s.client_secret", p->name);
	if (secret_path(path, sizeof(path), secrets_dir, fname) == -1)
		fatalx("provider %s: no client secret: set $CREDENTIALS_DIRECTORY or [authd] "
		    "secrets_dir", p->name);
	if ((p->secret = secret_load_file(path, CLIENT_SECRET_MAX, 1, err, sizeof(err))) == NULL)
		fatalx("provider %s: client secret %s: %s", p->name, path, err);
}

static const struct builtin *
builtin_find(const struct conf *c, const char *sec)
{
	const char	*type = conf_require(c, sec, "type");
	size_t		 i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].type, type) == 0)
			return &builtins[i];
	fatalx("%s: [%s] type: unknown provider type \"%s\" (github, google, huggingface, "
	    "discord, auth0, oidc)", conf_file(c), sec, type);
}

static void
provider_auth_conf(struct provider *p, const struct conf *c, const char *sec,
    const struct builtin *b)
{
	const char *v = conf_get(c, sec, "token_auth");

	p->auth = b->auth;
	if (v == NULL)
		return;
	p->auth_configured = 1;
	if (strcmp(v, "client_secret_basic") == 0 || strcmp(v, "basic") == 0)
		p->auth = AUTH_BASIC;
	else if (strcmp(v, "client_secret_post") == 0 || strcmp(v, "post") == 0)
		p->auth = AUTH_POST;
	else
		fatalx("%s: [%s] token_auth: \"%s\" is not client_secret_basic or "
		    "client_secret_post", conf_file(c), sec, v);
}

static void
provider_endpoints(struct provider *p, const struct conf *c, const char *sec,
    const struct builtin *b)
{
	struct buf	 u;

	p->issuer = endpoint(p, c, sec, "issuer", b->issuer);
	p->authorize_url = endpoint(p, c, sec, "authorize_url", b->authorize_url);
	p->token_url = endpoint(p, c, sec, "token_url", b->token_url);
	p->userinfo_url = endpoint(p, c, sec, "userinfo_url", b->userinfo_url);
	p->revocation_url = endpoint(p, c, sec, "revocation_url", b->revocation_url);
	p->api_url = endpoint(p, c, sec, "api_url", b->api_url);
	if ((p->type == PT_OIDC || p->type == PT_AUTH0) && p->issuer == NULL)
		fatalx("%s: [%s] issuer: required for type %s", conf_file(c), sec, b->type);
	if (p->type != PT_GITHUB)
		return;
	/* GitHub: the API base gives the user and the grant endpoints. */
	if (p->userinfo_url == NULL) {
		buf_init(&u, MAX_URL);
		buf_add(&u, p->api_url);
		buf_add(&u, "/user");
		if ((p->userinfo_url = buf_take(&u)) == NULL)
			fatalx("%s: [%s] api_url: too long", conf_file(c), sec);
	}
	if (p->revocation_url == NULL) {
		buf_init(&u, MAX_URL);
		buf_add(&u, p->api_url);
		buf_add(&u, "/applications/");
		buf_add_escaped(&u, p->client_id);
		buf_add(&u, "/grant");
		if ((p->revocation_url = buf_take(&u)) == NULL)
			fatalx("%s: [%s] api_url: too long", conf_file(c), sec);
	}
}

/* backchannel_logout = yes|no (default no) and its jwks_url. */
static void
provider_backchannel_conf(struct provider *p, const struct conf *c, const char *sec)
{
	const char *v = conf_get(c, sec, "backchannel_logout");

	if (v != NULL && strcmp(v, "yes") == 0)
		p->backchannel = 1;
	else if (v != NULL && strcmp(v, "no") != 0)
		fatalx("%s: [%s] backchannel_logout: \"%s\" is not yes or no", conf_file(c), sec, v);
	p->jwks_url = endpoint(p, c, sec, "jwks_url", NULL);
	if (!p->backchannel)
		return;
	if (p->issuer == NULL || p->subject != SUBJ_SUB)
		fatalx("%s: [%s] backchannel_logout: needs an OpenID Connect provider (an issuer "
		    "and sub subjects)", conf_file(c), sec);
	if (p->jwks_url == NULL && p->type != PT_OIDC && p->type != PT_AUTH0)
		fatalx("%s: [%s] backchannel_logout: needs jwks_url for type %s", conf_file(c),
		    sec, provider_type_name(p->type));
}

struct provider *
provider_load(struct authd *ad, const struct conf *c, const char *sec, const char *secrets_dir)
{
	const struct builtin	*b;
	struct provider		*p;
	const char		*name = sec + strlen("provider."), *v;

	conf_check(c, sec, provider_keys);
	if (!provider_name_valid(name, strlen(name)))
		fatalx("%s: [%s]: provider name must be 1-%d of [a-z0-9_-]", conf_file(c), sec,
		    MAX_PROVIDER);
	b = builtin_find(c, sec);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("calloc");
	p->ad = ad;
	p->type = b->pt;
	p->subject = b->subject;
	p->revoke = b->revoke;
	snprintf(p->name, sizeof(p->name), "%s", name);
	v = conf_get(c, sec, "display_name");
	snprintf(p->display, sizeof(p->display), "%s", v != NULL ? v : b->display != NULL ?
	    b->display : name);
	if (!printable(p->display, MAX_NAME))
		fatalx("%s: [%s] display_name: empty, too long or with control characters",
		    conf_file(c), sec);
	v = conf_require(c, sec, "client_id");
	if (!printable(v, 512) || strchr(v, ' ') != NULL)
		fatalx("%s: [%s] client_id: empty, too long or with spaces", conf_file(c), sec);
	if ((p->client_id = strdup(v)) == NULL)
		fatal("strdup");
	v = conf_get(c, sec, "scopes");
	if ((p->scopes = strdup(v != NULL ? v : b->scopes)) == NULL)
		fatal("strdup");
	if (!printable(p->scopes, 1024))
		fatalx("%s: [%s] scopes: empty, too long or with control characters",
		    conf_file(c), sec);
	p->oidc = p->type != PT_GITHUB && p->type != PT_DISCORD && has_word(p->scopes, "openid");
	provider_auth_conf(p, c, sec, b);
	provider_endpoints(p, c, sec, b);
	if (p->revocation_url == NULL && p->type != PT_OIDC && p->type != PT_AUTH0)
		p->revoke = REVOKE_NONE;
	if (p->oidc && p->issuer == NULL)
		fatalx("%s: [%s] issuer: required with the openid scope", conf_file(c), sec);
	provider_backchannel_conf(p, c, sec);
	provider_secret(p, secrets_dir);
	return p;
}

void
provider_free(struct provider *p)
{
	if (p == NULL)
		return;
	if (p->retry != NULL)
		event_free(p->retry);
	if (p->warm != NULL)
		event_free(p->warm);
	secret_free(p->secret);
	free(p->client_id);
	free(p->issuer);
	free(p->authorize_url);
	free(p->token_url);
	free(p->userinfo_url);
	free(p->revocation_url);
	free(p->api_url);
	free(p->scopes);
	free(p->redirect_uri);
	free(p->jwks_url);
	backchannel_free(p);
	free(p);
}

struct provider *
provider_find(struct authd *ad, const char *name, size_t *index)
{
	size_t i;

	for (i = 0; i < ad->nprov; i++)
		if (strcmp(ad->prov[i]->name, name) == 0) {
			if (index != NULL)
				*index = i;
			return ad->prov[i];
		}
	return NULL;
}

static void
warm_done(void *arg, const struct http_resp *r)
{
	struct provider *p = arg;

	p->warming--;
	if (r->result == HTTP_OK)
		log_debug("provider %s: warm-up answered HTTP %ld", p->name, r->status);
	else if (r->result != HTTP_EABORT)
		log_debug("provider %s: warm-up failed: %s", p->name, r->error);
}

/* HEAD on the endpoint: only its connection matters; no credentials go. */
static void
warm_one(struct provider *p, const char *url)
{
	struct http_request q;

	memset(&q, 0, sizeof(q));
	q.method = "HEAD";
	q.url = url;
	if (http_start(p->ad->http, &q, warm_done, p) == 0)
		p->warming++;
}

static void
warm_round(struct provider *p, uint64_t now, const char *why)
{
	if (!p->ready || p->warming > 0 || p->exchanging > 0 || p->token_url == NULL ||
	    p->ad->http == NULL)
		return;
	log_debug("provider %s: warm-up (%s)", p->name, why);
	p->warm_at = now;
	warm_one(p, p->token_url);
	if (p->userinfo_url != NULL && !http_same_origin(p->token_url, p->userinfo_url))
		warm_one(p, p->userinfo_url);
}

/* The next round is due PROVIDER_WARM_EVERY_MS after the last use. */
static void
warm_schedule(struct provider *p, uint64_t now)
{
	uint64_t	 due = p->warm_at + PROVIDER_WARM_EVERY_MS;
	uint64_t	 ms = due > now ? due - now : PROVIDER_WARM_EVERY_MS;
	struct timeval	 tv;

	if (p->warm == NULL || now >= p->warm_until)
		return;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(p->warm, &tv);
}

static void
warm_tick(evutil_socket_t fd, short what, void *arg)
{
	struct provider	*p = arg;
	uint64_t	 now = mono_ms();

	if (now - p->warm_at >= PROVIDER_WARM_EVERY_MS && now < p->warm_until)
		warm_round(p, now, "keep-alive");
	warm_schedule(p, now);
}

void
provider_warm(struct provider *p)
{
	uint64_t now = mono_ms();

	p->warm_until = now + PROVIDER_WARM_SEC * 1000;
	if (now - p->warm_at >= PROVIDER_WARM_GAP_MS)
		warm_round(p, now, "login start");
	if (p->warm != NULL && !evtimer_pending(p->warm, NULL))
		warm_schedule(p, now);
}

void
provider_used(struct provider *p)
{
	p->warm_at = mono_ms();
}

/* Ready: open the connections ahead of the first login. */
static void
provider_ready(struct provider *p)
{
	p->ready = 1;
	if (p->backchannel)
		log_info("provider %s: back-channel logout on, keys from %s", p->name,
		    p->jwks_url);
	warm_round(p, mono_ms(), "ready");
}

static int
needs_discovery(const struct provider *p)
{
	return (p->type == PT_OIDC || p->type == PT_AUTH0) &&
	    (p->authorize_url == NULL || p->token_url == NULL || p->userinfo_url == NULL ||
	    (p->revocation_url == NULL && p->revoke != REVOKE_NONE) ||
	    (p->backchannel && p->jwks_url == NULL));
}

static void	discovery_start(struct provider *);

static void
discovery_retry(evutil_socket_t fd, short what, void *arg)
{
	discovery_start(arg);
}

static void
discovery_failed(struct provider *p, const char *why)
{
	struct timeval tv;

	p->backoff_sec = p->backoff_sec == 0 ? 1 : p->backoff_sec * 2;
	if (p->backoff_sec > DISCOVERY_BACKOFF_MAX)
		p->backoff_sec = DISCOVERY_BACKOFF_MAX;
	log_warnx("provider %s: discovery at %s failed (%s); retrying in %u s", p->name,
	    p->issuer, why, p->backoff_sec);
	tv.tv_sec = p->backoff_sec;
	tv.tv_usec = 0;
	evtimer_add(p->retry, &tv);
}

/* An endpoint from the document counts unless config set one; it must pass the URL policy. */
static int
endpoint_ok(const struct provider *p, const char *configured, const char *found,
    const char **why)
{
	return configured != NULL || found == NULL ||
	    http_url_allowed(found, p->ad->insecure_loopback, why) == 0;
}

static void
take_endpoint(char **dst, char **found)
{
	if (*dst == NULL && *found != NULL) {
		*dst = *found;
		*found = NULL;
	}
}

/* All checks first, so that a refused document changes nothing. */
static int
discovery_apply(struct provider *p, struct discovery *d, const char **why)
{
	if (strcmp(d->issuer, p->issuer) != 0)
		return *why = "issuer in the document differs from the configured one", -1;
	if (!d->s256)
		return *why = "provider does not support PKCE S256", -1;
	if (!p->auth_configured && !d->auth_basic && !d->auth_post)
		return *why = "no client_secret_basic or client_secret_post", -1;
	if (p->userinfo_url == NULL && d->userinfo_endpoint == NULL)
		return *why = "no userinfo_endpoint", -1;
	if (p->backchannel && p->jwks_url == NULL && d->jwks_uri == NULL)
		return *why = "no jwks_uri (back-channel logout needs the provider's keys)", -1;
	if (!endpoint_ok(p, p->authorize_url, d->authorization_endpoint, why) ||
	    !endpoint_ok(p, p->token_url, d->token_endpoint, why) ||
	    !endpoint_ok(p, p->userinfo_url, d->userinfo_endpoint, why) ||
	    !endpoint_ok(p, p->revocation_url, d->revocation_endpoint, why) ||
	    !endpoint_ok(p, p->jwks_url, d->jwks_uri, why))
		return -1;
	if (!p->auth_configured)
		p->auth = d->auth_basic ? AUTH_BASIC : AUTH_POST;
	take_endpoint(&p->authorize_url, &d->authorization_endpoint);
	take_endpoint(&p->token_url, &d->token_endpoint);
	take_endpoint(&p->userinfo_url, &d->userinfo_endpoint);
	take_endpoint(&p->revocation_url, &d->revocation_endpoint);
	if (p->backchannel)
		take_endpoint(&p->jwks_url, &d->jwks_uri);
	if (p->revocation_url == NULL)
		p->revoke = REVOKE_NONE;
	p->iss_required = d->iss_param;
	return 0;
}

static void
discovery_done(void *arg, const struct http_resp *r)
{
	struct provider		*p = arg;
	struct discovery	 d;
	const char		*why;
	char			 reason[160];

	if (r->result == HTTP_EABORT)
		return;
	if (r->result != HTTP_OK) {
		snprintf(reason, sizeof(reason), "%s", r->error);
		discovery_failed(p, reason);
		return;
	}
	if (r->status != 200) {
		snprintf(reason, sizeof(reason), "HTTP status %ld", r->status);
		discovery_failed(p, reason);
		return;
	}
	if (discovery_parse(r->body, r->len, &d, &why) == -1) {
		discovery_failed(p, why);
		return;
	}
	if (discovery_apply(p, &d, &why) == -1) {
		discovery_free(&d);
		discovery_failed(p, why);
		return;
	}
	discovery_free(&d);
	provider_ready(p);
	p->backoff_sec = 0;
	log_info("provider %s: ready (discovered %s%s)", p->name, p->issuer,
	    p->iss_required ? "; callbacks must carry iss" : "");
}

static void
discovery_start(struct provider *p)
{
	struct http_request	 q;
	struct buf		 u;
	size_t			 n = strlen(p->issuer);

	buf_init(&u, MAX_URL);
	buf_addn(&u, p->issuer, n > 0 && p->issuer[n - 1] == '/' ? n - 1 : n);
	buf_add(&u, "/.well-known/openid-configuration");
	memset(&q, 0, sizeof(q));
	q.url = buf_str(&u);
	q.accept = "application/json";
	if (q.url == NULL || http_start(p->ad->http, &q, discovery_done, p) == -1) {
		buf_free(&u);
		discovery_failed(p, "cannot start the request");
		return;
	}
	buf_free(&u);
}

void
provider_start(struct provider *p)
{
	if ((p->warm = evtimer_new(p->ad->base, warm_tick, p)) == NULL)
		fatal("evtimer_new");
	if (!needs_discovery(p)) {
		provider_ready(p);
		log_info("provider %s: ready (%s)", p->name, provider_type_name(p->type));
		return;
	}
	if ((p->retry = evtimer_new(p->ad->base, discovery_retry, p)) == NULL)
		fatal("evtimer_new");
	discovery_start(p);
}

char *
provider_basic_auth(struct provider *p)
{
	struct buf	 pair;
	char		*out;
	size_t		 n;

	buf_init(&pair, 4096);
	buf_add_escaped(&pair, p->client_id);
	buf_addc(&pair, ':');
	buf_add_escaped(&pair, (const char *)secret_open(p->secret));
	secret_close(p->secret);
	if (buf_str(&pair) == NULL) {
		buf_free(&pair);
		return NULL;
	}
	n = strlen("Basic ") + sodium_base64_ENCODED_LEN(pair.len, sodium_base64_VARIANT_ORIGINAL);
	if ((out = malloc(n)) != NULL) {
		memcpy(out, "Basic ", 6);
		sodium_bin2base64(out + 6, n - 6, (const unsigned char *)pair.p, pair.len,
		    sodium_base64_VARIANT_ORIGINAL);
	}
	buf_free(&pair);
	return out;
}

int
provider_client_auth(struct provider *p, struct buf *body, char **auth)
{
	*auth = NULL;
	if (p->auth == AUTH_BASIC)
		return (*auth = provider_basic_auth(p)) == NULL ? -1 : 0;
	buf_add_param(body, "client_id", p->client_id);
	buf_add_param(body, "client_secret", (const char *)secret_open(p->secret));
	secret_close(p->secret);
	return body->err ? -1 : 0;
}
