/* SPDX-License-Identifier: MIT */
/*
 * test_atmosphere.c - handshake, heartbeat and length-prefix framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "atmosphere.h"

struct collected {
	int count;
	char msgs[8][256];
};

static void collect(void *ctx, const char *msg, size_t len)
{
	struct collected *c = ctx;
	assert_true(c->count < 8);
	assert_true(len < sizeof(c->msgs[0]));
	memcpy(c->msgs[c->count], msg, len);
	c->msgs[c->count][len] = '\0';
	c->count++;
}

static void handshake_plain(void **state)
{
	(void)state;
	struct atmo_handshake h;
	const char *f = "b623a15d-9623-4fd8-a9d3-697036635c29|30000|X|";
	assert_int_equal(atmo_parse_handshake(f, strlen(f), 0, &h), 0);
	assert_string_equal(h.uuid, "b623a15d-9623-4fd8-a9d3-697036635c29");
	assert_int_equal(h.client_heartbeat_ms, 30000);
	assert_string_equal(h.padding, "X");
}

static void handshake_length_prefixed(void **state)
{
	(void)state;
	struct atmo_handshake h;
	const char *f = "43|0718d839-37cf-4b2b-8b5c-ad088f5f8021|400|X|";
	assert_int_equal(atmo_parse_handshake(f, strlen(f), 1, &h), 0);
	assert_string_equal(h.uuid, "0718d839-37cf-4b2b-8b5c-ad088f5f8021");
	assert_int_equal(h.client_heartbeat_ms, 400);
}

static void handshake_rejects_json_and_garbage(void **state)
{
	(void)state;
	struct atmo_handshake h;
	const char *bad[] = { "{\"type\":\"event\"}", "X", "", "abc|notanumber|X|",
			      "abc", "|30000|X|", "a b|1|X|" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(atmo_parse_handshake(bad[i], strlen(bad[i]), 0, &h), -1);
}

/* The interval the server advertises is kept as sent; the one used is
 * brought into 1 s .. 5 min, 0 (no heartbeats) stays. */
static void heartbeat_interval_is_clamped(void **state)
{
	(void)state;
	struct atmo_handshake h;
	const char *f = "abc|999999999999|X|";
	assert_int_equal(atmo_parse_handshake(f, strlen(f), 0, &h), 0);
	assert_true(h.client_heartbeat_ms > 86400000L);
	assert_int_equal(atmo_heartbeat_clamp_ms(h.client_heartbeat_ms), ATMO_HEARTBEAT_MAX_MS);
	assert_int_equal(ATMO_HEARTBEAT_MIN_MS, 1000);
	assert_int_equal(ATMO_HEARTBEAT_MAX_MS, 300000);
	assert_int_equal(atmo_heartbeat_clamp_ms(0), 0);
	assert_int_equal(atmo_heartbeat_clamp_ms(-5), 0);
	assert_int_equal(atmo_heartbeat_clamp_ms(1), 1000);
	assert_int_equal(atmo_heartbeat_clamp_ms(999), 1000);
	assert_int_equal(atmo_heartbeat_clamp_ms(1000), 1000);
	assert_int_equal(atmo_heartbeat_clamp_ms(30000), 30000);
	assert_int_equal(atmo_heartbeat_clamp_ms(300000), 300000);
	assert_int_equal(atmo_heartbeat_clamp_ms(300001), 300000);
}

static void handshake_roundtrip(void **state)
{
	(void)state;
	char buf[128];
	struct atmo_handshake h;
	int n = atmo_format_handshake(buf, sizeof(buf), "abc-123", 30000, "X");
	assert_int_equal(n, (int)strlen("abc-123|30000|X|"));
	assert_int_equal(atmo_parse_handshake(buf, (size_t)n, 0, &h), 0);
	assert_string_equal(h.uuid, "abc-123");
	assert_int_equal(atmo_format_handshake(buf, 4, "abc-123", 30000, "X"), -1);
}

static void heartbeat_detection(void **state)
{
	(void)state;
	assert_true(atmo_is_heartbeat("X", 1, "X"));
	assert_true(atmo_is_heartbeat(" X\n", 3, "X"));
	assert_true(atmo_is_heartbeat("   ", 3, "X"));
	assert_false(atmo_is_heartbeat("{\"X\":1}", 7, "X"));
	assert_false(atmo_is_heartbeat("XX", 2, "X"));
}

