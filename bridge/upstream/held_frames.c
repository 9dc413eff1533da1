/* SPDX-License-Identifier: MIT */
/*
 * held_frames.c - the bounded list of updates waiting for a tracker list
 * (see held_frames.h).
 */
#include "held_frames.h"

#include <stdlib.h>
#include <string.h>

struct n2m_held_frame {
	struct n2m_held_frame *next;
	size_t len;
	char data[]; /* len bytes and a NUL */
};

void n2m_held_frames_init(struct n2m_held_frames *h, size_t max_items, size_t max_bytes)
{
	memset(h, 0, sizeof *h);
	h->max_items = max_items;
	h->max_bytes = max_bytes;
}

void n2m_held_frames_free(struct n2m_held_frames *h)
{
	struct n2m_held_frame *f = h->head;

	while (f) {
		struct n2m_held_frame *next = f->next;
		free(f);
		f = next;
	}
	h->head = h->tail = NULL;
	h->count = 0;
	h->bytes = 0;
}

int n2m_held_frames_push(struct n2m_held_frames *h, const char *data, size_t len)
{
	if (h->count >= h->max_items || len > h->max_bytes || h->bytes > h->max_bytes - len)
		return -1;
	struct n2m_held_frame *f = malloc(sizeof *f + len + 1);
	if (!f)
		return -1;
	f->next = NULL;
	f->len = len;
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	if (h->tail)
		h->tail->next = f;
	else
		h->head = f;
	h->tail = f;
	h->count++;
	h->bytes += len;
	return 0;
}

char *n2m_held_frames_pop(struct n2m_held_frames *h, size_t *len)
{
	struct n2m_held_frame *f = h->head;

	if (!f)
		return NULL;
	h->head = f->next;
	if (!h->head)
		h->tail = NULL;
	h->count--;
	h->bytes -= f->len;
	/* The entry's own block moves its bytes to the front: one allocation
	 * in, one free out. */
	size_t n = f->len;
	char *out = (char *)f;
	memmove(out, f->data, n + 1);
	*len = n;
	return out;
}

size_t n2m_held_frames_count(const struct n2m_held_frames *h)
{
	return h->count;
}
