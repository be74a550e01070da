/* frontend/limit.c: strict address literals, CIDR lists, token buckets, connection counts. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "../../frontend/limit.h"

static int
parses(const char *s)
{
	struct addr a;

	return addr_parse(s, strlen(s), &a) == 0;
}

static struct addr
A(const char *s)
{
	struct addr a;

	if (addr_parse(s, strlen(s), &a) == -1)
		memset(&a, 0xee, sizeof(a));
	return a;
}

static struct addr
G(const char *s)
{
	struct addr a = A(s), g;

	addr_group(&a, &g);
	return g;
}

static int
list_ok(const char *s)
{
	struct cidr_list	l;
	char			err[128];

	return cidr_list_parse(s, &l, err, sizeof(err)) == 0;
}

static int
in_list(const char *list, const char *addr)
{
	struct cidr_list	l;
	struct addr		a = A(addr);
	char			err[128];

	return cidr_list_parse(list, &l, err, sizeof(err)) == 0 && cidr_list_match(&l, &a);
}

static void
test_addresses(void)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct addr		a, b;
	char			text[64];

	CHECK(parses("192.0.2.1") && parses("::1") && parses("2001:db8::7") &&
	    parses("::ffff:192.0.2.1"), "plain IPv4 and IPv6 literals parse");
	CHECK(!parses("") && !parses(" 192.0.2.1") && !parses("192.0.2.1 ") &&
	    !parses("192.0.2.1:80") && !parses("[::1]") && !parses("fe80::1%eth0") &&
	    !parses("192.0.2") && !parses("192.0.2.256") && !parses("unknown") &&
	    !parses("1.2.3.4.5") && !parses("::1::2"), "ports, brackets, zones, blanks and junk refused");
	CHECK(addr_parse("192.0.2.1\0x", 11, &a) == -1, "a NUL inside the length is refused");
	b = A("192.0.2.1");
	CHECK(addr_parse("192.0.2.10", 9, &a) == 0 && memcmp(&a, &b, sizeof(a)) == 0,
	    "exactly len bytes are read");
	CHECK(!parses("1111:2222:3333:4444:5555:6666:7777:8888:9999"), "over-long literal refused");
	a = A("::ffff:192.0.2.1");
	b = A("192.0.2.1");
	CHECK(memcmp(&a, &b, sizeof(a)) == 0 && addr_is_v4(&a), "IPv4-mapped IPv6 is the IPv4 address");
	addr_text(&b, text, sizeof(text));
	CHECK(strcmp(text, "192.0.2.1") == 0, "IPv4 prints as IPv4 (%s)", text);
	a = A("2001:DB8:0::1");
	addr_text(&a, text, sizeof(text));
	CHECK(strcmp(text, "2001:db8::1") == 0, "IPv6 prints canonically (%s)", text);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	CHECK(addr_from_sockaddr((struct sockaddr *)&sin, &a) == 0 && (b = A("127.0.0.2"),
	    memcmp(&a, &b, sizeof(a)) == 0), "from a sockaddr_in");
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &sin6.sin6_addr);
	CHECK(addr_from_sockaddr((struct sockaddr *)&sin6, &a) == 0 &&
	    memcmp(&a, &b, sizeof(a)) == 0, "from a v4-mapped sockaddr_in6: the same address");
	sin6.sin6_family = AF_UNIX;
	CHECK(addr_from_sockaddr((struct sockaddr *)&sin6, &a) == -1 &&
	    addr_from_sockaddr(NULL, &a) == -1, "other families refused");
}

static void
test_groups(void)
{
	struct addr a = G("2001:db8:1:2:aaaa::1"), b = G("2001:db8:1:2:bbbb::9"),
	    c = G("2001:db8:1:3::1"), d = G("192.0.2.1"), e = G("192.0.2.2");

	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "IPv6 addresses in one /64 share a group");
	CHECK(memcmp(&a, &c, sizeof(a)) != 0, "another /64 is another group");
	CHECK(memcmp(&d, &e, sizeof(d)) != 0, "IPv4 addresses are each their own group");
}

static void
test_cidr(void)
{
	struct cidr_list	l;
	char			err[128] = "", many[2048] = "";
	int			i;

	CHECK(list_ok("127.0.0.1") && list_ok("10.0.0.0/8, 192.168.1.0/24 ::1 fd00::/8") &&
	    list_ok("0.0.0.0/0") && list_ok("::/0"), "lists of addresses and prefixes parse");
	CHECK(!list_ok("10.0.0.0/33") && !list_ok("::/129") && !list_ok("10.0.0.0/") &&
	    !list_ok("10.0.0.0/08") && !list_ok("/8") && !list_ok("10.0.0.0/8/8") &&
	    !list_ok("10.0.0.0/-1") && !list_ok("localhost") && !list_ok("10.0.0.0;8"),
	    "bad prefixes and names refused");
	CHECK(cidr_list_parse("1.2.3.4, nope", &l, err, sizeof(err)) == -1 &&
	    strstr(err, "\"nope\"") != NULL, "the reason names the entry (%s)", err);
	for (i = 0; i < CIDR_LIST_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.0.%d ", i);
	CHECK(cidr_list_parse(many, &l, err, sizeof(err)) == -1, "more than %d entries refused",
	    CIDR_LIST_MAX);
	CHECK(in_list("10.0.0.0/8", "10.255.1.2") && !in_list("10.0.0.0/8", "11.0.0.1"),
	    "IPv4 prefix matches its addresses only");
	CHECK(in_list("192.0.2.7", "192.0.2.7") && !in_list("192.0.2.7", "192.0.2.8"),
	    "a bare address matches itself only");
	CHECK(in_list("10.1.2.3/8", "10.9.9.9"), "host bits in an entry are ignored");
	CHECK(in_list("fd00::/8", "fdff::1") && !in_list("fd00::/8", "fe80::1") &&
	    in_list("::1", "::1") && !in_list("::1", "127.0.0.1"), "IPv6 prefixes");
	CHECK(in_list("0.0.0.0/0", "203.0.113.9") && !in_list("0.0.0.0/0", "2001:db8::1"),
	    "0.0.0.0/0 is every IPv4 address and no IPv6 one");
	CHECK(in_list("127.0.0.1", "::ffff:127.0.0.1"), "a v4-mapped peer matches its IPv4 entry");
	CHECK(cidr_list_parse(" , ", &l, err, sizeof(err)) == 0 && l.n == 0 &&
	    !cidr_list_match(&l, &(struct addr){{0}}), "an empty list matches nothing");
}

static void
test_rate(void)
{
	struct rate_table	*t = rate_table_new(64, 5, 2);
	struct addr		 a = G("192.0.2.1"), b = G("192.0.2.2"), x;
	unsigned		 retry = 0, i, n;
	uint64_t		 now = 1000000;
	char			 s[64];

	CHECK(rate_table_new(64, 0, 2) == NULL && rate_table_new(64, 5, 0) == NULL,
	    "burst 0 or rate 0: no table (limits off)");
	for (n = 0; n < 100 && rate_take(t, &a, now, &retry); n++)
		;
	CHECK(n == 5, "a burst of 5 at once, then refused (%u taken)", n);
	CHECK(retry == 1, "retry in 1 s at 2 tokens a second (%u)", retry);
	CHECK(rate_take(t, &b, now, &retry) == 1, "another address has its own bucket");
	CHECK(rate_take(t, &a, now + 499, &retry) == 0, "no token before half a second");
	CHECK(rate_take(t, &a, now + 500, &retry) == 1 && rate_take(t, &a, now + 500, &retry) == 0,
	    "one token after half a second");
	for (n = 0, i = 0; i < 20; i++)	/* polling once a second never runs dry */
		n += rate_take(t, &a, now + 1000 + 1000 * (uint64_t)i, &retry);
	CHECK(n == 20, "one request a second is always served (%u of 20)", n);
	CHECK(rate_take(t, &a, now + 3600000, &retry) == 1, "an hour later: a full burst");
	for (n = 0; n < 100 && rate_take(t, &a, now + 3600000, &retry); n++)
		;
	CHECK(n == 4, "...of exactly 5 (%u more)", n);
	CHECK(rate_take(t, &a, now - 5000, &retry) == 0, "a clock going back refills nothing");
	rate_table_free(t);

	/* 64 entries, 10,000 addresses: bounded, and each new address starts full. */
	t = rate_table_new(64, 3, 1);
	for (n = 0, i = 0; i < 10000; i++) {
		snprintf(s, sizeof(s), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		x = G(s);
		n += rate_take(t, &x, now, &retry);
	}
	CHECK(n == 10000, "a full table evicts: every new address is served (%u)", n);
	/* a's burst a millisecond after the fill, so that no filler is as
	 * recent as a (a tie with the set's first slot would make a the victim). */
	for (n = 0; n < 10 && rate_take(t, &a, now + 1, &retry); n++)
		;
	/* Others come and go, a stays recent: asked again after each newcomer,
	 * it is never the least recent of its set (RATE_WAYS > 1), whatever
	 * the table's random hash key puts in that set. */
	for (i = 0; i < 200; i++) {
		snprintf(s, sizeof(s), "10.200.%u.%u", i >> 8, i & 255);
		x = G(s);
		(void)rate_take(t, &x, now + 2 + i, &retry);
		n += rate_take(t, &a, now + 2 + i, &retry);
	}
	CHECK(n == 3, "a recently refused address keeps its empty bucket (%u taken)", n);
	rate_table_free(t);
}

