/* SPDX-License-Identifier: MIT */
/*
 * test_decimal.c - the exact decimal fast paths agree with libc: parsing
 * bit for bit with strtod, formatting byte for byte with %.15g (and declining
 * where they cannot be sure); the slice strtod reads whole slices only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "unit_random.h"

static void check_parse(const char *text)
{
	double got;
	if (!n2m_decimal_parse_fast(text, strlen(text), &got))
		return;
	char *end;
	double want = strtod(text, &end);
	if (*end)
		fail_msg("%s: accepted, but strtod stops at offset %td", text, end - text);
	if (memcmp(&got, &want, sizeof(got)) != 0)
		fail_msg("%s: got %.17g, strtod %.17g", text, got, want);
}

static void parse_agrees_with_strtod(void **state)
{
	(void)state;
	const char *accepted[] = { "0", "-0", "-0.0", "55.755812", "-97.795668", "13.90", "00.5",
				   "9007199254740991", "0.0000000000000000000001",
				   "123456789012345.6", "1.005", "2.675" };
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		double d;
		assert_true(n2m_decimal_parse_fast(accepted[i], strlen(accepted[i]), &d));
		check_parse(accepted[i]);
	}
	/* Declined: libc's general algorithm decides these. */
	const char *declined[] = { "", "-", ".5", "5.", "1e5", "0x10", " 1", "1 ", "+1", "1.2.3",
				   "inf", "nan", "9007199254740992", "0.30000000000000004",
				   "0.00000000000000000000001", "--1", "1-" };
	for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
		double d;
		if (n2m_decimal_parse_fast(declined[i], strlen(declined[i]), &d))
			fail_msg("accepted \"%s\"", declined[i]);
	}
	/* Random plain decimals of 1..19 digits with the point anywhere. */
	uint64_t seed = 12345;
	char text[48];
	for (int i = 0; i < 300000; i++) {
		int digits = 1 + (int)(unit_random(&seed) % 19);
		int point = (int)(unit_random(&seed) % (uint64_t)(digits + 1));
		size_t n = 0;
		if (unit_random(&seed) & 1)
			text[n++] = '-';
		for (int d = 0; d < digits; d++) {
			if (d == point && d > 0)
				text[n++] = '.';
			text[n++] = (char)('0' + unit_random(&seed) % 10);
		}
		text[n] = '\0';
		check_parse(text);
	}
	/* Only the given length is read. */
	double d;
	assert_true(n2m_decimal_parse_fast("12.5xyz", 4, &d));
	assert_true(d == 12.5);
}

static void format_agrees_with_printf_or_declines(void **state)
{
	(void)state;
	char out[N2M_DECIMAL_TEXT_MAX], want[64];
	uint64_t seed = 99;
	int answered = 0;
	for (int i = 0; i < 300000; i++) {
		uint64_t bits = unit_random(&seed);
		double v;
		if (i & 1) {
			memcpy(&v, &bits, sizeof(v));
		} else { /* a short decimal at some scale */
			v = (double)(bits % 1000000000ull) / pow(10, (double)(unit_random(&seed) % 14));
		}
		size_t n = n2m_decimal_format_short(v, out);
		if (!n)
			continue;
		answered++;
		snprintf(want, sizeof(want), "%.15g", v);
		if (n != strlen(want) || memcmp(out, want, n) != 0)
			fail_msg("%.17g: got %.*s, want %s", v, (int)n, out, want);
		assert_true(strtod(want, NULL) == v);
		assert_true(v != floor(v) && fabs(v) >= 1e-4 && fabs(v) < 1e15);
	}
	assert_true(answered > 100000); /* the fast path is taken, not just declined */
	/* Declines what it cannot print as %.15g does, or what does not read back. */
	assert_int_equal(n2m_decimal_format_short(0.30000000000000004, out), 0);
	assert_int_equal(n2m_decimal_format_short(1e-5, out), 0);
	assert_int_equal(n2m_decimal_format_short(1e16 + 0.5, out), 0);
	assert_int_equal(n2m_decimal_format_short(NAN, out), 0);
	assert_int_equal(n2m_decimal_format_short(INFINITY, out), 0);
	size_t n = n2m_decimal_format_short(-0.000123, out);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "-0.000123", 9);
}

/* Integers print as PRId64 does: the edges, every power of ten and its
 * neighbours, and a million random values of every magnitude. */
static void check_int(int64_t v)
{
	char want[32], got[N2M_DECIMAL_TEXT_MAX];
	int n = snprintf(want, sizeof(want), "%" PRId64, v);
	size_t m = n2m_decimal_format_int(v, got);
	assert_int_equal(m, (size_t)n);
	assert_memory_equal(got, want, m);
}

static void format_int_agrees_with_printf(void **state)
{
	(void)state;
	check_int(0);
	check_int(INT64_MIN);
	check_int(INT64_MAX);
	check_int(INT64_MIN + 1);
	int64_t p = 1;
	for (int k = 0; k < 19; k++) { /* 1 .. 1e18, the last power below INT64_MAX */
		for (int64_t d = -1; d <= 1; d++) {
			check_int(p + d);
			check_int(-(p + d));
		}
		if (k < 18)
			p *= 10;
	}
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < 1000000; i++) {
		uint64_t r = unit_random(&seed);
		check_int((int64_t)(r >> (r & 63))); /* every length of digits */
		check_int(-(int64_t)(r >> 1 >> (r & 63)));
	}
}

/* The slice version of strtod: whole slices only, any length, either path. */
static void strtod_of_a_slice(void **state)
{
	(void)state;
	double d = -1;
	assert_true(n2m_decimal_strtod("55.755812xyz", 9, &d)); /* fast path, slice only */
	assert_true(d == 55.755812);
	assert_true(n2m_decimal_strtod("1e5", 3, &d)); /* declined by the fast path */
	assert_true(d == 1e5);
	assert_true(n2m_decimal_strtod("0.30000000000000004", 19, &d));
	assert_true(d == 0.30000000000000004);
	char long_text[200];
	memset(long_text, '0', sizeof(long_text));
	long_text[0] = '1';
	long_text[1] = '.';
	long_text[sizeof(long_text) - 1] = '5'; /* past the 64-byte stack copy */
	assert_true(n2m_decimal_strtod(long_text, sizeof(long_text), &d));
	assert_true(d == 1.0);
	d = 7;
	assert_false(n2m_decimal_strtod("12ab", 4, &d)); /* strtod stops early */
	assert_false(n2m_decimal_strtod("", 0, &d));
	assert_false(n2m_decimal_strtod("x", 1, &d));
	assert_true(d == 7); /* untouched when declined */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_agrees_with_strtod),
		cmocka_unit_test(format_agrees_with_printf_or_declines),
		cmocka_unit_test(strtod_of_a_slice),
		cmocka_unit_test(format_int_agrees_with_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
