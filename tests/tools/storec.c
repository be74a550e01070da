/*
 * storec: a small blocking client of airlock-store for test scripts.
 *
 *	storec [-t MS] SOCKET COMMAND [ARGS]
 *
 * Every answer is printed as one line starting with its status word
 * (ok invalid notfound expired denied pending slow_down busy full ... ),
 * followed by the answer's fields when ok.  Exit status: 0 when an answer
 * arrived, 1 when the connection failed, closed or timed out, 2 for usage.
 * Binary values (tokens, sids, refs, grants, proofs) are hex.
 *
 * Commands:
 *	keygen SKFILE			new Ed25519 key: SKFILE (raw, 0600), prints public key b64url
 *	sign SKFILE USER NAME [PURPOSE [EXPIRES_IN [GRANT|- [REF|-]]]]	prints a proof (hex)
 *	create PROOF KIND LABEL		SESSION_CREATE
 *	login SKFILE USER NAME [LABEL]	sign + create a web session
 *	ping | get TOKEN | incr TOKEN [N] | list TOKEN | revoke TOKEN SID
 *	pair-create PAIRCODE LABEL [CLIENT] | pair-info REF | pair-decide TOKEN REF 0|1 |
 *	pair-take PAIRCODE | pair-approve PROOF
 *	pipeline TOKEN N		N increments in one write, N answers checked by id
 *	pair-flood PREFIX N [CLIENT]	N PAIR_CREATEs pipelined, prints counts per status
 *					(from CLIENT, else each from an address of its own)
 *	pair-polls PAIRCODE N		N PAIR_TAKEs pipelined, prints counts per status
 *	login-flood SKFILE PREFIX N	N SESSION_CREATEs (users PREFIXi) pipelined, counts per status
 *	steady TOKEN SECONDS		one connection, an increment every 20 ms; "lost" (exit 1)
 *					if that connection fails, else "ok N"
 *	raw HEX				sends the bytes, prints "closed", "open" or "answer TYPE STATUS"
 *	crash-incr TOKEN SECONDS	increments until SECONDS pass, reconnecting;
 *					prints each acknowledged value on its own line
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

static int		timeout_ms = 5000;
static const char	*sockpath;
static uint32_t		next_id = 1;

static const char *const status_words[ST_MAX] = {
	"ok", "invalid", "notfound", "expired", "denied", "pending", "slow_down", "busy",
	"full", "unsupported", "provider_error", "timeout", "internal",
};

static void
usage(void)
{
	fprintf(stderr, "usage: storec [-t MS] SOCKET COMMAND [ARGS] (see the source)\n");
	exit(2);
}

static const char *
word(uint8_t st)
{
	return st < ST_MAX ? status_words[st] : "unknown";
}

static void
hex_out(const uint8_t *b, size_t n)
{
	char s[2 * 1024 + 1];

	if (n == 0) {
		fputs("-", stdout);
		return;
	}
	sodium_bin2hex(s, sizeof(s), b, n > 1024 ? 1024 : n);
	fputs(s, stdout);
}

/* Exactly n bytes of hex into b, or exit 2. "-" is zero bytes when n == 0 allowed. */
static size_t
hex_in(const char *s, uint8_t *b, size_t max, int exact)
{
	size_t len = 0;

	if (strcmp(s, "-") == 0 && !exact)
		return 0;
	if (sodium_hex2bin(b, max, s, strlen(s), NULL, &len, NULL) != 0 ||
	    (exact && len != max)) {
		fprintf(stderr, "storec: bad hex value (%zu bytes wanted)\n", max);
		exit(2);
	}
	return len;
}

