/* SPDX-License-Identifier: MIT */
/*
 * test_ws_conn.c - the client connection state machine
 * (bridge/upstream/ws_conn.c): the upgrade request and the check of the
 * answer at every split, frames after the header in the same read, pong for
 * ping, the close handshake both ways, a close frame with the RFC's code on
 * protocol errors, masked text out, oversized messages skipped.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ws_conn.h"

struct seen {
	int opened;
	char msg[256];
	size_t msg_len;
	int messages, binary, skipped, closes;
	uint16_t close_code;
	uint8_t next_random;
};

static void on_open(void *ctx) { ((struct seen *)ctx)->opened++; }

static void on_message(void *ctx, const char *data, size_t len, int binary)
{
	struct seen *s = ctx;
	s->messages++;
	s->binary += binary;
	s->msg_len = len < sizeof(s->msg) ? len : sizeof(s->msg);
	memcpy(s->msg, data, s->msg_len);
}

static void on_skipped(void *ctx, uint64_t size, int binary)
{
	(void)size;
	(void)binary;
	((struct seen *)ctx)->skipped++;
}

static void on_close(void *ctx, uint16_t code)
{
	struct seen *s = ctx;
	s->closes++;
	s->close_code = code;
}

/* Predictable "random" bytes, never all zero, so masking shows. */
static void fake_random(void *ctx, uint8_t *out, size_t n)
{
	struct seen *s = ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(0x5A + s->next_random++);
}

static const struct ws_conn_callbacks CB = { on_open, on_message, on_skipped, on_close,
					     fake_random };

/* One masked client frame from the output: opcode, unmasked payload.
 * Returns its size, or 0 if the output does not hold a whole one. */
static size_t take_frame(struct ws_conn *c, unsigned *op, uint8_t *payload, size_t *len)
{
	const uint8_t *p;
	size_t have = ws_conn_pending(c, &p), n, off = 2;
	if (have < 2)
		return 0;
	assert_true(p[1] & 0x80); /* every client frame is masked */
	n = p[1] & 0x7F;
	if (n == 126) {
		n = (size_t)p[2] << 8 | p[3];
		off = 4;
	}
	assert_true(n != 127);
	if (have < off + 4 + n)
		return 0;
	*op = p[0] & 0x0F;
	for (size_t i = 0; i < n; i++)
		payload[i] = p[off + 4 + i] ^ p[off + (i & 3)];
	*len = n;
	ws_conn_consumed(c, off + 4 + n);
	return off + 4 + n;
}

