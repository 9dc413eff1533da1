/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decimal.c - libFuzzer target for the exact decimal fast paths
 * (bridge/json/decimal.h), differential against libc: n2m_decimal_strtod
 * answers as strtod on a terminated copy; whatever text
 * n2m_decimal_parse_fast accepts, strtod must read whole and to the same
 * bits; and for the input's first 8 bytes taken as a double, and for the
 * parsed value, n2m_decimal_format_short must print what %.15g prints, or
 * decline. A disagreement aborts.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "fuzz_exact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_format(double v)
{
	char out[N2M_DECIMAL_TEXT_MAX], want[64];
	size_t n = n2m_decimal_format_short(v, out);
	if (!n)
		return;
	snprintf(want, sizeof(want), "%.15g", v);
	if (n != strlen(want) || memcmp(out, want, n) != 0 || strtod(want, NULL) != v)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= sizeof(double)) {
		double v;
		memcpy(&v, data, sizeof(v));
		check_format(v);
	}
	if (size > 64)
		return 0;
	char text[65];
	memcpy(text, data, size);
	text[size] = '\0';
	/* The slice strtod: strtod of the terminated copy, whole or nothing. */
	double slice, libc;
	char *stop;
	libc = strtod(text, &stop);
	int whole = size > 0 && stop == text + size;
	/* The slice functions get an exact-size copy (ASan sees a read past
	 * it); only strtod gets the NUL-terminated one. */
	char *exact = fuzz_exact_copy(data, size);
	if (!exact)
		return 0;
	int slice_whole = n2m_decimal_strtod(exact, size, &slice);
	double got;
	int fast = n2m_decimal_parse_fast(exact, size, &got);
	free(exact);
	if (slice_whole != whole ||
	    (whole && memcmp(&slice, &libc, sizeof(slice)) != 0 && !(isnan(slice) && isnan(libc))))
		abort();
	if (!fast)
		return 0;
	char *end;
	double want = strtod(text, &end);
	if (end != text + size || memcmp(&got, &want, sizeof(got)) != 0)
		abort();
	check_format(got);
	return 0;
}
