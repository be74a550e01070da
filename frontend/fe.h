/*
 * airlock-frontend: the counter app and CLI pairing over HTTP.  Holds no
 * secret: every session, login and pairing lives in store or authd, reached
 * over Unix sockets (proto/ipc.h); this process only relays and renders.
 *
 * A request goes one way; each file calls only the files listed after it:
 *
 *   http.c        libevhtp server: accepts, hooks, hands each whole request to
 *                 the handler main.c registered (route_dispatch)
 *   http_gate.c   bytes before evhtp: framing (frame.c), deadlines, 100-continue
 *   http_refuse.c refusals (400/408/413/414/431...) and lingering closes
 *   route.c       route table: path, method, listener, rate limit, {param},
 *                 session and CSRF checks from the route's flags, then the handler
 *   h_*.c         handlers, one file per group of routes: backend calls, then
 *                 an answer through reply.c, pages from page.c (h_pair.c uses
 *                 h_login.c's login_start_answered)
 *   backend.c     requests to store and authd (proto codec), pausing until every
 *                 answer is in; 503/504/502 through reply.c
 *   reply.c       every answer leaves here: counts it, sends it, frees the request
 *   page.c        HTML pages from plain values (no request)       \
 *   session.c     cookies, CSRF verdicts (answers nothing)        |
 *   metrics.c     counters, text format (calls nothing)           | leaves
 *   req.c         the request object: new, free, client, clock    |
 *   hreq.c        http.h's request API (hreq_*), server counters  /
 *   limit.c, frame.c, parse.c, assets.c: pure helpers and data
 *
 * A handler that needs a backend calls be_call() per message with the route's
 * own state (r->u) and names the next step with be_wait(); the next step
 * reads the answers' statuses and renders.  A function that may have answered
 * returns enum flow: FLOW_ANSWERED means the request is gone.
 */
#ifndef AIRLOCK_FE_H
#define AIRLOCK_FE_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "buf.h"
#include "clock.h"
#include "csrf.h"
#include "http.h"
#include "ipc.h"
#include "limit.h"
#include "msg.h"
#include "redirect.h"

#define FE_MAX_PROVIDERS	MAX_PROVIDERS_LISTED	/* providers shown on a page */
#define FE_MAX_CALLS		2	/* backend calls in flight per request */
#define FE_ORIGIN_MAX		300
#define FE_ADDR_MAX		46	/* INET6_ADDRSTRLEN */
#define FE_ANSWER_MAX		(256 * 1024)	/* bound of an answer body built in memory */
#define FE_PATH_ID_LEN		16	/* a sid or a ref named in a path */

_Static_assert(SID_LEN == FE_PATH_ID_LEN && REF_LEN == FE_PATH_ID_LEN, "path ids");

#define CT_HTML			"text/html; charset=utf-8"
#define CT_TEXT			"text/plain; charset=utf-8"
#define CT_JSON			"application/json"

struct airlock_conf;

struct fe_conf {
	char		 public_url[FE_ORIGIN_MAX];	/* scheme://host[:port], no slash */
	char		 origin[FE_ORIGIN_MAX];		/* as browsers send it in Origin */
	int		 https;
	const char	*listen;
	const char	*store_socket;
	const char	*authd_socket;
	int		 request_timeout_ms;
	int		 idle_timeout_sec;
	size_t		 max_conns;
	long long	 session_max_age;		/* cookie Max-Age, seconds */
	int		 header_timeout_sec;		/* whole request head + body */
	size_t		 max_conns_per_addr;
	unsigned	 rate_burst, rate_per_sec;	/* anonymous routes; 0: off */
	const char	*metrics_listen;		/* NULL: no metrics listener */
	struct cidr_list trusted_proxies;		/* X-Forwarded-For believed from these */
	struct rd_hosts	 redirect_hosts;		/* allowed_redirect_hosts (redirect.h) */
};

enum backend { BE_STORE, BE_AUTHD, BE_COUNT };

static inline const char *
be_name(enum backend be)
{
	return be == BE_STORE ? "store" : "authd";
}

/* How one backend call ended, for the metrics. */
enum be_outcome { BE_OK, BE_DOWN, BE_TIMEOUT, BE_MALFORMED, BE_OUTCOMES };

