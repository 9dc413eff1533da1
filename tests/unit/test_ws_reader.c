/* SPDX-License-Identifier: MIT */
/*
 * test_ws_reader.c - the RFC 6455 client frame reader (bridge/upstream/ws_reader.c),
 * the UTF-8 validator it uses and the masked frame writer: every framing
 * rule, the close codes, in-place delivery, oversized messages, and the same
 * events whatever the chunking of the stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_random.h"
#include "ws_reader.h"
#include "ws_utf8.h"
#include "ws_writer.h"

/* ---- building server frames (unmasked) ---- */

struct stream {
	uint8_t *b;
	size_t len, cap;
};

static void put(struct stream *s, const void *p, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2 + 64;
		s->b = realloc(s->b, s->cap);
		assert_non_null(s->b);
	}
	if (n)
		memcpy(s->b + s->len, p, n);
	s->len += n;
}

/* form: 0 minimal length encoding, 16 or 64 to force that one. */
static void frame_form(struct stream *s, uint8_t b0, const void *payload, size_t n, int form)
{
	uint8_t h[10];
	size_t hl = 2;
	h[0] = b0;
	if (form == 0)
		form = n < 126 ? 7 : n <= 0xFFFF ? 16 : 64;
	if (form == 7) {
		h[1] = (uint8_t)n;
	} else if (form == 16) {
		h[1] = 126;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	put(s, h, hl);
	put(s, payload, n);
}

static void frame(struct stream *s, int fin, uint8_t op, const void *payload, size_t n)
{
	frame_form(s, (uint8_t)((fin ? 0x80 : 0) | op), payload, n, 0);
}

static void text(struct stream *s, const char *t)
{
	frame(s, 1, WS_OP_TEXT, t, strlen(t));
}

/* ---- recording events ---- */

struct rec {
	int type, binary;
	unsigned code;
	uint64_t size;
	char *data;
	size_t len;
	const char *ptr; /* where the reader's bytes were */
};

struct log {
	struct rec ev[512];
	int n;
	enum ws_read_result result;
	unsigned close_code;
};

static void on_event(void *ctx, const struct ws_event *ev)
{
	struct log *l = ctx;
	assert_true(l->n < 512);
	struct rec *r = &l->ev[l->n++];
	r->type = ev->type;
	r->binary = ev->binary;
	r->code = ev->code;
	r->size = ev->size;
	r->len = ev->len;
	r->ptr = ev->data;
	r->data = malloc(ev->len + 1);
	assert_non_null(r->data);
	if (ev->len)
		memcpy(r->data, ev->data, ev->len);
	r->data[ev->len] = '\0';
}

static void log_free(struct log *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->ev[i].data);
	l->n = 0;
}

/* Feeds s in chunks of `step` bytes (0: all at once; with *chunk_seed, of
 * random sizes 1..step) into a fresh reader. */
static void run_chunked(struct log *l, const struct stream *s, size_t max, int fail_big,
			size_t step, uint64_t *chunk_seed)
{
	struct ws_reader r;
	ws_reader_init(&r, max, fail_big);
	memset(l, 0, sizeof(*l));
	l->result = WS_READ_OK;
	for (size_t off = 0; off < s->len || off == 0;) {
		size_t want = chunk_seed ? 1 + unit_random(chunk_seed) % step : step;
		size_t n = want && s->len - off > want ? want : s->len - off;
		l->result = ws_reader_feed(&r, s->b + off, n, on_event, l);
		off += n;
		if (s->len == 0)
			break;
	}
	l->close_code = r.state == WS_READER_FAILED ? r.close_code : 0;
	ws_reader_free(&r);
}

static void run(struct log *l, const struct stream *s, size_t max, int fail_big, size_t step)
{
	run_chunked(l, s, max, fail_big, step, NULL);
}

static void assert_same_logs(const struct log *a, const struct log *b)
{
	assert_int_equal(a->result, b->result);
	assert_int_equal(a->close_code, b->close_code);
	assert_int_equal(a->n, b->n);
	for (int i = 0; i < a->n; i++) {
		assert_int_equal(a->ev[i].type, b->ev[i].type);
		assert_int_equal(a->ev[i].binary, b->ev[i].binary);
		assert_int_equal(a->ev[i].code, b->ev[i].code);
		assert_true(a->ev[i].size == b->ev[i].size);
		assert_int_equal(a->ev[i].len, b->ev[i].len);
		assert_memory_equal(a->ev[i].data, b->ev[i].data, a->ev[i].len + 1);
	}
}

/* Runs s whole, byte by byte and in 3-byte pieces; checks all three agree
 * and leaves the whole-buffer log in *l. */
static void run_all(struct log *l, const struct stream *s, size_t max, int fail_big)
{
	struct log *other = malloc(sizeof(*other));
	assert_non_null(other);
	run(l, s, max, fail_big, 0);
	for (size_t step = 1; step <= 3; step += 2) {
		run(other, s, max, fail_big, step);
		assert_same_logs(l, other);
		log_free(other);
	}
	free(other);
}

