/* SPDX-License-Identifier: MIT */
/*
 * test_backoff.c - exponential growth, cap, jitter range, reset, seeding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backoff.h"

static void grows_and_stays_within_jitter(void **state)
{
	(void)state;
	struct n2m_backoff b;
	n2m_backoff_init(&b, 1000, 120000, 42);
	uint32_t base = 1000;
	for (int i = 0; i < 20; i++) {
		uint32_t d = n2m_backoff_next(&b);
		uint32_t lo = base * 3 / 4, hi = base * 5 / 4;
		if (hi > 120000)
			hi = 120000;
		if (d < lo || d > hi)
			fail_msg("attempt %d: %u outside [%u, %u]", i, d, lo, hi);
		base = base * 2 > 120000 ? 120000 : base * 2;
	}
	assert_int_equal(b.base_ms, 120000);
	assert_int_equal(b.attempt, 20);
}

static void never_exceeds_max(void **state)
{
	(void)state;
	struct n2m_backoff b;
	n2m_backoff_init(&b, 1000, 120000, 7);
	uint32_t lowest = UINT32_MAX, highest = 0;
	for (int i = 0; i < 10000; i++) {
		uint32_t d = n2m_backoff_next(&b);
		if (i < 10)
			continue;
		lowest = d < lowest ? d : lowest;
		highest = d > highest ? d : highest;
	}
	assert_true(highest <= 120000);
	assert_true(lowest >= 90000);
	/* jitter actually spreads the values at the cap */
	assert_true(lowest < 95000);
}

static void jitter_covers_the_range(void **state)
{
	(void)state;
	/* Across many seeds the first delay spans most of [750, 1250]. */
	uint32_t lo = UINT32_MAX, hi = 0;
	double sum = 0;
	for (uint64_t seed = 1; seed <= 2000; seed++) {
		struct n2m_backoff b;
		n2m_backoff_init(&b, 1000, 120000, seed);
		uint32_t d = n2m_backoff_next(&b);
		assert_true(d >= 750 && d <= 1250);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		sum += d;
	}
	assert_true(lo < 775);
	assert_true(hi > 1225);
	double mean = sum / 2000;
	assert_true(mean > 975 && mean < 1025);
}

static void reset_starts_over(void **state)
{
	(void)state;
	struct n2m_backoff b;
	n2m_backoff_init(&b, 500, 60000, 1);
	for (int i = 0; i < 12; i++)
		n2m_backoff_next(&b);
	n2m_backoff_reset(&b);
	assert_int_equal(b.attempt, 0);
	uint32_t d = n2m_backoff_next(&b);
	assert_true(d >= 375 && d <= 625);
}

static void seeds_are_deterministic_and_distinct(void **state)
{
	(void)state;
	struct n2m_backoff a, b, c;
	n2m_backoff_init(&a, 1000, 120000, 99);
	n2m_backoff_init(&b, 1000, 120000, 99);
	n2m_backoff_init(&c, 1000, 120000, 100);
	int differ = 0;
	for (int i = 0; i < 8; i++) {
		uint32_t x = n2m_backoff_next(&a), y = n2m_backoff_next(&b), z = n2m_backoff_next(&c);
		assert_int_equal(x, y);
		differ |= x != z;
	}
	assert_true(differ);
}

static void degenerate_bounds(void **state)
{
	(void)state;
	struct n2m_backoff b;
	n2m_backoff_init(&b, 0, 0, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(n2m_backoff_next(&b), 1);
	n2m_backoff_init(&b, 5000, 1000, 3); /* max below min: raised */
	for (int i = 0; i < 5; i++) {
		uint32_t d = n2m_backoff_next(&b);
		assert_true(d >= 3750 && d <= 5000);
	}
	n2m_backoff_init(&b, 3000000000u, 4000000000u, 3); /* no overflow near UINT32_MAX */
	for (int i = 0; i < 5; i++)
		assert_true(n2m_backoff_next(&b) <= 4000000000u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_and_stays_within_jitter),
		cmocka_unit_test(never_exceeds_max),
		cmocka_unit_test(jitter_covers_the_range),
		cmocka_unit_test(reset_starts_over),
		cmocka_unit_test(seeds_are_deterministic_and_distinct),
		cmocka_unit_test(degenerate_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