/* Reads n bytes within the timeout: 0, -1 on error/timeout, -2 on EOF before any byte. */
static int
read_all(int fd, uint8_t *p, size_t n, int tmo)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		got = 0;
	ssize_t		r;

	while (got < n) {
		if (poll(&pfd, 1, tmo) <= 0)
			return -1;
		if ((r = read(fd, p + got, n - got)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return got == 0 ? -2 : -1;
		got += r;
	}
	return 0;
}

static void
req_init(struct mbuf *m, uint16_t type)
{
	m_init(m, type, next_id++);
}

static int
send_msg(int fd, struct mbuf *m)
{
	if (m_finish(m) == -1) {
		fprintf(stderr, "storec: request too large\n");
		exit(2);
	}
	return fd_write_all(fd, m->data, m->len);
}

/* Reads one answer frame into buf (payload); returns payload length or -1. */
static int
recv_msg(int fd, struct msg_hdr *h, uint8_t *buf)
{
	uint8_t hb[MSG_HDR_LEN];

	if (read_all(fd, hb, sizeof(hb), timeout_ms) != 0 || msg_hdr_parse(hb, h) == -1)
		return -1;
	if (read_all(fd, buf, h->len, timeout_ms) != 0)
		return -1;
	return (int)h->len;
}

/* One request, one answer; the reader is positioned after the status byte. */
static uint8_t
call(struct mbuf *m, struct mreader *r, uint8_t *buf)
{
	struct msg_hdr	h;
	uint32_t	id = (uint32_t)m->data[8] << 24 | m->data[9] << 16 | m->data[10] << 8 | m->data[11];
	uint16_t	type = m->data[6] << 8 | m->data[7];
	int		fd, n;

	if ((fd = sock_dial_unix(sockpath)) == -1) {
		printf("connect-failed\n");
		exit(1);
	}
	if (send_msg(fd, m) == -1 || (n = recv_msg(fd, &h, buf)) < 0) {
		printf("closed\n");
		exit(1);
	}
	close(fd);
	if (h.id != id || h.type != type + 1 || n < 1) {
		printf("bad-answer\n");
		exit(1);
	}
	m_reader(r, buf, n);
	return m_get_u8(r);
}

static int
finish(struct mreader *r)
{
	if (m_end(r) == -1) {
		printf(" bad-fields\n");
		return 1;
	}
	printf("\n");
	return 0;
}

static void
add_token(struct mbuf *m, const char *hex)
{
	uint8_t t[TOKEN_LEN];

	hex_in(hex, t, sizeof(t), 1);
	m_add_bytes(m, t, sizeof(t));
	sodium_memzero(t, sizeof(t));
}

static int
cmd_keygen(const char *file)
{
	uint8_t	pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char	b[128];
	int	fd;

	crypto_sign_keypair(pk, sk);
	if ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, sk, sizeof(sk)) != (ssize_t)sizeof(sk) || close(fd) == -1) {
		perror(file);
		return 1;
	}
	b64_encode(b, pk, sizeof(pk));
	printf("%s\n", b);
	return 0;
}

static void
read_sk(const char *file, uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
	int fd;

	if ((fd = open(file, O_RDONLY)) == -1 ||
	    read(fd, sk, crypto_sign_SECRETKEYBYTES) != crypto_sign_SECRETKEYBYTES) {
		perror(file);
		exit(2);
	}
	close(fd);
}

/* argv: SKFILE USER NAME [PURPOSE [EXPIRES_IN [GRANT [REF]]]] */
static int
make_proof(int argc, char **argv, uint8_t *out)
{
	struct proof	p;
	uint8_t		sk[crypto_sign_SECRETKEYBYTES];
	int		n;

	if (argc < 3)
		usage();
	memset(&p, 0, sizeof(p));
	read_sk(argv[0], sk);
	snprintf(p.user_id, sizeof(p.user_id), "%s", argv[1]);
	snprintf(p.name, sizeof(p.name), "%s", argv[2]);
	p.purpose = argc > 3 ? atoi(argv[3]) : PURPOSE_WEB;
	p.expires = (uint64_t)(time(NULL) + (argc > 4 ? atol(argv[4]) : PROOF_TTL));
	if (argc > 5)
		p.grant_len = hex_in(argv[5], p.grant, GRANT_LEN, 0);
	if (argc > 6)
		p.ref_len = hex_in(argv[6], p.ref, REF_LEN, 0);
	n = proof_sign(&p, sk, out, MAX_PROOF);
	sodium_memzero(sk, sizeof(sk));
	if (n < 0) {
		fprintf(stderr, "storec: proof_sign failed\n");
		exit(2);
	}
	return n;
}