/* The stream fails with code, with the events before it in *l. */
static void expect_fail(const struct stream *s, unsigned code, int events_before)
{
	struct log *l = malloc(sizeof(*l));
	assert_non_null(l);
	run_all(l, s, 1 << 20, 0);
	assert_int_equal(l->result, WS_READ_FAIL);
	assert_int_equal(l->close_code, code);
	assert_int_equal(l->n, events_before);
	log_free(l);
	free(l);
}

static struct log *new_log(void)
{
	struct log *l = calloc(1, sizeof(struct log));
	assert_non_null(l);
	return l;
}

static void drop_log(struct log *l)
{
	log_free(l);
	free(l);
}

/* ---- messages ---- */

static void whole_message_is_handed_over_in_place(void **state)
{
	(void)state;
	struct stream s = { 0 };
	text(&s, "{\"a\":1}");
	text(&s, "second");
	struct log *l = new_log();
	run(l, &s, 1024, 0, 0);
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->ev[0].type, WS_EVENT_MESSAGE);
	assert_int_equal(l->ev[0].binary, 0);
	assert_string_equal(l->ev[0].data, "{\"a\":1}");
	assert_ptr_equal(l->ev[0].ptr, (const char *)s.b + 2);
	assert_ptr_equal(l->ev[1].ptr, (const char *)s.b + 11);
	assert_string_equal(l->ev[1].data, "second");
	drop_log(l);
	free(s.b);
}

static void split_message_is_copied_and_equal(void **state)
{
	(void)state;
	struct stream s = { 0 };
	text(&s, "hello, world");
	struct ws_reader r;
	struct log *l = new_log();
	ws_reader_init(&r, 1024, 0);
	assert_int_equal(ws_reader_feed(&r, s.b, 5, on_event, l), WS_READ_OK);
	assert_int_equal(l->n, 0);
	assert_int_equal(ws_reader_feed(&r, s.b + 5, s.len - 5, on_event, l), WS_READ_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->ev[0].data, "hello, world");
	assert_ptr_equal(l->ev[0].ptr, r.buf); /* reassembled, not in place */
	ws_reader_free(&r);
	drop_log(l);
	free(s.b);
}

static void binary_message_is_flagged_and_not_utf8_checked(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_BINARY, "\xff\xfe\x00", 3);
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->ev[0].binary, 1);
	assert_int_equal(l->ev[0].len, 3);
	assert_memory_equal(l->ev[0].data, "\xff\xfe\x00", 3);
	drop_log(l);
	free(s.b);
}

static void empty_frames_and_messages(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_TEXT, "", 0);
	frame(&s, 1, WS_OP_BINARY, "", 0);
	frame(&s, 0, WS_OP_TEXT, "", 0);
	frame(&s, 0, WS_OP_CONTINUATION, "ab", 2);
	frame(&s, 0, WS_OP_CONTINUATION, "", 0);
	frame(&s, 1, WS_OP_CONTINUATION, "", 0);
	frame(&s, 1, WS_OP_PING, "", 0);
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 4);
	assert_int_equal(l->ev[0].len, 0);
	assert_int_equal(l->ev[1].len, 0);
	assert_int_equal(l->ev[1].binary, 1);
	assert_string_equal(l->ev[2].data, "ab");
	assert_int_equal(l->ev[3].type, WS_EVENT_PING);
	assert_int_equal(l->ev[3].len, 0);
	drop_log(l);
	free(s.b);
}

static void length_boundaries_in_all_encodings(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 125, 126, 127, 65535, 65536, 70000 };
	char *body = malloc(70000);
	assert_non_null(body);
	for (size_t i = 0; i < 70000; i++)
		body[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct stream s = { 0 };
		frame(&s, 1, WS_OP_TEXT, body, sizes[i]);
		size_t head = sizes[i] < 126 ? 2 : sizes[i] <= 0xFFFF ? 4 : 10;
		assert_int_equal(s.len, head + sizes[i]);
		struct log *l = new_log();
		run_all(l, &s, 1 << 20, 0);
		assert_int_equal(l->result, WS_READ_OK);
		assert_int_equal(l->n, 1);
		assert_int_equal(l->ev[0].len, sizes[i]);
		assert_memory_equal(l->ev[0].data, body, sizes[i]);
		drop_log(l);
		free(s.b);
	}
	free(body);
}

static void non_minimal_lengths_are_protocol_errors(void **state)
{
	(void)state;
	struct stream s = { 0 };
	char big[65535] = { 0 };
	memset(big, 'x', sizeof(big));
	frame_form(&s, 0x81, "abc", 3, 16); /* 16-bit length for 3 bytes */
	expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
	s.len = 0;
	frame_form(&s, 0x81, big, 125, 16);
	expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
	s.len = 0;
	frame_form(&s, 0x81, big, 65535, 64); /* 64-bit length for 65535 */
	expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
	s.len = 0;
	frame_form(&s, 0x81, big, 126, 16); /* the smallest legal 16-bit form */
	struct log *l = new_log();
	run_all(l, &s, 1 << 20, 0);
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 1);
	drop_log(l);
	free(s.b);
}

