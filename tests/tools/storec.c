/*
 * storec: a small blocking client of airlock-store for test scripts.
 *
 *	storec [-t MS] SOCKET COMMAND [ARGS]
 *
 * Every answer is printed as one line starting with its status word
 * (ok invalid notfound expired denied pending slow_down busy full ... ),
 * followed, when ok, by the answer's fields in msgtab.h's order: numbers in
 * decimal, strings as they are, binary values (tokens, sids, refs, grants,
 * proofs) in hex, "-" for an empty string or value; a list prints its count,
 * then one line per item.  Exit status: 0 when an answer arrived, 1 when the
 * connection failed, closed or timed out, 2 for usage.
 *
 * Message commands: the request's fields as arguments, in msgtab.h's order
 * (numbers in decimal, binary values in hex, "-" for an empty one):
 *	ping | get TOKEN | page TOKEN 0|1 | revoke TOKEN SID|- | create PROOF KIND LABEL |
 *	pair-create PAIRCODE LABEL [CLIENT (127.0.0.1)] | pair-info REF [TOKEN (-)] |
 *	pair-decide TOKEN REF 0|1 | pair-take PAIRCODE | pair-approve PROOF | logout PROOF
 *	msg NAME FIELDS...		any message of msgtab.h by name (STORE_PING)
 *	frame COMMAND ARGS		prints the request frame (hex, id 1) that a message
 *					command would send, and sends nothing
 * Other commands:
 *	keygen SKFILE			new Ed25519 key: SKFILE (raw, 0600), prints public key b64url
 *	sign SKFILE USER NAME [PURPOSE [EXPIRES_IN [GRANT|- [REF|- [EMAIL]]]]]	prints a proof (hex)
 *	login SKFILE USER NAME [LABEL]	sign + create a web session
 *	incr TOKEN [N]			N increments, prints the last answer
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
#include "proof.h"
#include "sock.h"
#include "msgview.h"

static int		timeout_ms = 5000;
static const char	*sockpath;
static uint32_t		next_id = 1;
static int		frame_only;	/* the frame command: print, do not send */
/* any request or answer struct */
static _Alignas(max_align_t) uint8_t	reqbuf[1 << 16], ansbuf[1 << 16];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: storec [-t MS] SOCKET COMMAND [ARGS] (see the source)\n");
	exit(2);
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

/* The request frame of type from its struct, with the next id; exits 2 when it does not encode. */
static uint32_t
build(struct mbuf *m, uint16_t type, const void *req)
{
	uint32_t id = next_id++;

	if (msg_request(m, type, id, req) == -1) {
		fprintf(stderr, "storec: a field of %s is out of its bounds\n", msg_type_name(type));
		exit(2);
	}
	return id;
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

/* Decodes an answer to type into ansbuf: its status, or -1 when it does not decode. */
static int
decode(uint16_t type, const uint8_t *payload, size_t len, uint8_t *status)
{
	struct mreader r;

	m_reader(&r, payload, len);
	return msg_read_answer(&r, type, status, ansbuf) == 0 ? 0 : -1;
}

/* One request on a connection of its own, its answer decoded into ansbuf.
 * Returns the status, or -1 when the answer's fields do not decode. */
static int
call(uint16_t type, const void *req)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD];
	struct mbuf	m;
	struct msg_hdr	h;
	uint32_t	id = build(&m, type, req);
	uint8_t		st;
	int		fd, n;

	if ((fd = sock_dial_unix(sockpath)) == -1) {
		printf("connect-failed\n");
		exit(1);
	}
	if (fd_write_all(fd, m.data, m.len) == -1 || (n = recv_msg(fd, &h, buf)) < 0) {
		printf("closed\n");
		exit(1);
	}
	close(fd);
	if (h.id != id || h.type != type + 1 || n < 1) {
		printf("bad-answer\n");
		exit(1);
	}
	return decode(type, buf, (size_t)n, &st) == 0 ? st : -1;
}

