/*
 * airlock-frontend: the counter app and CLI pairing over HTTP.  Holds no
 * secret: every session, login and pairing lives in store or authd, reached
 * over Unix sockets (proto/ipc.h); this process only relays and renders.
 *
 * Request life: http.c calls route_dispatch() (route.c), which checks the
 * exact path and method and calls the route's handler (h_*.c) with a fresh
 * struct req.  A handler that needs a backend sends its messages with the
 * stubs of backend.c and names the next step; the request is paused until
 * every answer is in (or one fails: 503 when a daemon is down, 504 past the
 * request's deadline), then the step renders with reply.c and page.c.
 */
#ifndef AIRLOCK_FE_H
#define AIRLOCK_FE_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "buf.h"
#include "csrf.h"
#include "http.h"
#include "ipc.h"
#include "limit.h"
#include "msg.h"

#define FE_MAX_PROVIDERS	16
#define FE_MAX_CALLS		2	/* backend calls in flight per request */
#define FE_ORIGIN_MAX		300
#define FE_ADDR_MAX		46	/* INET6_ADDRSTRLEN */

#define CT_HTML			"text/html; charset=utf-8"
#define CT_TEXT			"text/plain; charset=utf-8"
#define CT_JSON			"application/json"

struct conf;

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
};

enum backend { BE_STORE, BE_AUTHD, BE_COUNT };

struct metrics {
	uint64_t	by_code[6];			/* 1xx..5xx, index code / 100 */
	uint64_t	by_route[32];
	uint64_t	backend[BE_COUNT][4];		/* ok, down, timeout, malformed */
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
};

/* What a route answers when something goes wrong. */
enum style { STYLE_PAGE, STYLE_TEXT };

struct route;

/* Answer fields of the messages the frontend sends (backend.c parses them). */
struct a_session {
	char		user_id[MAX_USERID + 1];
	char		name[MAX_NAME + 1];
	uint64_t	counter;
	uint8_t		kind;
	uint8_t		sid[SID_LEN];
};

struct a_listed {
	uint8_t		sid[SID_LEN];
	uint8_t		kind;
	char		label[MAX_LABEL + 1];
	uint64_t	created, last_seen, expires;
	uint8_t		current;
};

struct a_list {
	uint32_t	n;
	struct a_listed	s[MAX_SESSIONS_LISTED];
};

struct a_created {
	uint8_t		token[TOKEN_LEN];
	char		user_id[MAX_USERID + 1];
	char		name[MAX_NAME + 1];
	uint8_t		purpose;
	uint8_t		ref[REF_LEN];
	size_t		ref_len;
};

struct a_provider {
	char		name[MAX_PROVIDER + 1];
	char		display[MAX_NAME + 1];
	uint8_t		ready;
};

struct a_providers {
	uint32_t		n;
	struct a_provider	p[FE_MAX_PROVIDERS];
};

struct a_login_start {
	char		url[MAX_URL + 1];
	uint8_t		binding[BINDING_MAX];	/* authd's sealed login: the pre-login cookie */
	size_t		binding_len;
};

/* What came back to /auth_redirect[/{provider}], for authd. */
struct login_callback {
	const char	*state, *code;
	const char	*provider;	/* from the path; "" for /auth_redirect */
	const char	*iss;		/* "" when absent */
	const char	*client;	/* req_client() */
	const uint8_t	*binding;	/* NULL: no pre-login cookie */
	size_t		 binding_len;
};

struct a_login_finish {
	uint8_t		proof[MAX_PROOF];
	size_t		proof_len;
	char		user_id[MAX_USERID + 1];
	char		name[MAX_NAME + 1];
};

struct a_pair_created {
	uint8_t		ref[REF_LEN];
	char		user_code[USER_CODE_LEN + 1];
	uint32_t	expires_in, interval;
};

struct a_pair_info {
	char		user_code[USER_CODE_LEN + 1];
	uint32_t	expires_in;
	char		label[MAX_LABEL + 1];	/* what the requester claims to be */
	char		client[MAX_CLIENT + 1];	/* the requester's address */
	uint64_t	created;
};

struct a_pair_taken {
	uint8_t		token[TOKEN_LEN];
	char		user_id[MAX_USERID + 1];
};

struct a_grant {
	uint8_t		grant[GRANT_LEN];
	size_t		len;
};

struct a_store_ping {
	uint64_t	users, sessions;
	uint32_t	pending;
};

struct call {
	struct req		*r;
	enum backend		 be;
	uint32_t		 id;
	void			(*parse)(struct mreader *, void *);
	void			*out;
	uint8_t			*status;
};

