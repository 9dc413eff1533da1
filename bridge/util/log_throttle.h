/* SPDX-License-Identifier: MIT */
/*
 * log_throttle.h - at most one log line per period for an event that a
 * peer can repeat at will (a flood of refused connections must not become
 * a flood of log lines). Pure: the caller passes the clock.
 */
#ifndef N2M_LOG_THROTTLE_H
#define N2M_LOG_THROTTLE_H

#include <stdint.h>

struct n2m_log_throttle {
	uint64_t next_ms;        /* no line before this (monotonic ms) */
	unsigned long pending;   /* occurrences not yet reported */
};

/* Records one occurrence at now_ms. Returns how many occurrences the line
 * to write now reports (this one and those held back since the last
 * line), or 0 when no line is due yet. */
unsigned long n2m_log_throttle_hit(struct n2m_log_throttle *t, uint64_t now_ms,
				   uint64_t period_ms);

#endif