static void
test_conns(void)
{
	struct conn_table	*t = conn_table_new(4);
	struct addr		 a = G("192.0.2.1"), b = G("192.0.2.2"), c = G("::1"),
				 d = G("2001:db8::1"), e = G("2001:db9::1"), x;
	unsigned		 i, ok;
	char			 s[64];

	CHECK(conn_add(t, &a) == 1 && conn_add(t, &a) == 2 && conn_add(t, &b) == 1,
	    "counts per address");
	CHECK(conn_add(t, &c) == 1 && conn_add(t, &d) == 1 && conn_add(t, &e) == 0,
	    "at most 4 addresses at once");
	CHECK(conn_add(t, &a) == 3, "a known address still counts when full");
	conn_del(t, &b);
	CHECK(conn_count(t, &b) == 0 && conn_add(t, &e) == 1, "a closed address frees its place");
	conn_del(t, &a);
	conn_del(t, &a);
	CHECK(conn_count(t, &a) == 1, "closing counts down (%u)", conn_count(t, &a));
	x = G("203.0.113.1");
	conn_del(t, &x);
	CHECK(conn_count(t, &x) == 0 && conn_count(t, &c) == 1, "closing an unknown address: no change");
	conn_table_free(t);

	/* Churn with deletions: every count stays exact. */
	t = conn_table_new(300);
	for (i = 0; i < 300; i++) {
		snprintf(s, sizeof(s), "10.0.%u.%u", i >> 8, i & 255);
		x = G(s);
		conn_add(t, &x);
		conn_add(t, &x);
	}
	for (i = 0; i < 300; i += 2) {
		snprintf(s, sizeof(s), "10.0.%u.%u", i >> 8, i & 255);
		x = G(s);
		conn_del(t, &x);
		conn_del(t, &x);
	}
	for (ok = 1, i = 0; i < 300; i++) {
		snprintf(s, sizeof(s), "10.0.%u.%u", i >> 8, i & 255);
		x = G(s);
		if (conn_count(t, &x) != (i % 2 ? 2u : 0u))
			ok = 0;
	}
	CHECK(ok, "after 300 adds and 150 removals every count is exact");
	conn_table_free(t);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_addresses();
	test_groups();
	test_cidr();
	test_rate();
	test_conns();
	return CHECK_DONE();
}
