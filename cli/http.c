/* libcurl easy requests for the CLI. Every limit is enforced here, not by callers. */
#include "http.h"
#include "buf.h"
#include "cli.h"
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#define HTTP_CONNECT_TIMEOUT_S	10
#define HTTP_TOTAL_TIMEOUT_S	30
#define HTTP_MAX_HEADER_LINE	8192
#define HTTP_USER_AGENT		"airlock-cli/0.1"

/* "airlock-cli/0.1 (HOST)": the server shows it as the label of this CLI session. */
static char user_agent[128] = HTTP_USER_AGENT;

struct http_ctx {
	struct http_resp	*resp;
	struct buf		 body;	/* bounded by the request's max_body */
};

static void
make_user_agent(void)
{
	char	 host[64], clean[64];
	size_t	 i, o = 0;

	if (gethostname(host, sizeof(host)) == -1)
		return;
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] && o + 1 < sizeof(clean); i++)
		if (isalnum((unsigned char)host[i]) || host[i] == '.' || host[i] == '-')
			clean[o++] = host[i];
	clean[o] = '\0';
	if (o > 0)
		snprintf(user_agent, sizeof(user_agent), "%s (%s)", HTTP_USER_AGENT, clean);
}

int
http_global_init(void)
{
	make_user_agent();
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

void
http_resp_free(struct http_resp *r)
{
	mem_wipe_free(r->body, r->len);
	r->body = NULL;
	r->len = 0;
	sodium_memzero(r->cookie, sizeof(r->cookie));
}

/* The frontend's command-line session cookie: "__Host-cli_session" over https,
 * "cli_session" otherwise; older servers named it like the web one ("session"). */
static int
session_name(const char *name, size_t len)
{
	return (len == 7 && memcmp(name, "session", 7) == 0) ||
	    (len == 14 && memcmp(name, "__Host-session", 14) == 0) ||
	    (len == 11 && memcmp(name, "cli_session", 11) == 0) ||
	    (len == 18 && memcmp(name, "__Host-cli_session", 18) == 0);
}

int
http_parse_set_cookie(const char *line, size_t len, char *dst, size_t n)
{
	static const char hdr[] = "set-cookie:";
	size_t	 i, name_start, name_len, val_start, val_len;

	if (len < sizeof(hdr) - 1 || strncasecmp(line, hdr, sizeof(hdr) - 1) != 0)
		return -1;
	i = sizeof(hdr) - 1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	name_start = i;
	while (i < len && http_token_char((unsigned char)line[i]))
		i++;
	name_len = i - name_start;
	if (name_len == 0 || i >= len || line[i] != '=' ||
	    !session_name(line + name_start, name_len))
		return -1;
	val_start = ++i;
	while (i < len && cookie_octet((unsigned char)line[i]))
		i++;
	val_len = i - val_start;
	/* The value ends at ';' or the end of the line, nothing else. */
	if (i < len && line[i] != ';' && line[i] != '\r' && line[i] != '\n')
		return -1;
	if (val_len == 0 || name_len + 1 + val_len >= n)
		return -1;
	memcpy(dst, line + name_start, name_len + 1 + val_len);
	dst[name_len + 1 + val_len] = '\0';
	return 0;
}

int
http_cookie_pair_ok(const char *pair)
{
	char	 line[CLI_MAX_COOKIE + 16], back[CLI_MAX_COOKIE];
	int	 len, ok;

	len = snprintf(line, sizeof(line), "Set-Cookie: %s", pair);
	ok = len > 0 && (size_t)len < sizeof(line) &&
	    http_parse_set_cookie(line, (size_t)len, back, sizeof(back)) == 0 &&
	    strcmp(back, pair) == 0;
	sodium_memzero(line, sizeof(line));
	sodium_memzero(back, sizeof(back));
	return ok;
}

static void
copy_location(struct http_resp *r, const char *line, size_t len)
{
	size_t	 i = 9, end = len;	/* strlen("location:") */

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
		end--;
	cli_sanitize(r->location, sizeof(r->location), line + i, end - i);
}

static size_t
on_header(char *data, size_t size, size_t nitems, void *arg)
{
	struct http_ctx	*c = arg;
	struct http_resp *r = c->resp;
	size_t		 n = size * nitems;
	char		 cookie[sizeof(r->cookie)];

	if (n > HTTP_MAX_HEADER_LINE)
		return 0;
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue): forget the previous headers. */
		r->location[0] = '\0';
		sodium_memzero(r->cookie, sizeof(r->cookie));
	} else if (n >= 9 && strncasecmp(data, "location:", 9) == 0) {
		copy_location(r, data, n);
	} else if (http_parse_set_cookie(data, n, cookie, sizeof(cookie)) == 0) {
		memcpy(r->cookie, cookie, sizeof(r->cookie));
		sodium_memzero(cookie, sizeof(cookie));
	}
	return n;
}

