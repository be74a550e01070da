/* The frontend's part of airlock.conf (parsed and checked in
 * proto/config_airlock.c): [airlock], [frontend] and the two backend sockets.
 * It reads no secret: there is none to read. */
#include "fe.h"

#include <stdio.h>
#include <string.h>

#include "config.h"

_Static_assert(FE_ORIGIN_MAX == CONF_URL_MAX, "public_url buffers");

int
fe_parse_public_url(const char *url, struct fe_conf *fc)
{
	struct conf_airlock a;

	if (conf_public_url(url, &a) == -1)
		return -1;
	memcpy(fc->public_url, a.url, sizeof(fc->public_url));
	memcpy(fc->origin, a.origin, sizeof(fc->origin));
	fc->https = a.https;
	return 0;
}

int
fe_conf_load(struct fe_conf *fc, const struct airlock_conf *ac, char *err, size_t errlen)
{
	const struct conf_frontend	*f = &ac->frontend;
	char				 why[128];

	memset(fc, 0, sizeof(*fc));
	memcpy(fc->public_url, ac->airlock.url, sizeof(fc->public_url));
	memcpy(fc->origin, ac->airlock.origin, sizeof(fc->origin));
	fc->https = ac->airlock.https;
	fc->listen = f->listen;
	fc->store_socket = ac->store.socket;
	fc->authd_socket = ac->authd.socket;
	fc->request_timeout_ms = (int)f->request_timeout_ms;
	fc->idle_timeout_sec = (int)f->idle_timeout_sec;
	fc->max_conns = (size_t)f->max_conns;
	/* The store enforces expiry; the cookie just should not outlive it by much. */
	fc->session_max_age = ac->store.session_ttl_days * 86400;
	fc->header_timeout_sec = (int)f->header_timeout_sec;
	fc->max_conns_per_addr = (size_t)f->max_conns_per_addr;
	fc->rate_burst = (unsigned)f->rate_burst;
	fc->rate_per_sec = (unsigned)f->rate_per_sec;
	fc->metrics_listen = f->metrics_listen;
	if (f->trusted_proxies != NULL &&
	    cidr_list_parse(f->trusted_proxies, &fc->trusted_proxies, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s:%d: [frontend] trusted_proxies: %s", conf_file(ac->raw),
		    conf_line(ac->raw, "frontend", "trusted_proxies"), why);
		return -1;
	}
	if (rd_hosts_parse(f->allowed_redirect_hosts, &fc->redirect_hosts, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s:%d: [frontend] allowed_redirect_hosts: %s",
		    conf_file(ac->raw), conf_line(ac->raw, "frontend", "allowed_redirect_hosts"), why);
		return -1;
	}
	return 0;
}