static int
create(const uint8_t *proof, size_t plen, uint8_t kind, const char *label)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st, token[TOKEN_LEN], ref[REF_LEN], purpose;
	char		user[MAX_USERID + 1], name[MAX_NAME + 1];
	size_t		reflen;

	req_init(&m, MSG_STORE_SESSION_CREATE);
	m_add_blob(&m, proof, plen);
	m_add_u8(&m, kind);
	m_add_str(&m, label, MAX_LABEL);
	st = call(&m, &r, buf);
	printf("%s", word(st));
	if (st != ST_OK)
		return finish(&r);
	m_get_bytes(&r, token, sizeof(token));
	m_get_str(&r, user, MAX_USERID);
	m_get_str(&r, name, MAX_NAME);
	purpose = m_get_u8(&r);
	m_get_blob(&r, ref, sizeof(ref), &reflen);
	printf(" ");
	hex_out(token, sizeof(token));
	printf(" %s %s %u ", user, name, purpose);
	hex_out(ref, reflen);
	return finish(&r);
}

static int
cmd_get(const char *tok)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st, kind, sid[SID_LEN];
	char		user[MAX_USERID + 1], name[MAX_NAME + 1];
	uint64_t	counter;

	req_init(&m, MSG_STORE_SESSION_GET);
	add_token(&m, tok);
	st = call(&m, &r, buf);
	printf("%s", word(st));
	if (st != ST_OK)
		return finish(&r);
	m_get_str(&r, user, MAX_USERID);
	m_get_str(&r, name, MAX_NAME);
	counter = m_get_u64(&r);
	kind = m_get_u8(&r);
	m_get_bytes(&r, sid, SID_LEN);
	printf(" %s %s %llu %u ", user, name, (unsigned long long)counter, kind);
	hex_out(sid, SID_LEN);
	return finish(&r);
}

static int
cmd_incr(const char *tok, int n)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st = ST_OK;
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < n && st == ST_OK; i++) {
		req_init(&m, MSG_STORE_INCREMENT);
		add_token(&m, tok);
		if ((st = call(&m, &r, buf)) == ST_OK)
			v = m_get_u64(&r);
		if (m_end(&r) == -1) {
			printf("bad-fields\n");
			return 1;
		}
	}
	printf("%s", word(st));
	if (st == ST_OK)
		printf(" %llu", (unsigned long long)v);
	printf("\n");
	return 0;
}

static int
cmd_list(const char *tok)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st, sid[SID_LEN], kind, cur;
	char		label[MAX_LABEL + 1];
	uint64_t	c, l, e;
	uint32_t	n, i;

	req_init(&m, MSG_STORE_SESSION_LIST);
	add_token(&m, tok);
	st = call(&m, &r, buf);
	printf("%s", word(st));
	if (st != ST_OK)
		return finish(&r);
	n = m_get_u32(&r);
	printf(" %u\n", n);
	for (i = 0; i < n && i <= MAX_SESSIONS_LISTED && !r.err; i++) {
		m_get_bytes(&r, sid, SID_LEN);
		kind = m_get_u8(&r);
		m_get_str(&r, label, MAX_LABEL);
		c = m_get_u64(&r);
		l = m_get_u64(&r);
		e = m_get_u64(&r);
		cur = m_get_u8(&r);
		hex_out(sid, SID_LEN);
		printf(" %u %s %llu %llu %llu %u\n", kind, label[0] ? label : "-",
		    (unsigned long long)c, (unsigned long long)l, (unsigned long long)e, cur);
	}
	if (m_end(&r) == -1) {
		printf("bad-fields\n");
		return 1;
	}
	return 0;
}

static int
cmd_revoke(const char *tok, const char *sidhex)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st, sid[SID_LEN], grant[GRANT_LEN];
	size_t		glen;

	req_init(&m, MSG_STORE_SESSION_REVOKE);
	add_token(&m, tok);
	hex_in(sidhex, sid, SID_LEN, 1);
	m_add_bytes(&m, sid, SID_LEN);
	st = call(&m, &r, buf);
	printf("%s", word(st));
	if (st != ST_OK)
		return finish(&r);
	m_get_blob(&r, grant, sizeof(grant), &glen);
	printf(" ");
	hex_out(grant, glen);
	return finish(&r);
}

