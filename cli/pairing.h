/* The pairing protocol pieces of `airlock login` (pairing.c), kept apart from the
 * command's flow (login.c) so they can be unit-tested. */
#ifndef AIRLOCK_CLI_PAIRING_H
#define AIRLOCK_CLI_PAIRING_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

#define PAIRCODE_BYTES		24	/* 32 URL-safe characters */
#define LOGIN_MAX_EXPIRES	600	/* seconds; the server's paircodes live 10 minutes */
#define LOGIN_MAX_INTERVAL	60
#define LOGIN_SLOW_DOWN_STEP	5	/* RFC 8628 3.5 */
#define LOGIN_MAX_RETRY_WAIT	30

struct http_resp;

struct login_start {
	char	 login_url[CLI_MAX_URL];
	char	 user_code[64];
	int64_t	 expires_in;	/* clamped to [1, LOGIN_MAX_EXPIRES] */
	int64_t	 interval;	/* clamped to [1, LOGIN_MAX_INTERVAL] */
};

enum poll_result {
	POLL_DONE,		/* approved: resp->cookie holds the session */
	POLL_PENDING,
	POLL_SLOW_DOWN,
	POLL_EXPIRED,
	POLL_DENIED,
	POLL_RETRY,		/* server trouble (5xx): try again later */
	POLL_FAIL,		/* an answer that makes no sense: stop */
};

/* A fresh paircode: PAIRCODE_BYTES random bytes, base64url. dst >= 64 bytes. */
void	login_paircode(char *dst, size_t n);
/* The JSON answer of /cli_login: 0, or -1 with a reason in why. */
int	login_parse_start(const char *body, size_t len, struct login_start *ls,
	    char *why, size_t whylen);
/* What one /token answer means; for POLL_DONE the user id (if shown) is copied to
 * user, for POLL_FAIL a reason to why. */
enum poll_result login_classify(const struct http_resp *r, char *user, size_t usern,
	    char *why, size_t whylen);
/* Seconds to wait after a failure (1st, 2nd, ...): doubling from interval, capped. */
int64_t	login_retry_wait(int64_t interval, unsigned int failures);

int64_t	pairing_clamp(int64_t v, int64_t lo, int64_t hi);

#endif
