/* SPDX-License-Identifier: MIT */
/*
 * rate_limit.h - two small rate rules without I/O, on a caller-supplied
 * monotonic clock in milliseconds:
 *   - a token bucket: `rate` takes a second on average, up to `burst` at
 *     once (control requests: control.max_requests_per_s and
 *     control.request_burst);
 *   - a log gate: at most one log line per interval for an event that may
 *     happen thousands of times a second (refused requests, inbound
 *     drops), carrying how many happened since the last line.
 */
#ifndef N2M_RATE_LIMIT_H
#define N2M_RATE_LIMIT_H

#include <stdint.h>

struct n2m_token_bucket {
	uint64_t rate;        /* tokens a second, >= 1 */
	uint64_t burst;       /* most tokens held, >= 1 */
	uint64_t milli;       /* tokens held, in thousandths */
	int64_t last_ms;      /* when milli was last refilled */
};

/* A full bucket at now_ms. rate and burst below 1 count as 1. */
void n2m_bucket_init(struct n2m_token_bucket *b, uint64_t rate, uint64_t burst, int64_t now_ms);

/* Takes one token: 1 if there was one, 0 if the request is over the rate. */
int n2m_bucket_take(struct n2m_token_bucket *b, int64_t now_ms);

struct n2m_log_gate {
	int64_t next_ms;      /* no line before this; 0 = the next event logs */
	uint64_t pending;     /* events since the last line */
};

/* Counts one event; returns the number to report (>= 1) when a line is
 * due now (the first event, or the first one interval_ms after the last
 * line), else 0. */
uint64_t n2m_log_gate_hit(struct n2m_log_gate *g, int64_t now_ms, int64_t interval_ms);

/* The same for events counted elsewhere: `total` is the running count;
 * returns how many are new since the last line when one is due, else 0. */
uint64_t n2m_log_gate_total(struct n2m_log_gate *g, uint64_t total, uint64_t *reported,
			    int64_t now_ms, int64_t interval_ms);

#endif