/* Per-request state; u holds what the route's steps pass on. */
struct req {
	struct fe		*fe;
	struct hreq		*h;
	const struct route	*route;
	const char		*param;			/* {name} part of the path */
	size_t			 param_len;
	enum style		 style;
	int			 json;			/* Accept: application/json */
	char			 client[FE_ADDR_MAX];	/* req_client() */
	uint64_t		 start_ms;
	uint64_t		 deadline_ms;
	/* the session cookie, when it decodes */
	int			 has_token;
	uint8_t			 token[TOKEN_LEN];
	char			 csrf[CSRF_LEN + 1];	/* token for this session's forms */
	/* backend calls */
	struct call		 calls[FE_MAX_CALLS];
	int			 npending;
	int			 paused;
	int			 soft;			/* a failed call only sets its status */
	int			 flag;			/* a route's own yes/no (e.g. "back") */
	uint8_t			 target[SID_LEN];	/* session named in the path */
	int			 fail;			/* HTTP status once a call failed */
	enum backend		 fail_be;
	void			(*next)(struct req *);
	/* answers */
	uint8_t			 st[FE_MAX_CALLS];
	struct a_session	 sess;
	union {
		struct a_list		 list;
		struct a_providers	 providers;
		struct a_login_start	 start;
		struct {
			struct a_login_finish	 fin;
			struct a_created	 created;
		}			 login;
		struct a_pair_created	 pc;
		struct {
			struct a_pair_info	 info;
			struct a_providers	 providers;
			uint8_t			 ref[REF_LEN];
			int			 has_code;	/* the user typed a code */
			char			 code[USER_CODE_LEN + 8];
			char			 provider[MAX_PROVIDER + 1];
		}			 pair;
		struct a_pair_taken	 taken;
		struct a_grant		 grant;
		struct {
			struct a_store_ping	 store;
			uint32_t		 providers_ready;
		}			 ping;
		uint64_t		 counter;
	} u;
};

/* conf.c */
void	fe_conf_load(struct fe_conf *, const struct conf *);
int	fe_parse_public_url(const char *url, struct fe_conf *);

/* assets.c: the one CSS block and the one script, with their CSP hashes. */
extern const char fe_css[];
extern const char fe_js[];
/* Builds the security headers (CSP with the hashes); -1 on failure. */
int	assets_init(struct fe *);

/* route.c: the public listener, and the metrics listener (/metrics, /healthz) */
void	route_dispatch(struct hreq *, void *fe);
void	route_dispatch_metrics(struct hreq *, void *fe);
const char *route_name(size_t i);
size_t	route_count(void);
size_t	route_index(const struct route *);

/* req.c: life of a request, backend calls, deadlines */
struct req *req_new(struct fe *, struct hreq *, const struct route *);
void	req_free(struct req *);
uint64_t now_ms(void);
/* The client's address as text (computed once per request): the TCP peer, or
 * when the peer is a trusted proxy, the right-most X-Forwarded-For entry that
 * is not one (the peer if that header is absent or malformed). */
const char *req_client(struct req *);
/* Sends m to a backend; parse reads the ST_OK fields into out, the answer's
 * status goes to *status.  A daemon that is down marks the request failed. */
void	req_call(struct req *, enum backend, struct mbuf *, void (*parse)(struct mreader *, void *),
	    void *out, uint8_t *status);
/* Continues with next once every call is answered (pausing the request if
 * needed), or answers the failure (503/504/502) if one failed. */
void	req_wait(struct req *, void (*next)(struct req *));

/* backend.c: one stub per message (build it, name its answer's parser). */
void	be_session_get(struct req *, struct a_session *, uint8_t *st);
void	be_increment(struct req *, uint64_t *counter, uint8_t *st);
void	be_session_create(struct req *, const struct a_login_finish *, const char *label,
	    struct a_created *, uint8_t *st);
void	be_session_list(struct req *, struct a_list *, uint8_t *st);
void	be_session_revoke(struct req *, const uint8_t sid[SID_LEN], struct a_grant *, uint8_t *st);
void	be_pair_create(struct req *, const char *paircode, const char *label, const char *client,
	    struct a_pair_created *, uint8_t *st);
void	be_pair_info(struct req *, const uint8_t ref[REF_LEN], struct a_pair_info *, uint8_t *st);
void	be_pair_deny(struct req *, const uint8_t ref[REF_LEN], uint8_t *st);
/* Approves the pairing named in a PURPOSE_CLI login proof. */
void	be_pair_approve(struct req *, const struct a_login_finish *, uint8_t *st);
void	be_pair_take(struct req *, const char *paircode, struct a_pair_taken *, uint8_t *st);
void	be_store_ping(struct req *, struct a_store_ping *, uint8_t *st);
void	be_auth_ping(struct req *, uint32_t *ready, uint8_t *st);
void	be_auth_providers(struct req *, struct a_providers *, uint8_t *st);
void	be_login_start(struct req *, const char *provider, int purpose, const uint8_t *ref,
	    struct a_login_start *, uint8_t *st);