/* Sends the request, prints the answer as one line (a list: more lines). */
static int
call_print(uint16_t type, const void *req)
{
	int st = call(type, req);

	if (st == -1) {
		printf("bad-fields\n");
		return 1;
	}
	printf("%s", mv_status_word((uint8_t)st));
	if (st == ST_OK)
		mv_print(mv_fields(type, 1), ansbuf);
	printf("\n");
	return 0;
}

/* A message command: argv are the request's fields. */
static int
cmd_msg(uint16_t type, int argc, char **argv)
{
	struct mbuf	m;
	size_t		i;

	if (mv_parse(mv_fields(type, 0), msg_def(type)->req.size, argc, argv, reqbuf) == -1)
		usage();
	if (!frame_only)
		return call_print(type, reqbuf);
	build(&m, type, reqbuf);
	for (i = 0; i < m.len; i++)
		printf("%02x", m.data[i]);
	printf("\n");
	return 0;
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

/* argv: SKFILE USER NAME [PURPOSE [EXPIRES_IN [GRANT [REF [EMAIL]]]]]; the signed proof into q. */
static void
make_proof(int argc, char **argv, struct msg_store_session_create *q)
{
	struct proof	p;
	uint8_t		sk[crypto_sign_SECRETKEYBYTES];
	int		n;

	memset(&p, 0, sizeof(p));
	read_sk(argv[0], sk);
	snprintf(p.user_id, sizeof(p.user_id), "%s", argv[1]);
	snprintf(p.name, sizeof(p.name), "%s", argv[2]);
	p.purpose = argc > 3 ? atoi(argv[3]) : PURPOSE_WEB;
	p.expires = (uint64_t)(time(NULL) + (argc > 4 ? atol(argv[4]) : PROOF_TTL));
	randombytes_buf(p.nonce, sizeof(p.nonce));
	if ((argc > 5 && mv_hex(argv[5], p.grant, MAX_GRANT, 0, &p.grant_len) == -1) ||
	    (argc > 6 && mv_hex(argv[6], p.ref, REF_LEN, 0, &p.ref_len) == -1) ||
	    (argc > 7 && strcmp(argv[7], "-") != 0 &&
	    snprintf(p.email, sizeof(p.email), "%s", argv[7]) >= (int)sizeof(p.email)))
		usage();
	n = proof_sign(&p, sk, q->proof, sizeof(q->proof));
	sodium_memzero(sk, sizeof(sk));
	if (n < 0) {
		fprintf(stderr, "storec: proof_sign failed\n");
		exit(2);
	}
	q->proof_len = (size_t)n;
}

static int
cmd_incr(const char *tok, int n)
{
	struct msg_store_increment	q;
	int				i, st = ST_OK;

	memset(&q, 0, sizeof(q));
	if (mv_hex(tok, q.token, TOKEN_LEN, 1, NULL) == -1)
		usage();
	for (i = 0; i < n - 1 && st == ST_OK; i++)
		st = call(MSG_STORE_INCREMENT, &q);
	if (st != ST_OK) {
		printf("%s\n", st == -1 ? "bad-fields" : mv_status_word((uint8_t)st));
		return st == -1;
	}
	return call_print(MSG_STORE_INCREMENT, &q);
}

typedef void (*fill_fn)(void *req, int i, const void *arg);

struct piped {
	uint16_t	type;
	unsigned	counts[ST_MAX + 1];
	uint64_t	first, last;	/* INCREMENT: the first and last request's counter */
};

/* Reads n answers to requests base..base+n-1: each id exactly once, of the right type. */
static void
collect(int fd, int n, uint32_t base, struct piped *pp)
{
	static uint8_t			 buf[MSG_MAX_PAYLOAD];
	const struct msg_store_increment_r *inc = (const void *)ansbuf;
	uint8_t				*seen, st;
	struct msg_hdr			 h;
	int				 i;

	if ((seen = calloc(n, 1)) == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		if (recv_msg(fd, &h, buf) < 1 || h.type != pp->type + 1 || h.id < base ||
		    h.id - base >= (uint32_t)n || seen[h.id - base] ||
		    decode(pp->type, buf, h.len, &st) == -1) {
			printf("bad-answer after %d answers\n", i);
			exit(1);
		}
		seen[h.id - base] = 1;
		pp->counts[st < ST_MAX ? st : ST_MAX]++;
		if (pp->type == MSG_STORE_INCREMENT && st == ST_OK && h.id == base)
			pp->first = inc->counter;
		if (pp->type == MSG_STORE_INCREMENT && st == ST_OK && h.id == base + n - 1)
			pp->last = inc->counter;
	}
	free(seen);
}

/* N requests built by fill(req, i, arg) sent in one write by a child while
 * the answers are read (neither side's buffers can fill up for good). */
static void
pipelined(int n, fill_fn fill, const void *arg, struct piped *pp)
{
	uint8_t		*out;
	size_t		 len = 0;
	struct mbuf	 m;
	uint32_t	 base = next_id;
	pid_t		 writer;
	int		 fd, i;

	if ((out = malloc((size_t)n * 1200)) == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		memset(reqbuf, 0, msg_def(pp->type)->req.size);
		fill(reqbuf, i, arg);
		build(&m, pp->type, reqbuf);
		if (m.len > 1200)
			exit(2);
		memcpy(out + len, m.data, m.len);
		len += m.len;
	}
	if ((fd = sock_dial_unix(sockpath)) == -1) {
		printf("connect-failed\n");
		exit(1);
	}
	if ((writer = fork()) == -1)
		exit(1);
	if (writer == 0)
		_exit(fd_write_all(fd, out, len) == -1);
	collect(fd, n, base, pp);
	close(fd);
	waitpid(writer, NULL, 0);
	free(out);
}

/* "status=count ..." of a pipelined run, one line. */
static int
print_counts(const struct piped *pp)
{
	int i;

	for (i = 0; i < ST_MAX; i++)
		if (pp->counts[i])
			printf("%s=%u ", mv_status_word((uint8_t)i), pp->counts[i]);
	printf("\n");
	return 0;
}

static void
fill_incr(void *req, int i, const void *tok)
{
	struct msg_store_increment *q = req;

	if (mv_hex(tok, q->token, TOKEN_LEN, 1, NULL) == -1)
		usage();
}

struct flood_arg {
	const char	*prefix;
	const char	*client;	/* NULL: each pairing from an address of its own */
};

static void
fill_pair(void *req, int i, const void *arg)
{
	struct msg_store_pair_create	*q = req;
	const struct flood_arg		*fa = arg;

	snprintf(q->paircode, sizeof(q->paircode), "%s%08d", fa->prefix, i);
	snprintf(q->label, sizeof(q->label), "flood");
	if (fa->client != NULL)
		snprintf(q->client, sizeof(q->client), "%s", fa->client);
	else
		snprintf(q->client, sizeof(q->client), "%.30s%08d", fa->prefix, i);	/* as the code */
}

static void
fill_take(void *req, int i, const void *code)
{
	struct msg_store_pair_take *q = req;

	snprintf(q->paircode, sizeof(q->paircode), "%s", (const char *)code);
}

struct login_arg {
	const char	*prefix;
	uint8_t		 sk[crypto_sign_SECRETKEYBYTES];
};

static void
fill_login(void *req, int i, const void *arg)
{
	struct msg_store_session_create	*q = req;
	const struct login_arg		*la = arg;
	struct proof			 p;
	int				 n;

	memset(&p, 0, sizeof(p));
	snprintf(p.user_id, sizeof(p.user_id), "%.64s%d", la->prefix, i);
	snprintf(p.name, sizeof(p.name), "User %d", i);
	p.purpose = PURPOSE_WEB;
	p.expires = (uint64_t)time(NULL) + PROOF_TTL;
	randombytes_buf(p.nonce, sizeof(p.nonce));
	if ((n = proof_sign(&p, la->sk, q->proof, sizeof(q->proof))) < 0)
		exit(2);
	q->proof_len = (size_t)n;
	q->kind = KIND_WEB;
	snprintf(q->label, sizeof(q->label), "flood");
}

static int
cmd_pipeline(const char *tok, int n)
{
	struct piped pp = { .type = MSG_STORE_INCREMENT };

	pipelined(n, fill_incr, tok, &pp);
	printf("%s %u %llu %llu\n", pp.counts[ST_OK] == (unsigned)n ? "ok" : "some-failed",
	    pp.counts[ST_OK], (unsigned long long)pp.first, (unsigned long long)pp.last);
	return 0;
}

static int
cmd_flood(uint16_t type, fill_fn fill, const void *arg, int n)
{
	struct piped pp = { .type = type };

	pipelined(n, fill, arg, &pp);
	return print_counts(&pp);
}

/* Increments on one connection every 20 ms until SECONDS pass, or reconnecting
 * after every failure (crash: prints each acknowledged value). */
static int
increments(const char *tok, int seconds, int crash)
{
	static uint8_t				 buf[MSG_MAX_PAYLOAD];
	struct timespec				 pause = { 0, (crash ? 5 : 20) * 1000 * 1000 };
	const struct msg_store_increment_r	*a = (const void *)ansbuf;
	struct msg_store_increment		 q;
	struct mbuf				 m;
	struct msg_hdr				 h;
	time_t					 end = time(NULL) + seconds;
	unsigned				 n = 0;
	uint32_t				 id;
	uint8_t					 st;
	int					 fd = -1;

	memset(&q, 0, sizeof(q));
	if (mv_hex(tok, q.token, TOKEN_LEN, 1, NULL) == -1)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (time(NULL) < end) {
		if (fd == -1 && (fd = sock_dial_unix(sockpath)) == -1 && !crash) {
			printf("connect-failed\n");
			return 1;
		}
		if (fd == -1) {
			nanosleep(&pause, NULL);
			continue;
		}
		id = build(&m, MSG_STORE_INCREMENT, &q);
		if (fd_write_all(fd, m.data, m.len) == -1 || recv_msg(fd, &h, buf) < 1 ||
		    h.id != id || decode(MSG_STORE_INCREMENT, buf, h.len, &st) == -1 ||
		    (!crash && st != ST_OK)) {
			if (!crash) {
				printf("lost after %u\n", n);
				return 1;
			}
			close(fd);
			fd = -1;
			continue;
		}
		n++;
		if (crash && st == ST_OK)
			printf("%llu\n", (unsigned long long)a->counter);
		else if (crash)
			printf("status %u\n", st);
		else
			nanosleep(&pause, NULL);
	}
	if (fd != -1)
		close(fd);
	if (!crash)
		printf("ok %u\n", n);
	return 0;
}

/* Sends raw bytes; tells whether the store answered, closed, or kept waiting. */
static int
cmd_raw(const char *hex)
{
	static uint8_t	buf[MSG_MAX_PAYLOAD + MSG_HDR_LEN];
	uint8_t		hb[MSG_HDR_LEN];
	struct msg_hdr	h;
	size_t		len;
	int		fd, rc;

	if (mv_hex(hex, buf, sizeof(buf), 0, &len) == -1)
		usage();
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
		printf("answer %u %s\n", h.type, mv_status_word(buf[0]));
	close(fd);
	return 0;
}

/* The message commands: a name for a message whose arguments are its request's fields. */
static const struct {
	const char	*name;
	uint16_t	 type;
} msg_cmds[] = {
	{ "ping",		MSG_STORE_PING },
	{ "get",		MSG_STORE_SESSION_GET },
	{ "page",		MSG_STORE_PAGE },
	{ "revoke",		MSG_STORE_SESSION_REVOKE },
	{ "create",		MSG_STORE_SESSION_CREATE },
	{ "pair-create",	MSG_STORE_PAIR_CREATE },
	{ "pair-info",		MSG_STORE_PAIR_INFO },
	{ "pair-decide",	MSG_STORE_PAIR_DECIDE },
	{ "pair-take",		MSG_STORE_PAIR_TAKE },
	{ "pair-approve",	MSG_STORE_PAIR_APPROVE },
	{ "logout",		MSG_STORE_LOGOUT },
};

/* A message command given all but its last field gets this one. */
static const struct {
	uint16_t	 type;
	int		 argc;
	char		*last;
} msg_last_default[] = {
	{ MSG_STORE_PAIR_CREATE, 2, "127.0.0.1" },
	{ MSG_STORE_PAIR_INFO, 1, "-" },
};

static int
commands(const char *cmd, int argc, char **argv)
{
	static struct msg_store_session_create	c;
	static char				*full[3];
	static struct login_arg			la;
	struct flood_arg			fa;
	size_t					i, j;
	uint16_t				type;

	for (i = 0; i < sizeof(msg_cmds) / sizeof(msg_cmds[0]); i++) {
		if (strcmp(cmd, msg_cmds[i].name) != 0)
			continue;
		for (j = 0; j < sizeof(msg_last_default) / sizeof(msg_last_default[0]); j++)
			if (msg_last_default[j].type == msg_cmds[i].type &&
			    msg_last_default[j].argc == argc) {
				memcpy(full, argv, (size_t)argc * sizeof(*argv));
				full[argc++] = msg_last_default[j].last;
				argv = full;
			}
		return cmd_msg(msg_cmds[i].type, argc, argv);
	}
	if (strcmp(cmd, "msg") == 0 && argc >= 1 && (type = mv_type_named(argv[0])) != 0)
		return cmd_msg(type, argc - 1, argv + 1);
	if (strcmp(cmd, "frame") == 0 && argc >= 1 && !frame_only) {
		frame_only = 1;
		return commands(argv[0], argc - 1, argv + 1);
	}
	if (strcmp(cmd, "keygen") == 0 && argc == 1)
		return cmd_keygen(argv[0]);
	if (strcmp(cmd, "sign") == 0 && argc >= 3) {
		make_proof(argc, argv, &c);
		mv_print_hex(c.proof, c.proof_len);
		printf("\n");
		return 0;
	}
	if (strcmp(cmd, "login") == 0 && (argc == 3 || argc == 4)) {
		make_proof(3, argv, &c);
		c.kind = KIND_WEB;
		snprintf(c.label, sizeof(c.label), "%s", argc == 4 ? argv[3] : "test");
		return call_print(MSG_STORE_SESSION_CREATE, &c);
	}
	if (strcmp(cmd, "incr") == 0 && (argc == 1 || argc == 2))
		return cmd_incr(argv[0], argc == 2 ? atoi(argv[1]) : 1);
	if (strcmp(cmd, "pipeline") == 0 && argc == 2 && atoi(argv[1]) > 0)
		return cmd_pipeline(argv[0], atoi(argv[1]));
	if (strcmp(cmd, "pair-flood") == 0 && (argc == 2 || argc == 3) && atoi(argv[1]) > 0) {
		fa.prefix = argv[0];
		fa.client = argc == 3 ? argv[2] : NULL;
		return cmd_flood(MSG_STORE_PAIR_CREATE, fill_pair, &fa, atoi(argv[1]));
	}
	if (strcmp(cmd, "pair-polls") == 0 && argc == 2 && atoi(argv[1]) > 0)
		return cmd_flood(MSG_STORE_PAIR_TAKE, fill_take, argv[0], atoi(argv[1]));
	if (strcmp(cmd, "login-flood") == 0 && argc == 3 && atoi(argv[2]) > 0) {
		la.prefix = argv[1];
		read_sk(argv[0], la.sk);
		return cmd_flood(MSG_STORE_SESSION_CREATE, fill_login, &la, atoi(argv[2]));
	}
	if (strcmp(cmd, "steady") == 0 && argc == 2)
		return increments(argv[0], atoi(argv[1]), 0);
	if (strcmp(cmd, "crash-incr") == 0 && argc == 2)
		return increments(argv[0], atoi(argv[1]), 1);
	if (strcmp(cmd, "raw") == 0 && argc == 1)
		return cmd_raw(argv[0]);
	usage();
}

int
main(int argc, char *argv[])
{
	int ch;

	while ((ch = getopt(argc, argv, "+t:")) != -1) {
		if (ch != 't')
			usage();
		timeout_ms = atoi(optarg);
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || sodium_init() < 0)
		usage();
	sockpath = argv[0];
	return commands(argv[1], argc - 2, argv + 2);
}
