/*
 * Counters for GET /metrics on the metrics listener (Prometheus text format
 * 0.0.4).  A leaf: counts what it is told, renders what it keeps and what the
 * caller hands it (struct metrics_view); calls nothing in the frontend.
 */
#include "fe.h"

static const double buckets[9] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5 };
static const char *const outcomes[BE_OUTCOMES] = { "ok", "down", "timeout", "malformed" };

void
metrics_request_done(struct metrics *m, size_t route_i, double secs, int status)
{
	size_t i;

	if (status >= 100 && status < 600)
		m->by_code[status / 100]++;
	if (route_i < METRICS_ROUTES)
		m->by_route[route_i]++;
	for (i = 0; i < 9; i++)
		if (secs <= buckets[i])
			m->latency_bucket[i]++;
	m->latency_sum += secs;
	m->latency_count++;
}

void
metrics_backend(struct metrics *m, enum backend be, enum be_outcome outcome)
{
	if (outcome < BE_OUTCOMES)
		m->backend[be][outcome]++;
}

static void
counter(struct buf *b, const char *name, const char *help, uint64_t v)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
	    (unsigned long long)v);
}

/* Route i's label; the index after the last counts what matched no route. */
static const char *
route_label(const struct metrics_view *v, size_t i)
{
	return i < v->nroutes ? v->routes[i].name : "other";
}

void
metrics_render(const struct metrics *m, const struct metrics_view *v, struct buf *sb)
{
	const struct http_stats	*st = v->http;
	size_t			 i, j;

	buf_add(sb, "# HELP airlock_frontend_responses_total HTTP answers by status class.\n"
	    "# TYPE airlock_frontend_responses_total counter\n");
	for (i = 1; i < 6; i++)
		buf_addf(sb, "airlock_frontend_responses_total{code=\"%zuxx\"} %llu\n", i,
		    (unsigned long long)m->by_code[i]);
	buf_add(sb, "# HELP airlock_frontend_route_requests_total Answered requests by route.\n"
	    "# TYPE airlock_frontend_route_requests_total counter\n");
	for (i = 0; i < v->nroutes + 1 && i < METRICS_ROUTES; i++)
		buf_addf(sb, "airlock_frontend_route_requests_total{route=\"%s\"} %llu\n",
		    route_label(v, i), (unsigned long long)m->by_route[i]);
	buf_add(sb, "# HELP airlock_frontend_request_duration_seconds Time to answer.\n"
	    "# TYPE airlock_frontend_request_duration_seconds histogram\n");
	for (i = 0; i < 9; i++)
		buf_addf(sb, "airlock_frontend_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
		    buckets[i], (unsigned long long)m->latency_bucket[i]);
	buf_addf(sb, "airlock_frontend_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "airlock_frontend_request_duration_seconds_sum %.6f\n"
	    "airlock_frontend_request_duration_seconds_count %llu\n",
	    (unsigned long long)m->latency_count, m->latency_sum,
	    (unsigned long long)m->latency_count);
	buf_add(sb, "# HELP airlock_frontend_backend_calls_total Calls to store and authd by outcome.\n"
	    "# TYPE airlock_frontend_backend_calls_total counter\n");
	for (i = 0; i < BE_COUNT; i++)
		for (j = 0; j < BE_OUTCOMES; j++)
			buf_addf(sb, "airlock_frontend_backend_calls_total{backend=\"%s\",outcome=\"%s\"} "
			    "%llu\n", be_name((enum backend)i), outcomes[j],
			    (unsigned long long)m->backend[i][j]);
	buf_add(sb, "# HELP airlock_frontend_backend_up Whether the connection to a backend is up.\n"
	    "# TYPE airlock_frontend_backend_up gauge\n");
	for (i = 0; i < BE_COUNT; i++)
		buf_addf(sb, "airlock_frontend_backend_up{backend=\"%s\"} %d\n",
		    be_name((enum backend)i), v->up[i]);
	buf_add(sb, "# HELP airlock_frontend_refused_total Requests refused before routing.\n"
	    "# TYPE airlock_frontend_refused_total counter\n");
	buf_addf(sb, "airlock_frontend_refused_total{code=\"400\"} %llu\n"
	    "airlock_frontend_refused_total{code=\"413\"} %llu\n"
	    "airlock_frontend_refused_total{code=\"414\"} %llu\n"
	    "airlock_frontend_refused_total{code=\"431\"} %llu\n"
	    "airlock_frontend_refused_total{code=\"other\"} %llu\n",
	    (unsigned long long)st->rejected[0], (unsigned long long)st->rejected[1],
	    (unsigned long long)st->rejected[2], (unsigned long long)st->rejected[3],
	    (unsigned long long)st->rejected[4]);
	buf_addf(sb, "# HELP airlock_frontend_connections Open HTTP connections.\n"
	    "# TYPE airlock_frontend_connections gauge\nairlock_frontend_connections %zu\n"
	    "# HELP airlock_frontend_requests_in_flight Requests being answered.\n"
	    "# TYPE airlock_frontend_requests_in_flight gauge\n"
	    "airlock_frontend_requests_in_flight %llu\n", st->conns_open,
	    (unsigned long long)m->inflight);
	counter(sb, "airlock_frontend_connections_refused_total",
	    "Connections closed at once because of max_connections.", st->conns_refused);
	counter(sb, "airlock_frontend_connections_refused_per_addr_total",
	    "Connections closed at once because of max_conns_per_addr.", st->conns_refused_addr);
	counter(sb, "airlock_frontend_request_timeouts_total",
	    "Requests not complete within header_timeout_sec (408).", st->head_timeouts);
	counter(sb, "airlock_frontend_rate_limited_total",
	    "Sign-in and pairing requests refused by the per-address rate limit (429).",
	    m->rate_limited);
	counter(sb, "airlock_frontend_increments_total", "Counter increments acknowledged.",
	    m->increments);
	counter(sb, "airlock_frontend_logins_total", "Browser sign-ins completed.", m->logins);
	counter(sb, "airlock_frontend_login_errors_total", "Sign-ins that failed.", m->login_errors);
	counter(sb, "airlock_frontend_logouts_total", "Sign-outs.", m->logouts);
	counter(sb, "airlock_frontend_pairings_created_total", "CLI pairings registered.",
	    m->pair_created);
	counter(sb, "airlock_frontend_pairings_approved_total", "CLI pairings approved.",
	    m->pair_approved);
	counter(sb, "airlock_frontend_pairings_denied_total", "CLI pairings denied.", m->pair_denied);
	counter(sb, "airlock_frontend_pairings_taken_total", "CLI sessions handed out.",
	    m->pair_taken);
	counter(sb, "airlock_frontend_csrf_refused_total", "State-changing requests refused by "
	    "the CSRF checks.", m->csrf_refused);
}
