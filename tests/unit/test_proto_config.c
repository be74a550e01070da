/*
 * proto/config.c: good files parse; every kind of bad line is refused with
 * file:line.  proto/config_airlock.c: defaults, one rule per setting whatever
 * the program, the first error in file order, each program's required settings.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"

static struct conf *
parse(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return conf_parse("t.conf", text, strlen(text), err, errlen);
}

static void
bad(const char *text, const char *want)
{
	char		 err[256];
	struct conf	*c = parse(text, err, sizeof(err));

	CHECK(c == NULL && strstr(err, want) != NULL, "refused with '%s' (got '%s')", want, err);
	conf_free(c);
}

#define PK	"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define ALL	(CONF_PART_STORE | CONF_PART_AUTHD | CONF_PART_FRONTEND)

static int
typed(struct airlock_conf *ac, const char *text, unsigned parts, char *err, size_t errlen)
{
	err[0] = '\0';
	return airlock_conf_parse(ac, "t.conf", text, strlen(text), parts, err, errlen);
}

/* The same refusal for every program, whatever it requires. */
static void
typed_bad(const char *text, const char *want)
{
	static const unsigned	 parts[] = { 0, CONF_PART_STORE, CONF_PART_AUTHD,
	    CONF_PART_FRONTEND };
	struct airlock_conf	 ac;
	char			 err[512];
	size_t			 i;
	int			 same = 1;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (typed(&ac, text, parts[i], err, sizeof(err)) != -1 || strstr(err, want) == NULL)
			same = 0;
	CHECK(same, "every program refuses with '%s' (last: '%s')", want, err);
}

static void
typed_defaults(void)
{
	struct airlock_conf	ac;
	char			err[512];

	CHECK(typed(&ac, "", 0, err, sizeof(err)) == 0, "an empty file is fine with no part (%s)",
	    err);
	CHECK(ac.store.map_size_mb == 64 && ac.store.session_ttl_sec == 30 * 86400 &&
	    ac.store.pair_ttl_sec == 600 && ac.store.max_per_user == 64 &&
	    ac.store.idle_timeout_sec == 300, "store defaults");
	CHECK(ac.authd.login_ttl_sec == 600 && ac.authd.max_logins == 4096 &&
	    ac.authd.http_timeout_ms == 10000 && ac.authd.grant_max_age_days == 90 &&
	    ac.authd.max_exchanges_per_addr == 4, "authd defaults");
	CHECK(ac.frontend.request_timeout_ms == 5000 && ac.frontend.max_conns == 4096 &&
	    ac.frontend.rate_burst == 20 && ac.frontend.rate_per_sec == 2 &&
	    strcmp(ac.frontend.metrics_listen, "127.0.0.1:9100") == 0, "frontend defaults");
	CHECK(strcmp(ac.store.user, "airlock-store") == 0 &&
	    strcmp(ac.authd.user, "airlock-authd") == 0 &&
	    strcmp(ac.frontend.user, "airlock-frontend") == 0, "users default to the sysusers names");
	airlock_conf_free(&ac);
}

static void
typed_values(void)
{
	struct airlock_conf	ac;
	char			err[512];

	CHECK(typed(&ac, "[airlock]\npublic_url = https://Example.COM:443/\nfrontend_user = root\n"
	    "[store]\nuser = nobody\nsocket = /s\ndatabase = /d\nproof_public_key = " PK "\n"
	    "session_ttl_days = 2\n[authd]\nsocket = /a\nstate_dir = /st\n"
	    "allow_insecure_loopback = yes\ndefault_redirect_provider = gh\n"
	    "[frontend]\nmetrics_listen = off\nlisten = [::1]:8000\n[provider.gh]\ntype = github\n",
	    ALL, err, sizeof(err)) == 0, "a full file parses for every part (%s)", err);
	if (ac.raw == NULL)
		return;
	CHECK(strcmp(ac.airlock.url, "https://example.com:443") == 0 &&
	    strcmp(ac.airlock.origin, "https://example.com") == 0 && ac.airlock.https,
	    "public_url normalised, origin without the default port");
	CHECK(ac.airlock.frontend_uid == 0, "frontend_user resolved to its uid");
	CHECK(ac.store.session_ttl_sec == 2 * 86400 && strcmp(ac.store.user, "nobody") == 0 &&
	    ac.store.proof_pk[0] == 0xd7, "store values");
	CHECK(ac.authd.insecure_loopback == 1 && strcmp(ac.authd.default_redirect, "gh") == 0,
	    "authd values");
	CHECK(ac.frontend.metrics_listen == NULL && strcmp(ac.frontend.listen, "[::1]:8000") == 0,
	    "metrics_listen = off is NULL");
	airlock_conf_free(&ac);
}

