/* The pairing protocol as the CLI sees it: paircodes, the /cli_login answer, what each
 * /token answer means (the routes /cli_login and /token, RFC 8628 error names). */
#include "pairing.h"
#include "http.h"
#include "json.h"
#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "b64.h"

void
login_paircode(char *dst, size_t n)
{
	uint8_t	 raw[PAIRCODE_BYTES];

	if (n < b64_len(sizeof(raw)) + 1)
		abort();
	randombytes_buf(raw, sizeof(raw));
	b64_encode(dst, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

int64_t
pairing_clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int
user_code_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return i > 0;
}

int
login_parse_start(const char *body, size_t len, struct login_start *ls, char *why, size_t whylen)
{
	struct json_object *o;
	int	 ok;

	memset(ls, 0, sizeof(*ls));
	if ((o = json_parse_object(body, len, CLI_JSON_MAX_DEPTH, NULL)) == NULL) {
		snprintf(why, whylen, "server's /cli_login answer is not a JSON object");
		return -1;
	}
	ok = json_str_copy(o, "login_url", ls->login_url, sizeof(ls->login_url)) == 0 &&
	    json_str_copy(o, "user_code", ls->user_code, sizeof(ls->user_code)) == 0;
	if (json_int(o, "expires_in", &ls->expires_in) != 1)
		ls->expires_in = LOGIN_MAX_EXPIRES;
	if (json_int(o, "interval", &ls->interval) != 1)
		ls->interval = 1;
	json_object_put(o);
	if (!ok) {
		snprintf(why, whylen, "server's /cli_login answer lacks login_url or user_code");
		return -1;
	}
	if (!url_browser_ok(ls->login_url) || !user_code_ok(ls->user_code)) {
		snprintf(why, whylen, "server's /cli_login answer has a malformed URL or code");
		return -1;
	}
	ls->expires_in = pairing_clamp(ls->expires_in, 1, LOGIN_MAX_EXPIRES);
	ls->interval = pairing_clamp(ls->interval, 1, LOGIN_MAX_INTERVAL);
	return 0;
}

static enum poll_result
classify_error(const char *err)
{
	if (strcmp(err, "authorization_pending") == 0)
		return POLL_PENDING;
	if (strcmp(err, "slow_down") == 0)
		return POLL_SLOW_DOWN;
	if (strcmp(err, "expired_token") == 0)
		return POLL_EXPIRED;
	if (strcmp(err, "access_denied") == 0)
		return POLL_DENIED;
	return POLL_FAIL;
}

/* The user id from a success answer: JSON {"user"|"user_id"|"id": "..."} or text. */
static void
success_user(const struct http_resp *r, char *user, size_t n)
{
	static const char *const keys[] = { "user", "user_id", "id", "sub" };
	struct json_object *o;
	char	 tmp[CLI_MAX_USER];
	size_t	 i, len = r->len;

	user[0] = '\0';
	if ((o = json_parse_object(r->body, r->len, CLI_JSON_MAX_DEPTH, NULL)) != NULL) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (json_str_copy(o, keys[i], tmp, sizeof(tmp)) == 0) {
				cli_sanitize(user, n, tmp, strlen(tmp));
				break;
			}
		json_object_put(o);
		return;
	}
	while (len > 0 && (r->body[len - 1] == '\n' || r->body[len - 1] == '\r' ||
	    r->body[len - 1] == ' '))
		len--;
	if (len < CLI_MAX_USER && r->body[0] != '<')
		cli_sanitize(user, n, r->body, len);
}

/* An answer that is neither an error name nor pending: a reason in why. */
static enum poll_result
unexpected(const struct http_resp *r, char *why, size_t whylen)
{
	if (r->status == 200)
		snprintf(why, whylen, "server approved the login but set no session cookie");
	else
		snprintf(why, whylen, "server answered HTTP %ld to /token", r->status);
	return POLL_FAIL;
}

/* A JSON answer without a cookie: RFC 8628 "error" names, or pending. */
static enum poll_result
classify_json(const struct http_resp *r, struct json_object *o, char *why, size_t whylen)
{
	char	 err[64], shown[64];
	enum poll_result res;

	if (json_str_copy(o, "error", err, sizeof(err)) == -1) {
		if (r->status == 200 && !json_object_object_get_ex(o, "user", NULL))
			return POLL_PENDING;
		return unexpected(r, why, whylen);
	}
	if ((res = classify_error(err)) == POLL_FAIL) {
		cli_sanitize(shown, sizeof(shown), err, strlen(err));
		snprintf(why, whylen, "server refused the login: %s (HTTP %ld)", shown, r->status);
	}
	return res;
}

enum poll_result
login_classify(const struct http_resp *r, char *user, size_t usern, char *why, size_t whylen)
{
	struct json_object *o;
	enum poll_result res;

	user[0] = '\0';
	if (r->status == 0 || r->status >= 500)
		return POLL_RETRY;
	if (r->status == 200 && r->cookie[0] != '\0') {
		success_user(r, user, usern);
		return POLL_DONE;
	}
	if ((o = json_parse_object(r->body, r->len, CLI_JSON_MAX_DEPTH, NULL)) != NULL) {
		res = classify_json(r, o, why, whylen);
		json_object_put(o);
		return res;
	}
	if (r->status == 429)
		return POLL_SLOW_DOWN;
	/* Seed-compatible answer: an empty 200 means "not yet". */
	if (r->status == 200 && r->len == 0)
		return POLL_PENDING;
	return unexpected(r, why, whylen);
}

int64_t
login_retry_wait(int64_t interval, unsigned int failures)
{
	int64_t	 w = interval;

	while (failures-- > 1 && w < LOGIN_MAX_RETRY_WAIT)
		w *= 2;
	return pairing_clamp(w, 1, LOGIN_MAX_RETRY_WAIT);
}
