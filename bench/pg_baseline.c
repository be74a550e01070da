/*
 * pg_baseline: durable increments per second in PostgreSQL without airlock,
 * the baseline of bench/pg.sh.  CLIENTS libpq connections, each with one
 *
 *	UPDATE bench_counter SET counter = counter + 1 WHERE id = $1
 *
 * in flight at a time, each statement its own transaction (autocommit: one
 * commit, whose WAL flush the answer waits for, per increment).
 *
 *	pg_baseline [-p PASSWORD_FILE] [-r ROWS] CONNINFO CLIENTS SECONDS
 *		one run of SECONDS
 *	pg_baseline [-p PASSWORD_FILE] -i CONNINFO CLIENTS
 *		prints "ready" once connected, then one run per line "N ROWS
 *		SECONDS" read on stdin, on the first N (<= CLIENTS) of the same
 *		connections (a caller alternating it with other benchmarks pays
 *		the connections' set-up, about 30 ms each with scram, once),
 *		until end of input
 *
 * CONNINFO is a libpq connection string; the password, when one is needed,
 * is the first line of PASSWORD_FILE (never on the command line).  Client i
 * updates row i % ROWS + 1: ROWS 1 (the default) puts every client on the
 * same counter, as bench_store's clients all increment one user's, so the
 * row lock makes each transaction wait for the previous one's commit (one
 * client on one row is the plainest form: increment, commit, flush, in
 * turn); ROWS = CLIENTS gives each client a row of its own, so that
 * PostgreSQL's own flushes can carry several backends' commits.  The caller
 * makes the table:
 * bench_counter (id integer primary key, counter bigint not null), rows
 * 1..ROWS.
 *
 * The clock starts once every connection is up and its statement prepared.
 * Each run prints "pg: N increments in S s = R/s with C clients on ROWS rows
 * (ok K, failed F)": N counts the answers that arrived within SECONDS (the
 * rate), K every increment acknowledged, including those in flight at
 * SECONDS that are waited for, so that the caller can compare the sum of the
 * runs' K with sum(counter).  Exits 1 on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#define MAX_CLIENTS	1024
#define MAX_PASSWORD	256
#define STMT		"incr"

struct client {
	PGconn	*conn;
	char	 id[12];	/* the row, in decimal */
	int	 ok;		/* the statement's answer so far */
};

static struct client	cl[MAX_CLIENTS];
static struct pollfd	pfd[MAX_CLIENTS];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "pg_baseline: %s: %s\n", what, why);
	exit(1);
}

