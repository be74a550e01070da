/*
 * Limits per client address (used by http.c, req.c and route.c; pure, no I/O):
 * address literals and CIDR lists, a bounded table of token buckets, and a
 * table of open-connection counts.  The caller passes the time.
 *
 * Addresses are kept as 16 bytes, IPv4 as ::ffff:a.b.c.d.  Limits count by an
 * address group: the whole IPv4 address, or the /64 of an IPv6 address (one
 * host commonly holds a whole /64).  Both tables hash with a random SipHash key
 * chosen at creation, so a client cannot aim its addresses at one slot.
 */
#ifndef AIRLOCK_FE_LIMIT_H
#define AIRLOCK_FE_LIMIT_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

struct addr {
	uint8_t		b[16];
};

struct cidr {
	struct addr	a;		/* host bits cleared */
	unsigned	bits;		/* prefix over the 16 bytes (IPv4 /n is 96 + n) */
};

#define CIDR_LIST_MAX	32

struct cidr_list {
	size_t		n;
	struct cidr	c[CIDR_LIST_MAX];
};

/* A bare IPv4 or IPv6 literal of exactly len bytes (no port, brackets or zone): 0 or -1. */
int	addr_parse(const char *text, size_t len, struct addr *);
/* From an AF_INET or AF_INET6 socket address: 0 or -1. */
int	addr_from_sockaddr(const struct sockaddr *, struct addr *);
/* "192.0.2.1" or "2001:db8::1" into dst (at least 46 bytes); "" if it does not fit. */
void	addr_text(const struct addr *, char *dst, size_t n);
int	addr_is_v4(const struct addr *);
/* The group limits count by: IPv4 whole, IPv6 cut to its /64. */
void	addr_group(const struct addr *, struct addr *group);

/* "ADDR[/BITS]" entries separated by commas and/or blanks; -1 with a reason in err. */
int	cidr_list_parse(const char *text, struct cidr_list *, char *err, size_t errlen);
int	cidr_list_match(const struct cidr_list *, const struct addr *);

/*
 * Token buckets, one per address group: burst tokens, refilled at per_sec a
 * second; each request takes one.  The table holds a fixed number of groups;
 * a new group takes the place of one whose bucket is full again, else of the
 * least recently used in its set.
 */
struct rate_table;

struct rate_table *rate_table_new(size_t entries, unsigned burst, unsigned per_sec);
void	rate_table_free(struct rate_table *);
/* 1: a token was taken.  0: none left; *retry_sec gets the whole seconds until one is. */
int	rate_take(struct rate_table *, const struct addr *group, uint64_t now_ms,
	    unsigned *retry_sec);

/* Open connections per address group; at most max groups at once. */
struct conn_table;

struct conn_table *conn_table_new(size_t max);
void	conn_table_free(struct conn_table *);
/* One more connection from group: the new count, or 0 when the table is full. */
unsigned conn_add(struct conn_table *, const struct addr *group);
/* One connection from group closed. */
void	conn_del(struct conn_table *, const struct addr *group);
unsigned conn_count(const struct conn_table *, const struct addr *group);

#endif
