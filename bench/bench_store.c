/*
 * bench_store: durable increments per second.
 *
 *	bench_store raw DIR SECONDS
 *		raw LMDB in DIR: read a counter, add one, write it, commit (fsync'd),
 *		one transaction per increment: what a store without group commit gets
 *	bench_store sock SOCKET TOKENHEX CLIENTS SECONDS
 *		CLIENTS connections to airlock-store, each with one INCREMENT in
 *		flight at a time (an answer means the increment is on disk)
 *
 * Prints "MODE: N increments in S s = R/s" (and for sock the ok count, which a
 * caller can check against the stored counter).  SECONDS may be fractional.
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

static int
bench_raw(const char *dir, double seconds)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k = { 7, "counter" }, v;
	uint64_t	 c = 0, n = 0;
	double		 t0, t;
	int		 rc;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		die(dir, 0);
	if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_mapsize(env, 64 << 20)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 2)) != 0 || (rc = mdb_env_open(env, dir, 0, 0600)) != 0)
		die("mdb_env_open", rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "users", MDB_CREATE, &dbi)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		die("mdb_dbi_open", rc);
	t0 = now_s();
	do {
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
			die("mdb_txn_begin", rc);
		if (mdb_get(txn, dbi, &k, &v) == 0 && v.mv_size == sizeof(c))
			memcpy(&c, v.mv_data, sizeof(c));
		c++;
		v.mv_size = sizeof(c);
		v.mv_data = &c;
		if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0 || (rc = mdb_txn_commit(txn)) != 0)
			die("commit", rc);
		n++;
		t = now_s() - t0;
	} while (t < seconds);
	mdb_env_close(env);
	printf("raw: %llu increments in %.2f s = %.0f/s\n", (unsigned long long)n, t, n / t);
	return 0;
}

struct client {
	int	fd;
	uint8_t	in[ANSWER_LEN];
	size_t	got;
};

static void
send_incr(struct client *c, const uint8_t token[TOKEN_LEN], uint32_t id)
{
	struct msg_store_increment	q;
	struct mbuf			m;

	memcpy(q.token, token, TOKEN_LEN);
	if (msg_request(&m, MSG_STORE_INCREMENT, id, &q) == -1 ||
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

static int
bench_sock(const char *path, const char *tokhex, int nclients, double seconds)
{
	static struct client	cl[MAX_CLIENTS];
	static struct pollfd	pfd[MAX_CLIENTS];
	uint8_t			token[TOKEN_LEN];
	uint64_t		ok = 0, failed = 0, counted = 0;
	uint32_t		id = 1;
	double			t0, t = 0;
	int			i, n, good, done = 0;

	if (sodium_hex2bin(token, sizeof(token), tokhex, strlen(tokhex), NULL, NULL, NULL) != 0)
		die("token must be 64 hex digits", 0);
	if (nclients < 1 || nclients > MAX_CLIENTS)
		die("clients: 1 to 1024", 0);
	for (i = 0; i < nclients; i++) {
		if ((cl[i].fd = sock_dial_unix(path)) == -1)
			die(path, 0);
		pfd[i].fd = cl[i].fd;
		pfd[i].events = POLLIN;
	}
	t0 = now_s();
	for (i = 0; i < nclients; i++)
		send_incr(&cl[i], token, id++);
	/* after the deadline, collect the answers still in flight, send no more */
	while (done < nclients) {
		if ((n = poll(pfd, nclients, 5000)) <= 0)
			die("no answer within 5 s", 0);
		t = now_s() - t0;
		for (i = 0; i < nclients && n > 0; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n--;
			if (!read_answer(&cl[i], &good))
				continue;
			if (good)
				ok++;
			else
				failed++;
			if (t < seconds) {
				counted++;
				send_incr(&cl[i], token, id++);
			} else {
				pfd[i].fd = -1;
				done++;
			}
		}
	}
	for (i = 0; i < nclients; i++)
		close(cl[i].fd);
	printf("sock: %llu increments in %.2f s = %.0f/s with %d clients (ok %llu, failed %llu)\n",
	    (unsigned long long)counted, t, counted / t, nclients, (unsigned long long)ok,
	    (unsigned long long)failed);
	return failed != 0;
}

int
main(int argc, char *argv[])
{
	if (sodium_init() < 0)
		return 1;
	if (argc == 4 && strcmp(argv[1], "raw") == 0)
		return bench_raw(argv[2], atof(argv[3]));
	if (argc == 6 && strcmp(argv[1], "sock") == 0)
		return bench_sock(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
	fprintf(stderr, "usage: bench_store raw DIR SECONDS\n"
	    "       bench_store sock SOCKET TOKENHEX CLIENTS SECONDS\n");
	return 2;
}
