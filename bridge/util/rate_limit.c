/* SPDX-License-Identifier: MIT */
/*
 * rate_limit.c - the token bucket and the log gate (see rate_limit.h).
 * Integer arithmetic in thousandths of a token, so a rate of 100/s refills
 * exactly 100 tokens a second however often it is asked.
 */
#include "rate_limit.h"

void n2m_bucket_init(struct n2m_token_bucket *b, uint64_t rate, uint64_t burst, int64_t now_ms)
{
	b->rate = rate ? rate : 1;
	b->burst = burst ? burst : 1;
	b->milli = b->burst * 1000u;
	b->last_ms = now_ms;
}

static void refill(struct n2m_token_bucket *b, int64_t now_ms)
{
	uint64_t cap = b->burst * 1000u;

	if (now_ms <= b->last_ms)
		return; /* the clock did not move (or went back): nothing to add */
	uint64_t elapsed = (uint64_t)(now_ms - b->last_ms);
	b->last_ms = now_ms;
	/* rate tokens a second = rate thousandths a millisecond; a long idle
	 * time only fills the bucket, so cap before multiplying overflows. */
	if (elapsed >= cap / b->rate + 1) {
		b->milli = cap;
		return;
	}
	b->milli += elapsed * b->rate;
	if (b->milli > cap)
		b->milli = cap;
}

int n2m_bucket_take(struct n2m_token_bucket *b, int64_t now_ms)
{
	refill(b, now_ms);
	if (b->milli < 1000u)
		return 0;
	b->milli -= 1000u;
	return 1;
}
