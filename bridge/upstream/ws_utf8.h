/* SPDX-License-Identifier: MIT */
/*
 * ws_utf8.h - an incremental UTF-8 validator for WebSocket text messages:
 * fed a message in arbitrary pieces (frames, socket reads), it rejects the
 * first byte that cannot continue a valid sequence (overlong forms,
 * surrogates, code points above U+10FFFF), so a reader can fail fast with
 * close code 1007 instead of waiting for the message's end.
 */
#ifndef N2M_WS_UTF8_H
#define N2M_WS_UTF8_H

#include <stddef.h>
#include <stdint.h>

struct ws_utf8 {
	uint8_t need; /* continuation bytes still expected */
	uint8_t lo;   /* allowed range of the next continuation byte */
	uint8_t hi;
};

static inline void ws_utf8_init(struct ws_utf8 *u)
{
	u->need = 0;
	u->lo = 0x80;
	u->hi = 0xBF;
}

/* Feeds n more bytes; returns 0 while the text can still be valid, -1 at the
 * first invalid byte (the state is then meaningless). */
int ws_utf8_feed(struct ws_utf8 *u, const void *data, size_t n);

/* True when the bytes fed so far end on a character boundary. */
static inline int ws_utf8_complete(const struct ws_utf8 *u)
{
	return u->need == 0;
}

/* Whole-buffer check: 1 if s[0..n) is valid UTF-8. */
int ws_utf8_valid(const void *s, size_t n);

#endif
