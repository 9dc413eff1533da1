/* SPDX-License-Identifier: MIT */
/*
 * test_utf8.c - UTF-8 checking, repair (U+FFFD per maximal invalid
 * subpart), cutting on character boundaries, noncharacters; the fast check
 * against a byte-at-a-time reference over seeded random texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "unit_random.h"
#include "utf8.h"

#define FFFD N2M_UTF8_REPLACEMENT

static void valid_and_invalid(void **state)
{
	(void)state;
	assert_true(n2m_utf8_valid("", 0));
	assert_true(n2m_utf8_valid("plain ascii text, longer than eight", 35));
	assert_true(n2m_utf8_valid("\xe2\x82\xac", 3));
	assert_true(n2m_utf8_valid("\xef\xbf\xbf", 3));       /* U+FFFF: valid UTF-8 */
	assert_true(n2m_utf8_valid("\xf4\x8f\xbf\xbf", 4));   /* U+10FFFF */
	assert_false(n2m_utf8_valid("\xf4\x90\x80\x80", 4));  /* above U+10FFFF */
	assert_false(n2m_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	assert_false(n2m_utf8_valid("\xc0\xaf", 2));          /* overlong */
	assert_false(n2m_utf8_valid("\xe0\x9f\xbf", 3));      /* overlong */
	assert_false(n2m_utf8_valid("\xf0\x8f\xbf\xbf", 4));  /* overlong */
	assert_false(n2m_utf8_valid("\xe2\x82", 2));          /* truncated */
	assert_false(n2m_utf8_valid("\x80", 1));
	assert_false(n2m_utf8_valid("abcdefgh\xff", 9));      /* after the 8-byte step */
	/* a bad byte at every position of a long ASCII run (32-byte steps) */
	char run[100];
	for (size_t at = 0; at < sizeof(run); at++) {
		memset(run, 'a', sizeof(run));
		assert_true(n2m_utf8_valid(run, sizeof(run)));
		run[at] = (char)0xC3;
		assert_false(n2m_utf8_valid(run, sizeof(run)));
		if (at + 1 < sizeof(run)) {
			run[at + 1] = (char)0xA9; /* é: valid again */
			assert_true(n2m_utf8_valid(run, sizeof(run)));
		}
	}
}

static void repair_case(const char *in, size_t len, const char *want)
{
	size_t n = 0;
	char *out = n2m_utf8_repair(in, len, &n);
	assert_non_null(out);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	assert_true(n2m_utf8_valid(out, n));
	free(out);
}

#define REPAIR(lit, want) repair_case(lit, sizeof(lit) - 1, want)

static void repair_replaces_maximal_subparts(void **state)
{
	(void)state;
	REPAIR("ok \xc3\xa9", "ok \xc3\xa9");                      /* valid: unchanged */
	REPAIR("a\xff" "b", "a" FFFD "b");
	REPAIR("\xe2\x82" "x", FFFD "x");                          /* one for a cut sequence */
	REPAIR("\xe2\x82", FFFD);
	REPAIR("\xed\xa0\x80", FFFD FFFD FFFD);                    /* surrogate: byte by byte */
	REPAIR("\xf0\x9f\x98", FFFD);
	REPAIR("\xc0\xaf", FFFD FFFD);
	REPAIR("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	REPAIR("x\x80\x80y", "x" FFFD FFFD "y");
}

static void cut_and_trim_on_boundaries(void **state)
{
	(void)state;
	const char *s = "ab\xc3\xa9\xe2\x82\xac";                 /* a b é € */
	assert_int_equal(n2m_utf8_cut(s, 7, 100), 7);
	assert_int_equal(n2m_utf8_cut(s, 7, 3), 2);                /* inside é */
	assert_int_equal(n2m_utf8_cut(s, 7, 4), 4);
	assert_int_equal(n2m_utf8_cut(s, 7, 5), 4);                /* inside € */
	assert_int_equal(n2m_utf8_cut(s, 7, 6), 4);
	assert_int_equal(n2m_utf8_cut(s, 7, 0), 0);

	char buf[16];
	strcpy(buf, "ab\xe2\x82");                                 /* € cut after 2 bytes */
	n2m_utf8_trim_tail(buf);
	assert_string_equal(buf, "ab");
	strcpy(buf, "ab\xc3");
	n2m_utf8_trim_tail(buf);
	assert_string_equal(buf, "ab");
	strcpy(buf, "ab\xe2\x82\xac");                             /* complete: kept */
	n2m_utf8_trim_tail(buf);
	assert_string_equal(buf, "ab\xe2\x82\xac");
	strcpy(buf, "");
	n2m_utf8_trim_tail(buf);
	assert_string_equal(buf, "");
}

static void noncharacters(void **state)
{
	(void)state;
	assert_true(n2m_utf8_is_noncharacter(0xFFFF));
	assert_true(n2m_utf8_is_noncharacter(0xFFFE));
	assert_true(n2m_utf8_is_noncharacter(0xFDD0));
	assert_true(n2m_utf8_is_noncharacter(0xFDEF));
	assert_true(n2m_utf8_is_noncharacter(0x1FFFE));
	assert_true(n2m_utf8_is_noncharacter(0x10FFFF));
	assert_false(n2m_utf8_is_noncharacter(0xFDCF));
	assert_false(n2m_utf8_is_noncharacter(0xFDF0));
	assert_false(n2m_utf8_is_noncharacter(0xFFFD));
	assert_false(n2m_utf8_is_noncharacter('A'));
}

/* Byte-at-a-time reference: the Unicode table of well-formed sequences. */
static int reference_valid(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;
		unsigned char lo = 0x80, hi = 0xBF;
		if (c < 0x80)
			n = 1;
		else if (c >= 0xC2 && c <= 0xDF)
			n = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		else
			return 0;
		if (i + n > len)
			return 0;
		for (size_t k = 1; k < n; k++) {
			unsigned char x = s[i + k];
			if (x < (k == 1 ? lo : 0x80) || x > (k == 1 ? hi : 0xBF))
				return 0;
		}
		i += n;
	}
	return 1;
}

static void random_texts_match_reference_and_repair(void **state)
{
	(void)state;
	uint64_t seed = 0x5eed0f00dULL;
	static const unsigned char pool[] = { 'a', ' ', '"', 0x00, 0x7F, 0x80, 0xBF, 0xC2, 0xC3,
					      0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
					      0x82, 0xAC, 0x9F, 0xA0 };
	unsigned char text[40];
	for (int round = 0; round < 200000; round++) {
		size_t len = unit_random(&seed) % sizeof(text);
		int ascii_run = unit_random(&seed) % 2;
		for (size_t i = 0; i < len; i++)
			text[i] = ascii_run && i < 16 ? 'x' : pool[unit_random(&seed) % sizeof(pool)];
		int want = reference_valid(text, len);
		assert_int_equal(n2m_utf8_valid((const char *)text, len), want);
		size_t n = 0;
		char *fixed = n2m_utf8_repair((const char *)text, len, &n);
		assert_non_null(fixed);
		assert_true(reference_valid((const unsigned char *)fixed, n));
		if (want) /* valid text comes back byte for byte */
			assert_memory_equal(fixed, text, len);
		free(fixed);
		size_t cut = n2m_utf8_cut((const char *)text, len, len / 2);
		assert_true(cut <= len / 2);
		if (want)
			assert_true(reference_valid(text, cut));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_and_invalid),
		cmocka_unit_test(repair_replaces_maximal_subparts),
		cmocka_unit_test(cut_and_trim_on_boundaries),
		cmocka_unit_test(noncharacters),
		cmocka_unit_test(random_texts_match_reference_and_repair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
