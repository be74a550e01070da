/* Tiny assertion helpers for C unit tests: one PASS/FAIL line per CHECK. */
#ifndef AIRLOCK_CHECK_H
#define AIRLOCK_CHECK_H

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

#endif
