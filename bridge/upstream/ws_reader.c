/* SPDX-License-Identifier: MIT */
/*
 * ws_reader.c - RFC 6455 frame reading for a client (see ws_reader.h).
 *
 * The reader is a loop over the chunk: read (or finish) a frame header,
 * then take as much of the frame's payload as the chunk holds. A
 * single-frame message that lies whole in the chunk is validated and handed
 * over in place; anything else is appended to a buffer that grows only as
 * bytes arrive (a header's claimed length is never allocated up front), or
 * dropped unbuffered when the message is over the limit.
 */
#include "ws_reader.h"

#include <stdlib.h>
#include <string.h>

#define FIN_BIT 0x80
#define RSV_BITS 0x70
#define MASK_BIT 0x80

static int is_control(uint8_t op)
{
	return op & 0x8;
}

static enum ws_read_result fail(struct ws_reader *r, uint16_t code, const char *why)
{
	r->state = WS_READER_FAILED;
	r->close_code = code;
	r->error = why;
	r->buf_len = 0;
	return WS_READ_FAIL;
}

static enum ws_read_result result_of(const struct ws_reader *r)
{
	if (r->state == WS_READER_CLOSED)
		return WS_READ_CLOSED;
	return r->state == WS_READER_FAILED ? WS_READ_FAIL : WS_READ_OK;
}

void ws_reader_init(struct ws_reader *r, size_t max_message, int fail_oversized)
{
	memset(r, 0, sizeof(*r));
	r->max_message = max_message;
	r->fail_oversized = fail_oversized;
	ws_utf8_init(&r->utf8);
}

void ws_reader_reset(struct ws_reader *r)
{
	char *buf = r->buf;
	size_t cap = r->buf_cap;
	ws_reader_init(r, r->max_message, r->fail_oversized);
	r->buf = buf;
	r->buf_cap = cap;
}

void ws_reader_free(struct ws_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->buf_len = r->buf_cap = 0;
}

int ws_reader_release_spare(struct ws_reader *r, size_t keep)
{
	if (r->buf_cap <= keep || r->buf_len > 0)
		return 0;
	free(r->buf);
	r->buf = NULL;
	r->buf_cap = 0;
	return 1;
}

/* Checks the first two header bytes: everything that does not depend on
 * the extended length. Returns 0 or a failure. */
static enum ws_read_result check_start(struct ws_reader *r)
{
	uint8_t b0 = r->hdr[0], b1 = r->hdr[1];
	uint8_t op = b0 & 0x0F;

	if (b0 & RSV_BITS)
		return fail(r, WS_CLOSE_PROTOCOL, "reserved bits set without an extension");
	if ((op >= 0x3 && op <= 0x7) || op >= 0xB)
		return fail(r, WS_CLOSE_PROTOCOL, "reserved opcode");
	if (b1 & MASK_BIT)
		return fail(r, WS_CLOSE_PROTOCOL, "masked frame from the server");
	if (is_control(op) && !(b0 & FIN_BIT))
		return fail(r, WS_CLOSE_PROTOCOL, "fragmented control frame");
	if (is_control(op) && (b1 & 0x7F) > WS_CONTROL_MAX)
		return fail(r, WS_CLOSE_PROTOCOL, "control frame above 125 bytes");
	if (op == WS_OP_CONTINUATION && !r->in_message)
		return fail(r, WS_CLOSE_PROTOCOL, "continuation frame without a message");
	if ((op == WS_OP_TEXT || op == WS_OP_BINARY) && r->in_message)
		return fail(r, WS_CLOSE_PROTOCOL, "new message inside a fragmented one");
	return WS_READ_OK;
}

static size_t header_size(uint8_t b1)
{
	uint8_t len7 = b1 & 0x7F;
	return len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
}

/* The payload length of a complete header, with the minimal-encoding and
 * 63-bit rules; returns 0 or a failure. */
static enum ws_read_result payload_length(struct ws_reader *r, uint64_t *out)
{
	uint8_t len7 = r->hdr[1] & 0x7F;
	uint64_t len = len7;

	if (len7 == 126) {
		len = (uint64_t)r->hdr[2] << 8 | r->hdr[3];
		if (len < 126)
			return fail(r, WS_CLOSE_PROTOCOL, "16-bit length below 126");
	} else if (len7 == 127) {
		len = 0;
		for (int i = 2; i < 10; i++)
			len = len << 8 | r->hdr[i];
		if (len >> 63)
			return fail(r, WS_CLOSE_PROTOCOL, "64-bit length with the top bit set");
		if (len <= 0xFFFF)
			return fail(r, WS_CLOSE_PROTOCOL, "64-bit length below 65536");
	}
	*out = len;
	return WS_READ_OK;
}