static void utf16_units_count_like_java(void **state)
{
	(void)state;
	const char *s = "split-message-\xc3\xa4\xc3\xb6"; /* "split-message-äö" */
	assert_int_equal(strlen(s), 18);
	assert_int_equal(atmo_utf16_units(s, strlen(s)), 16);
	const char *emoji = "\xf0\x9f\x98\x80"; /* U+1F600 takes a surrogate pair */
	assert_int_equal(atmo_utf16_units(emoji, 4), 2);
	char prefix[16];
	assert_int_equal(atmo_format_length_prefix(prefix, sizeof(prefix), s, strlen(s)), 3);
	assert_string_equal(prefix, "16|");
}

static void decoder_untracked_is_one_message_per_frame(void **state)
{
	(void)state;
	struct atmo_decoder d;
	struct collected c = { 0 };
	atmo_decoder_init(&d, 0, 1024);
	assert_int_equal(atmo_decoder_feed(&d, "3|abc", 5, collect, &c), ATMO_DECODE_OK);
	assert_int_equal(c.count, 1);
	assert_string_equal(c.msgs[0], "3|abc");
	atmo_decoder_free(&d);
}

static void decoder_batched_and_split(void **state)
{
	(void)state;
	struct atmo_decoder d;
	struct collected c = { 0 };
	atmo_decoder_init(&d, 1, 1024);
	/* two messages in one frame, one with a '|' inside */
	const char *f1 = "3|abc5|d|e|f";
	assert_int_equal(atmo_decoder_feed(&d, f1, strlen(f1), collect, &c), ATMO_DECODE_OK);
	assert_int_equal(c.count, 2);
	assert_string_equal(c.msgs[0], "abc");
	assert_string_equal(c.msgs[1], "d|e|f");
	/* one message split across frames, split inside the length digits too */
	assert_int_equal(atmo_decoder_feed(&d, "1", 1, collect, &c), ATMO_DECODE_OK);
	assert_int_equal(c.count, 2);
	assert_int_equal(atmo_decoder_feed(&d, "6|split-mess", 12, collect, &c), ATMO_DECODE_OK);
	assert_int_equal(c.count, 2);
	const char *tail = "age-\xc3\xa4\xc3\xb6" "1|X";
	assert_int_equal(atmo_decoder_feed(&d, tail, strlen(tail), collect, &c), ATMO_DECODE_OK);
	assert_int_equal(c.count, 4);
	assert_string_equal(c.msgs[2], "split-message-\xc3\xa4\xc3\xb6");
	assert_string_equal(c.msgs[3], "X");
	assert_int_equal(d.partial_len, 0);
	atmo_decoder_free(&d);
}

static void decoder_errors_reset_state(void **state)
{
	(void)state;
	struct atmo_decoder d;
	struct collected c = { 0 };
	atmo_decoder_init(&d, 1, 16);
	assert_int_equal(atmo_decoder_feed(&d, "ab|cd", 5, collect, &c), ATMO_DECODE_BAD_LENGTH);
	assert_int_equal(atmo_decoder_feed(&d, "{\"a\":1}", 7, collect, &c), ATMO_DECODE_BAD_LENGTH);
	assert_int_equal(d.partial_len, 0);
	assert_int_equal(atmo_decoder_feed(&d, "2|ok", 4, collect, &c), ATMO_DECODE_OK);
	assert_int_equal(c.count, 1);
	assert_string_equal(c.msgs[0], "ok");
	atmo_decoder_free(&d);
}

/* A prefix above the limit: nothing of the message is buffered, its bytes
 * are skipped as they come (split anywhere), and the next message in the
 * same frame comes out. */
