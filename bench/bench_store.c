/*
 * bench_store: durable increments per second.
 *
 *	bench_store raw DIR SECONDS
 *		raw LMDB in DIR: read a counter, add one, write it, commit (fsync'd),
 *		one transaction per increment: what a store without group commit gets
 *	bench_store sock SOCKET TOKENHEX CLIENTS SECONDS
 *		CLIENTS connections to airlock-store, each with one INCREMENT in
 *		flight at a time (an answer means the increment is on disk)
 *	bench_store slices DIR SOCKET TOKENHEX CLIENTS SECONDS
 *		both, taking turns in slices of at most half a second, SECONDS
 *		each in all: the two meet the same disk, whose fsync rate swings
 *		several-fold within seconds on a shared machine
 *
 * Prints "MODE: N increments in S s = R/s" (and for sock the ok count, which a
 * caller can check against the stored counter; slices prints both lines and
 * the spread of the slices' ratios).  SECONDS may be fractional.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "msg.h"
#include "sock.h"

#define MAX_CLIENTS	1024
#define SLICE_S		0.5	/* longest slice of the alternated run */
#define MAX_SLICES	64
#define ANSWER_LEN	(MSG_HDR_LEN + 1 + 8)	/* status + u64 counter */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, rc ? mdb_strerror(rc) : strerror(errno));
	exit(1);
}

struct raw {
	MDB_env		*env;
	MDB_dbi		 dbi;
};

