/* SPDX-License-Identifier: MIT */
/*
 * test_json_writer.c - buffer growth, JSON escaping and number rendering,
 * and the payload hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash64.h"
#include "json_writer.h"
#include "unit_random.h"

static void strings_escape(void **state)
{
	(void)state;
	struct n2m_buf b;
	n2m_buf_init(&b);
	const char in[] = "a\"b\\c\nd\te\x01\x1f/€";
	n2m_buf_json_string(&b, in, sizeof(in) - 1);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f/€\"");
	struct json_object *o = json_tokener_parse(b.data);
	assert_string_equal(json_object_get_string(o), in);
	json_object_put(o);
	n2m_buf_free(&b);
}

static void numbers(void **state)
{
	(void)state;
	struct n2m_buf b;
	n2m_buf_init(&b);
	const double vals[] = { 0, -97.795668, 14.330065796228606, 0.1, 1e-300, 56509.30133526166,
				12, -0.5, 1e20 };
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		n2m_buf_reset(&b);
		n2m_buf_json_double(&b, vals[i]);
		assert_true(strtod(b.data, NULL) == vals[i]);
	}
	n2m_buf_reset(&b);
	n2m_buf_json_double(&b, 431);
	assert_string_equal(b.data, "431");
	n2m_buf_reset(&b);
	n2m_buf_json_double(&b, NAN);
	assert_string_equal(b.data, "null");
	n2m_buf_reset(&b);
	n2m_buf_json_int(&b, INT64_MIN);
	assert_string_equal(b.data, "-9223372036854775808");
	n2m_buf_free(&b);
}

static void growth_and_storage(void **state)
{
	(void)state;
	char small[8];
	struct n2m_buf b;
	n2m_buf_init_storage(&b, small, sizeof(small));
	n2m_buf_puts(&b, "abc");
	assert_ptr_equal(b.data, small);
	for (int i = 0; i < 1000; i++)
		n2m_buf_puts(&b, "0123456789");
	assert_int_equal(b.len, 10003);
	assert_false(b.borrowed);
	assert_memory_equal(b.data, "abc0123", 7);
	size_t len = 0;
	char *p = n2m_buf_steal(&b, &len);
	assert_int_equal(len, 10003);
	assert_null(b.data);
	free(p);
	/* stealing caller storage hands out a heap copy */
	n2m_buf_init_storage(&b, small, sizeof(small));
	n2m_buf_puts(&b, "xy");
	p = n2m_buf_steal(&b, &len);
	assert_true(p != small);
	assert_string_equal(p, "xy");
	free(p);
	n2m_buf_free(&b);
}

static void hash_distinguishes(void **state)
{
	(void)state;
	const char *a = "{\"latitude\":25.841693,\"stale\":false}";
	const char *b = "{\"latitude\":25.841693,\"stale\":true}";
	assert_true(n2m_hash64(a, strlen(a)) == n2m_hash64(a, strlen(a)));
	assert_true(n2m_hash64(a, strlen(a)) != n2m_hash64(b, strlen(b)));
	assert_true(n2m_hash64("", 0) != n2m_hash64("\0", 1));
	/* every single-bit flip in a 64-byte buffer changes the hash */
	unsigned char buf[64] = { 0 };
	uint64_t h0 = n2m_hash64(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf) * 8; i++) {
		buf[i / 8] ^= (unsigned char)(1u << (i % 8));
		assert_true(n2m_hash64(buf, sizeof(buf)) != h0);
		buf[i / 8] ^= (unsigned char)(1u << (i % 8));
	}
	/* Every length of the same bytes differs, across the 16-byte steps and
	 * the tails, and a flip anywhere in a long payload reaches the hash. */
	unsigned char text[300];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (unsigned char)('a' + i % 26);
	uint64_t seen[sizeof(text) + 1];
	for (size_t n = 0; n <= sizeof(text); n++) {
		seen[n] = n2m_hash64(text, n);
		for (size_t k = 0; k < n; k++)
			assert_true(seen[k] != seen[n]);
	}
	uint64_t whole = n2m_hash64(text, sizeof(text));
	for (size_t i = 0; i < sizeof(text); i++) {
		text[i] ^= 0x20;
		assert_true(n2m_hash64(text, sizeof(text)) != whole);
		text[i] ^= 0x20;
	}
}

/* What n2m_buf_json_double printed before its fast path, and must still
 * print: integral values as integers, otherwise the shortest of
 * %.15g/%.16g/%.17g that reads back exactly. */
static void reference_double(double v, char *out, size_t cap)
{
	if (!isfinite(v)) {
		snprintf(out, cap, "null");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(out, cap, "%lld", (long long)v);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void check_double(struct n2m_buf *b, double v)
{
	char want[64];
	reference_double(v, want, sizeof(want));
	n2m_buf_reset(b);
	n2m_buf_json_double(b, v);
	if (strcmp(b->data, want) != 0)
		fail_msg("%.17g: got %s, want %s", v, b->data, want);
}

/* Byte for byte the reference on the shapes coordinates and sensor values
 * take (decimals of 1..17 digits at every scale), on the edges of the fast
 * path's range, and on random bit patterns. */
static void doubles_match_printf(void **state)
{
	(void)state;
	struct n2m_buf b;
	n2m_buf_init(&b);
	const double edges[] = { 1e-4, 9.99999999999999e-5, 1.00000000000001e-4, 0.1, 0.5, -0.05,
				 1e15 - 0.5, 999999999999999.9, 1e14 + 0.5, 123456789012345.6,
				 0.000123456789012345, 55.755812, -97.795668, 13.9, 281.0001,
				 36028.82067, 314.7393261, 0.30000000000000004, 2.675, 1.005,
				 4503599627370495.5, 1e-5, 1.5e-4, 99.99999999999999 };
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		check_double(&b, edges[i]);
		check_double(&b, -edges[i]);
	}
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	char text[64];
	for (int i = 0; i < 300000; i++) {
		/* A decimal with 1..17 significant digits and a point anywhere. */
		int digits = 1 + (int)(unit_random(&seed) % 17);
		uint64_t m = unit_random(&seed) % 100000000000000000ull;
		for (int d = 17; d > digits; d--)
			m /= 10;
		int scale = (int)(unit_random(&seed) % 26) - 6;
		snprintf(text, sizeof(text), "%s%llue%d", unit_random(&seed) & 1 ? "-" : "",
			 (unsigned long long)m, -scale);
		check_double(&b, strtod(text, NULL));
		/* Any double at all. */
		uint64_t bits = unit_random(&seed);
		double any;
		memcpy(&any, &bits, sizeof(any));
		check_double(&b, any);
	}
	n2m_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings_escape),
		cmocka_unit_test(numbers),
		cmocka_unit_test(doubles_match_printf),
		cmocka_unit_test(growth_and_storage),
		cmocka_unit_test(hash_distinguishes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
