/*
 * The route table and what every route needs before its handler: exact path
 * and method, the listener it is served on, the per-address rate limit of
 * anonymous routes, its path parameter, and the session and CSRF checks its
 * flags name (fe.h: RF_*, MF_*), so that a handler starts with those done.
 * The public listener serves every route but the metrics-only ones; the
 * metrics listener (metrics_listen) serves RF_METRICS and RF_BOTH routes.
 * Routes anyone may call without a session and that make a backend hold
 * something (a login, a pairing) or call a provider are RF_ANON: each client
 * address group takes a token from its bucket (limit.h) or is answered 429.
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "parse.h"

#define FORM_REFUSED	"This form has expired or was sent from another site. Reload the " \
			"page and try again."

const struct route fe_routes[] = {
	{ "/", NULL, "/", STYLE_PAGE, 0,
	    { h_home, MF_SESSION }, { NULL, 0 }, PARAM_NONE, 0, NULL, NULL,
	    sizeof(struct st_account) },
	{ "/increment", NULL, "/increment", STYLE_PAGE, 0,
	    { NULL, 0 }, { h_increment, MF_SESSION | MF_CSRF }, PARAM_NONE, 0, NULL, NULL,
	    sizeof(struct st_increment) },
	{ "/login", NULL, "/login", STYLE_PAGE, 0,
	    { h_login_page, 0 }, { NULL, 0 }, PARAM_NONE, 0, NULL, NULL, 0 },
	{ "/login/", "", "/login/{provider}", STYLE_PAGE, RF_ANON,
	    { h_login_provider, 0 }, { NULL, 0 }, PARAM_PROVIDER,
	    404, "Unknown provider", "There is no sign-in provider by that name.", 0 },
	{ "/auth_redirect", NULL, "/auth_redirect", STYLE_PAGE, RF_ANON,
	    { h_auth_redirect, 0 }, { NULL, 0 }, PARAM_NONE, 0, NULL, NULL, 0 },
	{ "/auth_redirect/", "", "/auth_redirect/{provider}", STYLE_PAGE, RF_ANON,
	    { h_auth_redirect, 0 }, { NULL, 0 }, PARAM_PROVIDER,
	    400, "Bad request", "The address the provider sent you back to is malformed.", 0 },
	{ "/logout", NULL, "/logout", STYLE_PAGE, 0,
	    { h_logout_page, MF_SESSION },
	    { h_logout, MF_SESSION | MF_CSRF | MF_CLI_COOKIE }, PARAM_NONE, 0, NULL, NULL, 0 },
	{ "/cli_login", NULL, "/cli_login", STYLE_TEXT, RF_ANON,
	    { h_cli_login, 0 }, { h_cli_login, 0 }, PARAM_NONE, 0, NULL, NULL, 0 },
	{ "/token", NULL, "/token", STYLE_TEXT, RF_ANON,
	    { h_token, 0 }, { h_token, 0 }, PARAM_NONE, 0, NULL, NULL, 0 },
	{ "/pair/", "", "/pair/{ref}", STYLE_PAGE, 0,
	    { h_pair_page, 0 }, { h_pair_post, MF_CSRF }, PARAM_ID,
	    404, PAIR_UNKNOWN_TITLE, PAIR_UNKNOWN_DETAIL, 0 },
	{ "/secured", NULL, "/secured", STYLE_TEXT, 0,
	    { h_secured, MF_SESSION | MF_CLI_COOKIE }, { NULL, 0 }, PARAM_NONE, 0, NULL, NULL,
	    sizeof(struct st_secured) },
	{ "/sessions", NULL, "/sessions", STYLE_PAGE, 0,
	    { h_sessions, MF_SESSION }, { NULL, 0 }, PARAM_NONE, 0, NULL, NULL, 0 },
	{ "/sessions/", "/revoke", "/sessions/{sid}/revoke", STYLE_PAGE, 0,
	    { NULL, 0 }, { h_session_revoke, MF_SESSION | MF_CSRF }, PARAM_ID,
	    404, "No such session", "That session does not exist.", 0 },
	{ "/auth", NULL, "/auth", STYLE_TEXT, 0,
	    { h_gate_auth, 0 }, { NULL, 0 }, PARAM_NONE, 0, NULL, NULL,
	    sizeof(struct st_secured) },
	{ "/backchannel_logout/", "", "/backchannel_logout/{provider}", STYLE_TEXT, RF_ANON,
	    { NULL, 0 }, { h_backchannel, 0 }, PARAM_PROVIDER,
	    404, "Unknown provider", "There is no sign-in provider by that name.", 0 },
	{ "/healthz", NULL, "/healthz", STYLE_TEXT, RF_BOTH,
	    { h_healthz, 0 }, { NULL, 0 }, PARAM_NONE, 0, NULL, NULL, 0 },
	{ "/metrics", NULL, "/metrics", STYLE_TEXT, RF_METRICS,
	    { h_metrics, 0 }, { NULL, 0 }, PARAM_NONE, 0, NULL, NULL, 0 },
};
const size_t fe_nroutes = sizeof(fe_routes) / sizeof(fe_routes[0]);

_Static_assert(sizeof(fe_routes) / sizeof(fe_routes[0]) < METRICS_ROUTES, "metrics by route");

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

	snprintf(allow, sizeof(allow), "%s%s", rt->get.fn ? "GET, HEAD" : "",
	    rt->post.fn ? (rt->get.fn ? ", POST" : "POST") : "");
	hreq_add_header(r->h, "Allow", allow);
	reply_error(r, 405, "Method not allowed",
	    rt->post.fn && !rt->get.fn ? "This address only takes form submissions (POST)." :
	    "This address does not take that kind of request.");
}

static enum flow
rate_limit(struct req *r)
{
	struct addr	a, g;
	unsigned	retry = 1;
	char		secs[16];

	if (r->fe->anon_rate == NULL || !(r->route->flags & RF_ANON))
		return FLOW_GO_ON;
	if (addr_parse(req_client(r), strlen(req_client(r)), &a) == -1)
		return FLOW_GO_ON;	/* not an IP peer (none in practice) */
	addr_group(&a, &g);
	if (rate_take(r->fe->anon_rate, &g, mono_ms(), &retry))
		return FLOW_GO_ON;
	r->fe->m.rate_limited++;
	log_debug("%s: rate limit for %s, retry in %u s", r->route->name, req_client(r), retry);
	snprintf(secs, sizeof(secs), "%u", retry);
	hreq_add_header(r->h, "Retry-After", secs);
	reply_error(r, 429, "Too many requests", "Too many sign-in requests from your "
	    "address. Please wait a few seconds and try again.");
	return FLOW_ANSWERED;
}