static void
raw_open(struct raw *rw, const char *dir)
{
	MDB_txn	*txn;
	int	 rc;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		die(dir, 0);
	if ((rc = mdb_env_create(&rw->env)) != 0 ||
	    (rc = mdb_env_set_mapsize(rw->env, 64 << 20)) != 0 ||
	    (rc = mdb_env_set_maxdbs(rw->env, 2)) != 0 ||
	    (rc = mdb_env_open(rw->env, dir, 0, 0600)) != 0)
		die("mdb_env_open", rc);
	if ((rc = mdb_txn_begin(rw->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "users", MDB_CREATE, &rw->dbi)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		die("mdb_dbi_open", rc);
}

/* Increments for `seconds`, one committed transaction each; adds to *n and *t. */
static void
raw_run(struct raw *rw, double seconds, uint64_t *n, double *t)
{
	MDB_txn		*txn;
	MDB_val		 k = { 7, "counter" }, v;
	uint64_t	 c = 0;
	double		 t0 = now_s(), dt;
	int		 rc;

	do {
		if ((rc = mdb_txn_begin(rw->env, NULL, 0, &txn)) != 0)
			die("mdb_txn_begin", rc);
		if (mdb_get(txn, rw->dbi, &k, &v) == 0 && v.mv_size == sizeof(c))
			memcpy(&c, v.mv_data, sizeof(c));
		c++;
		v.mv_size = sizeof(c);
		v.mv_data = &c;
		if ((rc = mdb_put(txn, rw->dbi, &k, &v, 0)) != 0 || (rc = mdb_txn_commit(txn)) != 0)
			die("commit", rc);
		(*n)++;
		dt = now_s() - t0;
	} while (dt < seconds);
	*t += dt;
}

struct client {
	int	fd;
	uint8_t	in[ANSWER_LEN];
	size_t	got;
};

struct sock {
	struct client	cl[MAX_CLIENTS];
	struct pollfd	pfd[MAX_CLIENTS];
	uint8_t		token[TOKEN_LEN];
	int		nclients;
	uint32_t	id;
	uint64_t	counted, ok, failed;	/* totals over the runs */
	double		t;
};

static void
send_incr(struct sock *sk, struct client *c)
{
	struct msg_store_increment	q;
	struct mbuf			m;

	memcpy(q.token, sk->token, TOKEN_LEN);
	if (msg_request(&m, MSG_STORE_INCREMENT, sk->id++, &q) == -1 ||
	    send(c->fd, m.data, m.len, MSG_NOSIGNAL) != (ssize_t)m.len)
		die("send", 0);
	c->got = 0;
}

/* Reads what is there; 1 when a whole answer arrived (ok in *ok). */
static int
read_answer(struct client *c, int *ok)
{
	struct msg_hdr	h;
	ssize_t		r;

	r = read(c->fd, c->in + c->got, sizeof(c->in) - c->got);
	if (r <= 0)
		die(r == 0 ? "store closed the connection" : "read", 0);
	c->got += r;
	if (c->got < MSG_HDR_LEN)
		return 0;
	if (msg_hdr_parse(c->in, &h) == -1 || h.type != MSG_STORE_INCREMENT_R)
		die("bad answer", 0);
	if (h.len != 1 + 8) {	/* an error status has no counter */
		*ok = 0;
		if (c->got < MSG_HDR_LEN + h.len)
			return 0;
		return 1;
	}
	if (c->got < ANSWER_LEN)
		return 0;
	*ok = c->in[MSG_HDR_LEN] == ST_OK;
	return 1;
}

static void
sock_open(struct sock *sk, const char *path, const char *tokhex, int nclients)
{
	int i;

	if (sodium_hex2bin(sk->token, sizeof(sk->token), tokhex, strlen(tokhex), NULL, NULL,
	    NULL) != 0)
		die("token must be 64 hex digits", 0);
	if (nclients < 1 || nclients > MAX_CLIENTS)
		die("clients: 1 to 1024", 0);
	sk->nclients = nclients;
	sk->id = 1;
	for (i = 0; i < nclients; i++)
		if ((sk->cl[i].fd = sock_dial_unix(path)) == -1)
			die(path, 0);
}

/*
 * Each client keeps one increment in flight for `seconds`; the answers that
 * arrive after that are collected (they count as ok, not in the rate), so
 * nothing is in flight when this returns.
 */
static void
sock_run(struct sock *sk, double seconds)
{
	double	t0, t = 0;
	int	i, n, good, done = 0;

	for (i = 0; i < sk->nclients; i++) {
		sk->pfd[i].fd = sk->cl[i].fd;
		sk->pfd[i].events = POLLIN;
	}
	t0 = now_s();
	for (i = 0; i < sk->nclients; i++)
		send_incr(sk, &sk->cl[i]);
	while (done < sk->nclients) {
		if ((n = poll(sk->pfd, sk->nclients, 5000)) <= 0)
			die("no answer within 5 s", 0);
		t = now_s() - t0;
		for (i = 0; i < sk->nclients && n > 0; i++) {
			if (sk->pfd[i].fd < 0 ||
			    !(sk->pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n--;
			if (!read_answer(&sk->cl[i], &good))
				continue;
			if (good)
				sk->ok++;
			else
				sk->failed++;
			if (t < seconds) {
				sk->counted++;
				send_incr(sk, &sk->cl[i]);
			} else {
				sk->pfd[i].fd = -1;
				done++;
			}
		}
	}
	sk->t += t;
}

static void
print_raw(uint64_t n, double t)
{
	printf("raw: %llu increments in %.2f s = %.0f/s\n", (unsigned long long)n, t, n / t);
}

static void
print_sock(const struct sock *sk)
{
	printf("sock: %llu increments in %.2f s = %.0f/s with %d clients (ok %llu, failed %llu)\n",
	    (unsigned long long)sk->counted, sk->t, sk->counted / sk->t, sk->nclients,
	    (unsigned long long)sk->ok, (unsigned long long)sk->failed);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Raw LMDB and the store take turns in slices of SLICE_S seconds (longer when
 * `seconds` needs more than MAX_SLICES of them), `seconds` each in all, so
 * that both meet the same disk: a shared disk's fsync rate swings several-fold
 * within seconds when other processes write.
 */
static int
bench_slices(const char *dir, const char *path, const char *tokhex, int nclients,
    double seconds)
{
	static struct sock	 sk;
	struct raw		 rw;
	double			 slice, rt = 0, ratios[MAX_SLICES], done = 0;
	uint64_t		 rn = 0, rn0, sc0;
	int			 k = 0;

	if (!(seconds > 0)) {
		errno = EINVAL;
		die("seconds must be more than 0", 0);
	}
	raw_open(&rw, dir);
	sock_open(&sk, path, tokhex, nclients);
	slice = seconds / MAX_SLICES > SLICE_S ? seconds / MAX_SLICES : SLICE_S;
	while (done < seconds - 1e-9 && k < MAX_SLICES) {
		double d = seconds - done < slice ? seconds - done : slice, rt0 = rt, st0 = sk.t;

		rn0 = rn;
		sc0 = sk.counted;
		raw_run(&rw, d, &rn, &rt);
		sock_run(&sk, d);
		ratios[k++] = (rn - rn0) > 0 ? ((sk.counted - sc0) / (sk.t - st0)) /
		    ((rn - rn0) / (rt - rt0)) : 0;
		done += d;
	}
	mdb_env_close(rw.env);
	print_raw(rn, rt);
	print_sock(&sk);
	qsort(ratios, k, sizeof(ratios[0]), cmp_double);
	printf("slices: %d of %.2f s each, alternated; slice ratios min %.1fx median %.1fx max %.1fx\n",
	    k, slice, ratios[0], ratios[k / 2], ratios[k - 1]);
	return sk.failed != 0;
}

int
main(int argc, char *argv[])
{
	static struct sock	sk;
	struct raw		rw;
	uint64_t		n = 0;
	double			t = 0;

	if (sodium_init() < 0)
		return 1;
	if (argc == 4 && strcmp(argv[1], "raw") == 0) {
		raw_open(&rw, argv[2]);
		raw_run(&rw, atof(argv[3]), &n, &t);
		mdb_env_close(rw.env);
		print_raw(n, t);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "sock") == 0) {
		sock_open(&sk, argv[2], argv[3], atoi(argv[4]));
		sock_run(&sk, atof(argv[5]));
		print_sock(&sk);
		return sk.failed != 0;
	}
	if (argc == 7 && strcmp(argv[1], "slices") == 0)
		return bench_slices(argv[2], argv[3], argv[4], atoi(argv[5]), atof(argv[6]));
	fprintf(stderr, "usage: bench_store raw DIR SECONDS\n"
	    "       bench_store sock SOCKET TOKENHEX CLIENTS SECONDS\n"
	    "       bench_store slices DIR SOCKET TOKENHEX CLIENTS SECONDS\n");
	return 2;
}
