/*
 * The route table: exact paths, methods, error style, and where a route is
 * served.  The public listener serves every route but the metrics-only ones;
 * the metrics listener (metrics_listen) serves R_METRICS and R_BOTH routes.
 * Routes anyone may call without a session and that make a backend hold
 * something (a login, a pairing) or call a provider are R_ANON: each client
 * address group takes a token from its bucket (limit.h) or is answered 429.
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

#define R_ANON		0x1	/* rate-limited per client address */
#define R_METRICS	0x2	/* on the metrics listener only */
#define R_BOTH		0x4	/* on both listeners */

struct route {
	const char	*prefix;	/* the whole path, or what comes before {param} */
	const char	*suffix;	/* after {param}; NULL: no parameter */
	enum style	 style;
	void		(*get)(struct req *);
	void		(*post)(struct req *);
	const char	*name;		/* metrics label */
	int		 flags;		/* R_* */
};

static const struct route routes[] = {
	{ "/",			NULL,		STYLE_PAGE, h_home,		NULL,		"/", 0 },
	{ "/increment",		NULL,		STYLE_PAGE, NULL,		h_increment,	"/increment", 0 },
	{ "/login",		NULL,		STYLE_PAGE, h_login,		NULL,		"/login", 0 },
	{ "/login/",		"",		STYLE_PAGE, h_login_provider,	NULL,		"/login/{provider}", R_ANON },
	{ "/auth_redirect",	NULL,		STYLE_PAGE, h_auth_redirect,	NULL,		"/auth_redirect", R_ANON },
	{ "/auth_redirect/",	"",		STYLE_PAGE, h_auth_redirect,	NULL,		"/auth_redirect/{provider}", R_ANON },
	{ "/logout",		NULL,		STYLE_PAGE, h_logout_page,	h_logout,	"/logout", 0 },
	{ "/cli_login",		NULL,		STYLE_TEXT, h_cli_login,	h_cli_login,	"/cli_login", R_ANON },
	{ "/token",		NULL,		STYLE_TEXT, h_token,		h_token,	"/token", R_ANON },
	{ "/pair/",		"",		STYLE_PAGE, h_pair_page,	h_pair_decide,	"/pair/{ref}", 0 },
	{ "/secured",		NULL,		STYLE_TEXT, h_secured,		NULL,		"/secured", 0 },
	{ "/sessions",		NULL,		STYLE_PAGE, h_sessions,		NULL,		"/sessions", 0 },
	{ "/sessions/",		"/revoke",	STYLE_PAGE, NULL,		h_session_revoke, "/sessions/{sid}/revoke", 0 },
	{ "/healthz",		NULL,		STYLE_TEXT, h_healthz,		NULL,		"/healthz", R_BOTH },
	{ "/metrics",		NULL,		STYLE_TEXT, h_metrics,		NULL,		"/metrics", R_METRICS },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

/* Index NROUTES counts what matched no route. */
const char *
route_name(size_t i)
{
	return i < NROUTES ? routes[i].name : "other";
}

size_t
route_count(void)
{
	return NROUTES + 1;
}

size_t
route_index(const struct route *rt)
{
	return rt == NULL ? NROUTES : (size_t)(rt - routes);
}

/* Exact match; a {param} is one non-empty segment without '/'. */
static int
match(const struct route *rt, const char *path, const char **param, size_t *plen)
{
	size_t	 n = strlen(rt->prefix), len = strlen(path), sl;

	if (rt->suffix == NULL)
		return strcmp(path, rt->prefix) == 0;
	sl = strlen(rt->suffix);
	if (len <= n + sl || strncmp(path, rt->prefix, n) != 0 ||
	    strcmp(path + len - sl, rt->suffix) != 0)
		return 0;
	*param = path + n;
	*plen = len - n - sl;
	return memchr(*param, '/', *plen) == NULL;
}

static void
method_not_allowed(struct req *r, const struct route *rt)
{
	char allow[32];

	snprintf(allow, sizeof(allow), "%s%s", rt->get ? "GET, HEAD" : "",
	    rt->post ? (rt->get ? ", POST" : "POST") : "");
	hreq_add_header(r->h, "Allow", allow);
	reply_error(r, 405, "Method not allowed",
	    rt->post && !rt->get ? "This address only takes form submissions (POST)." :
	    "This address does not take that kind of request.");
}

/* 1 when the client may go on; otherwise the 429 is sent (r is gone). */
static int
rate_ok(struct req *r)
{
	struct addr	a, g;
	unsigned	retry = 1;
	char		secs[16];

	if (r->fe->anon_rate == NULL || !(r->route->flags & R_ANON))
		return 1;
	if (addr_parse(req_client(r), strlen(req_client(r)), &a) == -1)
		return 1;	/* not an IP peer (none in practice) */
	addr_group(&a, &g);
	if (rate_take(r->fe->anon_rate, &g, now_ms(), &retry))
		return 1;
	r->fe->m.rate_limited++;
	log_debug("%s: rate limit for %s, retry in %u s", route_name(route_index(r->route)),
	    req_client(r), retry);
	snprintf(secs, sizeof(secs), "%u", retry);
	hreq_add_header(r->h, "Retry-After", secs);
	reply_error(r, 429, "Too many requests", "Too many sign-in requests from your "
	    "address. Please wait a few seconds and try again.");
	return 0;
}

/* The route for path on the public or the metrics listener, or NULL. */
static const struct route *
route_find(const char *path, int metrics, const char **param, size_t *plen)
{
	size_t i;

	for (i = 0; i < NROUTES; i++) {
		if (metrics ? !(routes[i].flags & (R_METRICS | R_BOTH)) :
		    (routes[i].flags & R_METRICS) != 0)
			continue;
		if (match(&routes[i], path, param, plen))
			return &routes[i];
	}
	return NULL;
}

static void
dispatch(struct hreq *h, struct fe *fe, int metrics)
{
	const char		*path = hreq_path(h), *param = NULL;
	const struct route	*rt;
	struct req		*r;
	void			(*fn)(struct req *) = NULL;
	size_t			 plen = 0;

	rt = route_find(path, metrics, &param, &plen);
	if ((r = req_new(fe, h, rt)) == NULL) {
		hreq_send(h, 503, "out of memory\n", 14);
		return;
	}
	r->style = rt != NULL ? rt->style : STYLE_PAGE;
	if (rt == NULL) {
		reply_error(r, 404, "Not found", "There is no page at this address.");
		return;
	}
	r->param = param;
	r->param_len = plen;
	switch (hreq_method(h)) {
	case HM_GET:
	case HM_HEAD:
		fn = rt->get;
		break;
	case HM_POST:
		fn = rt->post;
		break;
	default:
		break;
	}
	if (fn == NULL) {
		method_not_allowed(r, rt);
		return;
	}
	if (!rate_ok(r))
		return;
	fn(r);
}

void
route_dispatch(struct hreq *h, void *fe)
{
	dispatch(h, fe, 0);
}

void
route_dispatch_metrics(struct hreq *h, void *fe)
{
	dispatch(h, fe, 1);
}
