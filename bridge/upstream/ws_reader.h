/* SPDX-License-Identifier: MIT */
/*
 * ws_reader.h - the client side of RFC 6455 framing, reading what a server
 * sends, without I/O: fed the bytes as they come off the socket in chunks
 * of any size, it parses frame headers, reassembles fragmented messages,
 * validates text as UTF-8 and answers control frames through events.
 *
 * No extensions are negotiated, so RSV bits must be 0; server frames are
 * never masked. Any violation stops the reader with the close code the
 * client should send (1002 protocol error, 1007 invalid UTF-8, 1009 too
 * big) and a short reason for the log.
 *
 * Payload is copied only when a message does not lie whole in one chunk
 * (fragmented, or split across reads); a single-frame message inside the
 * chunk is handed over in place.
 */
#ifndef N2M_WS_READER_H
#define N2M_WS_READER_H

#include <stddef.h>
#include <stdint.h>

#include "ws_utf8.h"

enum ws_opcode {
	WS_OP_CONTINUATION = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xA,
};

enum {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_NO_STATUS = 1005, /* reported for a close frame without a code */
	WS_CLOSE_BAD_DATA = 1007,
	WS_CLOSE_TOO_BIG = 1009,
};

#define WS_CONTROL_MAX 125

enum ws_event_type {
	WS_EVENT_MESSAGE, /* a complete text or binary message */
	WS_EVENT_SKIPPED, /* a message above max_message, discarded unbuffered */
	WS_EVENT_PING,    /* the caller must answer with a pong of the same payload */
	WS_EVENT_CLOSE,   /* the server's close frame; the reader reads no further.
			   * The caller answers with a close frame (echoing the
			   * code) and closes the connection. */
};

struct ws_event {
	enum ws_event_type type;
	int binary;       /* MESSAGE, SKIPPED: a binary (not text) message */
	const char *data; /* MESSAGE: the message; PING: its payload; CLOSE: the reason.
			   * Not NUL-terminated; valid only during the callback. */
	size_t len;
	uint64_t size;    /* SKIPPED: the message's length (saturated at UINT64_MAX) */
	uint16_t code;    /* CLOSE: the status code, or WS_CLOSE_NO_STATUS */
};

typedef void (*ws_event_fn)(void *ctx, const struct ws_event *ev);

enum ws_read_result {
	WS_READ_OK = 0,  /* all bytes consumed; feed more */
	WS_READ_CLOSED,  /* a close frame arrived; later bytes were ignored */
	WS_READ_FAIL,    /* the stream is broken: send a close frame with
			  * close_code, log error, drop the connection */
};

enum ws_reader_state { WS_READER_OPEN, WS_READER_CLOSED, WS_READER_FAILED };

struct ws_reader {
	size_t max_message;  /* the largest message delivered */
	int fail_oversized;  /* 1: a larger message fails with 1009; 0: it is skipped */

	uint8_t hdr[10];     /* the frame header being read */
	uint8_t hdr_len;
	uint8_t in_frame;    /* header read; `remaining` payload bytes due */
	uint8_t op;          /* the current frame's opcode and FIN bit */
	uint8_t fin;
	uint64_t remaining;

	uint8_t in_message;  /* a fragmented message awaits continuations */
	uint8_t msg_binary;
	uint8_t skipping;    /* the current message is over the limit */
	uint64_t msg_len;    /* its announced length so far (saturating) */
	struct ws_utf8 utf8;

	char *buf;           /* message bytes that could not be handed over in place */
	size_t buf_len, buf_cap;
	uint8_t ctl[WS_CONTROL_MAX];
	uint8_t ctl_len;

	enum ws_reader_state state;
	uint16_t close_code; /* FAILED: the code to close with */
	const char *error;   /* FAILED: why, a static string for the log */
};

void ws_reader_init(struct ws_reader *r, size_t max_message, int fail_oversized);
/* Starts over for a new connection; keeps the buffer's memory. */
void ws_reader_reset(struct ws_reader *r);
void ws_reader_free(struct ws_reader *r);

/* Consumes len bytes, calling fn for each event in stream order. Once it has
 * returned CLOSED or FAIL, every later call returns the same and reads
 * nothing. */
enum ws_read_result ws_reader_feed(struct ws_reader *r, const void *data, size_t len,
				   ws_event_fn fn, void *ctx);

/* Frees the reassembly buffer if it holds more than keep bytes of capacity
 * and no message is being buffered; returns 1 if it did. After a huge
 * message, so its memory does not stay for the process's lifetime. */
int ws_reader_release_spare(struct ws_reader *r, size_t keep);

#endif