static int
cmd_pair_create(const char *code, const char *label, const char *client)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st, ref[REF_LEN];
	char		uc[USER_CODE_LEN + 1];
	uint32_t	exp, iv;

	req_init(&m, MSG_STORE_PAIR_CREATE);
	m_add_blob(&m, code, strlen(code));
	m_add_str(&m, label, MAX_LABEL);
	m_add_str(&m, client, MAX_CLIENT);
	st = call(&m, &r, buf);
	printf("%s", word(st));
	if (st != ST_OK)
		return finish(&r);
	m_get_bytes(&r, ref, REF_LEN);
	m_get_str(&r, uc, USER_CODE_LEN);
	exp = m_get_u32(&r);
	iv = m_get_u32(&r);
	printf(" ");
	hex_out(ref, REF_LEN);
	printf(" %s %u %u", uc, exp, iv);
	return finish(&r);
}

static int
cmd_pair_info(const char *refhex)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st, ref[REF_LEN];
	char		uc[USER_CODE_LEN + 1], label[MAX_LABEL + 1], client[MAX_CLIENT + 1];
	uint32_t	exp;
	uint64_t	created;

	req_init(&m, MSG_STORE_PAIR_INFO);
	hex_in(refhex, ref, REF_LEN, 1);
	m_add_bytes(&m, ref, REF_LEN);
	st = call(&m, &r, buf);
	printf("%s", word(st));
	if (st != ST_OK)
		return finish(&r);
	m_get_str(&r, uc, USER_CODE_LEN);
	exp = m_get_u32(&r);
	m_get_str(&r, label, MAX_LABEL);
	m_get_str(&r, client, MAX_CLIENT);
	created = m_get_u64(&r);
	printf(" %s %u %s %s %llu", uc, exp, label[0] ? label : "-", client[0] ? client : "-",
	    (unsigned long long)created);
	return finish(&r);
}

static int
cmd_pair_decide(const char *tok, const char *refhex, const char *approve)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		ref[REF_LEN];

	req_init(&m, MSG_STORE_PAIR_DECIDE);
	add_token(&m, tok);
	hex_in(refhex, ref, REF_LEN, 1);
	m_add_bytes(&m, ref, REF_LEN);
	m_add_u8(&m, (uint8_t)atoi(approve));
	printf("%s", word(call(&m, &r, buf)));
	return finish(&r);
}

static int
cmd_pair_approve(const char *proofhex)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD], proof[MAX_PROOF];
	struct mbuf	m;
	struct mreader	r;
	size_t		n = hex_in(proofhex, proof, sizeof(proof), 0);

	req_init(&m, MSG_STORE_PAIR_APPROVE);
	m_add_blob(&m, proof, n);
	printf("%s", word(call(&m, &r, buf)));
	return finish(&r);
}

static int
cmd_pair_take(const char *code)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st, token[TOKEN_LEN];
	char		user[MAX_USERID + 1];

	req_init(&m, MSG_STORE_PAIR_TAKE);
	m_add_blob(&m, code, strlen(code));
	st = call(&m, &r, buf);
	printf("%s", word(st));
	if (st != ST_OK)
		return finish(&r);
	m_get_bytes(&r, token, TOKEN_LEN);
	m_get_str(&r, user, MAX_USERID);
	printf(" ");
	hex_out(token, TOKEN_LEN);
	printf(" %s", user);
	return finish(&r);
}

static int
cmd_ping(void)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct mreader	r;
	uint8_t		st;
	uint64_t	u, s;
	uint32_t	p;

	req_init(&m, MSG_STORE_PING);
	st = call(&m, &r, buf);
	printf("%s", word(st));
	if (st != ST_OK)
		return finish(&r);
	u = m_get_u64(&r);
	s = m_get_u64(&r);
	p = m_get_u32(&r);
	printf(" %llu %llu %u", (unsigned long long)u, (unsigned long long)s, p);
	return finish(&r);
}

/*
 * N requests built by fill(i) sent in one write, N answers read; every id must
 * be answered exactly once with the right type.  counts[] per status.
 */
