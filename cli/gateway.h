/* Where `airlock get URL` and `airlock curl` may send the session token: the saved
 * server's origin, and hosts named with --gateway-host or $AIRLOCK_GATEWAY_HOSTS
 * (other sites behind the same airlock gateway).  Nothing else, ever. */
#ifndef AIRLOCK_CLI_GATEWAY_H
#define AIRLOCK_CLI_GATEWAY_H

#include <stddef.h>

#include "url.h"

#define GW_MAX_HOSTS	32
#define GW_ENV		"AIRLOCK_GATEWAY_HOSTS"

struct gw_host {
	char		 host[256];	/* as struct url_origin has it */
	unsigned int	 port;		/* 0: the default port of the URL's scheme */
};

struct gw_hosts {
	size_t		 n;
	struct gw_host	 h[GW_MAX_HOSTS];
};

/* Adds "HOST" or "HOST:PORT" (HOST a DNS name, IPv4 or [IPv6]): 0, or -1 with err. */
int	gw_hosts_add(struct gw_hosts *g, const char *spec, char *err, size_t errlen);
/* Adds every entry of a comma- or space-separated list: 0, or -1 with err. */
int	gw_hosts_add_list(struct gw_hosts *g, const char *list, char *err, size_t errlen);
/* 0 when the token may be sent to url: its origin is the server's (base URL as
 * saved), or it names a listed host; https unless the server itself is plain
 * http and the URL's host is loopback (or allow_http).  canon (size n) receives
 * the URL as libcurl normalizes it: send that, not the original.  -1 with a
 * one-line reason in err otherwise. */
int	gw_url_check(const char *url, const char *server, const struct gw_hosts *g,
	    int allow_http, char *canon, size_t n, char *err, size_t errlen);
/* 1 when arg starts like an http(s) URL ("http://" or "https://", any case). */
int	gw_looks_like_url(const char *arg);

#endif
