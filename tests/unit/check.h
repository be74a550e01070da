/* Tiny assertion helpers for C unit tests: one PASS/FAIL line per CHECK. */
#ifndef AIRLOCK_CHECK_H
#define AIRLOCK_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int check_failed;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("PASS: ");					\
	} else {							\
		printf("FAIL: %s:%d: ", __FILE__, __LINE__);		\
		check_failed++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define CHECK_DONE() (check_failed ? 1 : 0)

/* A command line for a parser under test: the first argc (at most
 * CHECK_ARGV_MAX - 1) strings of ap into argv, NULL-terminated. */
#define CHECK_ARGV_MAX	16
static inline void
check_argv(char *argv[CHECK_ARGV_MAX], int argc, va_list ap)
{
	int	i;

	for (i = 0; i < argc && i < CHECK_ARGV_MAX - 1; i++)
		argv[i] = va_arg(ap, char *);
	argv[i] = NULL;
}

#endif