static void sixty_four_bit_length_with_top_bit_fails(void **state)
{
	(void)state;
	uint8_t h[] = { 0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 1 };
	struct stream s = { 0 };
	put(&s, h, sizeof(h));
	expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
	/* The largest legal length is accepted (and skipped as too big). */
	s.len = 0;
	uint8_t h2[] = { 0x82, 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 'x' };
	put(&s, h2, sizeof(h2));
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 0);
	drop_log(l);
	free(s.b);
}

/* ---- header rules ---- */

static void reserved_bits_are_protocol_errors(void **state)
{
	(void)state;
	static const uint8_t rsv[] = { 0x40, 0x20, 0x10, 0x70 };
	for (size_t i = 0; i < sizeof(rsv); i++) {
		struct stream s = { 0 };
		text(&s, "ok");
		frame_form(&s, (uint8_t)(0x81 | rsv[i]), "x", 1, 0);
		expect_fail(&s, WS_CLOSE_PROTOCOL, 1);
		free(s.b);
	}
}

static void reserved_opcodes_are_protocol_errors(void **state)
{
	(void)state;
	static const uint8_t ops[] = { 3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF };
	for (size_t i = 0; i < sizeof(ops); i++) {
		struct stream s = { 0 };
		frame(&s, 1, ops[i], "", 0);
		expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
		s.len = 0;
		frame(&s, 1, ops[i], "payload", 7);
		expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
		free(s.b);
	}
}

static void masked_server_frame_is_a_protocol_error(void **state)
{
	(void)state;
	uint8_t out[64];
	const uint8_t key[4] = { 1, 2, 3, 4 };
	size_t n = ws_write_frame(out, sizeof(out), WS_OP_TEXT, 1, key, "hi", 2);
	assert_int_equal(n, 8);
	struct stream s = { 0 };
	put(&s, out, n);
	expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
	free(s.b);
}

/* ---- fragmentation ---- */

static void fragments_are_reassembled_with_control_frames_between(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 0, WS_OP_TEXT, "frag", 4);
	frame(&s, 1, WS_OP_PING, "p1", 2);
	frame(&s, 0, WS_OP_CONTINUATION, "ment", 4);
	frame(&s, 1, WS_OP_PONG, "ignored", 7);
	frame(&s, 1, WS_OP_CONTINUATION, "ed", 2);
	text(&s, "next");
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 3);
	assert_int_equal(l->ev[0].type, WS_EVENT_PING);
	assert_string_equal(l->ev[0].data, "p1");
	assert_int_equal(l->ev[1].type, WS_EVENT_MESSAGE);
	assert_string_equal(l->ev[1].data, "fragmented");
	assert_string_equal(l->ev[2].data, "next");
	drop_log(l);
	free(s.b);
}

static void fragmented_binary_keeps_its_type(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 0, WS_OP_BINARY, "\xff", 1);
	frame(&s, 1, WS_OP_CONTINUATION, "\xfe", 1);
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->ev[0].binary, 1);
	assert_memory_equal(l->ev[0].data, "\xff\xfe", 2);
	drop_log(l);
	free(s.b);
}

static void continuation_without_a_message_fails(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_CONTINUATION, "x", 1);
	expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
	s.len = 0;
	text(&s, "done");
	frame(&s, 0, WS_OP_CONTINUATION, "x", 1);
	expect_fail(&s, WS_CLOSE_PROTOCOL, 1);
	free(s.b);
}

static void new_message_inside_a_fragmented_one_fails(void **state)
{
	(void)state;
	static const uint8_t ops[] = { WS_OP_TEXT, WS_OP_BINARY };
	for (int i = 0; i < 2; i++) {
		struct stream s = { 0 };
		frame(&s, 0, WS_OP_TEXT, "a", 1);
		frame(&s, 1, ops[i], "b", 1);
		expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
		free(s.b);
	}
}

/* ---- control frames ---- */

static void ping_payload_is_reported_whole(void **state)
{
	(void)state;
	char p[125];
	for (int i = 0; i < 125; i++)
		p[i] = (char)i;
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_PING, p, 125);
	struct log *l = new_log();
	run_all(l, &s, 16, 1); /* control frames ignore the message limit */
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->ev[0].type, WS_EVENT_PING);
	assert_int_equal(l->ev[0].len, 125);
	assert_memory_equal(l->ev[0].data, p, 125);
	drop_log(l);
	free(s.b);
}

static void control_frames_over_125_or_fragmented_fail(void **state)
{
	(void)state;
	char p[126] = { 0 };
	static const uint8_t ops[] = { WS_OP_PING, WS_OP_PONG, WS_OP_CLOSE };
	for (int i = 0; i < 3; i++) {
		struct stream s = { 0 };
		frame(&s, 1, ops[i], p, 126);
		expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
		s.len = 0;
		frame(&s, 0, ops[i], p, 2);
		expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
		free(s.b);
	}
}

