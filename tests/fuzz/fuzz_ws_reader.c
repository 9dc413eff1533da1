/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ws_reader.c - libFuzzer target for the WebSocket frame reader and
 * writer. The stream is read twice, whole and in chunks of the size the
 * input picks, each chunk an exact-size heap copy so ASan sees any read past
 * it; both readings must report the same events and result. Every message
 * must fit the limit, text must be valid UTF-8, control payloads at most 125
 * bytes. Then the writer frames the stream as a text or binary payload and
 * the reader, fed the frame unmasked, must give it back.
 *
 * The stream is also checked as a server's handshake response: an accepted
 * header must end within the stream.
 *
 * Input layout: byte 0 = chunk size (0: whole stream), byte 1 = limit
 * (low 7 bits: max message = that * 37 bytes; top bit: fail instead of
 * skip); the rest is the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws_handshake.h"
#include "ws_reader.h"
#include "ws_utf8.h"
#include "ws_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t max;
	uint64_t digest; /* every event's fields and bytes, in order */
	size_t events;
	const uint8_t *expect; /* round trip: the payload that must come back */
	size_t expect_len;
	int matched;
};

static void mix(struct seen *s, uint64_t v)
{
	s->digest = (s->digest ^ v) * 0x100000001b3ull;
}

static void on_event(void *ctx, const struct ws_event *ev)
{
	struct seen *s = ctx;
	if (ev->len && !ev->data)
		abort();
	if (ev->type == WS_EVENT_MESSAGE && ev->len > s->max)
		abort();
	if ((ev->type == WS_EVENT_PING || ev->type == WS_EVENT_CLOSE) && ev->len > WS_CONTROL_MAX)
		abort();
	if ((ev->type == WS_EVENT_MESSAGE && !ev->binary) || ev->type == WS_EVENT_CLOSE)
		if (!ws_utf8_valid(ev->data, ev->len))
			abort();
	mix(s, (uint64_t)ev->type << 32 | (uint64_t)ev->binary << 16 | ev->code);
	mix(s, ev->len);
	mix(s, ev->size);
	for (size_t i = 0; i < ev->len; i++) /* touches every byte for ASan */
		mix(s, (uint8_t)ev->data[i]);
	if (s->expect && ev->type == WS_EVENT_MESSAGE && ev->len == s->expect_len &&
	    (ev->len == 0 || memcmp(ev->data, s->expect, ev->len) == 0))
		s->matched = 1;
	s->events++;
}

/* Reads stream in chunks of step bytes (0: whole); returns the result. */
static enum ws_read_result read_stream(const uint8_t *stream, size_t len, size_t step,
				       size_t max, int fail_big, struct seen *s)
{
	struct ws_reader r;
	enum ws_read_result rc = WS_READ_OK;
	ws_reader_init(&r, max, fail_big);
	for (size_t off = 0; off < len;) {
		size_t n = step && len - off > step ? step : len - off;
		uint8_t *chunk = malloc(n);
		if (!chunk)
			abort();
		memcpy(chunk, stream + off, n);
		rc = ws_reader_feed(&r, chunk, n, on_event, s);
		free(chunk);
		off += n;
	}
	if (rc == WS_READ_FAIL && (!r.error || (r.close_code != WS_CLOSE_PROTOCOL &&
						r.close_code != WS_CLOSE_BAD_DATA &&
						r.close_code != WS_CLOSE_TOO_BIG)))
		abort();
	ws_reader_release_spare(&r, 0);
	ws_reader_free(&r);
	return rc;
}

/* The writer's frame for payload, unmasked, must read back as payload. */
static void round_trip(const uint8_t *payload, size_t len, int binary)
{
	const uint8_t key[4] = { 0xa5, 0x5a, 0x0f, 0xf0 };
	size_t cap = ws_frame_size(len);
	uint8_t *f = malloc(cap);
	if (!f)
		abort();
	size_t n = ws_write_frame(f, cap, binary ? WS_OP_BINARY : WS_OP_TEXT, 1, key, payload, len);
	size_t h = n - len - 4;
	if (n != cap || !(f[1] & 0x80))
		abort();
	/* Unmasked, the payload moves up over the key: a server's frame. */
	f[1] &= 0x7F;
	for (size_t i = 0; i < len; i++)
		f[h + i] = f[h + 4 + i] ^ key[i & 3];
	struct seen s = { .max = len, .expect = payload, .expect_len = len };
	enum ws_read_result rc = read_stream(f, h + len, 7, len, 1, &s);
	int valid = binary || ws_utf8_valid(payload, len);
	if (valid && (rc != WS_READ_OK || !s.matched))
		abort();
	if (!valid && rc != WS_READ_FAIL)
		abort();
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t step = data[0];
	size_t max = (size_t)(data[1] & 0x7F) * 37;
	int fail_big = data[1] >> 7;
	const uint8_t *stream = data + 2;
	size_t len = size - 2;

	struct seen whole = { .max = max }, chunked = { .max = max };
	enum ws_read_result a = read_stream(stream, len, 0, max, fail_big, &whole);
	enum ws_read_result b = read_stream(stream, len, step, max, fail_big, &chunked);
	if (a != b || whole.digest != chunked.digest || whole.events != chunked.events)
		abort();
	round_trip(stream, len, step & 1);

	size_t header_len = 0;
	int status;
	const char *why = NULL;
	enum ws_handshake_result h = ws_handshake_response((const char *)stream, len,
							   "dGhlIHNhbXBsZSBub25jZQ==", &header_len,
							   &status, &why);
	if ((h == WS_HANDSHAKE_OK && (header_len > len || header_len < 4)) ||
	    (h == WS_HANDSHAKE_FAIL && !why))
		abort();
	return 0;
}
