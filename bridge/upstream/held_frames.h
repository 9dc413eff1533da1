/* SPDX-License-Identifier: MIT */
/*
 * held_frames.h - a bounded first-in first-out list of byte strings, without
 * I/O. The bridge keeps updates for trackers it does not know yet here
 * while the tracker/list refresh they triggered is running on the REST
 * worker, and hands them to the mapping again (in arrival order) once the
 * list is in.
 *
 * Bounds: at most max_items entries and max_bytes bytes. A push that does
 * not fit is refused (the caller counts the update as skipped): the oldest
 * updates of a new tracker matter as much as the newest, and a flood of
 * unknown ids must not grow memory.
 */
#ifndef N2M_HELD_FRAMES_H
#define N2M_HELD_FRAMES_H

#include <stddef.h>

/* Defaults the bridge uses: a burst of new trackers' first updates. */
#define N2M_HELD_FRAMES_MAX_ITEMS 2000
#define N2M_HELD_FRAMES_MAX_BYTES ((size_t)4 * 1024 * 1024)

struct n2m_held_frame;

struct n2m_held_frames {
	struct n2m_held_frame *head, *tail;
	size_t count;
	size_t bytes;
	size_t max_items;
	size_t max_bytes;
};

void n2m_held_frames_init(struct n2m_held_frames *h, size_t max_items, size_t max_bytes);
void n2m_held_frames_free(struct n2m_held_frames *h);

/* Copies data[0..len) in at the tail. 0, or -1 when it does not fit (or no
 * memory): nothing was kept. */
int n2m_held_frames_push(struct n2m_held_frames *h, const char *data, size_t len);

/* Removes the oldest entry and returns it (malloc'd, NUL-terminated, the
 * caller frees it) with its length in *len; NULL when empty. */
char *n2m_held_frames_pop(struct n2m_held_frames *h, size_t *len);

size_t n2m_held_frames_count(const struct n2m_held_frames *h);

#endif
