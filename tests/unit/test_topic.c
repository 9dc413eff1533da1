/* SPDX-License-Identifier: MIT */
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
#include "unit_random.h"

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

/* What Mosquitto 2.0 refuses in a PUBLISH topic (and disconnects for). */
static void topic_name_legality(void **state)
{
	(void)state;
	static const struct {
		const char *topic;
		size_t len;
		const char *why; /* NULL: legal */
	} cases[] = {
		{ "navixy/tracker/Grüße €/state", 30, NULL },
		{ "a/\xf0\x9f\x98\x80/b", 8, NULL },                  /* emoji */
		{ "a/\xef\xbf\xbd", 5, NULL },                          /* U+FFFD */
		{ "a/\xef\xbf\xbf", 5, "noncharacter" },                /* U+FFFF */
		{ "a/\xef\xbf\xbe", 5, "noncharacter" },                /* U+FFFE */
		{ "a/\xef\xb7\x90", 5, "noncharacter" },                /* U+FDD0 */
		{ "a/\xef\xb7\xaf", 5, "noncharacter" },                /* U+FDEF */
		{ "a/\xf0\x9f\xbf\xbf", 6, "noncharacter" },           /* U+1FFFF */
		{ "a/\xf4\x8f\xbf\xbe", 6, "noncharacter" },           /* U+10FFFE */
		{ "a/\xef\xb7\xb0", 5, NULL },                          /* U+FDF0 */
		{ "a/\x01", 3, "control" },
		{ "a/\x1f", 3, "control" },
		{ "a/\n", 3, "control" },
		{ "a/\x7f", 3, "control" },
		{ "a/\xc2\x80", 4, "control" },                         /* U+0080 */
		{ "a/\xc2\x9f", 4, "control" },                         /* U+009F */
		{ "a/\xc2\xa0", 4, NULL },                              /* U+00A0 */
		{ "a/\0", 3, "NUL" },
		{ "a/\xed\xa0\x80", 5, "UTF-8" },                       /* surrogate */
		{ "a/\xc0\xaf", 4, "UTF-8" },                           /* overlong */
		{ "a/\xf4\x90\x80\x80", 6, "UTF-8" },                   /* > U+10FFFF */
		{ "a/+", 3, "wildcard" },
		{ "#", 1, "wildcard" },
		{ "", 0, "empty" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = n2m_topic_name_why_illegal(cases[i].topic, cases[i].len);
		if (!cases[i].why) {
			if (why)
				fail_msg("case %zu: refused: %s", i, why);
			assert_true(n2m_topic_name_is_legal(cases[i].topic, cases[i].len));
		} else {
			if (!why || !strstr(why, cases[i].why))
				fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].why,
					 why ? why : "legal");
			assert_false(n2m_topic_name_is_legal(cases[i].topic, cases[i].len));
		}
	}
}

static void sanitize_drops_noncharacters(void **state)
{
	(void)state;
	assert_string_equal(S("Van\xef\xbf\xbf" "1", 1), "Van_1");      /* U+FFFF */
	assert_string_equal(S("\xef\xb7\x90" "Van", 1), "_Van");        /* U+FDD0 */
	assert_string_equal(S("\xf4\x8f\xbf\xbfx", 1), "_x");           /* U+10FFFF */
	assert_string_equal(S("\xef\xbf\xbe", 5), "5");                  /* only U+FFFE */
	assert_string_equal(S("ok\xef\xbf\xbd", 1), "ok\xef\xbf\xbd"); /* U+FFFD kept */
}

/* Whatever the bytes, a sanitised level is non-empty, at most 64 bytes and
 * legal on its own and inside a tracker topic. */
static void sanitized_levels_are_always_legal(void **state)
{
	(void)state;
	static const unsigned char pool[] = { 'a', ' ', '_', '+', '#', '/', 0x00, 0x01, 0x7F,
					      0xC2, 0x85, 0xA0, 0xEF, 0xBF, 0xBE, 0xB7, 0x90,
					      0xF4, 0x8F, 0xED, 0xFF, 0x80, 0xE2, 0x82, 0xAC };
	uint64_t seed = 0x7091c5eedULL;
	char label[120], level[N2M_TOPIC_LEVEL_MAX + 1], topic[200];
	for (int round = 0; round < 100000; round++) {
		size_t len = unit_random(&seed) % sizeof(label);
		for (size_t i = 0; i < len; i++)
			label[i] = (char)pool[unit_random(&seed) % sizeof(pool)];
		size_t n = n2m_topic_sanitize_label(label, len, 42, level);
		assert_true(n > 0 && n <= N2M_TOPIC_LEVEL_MAX);
		assert_int_equal(strlen(level), n);
		if (!n2m_topic_name_is_legal(level, n) || memchr(level, '/', n))
			fail_msg("round %d: illegal level", round);
		int tl = n2m_topic_tracker(topic, sizeof topic, "navixy", level, "state");
		assert_true(tl > 0);
		assert_true(n2m_topic_name_is_legal(topic, (size_t)tl));
	}
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
		cmocka_unit_test(topic_name_legality),
		cmocka_unit_test(sanitize_drops_noncharacters),
		cmocka_unit_test(sanitized_levels_are_always_legal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