static void close_with_code_and_reason_stops_reading(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_CLOSE, "\x03\xe8" "bye \xc3\xa9", 8);
	text(&s, "after close");
	put(&s, "\xff\xff", 2); /* garbage the reader must not look at */
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->result, WS_READ_CLOSED);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->ev[0].type, WS_EVENT_CLOSE);
	assert_int_equal(l->ev[0].code, 1000);
	assert_string_equal(l->ev[0].data, "bye \xc3\xa9");
	drop_log(l);
	free(s.b);
}

static void close_without_payload_reports_1005(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_CLOSE, "", 0);
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->result, WS_READ_CLOSED);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->ev[0].code, WS_CLOSE_NO_STATUS);
	assert_int_equal(l->ev[0].len, 0);
	drop_log(l);
	free(s.b);
}

static void close_with_one_byte_payload_fails(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_CLOSE, "\x03", 1);
	expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
	free(s.b);
}

static void close_codes_are_checked(void **state)
{
	(void)state;
	static const unsigned good[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
					 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999 };
	static const unsigned bad[] = { 0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100,
					2000, 2999, 5000, 65535 };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint8_t p[2] = { (uint8_t)(good[i] >> 8), (uint8_t)good[i] };
		struct stream s = { 0 };
		frame(&s, 1, WS_OP_CLOSE, p, 2);
		struct log *l = new_log();
		run_all(l, &s, 1024, 0);
		assert_int_equal(l->result, WS_READ_CLOSED);
		assert_int_equal(l->ev[0].code, good[i]);
		drop_log(l);
		free(s.b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t p[2] = { (uint8_t)(bad[i] >> 8), (uint8_t)bad[i] };
		struct stream s = { 0 };
		frame(&s, 1, WS_OP_CLOSE, p, 2);
		expect_fail(&s, WS_CLOSE_PROTOCOL, 0);
		free(s.b);
	}
}

static void close_reason_must_be_utf8(void **state)
{
	(void)state;
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_CLOSE, "\x03\xe8" "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80", 16);
	expect_fail(&s, WS_CLOSE_BAD_DATA, 0);
	s.len = 0;
	frame(&s, 1, WS_OP_CLOSE, "\x03\xe8\xc3", 3); /* truncated sequence */
	expect_fail(&s, WS_CLOSE_BAD_DATA, 0);
	free(s.b);
}

/* ---- UTF-8 in text messages ---- */

static void utf8_split_across_fragments_is_valid(void **state)
{
	(void)state;
	/* "κόσμε" with the split inside sequences, a ping between. */
	const char *t = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
	struct stream s = { 0 };
	frame(&s, 0, WS_OP_TEXT, t, 1);
	frame(&s, 0, WS_OP_CONTINUATION, t + 1, 3);
	frame(&s, 1, WS_OP_PING, "mid", 3);
	frame(&s, 0, WS_OP_CONTINUATION, t + 4, 0);
	frame(&s, 1, WS_OP_CONTINUATION, t + 4, 7);
	frame(&s, 1, WS_OP_TEXT, "\xf0\x9f\x98\x80", 4); /* U+1F600 */
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->ev[0].data, "mid");
	assert_string_equal(l->ev[1].data, t);
	assert_string_equal(l->ev[2].data, "\xf0\x9f\x98\x80");
	drop_log(l);
	free(s.b);
}

static void invalid_utf8_fails_with_1007(void **state)
{
	(void)state;
	static const char *bad[] = {
		"\xff", "\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf0\x80\x80\xaf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "a\xce",
		"\xe1\xbd", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80!!",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct stream s = { 0 };
		text(&s, "fine");
		text(&s, bad[i]);
		expect_fail(&s, WS_CLOSE_BAD_DATA, 1);
		/* The same bytes as a fragmented message, split after byte 1. */
		s.len = 0;
		frame(&s, 0, WS_OP_TEXT, bad[i], 1);
		frame(&s, 1, WS_OP_CONTINUATION, bad[i] + 1, strlen(bad[i]) - 1);
		expect_fail(&s, WS_CLOSE_BAD_DATA, 0);
		free(s.b);
	}
	/* A fragment ending mid-sequence is fine; the message ending so is not. */
	struct stream s = { 0 };
	frame(&s, 0, WS_OP_TEXT, "\xce", 1);
	frame(&s, 1, WS_OP_CONTINUATION, "", 0);
	expect_fail(&s, WS_CLOSE_BAD_DATA, 0);
	free(s.b);
}

static void invalid_utf8_fails_before_the_frame_ends(void **state)
{
	(void)state;
	uint8_t h[] = { 0x81, 126, 0x03, 0xE8 }; /* 1000 bytes announced */
	struct ws_reader r;
	struct log *l = new_log();
	ws_reader_init(&r, 1 << 20, 0);
	assert_int_equal(ws_reader_feed(&r, h, sizeof(h), on_event, l), WS_READ_OK);
	assert_int_equal(ws_reader_feed(&r, "abc", 3, on_event, l), WS_READ_OK);
	assert_int_equal(ws_reader_feed(&r, "d\xc0" "e", 3, on_event, l), WS_READ_FAIL);
	assert_int_equal(r.close_code, WS_CLOSE_BAD_DATA);
	assert_non_null(r.error);
	/* A failed reader stays failed and reports nothing more. */
	assert_int_equal(ws_reader_feed(&r, "\x81\x01x", 3, on_event, l), WS_READ_FAIL);
	assert_int_equal(l->n, 0);
	ws_reader_free(&r);
	drop_log(l);
}