static void decoder_skips_a_prefix_above_the_limit(void **state)
{
	(void)state;
	struct atmo_decoder d;
	struct collected c = { 0 };
	char body[100];
	memset(body, 'a', sizeof body);
	atmo_decoder_init(&d, 1, 16);
	assert_int_equal(atmo_decoder_feed(&d, "1|x100|", 7, collect, &c), ATMO_DECODE_TOO_LARGE);
	assert_int_equal(d.partial_len, 0);
	assert_int_equal(atmo_decoder_feed(&d, body, 60, collect, &c), ATMO_DECODE_OK);
	assert_int_equal(d.partial_len, 0);
	assert_null(d.partial); /* never allocated: nothing was buffered */
	char tail[64];
	memcpy(tail, body, 40);
	memcpy(tail + 40, "2|ok1", 5);
	assert_int_equal(atmo_decoder_feed(&d, tail, 45, collect, &c), ATMO_DECODE_OK);
	assert_int_equal(atmo_decoder_feed(&d, "|z", 2, collect, &c), ATMO_DECODE_OK);
	assert_int_equal(c.count, 3);
	assert_string_equal(c.msgs[0], "x");
	assert_string_equal(c.msgs[1], "ok");
	assert_string_equal(c.msgs[2], "z");
	atmo_decoder_free(&d);
}

/* A prefix within the limit whose bytes are not (three-byte characters):
 * the partial buffer stops at the limit, the rest is skipped. */
static void decoder_partial_stays_within_the_limit(void **state)
{
	(void)state;
	struct atmo_decoder d;
	struct collected c = { 0 };
	atmo_decoder_init(&d, 1, 16);
	const char *euro = "\xe2\x82\xac"; /* one UTF-16 unit, three bytes */
	assert_int_equal(atmo_decoder_feed(&d, "12|", 3, collect, &c), ATMO_DECODE_OK);
	enum atmo_decode_result rc = ATMO_DECODE_OK;
	for (int i = 0; i < 12; i++) {
		enum atmo_decode_result r = atmo_decoder_feed(&d, euro, 3, collect, &c);
		if (r != ATMO_DECODE_OK)
			rc = r;
		assert_true(d.partial_len <= 16 + ATMO_PREFIX_MAX);
	}
	assert_int_equal(rc, ATMO_DECODE_TOO_LARGE);
	assert_int_equal(d.partial_len, 0);
	assert_int_equal(atmo_decoder_feed(&d, "3|end", 5, collect, &c), ATMO_DECODE_OK);
	assert_int_equal(c.count, 1);
	assert_string_equal(c.msgs[0], "end");
	atmo_decoder_free(&d);
}

/* Small messages around too-large ones, the stream cut into pieces of every
 * size: the small ones all come out, in order, and the partial buffer never
 * holds more than a prefix and the limit. */
static void decoder_bounded_at_every_split(void **state)
{
	(void)state;
	char stream[512];
	size_t n = 0;
	const size_t sizes[] = { 3, 40, 16, 17, 0, 200, 5 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		n += (size_t)sprintf(stream + n, "%zu|", sizes[k]);
		for (size_t i = 0; i < sizes[k]; i++)
			stream[n++] = (char)('a' + k);
	}
	for (size_t step = 1; step <= n; step++) {
		struct atmo_decoder d;
		struct collected c = { 0 };
		atmo_decoder_init(&d, 1, 16);
		for (size_t off = 0; off < n; off += step) {
			size_t len = n - off < step ? n - off : step;
			enum atmo_decode_result r = atmo_decoder_feed(&d, stream + off, len, collect, &c);
			assert_true(r == ATMO_DECODE_OK || r == ATMO_DECODE_TOO_LARGE);
			assert_true(d.partial_len <= 16 + ATMO_PREFIX_MAX);
		}
		assert_int_equal(c.count, 4); /* 3, 16, 0 and 5 units */
		assert_string_equal(c.msgs[0], "aaa");
		assert_int_equal(strlen(c.msgs[1]), 16);
		assert_string_equal(c.msgs[2], "");
		assert_string_equal(c.msgs[3], "ggggg");
		atmo_decoder_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_plain),
		cmocka_unit_test(handshake_length_prefixed),
		cmocka_unit_test(handshake_rejects_json_and_garbage),
		cmocka_unit_test(heartbeat_interval_is_clamped),
		cmocka_unit_test(handshake_roundtrip),
		cmocka_unit_test(heartbeat_detection),
		cmocka_unit_test(utf16_units_count_like_java),
		cmocka_unit_test(decoder_untracked_is_one_message_per_frame),
		cmocka_unit_test(decoder_batched_and_split),
		cmocka_unit_test(decoder_errors_reset_state),
		cmocka_unit_test(decoder_skips_a_prefix_above_the_limit),
		cmocka_unit_test(decoder_partial_stays_within_the_limit),
		cmocka_unit_test(decoder_bounded_at_every_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
