/* SPDX-License-Identifier: MIT */
/*
 * test_held_frames.c - the bounded list of updates held for a tracker list
 * (held_frames.h): order, both bounds, refusal without side effects, reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "held_frames.h"

static void pops_in_arrival_order_with_lengths(void **state)
{
	struct n2m_held_frames h;
	char want[32];
	size_t len = 0;
	(void)state;

	n2m_held_frames_init(&h, 10, 1000);
	assert_null(n2m_held_frames_pop(&h, &len));
	for (int i = 0; i < 5; i++) {
		int n = snprintf(want, sizeof want, "frame-%d%s", i, i % 2 ? "-odd" : "");
		assert_int_equal(n2m_held_frames_push(&h, want, (size_t)n), 0);
	}
	assert_int_equal(n2m_held_frames_count(&h), 5);
	for (int i = 0; i < 5; i++) {
		int n = snprintf(want, sizeof want, "frame-%d%s", i, i % 2 ? "-odd" : "");
		char *got = n2m_held_frames_pop(&h, &len);
		assert_non_null(got);
		assert_int_equal(len, (size_t)n);
		assert_string_equal(got, want); /* NUL-terminated */
		free(got);
	}
	assert_int_equal(n2m_held_frames_count(&h), 0);
	assert_int_equal(h.bytes, 0);
	assert_null(n2m_held_frames_pop(&h, &len));
	n2m_held_frames_free(&h);
}

static void refuses_beyond_the_item_bound(void **state)
{
	struct n2m_held_frames h;
	size_t len;
	(void)state;

	n2m_held_frames_init(&h, 3, 1000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(n2m_held_frames_push(&h, "abc", 3), 0);
	assert_int_equal(n2m_held_frames_push(&h, "x", 1), -1);
	assert_int_equal(n2m_held_frames_count(&h), 3);
	free(n2m_held_frames_pop(&h, &len));
	assert_int_equal(n2m_held_frames_push(&h, "x", 1), 0); /* room again */
	n2m_held_frames_free(&h);
}

static void refuses_beyond_the_byte_bound(void **state)
{
	struct n2m_held_frames h;
	char big[64];
	size_t len;
	(void)state;

	memset(big, 'b', sizeof big);
	n2m_held_frames_init(&h, 100, 100);
	assert_int_equal(n2m_held_frames_push(&h, big, 60), 0);
	assert_int_equal(n2m_held_frames_push(&h, big, 41), -1); /* 60 + 41 > 100 */
	assert_int_equal(n2m_held_frames_push(&h, big, 40), 0);  /* exactly 100 */
	assert_int_equal(h.bytes, 100);
	assert_int_equal(n2m_held_frames_push(&h, "", 0), 0);    /* empty fits */
	assert_int_equal(n2m_held_frames_count(&h), 3);
	n2m_held_frames_free(&h);
	n2m_held_frames_init(&h, 100, 10);
	assert_int_equal(n2m_held_frames_push(&h, big, 11), -1);  /* larger than the bound */
	assert_int_equal(n2m_held_frames_count(&h), 0);
	assert_null(n2m_held_frames_pop(&h, &len));
	n2m_held_frames_free(&h);
}

static void free_releases_what_is_left(void **state)
{
	struct n2m_held_frames h;
	(void)state;

	n2m_held_frames_init(&h, 10, 1000);
	assert_int_equal(n2m_held_frames_push(&h, "one", 3), 0);
	assert_int_equal(n2m_held_frames_push(&h, "two", 3), 0);
	n2m_held_frames_free(&h); /* ASan/valgrind: no leak */
	assert_int_equal(n2m_held_frames_count(&h), 0);
	assert_int_equal(n2m_held_frames_push(&h, "three", 5), 0); /* usable again */
	n2m_held_frames_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pops_in_arrival_order_with_lengths),
		cmocka_unit_test(refuses_beyond_the_item_bound),
		cmocka_unit_test(refuses_beyond_the_byte_bound),
		cmocka_unit_test(free_releases_what_is_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