static void
typed_rules(void)
{
	typed_bad("[airlock]\npublic_url = https://example.com/app\n",
	    "t.conf:2: [airlock] public_url: expected http(s)://host[:port] without a path");
	typed_bad("[airlock]\npublic_url = https://example.com/?q\n", "t.conf:2: [airlock] public_url");
	typed_bad("[airlock]\nfrontend_user = no-such-user-airlock\n",
	    "t.conf:2: [airlock] frontend_user: no such user");
	typed_bad("[store]\nmap_size_mb = 0\n", "t.conf:2: map_size_mb must be a number from 1");
	typed_bad("[store]\nproof_public_key = abc\n", "t.conf:2: [store] proof_public_key");
	typed_bad("[authd]\nlogin_ttl_sec = 10x\n", "t.conf:2: login_ttl_sec must be a number");
	typed_bad("[authd]\nallow_insecure_loopback = maybe\n",
	    "t.conf:2: allow_insecure_loopback must be yes or no");
	typed_bad("[authd]\ndefault_redirect_provider = op\n",
	    "t.conf:2: default_redirect_provider: no [provider.op] section");
	typed_bad("[frontend]\nlisten = localhost:80\n", "t.conf:2: listen: expected");
	typed_bad("[frontend]\ncolour = blue\n", "t.conf:2: unknown setting colour in [frontend]");
	typed_bad("[fronted]\nlisten = 127.0.0.1:1\n", "t.conf:2: unknown section [fronted]");
	typed_bad("[store]\nmap_size_mb = 0\n[authd]\ncolour = blue\n", "t.conf:2: map_size_mb");
}

static void
typed_required(void)
{
	struct airlock_conf	ac;
	char			err[512];

	CHECK(typed(&ac, "[airlock]\nfrontend_user = root\n[store]\ndatabase = /d\n"
	    "proof_public_key = " PK "\n", CONF_PART_STORE, err, sizeof(err)) == 0,
	    "the store needs no public_url (%s)", err);
	airlock_conf_free(&ac);
	CHECK(typed(&ac, "[store]\ndatabase = /d\nproof_public_key = " PK "\n", CONF_PART_STORE,
	    err, sizeof(err)) == -1 && strcmp(err, "t.conf: [airlock] frontend_user is missing") == 0,
	    "the store requires frontend_user (%s)", err);
	CHECK(typed(&ac, "[store]\ndatabase = /d\n", CONF_PART_STORE, err, sizeof(err)) == -1 &&
	    strcmp(err, "t.conf: [store] proof_public_key is missing") == 0,
	    "the store requires proof_public_key (%s)", err);
	CHECK(typed(&ac, "[airlock]\npublic_url = http://a\n[authd]\nstate_dir = /s\n",
	    CONF_PART_AUTHD, err, sizeof(err)) == -1 &&
	    strcmp(err, "t.conf: [airlock] frontend_user is missing") == 0,
	    "authd requires frontend_user (%s)", err);
	CHECK(typed(&ac, "[airlock]\npublic_url = http://a\n[authd]\nsocket = /s\n",
	    CONF_PART_FRONTEND, err, sizeof(err)) == -1 &&
	    strcmp(err, "t.conf: [airlock] frontend_user is missing") == 0,
	    "the frontend requires frontend_user (%s)", err);
	CHECK(typed(&ac, "[airlock]\npublic_url = http://a\nfrontend_user = root\n"
	    "[store]\nsocket = /s\n", CONF_PART_FRONTEND, err, sizeof(err)) == -1 &&
	    strcmp(err, "t.conf: [authd] socket is missing") == 0,
	    "the frontend requires both backend sockets (%s)", err);
}

int
main(void)
{
	char		 err[256];
	const char	*names[8];
	struct conf	*c;

	c = parse("# comment\n[airlock]\npublic_url = http://127.0.0.1:8000  \n\n"
	    "[provider.github]\ntype=github\r\n  client_id =  abc def\n[provider.corp]\ntype = oidc\n",
	    err, sizeof(err));
	CHECK(c != NULL, "good file parses (%s)", err);
	if (c != NULL) {
		CHECK(strcmp(conf_get(c, "airlock", "public_url"), "http://127.0.0.1:8000") == 0,
		    "value trimmed");
		CHECK(strcmp(conf_get(c, "provider.github", "client_id"), "abc def") == 0,
		    "inner spaces kept, CRLF accepted");
		CHECK(conf_get(c, "airlock", "nope") == NULL, "missing key is NULL");
		CHECK(conf_sections(c, "provider.", names, 8) == 2 &&
		    strcmp(names[0], "provider.github") == 0 && strcmp(names[1], "provider.corp") == 0,
		    "provider sections listed in file order");
		conf_free(c);
	}
	bad("key = v\n", "t.conf:1: setting outside a [section]");
	bad("[a]\n\nnovalue\n", "t.conf:3: expected key = value");
	bad("[a]\nk =\n", "t.conf:2: empty value");
	bad("[a]\nK = v\n", "t.conf:2: bad key name");
	bad("[a]\nk = 1\nk = 2\n", "t.conf:3: k set twice in [a]");
	bad("[a\n", "t.conf:1: unterminated [section]");
	bad("[A B]\n", "t.conf:1: bad section name");
	bad("[a]\n[a]\n", "t.conf:2: section [a] appears twice");
	typed_defaults();
	typed_values();
	typed_rules();
	typed_required();
	return CHECK_DONE();
}
