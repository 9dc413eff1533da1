/* SPDX-License-Identifier: MIT */
/*
 * log_throttle.h - keeping the log lines about an event that a peer can
 * repeat at will few (a broken server, a flood of refused connections or
 * requests must not become a flood of log lines); the counters keep every
 * occurrence. Two ways, one helper each:
 *   - by count (n2m_log_sampled): the first N2M_LOG_FIRST occurrences,
 *     then one in N2M_LOG_EVERY, for events counted anyway;
 *   - by time (struct n2m_log_throttle): at most one line per period,
 *     reporting how many occurrences it stands for.
 * Pure: the caller passes the count or the clock.
 */
#ifndef N2M_LOG_THROTTLE_H
#define N2M_LOG_THROTTLE_H

#include <stdint.h>

#define N2M_LOG_FIRST 10
#define N2M_LOG_EVERY 1000

/* True if the n-th occurrence (counting from 1) gets a line: n <=
 * N2M_LOG_FIRST or a multiple of N2M_LOG_EVERY. */
int n2m_log_sampled(uint64_t n);

struct n2m_log_throttle {
	uint64_t next_ms;        /* no line before this (monotonic ms) */
	uint64_t pending;        /* occurrences not yet reported */
};

/* Records one occurrence at now_ms. Returns how many occurrences the line
 * to write now reports (this one and those held back since the last
 * line), or 0 when no line is due yet. The first occurrence logs at once. */
uint64_t n2m_log_throttle_hit(struct n2m_log_throttle *t, uint64_t now_ms, uint64_t period_ms);

/* The same for occurrences counted elsewhere: total is the running count,
 * *reported what the last line covered; returns how many are new since
 * then when a line is due (and moves *reported), else 0. */
uint64_t n2m_log_throttle_total(struct n2m_log_throttle *t, uint64_t total, uint64_t *reported,
				uint64_t now_ms, uint64_t period_ms);

#endif
