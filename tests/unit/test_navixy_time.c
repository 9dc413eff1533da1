/*
 * test_navixy_time.c - Navixy date/time strings to UTC epoch seconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "navixy_time.h"

static time_t parse_ok(const char *s)
{
	time_t t = 0;
	if (nvx_time_parse(s, strlen(s), &t) != 0)
		fail_msg("rejected: %s", s);
	return t;
}

static void forms(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01 00:00:00"), 0);
	assert_int_equal(parse_ok("2018-10-17 12:51:43"), 1539780703);      /* no offset: UTC */
	assert_int_equal(parse_ok("2018-10-17T12:51:43Z"), 1539780703);
	assert_int_equal(parse_ok("2025-10-08T18:31:28-06:00"), 1759969888); /* = 2025-10-09T00:31:28Z */
	assert_int_equal(parse_ok("2014-07-09T07:50:58+05:00"), 1404874258);
	assert_int_equal(parse_ok("2014-07-09T07:50:58+0500"), 1404874258);
	assert_int_equal(parse_ok("2014-07-09T07:50:58+05"), 1404874258);
	assert_int_equal(parse_ok("2014-07-09T02:50:58.123Z"), 1404874258);
	assert_int_equal(parse_ok("2024-02-29 00:00:00"), 1709164800);     /* leap day */
}

static void rejects(void **state)
{
	(void)state;
	const char *bad[] = { "", "2018-10-17", "2018-10-17 12:51", "2018-13-01 00:00:00",
			      "2023-02-29 00:00:00", "2018-10-17 24:00:00", "2018-10-17X12:51:43",
			      "2018-10-17 12:51:43 ", "2018-10-17T12:51:43+25:00", "2018-10-17T12:51:43.Z",
			      "yyyy-MM-dd HH:mm:ss", "2018-10-17T12:51:43+05:0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		time_t t;
		if (nvx_time_parse(bad[i], strlen(bad[i]), &t) != -1)
			fail_msg("accepted: %s", bad[i]);
	}
	time_t t;
	assert_int_equal(nvx_time_parse(NULL, 0, &t), -1);
	/* only len bytes are read */
	assert_int_equal(nvx_time_parse("2018-10-17 12:51:43garbage", 19, &t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