/* ---- the size limit ---- */

static void oversized_messages_are_skipped_and_reported(void **state)
{
	(void)state;
	struct stream s = { 0 };
	text(&s, "0123456789");
	text(&s, "0123456789A");
	frame(&s, 0, WS_OP_TEXT, "012345", 6); /* crosses the limit in fragment 2 */
	frame(&s, 1, WS_OP_PING, "", 0);
	frame(&s, 0, WS_OP_CONTINUATION, "6789AB", 6);
	frame(&s, 1, WS_OP_CONTINUATION, "C", 1);
	frame(&s, 1, WS_OP_BINARY, "0123456789ABCDEF", 16);
	text(&s, "ok");
	struct log *l = new_log();
	run_all(l, &s, 10, 0);
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, 6);
	assert_string_equal(l->ev[0].data, "0123456789");
	assert_int_equal(l->ev[1].type, WS_EVENT_SKIPPED);
	assert_true(l->ev[1].size == 11);
	assert_int_equal(l->ev[2].type, WS_EVENT_PING);
	assert_int_equal(l->ev[3].type, WS_EVENT_SKIPPED);
	assert_true(l->ev[3].size == 13);
	assert_int_equal(l->ev[3].binary, 0);
	assert_int_equal(l->ev[4].type, WS_EVENT_SKIPPED);
	assert_int_equal(l->ev[4].binary, 1);
	assert_string_equal(l->ev[5].data, "ok");
	drop_log(l);
	free(s.b);
}

static void skipped_message_is_never_buffered(void **state)
{
	(void)state;
	size_t big = 200000;
	char *body = malloc(big);
	assert_non_null(body);
	memset(body, 'x', big);
	struct stream s = { 0 };
	frame(&s, 1, WS_OP_TEXT, body, big);
	text(&s, "after");
	struct ws_reader r;
	struct log *l = new_log();
	ws_reader_init(&r, 1000, 0);
	for (size_t off = 0; off < s.len; off += 4096) {
		size_t n = s.len - off < 4096 ? s.len - off : 4096;
		assert_int_equal(ws_reader_feed(&r, s.b + off, n, on_event, l), WS_READ_OK);
		assert_int_equal(r.buf_cap, 0);
	}
	assert_int_equal(l->n, 2);
	assert_int_equal(l->ev[0].type, WS_EVENT_SKIPPED);
	assert_true(l->ev[0].size == big);
	assert_string_equal(l->ev[1].data, "after");
	ws_reader_free(&r);
	drop_log(l);
	free(body);
	free(s.b);
}

static void oversized_fails_with_1009_when_asked(void **state)
{
	(void)state;
	struct stream s = { 0 };
	text(&s, "fits");
	text(&s, "does not fit");
	struct log *l = new_log();
	run_all(l, &s, 8, 1);
	assert_int_equal(l->result, WS_READ_FAIL);
	assert_int_equal(l->close_code, WS_CLOSE_TOO_BIG);
	assert_int_equal(l->n, 1);
	drop_log(l);
	s.len = 0;
	frame(&s, 0, WS_OP_TEXT, "12345", 5);
	frame(&s, 1, WS_OP_CONTINUATION, "6789", 4);
	l = new_log();
	run_all(l, &s, 8, 1);
	assert_int_equal(l->close_code, WS_CLOSE_TOO_BIG);
	assert_int_equal(l->n, 0);
	drop_log(l);
	free(s.b);
}

static void skipped_text_is_still_utf8_checked(void **state)
{
	(void)state;
	struct stream s = { 0 };
	text(&s, "far too long \xff for the limit");
	struct log *l = new_log();
	run_all(l, &s, 4, 0);
	assert_int_equal(l->result, WS_READ_FAIL);
	assert_int_equal(l->close_code, WS_CLOSE_BAD_DATA);
	drop_log(l);
	free(s.b);
}

/* ---- buffer memory and reuse ---- */

static void release_spare_and_reset(void **state)
{
	(void)state;
	struct stream s = { 0 };
	char body[9000];
	memset(body, 'y', sizeof(body));
	frame(&s, 0, WS_OP_TEXT, body, sizeof(body));
	frame(&s, 1, WS_OP_CONTINUATION, "z", 1);
	struct ws_reader r;
	struct log *l = new_log();
	ws_reader_init(&r, 1 << 20, 0);
	/* Mid-message the buffer is in use and stays. */
	assert_int_equal(ws_reader_feed(&r, s.b, s.len - 1, on_event, l), WS_READ_OK);
	assert_int_equal(ws_reader_release_spare(&r, 1024), 0);
	assert_int_equal(ws_reader_feed(&r, s.b + s.len - 1, 1, on_event, l), WS_READ_OK);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->ev[0].len, 9001);
	assert_int_equal(ws_reader_release_spare(&r, 1 << 20), 0); /* small enough */
	assert_int_equal(ws_reader_release_spare(&r, 1024), 1);
	assert_null(r.buf);
	/* After a failure, reset starts a clean stream. */
	assert_int_equal(ws_reader_feed(&r, "\x81\x81", 2, on_event, l), WS_READ_FAIL);
	ws_reader_reset(&r);
	assert_int_equal(ws_reader_feed(&r, "\x81\x02ok", 4, on_event, l), WS_READ_OK);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->ev[1].data, "ok");
	ws_reader_free(&r);
	drop_log(l);
	free(s.b);
}

