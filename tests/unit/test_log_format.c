/* SPDX-License-Identifier: MIT */
/*
 * test_log_format.c - the log's escaping printf: untrusted %s values can
 * neither break the line nor end their quotes; other conversions format as
 * vsnprintf does; cuts keep characters, escapes and closing quotes whole;
 * n2m_log_quote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "log.h"
#include "log_format.h"
#include "unit_random.h"
#include "utf8.h"

static char out[512];

static const char *fmt_cap(size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = n2m_log_format(out, cap, fmt, ap);
	va_end(ap);
	assert_int_equal(n, strlen(out));
	assert_true(n < cap);
	return out;
}

#define FMT(...) fmt_cap(sizeof(out), __VA_ARGS__)

static void quoted_values_are_escaped(void **state)
{
	(void)state;
	/* A label that tries to start a forged record of its own. */
	assert_string_equal(FMT("label=\"%s\" n=%d", "Van\nlevel=error event=forged", 7),
			    "label=\"Van\\nlevel=error event=forged\" n=7");
	assert_string_equal(FMT("d=\"%s\"", "a\"b\\c\r\t\x01\x7f"),
			    "d=\"a\\\"b\\\\c\\r\\t\\x01\\x7f\"");
	assert_string_equal(FMT("d=\"%s\"", "c1\xc2\x85 ls\xe2\x80\xa8 ps\xe2\x80\xa9"),
			    "d=\"c1\\u0085 ls\\u2028 ps\\u2029\"");
	assert_string_equal(FMT("d=\"%s\"", "bad\xff\xe2\x82"), "d=\"bad\\xff\\xe2\\x82\"");
	/* valid UTF-8, noncharacters included, goes through */
	assert_string_equal(FMT("d=\"%s\"", "Grüße \xef\xbf\xbf"), "d=\"Grüße \xef\xbf\xbf\"");
}

static void bare_values_are_quoted_when_needed(void **state)
{
	(void)state;
	assert_string_equal(FMT("topic=%s", "navixy/tracker/1/state"),
			    "topic=navixy/tracker/1/state");
	assert_string_equal(FMT("topic=%s rc=%d", "a b", 1), "topic=\"a b\" rc=1");
	assert_string_equal(FMT("t=%s", "x level=error"), "t=\"x level=error\"");
	assert_string_equal(FMT("t=%s", "nl\n"), "t=\"nl\\n\"");
	assert_string_equal(FMT("t=%s", "q\"x"), "t=\"q\\\"x\"");
	/* n2m_log_quote's output is one closed quoted value: kept as it is */
	assert_string_equal(FMT("t=%s", "\"a \\\"b\\\"\""), "t=\"a \\\"b\\\"\"");
	/* ... but a value that only looks quoted is escaped */
	assert_string_equal(FMT("t=%s", "\"a\" b=\"c\""), "t=\"\\\"a\\\" b=\\\"c\\\"\"");
	assert_string_equal(FMT("t=%s", "\"a\\\""), "t=\"\\\"a\\\\\\\"\"");
	assert_string_equal(FMT("t=%s e=%s", (const char *)NULL, ""), "t=(null) e=");
}

static void numbers_format_like_vsnprintf(void **state)
{
	(void)state;
	char want[256];
	snprintf(want, sizeof want,
		 "a=%d b=%" PRIu64 " c=%zu d=%.1f e=%ld f=%-5d| g=%x h=%llu i=%05.2f j=%c k=%%"
		 " l=%" PRId64 " m=%hhu n=%*d o=%.*f p=%jd q=%zd r=%Lg s=%o",
		 -3, (uint64_t)1 << 40, (size_t)7, 2.25, 5L, 4, 255u, 18446744073709551615ULL,
		 3.14159, 'Z', INT64_MIN, (unsigned char)200, 6, 42, 3, 1.0 / 3, (intmax_t)-9,
		 (ssize_t)-1, (long double)1.5, 8u);
	assert_string_equal(
		FMT("a=%d b=%" PRIu64 " c=%zu d=%.1f e=%ld f=%-5d| g=%x h=%llu i=%05.2f j=%c k=%%"
		    " l=%" PRId64 " m=%hhu n=%*d o=%.*f p=%jd q=%zd r=%Lg s=%o",
		    -3, (uint64_t)1 << 40, (size_t)7, 2.25, 5L, 4, 255u, 18446744073709551615ULL,
		    3.14159, 'Z', INT64_MIN, (unsigned char)200, 6, 42, 3, 1.0 / 3, (intmax_t)-9,
		    (ssize_t)-1, (long double)1.5, 8u),
		want);
	assert_string_equal(FMT("p=%.40s|", "short"), "p=short|");
	assert_string_equal(FMT("p=\"%.3s\"", "\xc3\xa9\xc3\xa9"), "p=\"\xc3\xa9\""); /* not half é */
}

/* Cut anywhere: never half a character or escape, quotes closed, valid UTF-8. */
static void cuts_keep_characters_escapes_and_quotes(void **state)
{
	(void)state;
	uint64_t seed = 0x10cf0e5eedULL;
	static const char *const pieces[] = { "a", "\n", "\"", "\\", "\xc3\xa9", "\xe2\x82\xac",
					      "\xff", " ", "=", "\xc2\x85" };
	char value[64];
	for (int round = 0; round < 20000; round++) {
		size_t o = 0, k = unit_random(&seed) % 20;
		for (size_t i = 0; i < k; i++) {
			const char *p = pieces[unit_random(&seed) % 10];
			memcpy(value + o, p, strlen(p));
			o += strlen(p);
		}
		value[o] = '\0';
		size_t cap = 2 + unit_random(&seed) % 60;
		const char *s = fmt_cap(cap, "d=\"%s\" b=%s", value, value);
		size_t len = strlen(s);
		assert_true(n2m_utf8_valid(s, len));
		assert_null(strchr(s, '\n'));
		if (len >= 3) /* d="... always ends its quotes once opened */
			assert_int_equal(s[len - 1] == '"' || strstr(s, "\" b=") != NULL, 1);
		/* the number of unescaped quotes is even: nothing left open */
		int quotes = 0;
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				quotes++;
		}
		if (quotes % 2)
			fail_msg("round %d: open quote in [%s]", round, s);
	}
}

static void log_quote_escapes(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(n2m_log_quote(buf, sizeof buf, "word"), "word");
	assert_string_equal(n2m_log_quote(buf, sizeof buf, ""), "\"\"");
	assert_string_equal(n2m_log_quote(buf, sizeof buf, "a b\"c\n"), "\"a b\\\"c\\n\"");
	assert_string_equal(n2m_log_quote(buf, 6, "aaaaaaaaa"), "aaaaa");
	assert_string_equal(n2m_log_quote(buf, 7, "a aaaaaaa"), "\"a aa\"");
	assert_string_equal(n2m_log_quote(buf, 4, "\xc3\xa9\xc3\xa9"), "\xc3\xa9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quoted_values_are_escaped),
		cmocka_unit_test(bare_values_are_quoted_when_needed),
		cmocka_unit_test(numbers_format_like_vsnprintf),
		cmocka_unit_test(cuts_keep_characters_escapes_and_quotes),
		cmocka_unit_test(log_quote_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
