/* SPDX-License-Identifier: MIT */
/*
 * backoff.c - exponential back-off with ±25 % jitter (see backoff.h).
 */
#include "backoff.h"

void n2m_backoff_init(struct n2m_backoff *b, uint32_t min_ms, uint32_t max_ms, uint64_t seed)
{
	b->min_ms = min_ms ? min_ms : 1;
	b->max_ms = max_ms < b->min_ms ? b->min_ms : max_ms;
	b->base_ms = b->min_ms;
	b->attempt = 0;
	/* xorshift has an all-zero fixed point; mix the seed so 0 is usable. */
	b->rng = seed ^ 0x9E3779B97F4A7C15ull;
	if (!b->rng)
		b->rng = 1;
}

/* xorshift64*: fast, good enough to spread reconnects. */
static uint64_t next_random(struct n2m_backoff *b)
{
	uint64_t x = b->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

uint32_t n2m_backoff_next(struct n2m_backoff *b)
{
	uint64_t base = b->base_ms;
	/* factor in [0.75, 1.25] with 1/1024 resolution: 768..1280 / 1024 */
	uint64_t factor = 768 + (next_random(b) >> 11) % 513;
	uint64_t delay = base * factor / 1024;
	if (delay > b->max_ms)
		delay = b->max_ms;
	if (delay < 1)
		delay = 1;

	uint64_t doubled = base * 2;
	b->base_ms = doubled > b->max_ms ? b->max_ms : (uint32_t)doubled;
	b->attempt++;
	return (uint32_t)delay;
}

void n2m_backoff_reset(struct n2m_backoff *b)
{
	b->base_ms = b->min_ms;
	b->attempt = 0;
}