static int
pipelined(int n, uint16_t type, void (*fill)(struct mbuf *, int, const void *), const void *arg,
    unsigned counts[ST_MAX + 1], uint64_t *first, uint64_t *last)
{
	static uint8_t	 buf[MSG_MAX_PAYLOAD];
	uint8_t		*out, *seen;
	size_t		 len = 0;
	struct mbuf	 m;
	struct mreader	 r;
	struct msg_hdr	 h;
	uint32_t	 base = next_id;
	uint8_t		 st;
	pid_t		 writer;
	int		 fd, i, rc = 0;

	if ((out = malloc((size_t)n * 512)) == NULL || (seen = calloc(n, 1)) == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		req_init(&m, type);
		fill(&m, i, arg);
		if (m_finish(&m) == -1 || m.len > 512)
			exit(2);
		memcpy(out + len, m.data, m.len);
		len += m.len;
	}
	if ((fd = sock_dial_unix(sockpath)) == -1) {
		printf("connect-failed\n");
		exit(1);
	}
	/* a child writes while we read: neither side's buffers can fill up for good */
	if ((writer = fork()) == -1)
		exit(1);
	if (writer == 0)
		_exit(fd_write_all(fd, out, len) == -1);
	for (i = 0; i < n; i++) {
		if (recv_msg(fd, &h, buf) < 1 || h.type != type + 1 || h.id < base ||
		    h.id - base >= (uint32_t)n || seen[h.id - base]) {
			printf("bad-answer after %d answers\n", i);
			exit(1);
		}
		seen[h.id - base] = 1;
		m_reader(&r, buf, h.len);
		st = m_get_u8(&r);
		counts[st < ST_MAX ? st : ST_MAX]++;
		if (type == MSG_STORE_INCREMENT && st == ST_OK) {
			uint64_t v = m_get_u64(&r);

			if (h.id == base)
				*first = v;
			if (h.id == base + (uint32_t)n - 1)
				*last = v;
		}
	}
	close(fd);
	waitpid(writer, NULL, 0);
	free(out);
	free(seen);
	return rc;
}

static void
fill_incr(struct mbuf *m, int i, const void *tok)
{
	add_token(m, tok);
}

struct flood_arg {
	const char	*prefix;
	const char	*client;	/* NULL: each pairing from an address of its own */
};

static void
fill_pair(struct mbuf *m, int i, const void *arg)
{
	const struct flood_arg	*fa = arg;
	char			 code[PAIRCODE_MAX + 1], client[MAX_CLIENT + 1];

	snprintf(code, sizeof(code), "%s%08d", fa->prefix, i);
	if (fa->client != NULL)
		snprintf(client, sizeof(client), "%s", fa->client);
	else
		snprintf(client, sizeof(client), "%.30s%08d", fa->prefix, i);	/* as the code */
	m_add_blob(m, code, strlen(code));
	m_add_str(m, "flood", MAX_LABEL);
	m_add_str(m, client, MAX_CLIENT);
}

static void
fill_take(struct mbuf *m, int i, const void *code)
{
	m_add_blob(m, code, strlen(code));
}

/* "status=count ..." of a pipelined run, one line. */
static void
print_counts(const unsigned counts[ST_MAX + 1])
{
	int i;

	for (i = 0; i < ST_MAX; i++)
		if (counts[i])
			printf("%s=%u ", word(i), counts[i]);
	printf("\n");
}

static int
cmd_pair_polls(const char *code, int n)
{
	unsigned	counts[ST_MAX + 1] = { 0 };
	uint64_t	f, l;

	pipelined(n, MSG_STORE_PAIR_TAKE, fill_take, code, counts, &f, &l);
	print_counts(counts);
	return 0;
}

struct login_arg {
	const char	*prefix;
	uint8_t		 sk[crypto_sign_SECRETKEYBYTES];
};

static void
fill_login(struct mbuf *m, int i, const void *arg)
{
	const struct login_arg	*la = arg;
	struct proof		 p;
	uint8_t			 proof[MAX_PROOF];
	int			 n;

	memset(&p, 0, sizeof(p));
	snprintf(p.user_id, sizeof(p.user_id), "%.64s%d", la->prefix, i);
	snprintf(p.name, sizeof(p.name), "User %d", i);
	p.purpose = PURPOSE_WEB;
	p.expires = (uint64_t)time(NULL) + PROOF_TTL;
	if ((n = proof_sign(&p, la->sk, proof, sizeof(proof))) < 0)
		exit(2);
	m_add_blob(m, proof, n);
	m_add_u8(m, KIND_WEB);
	m_add_str(m, "flood", MAX_LABEL);
}