#define METRICS_ROUTES		32

struct metrics {
	uint64_t	by_code[6];			/* 1xx..5xx, index code / 100 */
	uint64_t	by_route[METRICS_ROUTES];
	uint64_t	backend[BE_COUNT][BE_OUTCOMES];
	uint64_t	latency_bucket[9];		/* see metrics.c */
	double		latency_sum;
	uint64_t	latency_count;
	uint64_t	increments, logins, logouts, login_errors;
	uint64_t	pair_created, pair_approved, pair_denied, pair_taken;
	uint64_t	csrf_refused, inflight;
	uint64_t	rate_limited;			/* 429 by the per-address buckets */
};

struct fe {
	struct fe_conf		 conf;
	struct event_base	*base;
	struct ipc_client	*be[BE_COUNT];
	struct http_server	*http;
	struct http_server	*metrics_http;		/* metrics_listen, or NULL */
	struct rate_table	*anon_rate;		/* anonymous routes, or NULL (off) */
	struct metrics		 m;
	const char		*cookie_session;	/* "session" or "__Host-session" */
	const char		*cookie_login;		/* pre-login binding cookie */
	const char		*const *headers;	/* security headers on every answer */
	/* what headers points to (assets.c) */
	char			 csp[512];
	const char		*header_list[24];
};

struct req;

/* What a function that may answer did: the request goes on, or it is gone. */
enum flow { FLOW_GO_ON, FLOW_ANSWERED };

/* What a route answers when something goes wrong. */
enum style { STYLE_PAGE, STYLE_TEXT };

/* ------------------------------------------------------------ routes */

/* Where a route is served, and whether it is rate-limited (route->flags). */
#define RF_ANON		0x01	/* anonymous and costly (a backend holds something, or a
				   provider is called): a token per client address group */
#define RF_METRICS	0x02	/* on the metrics listener only */
#define RF_BOTH		0x04	/* on both listeners */

/* What route.c checks before a method's handler runs (route_method.flags). */
#define MF_SESSION	0x01	/* a session cookie, else reply_no_session */
#define MF_CSRF		0x02	/* a form: with a session cookie, same origin and its
				   CSRF token; without one, same origin */
#define MF_CLI_COOKIE	0x04	/* the command-line session's cookie is taken too */

/* The {param} part of a path, checked and decoded by route.c. */
enum route_param {
	PARAM_NONE,
	PARAM_PROVIDER,		/* a provider name -> r->path_name */
	PARAM_ID,		/* 16 bytes of base64url (a sid, a ref) -> r->path_id */
};

struct route_method {
	void		(*fn)(struct req *);	/* NULL: method not allowed */
	unsigned	 flags;			/* MF_* */
};

struct route {
	const char		*prefix;	/* the whole path, or what comes before {param} */
	const char		*suffix;	/* after {param}; NULL: no parameter */
	const char		*name;		/* for logs and metrics */
	enum style		 style;
	unsigned		 flags;		/* RF_* */
	struct route_method	 get, post;	/* GET (and HEAD), POST */
	enum route_param	 param;
	int			 bad_status;	/* a param that does not check out: */
	const char		*bad_title, *bad_detail;
	size_t			 state;		/* bytes of r->u its handlers use (sizeof
						   their st_*), wiped by req_free; 0: all */
};

/* What /pair/{ref} answers for a pairing that is not (or no longer) there. */
#define PAIR_UNKNOWN_TITLE	"Sign-in request not found"
#define PAIR_UNKNOWN_DETAIL	"This command-line sign-in request is unknown, has expired, " \
				"or was already approved or denied. Start a new one with " \
				"airlock login."

/* The table (route.c), for the metrics' labels. */
extern const struct route fe_routes[];
extern const size_t fe_nroutes;

/* ------------------------------------------------ per-route state */

struct st_account {		/* GET /, GET /sessions */
	struct msg_store_page_r		 page;
	uint8_t				 st;
};

struct st_increment {		/* POST /increment */
	struct msg_store_increment_r	 inc;
	uint8_t				 st;
	int				 back;		/* the form without JavaScript */
};

