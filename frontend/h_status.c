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
	r->soft = 1;	/* report each daemon, whatever the other does */
	be_store_ping(r, &r->u.ping.store, &r->st[0]);
	be_auth_ping(r, &r->u.ping.providers_ready, &r->st[1]);
	req_wait(r, next);
}

static void
healthz_done(struct req *r)
{
	int		 ok = r->st[0] == ST_OK && r->st[1] == ST_OK;
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
gauge(struct sbuf *sb, const char *name, const char *help, int known, uint64_t v)
{
	sb_addf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	if (known)
		sb_addf(sb, "%s %llu\n", name, (unsigned long long)v);
}

/* What the daemons said just now; a daemon that did not answer has no sample. */
static void
metrics_done(struct req *r)
{
	const struct a_store_ping	*s = &r->u.ping.store;
	struct sbuf			 sb;
	int				 st = r->st[0] == ST_OK, au = r->st[1] == ST_OK;

	sb_init(&sb);
	metrics_render(r->fe, &sb);
	gauge(&sb, "airlock_store_up", "Whether the store answered a ping just now.", 1, st);
	gauge(&sb, "airlock_authd_up", "Whether authd answered a ping just now.", 1, au);
	gauge(&sb, "airlock_store_users", "Users in the store.", st, s->users);
	gauge(&sb, "airlock_store_sessions", "Sessions in the store.", st, s->sessions);
	gauge(&sb, "airlock_store_pending_pairings", "CLI pairings waiting for approval.", st,
	    s->pending);
	gauge(&sb, "airlock_authd_providers_ready", "Providers ready to sign in with.", au,
	    r->u.ping.providers_ready);
	reply_sb(r, 200, "text/plain; version=0.0.4; charset=utf-8", &sb);
}

void
h_metrics(struct req *r)
{
	pings(r, metrics_done);
}