/* A data frame's header is complete: start or continue its message and
 * decide whether it still fits under the limit. */
static enum ws_read_result start_data_frame(struct ws_reader *r)
{
	if (r->op != WS_OP_CONTINUATION) {
		r->msg_binary = r->op == WS_OP_BINARY;
		r->msg_len = 0;
		r->skipping = 0;
		r->buf_len = 0;
		ws_utf8_init(&r->utf8);
	}
	r->in_message = !r->fin;
	uint64_t room = r->msg_len < r->max_message ? r->max_message - r->msg_len : 0;
	if (!r->skipping && r->remaining > room) {
		if (r->fail_oversized)
			return fail(r, WS_CLOSE_TOO_BIG, "message above the size limit");
		r->skipping = 1;
		r->buf_len = 0;
	}
	r->msg_len = r->remaining > UINT64_MAX - r->msg_len ? UINT64_MAX : r->msg_len + r->remaining;
	return WS_READ_OK;
}

/* Copies header bytes from p into hdr; sets *used. Returns OK with in_frame
 * set once the header is complete, OK without it if more bytes are due. */
static enum ws_read_result take_header(struct ws_reader *r, const uint8_t *p, size_t n,
				       size_t *used)
{
	size_t want = r->hdr_len < 2 ? 2 : header_size(r->hdr[1]);
	size_t k = want - r->hdr_len < n ? want - r->hdr_len : n;

	memcpy(r->hdr + r->hdr_len, p, k);
	r->hdr_len += (uint8_t)k;
	*used = k;
	if (r->hdr_len < want)
		return WS_READ_OK;
	if (want == 2) {
		if (check_start(r) != WS_READ_OK)
			return WS_READ_FAIL;
		if (header_size(r->hdr[1]) > 2) {
			size_t more;
			enum ws_read_result rc = take_header(r, p + k, n - k, &more);
			*used += more;
			return rc;
		}
	}
	if (payload_length(r, &r->remaining) != WS_READ_OK)
		return WS_READ_FAIL;
	r->op = r->hdr[0] & 0x0F;
	r->fin = (r->hdr[0] & FIN_BIT) != 0;
	r->in_frame = 1;
	r->ctl_len = 0;
	if (!is_control(r->op))
		return start_data_frame(r);
	return WS_READ_OK;
}

