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
#include <stdlib.h>
#include <string.h>

#include "hash64.h"
#include "json_writer.h"

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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings_escape),
		cmocka_unit_test(numbers),
		cmocka_unit_test(growth_and_storage),
		cmocka_unit_test(hash_distinguishes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