/* The {param} of the path, decoded into r->path_name or r->path_id. */
static enum flow
path_param(struct req *r, const char *param, size_t len)
{
	const struct route *rt = r->route;

	switch (rt->param) {
	case PARAM_NONE:
		return FLOW_GO_ON;
	case PARAM_PROVIDER:
		if (provider_name_valid(param, len)) {
			memcpy(r->path_name, param, len);
			r->path_name[len] = '\0';
			return FLOW_GO_ON;
		}
		break;
	case PARAM_ID:
		if (b64url_id(r->path_id, FE_PATH_ID_LEN, param, len) == 0)
			return FLOW_GO_ON;
		break;
	}
	reply_error(r, rt->bad_status, rt->bad_title, rt->bad_detail);
	return FLOW_ANSWERED;
}

/* A form that changes state: from this site, with this session's CSRF token
 * when there is a session cookie. */
static enum flow
form_checks(struct req *r)
{
	const char		*body;
	size_t			 len;
	enum csrf_verdict	 v;

	body = hreq_body(r->h, &len);
	if (!r->has_token) {
		if (session_same_origin(r))
			return FLOW_GO_ON;
	} else if ((v = session_csrf_check(r, body, len)) == CSRF_OK)
		return FLOW_GO_ON;
	else {
		log_info("csrf: %s %s refused", r->route->name, v == CSRF_CROSS_SITE ?
		    "from another origin" : "without a valid token");
		r->fe->m.csrf_refused++;
	}
	reply_error(r, 403, "Request refused", FORM_REFUSED);
	return FLOW_ANSWERED;
}

/* What the method's flags ask for, in order: a session, then a valid form. */
static enum flow
method_checks(struct req *r, unsigned flags)
{
	if ((flags & MF_SESSION) && !r->has_token) {
		reply_no_session(r);
		return FLOW_ANSWERED;
	}
	if ((flags & MF_CSRF) && hreq_method(r->h) == HM_POST)
		return form_checks(r);
	return FLOW_GO_ON;
}

/* The route for path on the public or the metrics listener, or NULL. */
static const struct route *
route_find(const char *path, int metrics, const char **param, size_t *plen)
{
	size_t i;

	for (i = 0; i < fe_nroutes; i++) {
		if (metrics ? !(fe_routes[i].flags & (RF_METRICS | RF_BOTH)) :
		    (fe_routes[i].flags & RF_METRICS) != 0)
			continue;
		if (match(&fe_routes[i], path, param, plen))
			return &fe_routes[i];
	}
	return NULL;
}

static void
dispatch(struct hreq *h, struct fe *fe, int metrics)
{
	const char			*path = hreq_path(h), *param = NULL;
	const struct route		*rt;
	const struct route_method	*m = NULL;
	struct req			*r;
	size_t				 plen = 0;

	rt = route_find(path, metrics, &param, &plen);
	if ((r = req_new(fe, h)) == NULL) {
		hreq_send(h, 503, "out of memory\n", 14);
		return;
	}
	r->route = rt;
	r->route_i = rt != NULL ? (size_t)(rt - fe_routes) : fe_nroutes;
	r->style = rt != NULL ? rt->style : STYLE_PAGE;
	if (rt == NULL) {
		reply_error(r, 404, "Not found", "There is no page at this address.");
		return;
	}
	switch (hreq_method(h)) {
	case HM_GET:
	case HM_HEAD:
		m = &rt->get;
		break;
	case HM_POST:
		m = &rt->post;
		break;
	default:
		break;
	}
	if (m == NULL || m->fn == NULL) {
		method_not_allowed(r, rt);
		return;
	}
	session_read_cookie(r, (m->flags & MF_CLI_COOKIE) != 0);
	if (rate_limit(r) == FLOW_ANSWERED || path_param(r, param, plen) == FLOW_ANSWERED ||
	    method_checks(r, m->flags) == FLOW_ANSWERED)
		return;
	r->handled = 1;
	m->fn(r);
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
