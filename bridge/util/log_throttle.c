/* SPDX-License-Identifier: MIT */
/*
 * log_throttle.c - see log_throttle.h.
 */
#include "log_throttle.h"

int n2m_log_sampled(uint64_t n)
{
	return n <= N2M_LOG_FIRST || n % N2M_LOG_EVERY == 0;
}

/* A period of 0 would log every occurrence: at least 1 ms. */
static uint64_t next_line(uint64_t now_ms, uint64_t period_ms)
{
	return now_ms + (period_ms ? period_ms : 1);
}

uint64_t n2m_log_throttle_hit(struct n2m_log_throttle *t, uint64_t now_ms, uint64_t period_ms)
{
	uint64_t n;

	t->pending++;
	if (now_ms < t->next_ms)
		return 0;
	n = t->pending;
	t->pending = 0;
	t->next_ms = next_line(now_ms, period_ms);
	return n;
}

uint64_t n2m_log_throttle_total(struct n2m_log_throttle *t, uint64_t total, uint64_t *reported,
				uint64_t now_ms, uint64_t period_ms)
{
	uint64_t n;

	if (total <= *reported || now_ms < t->next_ms)
		return 0;
	n = total - *reported;
	*reported = total;
	t->next_ms = next_line(now_ms, period_ms);
	return n;
}
