/* SPDX-License-Identifier: MIT */
/*
 * unit_data.h - reads a file of tests/unit/data for the unit tests.
 */
#ifndef N2M_UNIT_DATA_H
#define N2M_UNIT_DATA_H

#include <stdio.h>
#include <stdlib.h>

/* Returns the malloc'd, NUL-terminated content of tests/unit/data/<name>
 * (length in *len), or NULL if it cannot be read. */
static inline char *unit_data_read(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/unit/data/%s", N2M_SOURCE_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

#endif
