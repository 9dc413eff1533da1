/* SPDX-License-Identifier: MIT */
/*
 * unit_random.h - a seeded xorshift64 generator for the unit tests that
 * compare against libc over many generated values: the same seed gives the
 * same values on every run, so a failure can be replayed.
 */
#ifndef N2M_UNIT_RANDOM_H
#define N2M_UNIT_RANDOM_H

#include <stdint.h>

/* The next value of the sequence in *s (which must not be 0). */
static inline uint64_t unit_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