void	be_login_finish(struct req *, const struct login_callback *, struct a_login_finish *,
	    uint8_t *st);
void	be_auth_revoke(struct req *, const uint8_t grant[GRANT_LEN], uint8_t *st);
const char *be_name(enum backend);
/* The parser each stub names, by request type (tests and fuzzers decode answers with it). */
struct be_parser {
	uint16_t	 type;
	void		(*parse)(struct mreader *, void *out);	/* NULL: status only */
	size_t		 out_size;
};
extern const struct be_parser be_parsers[];
extern const size_t be_nparsers;

/* session.c: cookies, the session token, CSRF */
/* Reads the session cookie into r->token / r->has_token and derives r->csrf. */
void	session_read_cookie(struct req *);
/* 0 when a state-changing request may proceed: Origin / Sec-Fetch-Site are
 * same-origin when present, and form field csrf matches this session's token. */
int	session_csrf_ok(struct req *, const char *body, size_t len);
int	session_form_ok(struct req *, const char **body, size_t *len);
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

/* reply.c: every answer leaves through here */
void	reply(struct req *, int status, const char *ctype, const char *body, size_t len);
void	reply_sb(struct req *, int status, const char *ctype, struct sbuf *);
void	reply_redirect(struct req *, const char *location);
void	reply_text(struct req *, int status, const char *text);
void	reply_json_error(struct req *, int status, const char *error, const char *description);
/* An error in the route's style: page, text or JSON. */
void	reply_error(struct req *, int status, const char *title, const char *detail);
/* Not signed in: 303 to /login for pages, 401 otherwise. */
void	reply_no_session(struct req *);
/* A backend answered a status the route did not expect. */
void	reply_backend_status(struct req *, uint8_t st);
int	reply_session_failed(struct req *, uint8_t st);

/* page.c: HTML pages */
struct pg {
	const char	*title;
	const char	*user_name;	/* signed-in user for the header, or NULL */
	int		 script;	/* include the increment script */
};
void	page_begin(struct sbuf *, const struct pg *);
void	page_end(struct sbuf *, const struct pg *);
void	page_error(struct sbuf *, const char *title, const char *detail, int signed_in);
void	page_counter(struct sbuf *, const struct req *, const struct a_list *);
void	page_login(struct sbuf *, const struct a_providers *, const char *notice);
void	page_logout_confirm(struct sbuf *, const struct req *);
/* p: the providers to approve with when not signed in, NULL when signed in;
 * need_code: the user types the code instead of seeing it. */
void	page_pair_approve(struct sbuf *, const struct req *, const char *ref_b64,
	    const struct a_pair_info *, const struct a_providers *p, int need_code,
	    const char *browser_addr);
/* On to the provider's authorize URL (a page, not a redirect: form-action 'self'). */
void	page_pair_continue(struct sbuf *, const char *url);
void	page_pair_done(struct sbuf *, const char *user_name, int approved);
void	page_sessions(struct sbuf *, const struct req *, const struct a_list *);
void	fmt_time(char *dst, size_t n, uint64_t unix_sec);

/* metrics.c */
void	metrics_request_done(struct fe *, const struct req *, int status);
void	metrics_backend(struct fe *, enum backend, int outcome);
void	metrics_render(struct fe *, struct sbuf *);

/* Handlers: h_counter.c, h_login.c, h_pair.c, h_sessions.c, h_status.c */
void	h_home(struct req *);
void	h_increment(struct req *);
void	h_login(struct req *);
void	h_login_provider(struct req *);
/* LOGIN_START answered: 1 with the pre-login cookie set, else 0 and the error answered. */
int	login_start_ok(struct req *);
void	h_auth_redirect(struct req *);
void	h_logout_page(struct req *);
void	h_logout(struct req *);
void	h_cli_login(struct req *);
void	h_token(struct req *);
void	h_pair_page(struct req *);
void	h_pair_decide(struct req *);
/* /auth_redirect of a PURPOSE_CLI login: its proof approves the pairing. */
void	pair_login_finished(struct req *);
void	h_secured(struct req *);
void	h_sessions(struct req *);
void	h_session_revoke(struct req *);
void	h_healthz(struct req *);
void	h_metrics(struct req *);

#endif
