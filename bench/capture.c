/* SPDX-License-Identifier: MIT */
/*
 * capture.c - see capture.h. The loader reads the file into one arena and
 * points the records into it, so replay touches no allocator.
 */
#include "capture.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR_LEN 7 /* retain u8, topic length u16, payload length u32 */

void capture_write(FILE *f, const char *topic, size_t tlen, const void *payload, size_t plen,
		   int retain)
{
	uint8_t r = (uint8_t)(retain ? 1 : 0);
	uint16_t tl = (uint16_t)tlen;
	uint32_t pl = (uint32_t)plen;

	fwrite(&r, 1, 1, f);
	fwrite(&tl, sizeof tl, 1, f);
	fwrite(&pl, sizeof pl, 1, f);
	fwrite(topic, 1, tlen, f);
	fwrite(payload, 1, plen, f);
}

/* Topics are stored without a NUL: shift each one back over its header's
 * first byte so it can be terminated in place. */
static int index_records(struct capture *c, char *data, size_t size)
{
	size_t pos = 0, n = 0, cap = 1024;

	c->msgs = malloc(cap * sizeof *c->msgs);
	while (c->msgs && pos + HDR_LEN <= size) {
		uint8_t r;
		uint16_t tl;
		uint32_t pl;
		memcpy(&r, data + pos, 1);
		memcpy(&tl, data + pos + 1, sizeof tl);
		memcpy(&pl, data + pos + 3, sizeof pl);
		if (pos + HDR_LEN + tl + pl > size)
			break;
		if (n == cap) {
			struct capture_msg *m = realloc(c->msgs, 2 * cap * sizeof *m);
			if (!m)
				return -1;
			c->msgs = m;
			cap *= 2;
		}
		char *topic = data + pos;
		memmove(topic, data + pos + HDR_LEN, tl);
		topic[tl] = '\0';
		c->msgs[n].topic = topic;
		c->msgs[n].payload = data + pos + HDR_LEN + tl;
		c->msgs[n].len = (int)pl;
		c->msgs[n].retain = r;
		n++;
		pos += HDR_LEN + tl + pl;
	}
	c->n = n;
	return c->msgs ? 0 : -1;
}

int capture_load(struct capture *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;

	memset(c, 0, sizeof *c);
	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	c->arena = malloc((size_t)size + 1);
	if (!c->arena || fread(c->arena, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (index_records(c, c->arena, (size_t)size) != 0 || c->n == 0) {
		fprintf(stderr, "%s: no publications in the capture\n", path);
		return -1;
	}
	return 0;
}

void capture_free(struct capture *c)
{
	free(c->msgs);
	free(c->arena);
	memset(c, 0, sizeof *c);
}