/* ---- random streams: chunking never changes the events ---- */

struct expect {
	struct rec ev[512];
	int n;
};

static void put_code_point(char *out, size_t *n, uint64_t *seed)
{
	uint32_t cp;
	switch (unit_random(seed) % 8) {
	case 0: cp = 0x80 + (uint32_t)(unit_random(seed) % 0x780); break;
	case 1: cp = 0x800 + (uint32_t)(unit_random(seed) % 0xF800); break;
	case 2: cp = 0x10000 + (uint32_t)(unit_random(seed) % 0x100000); break;
	default: cp = 0x20 + (uint32_t)(unit_random(seed) % 0x5F); break;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 'S';
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xC0 | cp >> 6);
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xE0 | cp >> 12);
		out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*n)++] = (char)(0xF0 | cp >> 18);
		out[(*n)++] = (char)(0x80 | (cp >> 12 & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static size_t random_size(uint64_t *seed)
{
	switch (unit_random(seed) % 10) {
	case 0: return 120 + unit_random(seed) % 20;    /* around 125/126 */
	case 1: return 65530 + unit_random(seed) % 12;  /* around 65535/65536 */
	case 2: return 1000 + unit_random(seed) % 4000;
	default: return unit_random(seed) % 100;
	}
}

/* Appends one message, fragmented at random points with control frames
 * between fragments, and what the reader must report for it. */
static void random_message(struct stream *s, struct expect *e, size_t max, uint64_t *seed)
{
	int binary = unit_random(seed) % 4 == 0;
	size_t target = random_size(seed), len = 0;
	char *body = malloc(target + 4);
	assert_non_null(body);
	while (len < target) {
		if (binary)
			body[len++] = (char)unit_random(seed);
		else
			put_code_point(body, &len, seed);
	}
	int pieces = 1 + (int)(unit_random(seed) % 4);
	size_t off = 0;
	for (int i = 0; i < pieces; i++) {
		size_t n = i == pieces - 1 ? len - off : (size_t)(unit_random(seed) % (len - off + 1));
		uint8_t op = i == 0 ? (binary ? WS_OP_BINARY : WS_OP_TEXT) : WS_OP_CONTINUATION;
		frame(s, i == pieces - 1, op, body + off, n);
		off += n;
		if (i < pieces - 1 && unit_random(seed) % 3 == 0) {
			char ping[8];
			size_t pn = unit_random(seed) % sizeof(ping);
			memset(ping, 'p', pn);
			uint8_t cop = unit_random(seed) & 1 ? WS_OP_PING : WS_OP_PONG;
			frame(s, 1, cop, ping, pn);
			if (cop == WS_OP_PING)
				e->ev[e->n++] = (struct rec){ .type = WS_EVENT_PING, .len = pn };
		}
	}
	struct rec *r = &e->ev[e->n++];
	*r = (struct rec){ .type = len > max ? WS_EVENT_SKIPPED : WS_EVENT_MESSAGE,
			   .binary = binary, .len = len > max ? 0 : len, .size = len > max ? len : 0 };
	r->data = len > max ? NULL : body;
	if (len > max)
		free(body);
}

static void assert_expected(const struct log *l, const struct expect *e)
{
	assert_int_equal(l->result, WS_READ_OK);
	assert_int_equal(l->n, e->n);
	for (int i = 0; i < e->n; i++) {
		assert_int_equal(l->ev[i].type, e->ev[i].type);
		assert_int_equal(l->ev[i].len, e->ev[i].len);
		if (e->ev[i].type == WS_EVENT_SKIPPED)
			assert_true(l->ev[i].size == e->ev[i].size);
		for (size_t k = 0; e->ev[i].type == WS_EVENT_PING && k < l->ev[i].len; k++)
			assert_int_equal(l->ev[i].data[k], 'p');
		if (e->ev[i].type == WS_EVENT_MESSAGE) {
			assert_int_equal(l->ev[i].binary, e->ev[i].binary);
			assert_memory_equal(l->ev[i].data, e->ev[i].data, e->ev[i].len);
		}
	}
}

static void random_streams_give_the_same_events_in_any_chunking(void **state)
{
	(void)state;
	uint64_t seed = 0x5eed0f6455ull;
	struct log *whole = new_log(), *other = new_log();
	struct expect *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	for (int round = 0; round < 60; round++) {
		struct stream s = { 0 };
		size_t max = round % 3 == 0 ? 4000 : 1 << 20;
		int messages = 1 + (int)(unit_random(&seed) % 12);
		for (int m = 0; m < messages; m++)
			random_message(&s, e, max, &seed);
		int valid = round % 4 != 3;
		if (!valid) /* then a few random bytes: any verdict, but always the same */
			for (int k = 0, nk = 1 + (int)(unit_random(&seed) % 16); k < nk; k++) {
				uint8_t b = (uint8_t)unit_random(&seed);
				put(&s, &b, 1);
			}
		run(whole, &s, max, 0, 0);
		if (valid)
			assert_expected(whole, e);
		run(other, &s, max, 0, 1);
		assert_same_logs(whole, other);
		log_free(other);
		for (int k = 0; k < 4; k++) {
			run_chunked(other, &s, max, 0, k < 2 ? 16 : 9000, &seed);
			assert_same_logs(whole, other);
			log_free(other);
		}
		log_free(whole);
		for (int i = 0; i < e->n; i++)
			free(e->ev[i].data);
		e->n = 0;
		free(s.b);
	}
	free(e);
	drop_log(whole);
	drop_log(other);
}

/* ---- the writer ---- */

/* Turns a masked client frame into the unmasked frame a server would send. */
static void unmask(struct stream *s, const uint8_t *f, size_t n)
{
	size_t h = (f[1] & 0x7F) == 126 ? 4 : (f[1] & 0x7F) == 127 ? 10 : 2;
	assert_true(f[1] & 0x80);
	assert_true(n >= h + 4);
	uint8_t head[10];
	memcpy(head, f, h);
	head[1] &= 0x7F;
	put(s, head, h);
	for (size_t i = h + 4; i < n; i++) {
		uint8_t b = f[i] ^ f[h + (i - h - 4) % 4];
		put(s, &b, 1);
	}
}

static void writer_masks_and_encodes_lengths(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 125, 126, 65535, 65536 };
	const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	char *body = malloc(65536);
	uint8_t *out = malloc(65536 + 14);
	assert_non_null(body);
	assert_non_null(out);
	for (size_t i = 0; i < 65536; i++)
		body[i] = (char)('A' + i % 23);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = ws_write_frame(out, 65536 + 14, WS_OP_TEXT, 1, key, body, sizes[i]);
		assert_int_equal(n, ws_frame_size(sizes[i]));
		size_t head = sizes[i] < 126 ? 2 : sizes[i] <= 0xFFFF ? 4 : 10;
		assert_int_equal(n, head + 4 + sizes[i]);
		assert_int_equal(out[0], 0x81);
		assert_memory_equal(out + head, key, 4);
		if (sizes[i] > 0) /* really masked */
			assert_int_equal(out[head + 4], (uint8_t)(body[0] ^ key[0]));
		struct stream s = { 0 };
		unmask(&s, out, n);
		struct log *l = new_log();
		run_all(l, &s, 1 << 20, 0);
		assert_int_equal(l->n, 1);
		assert_int_equal(l->ev[0].len, sizes[i]);
		assert_memory_equal(l->ev[0].data, body, sizes[i]);
		drop_log(l);
		free(s.b);
	}
	assert_int_equal(ws_write_frame(out, ws_frame_size(10) - 1, WS_OP_TEXT, 1, key, body, 10), 0);
	free(body);
	free(out);
}

