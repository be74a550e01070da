/*
 * Messages as test tools read and print them, field by field, from the one
 * table of proto/msgtab.h: numbers in decimal, strings as they are, binary
 * values in hex, "-" for an empty string or value.  A field list is generated
 * here per request and answer, with its kinds and bounds, so that one parser
 * and one printer serve every message.
 */
#ifndef AIRLOCK_MSGVIEW_H
#define AIRLOCK_MSGVIEW_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "msg.h"
#include "proof.h"

enum mv_kind { MV_END, MV_U8, MV_U32, MV_U64, MV_STR, MV_BYTES, MV_BLOB, MV_OPT, MV_LIST };

struct mv_field {
	enum mv_kind		 kind;
	size_t			 off, bound;
	size_t			 aux;		/* BLOB/OPT: the _len member; LIST: the _n member */
	const struct mv_field	*items;		/* LIST */
	size_t			 item_size;
};

#define MV_(S, kind, name, ...)	MV_##kind(S, name, __VA_ARGS__)
#define MV_U8(S, n, b)		{ MV_U8, offsetof(S, n), 0, 0, NULL, 0 },
#define MV_U32(S, n, b)		{ MV_U32, offsetof(S, n), 0, 0, NULL, 0 },
#define MV_U64(S, n, b)		{ MV_U64, offsetof(S, n), 0, 0, NULL, 0 },
#define MV_STR(S, n, b)		{ MV_STR, offsetof(S, n), b, 0, NULL, 0 },
#define MV_BYTES(S, n, b)	{ MV_BYTES, offsetof(S, n), b, 0, NULL, 0 },
#define MV_BLOB(S, n, b)	{ MV_BLOB, offsetof(S, n), b, offsetof(S, n##_len), NULL, 0 },
#define MV_OPT(S, n, b)		{ MV_OPT, offsetof(S, n), b, offsetof(S, n##_len), NULL, 0 },
#define MV_LIST(S, n, b, l)	{ MV_LIST, offsetof(S, n), b, offsetof(S, n##_n), mv_##l, \
				  sizeof(struct l) },

#define MV_LAYOUT_(l)							\
	static const struct mv_field mv_##l[] __attribute__((unused)) = {	\
		L_##l(MV_, struct l) { MV_END, 0, 0, 0, NULL, 0 } };
LAYOUT_TABLE(MV_LAYOUT_)

#define MV_MSG_(NAME, name, num)					\
	static const struct mv_field mv_##name##_q[] = {		\
		Q_##NAME(MV_, struct msg_##name) { MV_END, 0, 0, 0, NULL, 0 } };	\
	static const struct mv_field mv_##name##_a[] = {		\
		A_##NAME(MV_, struct msg_##name##_r) { MV_END, 0, 0, 0, NULL, 0 } };
MSG_TABLE(MV_MSG_)

#define MV_DEF_(NAME, name, num)	{ num, #NAME, mv_##name##_q, mv_##name##_a },
static const struct {
	uint16_t		 type;
	const char		*name;
	const struct mv_field	*req, *ans;
} mv_msgs[] = {
	MSG_TABLE(MV_DEF_)
};

static const char *const mv_words[ST_MAX] = {
	"ok", "invalid", "notfound", "expired", "denied", "pending", "slow_down", "busy",
	"full", "unsupported", "provider_error", "timeout", "internal", "unavailable",
};

static const char *
mv_status_word(uint8_t st)
{
	return st < ST_MAX ? mv_words[st] : "unknown";
}

/* The type of the message called name in msgtab.h ("STORE_PING"); 0 if none. */
static uint16_t __attribute__((unused))
mv_type_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mv_msgs) / sizeof(mv_msgs[0]); i++)
		if (strcmp(mv_msgs[i].name, name) == 0)
			return mv_msgs[i].type;
	return 0;
}

/* The request's (answer 0) or the answer's (answer 1) fields of type; NULL if none. */
static const struct mv_field *
mv_fields(uint16_t type, int answer)
{
	size_t i;

	for (i = 0; i < sizeof(mv_msgs) / sizeof(mv_msgs[0]); i++)
		if (mv_msgs[i].type == (type & ~1u))
			return answer ? mv_msgs[i].ans : mv_msgs[i].req;
	return NULL;
}

/* Hex into out (at most max bytes; exactly max when exact; "-" is empty when
 * not exact); *len gets the size.  0, or -1 with a line on stderr. */