static struct curl_slist *
make_headers(const struct http_req *q)
{
	struct curl_slist *h = NULL, *t;
	char	 line[CLI_MAX_COOKIE + CLI_MAX_URL + 32];
	int	 ok = 1;

#define ADD(...) do {							\
	snprintf(line, sizeof(line), __VA_ARGS__);			\
	if (ok && (t = curl_slist_append(h, line)) != NULL) h = t;	\
	else ok = 0;							\
} while (0)
	if (q->accept)
		ADD("Accept: %s", q->accept);
	if (q->cookie)
		ADD("Cookie: %s", q->cookie);
	if (q->bearer)
		ADD("Authorization: Bearer %s", q->bearer);
	if (q->form)
		ADD("Content-Type: application/x-www-form-urlencoded");
	ADD("Expect:");
#undef ADD
	sodium_memzero(line, sizeof(line));
	if (!ok) {
		curl_slist_free_all(h);
		return NULL;
	}
	return h;
}

static void
set_options(CURL *e, const struct http_req *q, struct http_ctx *c, struct curl_slist *h)
{
	const char *ca = getenv("AIRLOCK_CA_FILE");

	curl_easy_setopt(e, CURLOPT_URL, q->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* A proxy would read a plain http request, token and all. */
	if (q->bearer && strncmp(q->url, "http://", 7) == 0)
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)HTTP_TOTAL_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca && ca[0])
		curl_easy_setopt(e, CURLOPT_CAINFO, ca);
	curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	/* CURLOPT_MAXFILESIZE misses bodies without Content-Length: c->body's
	 * bound catches them. */
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, buf_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &c->body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->max_body);
	if (strcmp(q->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, q->form ? (long)strlen(q->form) : 0L);
		/* COPYPOSTFIELDS: curl keeps its own copy (POSTFIELDS would not). */
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, q->form ? q->form : "");
	} else
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
}

int
http_do(const struct http_req *q, struct http_resp *r)
{
	struct http_ctx	 c = { .resp = r };
	struct curl_slist *h;
	CURL		*e;
	CURLcode	 rc;

	memset(r, 0, sizeof(*r));
	buf_init(&c.body, q->max_body);
	if ((h = make_headers(q)) == NULL || (e = curl_easy_init()) == NULL) {
		curl_slist_free_all(h);
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	set_options(e, q, &c, h);
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	if (rc != CURLE_OK || r->status < 100 || r->status > 599) {
		if (c.body.err == BUF_ETOOBIG || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(r->err, sizeof(r->err), "answer larger than %zu bytes", q->max_body);
		else if (rc != CURLE_OK)
			snprintf(r->err, sizeof(r->err), "%s", curl_easy_strerror(rc));
		else
			snprintf(r->err, sizeof(r->err), "malformed HTTP answer");
		r->status = 0;
		buf_free(&c.body);
		http_resp_free(r);
		return -1;
	}
	r->len = c.body.len;
	if ((r->body = buf_take(&c.body)) == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		r->status = 0;
		r->len = 0;
		return -1;
	}
	return 0;
}