static void writer_control_frames(void **state)
{
	(void)state;
	const uint8_t key[4] = { 9, 8, 7, 6 };
	uint8_t out[256];
	char p[126] = { 0 };
	assert_int_equal(ws_write_frame(out, sizeof(out), WS_OP_PONG, 1, key, p, 125), 131);
	assert_int_equal(ws_write_frame(out, sizeof(out), WS_OP_PONG, 1, key, p, 126), 0);
	assert_int_equal(ws_write_frame(out, sizeof(out), WS_OP_PING, 0, key, p, 1), 0);
	assert_int_equal(ws_write_frame(out, sizeof(out), 3, 1, key, p, 1), 0);
	assert_int_equal(ws_write_frame(out, sizeof(out), 0xB, 1, key, p, 1), 0);

	size_t n = ws_write_frame(out, sizeof(out), WS_OP_PONG, 1, key, "echo", 4);
	struct stream s = { 0 };
	unmask(&s, out, n);
	assert_int_equal(s.b[0], 0x8A);
	assert_memory_equal(s.b + 2, "echo", 4);

	s.len = 0;
	n = ws_write_close(out, sizeof(out), key, 1001, "going", 5);
	assert_int_equal(n, 2 + 4 + 7);
	unmask(&s, out, n);
	struct log *l = new_log();
	run_all(l, &s, 1024, 0);
	assert_int_equal(l->result, WS_READ_CLOSED);
	assert_int_equal(l->ev[0].code, 1001);
	assert_string_equal(l->ev[0].data, "going");
	drop_log(l);

	assert_int_equal(ws_write_close(out, sizeof(out), key, 0, NULL, 0), 6);
	assert_int_equal(out[0], 0x88);
	assert_int_equal(out[1], 0x80);
	assert_int_equal(ws_write_close(out, sizeof(out), key, 1000, p, 123), 131);
	assert_int_equal(ws_write_close(out, sizeof(out), key, 1000, p, 124), 0);
	free(s.b);
}

