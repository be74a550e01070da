/* The monotonic clock, for intervals, deadlines and rates (expiry dates are
 * wall-clock time, from time()). */
#ifndef AIRLOCK_CLOCK_H
#define AIRLOCK_CLOCK_H

#include <stdint.h>

uint64_t	mono_ms(void);
uint64_t	mono_us(void);

#endif
