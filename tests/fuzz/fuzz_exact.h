/* SPDX-License-Identifier: MIT */
/*
 * fuzz_exact.h - the input as an exact-size heap copy with nothing after
 * it (no NUL), so ASan reports any read past the input's length. libFuzzer
 * and replay_main.c already pass such a buffer; the copy makes it explicit
 * for every target and for callers that pass a part of the input.
 */
#ifndef N2M_FUZZ_EXACT_H
#define N2M_FUZZ_EXACT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* malloc(size) (one byte for an empty input, never read), or NULL. */
static inline char *fuzz_exact_copy(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	if (copy && size)
		memcpy(copy, data, size);
	return copy;
}

#endif