/* ---- the UTF-8 validator against a decoder written the other way ---- */

/* Strict decoding by code point: 1 if s[0..n) is complete valid UTF-8. */
static int ref_valid(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t b = s[i];
		size_t k = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
		if (k == 0 || i + k > n)
			return 0;
		uint32_t cp = k == 1 ? b : (uint32_t)(b & (0x7F >> k));
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (cp < least[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k;
	}
	return 1;
}

/* 1 if s[0..n) can be completed to valid UTF-8 by at most 3 more bytes. */
static int ref_prefix(const uint8_t *s, size_t n)
{
	static const uint8_t cont[3] = { 0x80, 0x90, 0xA0 };
	uint8_t t[32];
	memcpy(t, s, n);
	for (int extra = 0; extra <= 3; extra++) {
		int combos = extra == 0 ? 1 : extra == 1 ? 3 : extra == 2 ? 9 : 27;
		for (int c = 0; c < combos; c++) {
			for (int j = 0, v = c; j < extra; j++, v /= 3)
				t[n + (size_t)j] = cont[v % 3];
			if (ref_valid(t, n + (size_t)extra))
				return 1;
		}
	}
	return 0;
}

static void utf8_validator_matches_reference_and_fails_fast(void **state)
{
	(void)state;
	static const uint8_t pool[] = { 'a', 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
					0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0,
					0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF };
	uint64_t seed = 0x0123456789abcdefull;
	uint8_t s[24];
	for (int round = 0; round < 200000; round++) {
		size_t n = unit_random(&seed) % 13;
		for (size_t i = 0; i < n; i++)
			s[i] = pool[unit_random(&seed) % sizeof(pool)];
		assert_int_equal(ws_utf8_valid(s, n), ref_valid(s, n));
		/* Fed byte by byte, it fails exactly at the first byte after
		 * which no completion exists. */
		struct ws_utf8 u;
		ws_utf8_init(&u);
		for (size_t i = 0; i < n; i++) {
			int ok = ws_utf8_feed(&u, s + i, 1) == 0;
			assert_int_equal(ok, ref_prefix(s, i + 1));
			if (!ok)
				break;
		}
	}
	/* Long ASCII runs with one bad byte at every offset (word skipping). */
	uint8_t line[40];
	for (size_t bad = 0; bad < sizeof(line); bad++) {
		memset(line, 'x', sizeof(line));
		assert_true(ws_utf8_valid(line, sizeof(line)));
		line[bad] = 0x80;
		assert_false(ws_utf8_valid(line, sizeof(line)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_message_is_handed_over_in_place),
		cmocka_unit_test(split_message_is_copied_and_equal),
		cmocka_unit_test(binary_message_is_flagged_and_not_utf8_checked),
		cmocka_unit_test(empty_frames_and_messages),
		cmocka_unit_test(length_boundaries_in_all_encodings),
		cmocka_unit_test(non_minimal_lengths_are_protocol_errors),
		cmocka_unit_test(sixty_four_bit_length_with_top_bit_fails),
		cmocka_unit_test(reserved_bits_are_protocol_errors),
		cmocka_unit_test(reserved_opcodes_are_protocol_errors),
		cmocka_unit_test(masked_server_frame_is_a_protocol_error),
		cmocka_unit_test(fragments_are_reassembled_with_control_frames_between),
		cmocka_unit_test(fragmented_binary_keeps_its_type),
		cmocka_unit_test(continuation_without_a_message_fails),
		cmocka_unit_test(new_message_inside_a_fragmented_one_fails),
		cmocka_unit_test(ping_payload_is_reported_whole),
		cmocka_unit_test(control_frames_over_125_or_fragmented_fail),
		cmocka_unit_test(close_with_code_and_reason_stops_reading),
		cmocka_unit_test(close_without_payload_reports_1005),
		cmocka_unit_test(close_with_one_byte_payload_fails),
		cmocka_unit_test(close_codes_are_checked),
		cmocka_unit_test(close_reason_must_be_utf8),
		cmocka_unit_test(utf8_split_across_fragments_is_valid),
		cmocka_unit_test(invalid_utf8_fails_with_1007),
		cmocka_unit_test(invalid_utf8_fails_before_the_frame_ends),
		cmocka_unit_test(oversized_messages_are_skipped_and_reported),
		cmocka_unit_test(skipped_message_is_never_buffered),
		cmocka_unit_test(oversized_fails_with_1009_when_asked),
		cmocka_unit_test(skipped_text_is_still_utf8_checked),
		cmocka_unit_test(release_spare_and_reset),
		cmocka_unit_test(random_streams_give_the_same_events_in_any_chunking),
		cmocka_unit_test(writer_masks_and_encodes_lengths),
		cmocka_unit_test(writer_control_frames),
		cmocka_unit_test(utf8_validator_matches_reference_and_fails_fast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
