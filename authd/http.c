#include "http.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event_struct.h>
#include <sodium.h>

#include "buf.h"
#include "log.h"

struct http_sock {
	struct event		 ev;
	curl_socket_t		 fd;
	struct http		*h;
	LIST_ENTRY(http_sock)	 entry;
};

struct http_req {
	struct http		*h;
	CURL			*easy;
	struct curl_slist	*hdrs;
	struct buf		 body;	/* body.p NULL: no request body */
	struct buf		 resp;
	http_cb			 cb;
	void			*arg;
	char			 errbuf[CURL_ERROR_SIZE];
	TAILQ_ENTRY(http_req)	 entry;
};

struct http {
	struct event_base	*base;
	CURLM			*multi;
	CURLSH			*share;		/* TLS sessions and DNS answers */
	struct event		*timer;
	struct event		*drain;		/* answers curl finished outside an event */
	struct http_conf	 conf;
	char			*ca_file;
	size_t			 inflight;
	size_t			 opened;	/* connections opened */
	int			 closing;
	TAILQ_HEAD(, http_req)	 reqs;
	LIST_HEAD(, http_sock)	 socks;
};

static void	http_check_done(struct http *);

#define HTTP_MAX_CONNS		64
#define HTTP_KEEPIDLE_SEC	30L	/* TCP keep-alive probes on idle connections */

int
http_url_allowed(const char *url, int insecure_loopback, const char **why)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL, *user = NULL, *frag = NULL;
	const char	*p;
	int		 rc = -1;

	*why = "malformed URL";
	if (url == NULL || *url == '\0' || strlen(url) > 4096)
		return -1;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		*why = "URL with user name";
		goto done;
	}
	if (curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		*why = "URL with fragment";
		goto done;
	}
	if (strcasecmp(scheme, "https") == 0 && *host != '\0')
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0 && strcmp(host, "127.0.0.1") == 0 &&
	    insecure_loopback)
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0)
		*why = "plain http (only to 127.0.0.1 with allow_insecure_loopback = yes)";
	else
		*why = "not https";
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(frag);
	curl_url_cleanup(u);
	return rc;
}

/* libevent -> curl: a watched socket is ready. */
static void
http_sock_ready(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;
	int		 action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, action, &running);
	/* No timer clean-up here: done callbacks may have added handles, and
	 * curl's timer callback already said what it wants. */
	http_check_done(h);
}

static void
http_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;
	int		 running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done(h);
}

static void
http_drain(evutil_socket_t fd, short what, void *arg)
{
	http_check_done(arg);
}

/* curl -> libevent: watch this socket for these events (or stop). */
static int
http_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http		*h = userp;
	struct http_sock	*s = socketp;
	short			 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_del(&s->ev);
			LIST_REMOVE(s, entry);
			free(s);
			curl_multi_assign(h->multi, fd, NULL);
		}
		return 0;
	}
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			log_warn("http: socket watch");
			return -1;
		}
		s->fd = fd;
		s->h = h;
		LIST_INSERT_HEAD(&h->socks, s, entry);
		curl_multi_assign(h->multi, fd, s);
	} else
		event_del(&s->ev);
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	event_assign(&s->ev, h->base, fd, kind, http_sock_ready, h);
	event_add(&s->ev, NULL);
	return 0;
}

static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http	*h = userp;
	struct timeval	 tv;

	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	return 0;
}

struct http *
http_new(struct event_base *base, const struct http_conf *conf)
{
	struct http *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->base = base;
	h->conf = *conf;
	if (h->conf.max_body == 0)
		h->conf.max_body = HTTP_MAX_BODY;
	TAILQ_INIT(&h->reqs);
	LIST_INIT(&h->socks);
	if (h->conf.max_conns <= 0)
		h->conf.max_conns = HTTP_MAX_CONNS;
	if ((conf->ca_file != NULL && (h->ca_file = strdup(conf->ca_file)) == NULL) ||
	    (h->timer = evtimer_new(base, http_timer_fired, h)) == NULL ||
	    (h->drain = event_new(base, -1, 0, http_drain, h)) == NULL ||
	    (h->multi = curl_multi_init()) == NULL || (h->share = curl_share_init()) == NULL ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
		http_free(h);
		return NULL;
	}
	h->conf.ca_file = h->ca_file;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, h->conf.max_conns);
	return h;
}