/* Makes room for need more bytes plus a NUL; returns -1 if out of memory. */
static int reserve(struct ws_reader *r, size_t need)
{
	if (need < r->buf_cap - r->buf_len)
		return 0;
	size_t cap = r->buf_cap ? r->buf_cap : 4096;
	while (cap - r->buf_len <= need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	char *grown = realloc(r->buf, cap);
	if (!grown)
		return -1;
	r->buf = grown;
	r->buf_cap = cap;
	return 0;
}

/* Takes n payload bytes of a data frame: validated, buffered unless the
 * message is being skipped. */
static enum ws_read_result data_bytes(struct ws_reader *r, const uint8_t *p, size_t n)
{
	if (!r->msg_binary && ws_utf8_feed(&r->utf8, p, n) < 0)
		return fail(r, WS_CLOSE_BAD_DATA, "invalid UTF-8 in a text message");
	if (r->skipping)
		return WS_READ_OK;
	if (reserve(r, n) < 0) {
		if (r->fail_oversized)
			return fail(r, WS_CLOSE_TOO_BIG, "no memory for the message");
		r->skipping = 1;
		r->buf_len = 0;
		return WS_READ_OK;
	}
	memcpy(r->buf + r->buf_len, p, n);
	r->buf_len += n;
	r->buf[r->buf_len] = '\0';
	return WS_READ_OK;
}

/* The last frame of a message has ended: hand the message over. */
static enum ws_read_result end_message(struct ws_reader *r, const char *data, size_t len,
				       ws_event_fn fn, void *ctx)
{
	struct ws_event ev = { .type = WS_EVENT_MESSAGE, .binary = r->msg_binary };

	if (!r->msg_binary && !ws_utf8_complete(&r->utf8))
		return fail(r, WS_CLOSE_BAD_DATA, "text message ends inside a UTF-8 sequence");
	if (r->skipping) {
		ev.type = WS_EVENT_SKIPPED;
		ev.size = r->msg_len;
	} else {
		ev.data = data;
		ev.len = len;
	}
	r->skipping = 0;
	r->buf_len = 0;
	fn(ctx, &ev);
	return WS_READ_OK;
}

/* Status codes a peer may send: the registered ones that are not reserved
 * for local use (1004-1006, 1015), and the library/application range. */
static int valid_close_code(unsigned code)
{
	if (code >= 3000 && code <= 4999)
		return 1;
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

static enum ws_read_result close_frame(struct ws_reader *r, ws_event_fn fn, void *ctx)
{
	struct ws_event ev = { .type = WS_EVENT_CLOSE, .code = WS_CLOSE_NO_STATUS };

	if (r->ctl_len == 1)
		return fail(r, WS_CLOSE_PROTOCOL, "close frame with a 1-byte payload");
	if (r->ctl_len >= 2) {
		ev.code = (uint16_t)(r->ctl[0] << 8 | r->ctl[1]);
		if (!valid_close_code(ev.code))
			return fail(r, WS_CLOSE_PROTOCOL, "invalid close status code");
		if (!ws_utf8_valid(r->ctl + 2, r->ctl_len - 2u))
			return fail(r, WS_CLOSE_BAD_DATA, "invalid UTF-8 in the close reason");
		ev.data = (const char *)r->ctl + 2;
		ev.len = r->ctl_len - 2u;
	}
	r->state = WS_READER_CLOSED;
	fn(ctx, &ev);
	return WS_READ_CLOSED;
}

/* The current frame's payload is complete. */
static enum ws_read_result end_frame(struct ws_reader *r, ws_event_fn fn, void *ctx)
{
	r->in_frame = 0;
	r->hdr_len = 0;
	if (r->op == WS_OP_PING) {
		struct ws_event ev = { .type = WS_EVENT_PING, .data = (const char *)r->ctl,
				       .len = r->ctl_len };
		fn(ctx, &ev);
		return WS_READ_OK;
	}
	if (r->op == WS_OP_PONG)
		return WS_READ_OK; /* RFC 6455 allows unsolicited pongs: nothing to do */
	if (r->op == WS_OP_CLOSE)
		return close_frame(r, fn, ctx);
	if (!r->fin)
		return WS_READ_OK;
	return end_message(r, r->buf, r->buf_len, fn, ctx);
}

/* A single-frame message lies whole in p: validate it and hand it over in
 * place. */
static enum ws_read_result whole_message(struct ws_reader *r, const uint8_t *p,
					 ws_event_fn fn, void *ctx)
{
	size_t n = (size_t)r->remaining;

	if (!r->msg_binary && ws_utf8_feed(&r->utf8, p, n) < 0)
		return fail(r, WS_CLOSE_BAD_DATA, "invalid UTF-8 in a text message");
	r->in_frame = 0;
	r->hdr_len = 0;
	r->remaining = 0;
	return end_message(r, (const char *)p, n, fn, ctx);
}

/* Takes up to n payload bytes of the current frame; sets *used. */
static enum ws_read_result payload(struct ws_reader *r, const uint8_t *p, size_t n,
				   size_t *used, ws_event_fn fn, void *ctx)
{
	enum ws_read_result rc = WS_READ_OK;

	/* Nothing of the frame taken yet (buf_len 0) and all of it here. */
	if (r->fin && !is_control(r->op) && r->op != WS_OP_CONTINUATION && !r->skipping &&
	    r->buf_len == 0 && r->remaining <= n) {
		*used = (size_t)r->remaining;
		return whole_message(r, p, fn, ctx);
	}
	size_t k = r->remaining < n ? (size_t)r->remaining : n;
	if (is_control(r->op)) {
		memcpy(r->ctl + r->ctl_len, p, k);
		r->ctl_len += (uint8_t)k;
	} else {
		rc = data_bytes(r, p, k);
	}
	*used = k;
	r->remaining -= k;
	if (rc == WS_READ_OK && r->remaining == 0)
		rc = end_frame(r, fn, ctx);
	return rc;
}

enum ws_read_result ws_reader_feed(struct ws_reader *r, const void *data, size_t len,
				   ws_event_fn fn, void *ctx)
{
	const uint8_t *p = data;

	if (r->state != WS_READER_OPEN)
		return result_of(r);
	/* A frame with an empty payload ends as soon as its header does. */
	while (len > 0 || (r->in_frame && r->remaining == 0)) {
		size_t used;
		enum ws_read_result rc = r->in_frame ? payload(r, p, len, &used, fn, ctx)
						     : take_header(r, p, len, &used);
		if (rc != WS_READ_OK)
			return rc;
		p += used;
		len -= used;
	}
	return WS_READ_OK;
}