/* Starts c and returns the response a server would give to its key. */
static void start(struct ws_conn *c, struct seen *s, char *resp, size_t cap, size_t max)
{
	char accept[WS_ACCEPT_LEN + 1];
	const uint8_t *out;

	memset(s, 0, sizeof(*s));
	ws_conn_init(c, max, &CB, s);
	assert_int_equal(ws_conn_start(c, "h.example:8080", "/event/subscription?x=1", NULL), 0);
	size_t n = ws_conn_pending(c, &out);
	assert_true(n > 0);
	static const char line1[] = "GET /event/subscription?x=1 HTTP/1.1\r\nHost: h.example:8080\r\n";
	assert_memory_equal(out, line1, sizeof(line1) - 1);
	assert_non_null(memmem(out, n, c->key, WS_KEY_LEN));
	ws_conn_consumed(c, n);
	ws_handshake_accept(c->key, accept);
	snprintf(resp, cap, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
}

static void open_conn(struct ws_conn *c, struct seen *s, size_t max)
{
	char resp[512];
	start(c, s, resp, sizeof(resp), max);
	assert_int_equal(ws_conn_feed(c, resp, strlen(resp)), WS_CONN_OK);
	assert_int_equal(c->state, WS_CONN_OPEN);
}

static void upgrade_at_every_split_with_a_frame_in_the_same_read(void **state)
{
	(void)state;
	char resp[512], all[600];
	for (size_t cut = 0; cut < 160; cut++) {
		struct ws_conn c;
		struct seen s;
		start(&c, &s, resp, sizeof(resp), 1000);
		size_t n = strlen(resp);
		memcpy(all, resp, n);
		memcpy(all + n, "\x81\x05hello", 7);
		n += 7;
		size_t first = cut < n ? cut : n;
		assert_int_equal(ws_conn_feed(&c, all, first), WS_CONN_OK);
		assert_int_equal(ws_conn_feed(&c, all + first, n - first), WS_CONN_OK);
		assert_int_equal(s.opened, 1);
		assert_int_equal(s.messages, 1);
		assert_int_equal(s.msg_len, 5);
		assert_memory_equal(s.msg, "hello", 5);
		ws_conn_free(&c);
	}
}

static void refused_upgrades_fail_without_a_close_frame(void **state)
{
	(void)state;
	const char *bad[] = {
		"HTTP/1.1 403 Forbidden\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
	};
	for (size_t i = 0; i < 2; i++) {
		struct ws_conn c;
		struct seen s;
		char resp[512];
		const uint8_t *out;
		start(&c, &s, resp, sizeof(resp), 1000);
		assert_int_equal(ws_conn_feed(&c, bad[i], strlen(bad[i])), WS_CONN_FAILED);
		assert_int_equal(c.http_status, i == 0 ? 403 : 101);
		assert_non_null(c.error);
		assert_int_equal(c.close_code, 0);
		assert_int_equal(ws_conn_pending(&c, &out), 0);
		assert_int_equal(s.opened, 0);
		assert_int_equal(ws_conn_feed(&c, "x", 1), WS_CONN_FAILED);
		ws_conn_free(&c);
	}
}

static void ping_is_answered_with_its_payload(void **state)
{
	(void)state;
	struct ws_conn c;
	struct seen s;
	uint8_t payload[200];
	unsigned op;
	size_t len;
	open_conn(&c, &s, 1000);
	assert_int_equal(ws_conn_feed(&c, "\x89\x04ping", 6), WS_CONN_OK);
	assert_true(take_frame(&c, &op, payload, &len) > 0);
	assert_int_equal(op, WS_OP_PONG);
	assert_int_equal(len, 4);
	assert_memory_equal(payload, "ping", 4);
	ws_conn_free(&c);
}

static void server_close_is_echoed(void **state)
{
	(void)state;
	struct ws_conn c;
	struct seen s;
	uint8_t payload[200];
	unsigned op;
	size_t len;
	open_conn(&c, &s, 1000);
	assert_int_equal(ws_conn_feed(&c, "\x88\x04\x03\xe9ok", 6), WS_CONN_CLOSED);
	assert_int_equal(s.closes, 1);
	assert_int_equal(s.close_code, 1001);
	assert_int_equal(c.state, WS_CONN_DONE);
	assert_true(take_frame(&c, &op, payload, &len) > 0);
	assert_int_equal(op, WS_OP_CLOSE);
	assert_int_equal(len, 2);
	assert_int_equal(payload[0] << 8 | payload[1], 1001);
	ws_conn_free(&c);

	/* Without a code the echo has none either. */
	open_conn(&c, &s, 1000);
	assert_int_equal(ws_conn_feed(&c, "\x88\x00", 2), WS_CONN_CLOSED);
	assert_true(take_frame(&c, &op, payload, &len) > 0);
	assert_int_equal(op, WS_OP_CLOSE);
	assert_int_equal(len, 0);
	ws_conn_free(&c);
}

static void our_close_waits_for_the_answer_and_is_not_repeated(void **state)
{
	(void)state;
	struct ws_conn c;
	struct seen s;
	uint8_t payload[200];
	unsigned op;
	size_t len;
	const uint8_t *out;
	open_conn(&c, &s, 1000);
	assert_int_equal(ws_conn_close(&c, WS_CLOSE_NORMAL, "bye"), 0);
	assert_int_equal(c.state, WS_CONN_CLOSING);
	assert_true(take_frame(&c, &op, payload, &len) > 0);
	assert_int_equal(op, WS_OP_CLOSE);
	assert_int_equal(len, 5);
	assert_memory_equal(payload, "\x03\xe8" "bye", 5);
	assert_int_equal(ws_conn_send_text(&c, "x", 1), -1);
	/* Messages still arriving before the answer are delivered. */
	assert_int_equal(ws_conn_feed(&c, "\x81\x02hi\x88\x02\x03\xe8", 8), WS_CONN_CLOSED);
	assert_int_equal(s.messages, 1);
	assert_int_equal(c.state, WS_CONN_DONE);
	assert_int_equal(ws_conn_pending(&c, &out), 0);
	assert_int_equal(ws_conn_close(&c, WS_CLOSE_NORMAL, NULL), -1);
	ws_conn_free(&c);
}

static void protocol_errors_close_with_the_rfc_code(void **state)
{
	(void)state;
	static const struct { const char *bytes; size_t len; uint16_t code; } cases[] = {
		{ "\xc1\x02{}", 4, WS_CLOSE_PROTOCOL },      /* RSV1 without an extension */
		{ "\x83\x00", 2, WS_CLOSE_PROTOCOL },        /* reserved opcode */
		{ "\x81\x82\x01\x02\x03\x04xx", 8, WS_CLOSE_PROTOCOL }, /* masked by the server */
		{ "\x80\x02{}", 4, WS_CLOSE_PROTOCOL },      /* continuation without a message */
		{ "\x81\x03\"\xff\"", 5, WS_CLOSE_BAD_DATA }, /* invalid UTF-8 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_conn c;
		struct seen s;
		uint8_t payload[200];
		unsigned op;
		size_t len;
		open_conn(&c, &s, 1000);
		assert_int_equal(ws_conn_feed(&c, cases[i].bytes, cases[i].len), WS_CONN_FAILED);
		assert_int_equal(c.close_code, cases[i].code);
		assert_non_null(c.error);
		assert_true(take_frame(&c, &op, payload, &len) > 0);
		assert_int_equal(op, WS_OP_CLOSE);
		assert_true(len >= 2);
		assert_int_equal(payload[0] << 8 | payload[1], cases[i].code);
		assert_int_equal(s.messages, 0);
		ws_conn_free(&c);
	}
}

static void text_out_is_masked_and_only_when_open(void **state)
{
	(void)state;
	struct ws_conn c;
	struct seen s;
	char resp[512], text[300];
	uint8_t payload[400];
	unsigned op;
	size_t len;
	start(&c, &s, resp, sizeof(resp), 1000);
	assert_int_equal(ws_conn_send_text(&c, "early", 5), -1);
	assert_int_equal(ws_conn_feed(&c, resp, strlen(resp)), WS_CONN_OK);
	memset(text, 'a', sizeof(text));
	assert_int_equal(ws_conn_send_text(&c, text, sizeof(text)), 0);
	const uint8_t *out;
	assert_int_equal(ws_conn_pending(&c, &out), 4 + 4 + sizeof(text));
	assert_int_not_equal(out[8], 'a'); /* masked on the wire */
	assert_true(take_frame(&c, &op, payload, &len) > 0);
	assert_int_equal(op, WS_OP_TEXT);
	assert_int_equal(len, sizeof(text));
	assert_memory_equal(payload, text, sizeof(text));
	ws_conn_free(&c);
}

static void oversized_messages_are_skipped(void **state)
{
	(void)state;
	struct ws_conn c;
	struct seen s;
	char big[2 + 200];
	open_conn(&c, &s, 100);
	big[0] = (char)0x81;
	big[1] = (char)125;
	memset(big + 2, 'z', 125);
	assert_int_equal(ws_conn_feed(&c, big, 127), WS_CONN_OK);
	assert_int_equal(ws_conn_feed(&c, "\x81\x02ok", 4), WS_CONN_OK);
	assert_int_equal(s.skipped, 1);
	assert_int_equal(s.messages, 1);
	/* The request's output buffer is given back once sent, then nothing. */
	assert_int_equal(ws_conn_release_spare(&c, 0), 1);
	assert_null(c.out);
	assert_int_equal(ws_conn_release_spare(&c, 0), 0);
	ws_conn_free(&c);
}

static void restart_begins_a_fresh_upgrade(void **state)
{
	(void)state;
	struct ws_conn c;
	struct seen s;
	char resp[512];
	open_conn(&c, &s, 1000);
	char first_key[WS_KEY_LEN + 1];
	strcpy(first_key, c.key);
	assert_int_equal(ws_conn_feed(&c, "\x81\x7e\x01", 3), WS_CONN_OK); /* a frame cut short */
	assert_int_equal(ws_conn_start(&c, "h", "/", NULL), 0);
	assert_int_equal(c.state, WS_CONN_UPGRADING);
	assert_string_not_equal(first_key, c.key);
	char accept[WS_ACCEPT_LEN + 1];
	ws_handshake_accept(c.key, accept);
	snprintf(resp, sizeof(resp), "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n"
		 "Connection: upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n\x81\x01x", accept);
	assert_int_equal(ws_conn_feed(&c, resp, strlen(resp)), WS_CONN_OK);
	assert_int_equal(s.messages, 1);
	assert_int_equal(s.msg[0], 'x');
	ws_conn_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(upgrade_at_every_split_with_a_frame_in_the_same_read),
		cmocka_unit_test(refused_upgrades_fail_without_a_close_frame),
		cmocka_unit_test(ping_is_answered_with_its_payload),
		cmocka_unit_test(server_close_is_echoed),
		cmocka_unit_test(our_close_waits_for_the_answer_and_is_not_repeated),
		cmocka_unit_test(protocol_errors_close_with_the_rfc_code),
		cmocka_unit_test(text_out_is_masked_and_only_when_open),
		cmocka_unit_test(oversized_messages_are_skipped),
		cmocka_unit_test(restart_begins_a_fresh_upgrade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
