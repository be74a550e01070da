/*
 * authc: a small blocking client of airlock-authd for test scripts.
 *
 *	authc [-t MS] [-x CAPTURE] [-p PUBKEY] SOCKET COMMAND [ARGS]
 *
 * Output is "key=value" lines; the first is always "status=WORD" (ok invalid
 * notfound expired denied pending slow_down busy full unsupported
 * provider_error timeout internal).  Exit: 0 status ok, 1 another status,
 * 3 connection failed / closed / timed out, 2 usage.
 * -x CAPTURE appends every byte authd sends to the file (secret-leak tests).
 * -p PUBKEY (base64url) verifies login proofs; without it they are decoded only.
 *
 * Commands:
 *	ping				status, ready=N
 *	providers			status, then "provider=NAME<TAB>DISPLAY<TAB>READY" lines
 *	start PROVIDER [web | cli REFHEX]	status, url=, state=, binding=CALLBACK:SEALED
 *					(the provider named by the URL's redirect_uri path, "" for
 *					/auth_redirect, and the sealed login in base64url: what a
 *					browser brings back as callback path and pre-login cookie)
 *	finish STATE CODE BINDING	BINDING as start prints it, or "-" for none;
 *					status, user_id=, name=, purpose=, grant= (hex), ref=, proof_len=
 *	revoke GRANTHEX [USER_ID]	status (GRANTHEX: a sealed grant as finish prints it,
 *					or a legacy 16-byte handle; USER_ID: the user it names)
 *	many N PROVIDER CODE [CLIENT]	N starts, then N finishes pipelined on one connection,
 *					all from CLIENT (default: a different address each);
 *					prints count_WORD=K per status, ms_max=, ms_total=
 * LOGIN_FINISH takes the client address from $AUTHC_CLIENT (default "authc-PID": each
 * run is a client of its own) and the callback's iss from $AUTHC_ISS (default: none).
 *	starts N PROVIDER		N LOGIN_START pipelined on one connection (N <= 100000);
 *					prints count_WORD=K per status
 *	raw HEX				sends the bytes; prints "closed", "open" or "answer TYPE STATUS"
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "b64.h"
#include "msg.h"
#include "sock.h"
#include "proof.h"
#include "text.h"

static int		 timeout_ms = 10000;
static int		 capture_fd = -1;
static const char	*pubkey;
static uint32_t		 next_id = 1;

static const char *const words[ST_MAX] = {
	"ok", "invalid", "notfound", "expired", "denied", "pending", "slow_down", "busy",
	"full", "unsupported", "provider_error", "timeout", "internal",
};

struct frame {
	struct msg_hdr	hdr;
	uint8_t		payload[MSG_MAX_PAYLOAD];
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: authc [-t MS] [-x CAPTURE] [-p PUBKEY] SOCKET COMMAND [ARGS]\n");
	exit(2);
}

static void __attribute__((noreturn))
die_conn(const char *what)
{
	printf("status=ipc_failure\nerror=%s\n", what);
	exit(3);
}

static const char *
word(uint8_t st)
{
	return st < ST_MAX ? words[st] : "unknown";
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
conn_open(const char *path)
{
	int fd;

	if ((fd = sock_dial_unix(path)) == -1)
		die_conn("connect");
	return fd;
}

static void
write_all(int fd, const uint8_t *p, size_t n)
{
	if (fd_write_all(fd, p, n) == -1)
		die_conn("write");
}

/* Reads exactly n bytes; 0 ok, -1 closed, -2 timeout. */
static int
read_exact(int fd, uint8_t *p, size_t n)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	ssize_t		r;

	while (n > 0) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -2;
		if ((r = read(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (capture_fd != -1)
			write_all(capture_fd, p, (size_t)r);
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
recv_frame(int fd, struct frame *f)
{
	uint8_t	hdr[MSG_HDR_LEN];
	int	rc;

	if ((rc = read_exact(fd, hdr, sizeof(hdr))) != 0)
		return rc;
	if (msg_hdr_parse(hdr, &f->hdr) == -1)
		die_conn("bad answer header");
	return read_exact(fd, f->payload, f->hdr.len);
}

/* The frame of a request of type with id from its struct; exits 2 when it does not encode. */
static void
build(struct mbuf *m, uint16_t type, uint32_t id, const void *req)
{
	if (msg_request(m, type, id, req) == -1) {
		fprintf(stderr, "authc: a field of %s is out of its bounds\n", msg_type_name(type));
		exit(2);
	}
}

/* An answer's status, and its fields into ans when ST_OK; a malformed one ends the run. */
static uint8_t
answer_of(uint16_t type, const struct frame *f, void *ans)
{
	struct mreader	r;
	uint8_t		st;

	m_reader(&r, f->payload, f->hdr.len);
	if (msg_read_answer(&r, type, &st, ans) == -1)
		die_conn("malformed answer");
	return st;
}

/* One request, its answer (checked: type + 1, same id) into ans; returns the status. */
static uint8_t
call(int fd, uint16_t type, const void *req, void *ans)
{
	static struct frame	f;
	struct mbuf		m;
	uint32_t		id = next_id++;
	int			rc;

	build(&m, type, id, req);
	write_all(fd, m.data, m.len);
	if ((rc = recv_frame(fd, &f)) != 0)
		die_conn(rc == -2 ? "timeout" : "closed");
	if (f.hdr.type != type + 1 || f.hdr.id != id)
		die_conn("answer of another type or id");
	return answer_of(type, &f, ans);
}

static void
hex_print(const char *key, const uint8_t *b, size_t n)
{
	char s[2 * MAX_PROOF + 1];

	sodium_bin2hex(s, sizeof(s), b, n);
	printf("%s=%s\n", key, n == 0 ? "-" : s);
}

static size_t
hex_arg(const char *s, uint8_t *out, size_t n)
{
	size_t got = 0;

	if (strcmp(s, "-") == 0)
		return 0;
	if (sodium_hex2bin(out, n, s, strlen(s), NULL, &got, NULL) != 0 || got != n) {
		fprintf(stderr, "authc: expected %zu bytes of hex\n", n);
		exit(2);
	}
	return got;
}

static int
cmd_ping(int fd)
{
	struct msg_auth_ping_r	a;
	uint8_t			st = call(fd, MSG_AUTH_PING, NULL, &a);

	printf("status=%s\nready=%u\n", word(st), a.providers);
	return st == ST_OK ? 0 : 1;
}

static int
cmd_providers(int fd)
{
	static struct msg_auth_providers_r	a;
	uint8_t					st = call(fd, MSG_AUTH_PROVIDERS, NULL, &a);
	uint32_t				i;

	printf("status=%s\n", word(st));
	for (i = 0; i < a.providers_n; i++)
		printf("provider=%s\t%s\t%u\n", a.providers[i].name, a.providers[i].display,
		    a.providers[i].ready);
	return st == ST_OK ? 0 : 1;
}

/* state= is the state parameter of the URL, for scripts. */
static void
print_state(const char *url)
{
	const char *p = strstr(url, "&state="), *e;

	if (p == NULL && (p = strstr(url, "?state=")) == NULL)
		return;
	p += 7;
	e = strchr(p, '&');
	printf("state=%.*s\n", (int)(e != NULL ? e - p : (long)strlen(p)), p);
}

/* The provider named by the redirect_uri in an authorize URL: "" for the
 * default path /auth_redirect, NAME for /auth_redirect/NAME. */
static void
callback_of(const char *url, char out[MAX_PROVIDER + 1])
{
	const char	*p = strstr(url, "redirect_uri="), *e;
	char		 dec[MAX_URL + 1];
	size_t		 n = 0;
	int		 hi, lo;

	out[0] = '\0';
	if (p == NULL)
		return;
	for (p += 13; *p != '\0' && *p != '&' && n < MAX_URL; p++) {
		if (*p == '%' && (hi = hexval((unsigned char)p[1])) >= 0 &&
		    (lo = hexval((unsigned char)p[2])) >= 0) {
			dec[n++] = (char)(hi << 4 | lo);
			p += 2;
		} else
			dec[n++] = *p;
	}
	dec[n] = '\0';
	if ((e = strstr(dec, "/auth_redirect/")) != NULL)
		snprintf(out, MAX_PROVIDER + 1, "%s", e + strlen("/auth_redirect/"));
}

/* "CALLBACK:BASE64URL" as start prints it; 0, or -1 when malformed. */
static int
binding_arg(const char *s, char callback[MAX_PROVIDER + 1], uint8_t *bin, size_t *blen)
{
	const char	*colon = strchr(s, ':');
	size_t		 n;

	if (colon == NULL || (size_t)(colon - s) > MAX_PROVIDER)
		return -1;
	snprintf(callback, MAX_PROVIDER + 1, "%.*s", (int)(colon - s), s);
	n = strlen(colon + 1);
	if (n % 4 == 1 || n * 3 / 4 > BINDING_MAX ||
	    b64_decode_exact(bin, n * 3 / 4, colon + 1, n) == -1)
		return -1;
	*blen = n * 3 / 4;
	return 0;
}

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL ? v : def;
}

/* The fields of LOGIN_FINISH after the binding; exits 2 when one is too long. */
static void
finish_tail(struct msg_auth_login_finish *q, const char *client, const char *callback)
{
	const char *iss = env_or("AUTHC_ISS", "");

	if (strlen(client) > MAX_CLIENT || strlen(callback) > MAX_PROVIDER ||
	    strlen(iss) > MAX_ISS)
		usage();
	snprintf(q->client, sizeof(q->client), "%s", client);
	snprintf(q->callback, sizeof(q->callback), "%s", callback);
	snprintf(q->iss, sizeof(q->iss), "%s", iss);
}

/* LOGIN_START of prov; the answer into a. */
static uint8_t
start_one(int fd, const char *prov, uint8_t purpose, const uint8_t *ref, size_t ref_len,
    struct msg_auth_login_start_r *a)
{
	struct msg_auth_login_start q;

	memset(&q, 0, sizeof(q));
	if (strlen(prov) > MAX_PROVIDER)
		usage();
	snprintf(q.provider, sizeof(q.provider), "%s", prov);
	q.purpose = purpose;
	if (ref_len > 0)
		memcpy(q.ref, ref, ref_len);
	q.ref_len = ref_len;
	return call(fd, MSG_AUTH_LOGIN_START, &q, a);
}

static int
cmd_start(int fd, int argc, char **argv)
{
	static struct msg_auth_login_start_r	a;
	char					b64[2 * BINDING_MAX], callback[MAX_PROVIDER + 1];
	uint8_t					ref[REF_LEN], purpose = PURPOSE_WEB, st;
	size_t					ref_len = 0;

	if (argc < 1)
		usage();
	if (argc >= 2 && strcmp(argv[1], "cli") == 0) {
		purpose = PURPOSE_CLI;
		if (argc >= 3)
			ref_len = hex_arg(argv[2], ref, REF_LEN);
	} else if (argc >= 2 && strcmp(argv[1], "web") != 0)
		purpose = (uint8_t)atoi(argv[1]);
	st = start_one(fd, argv[0], purpose, ref, ref_len, &a);
	printf("status=%s\n", word(st));
	if (st == ST_OK) {
		b64_encode(b64, a.binding, a.binding_len);
		callback_of(a.authorize_url, callback);
		printf("url=%s\n", a.authorize_url);
		print_state(a.authorize_url);
		printf("binding=%s:%s\n", callback, b64);
	}
	return st == ST_OK ? 0 : 1;
}

static void
proof_print(const uint8_t *proof, size_t len)
{
	uint8_t		pk[crypto_sign_PUBLICKEYBYTES];
	struct proof	p;
	struct mreader	r;
	int		rc;
	size_t		n;

	printf("proof_len=%zu\n", len);
	if (pubkey != NULL) {
		if (b64_decode_exact(pk, sizeof(pk), pubkey, strlen(pubkey)) == -1) {
			fprintf(stderr, "authc: bad public key\n");
			exit(2);
		}
		rc = proof_verify(proof, len, pk, (uint64_t)time(NULL), &p);
		printf("proof_verified=%s\n", rc == 0 ? "yes" : "no");
		if (rc != 0)
			return;
	} else {
		if (len < crypto_sign_BYTES)
			return;
		memset(&p, 0, sizeof(p));
		n = len - crypto_sign_BYTES;
		m_reader(&r, proof + crypto_sign_BYTES, n);
		msg_unpack(&r, &msg_layout_proof, &p);
		if (m_end(&r) == -1) {
			printf("proof_decoded=no\n");
			return;
		}
	}
	printf("purpose=%u\nproof_expires_in=%lld\n", p.purpose,
	    (long long)p.expires - (long long)time(NULL));
	hex_print("grant", p.grant, p.grant_len);
	hex_print("ref", p.ref, p.ref_len);
}

static int
cmd_finish(int fd, int argc, char **argv)
{
	static struct msg_auth_login_finish	q;
	static struct msg_auth_login_finish_r	a;
	char					callback[MAX_PROVIDER + 1] = "", own[32];
	uint8_t					st;

	if (argc != 3 || strlen(argv[0]) > MAX_STATE || strlen(argv[1]) > MAX_CODE)
		usage();
	if (strcmp(argv[2], "-") != 0 &&
	    binding_arg(argv[2], callback, q.binding, &q.binding_len) == -1) {
		fprintf(stderr, "authc: binding is not CALLBACK:BASE64URL\n");
		exit(2);
	}
	snprintf(q.state, sizeof(q.state), "%s", argv[0]);
	snprintf(q.code, sizeof(q.code), "%s", argv[1]);
	snprintf(own, sizeof(own), "authc-%ld", (long)getpid());
	finish_tail(&q, env_or("AUTHC_CLIENT", own), callback);
	st = call(fd, MSG_AUTH_LOGIN_FINISH, &q, &a);
	printf("status=%s\n", word(st));
	if (st == ST_OK) {
		printf("user_id=%s\nname=%s\n", a.user_id, a.name);
		proof_print(a.proof, a.proof_len);
	}
	return st == ST_OK ? 0 : 1;
}

static int
cmd_revoke(int fd, int argc, char **argv)
{
	struct msg_auth_revoke	q;
	uint8_t			st;

	if (argc < 1 || argc > 2)
		usage();
	memset(&q, 0, sizeof(q));
	if (sodium_hex2bin(q.grant, sizeof(q.grant), argv[0], strlen(argv[0]), NULL,
	    &q.grant_len, NULL) != 0) {
		fprintf(stderr, "authc: expected at most %d bytes of hex\n", MAX_GRANT);
		exit(2);
	}
	snprintf(q.user_id, sizeof(q.user_id), "%s", argc > 1 ? argv[1] : "");
	st = call(fd, MSG_AUTH_REVOKE, &q, NULL);
	printf("status=%s\n", word(st));
	return st == ST_OK ? 0 : 1;
}

/* N logins against one provider, all finishes in flight at once. */
#define MANY_MAX	1000
#define FINISH_FRAME	(MSG_HDR_LEN + 2048)
#define MANY_FIRST_ID	1000000

struct many {
	uint8_t		frame[MANY_MAX][FINISH_FRAME];
	size_t		len[MANY_MAX];
	long long	sent[MANY_MAX];
	uint32_t	first_id;
	unsigned	count[ST_MAX + 1];
	long long	ms_max;
};

/* LOGIN_START one by one; each LOGIN_FINISH is encoded now and sent later. */
static void
many_prepare(int fd, struct many *w, int n, const char *prov, const char *code,
    const char *client)
{
	static struct msg_auth_login_start_r	a;
	static struct msg_auth_login_finish	q;
	struct mbuf				m;
	char					callback[MAX_PROVIDER + 1], own[32];
	const char				*p, *e, *url = a.authorize_url;
	uint8_t					st;
	int					i;

	if (strlen(code) > MAX_CODE)
		usage();
	for (i = 0; i < n; i++) {
		if ((st = start_one(fd, prov, PURPOSE_WEB, NULL, 0, &a)) != ST_OK) {
			printf("status=%s\nerror=start %d failed\n", word(st), i);
			exit(1);
		}
		if ((p = strstr(url, "state=")) == NULL)
			die_conn("no state in URL");
		p += 6;
		e = strchr(p, '&');
		memset(&q, 0, sizeof(q));
		snprintf(q.state, sizeof(q.state), "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
		snprintf(q.code, sizeof(q.code), "%s", code);
		memcpy(q.binding, a.binding, a.binding_len);
		q.binding_len = a.binding_len;
		callback_of(url, callback);
		snprintf(own, sizeof(own), "192.0.2.%d", i % 250 + 1);
		finish_tail(&q, client != NULL ? client : own, callback);
		/* Ids of their own, consecutive, so answers map back to their index. */
		w->first_id = MANY_FIRST_ID;
		build(&m, MSG_AUTH_LOGIN_FINISH, MANY_FIRST_ID + (uint32_t)i, &q);
		if (m.len > FINISH_FRAME)
			usage();
		memcpy(w->frame[i], m.data, m.len);
		w->len[i] = m.len;
	}
}

static void
many_collect(int fd, struct many *w, int n)
{
	static struct msg_auth_login_finish_r	a;
	struct frame				f;
	uint8_t					st;
	long long				ms;
	int					i, rc;

	for (i = 0; i < n; i++) {
		if ((rc = recv_frame(fd, &f)) != 0)
			die_conn(rc == -2 ? "timeout" : "closed");
		if (f.hdr.type != MSG_AUTH_LOGIN_FINISH_R || f.hdr.id < w->first_id ||
		    f.hdr.id >= w->first_id + (uint32_t)n)
			die_conn("unexpected answer");
		st = answer_of(MSG_AUTH_LOGIN_FINISH, &f, &a);
		w->count[st < ST_MAX ? st : ST_MAX]++;
		ms = now_ms() - w->sent[f.hdr.id - w->first_id];
		if (ms > w->ms_max)
			w->ms_max = ms;
	}
}

static int
cmd_many(int fd, int argc, char **argv)
{
	static struct many	w;
	long long		t0;
	int			n, i;

	if ((argc != 3 && argc != 4) || (n = atoi(argv[0])) < 1 || n > MANY_MAX)
		usage();
	many_prepare(fd, &w, n, argv[1], argv[2], argc == 4 ? argv[3] : NULL);
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		write_all(fd, w.frame[i], w.len[i]);
		w.sent[i] = now_ms();
	}
	many_collect(fd, &w, n);
	printf("status=ok\n");
	for (i = 0; i < ST_MAX; i++)
		if (w.count[i] > 0)
			printf("count_%s=%u\n", words[i], w.count[i]);
	printf("ms_max=%lld\nms_total=%lld\n", w.ms_max, now_ms() - t0);
	return 0;
}

static int
cmd_starts(int fd, int argc, char **argv)
{
	static struct msg_auth_login_start_r	a;
	struct msg_auth_login_start		q;
	struct mbuf				m;
	struct frame				f;
	unsigned				ok = 0, busy = 0, other = 0;
	int					n, sent = 0, got = 0, rc;
	uint8_t					st;

	if (argc != 2 || (n = atoi(argv[0])) < 1 || n > 100000 || strlen(argv[1]) > MAX_PROVIDER)
		usage();
	memset(&q, 0, sizeof(q));
	snprintf(q.provider, sizeof(q.provider), "%s", argv[1]);
	q.purpose = PURPOSE_WEB;
	/* at most 64 unanswered, so that neither side's buffers fill */
	while (got < n) {
		if (sent < n && sent - got < 64) {
			build(&m, MSG_AUTH_LOGIN_START, next_id++, &q);
			write_all(fd, m.data, m.len);
			sent++;
			continue;
		}
		if ((rc = recv_frame(fd, &f)) != 0)
			die_conn(rc == -2 ? "timeout" : "closed");
		if (f.hdr.type != MSG_AUTH_LOGIN_START_R)
			die_conn("unexpected answer");
		got++;
		if ((st = answer_of(MSG_AUTH_LOGIN_START, &f, &a)) == ST_OK)
			ok++;
		else if (st == ST_BUSY)
			busy++;
		else
			other++;
	}
	printf("status=ok\ncount_ok=%u\ncount_busy=%u\ncount_other=%u\n", ok, busy, other);
	return 0;
}

static int
cmd_raw(int fd, int argc, char **argv)
{
	uint8_t		 buf[MSG_HDR_LEN + MSG_MAX_PAYLOAD + 64];
	size_t		 n = 0;
	struct frame	 f;
	int		 rc;

	if (argc != 1 || sodium_hex2bin(buf, sizeof(buf), argv[0], strlen(argv[0]), NULL, &n,
	    NULL) != 0)
		usage();
	write_all(fd, buf, n);
	rc = recv_frame(fd, &f);
	if (rc == -1)
		printf("closed\n");
	else if (rc == -2)
		printf("open\n");
	else
		printf("answer %u %u\n", f.hdr.type, f.hdr.len > 0 ? f.payload[0] : 255);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*capture = NULL;
	int		 ch, fd;

	while ((ch = getopt(argc, argv, "+p:t:x:")) != -1)
		switch (ch) {
		case 'p': pubkey = optarg; break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'x': capture = optarg; break;
		default: usage();
		}
	argc -= optind;
	argv += optind;
	if (argc < 2 || sodium_init() < 0)
		usage();
	signal(SIGPIPE, SIG_IGN);	/* a refused peer sees a write error, not death */
	if (capture != NULL &&
	    (capture_fd = open(capture, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) == -1) {
		perror(capture);
		return 2;
	}
	fd = conn_open(argv[0]);
	if (strcmp(argv[1], "ping") == 0)
		return cmd_ping(fd);
	if (strcmp(argv[1], "providers") == 0)
		return cmd_providers(fd);
	if (strcmp(argv[1], "start") == 0)
		return cmd_start(fd, argc - 2, argv + 2);
	if (strcmp(argv[1], "finish") == 0)
		return cmd_finish(fd, argc - 2, argv + 2);
	if (strcmp(argv[1], "revoke") == 0)
		return cmd_revoke(fd, argc - 2, argv + 2);
	if (strcmp(argv[1], "many") == 0)
		return cmd_many(fd, argc - 2, argv + 2);
	if (strcmp(argv[1], "starts") == 0)
		return cmd_starts(fd, argc - 2, argv + 2);
	if (strcmp(argv[1], "raw") == 0)
		return cmd_raw(fd, argc - 2, argv + 2);
	usage();
}
