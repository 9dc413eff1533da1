/*
 * test_topic.c - label sanitising, topic strings, publish-side validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"

static const char *sanitize(const char *label, size_t len, int64_t id)
{
	static char out[N2M_TOPIC_LEVEL_MAX + 1];
	size_t n = n2m_topic_sanitize_label(label, len, id, out);
	assert_int_equal(n, strlen(out));
	return out;
}

#define S(lit, id) sanitize(lit, sizeof(lit) - 1, id)

static void sanitize_replaces_forbidden(void **state)
{
	(void)state;
	assert_string_equal(S("Truck 12", 1), "Truck 12");
	assert_string_equal(S("a+b#c/d", 1), "a_b_c_d");
	assert_string_equal(S("tab\there\nnl\x7f", 1), "tab_here_nl_");
	assert_string_equal(S("nul\0byte", 1), "nul_byte");
	assert_string_equal(S("c1\xc2\x85x", 1), "c1_x");           /* U+0085 NEL */
	assert_string_equal(S("bad\xff\xfeutf", 1), "bad__utf");    /* invalid bytes */
	assert_string_equal(S("\xe0\x80\x80", 9), "9");            /* overlong: all '_' -> fallback */
	assert_string_equal(S("Grüße €", 1), "Grüße €");           /* UTF-8 kept */
}

static void sanitize_trims_and_falls_back(void **state)
{
	(void)state;
	assert_string_equal(S("  padded  ", 1), "padded");
	assert_string_equal(S("", 123456), "123456");
	assert_string_equal(S("   ", 42), "42");
	assert_string_equal(S("///", 42), "42");
	assert_string_equal(sanitize(NULL, 0, 7), "7");
}

static void sanitize_cuts_at_utf8_boundary(void **state)
{
	(void)state;
	char label[200];
	memset(label, 'a', 100);
	assert_int_equal(strlen(sanitize(label, 100, 1)), 64);
	/* 63 ASCII bytes then a 2-byte char: it does not fit, never half of it */
	memset(label, 'b', 63);
	memcpy(label + 63, "\xc3\xa9zz", 4);
	const char *out = sanitize(label, 67, 1);
	assert_int_equal(strlen(out), 63);
	/* 62 + 2-byte char = 64 exactly: kept */
	memcpy(label + 62, "\xc3\xa9zz", 4);
	out = sanitize(label, 66, 1);
	assert_int_equal(strlen(out), 64);
	assert_memory_equal(out + 62, "\xc3\xa9", 2);
	/* 4-byte emoji run */
	char emoji[4 * 20];
	for (int i = 0; i < 20; i++)
		memcpy(emoji + 4 * i, "\xf0\x9f\x9a\x9a", 4);
	out = sanitize(emoji, sizeof(emoji), 1);
	assert_int_equal(strlen(out), 64);
	assert_true(n2m_utf8_valid(out, strlen(out)));
	/* a space left at the cut is trimmed */
	memset(label, 'c', 63);
	label[63] = ' ';
	label[64] = 'd';
	assert_int_equal(strlen(sanitize(label, 65, 1)), 63);
}

static void topic_strings(void **state)
{
	(void)state;
	char buf[128];
	assert_int_equal(n2m_topic_tracker(buf, sizeof(buf), "navixy", "123", "state"), 24);
	assert_string_equal(buf, "navixy/tracker/123/state");
	assert_int_equal(n2m_topic_bridge(buf, sizeof(buf), "a/b", "health"), 17);
	assert_string_equal(buf, "a/b/bridge/health");
	assert_int_equal(n2m_topic_tracker(buf, 10, "navixy", "123", "state"), -1);
	assert_string_equal(buf, "");
	/* exactly fitting: length 24 + NUL */
	assert_int_equal(n2m_topic_tracker(buf, 25, "navixy", "123", "state"), 24);
	assert_int_equal(n2m_topic_tracker(buf, 24, "navixy", "123", "state"), -1);
	char *t = n2m_topic_tracker_dup("navixy", "Truck_1", "location");
	assert_string_equal(t, "navixy/tracker/Truck_1/location");
	free(t);
	t = n2m_topic_bridge_dup("navixy", "state");
	assert_string_equal(t, "navixy/bridge/state");
	free(t);
	assert_string_equal(n2m_topic_class_suffix(N2M_CLASS_AVAILABILITY), "availability");
	assert_string_equal(n2m_topic_class_suffix(N2M_CLASS_IOT_MONITOR), "iot_monitor");
	char id[N2M_TOPIC_LEVEL_MAX + 1];
	assert_int_equal(n2m_topic_id_from_tracker_id(9007199254740993LL, id), 16);
	assert_string_equal(id, "9007199254740993");
}

static void validate_publish(void **state)
{
	(void)state;
	char err[128];
	assert_int_equal(n2m_topic_validate_publish("navixy/tracker/1/state", 22, err, sizeof(err)), 0);
	assert_int_equal(n2m_topic_validate_publish("", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(n2m_topic_validate_publish("a/+/b", 5, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wildcard"));
	assert_int_equal(n2m_topic_validate_publish("a/#", 3, err, sizeof(err)), -1);
	assert_int_equal(n2m_topic_validate_publish("a\0b", 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(n2m_topic_validate_publish("a\xff", 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UTF-8"));
	static char big[65537];
	memset(big, 'a', sizeof(big));
	assert_int_equal(n2m_topic_validate_publish(big, 65535, err, sizeof(err)), 0);
	assert_int_equal(n2m_topic_validate_publish(big, 65536, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "65535"));
}

static void utf8_validity(void **state)
{
	(void)state;
	assert_true(n2m_utf8_valid("plain", 5));
	assert_true(n2m_utf8_valid("\xe2\x82\xac", 3));
	assert_true(n2m_utf8_valid("\xf4\x8f\xbf\xbf", 4));   /* U+10FFFF */
	assert_false(n2m_utf8_valid("\xf4\x90\x80\x80", 4));  /* above U+10FFFF */
	assert_false(n2m_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	assert_false(n2m_utf8_valid("\xc0\xaf", 2));          /* overlong */
	assert_false(n2m_utf8_valid("\xe2\x82", 2));          /* truncated */
	assert_false(n2m_utf8_valid("\x80", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sanitize_replaces_forbidden),
		cmocka_unit_test(sanitize_trims_and_falls_back),
		cmocka_unit_test(sanitize_cuts_at_utf8_boundary),
		cmocka_unit_test(topic_strings),
		cmocka_unit_test(validate_publish),
		cmocka_unit_test(utf8_validity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
