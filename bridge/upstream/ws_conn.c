/* SPDX-License-Identifier: MIT */
/*
 * ws_conn.c - the client connection state machine (see ws_conn.h): upgrade,
 * then frames, with the reader's events turned into what RFC 6455 asks of
 * a client (pong, close echo, close with an error code).
 */
#include "ws_conn.h"

#include <stdlib.h>
#include <string.h>

#include "ws_writer.h"

void ws_conn_init(struct ws_conn *c, size_t max_message, const struct ws_conn_callbacks *cb,
		  void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->cb = *cb;
	c->ctx = ctx;
	/* Oversized messages are skipped, not fatal: the bridge counts them
	 * and carries on, as it does on the libwebsockets path. */
	ws_reader_init(&c->reader, max_message, 0);
}

void ws_conn_free(struct ws_conn *c)
{
	ws_reader_free(&c->reader);
	free(c->resp);
	free(c->out);
	c->resp = NULL;
	c->out = NULL;
	c->resp_len = c->out_len = c->out_cap = 0;
}

/* Makes room for n more output bytes. 0 or -1. */
static int out_reserve(struct ws_conn *c, size_t n)
{
	if (c->out_cap - c->out_len >= n)
		return 0;
	size_t cap = c->out_cap ? c->out_cap : 1024;
	while (cap - c->out_len < n) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	uint8_t *grown = realloc(c->out, cap);
	if (!grown)
		return -1;
	c->out = grown;
	c->out_cap = cap;
	return 0;
}

void ws_conn_consumed(struct ws_conn *c, size_t n)
{
	if (n >= c->out_len) {
		c->out_len = 0;
		return;
	}
	memmove(c->out, c->out + n, c->out_len - n);
	c->out_len -= n;
}

int ws_conn_start(struct ws_conn *c, const char *host, const char *path, const char *extra)
{
	uint8_t nonce[16];
	char req[4096];

	ws_reader_reset(&c->reader);
	c->out_len = c->resp_len = 0;
	c->error = NULL;
	c->http_status = 0;
	c->close_code = c->peer_close = 0;
	c->cb.random(c->ctx, nonce, sizeof(nonce));
	ws_handshake_key(nonce, c->key);
	int n = ws_handshake_request(req, sizeof(req), host, path, c->key, extra);
	if (n < 0 || out_reserve(c, (size_t)n) != 0)
		return -1;
	if (!c->resp && !(c->resp = malloc(WS_RESPONSE_MAX)))
		return -1;
	memcpy(c->out, req, (size_t)n);
	c->out_len = (size_t)n;
	c->state = WS_CONN_UPGRADING;
	return 0;
}

/* Queues one masked frame. 0 or -1. */
static int queue_frame(struct ws_conn *c, unsigned opcode, const void *payload, size_t len)
{
	uint8_t key[4];
	size_t need = ws_frame_size(len);

	if (out_reserve(c, need) != 0)
		return -1;
	c->cb.random(c->ctx, key, sizeof(key));
	size_t n = ws_write_frame(c->out + c->out_len, need, opcode, 1, key, payload, len);
	if (n == 0)
		return -1;
	c->out_len += n;
	return 0;
}

static int queue_close(struct ws_conn *c, uint16_t code, const char *reason)
{
	uint8_t frame[WS_CONTROL_MAX + 14];
	uint8_t key[4];
	size_t rlen = reason ? strlen(reason) : 0;

	if (rlen > WS_CONTROL_MAX - 2)
		rlen = WS_CONTROL_MAX - 2;
	c->cb.random(c->ctx, key, sizeof(key));
	size_t n = ws_write_close(frame, sizeof(frame), key, code == WS_CLOSE_NO_STATUS ? 0 : code,
				  reason, rlen);
	if (n == 0 || out_reserve(c, n) != 0)
		return -1;
	memcpy(c->out + c->out_len, frame, n);
	c->out_len += n;
	return 0;
}