struct st_login_page {		/* GET /login */
	struct msg_auth_providers_r	 providers;
	uint8_t				 st;
	int				 bye;		/* just signed out */
};

struct st_login_start {		/* GET /login/{provider} */
	struct msg_auth_login_start_r	 start;
	uint8_t				 st;
};

struct st_callback {		/* GET /auth_redirect[/{provider}] */
	struct msg_auth_login_finish_r	 fin;
	struct msg_store_session_create_r created;
	uint8_t				 fin_st, created_st, approve_st, auth_st;
	int				 unused_revoked;	/* the refused proof's grant */
};

struct st_sign_out {		/* POST /logout, POST /sessions/{sid}/revoke */
	struct msg_store_session_revoke_r revoked;
	uint8_t				 revoke_st, auth_st;
};

struct st_cli_login {		/* /cli_login */
	struct msg_store_pair_create_r	 created;
	uint8_t				 st;
};

struct st_token {		/* /token */
	struct msg_store_pair_take_r	 taken;
	uint8_t				 st;
};

struct st_pair {		/* GET and POST /pair/{ref} */
	struct msg_store_pair_info_r	 info;
	struct msg_store_pair_decide_r	 denied;
	union {				/* never both in one request: */
		struct msg_auth_providers_r	 providers;	/* the page */
		struct msg_auth_login_start_r	 start;		/* an approval */
	};
	uint8_t				 info_st, providers_st, start_st, deny_st;
	int				 has_code;	/* the user typed a code */
	char				 code[USER_CODE_LEN + 8];
	char				 provider[MAX_PROVIDER + 1];
};

struct st_secured {		/* GET /secured, GET /logout */
	struct msg_store_session_get_r	 sess;
	uint8_t				 st;
};

struct st_ping {		/* GET /healthz, GET /metrics */
	struct msg_store_ping_r		 store;
	struct msg_auth_ping_r		 auth;
	uint8_t				 store_st, auth_st;
};

struct call {
	struct req		*r;
	enum backend		 be;
	uint32_t		 id;
	uint16_t		 type;
	void			*ans;
	uint8_t			*status;
};

/* Per-request state. */
struct req {
	struct fe		*fe;
	struct hreq		*h;
	const struct route	*route;			/* NULL: no route matched */
	size_t			 route_i;		/* index in fe_routes (fe_nroutes: none) */
	char			 path_name[MAX_PROVIDER + 1];	/* PARAM_PROVIDER */
	uint8_t			 path_id[FE_PATH_ID_LEN];	/* PARAM_ID */
	enum style		 style;
	int			 handled;		/* its handler ran: r->u may hold data */
	int			 json;			/* Accept: application/json */
	char			 client[FE_ADDR_MAX];	/* req_client() */
	uint64_t		 start_ms;
	uint64_t		 deadline_ms;
	/* the session cookie, when it decodes */
	int			 has_token;
	uint8_t			 token[TOKEN_LEN];
	char			 csrf[CSRF_LEN + 1];	/* token for this session's forms */
	/* backend calls (backend.c) */
	struct call		 calls[FE_MAX_CALLS];
	int			 npending;
	int			 paused;
	int			 soft;			/* a failed call only sets its status */
	int			 fail;			/* HTTP status once a call failed */
	enum backend		 fail_be;
	void			(*next)(struct req *);
	/* the route's own state */
	union {
		struct st_account	 account;
		struct st_increment	 increment;
		struct st_login_page	 login_page;
		struct st_login_start	 login_start;
		struct st_callback	 callback;
		struct st_sign_out	 sign_out;
		struct st_cli_login	 cli_login;
		struct st_token		 token;
		struct st_pair		 pair;
		struct st_secured	 secured;
		struct st_ping		 ping;
	} u;
};

/* conf.c */
/* -1 with "file:line: reason" in err when a setting is unusable. */
int	fe_conf_load(struct fe_conf *, const struct airlock_conf *, char *err, size_t errlen);
int	fe_parse_public_url(const char *url, struct fe_conf *);

/* assets.c: the one CSS block and the one script, with their CSP hashes. */
extern const char fe_css[];
extern const char fe_js[];
/* Builds the security headers (CSP with the hashes); -1 on failure. */
int	assets_init(struct fe *);

