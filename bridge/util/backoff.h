/* SPDX-License-Identifier: MIT */
/*
 * backoff.h - exponential reconnect back-off with jitter, without I/O.
 *
 * The base delay starts at min_ms and doubles after every failure up to
 * max_ms, where it stays until n2m_backoff_reset (after a success). Each
 * returned delay is the base times a random factor in [0.75, 1.25], clamped
 * to [1, max_ms] so the cap is a true upper bound. The PRNG (xorshift64*)
 * lives in the struct: seed it differently per process so a fleet of bridges
 * does not reconnect in lockstep, or identically in tests.
 */
#ifndef N2M_BACKOFF_H
#define N2M_BACKOFF_H

#include <stdint.h>

struct n2m_backoff {
	uint32_t min_ms;
	uint32_t max_ms;
	uint32_t base_ms;    /* the next un-jittered delay */
	uint32_t attempt;    /* failures since the last reset */
	uint64_t rng;        /* xorshift state, never 0 */
};

/* min_ms 0 is treated as 1; max_ms below min_ms is raised to min_ms. */
void n2m_backoff_init(struct n2m_backoff *b, uint32_t min_ms, uint32_t max_ms, uint64_t seed);

/* The delay before the next attempt, in ms; advances the base. */
uint32_t n2m_backoff_next(struct n2m_backoff *b);

/* After a success: the next delay starts from min_ms again. */
void n2m_backoff_reset(struct n2m_backoff *b);

#endif