int ws_conn_send_text(struct ws_conn *c, const char *text, size_t len)
{
	if (c->state != WS_CONN_OPEN)
		return -1;
	return queue_frame(c, WS_OP_TEXT, text, len);
}

int ws_conn_close(struct ws_conn *c, uint16_t code, const char *reason)
{
	if (c->state != WS_CONN_OPEN)
		return -1;
	c->state = WS_CONN_CLOSING;
	return queue_close(c, code, reason);
}

/* The reader's events, acted on. */
static void on_event(void *ctx, const struct ws_event *ev)
{
	struct ws_conn *c = ctx;

	switch (ev->type) {
	case WS_EVENT_MESSAGE:
		if (c->cb.on_message)
			c->cb.on_message(c->ctx, ev->data, ev->len, ev->binary);
		break;
	case WS_EVENT_SKIPPED:
		if (c->cb.on_skipped)
			c->cb.on_skipped(c->ctx, ev->size, ev->binary);
		break;
	case WS_EVENT_PING:
		if (c->state == WS_CONN_OPEN)
			(void)queue_frame(c, WS_OP_PONG, ev->data, ev->len);
		break;
	case WS_EVENT_CLOSE:
		c->peer_close = ev->code;
		/* Echo the code, unless we started the close ourselves. */
		if (c->state == WS_CONN_OPEN)
			(void)queue_close(c, ev->code, NULL);
		c->state = WS_CONN_DONE;
		if (c->cb.on_close)
			c->cb.on_close(c->ctx, ev->code);
		break;
	}
}

static enum ws_conn_result feed_frames(struct ws_conn *c, const void *data, size_t len)
{
	enum ws_read_result rc = ws_reader_feed(&c->reader, data, len, on_event, c);

	if (rc == WS_READ_CLOSED)
		return WS_CONN_CLOSED;
	if (rc == WS_READ_FAIL) {
		c->error = c->reader.error;
		c->close_code = c->reader.close_code;
		(void)queue_close(c, c->close_code, c->error);
		c->state = WS_CONN_DONE;
		return WS_CONN_FAILED;
	}
	return WS_CONN_OK;
}

/* The response header, as far as it has come; then the frames after it. */
static enum ws_conn_result feed_upgrade(struct ws_conn *c, const uint8_t *p, size_t len)
{
	size_t room = WS_RESPONSE_MAX - c->resp_len;
	size_t k = len < room ? len : room;
	size_t header_len = 0;

	memcpy(c->resp + c->resp_len, p, k);
	c->resp_len += k;
	enum ws_handshake_result hr = ws_handshake_response(c->resp, c->resp_len, c->key,
							    &header_len, &c->http_status, &c->error);
	if (hr == WS_HANDSHAKE_MORE)
		return WS_CONN_OK;
	if (hr == WS_HANDSHAKE_FAIL) {
		c->state = WS_CONN_DONE;
		return WS_CONN_FAILED;
	}
	/* What of this chunk came after the header belongs to the frames. */
	size_t used = header_len - (c->resp_len - k);
	c->state = WS_CONN_OPEN;
	if (c->cb.on_open)
		c->cb.on_open(c->ctx);
	if (used == len)
		return WS_CONN_OK;
	return feed_frames(c, p + used, len - used);
}

enum ws_conn_result ws_conn_feed(struct ws_conn *c, const void *data, size_t len)
{
	switch (c->state) {
	case WS_CONN_UPGRADING:
		return feed_upgrade(c, data, len);
	case WS_CONN_OPEN:
	case WS_CONN_CLOSING:
		return feed_frames(c, data, len);
	case WS_CONN_DONE:
		return c->error ? WS_CONN_FAILED : WS_CONN_CLOSED;
	default:
		c->error = "data before the connection started";
		c->state = WS_CONN_DONE;
		return WS_CONN_FAILED;
	}
}

int ws_conn_release_spare(struct ws_conn *c, size_t keep)
{
	int released = ws_reader_release_spare(&c->reader, keep);

	if (c->out_cap > keep && c->out_len == 0) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
		released = 1;
	}
	return released;
}
