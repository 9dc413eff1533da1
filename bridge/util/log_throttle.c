/* SPDX-License-Identifier: MIT */
/*
 * log_throttle.c - see log_throttle.h.
 */
#include "log_throttle.h"

unsigned long n2m_log_throttle_hit(struct n2m_log_throttle *t, uint64_t now_ms,
				   uint64_t period_ms)
{
	unsigned long n;

	t->pending++;
	if (now_ms < t->next_ms)
		return 0;
	n = t->pending;
	t->pending = 0;
	t->next_ms = now_ms + period_ms;
	return n;
}