static void
http_req_free(struct http_req *r)
{
	struct curl_slist *l;

	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	for (l = r->hdrs; l != NULL; l = l->next)
		sodium_memzero(l->data, strlen(l->data));
	curl_slist_free_all(r->hdrs);
	buf_free(&r->body);
	buf_free(&r->resp);
	free(r);
}

/* Complete one request: take it out of curl, tell the caller, free it. */
static void
http_req_done(struct http_req *r, CURLcode code)
{
	struct http		*h = r->h;
	struct http_resp	 resp;
	char			*ct = NULL, ctype[128] = "";

	memset(&resp, 0, sizeof(resp));
	curl_multi_remove_handle(h->multi, r->easy);
	TAILQ_REMOVE(&h->reqs, r, entry);
	h->inflight--;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp.status);
	if (curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
		snprintf(ctype, sizeof(ctype), "%s", ct);
	resp.ctype = ctype;
	resp.body = r->resp.p != NULL ? (const uint8_t *)r->resp.p : (const uint8_t *)"";
	resp.len = r->resp.len;
	if (code == CURLE_OK)
		resp.result = HTTP_OK;
	else if (r->resp.err == BUF_ETOOBIG)
		resp.result = HTTP_ETOOBIG;
	else if (code == CURLE_OPERATION_TIMEDOUT)
		resp.result = HTTP_ETIMEOUT;
	else if (code == CURLE_ABORTED_BY_CALLBACK)
		resp.result = HTTP_EABORT;
	else
		resp.result = HTTP_ENET;
	resp.error = code == CURLE_OK ? "" : (r->errbuf[0] != '\0' ? r->errbuf :
	    curl_easy_strerror(code));
	r->cb(r->arg, &resp);
	http_req_free(r);
}

static void
http_check_done(struct http *h)
{
	struct http_req	*done[64], *r;
	CURLcode	 codes[64];
	CURLMsg		*msg;
	int		 left;
	size_t		 n, i;

	/* Collect first: the callbacks may start new requests, and those may
	 * finish at once (read on the next round). */
	do {
		n = 0;
		while (n < 64 && (msg = curl_multi_info_read(h->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			done[n] = r;
			codes[n++] = msg->data.result;
		}
		for (i = 0; i < n; i++)
			http_req_done(done[i], codes[i]);
	} while (n > 0);
}

static int
http_header(struct http_req *r, const char *name, const char *value)
{
	struct curl_slist	*l = NULL;
	struct buf		 line;
	const char		*s;

	if (value == NULL)
		return 0;
	if (strpbrk(value, "\r\n") != NULL)	/* no header injection, whatever the source */
		return -1;
	buf_init(&line, strlen(name) + 2 + strlen(value));
	buf_addf(&line, "%s: %s", name, value);
	if ((s = buf_str(&line)) != NULL)
		l = curl_slist_append(r->hdrs, s);
	buf_free(&line);
	if (l == NULL)
		return -1;
	r->hdrs = l;
	return 0;
}

/* A new connection's socket (reused connections do not come here). */
static int
http_sockopt(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct http_req	*r = arg;
	char		*url = NULL, origin[128];
	size_t		 n = 0;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKOPT_OK;
	r->h->opened++;
	if (curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != NULL &&
	    strstr(url, "://") != NULL)
		n = (size_t)(strstr(url, "://") - url) + 3 + strcspn(strstr(url, "://") + 3, "/?#");
	snprintf(origin, sizeof(origin), "%.*s", (int)(n < 120 ? n : 120), url != NULL ? url : "");
	log_debug("http: connection %zu opened, to %s", r->h->opened, origin);
	return CURL_SOCKOPT_OK;
}

static int
http_setup(struct http_req *r, const struct http_request *q, int plain)
{
	struct http	*h = r->h;
	CURL		*e = r->easy;
	const char	*method = q->method != NULL ? q->method : "GET";
	int		 rc = 0;

	if (http_header(r, "Authorization", q->authorization) == -1 ||
	    http_header(r, "Accept", q->accept) == -1 ||
	    http_header(r, "Content-Type", q->content_type) == -1 ||
	    http_header(r, "Expect", "") == -1)
		return -1;
	rc |= curl_easy_setopt(e, CURLOPT_URL, q->url);
	rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https");
	rc |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->conf.connect_timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->conf.timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->conf.ca_file != NULL)
		rc |= curl_easy_setopt(e, CURLOPT_CAINFO, h->conf.ca_file);
	rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	rc |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, buf_write_cb);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->resp);
	rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
	rc |= curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	rc |= curl_easy_setopt(e, CURLOPT_SHARE, h->share);
	rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, HTTP_KEEPIDLE_SEC);
	rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, HTTP_KEEPIDLE_SEC);
	rc |= curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, http_sockopt);
	rc |= curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, r);
	if (r->body.p != NULL) {
		rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body.len);
		rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body.p);
	}
	if (strcmp(method, "GET") == 0) {
		if (r->body.p != NULL)
			return -1;
	} else if (strcmp(method, "POST") == 0) {
		if (r->body.p == NULL)
			rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
	} else if (strcmp(method, "HEAD") == 0) {
		if (r->body.p != NULL)
			return -1;
		rc |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else
		rc |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	return rc == 0 ? 0 : -1;
}