static int
mv_hex(const char *s, uint8_t *out, size_t max, int exact, size_t *len)
{
	size_t n = 0;

	if (strcmp(s, "-") != 0 &&
	    (sodium_hex2bin(out, max, s, strlen(s), NULL, &n, NULL) != 0 || (exact && n != max))) {
		fprintf(stderr, "bad hex value (%zu bytes %s)\n", max, exact ? "wanted" : "at most");
		return -1;
	}
	if (exact && n != max)
		return -1;
	if (len != NULL)
		*len = n;
	return 0;
}

static void
mv_print_hex(const uint8_t *b, size_t n)
{
	char s[2 * MAX_PROOF + 1];

	if (n == 0) {
		fputs("-", stdout);
		return;
	}
	sodium_bin2hex(s, sizeof(s), b, n > MAX_PROOF ? MAX_PROOF : n);
	fputs(s, stdout);
}

/* One argument into field f of out; -1 when it does not fit. */
static int
mv_parse_one(const struct mv_field *f, const char *arg, uint8_t *out)
{
	unsigned long long	v;
	char			*end;

	switch (f->kind) {
	case MV_U8:
	case MV_U32:
	case MV_U64:
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || errno != 0 || (f->kind == MV_U8 && v > 0xff) ||
		    (f->kind == MV_U32 && v > 0xffffffffULL))
			return -1;
		if (f->kind == MV_U8)
			out[f->off] = (uint8_t)v;
		else if (f->kind == MV_U32)
			*(uint32_t *)(void *)(out + f->off) = (uint32_t)v;
		else
			*(uint64_t *)(void *)(out + f->off) = v;
		return 0;
	case MV_STR:
		if (strlen(arg) > f->bound)
			return -1;
		memcpy(out + f->off, arg, strlen(arg) + 1);
		return 0;
	case MV_BYTES:
		return mv_hex(arg, out + f->off, f->bound, 1, NULL);
	case MV_BLOB:
	case MV_OPT:
		return mv_hex(arg, out + f->off, f->bound, 0, (size_t *)(void *)(out + f->aux));
	default:
		return -1;
	}
}

/* The arguments, one per field in order, into out (size bytes, zeroed first);
 * -1 on a wrong count or a value that does not fit its field. */
static int __attribute__((unused))
mv_parse(const struct mv_field *fs, size_t size, int argc, char **argv, void *out)
{
	int i;

	memset(out, 0, size);
	for (i = 0; fs[i].kind != MV_END; i++)
		if (i >= argc || mv_parse_one(&fs[i], argv[i], out) == -1)
			return -1;
	return i == argc ? 0 : -1;
}

/* Prints the fields of s, each after sep (the first) or a space. */
static void
mv_print_fields(const struct mv_field *fs, const void *s, const char *sep)
{
	const uint8_t	*p = s;
	const char	*str;
	uint32_t	 n, i;

	for (; fs->kind != MV_END; fs++, sep = " ") {
		fputs(sep, stdout);
		switch (fs->kind) {
		case MV_U8:	printf("%u", p[fs->off]); break;
		case MV_U32:	printf("%u", *(const uint32_t *)(const void *)(p + fs->off)); break;
		case MV_U64:
			printf("%llu", (unsigned long long)*(const uint64_t *)(const void *)
			    (p + fs->off));
			break;
		case MV_STR:
			str = (const char *)p + fs->off;
			fputs(str[0] != '\0' ? str : "-", stdout);
			break;
		case MV_BYTES:	mv_print_hex(p + fs->off, fs->bound); break;
		case MV_BLOB:
		case MV_OPT:
			mv_print_hex(p + fs->off, *(const size_t *)(const void *)(p + fs->aux));
			break;
		case MV_LIST:
			n = *(const uint32_t *)(const void *)(p + fs->aux);
			printf("%u", n);
			for (i = 0; i < n && i < fs->bound; i++)
				mv_print_fields(fs->items, p + fs->off + i * fs->item_size, "\n");
			break;
		case MV_END:
			break;
		}
	}
}

/* The fields of an answer or request struct, each after a space (a list:
 * its count, then one line per item). */
static void __attribute__((unused))
mv_print(const struct mv_field *fs, const void *s)
{
	mv_print_fields(fs, s, " ");
}

#endif
