/* The route table of SPEC "HTTP routes": exact paths, methods, error style. */
#include "fe.h"

#include <string.h>

struct route {
	const char	*prefix;	/* the whole path, or what comes before {param} */
	const char	*suffix;	/* after {param}; NULL: no parameter */
	enum style	 style;
	void		(*get)(struct req *);
	void		(*post)(struct req *);
	const char	*name;		/* metrics label */
};

static const struct route routes[] = {
	{ "/",			NULL,		STYLE_PAGE, h_home,		NULL,		"/" },
	{ "/increment",		NULL,		STYLE_PAGE, NULL,		h_increment,	"/increment" },
	{ "/login",		NULL,		STYLE_PAGE, h_login,		NULL,		"/login" },
	{ "/login/",		"",		STYLE_PAGE, h_login_provider,	NULL,		"/login/{provider}" },
	{ "/auth_redirect",	NULL,		STYLE_PAGE, h_auth_redirect,	NULL,		"/auth_redirect" },
	{ "/logout",		NULL,		STYLE_PAGE, h_logout_page,	h_logout,	"/logout" },
	{ "/cli_login",		NULL,		STYLE_TEXT, h_cli_login,	NULL,		"/cli_login" },
	{ "/token",		NULL,		STYLE_TEXT, h_token,		NULL,		"/token" },
	{ "/pair/",		"",		STYLE_PAGE, h_pair_page,	h_pair_decide,	"/pair/{ref}" },
	{ "/secured",		NULL,		STYLE_TEXT, h_secured,		NULL,		"/secured" },
	{ "/sessions",		NULL,		STYLE_PAGE, h_sessions,		NULL,		"/sessions" },
	{ "/sessions/",		"/revoke",	STYLE_PAGE, NULL,		h_session_revoke, "/sessions/{sid}/revoke" },
	{ "/healthz",		NULL,		STYLE_TEXT, h_healthz,		NULL,		"/healthz" },
	{ "/metrics",		NULL,		STYLE_TEXT, h_metrics,		NULL,		"/metrics" },
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

void
route_dispatch(struct hreq *h, void *arg)
{
	struct fe		*fe = arg;
	const char		*path = hreq_path(h), *param = NULL;
	const struct route	*rt = NULL;
	struct req		*r;
	void			(*fn)(struct req *) = NULL;
	size_t			 i, plen = 0;

	for (i = 0; i < NROUTES && rt == NULL; i++)
		if (match(&routes[i], path, &param, &plen))
			rt = &routes[i];
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
	fn(r);
}
