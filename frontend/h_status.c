/*
 * GET /healthz: a bare status for anyone (200 "ok" when store and authd both
 * answer, else 503), no counts.  GET /metrics, on the metrics listener only:
 * the counters, plus what the two daemons report (users, sessions, pending
 * pairings, providers ready).
 */
#include "fe.h"

#include <string.h>

static void
pings(struct req *r, void (*next)(struct req *))
{
	struct st_ping		*s = &r->u.ping;
	struct msg_store_ping	 qs;
	struct msg_auth_ping	 qa;

	r->soft = 1;	/* report each daemon, whatever the other does */
	be_call(r, MSG_STORE_PING, &qs, &s->store, &s->store_st);
	be_call(r, MSG_AUTH_PING, &qa, &s->auth, &s->auth_st);
	be_wait(r, next);
}

static void
healthz_done(struct req *r)
{
	int		 ok = r->u.ping.store_st == ST_OK && r->u.ping.auth_st == ST_OK;
	const char	*body;

	if (r->json)
		body = ok ? "{\"status\":\"ok\"}\n" : "{\"status\":\"unavailable\"}\n";
	else
		body = ok ? "ok\n" : "unavailable\n";
	reply(r, ok ? 200 : 503, r->json ? CT_JSON : CT_TEXT, body, strlen(body));
}

void
h_healthz(struct req *r)
{
	pings(r, healthz_done);
}

static void
gauge(struct buf *b, const char *name, const char *help, int known, uint64_t v)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	if (known)
		buf_addf(b, "%s %llu\n", name, (unsigned long long)v);
}

/* What the daemons said just now; a daemon that did not answer has no sample. */
static void
metrics_done(struct req *r)
{
	const struct st_ping	*p = &r->u.ping;
	struct http_stats	 hs;
	struct metrics_view	 v;
	struct buf		 b;
	int			 st = p->store_st == ST_OK, au = p->auth_st == ST_OK, i;

	http_server_stats(r->fe->http, &hs);
	v.http = &hs;
	for (i = 0; i < BE_COUNT; i++)
		v.up[i] = ipc_client_up(r->fe->be[i]);
	v.routes = fe_routes;
	v.nroutes = fe_nroutes;
	buf_init(&b, FE_ANSWER_MAX);
	metrics_render(&r->fe->m, &v, &b);
	gauge(&b, "airlock_store_up", "Whether the store answered a ping just now.", 1, st);
	gauge(&b, "airlock_authd_up", "Whether authd answered a ping just now.", 1, au);
	gauge(&b, "airlock_store_users", "Users in the store.", st, p->store.users);
	gauge(&b, "airlock_store_sessions", "Sessions in the store.", st, p->store.sessions);
	gauge(&b, "airlock_store_pending_pairings", "CLI pairings waiting for approval.", st,
	    p->store.pending);
	gauge(&b, "airlock_authd_providers_ready", "Providers ready to sign in with.", au,
	    p->auth.providers);
	reply_buf(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}

void
h_metrics(struct req *r)
{
	pings(r, metrics_done);
}
