/* SPDX-License-Identifier: MIT */
/*
 * test_log_throttle.c - the two ways of keeping log lines about a repeated
 * event few (log_throttle.h): by count (first ten, then one in a
 * thousand) and by time (one line per period carrying the count, also
 * over a running total counted elsewhere).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log_throttle.h"

static void sampled_first_ten_then_one_in_a_thousand(void **state)
{
	int logged = 0;

	(void)state;
	for (uint64_t n = 1; n <= 10; n++)
		assert_true(n2m_log_sampled(n));
	assert_false(n2m_log_sampled(11));
	assert_false(n2m_log_sampled(999));
	assert_true(n2m_log_sampled(1000));
	assert_false(n2m_log_sampled(1001));
	assert_true(n2m_log_sampled(2000));
	for (uint64_t n = 1; n <= 5000; n++)
		logged += n2m_log_sampled(n);
	assert_int_equal(logged, 10 + 5);
}

static void throttle_reports_once_per_period_with_the_count(void **state)
{
	struct n2m_log_throttle t = { 0, 0 };

	(void)state;
	assert_int_equal(n2m_log_throttle_hit(&t, 1000, 10000), 1);   /* first: at once */
	assert_int_equal(n2m_log_throttle_hit(&t, 1001, 10000), 0);
	assert_int_equal(n2m_log_throttle_hit(&t, 10999, 10000), 0);
	assert_int_equal(n2m_log_throttle_hit(&t, 11000, 10000), 3);  /* two held back + this */
	assert_int_equal(n2m_log_throttle_hit(&t, 50000, 10000), 1);
}

static void throttle_from_time_zero(void **state)
{
	struct n2m_log_throttle t = { 0, 0 };

	(void)state;
	assert_int_equal(n2m_log_throttle_hit(&t, 100, 10000), 1); /* the first one at once */
	for (int i = 0; i < 999; i++)
		assert_int_equal(n2m_log_throttle_hit(&t, 200 + (uint64_t)i, 10000), 0);
	assert_int_equal(n2m_log_throttle_hit(&t, 10100, 10000), 1000); /* 999 + this one */
	assert_int_equal(n2m_log_throttle_hit(&t, 10101, 10000), 0);
}

static void throttle_period_zero_is_one_ms(void **state)
{
	struct n2m_log_throttle t = { 0, 0 };

	(void)state;
	assert_int_equal(n2m_log_throttle_hit(&t, 5, 0), 1);
	assert_int_equal(n2m_log_throttle_hit(&t, 5, 0), 0);
	assert_int_equal(n2m_log_throttle_hit(&t, 6, 0), 2);
}

static void throttle_over_a_running_total(void **state)
{
	struct n2m_log_throttle t = { 0, 0 };
	uint64_t reported = 0;

	(void)state;
	assert_int_equal(n2m_log_throttle_total(&t, 0, &reported, 0, 1000), 0); /* nothing new */
	assert_int_equal(n2m_log_throttle_total(&t, 5, &reported, 10, 1000), 5);
	assert_int_equal(n2m_log_throttle_total(&t, 50, &reported, 500, 1000), 0);
	assert_int_equal(n2m_log_throttle_total(&t, 70, &reported, 1010, 1000), 65);
	assert_int_equal(reported, 70);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sampled_first_ten_then_one_in_a_thousand),
		cmocka_unit_test(throttle_reports_once_per_period_with_the_count),
		cmocka_unit_test(throttle_from_time_zero),
		cmocka_unit_test(throttle_period_zero_is_one_ms),
		cmocka_unit_test(throttle_over_a_running_total),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
