/* SPDX-License-Identifier: MIT */
/*
 * ws_utf8.c - incremental UTF-8 validation (see ws_utf8.h). ASCII, nearly
 * all of what Navixy sends, is crossed 8 or 16 bytes at a time; other bytes go
 * through a small state machine whose only state is how many continuation
 * bytes are due and which range the next one must lie in (the narrower
 * ranges after E0, ED, F0 and F4 exclude overlong forms, surrogates and
 * code points above U+10FFFF).
 */
#include "ws_utf8.h"

#include <string.h>

#define HIGH_BITS 0x8080808080808080ull

/* Sets up the sequence a lead byte starts; returns -1 for a byte that cannot
 * start one (a stray continuation, C0/C1 overlong leads, F5..FF). */
static int lead_byte(struct ws_utf8 *u, uint8_t b)
{
	u->lo = 0x80;
	u->hi = 0xBF;
	if (b >= 0xC2 && b <= 0xDF) {
		u->need = 1;
	} else if (b >= 0xE0 && b <= 0xEF) {
		u->need = 2;
		if (b == 0xE0)
			u->lo = 0xA0; /* overlong below U+0800 */
		else if (b == 0xED)
			u->hi = 0x9F; /* surrogates U+D800..U+DFFF */
	} else if (b >= 0xF0 && b <= 0xF4) {
		u->need = 3;
		if (b == 0xF0)
			u->lo = 0x90; /* overlong below U+10000 */
		else if (b == 0xF4)
			u->hi = 0x8F; /* above U+10FFFF */
	} else {
		return -1;
	}
	return 0;
}

/* The index (0..7) of the first byte in memory order whose high bit is set
 * in h, a word of HIGH_BITS bits loaded by memcpy. */
static size_t first_high_byte(uint64_t h)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (size_t)__builtin_clzll(h) >> 3;
#else
	return (size_t)__builtin_ctzll(h) >> 3;
#endif
}

/* Skips ASCII from p[i], 16 then 8 bytes at a time, landing exactly on the
 * first non-ASCII byte; returns its index, or n. */
static size_t skip_ascii(const uint8_t *p, size_t i, size_t n)
{
	uint64_t w, v;

	while (n - i >= 16) {
		memcpy(&w, p + i, 8);
		memcpy(&v, p + i + 8, 8);
		if ((w | v) & HIGH_BITS)
			break;
		i += 16;
	}
	while (n - i >= 8) {
		memcpy(&w, p + i, 8);
		if (w & HIGH_BITS)
			return i + first_high_byte(w & HIGH_BITS);
		i += 8;
	}
	while (i < n && p[i] < 0x80)
		i++;
	return i;
}

int ws_utf8_feed(struct ws_utf8 *u, const void *data, size_t n)
{
	const uint8_t *p = data;
	struct ws_utf8 s = *u; /* in registers: stores through u could alias p */
	size_t i = 0;

	while (i < n) {
		if (s.need == 0) {
			i = skip_ascii(p, i, n);
			if (i == n)
				break;
			uint8_t b = p[i++];
			if (b >= 0x80 && lead_byte(&s, b) < 0)
				return -1;
			continue;
		}
		uint8_t b = p[i++];
		if (b < s.lo || b > s.hi)
			return -1;
		s.need--;
		s.lo = 0x80;
		s.hi = 0xBF;
	}
	*u = s;
	return 0;
}

int ws_utf8_valid(const void *s, size_t n)
{
	struct ws_utf8 u;
	ws_utf8_init(&u);
	return ws_utf8_feed(&u, s, n) == 0 && ws_utf8_complete(&u);
}
