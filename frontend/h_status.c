/* GET /healthz (all three processes) and GET /metrics. */
#include "fe.h"

static void
healthz_done(struct req *r)
{
	struct a_store_ping	*s = &r->u.ping.store;
	struct sbuf		 sb;
	int			 ok = r->st[0] == ST_OK && r->st[1] == ST_OK;

	sb_init(&sb);
	if (r->json) {
		sb_addf(&sb, "{\"status\":\"%s\",\"frontend\":{\"up\":true},", ok ? "ok" : "degraded");
		if (r->st[0] == ST_OK)
			sb_addf(&sb, "\"store\":{\"up\":true,\"users\":%llu,\"sessions\":%llu,"
			    "\"pending_pairings\":%u},", (unsigned long long)s->users,
			    (unsigned long long)s->sessions, s->pending);
		else
			sb_addf(&sb, "\"store\":{\"up\":false,\"error\":\"%s\"},",
			    msg_status_name(r->st[0]));
		if (r->st[1] == ST_OK)
			sb_addf(&sb, "\"authd\":{\"up\":true,\"providers_ready\":%u}}\n",
			    r->u.ping.providers_ready);
		else
			sb_addf(&sb, "\"authd\":{\"up\":false,\"error\":\"%s\"}}\n",
			    msg_status_name(r->st[1]));
		reply_sb(r, ok ? 200 : 503, CT_JSON, &sb);
		return;
	}
	sb_addf(&sb, "%s\nfrontend: ok\n", ok ? "ok" : "degraded");
	if (r->st[0] == ST_OK)
		sb_addf(&sb, "store: ok (users %llu, sessions %llu, pending pairings %u)\n",
		    (unsigned long long)s->users, (unsigned long long)s->sessions, s->pending);
	else
		sb_addf(&sb, "store: down (%s)\n", r->st[0] == ST_TIMEOUT ? "no answer in time" :
		    "not reachable");
	if (r->st[1] == ST_OK)
		sb_addf(&sb, "authd: ok (providers ready %u)\n", r->u.ping.providers_ready);
	else
		sb_addf(&sb, "authd: down (%s)\n", r->st[1] == ST_TIMEOUT ? "no answer in time" :
		    "not reachable");
	reply_sb(r, ok ? 200 : 503, CT_TEXT, &sb);
}

void
h_healthz(struct req *r)
{
	r->soft = 1;	/* report each daemon, whatever the other does */
	be_store_ping(r, &r->u.ping.store, &r->st[0]);
	be_auth_ping(r, &r->u.ping.providers_ready, &r->st[1]);
	req_wait(r, healthz_done);
}

void
h_metrics(struct req *r)
{
	struct sbuf sb;

	sb_init(&sb);
	metrics_render(r->fe, &sb);
	reply_sb(r, 200, "text/plain; version=0.0.4; charset=utf-8", &sb);
}