static int
cmd_login_flood(const char *skfile, const char *prefix, int n)
{
	struct login_arg	la;
	unsigned		counts[ST_MAX + 1] = { 0 };
	uint64_t		f, l;

	la.prefix = prefix;
	read_sk(skfile, la.sk);
	pipelined(n, MSG_STORE_SESSION_CREATE, fill_login, &la, counts, &f, &l);
	print_counts(counts);
	return 0;
}

static int
cmd_steady(const char *tok, int seconds)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct timespec	pause = { 0, 20 * 1000 * 1000 };
	struct mbuf	m;
	struct msg_hdr	h;
	time_t		end = time(NULL) + seconds;
	unsigned	n = 0;
	int		fd;

	if ((fd = sock_dial_unix(sockpath)) == -1) {
		printf("connect-failed\n");
		return 1;
	}
	while (time(NULL) < end) {
		req_init(&m, MSG_STORE_INCREMENT);
		add_token(&m, tok);
		if (send_msg(fd, &m) == -1 || recv_msg(fd, &h, buf) < 1 || buf[0] != ST_OK) {
			printf("lost after %u\n", n);
			return 1;
		}
		n++;
		nanosleep(&pause, NULL);
	}
	close(fd);
	printf("ok %u\n", n);
	return 0;
}

static int
cmd_pipeline(const char *tok, int n)
{
	unsigned	counts[ST_MAX + 1] = { 0 };
	uint64_t	first = 0, last = 0;

	pipelined(n, MSG_STORE_INCREMENT, fill_incr, tok, counts, &first, &last);
	printf("%s %u %llu %llu\n", counts[ST_OK] == (unsigned)n ? "ok" : "some-failed",
	    counts[ST_OK], (unsigned long long)first, (unsigned long long)last);
	return 0;
}

static int
cmd_pair_flood(const char *prefix, int n, const char *client)
{
	struct flood_arg	fa = { prefix, client };
	unsigned		counts[ST_MAX + 1] = { 0 };
	uint64_t		f, l;

	pipelined(n, MSG_STORE_PAIR_CREATE, fill_pair, &fa, counts, &f, &l);
	print_counts(counts);
	return 0;
}

/* Sends raw bytes; tells whether the store answered, closed, or kept waiting. */
static int
cmd_raw(const char *hex)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD + MSG_HDR_LEN];
	size_t		len = hex_in(hex, buf, sizeof(buf), 0);
	uint8_t		hb[MSG_HDR_LEN];
	struct msg_hdr	h;
	int		fd, rc;

	if ((fd = sock_dial_unix(sockpath)) == -1) {
		printf("connect-failed\n");
		return 1;
	}
	if (fd_write_all(fd, buf, len) == -1) {
		printf("closed\n");	/* reset while we were still writing */
		return 0;
	}
	rc = read_all(fd, hb, sizeof(hb), timeout_ms);
	if (rc == -2 || (rc == -1 && errno == ECONNRESET))
		printf("closed\n");
	else if (rc == -1)
		printf("open\n");
	else if (msg_hdr_parse(hb, &h) == -1 || read_all(fd, buf, h.len, timeout_ms) != 0 || h.len < 1)
		printf("garbage\n");
	else
		printf("answer %u %s\n", h.type, word(buf[0]));
	close(fd);
	return 0;
}

/* Increments until the deadline, reconnecting whenever the store goes away. */
static int
cmd_crash_incr(const char *tok, int seconds)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct timespec	pause = { 0, 5 * 1000 * 1000 };
	struct mbuf	m;
	struct mreader	r;
	struct msg_hdr	h;
	time_t		end = time(NULL) + seconds;
	uint32_t	id;
	int		fd = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (time(NULL) < end) {
		if (fd == -1 && (fd = sock_dial_unix(sockpath)) == -1) {
			nanosleep(&pause, NULL);
			continue;
		}
		req_init(&m, MSG_STORE_INCREMENT);
		id = next_id - 1;
		add_token(&m, tok);
		if (send_msg(fd, &m) == -1 || recv_msg(fd, &h, buf) < 1 || h.id != id) {
			close(fd);
			fd = -1;
			continue;
		}
		m_reader(&r, buf, h.len);
		if (m_get_u8(&r) == ST_OK)
			printf("%llu\n", (unsigned long long)m_get_u64(&r));
		else
			printf("status %u\n", buf[0]);
	}
	if (fd != -1)
		close(fd);
	return 0;
}

