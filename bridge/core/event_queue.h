/* SPDX-License-Identifier: MIT */
/*
 * event_queue.h - the bounded queue of publications held while the MQTT
 * broker is away, sent in order when it returns. Pure data structure; no I/O.
 *
 * What goes in: publications that the tracker table cannot render again
 * after an outage: lifecycle events, bridge/event notices (logout,
 * subscription changes) and the empty retained payloads that clear a
 * removed or renamed tracker's topics. Tracker snapshots (state, location,
 * availability, readings) never go in: the tracker table keeps the latest
 * one per tracker and the resync after a reconnect sends it, so they cost
 * nothing however long the outage.
 *
 * Bounds: at most max_items entries and max_bytes of topic + payload. When
 * a new entry does not fit, the oldest entries are dropped (and counted)
 * until it does: a consumer catching up cares most about the recent events.
 * Pinned entries (the clears: losing one leaves a stale retained topic on a
 * persistent broker for ever) are dropped only when nothing unpinned is
 * left to drop. An entry larger than the whole byte bound is refused.
 */
#ifndef N2M_EVENT_QUEUE_H
#define N2M_EVENT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/* Defaults the bridge uses: generous for lifecycle/logout notices, small
 * next to the tracker table. */
#define N2M_EVENT_QUEUE_MAX_ITEMS 10000
#define N2M_EVENT_QUEUE_MAX_BYTES ((size_t)8 * 1024 * 1024)

struct n2m_queued_pub {
	char *topic;          /* malloc'd */
	char *payload;        /* malloc'd, NUL-terminated; "" for a clear */
	size_t payload_len;
	int qos;
	int retain;
	int pinned;           /* dropped only when nothing unpinned is left */
};

struct n2m_event_queue {
	struct n2m_queued_pub *ring;
	size_t cap;           /* ring slots allocated (grows up to max_items) */
	size_t head;          /* index of the oldest entry */
	size_t count;
	size_t bytes;         /* topic + payload bytes held */
	size_t max_items;
	size_t max_bytes;
	uint64_t queued;      /* entries accepted, ever */
	uint64_t dropped;     /* entries dropped or refused, ever */
	uint64_t dropped_pinned; /* of those, pinned ones */
};

enum n2m_eq_push_result {
	N2M_EQ_QUEUED = 0,     /* queued, nothing dropped */
	N2M_EQ_QUEUED_DROPPED, /* queued after dropping older entries */
	N2M_EQ_REFUSED,        /* too big for the byte bound, or no memory: dropped */
};

/* max_items >= 1 and max_bytes >= 1. Allocates lazily. */
void n2m_event_queue_init(struct n2m_event_queue *q, size_t max_items, size_t max_bytes);
void n2m_event_queue_free(struct n2m_event_queue *q);

/* Copies topic and payload[0..len) in at the tail. */
enum n2m_eq_push_result n2m_event_queue_push(struct n2m_event_queue *q, const char *topic,
					     const char *payload, size_t len, int qos,
					     int retain, int pinned);

/* The oldest entry (still owned by the queue), or NULL when empty. */
const struct n2m_queued_pub *n2m_event_queue_peek(const struct n2m_event_queue *q);

/* Removes and frees the oldest entry; no-op when empty. */
void n2m_event_queue_pop(struct n2m_event_queue *q);

size_t n2m_event_queue_count(const struct n2m_event_queue *q);

#endif
