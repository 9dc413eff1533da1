/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ws_conn.c - libFuzzer target for the client connection state machine
 * (bridge/upstream/ws_conn.c). The connection is started with a fixed key;
 * the input is what the server sends, optionally after a valid 101 answer,
 * fed in chunks of the size the input picks (each an exact-size heap copy).
 * Whatever it is, everything the client queues after its request must be a
 * sequence of masked client frames: pongs at most 125 bytes, at most one
 * close frame and nothing after it; once the connection is DONE every feed
 * reports the same end; a failure after the upgrade carries 1002, 1007 or
 * 1009.
 *
 * Input layout: byte 0 = chunk size (0: whole), byte 1 bit 0 = prepend the
 * valid answer, bits 1-7 = max message (x 29 bytes); the rest is the stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	memset(out, 0x3c, n);
}

static void on_message(void *ctx, const char *d, size_t len, int binary)
{
	size_t *sum = ctx;
	for (size_t i = 0; i < len; i++) /* touches every byte for ASan */
		*sum += (uint8_t)d[i];
	*sum += (size_t)binary;
}

/* Checks the client's output: masked frames, the close last. */
static void check_output(const uint8_t *p, size_t n)
{
	int closed = 0;
	while (n > 0) {
		if (closed || n < 6 || !(p[1] & 0x80))
			abort();
		unsigned op = p[0] & 0x0F;
		size_t len = p[1] & 0x7F, off = 2;
		if (len == 126) {
			len = (size_t)p[2] << 8 | p[3];
			off = 4;
		} else if (len == 127) {
			abort(); /* nothing the client sends is that long here */
		}
		if (n < off + 4 + len)
			abort();
		if ((op & 0x8) && len > WS_CONTROL_MAX)
			abort();
		if (op == WS_OP_CLOSE)
			closed = 1;
		else if (op != WS_OP_PONG)
			abort();
		p += off + 4 + len;
		n -= off + 4 + len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ws_conn_callbacks cb = { .on_message = on_message, .random = no_random };
	struct ws_conn c;
	size_t sum = 0;
	char accept[WS_ACCEPT_LEN + 1], answer[256];
	const uint8_t *out;

	if (size < 2)
		return 0;
	size_t step = data[0];
	ws_conn_init(&c, (size_t)(data[1] >> 1) * 29, &cb, &sum);
	if (ws_conn_start(&c, "h", "/", NULL) != 0)
		abort();
	ws_conn_consumed(&c, ws_conn_pending(&c, &out));
	ws_handshake_accept(c.key, accept);
	int n = snprintf(answer, sizeof(answer), "HTTP/1.1 101 x\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
	if ((data[1] & 1) && ws_conn_feed(&c, answer, (size_t)n) != WS_CONN_OK)
		abort();
	enum ws_conn_result rc = WS_CONN_OK;
	for (size_t off = 2; off < size && rc == WS_CONN_OK;) {
		size_t k = step && size - off > step ? step : size - off;
		uint8_t *chunk = malloc(k);
		if (!chunk)
			abort();
		memcpy(chunk, data + off, k);
		rc = ws_conn_feed(&c, chunk, k);
		free(chunk);
		off += k;
	}
	if (rc != WS_CONN_OK && (c.state != WS_CONN_DONE || ws_conn_feed(&c, "x", 1) != rc))
		abort();
	if (rc == WS_CONN_FAILED && c.close_code && c.close_code != WS_CLOSE_PROTOCOL &&
	    c.close_code != WS_CLOSE_BAD_DATA && c.close_code != WS_CLOSE_TOO_BIG)
		abort();
	size_t pending = ws_conn_pending(&c, &out);
	check_output(out, pending);
	ws_conn_release_spare(&c, 0);
	ws_conn_free(&c);
	return 0;
}
