/* SPDX-License-Identifier: MIT */
/*
 * test_navixy_time.c - Navixy date/time strings to UTC epoch seconds, and
 * normalised to ISO 8601 UTC with a "Z" for publishing.
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

/* Normalised as the bridge publishes it; the epoch agrees with nvx_time_parse. */
static void expect_normal(const char *in, const char *want)
{
	char out[40];
	time_t t = 0;
	int n = nvx_time_normalize(in, strlen(in), out, sizeof out, &t);
	if (n < 0 || strcmp(out, want) != 0)
		fail_msg("%s: got %d \"%s\", want \"%s\"", in, n, n < 0 ? "" : out, want);
	assert_int_equal(n, (int)strlen(want));
	assert_int_equal(t, parse_ok(in));
	/* The output parses back to the same instant. */
	assert_int_equal(parse_ok(out), t);
}

static void normalized_to_utc_with_z(void **state)
{
	(void)state;
	/* The documented form has no offset and is UTC: it gains its "Z". */
	expect_normal("2018-10-17 12:51:43", "2018-10-17T12:51:43Z");
	expect_normal("2018-10-17T12:51:43Z", "2018-10-17T12:51:43Z");
	expect_normal("2018-10-17T12:51:43", "2018-10-17T12:51:43Z");
	/* Offsets become UTC, across a day, month and year boundary. */
	expect_normal("2025-10-08T18:31:28-06:00", "2025-10-09T00:31:28Z");
	expect_normal("2014-07-09T07:50:58+05:00", "2014-07-09T02:50:58Z");
	expect_normal("2014-07-09T07:50:58+0500", "2014-07-09T02:50:58Z");
	expect_normal("2024-01-01T01:30:00+02", "2023-12-31T23:30:00Z");
	expect_normal("2024-02-28T23:00:00-01:30", "2024-02-29T00:30:00Z");
	/* Fraction digits are kept. */
	expect_normal("2014-07-09T02:50:58.123Z", "2014-07-09T02:50:58.123Z");
	expect_normal("2014-07-09 07:50:58.5+05:00", "2014-07-09T02:50:58.5Z");
	expect_normal("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z");
	expect_normal("1970-01-01T00:00:00+01:00", "1969-12-31T23:00:00Z");

	char out[40];
	time_t t;
	assert_int_equal(nvx_time_normalize("yesterday", 9, out, sizeof out, &t), -1);
	assert_int_equal(nvx_time_normalize("2018-10-17 12:51:43", 19, out, 20, &t), -1);
	assert_int_equal(nvx_time_normalize("2018-10-17 12:51:43", 19, out, 21, &t), 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(rejects),
		cmocka_unit_test(normalized_to_utc_with_z),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
