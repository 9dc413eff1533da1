/* SPDX-License-Identifier: MIT */
/*
 * test_sim_admin_args.c - navixy-sim admin argument parsing: the
 * millisecond value of /admin/rest_delay?ms=N (sim_parse_ms).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim.h"
#include "sim_time.h"

static void ms_accepted(void **state)
{
	(void)state;
	long ms = -1;
	assert_int_equal(sim_parse_ms("0", SIM_REST_DELAY_MAX_MS, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(sim_parse_ms("1500", SIM_REST_DELAY_MAX_MS, &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(sim_parse_ms("000042", SIM_REST_DELAY_MAX_MS, &ms), 0);
	assert_int_equal(ms, 42);
	assert_int_equal(sim_parse_ms("600000", SIM_REST_DELAY_MAX_MS, &ms), 0);
	assert_int_equal(ms, 600000);
	assert_int_equal(sim_parse_ms("5", 5, &ms), 0);
	assert_int_equal(ms, 5);
}

static void ms_rejected(void **state)
{
	(void)state;
	long ms = 77;
	const char *bad[] = { NULL, "", " 1", "1 ", "-1", "+1", "1.5", "1e3", "abc", "12ms",
			      "0x10", "600001", "99999999999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sim_parse_ms(bad[i], SIM_REST_DELAY_MAX_MS, &ms), -1);
		assert_int_equal(ms, 77); /* untouched */
	}
	/* a digit above a one-digit maximum, and a negative maximum */
	assert_int_equal(sim_parse_ms("7", 5, &ms), -1);
	assert_int_equal(sim_parse_ms("6", 5, &ms), -1);
	assert_int_equal(sim_parse_ms("0", -1, &ms), -1);
	assert_int_equal(ms, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ms_accepted),
		cmocka_unit_test(ms_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