/* The first line of path into pw (at most len - 1 bytes); -1 when unreadable. */
static int
read_password(const char *path, char *pw, size_t len)
{
	ssize_t	n;
	size_t	got = 0;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (got < len - 1 && (n = read(fd, pw + got, len - 1 - got)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		got += n;
	}
	close(fd);
	pw[got] = '\0';
	pw[strcspn(pw, "\r\n")] = '\0';
	return 0;
}

static void
connect_all(const char *conninfo, const char *pwfile, int nclients)
{
	const char	*keys[] = { "dbname", "password", NULL };
	const char	*vals[] = { conninfo, NULL, NULL };
	char		 pw[MAX_PASSWORD];
	PGresult	*res;
	int		 i;

	if (pwfile != NULL) {
		if (read_password(pwfile, pw, sizeof(pw)) == -1)
			die(pwfile, strerror(errno));
		vals[1] = pw;
	}
	for (i = 0; i < nclients; i++) {
		cl[i].conn = PQconnectdbParams(keys, vals, 1);
		if (cl[i].conn == NULL || PQstatus(cl[i].conn) != CONNECTION_OK)
			die("connect", cl[i].conn ? PQerrorMessage(cl[i].conn) : "out of memory");
		res = PQprepare(cl[i].conn, STMT,
		    "UPDATE bench_counter SET counter = counter + 1 WHERE id = $1", 1, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			die("prepare", PQerrorMessage(cl[i].conn));
		PQclear(res);
	}
	if (pwfile != NULL)
		sodium_memzero(pw, sizeof(pw));
}

static void
send_incr(struct client *c)
{
	const char *params[1] = { c->id };

	c->ok = 0;
	if (!PQsendQueryPrepared(c->conn, STMT, 1, params, NULL, NULL, 0))
		die("send", PQerrorMessage(c->conn));
}

/*
 * Reads what arrived; 1 when the statement's answer is complete (its result,
 * then libpq's end of results), with c->ok set when it updated one row.
 */
static int
read_answer(struct client *c)
{
	static int	 said;	/* the first error is printed, the others counted */
	PGresult	*res;

	if (!PQconsumeInput(c->conn))
		die("read", PQerrorMessage(c->conn));
	while (!PQisBusy(c->conn)) {
		if ((res = PQgetResult(c->conn)) == NULL)
			return 1;
		if (PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(res), "1") == 0)
			c->ok = 1;
		else if (PQresultStatus(res) != PGRES_COMMAND_OK && !said++)
			fprintf(stderr, "pg_baseline: %s", PQresultErrorMessage(res));
		PQclear(res);
	}
	return 0;
}

/*
 * Each client keeps one increment of its row in flight until `seconds` have
 * passed, then its last one is waited for; prints the run's line.  Returns
 * the number of increments that failed.
 */
static unsigned long long
run(int nclients, int rows, double seconds)
{
	unsigned long long	counted = 0, ok = 0, failed = 0;
	double			t0, t = 0;
	int			i, n, done = 0;

	for (i = 0; i < nclients; i++) {
		snprintf(cl[i].id, sizeof(cl[i].id), "%d", i % rows + 1);
		pfd[i].fd = PQsocket(cl[i].conn);
		pfd[i].events = POLLIN;
	}
	t0 = now_s();
	for (i = 0; i < nclients; i++)
		send_incr(&cl[i]);
	while (done < nclients) {
		if ((n = poll(pfd, nclients, 10000)) <= 0)
			die("poll", n == 0 ? "no answer within 10 s" : strerror(errno));
		t = now_s() - t0;
		for (i = 0; i < nclients && n > 0; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n--;
			if (!read_answer(&cl[i]))
				continue;
			if (cl[i].ok)
				ok++;
			else
				failed++;
			if (t < seconds) {
				counted++;
				send_incr(&cl[i]);
			} else {
				pfd[i].fd = -1;
				done++;
			}
		}
	}
	printf("pg: %llu increments in %.2f s = %.0f/s with %d clients on %d rows (ok %llu, failed %llu)\n",
	    counted, t, t > 0 ? counted / t : 0, nclients, rows, ok, failed);
	fflush(stdout);
	return failed;
}

static int
valid(int nclients, int rows, double seconds)
{
	return nclients >= 1 && nclients <= MAX_CLIENTS && rows >= 1 && rows <= nclients &&
	    seconds > 0 && seconds <= 3600;
}

int
main(int argc, char *argv[])
{
	const char		*pwfile = NULL;
	char			 line[64];
	unsigned long long	 failed = 0;
	double			 seconds = 1;
	int			 ch, i, n, nclients, rows = 1, lines = 0;

	if (sodium_init() < 0)
		return 1;
	while ((ch = getopt(argc, argv, "ip:r:")) != -1) {
		switch (ch) {
		case 'i':
			lines = 1;
			break;
		case 'p':
			pwfile = optarg;
			break;
		case 'r':
			rows = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != (lines ? 2 : 3))
		goto usage;
	nclients = atoi(argv[optind + 1]);
	if (!lines)
		seconds = atof(argv[optind + 2]);
	if (!valid(nclients, rows, seconds))
		goto usage;
	connect_all(argv[optind], pwfile, nclients);
	if (!lines)
		failed = run(nclients, rows, seconds);
	else {
		printf("ready\n");
		fflush(stdout);
		while (fgets(line, sizeof(line), stdin) != NULL) {
			if (sscanf(line, "%d %d %lf", &n, &rows, &seconds) != 3 ||
			    n > nclients || !valid(n, rows, seconds))
				die("stdin", "want a line N ROWS SECONDS, N <= CLIENTS");
			failed += run(n, rows, seconds);
		}
	}
	for (i = 0; i < nclients; i++)
		PQfinish(cl[i].conn);
	return failed != 0;
usage:
	fprintf(stderr, "usage: pg_baseline [-p PASSWORD_FILE] [-r ROWS] CONNINFO CLIENTS SECONDS\n"
	    "       pg_baseline [-p PASSWORD_FILE] -i CONNINFO CLIENTS  (lines N ROWS SECONDS on stdin)\n"
	    "  (1 <= ROWS <= CLIENTS <= %d, 0 < SECONDS <= 3600)\n", MAX_CLIENTS);
	return 2;
}
