/* SPDX-License-Identifier: MIT */
/*
 * decimal.c - exact fast paths between short decimals and doubles
 * (decimal.h).
 */
#include "decimal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every power of ten up to 1e22 is an exact double. */
static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
				1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
#define N_POW10 ((int)(sizeof(pow10) / sizeof(pow10[0])))

/* u's decimal digits, last digit first ("0" for 0); returns how many. */
static int reversed_digits(uint64_t u, char digits[20])
{
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	return nd;
}

size_t n2m_decimal_format_int(int64_t v, char out[N2M_DECIMAL_TEXT_MAX])
{
	/* The magnitude as unsigned, so INT64_MIN needs no special case. */
	char digits[20];
	int nd = reversed_digits(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, digits);
	size_t n = 0;
	if (v < 0)
		out[n++] = '-';
	while (nd)
		out[n++] = digits[--nd];
	return n;
}

/*
 * Why this equals printf: the decimals of at most 15 significant digits are
 * at least 1e-15 apart relative to their size, a double's half ulp is at
 * most 1.1e-16 of it, so at most one such decimal D = m / 10^k reads back
 * as v, and %.15g (round v's exact value to 15 digits, drop trailing zeros,
 * fixed notation for exponents -4..14) prints exactly D. D is found with the
 * smallest k whose m = round(|v| * 10^k) satisfies m / 10^k == |v|: m and
 * 10^k (k <= 22) are exact doubles, so the division is rounded once, as
 * strtod rounds D; the product's own rounding (<= 0.0625 below 1e15) plus
 * D's distance (<= 0.11) stays under 0.5, so the right m is never missed.
 * Location payloads print six such numbers per update; snprintf and strtod
 * cost ~40x more.
 */
size_t n2m_decimal_format_short(double v, char out[N2M_DECIMAL_TEXT_MAX])
{
	double a = fabs(v);
	if (!(a >= 1e-4 && a < 1e15) || a == floor(a))
		return 0; /* outside %.15g's fixed notation, or an integer */
	int k = 1;
	double m = 0;
	for (;; k++) {
		if (k >= (int)(N_POW10))
			return 0;
		m = floor(a * pow10[k] + 0.5);
		if (m >= 1e15)
			return 0; /* needs more than 15 digits */
		if (m / pow10[k] == a)
			break;
	}
	/* m's digits, then the point k digits from the right. */
	char digits[20];
	int nd = reversed_digits((uint64_t)m, digits); /* m >= 1 */
	size_t n = 0;
	if (v < 0)
		out[n++] = '-';
	if (nd <= k) {
		out[n++] = '0';
		out[n++] = '.';
		for (int z = nd; z < k; z++)
			out[n++] = '0';
		while (nd)
			out[n++] = digits[--nd];
	} else {
		while (nd > k)
			out[n++] = digits[--nd];
		out[n++] = '.';
		while (nd)
			out[n++] = digits[--nd];
	}
	return n;
}

/*
 * m and 10^k exact (m < 2^53, k <= 22): the one rounding of the division is
 * the correctly rounded value of the decimal, which is what glibc's strtod
 * returns (Clinger's fast path).
 */
int n2m_decimal_parse_fast(const char *s, size_t len, double *out)
{
	size_t i = 0;
	int negative = 0, digits = 0, fraction = -1;
	uint64_t m = 0;
	if (i < len && s[i] == '-') {
		negative = 1;
		i++;
	}
	for (; i < len; i++) {
		char c = s[i];
		if (c == '.') {
			if (fraction >= 0 || digits == 0)
				return 0;
			fraction = 0;
			continue;
		}
		if (c < '0' || c > '9')
			return 0;
		digits++;
		if (fraction >= 0)
			fraction++;
		m = m * 10 + (uint64_t)(c - '0');
		if (m >= (1ull << 53))
			return 0;
	}
	if (digits == 0 || fraction == 0 || fraction >= N_POW10)
		return 0;
	double v = (double)m;
	if (fraction > 0)
		v /= pow10[fraction];
	*out = negative ? -v : v;
	return 1;
}

int n2m_decimal_strtod(const char *s, size_t len, double *out)
{
	if (n2m_decimal_parse_fast(s, len, out))
		return 1;
	char stack[64];
	char *copy = len < sizeof(stack) ? stack : malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, s, len);
	copy[len] = '\0';
	char *end;
	double d = strtod(copy, &end);
	int whole = len > 0 && end == copy + len;
	if (copy != stack)
		free(copy);
	if (whole)
		*out = d;
	return whole;
}
