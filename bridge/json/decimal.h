/* SPDX-License-Identifier: MIT */
/*
 * decimal.h - exact fast paths between short decimal text and doubles.
 *
 * Location payloads read six numbers from Navixy's text and print six per
 * state update, and every payload carries a tracker id; strtod and snprintf
 * cost hundreds to thousands of instructions each. For the common case - a
 * plain decimal of at most 15 significant digits - both directions can be
 * done exactly with one division by a power of ten. Each function answers
 * only when it is sure its result is the libc one, byte for byte or bit for
 * bit; otherwise it declines and the caller uses libc (n2m_decimal_strtod
 * does both). Pure; no I/O.
 */
#ifndef N2M_DECIMAL_H
#define N2M_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define N2M_DECIMAL_TEXT_MAX 40

/* What snprintf("%" PRId64, v) prints, for every v; returns its length
 * (at most 20) and does not terminate out. */
size_t n2m_decimal_format_int(int64_t v, char out[N2M_DECIMAL_TEXT_MAX]);

/* What snprintf("%.15g", v) prints, for a non-integral v with
 * 1e-4 <= |v| < 1e15 when that text reads back as v exactly; returns its
 * length, or 0 (out untouched or garbage) when it does not apply. */
size_t n2m_decimal_format_short(double v, char out[N2M_DECIMAL_TEXT_MAX]);

/* strtod of s[0..len) when it is a whole plain decimal, -?digits[.digits],
 * whose digits after leading zeros form an integer below 2^53 and which has
 * at most 22 digits after the point: 1 and *out set, else 0. */
int n2m_decimal_parse_fast(const char *s, size_t len, double *out);

/* strtod of s[0..len), which need not be NUL-terminated: 1 and *out set
 * when strtod reads the whole slice, else 0. The fast path first, then
 * strtod on a terminated copy. */
int n2m_decimal_strtod(const char *s, size_t len, double *out);

#endif
