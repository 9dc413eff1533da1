/* SPDX-License-Identifier: MIT */
/*
 * rate_limit.h - a token bucket without I/O, on a caller-supplied
 * monotonic clock in milliseconds: `rate` takes a second on average, up to
 * `burst` at once (control requests: control.max_requests_per_s and
 * control.request_burst). Log lines about refused requests are kept few
 * by log_throttle.h.
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

#endif
