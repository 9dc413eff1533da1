/* SPDX-License-Identifier: MIT */
/*
 * utf8.c - UTF-8 checking, repair and cutting (see utf8.h).
 */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#define HIGH_BITS 0x8080808080808080ull

static int is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* The sequence length a lead byte announces (0: not a lead byte) and the
 * range its second byte must be in (that is where overlongs, surrogates and
 * code points above U+10FFFF are refused). */
static size_t lead_info(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF) {
		if (c == 0xE0)
			*lo = 0xA0; /* no overlongs */
		else if (c == 0xED)
			*hi = 0x9F; /* no surrogates */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (c == 0xF0)
			*lo = 0x90; /* no overlongs */
		else if (c == 0xF4)
			*hi = 0x8F; /* nothing above U+10FFFF */
		return 4;
	}
	return 0;
}

size_t n2m_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp, size_t *bad)
{
	unsigned char lo, hi;
	unsigned char c = s[0];
	*bad = 1;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n = lead_info(c, &lo, &hi);
	if (!n)
		return 0;
	uint32_t v = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
	for (size_t i = 1; i < n; i++) {
		if (i >= len || s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF)) {
			*bad = i; /* the lead and the continuation bytes that fitted */
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return n;
}

int n2m_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		/* ASCII runs: 32 bytes per step while they last, then 8. */
		while (len - i >= 32) {
			uint64_t w[4];
			memcpy(w, p + i, 32);
			if ((w[0] | w[1] | w[2] | w[3]) & HIGH_BITS)
				break;
			i += 32;
		}
		if (i == len)
			break;
		if (len - i >= 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (!(w & HIGH_BITS)) {
				i += 8;
				continue;
			}
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t bad;
		size_t n = n2m_utf8_decode(p + i, len - i, &cp, &bad);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

char *n2m_utf8_repair(const char *s, size_t len, size_t *out_len)
{
	/* Each invalid byte becomes at most 3 bytes. */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	while (i < len) {
		uint32_t cp;
		size_t bad;
		size_t n = p[i] < 0x80 ? 1 : n2m_utf8_decode(p + i, len - i, &cp, &bad);
		if (n) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, N2M_UTF8_REPLACEMENT, 3);
			o += 3;
			i += bad;
		}
	}
	out[o] = '\0';
	if (out_len)
		*out_len = o;
	return out;
}

size_t n2m_utf8_cut(const char *s, size_t len, size_t max)
{
	if (max >= len)
		return len;
	size_t n = max;
	/* The first byte left out is a continuation byte: back up to the lead
	 * (at most 3 bytes; further back it was never one character). */
	for (int k = 0; k < 3 && n > 0 && is_cont((unsigned char)s[n]); k++)
		n--;
	return is_cont((unsigned char)s[n]) ? max : n;
}

void n2m_utf8_trim_tail(char *s)
{
	size_t len = strlen(s);
	size_t i = len;
	for (int k = 0; k < 3 && i > 0 && is_cont((unsigned char)s[i - 1]); k++)
		i--;
	if (i == 0)
		return;
	unsigned char lo, hi;
	size_t need = lead_info((unsigned char)s[i - 1], &lo, &hi);
	if (need && (i - 1) + need > len)
		s[i - 1] = '\0';
}

int n2m_utf8_is_noncharacter(uint32_t cp)
{
	return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}