/* route.c: the public listener, and the metrics listener (/metrics, /healthz) */
void	route_dispatch(struct hreq *, void *fe);
void	route_dispatch_metrics(struct hreq *, void *fe);

/* req.c: the request object */
/* A new request (route.c sets its route), or NULL out of memory. */
struct req *req_new(struct fe *, struct hreq *);
/* Cancels its backend calls, wipes and frees it. */
void	req_free(struct req *);
/* The client's address as text (computed once per request): the TCP peer, or
 * when the peer is a trusted proxy, the right-most X-Forwarded-For entry that
 * is not one (the peer if that header is absent or malformed). */
const char *req_client(struct req *);

/* backend.c: calls to store and authd */
/* Sends msg (a struct msg_<name> for request type; wiped once sent) to its
 * daemon; the answer's status goes to *status and, when ST_OK, its fields to
 * ans (a struct msg_<name>_r, or NULL for status-only answers).  A daemon that
 * is down, slow or answering nonsense fails the request (503/504/502), or,
 * with r->soft set, only sets *status to ST_INTERNAL or ST_TIMEOUT. */
void	be_call(struct req *, uint16_t type, void *msg, void *ans, uint8_t *status);
/* Runs next once every call is answered (pausing the request if needed), or
 * answers the failure. */
void	be_wait(struct req *, void (*next)(struct req *));
/* STORE_SESSION_GET and STORE_PAGE (list: enum page_list) for the request's session cookie. */
void	be_session_get(struct req *, struct msg_store_session_get_r *, uint8_t *status);
void	be_page(struct req *, uint8_t list, struct msg_store_page_r *, uint8_t *status);
/* AUTH_REVOKE of user_id's grant (the sealed box, opaque here, or a legacy
 * handle), passed on unchanged, as a soft call: returns 1 when one was sent,
 * 0 when there is none. */
int	be_revoke_grant(struct req *, const uint8_t *grant, size_t grant_len, const char *user_id,
	    uint8_t *status);

/* session.c: cookies, the session token, CSRF */
/* Reads the session cookie (cli: or the command-line one) into r->token /
 * r->has_token and, for pages (STYLE_PAGE), derives r->csrf; a connection
 * keeps the last one decoded (session.c).  session_csrf_check derives it too. */
void	session_read_cookie(struct req *, int cli);
enum csrf_verdict { CSRF_OK, CSRF_CROSS_SITE, CSRF_BAD_TOKEN };
/* Origin / Sec-Fetch-Site say same-origin when present, and form field csrf
 * matches this session's token. */
enum csrf_verdict session_csrf_check(struct req *, const char *body, size_t len);
/* 1 unless Origin / Sec-Fetch-Site (when sent) name another site: the rule above
 * without the token, for POSTs whose body is their own secret (the paircode). */
int	session_same_origin(struct req *);
void	session_set_cookie(struct req *, const uint8_t token[TOKEN_LEN]);
/* The command-line session's cookie: a name only /secured and POST /logout read. */
void	session_set_cli_cookie(struct req *, const uint8_t token[TOKEN_LEN]);
void	session_clear_cookie(struct req *);
void	session_set_login_cookie(struct req *, const uint8_t *binding, size_t len);
void	session_clear_login_cookie(struct req *);
/* The pre-login binding from its cookie (strict base64url, at most BINDING_MAX
 * bytes) into binding, its length in *len: 1 found, 0 absent or malformed. */
int	session_login_binding(struct req *, uint8_t binding[BINDING_MAX], size_t *len);
/* "Chrome on Linux": a short label for a new browser session. */
void	session_label(struct req *, char *dst, size_t n);

