/* SPDX-License-Identifier: MIT */
/*
 * test_rate_limit.c - the token bucket (a burst, then the rate, exact
 * refill however the time is sliced, no overflow after a long idle time).
 * Log lines about refused requests: test_log_throttle.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rate_limit.h"

/* How many of n requests at time now_ms the bucket lets through. */
static int take_n(struct n2m_token_bucket *b, int n, int64_t now_ms)
{
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += n2m_bucket_take(b, now_ms);
	return ok;
}

static void burst_then_rate(void **state)
{
	(void)state;
	struct n2m_token_bucket b;

	n2m_bucket_init(&b, 100, 200, 1000);
	assert_int_equal(take_n(&b, 500, 1000), 200);  /* the burst, then nothing */
	assert_int_equal(take_n(&b, 500, 1010), 1);    /* 10 ms at 100/s: one token */
	assert_int_equal(take_n(&b, 500, 2010), 100);  /* one second: the rate */
	/* Sliced finely the refill is the same: 1 ms steps for 1 s. */
	int ok = 0;
	for (int64_t t = 2011; t <= 3010; t++)
		ok += take_n(&b, 10, t);
	assert_int_equal(ok, 100);
}

static void idle_fills_to_burst_only(void **state)
{
	(void)state;
	struct n2m_token_bucket b;

	n2m_bucket_init(&b, 1000000, 3, 0);
	assert_int_equal(take_n(&b, 10, 0), 3);
	assert_int_equal(take_n(&b, 10, INT64_C(1) << 60), 3); /* no overflow, capped */
	/* A clock that goes back adds nothing. */
	n2m_bucket_init(&b, 10, 1, 5000);
	assert_int_equal(take_n(&b, 2, 5000), 1);
	assert_int_equal(take_n(&b, 2, 4000), 0);
	/* Zero settings count as one. */
	n2m_bucket_init(&b, 0, 0, 0);
	assert_int_equal(take_n(&b, 5, 0), 1);
	assert_int_equal(take_n(&b, 5, 1000), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_rate),
		cmocka_unit_test(idle_fills_to_burst_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