/* Let curl start the new request now rather than on its timer: on an open
 * connection the request is sent before this returns.  Whatever finishes is
 * answered from the loop (drain), never from inside http_start. */
static void
http_kick(struct http *h)
{
	int running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	event_active(h->drain, EV_TIMEOUT, 0);
}

int
http_start(struct http *h, const struct http_request *q, http_cb cb, void *arg)
{
	struct http_req	*r;
	const char	*why;
	int		 plain;

	if (h->closing)
		return -1;
	if (http_url_allowed(q->url, h->conf.insecure_loopback, &why) == -1) {
		log_warnx("http: refusing URL (%s)", why);
		return -1;
	}
	plain = strncasecmp(q->url, "http:", 5) == 0;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->h = h;
	r->cb = cb;
	r->arg = arg;
	buf_init(&r->body, q->body_len);
	buf_init(&r->resp, h->conf.max_body);
	if (q->body != NULL) {
		buf_addn(&r->body, q->body, q->body_len);
		if (buf_str(&r->body) == NULL)
			goto fail;
	}
	if ((r->easy = curl_easy_init()) == NULL || http_setup(r, q, plain) == -1)
		goto fail;
	if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK)
		goto fail;
	TAILQ_INSERT_TAIL(&h->reqs, r, entry);
	h->inflight++;
	http_kick(h);
	return 0;
fail:
	log_warnx("http: cannot start request");
	http_req_free(r);
	return -1;
}

size_t
http_inflight(const struct http *h)
{
	return h->inflight;
}

size_t
http_connections(const struct http *h)
{
	return h->opened;
}

static int
url_origin(const char *url, char **scheme, char **host, char **port)
{
	CURLU	*u;
	int	 rc = -1;

	*scheme = *host = *port = NULL;
	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		rc = 0;
	curl_url_cleanup(u);
	return rc;
}

int
http_same_origin(const char *a, const char *b)
{
	char	*s[2], *h[2], *p[2];
	int	 same, ra, rb, i;

	if (a == NULL || b == NULL)
		return 0;
	/* Both parsed either way: a failed parse may have set some parts. */
	ra = url_origin(a, &s[0], &h[0], &p[0]);
	rb = url_origin(b, &s[1], &h[1], &p[1]);
	same = ra == 0 && rb == 0 && strcasecmp(s[0], s[1]) == 0 &&
	    strcasecmp(h[0], h[1]) == 0 && strcmp(p[0], p[1]) == 0;
	for (i = 0; i < 2; i++) {
		curl_free(s[i]);
		curl_free(h[i]);
		curl_free(p[i]);
	}
	return same;
}

void
http_shutdown(struct http *h)
{
	struct http_req *r;

	h->closing = 1;
	while ((r = TAILQ_FIRST(&h->reqs)) != NULL)
		http_req_done(r, CURLE_ABORTED_BY_CALLBACK);
}

void
http_free(struct http *h)
{
	struct http_sock	*s;

	if (h == NULL)
		return;
	http_shutdown(h);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	if (h->share != NULL)
		curl_share_cleanup(h->share);
	while ((s = LIST_FIRST(&h->socks)) != NULL) {
		event_del(&s->ev);
		LIST_REMOVE(s, entry);
		free(s);
	}
	if (h->timer != NULL)
		event_free(h->timer);
	if (h->drain != NULL)
		event_free(h->drain);
	free(h->ca_file);
	free(h);
}