/* reply.c: every answer leaves through here (and frees the request) */
void	reply(struct req *, int status, const char *ctype, const char *body, size_t len);
/* The buffer's contents (freed), or a 500 when building it failed. */
void	reply_buf(struct req *, int status, const char *ctype, struct buf *);
void	reply_redirect(struct req *, const char *location);
void	reply_text(struct req *, int status, const char *text);
void	reply_json_error(struct req *, int status, const char *error, const char *description);
/* An error in the route's style: page, text or JSON. */
void	reply_error(struct req *, int status, const char *title, const char *detail);
/* Not signed in: 303 to /login for pages, 401 otherwise. */
void	reply_no_session(struct req *);
/* A backend answered a status the route did not expect. */
void	reply_backend_status(struct req *, uint8_t st);
/* A route's own answer to a backend status; tables end with http 0. */
struct status_answer {
	uint8_t		 st;
	int		 http;
	const char	*title, *detail;
};
/* FLOW_GO_ON when st is ST_OK; else t's answer for st, or reply_backend_status. */
enum flow reply_unless_ok(struct req *, uint8_t st, const struct status_answer *t);
/* FLOW_GO_ON when a session look-up's status is ST_OK; else the answer:
 * signed out (ST_NOTFOUND) or the backend's status. */
enum flow reply_unless_session(struct req *, uint8_t st);
/* FLOW_GO_ON when st is ST_OK; ST_NOTFOUND answers 404 title/detail, any
 * other status reply_backend_status. */
enum flow reply_unless_found(struct req *, uint8_t st, const char *title, const char *detail);

/* page.c: HTML pages */
struct pg {
	const char	*title;
	const char	*user_name;	/* signed-in user for the header, or NULL */
	int		 script;	/* include the increment script */
};
void	page_begin(struct buf *, const struct pg *);
void	page_end(struct buf *, const struct pg *);
void	page_error(struct buf *, const char *title, const char *detail, int signed_in);
void	page_counter(struct buf *, const struct msg_store_page_r *, const char *csrf);
void	page_login(struct buf *, const struct msg_auth_providers_r *, const char *notice);
void	page_logout_confirm(struct buf *, const char *user_name, const char *csrf);
/* user_name and csrf: signed in (Approve / Deny); else p: the providers to
 * approve with; need_code: the user types the code instead of seeing it. */
void	page_pair_approve(struct buf *, const char *user_name, const char *csrf,
	    const char *ref_b64, const struct msg_store_pair_info_r *,
	    const struct msg_auth_providers_r *p, int need_code, const char *browser_addr);
/* On to the provider's authorize URL (a page, not a redirect: form-action 'self'). */
void	page_pair_continue(struct buf *, const char *url);
void	page_pair_done(struct buf *, const char *user_name, int approved);
void	page_sessions(struct buf *, const char *csrf, const struct msg_store_page_r *);
/* [access] refused the account a login finished as (h_refused.c): a 403 page
 * naming it; for a pairing, also that the command line was told. */
void	page_refused(struct buf *, const struct msg_auth_login_finish_r *, int pairing);
void	fmt_time(char *dst, size_t n, uint64_t unix_sec);

/* metrics.c */
void	metrics_request_done(struct metrics *, size_t route_i, double secs, int status);
void	metrics_backend(struct metrics *, enum backend, enum be_outcome);
/* What metrics.c does not keep itself. */
struct metrics_view {
	const struct http_stats	*http;
	int			 up[BE_COUNT];		/* backend connections */
	const struct route	*routes;		/* labels of by_route */
	size_t			 nroutes;
};
void	metrics_render(const struct metrics *, const struct metrics_view *, struct buf *);

/* Handlers: h_counter.c, h_login.c, h_pair.c, h_sessions.c, h_status.c,
 * h_gate.c (forward auth), h_backchannel.c */
void	h_home(struct req *);
void	h_increment(struct req *);
void	h_login_page(struct req *);
void	h_login_provider(struct req *);
void	h_auth_redirect(struct req *);
void	h_logout_page(struct req *);
void	h_logout(struct req *);
void	h_cli_login(struct req *);
void	h_token(struct req *);
void	h_pair_page(struct req *);
void	h_pair_post(struct req *);
void	h_secured(struct req *);
void	h_sessions(struct req *);
void	h_session_revoke(struct req *);
void	h_healthz(struct req *);
void	h_metrics(struct req *);
void	h_gate_auth(struct req *);
void	h_backchannel(struct req *);
/* LOGIN_START's answer (h_login.c, also used by h_pair.c): FLOW_GO_ON with the
 * pre-login cookie set when it holds a usable authorize URL. */
enum flow login_start_answered(struct req *, uint8_t st, const struct msg_auth_login_start_r *);

#endif
