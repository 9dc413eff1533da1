/* SPDX-License-Identifier: MIT */
/*
 * capture.h - the file of captured publications the raw publisher replays:
 * records of (retain u8, topic length u16, payload length u32, topic,
 * payload), host byte order (written and read on the same machine).
 */
#ifndef BENCH_CAPTURE_H
#define BENCH_CAPTURE_H

#include <stddef.h>
#include <stdio.h>

struct capture_msg {
	char *topic;       /* NUL-terminated */
	void *payload;
	int len;
	int retain;
};

struct capture {
	struct capture_msg *msgs;
	size_t n;
	char *arena;       /* every topic and payload, one allocation */
};

void capture_write(FILE *f, const char *topic, size_t tlen, const void *payload, size_t plen,
		   int retain);
/* Loads a whole capture file. Returns 0, or -1 with a message on stderr. */
int capture_load(struct capture *c, const char *path);
void capture_free(struct capture *c);

#endif