int
main(int argc, char *argv[])
{
	static uint8_t	 proof[MAX_PROOF];
	const char	*cmd;
	int		 ch, n;

	while ((ch = getopt(argc, argv, "+t:")) != -1) {
		if (ch != 't')
			usage();
		timeout_ms = atoi(optarg);
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	if (sodium_init() < 0)
		return 1;
	sockpath = argv[0];
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (strcmp(cmd, "keygen") == 0 && argc == 1)
		return cmd_keygen(argv[0]);
	if (strcmp(cmd, "sign") == 0 && argc >= 3) {
		n = make_proof(argc, argv, proof);
		hex_out(proof, n);
		printf("\n");
		return 0;
	}
	if (strcmp(cmd, "create") == 0 && argc == 3) {
		n = (int)hex_in(argv[0], proof, sizeof(proof), 0);
		return create(proof, n, (uint8_t)atoi(argv[1]), argv[2]);
	}
	if (strcmp(cmd, "login") == 0 && (argc == 3 || argc == 4)) {
		n = make_proof(3, argv, proof);
		return create(proof, n, KIND_WEB, argc == 4 ? argv[3] : "test");
	}
	if (strcmp(cmd, "ping") == 0 && argc == 0)
		return cmd_ping();
	if (strcmp(cmd, "get") == 0 && argc == 1)
		return cmd_get(argv[0]);
	if (strcmp(cmd, "incr") == 0 && (argc == 1 || argc == 2))
		return cmd_incr(argv[0], argc == 2 ? atoi(argv[1]) : 1);
	if (strcmp(cmd, "list") == 0 && argc == 1)
		return cmd_list(argv[0]);
	if (strcmp(cmd, "revoke") == 0 && argc == 2)
		return cmd_revoke(argv[0], argv[1]);
	if (strcmp(cmd, "pair-create") == 0 && (argc == 2 || argc == 3))
		return cmd_pair_create(argv[0], argv[1], argc == 3 ? argv[2] : "127.0.0.1");
	if (strcmp(cmd, "pair-info") == 0 && argc == 1)
		return cmd_pair_info(argv[0]);
	if (strcmp(cmd, "pair-decide") == 0 && argc == 3)
		return cmd_pair_decide(argv[0], argv[1], argv[2]);
	if (strcmp(cmd, "pair-take") == 0 && argc == 1)
		return cmd_pair_take(argv[0]);
	if (strcmp(cmd, "pair-approve") == 0 && argc == 1)
		return cmd_pair_approve(argv[0]);
	if (strcmp(cmd, "pipeline") == 0 && argc == 2 && atoi(argv[1]) > 0)
		return cmd_pipeline(argv[0], atoi(argv[1]));
	if (strcmp(cmd, "pair-flood") == 0 && (argc == 2 || argc == 3) && atoi(argv[1]) > 0)
		return cmd_pair_flood(argv[0], atoi(argv[1]), argc == 3 ? argv[2] : NULL);
	if (strcmp(cmd, "pair-polls") == 0 && argc == 2 && atoi(argv[1]) > 0)
		return cmd_pair_polls(argv[0], atoi(argv[1]));
	if (strcmp(cmd, "login-flood") == 0 && argc == 3 && atoi(argv[2]) > 0)
		return cmd_login_flood(argv[0], argv[1], atoi(argv[2]));
	if (strcmp(cmd, "steady") == 0 && argc == 2)
		return cmd_steady(argv[0], atoi(argv[1]));
	if (strcmp(cmd, "raw") == 0 && argc == 1)
		return cmd_raw(argv[0]);
	if (strcmp(cmd, "crash-incr") == 0 && argc == 2)
		return cmd_crash_incr(argv[0], atoi(argv[1]));
	usage();
}
