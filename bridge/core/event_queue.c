/* SPDX-License-Identifier: MIT */
/*
 * event_queue.c - the bounded ring of publications held during a broker
 * outage (see event_queue.h for what goes in and the drop policy).
 */
#include "event_queue.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_CAP 64

static size_t slot(const struct n2m_event_queue *q, size_t i)
{
	return (q->head + i) % q->cap;
}

static size_t entry_bytes(const struct n2m_queued_pub *p)
{
	return strlen(p->topic) + p->payload_len;
}

static void free_entry(struct n2m_queued_pub *p)
{
	free(p->topic);
	free(p->payload);
	memset(p, 0, sizeof *p);
}

void n2m_event_queue_init(struct n2m_event_queue *q, size_t max_items, size_t max_bytes)
{
	memset(q, 0, sizeof *q);
	q->max_items = max_items ? max_items : 1;
	q->max_bytes = max_bytes ? max_bytes : 1;
}

void n2m_event_queue_free(struct n2m_event_queue *q)
{
	while (q->count)
		n2m_event_queue_pop(q);
	free(q->ring);
	q->ring = NULL;
	q->cap = q->head = q->bytes = 0;
}

/* Grows the ring (never past max_items), keeping the order. 0 or -1. */
static int grow(struct n2m_event_queue *q)
{
	size_t cap = q->cap ? q->cap * 2 : INITIAL_CAP;

	if (cap > q->max_items)
		cap = q->max_items;
	struct n2m_queued_pub *ring = calloc(cap, sizeof *ring);
	if (!ring)
		return -1;
	for (size_t i = 0; i < q->count; i++)
		ring[i] = q->ring[slot(q, i)];
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
	return 0;
}

/* Drops the oldest unpinned entry, or the oldest of all when every entry
 * is pinned. The entries before it (all pinned) move up one slot so the
 * order is kept. */
static void drop_one(struct n2m_event_queue *q)
{
	size_t victim = 0;

	while (victim < q->count && q->ring[slot(q, victim)].pinned)
		victim++;
	if (victim == q->count)
		victim = 0;
	struct n2m_queued_pub *v = &q->ring[slot(q, victim)];
	q->bytes -= entry_bytes(v);
	if (v->pinned)
		q->dropped_pinned++;
	free_entry(v);
	for (size_t i = victim; i > 0; i--)
		q->ring[slot(q, i)] = q->ring[slot(q, i - 1)];
	memset(&q->ring[q->head], 0, sizeof q->ring[q->head]);
	q->head = (q->head + 1) % q->cap;
	q->count--;
	q->dropped++;
}

enum n2m_eq_push_result n2m_event_queue_push(struct n2m_event_queue *q, const char *topic,
					     const char *payload, size_t len, int qos,
					     int retain, int pinned)
{
	size_t need = strlen(topic) + len;
	int dropped = 0;

	if (need > q->max_bytes) {
		q->dropped++;
		return N2M_EQ_REFUSED;
	}
	while (q->count && (q->count >= q->max_items || q->bytes + need > q->max_bytes)) {
		drop_one(q);
		dropped = 1;
	}
	if (q->count == q->cap && grow(q) != 0) {
		q->dropped++;
		return N2M_EQ_REFUSED;
	}
	struct n2m_queued_pub p = { .qos = qos, .retain = retain, .pinned = pinned,
				    .payload_len = len };
	p.topic = strdup(topic);
	p.payload = malloc(len + 1);
	if (!p.topic || !p.payload) {
		free(p.topic);
		free(p.payload);
		q->dropped++;
		return N2M_EQ_REFUSED;
	}
	if (len)
		memcpy(p.payload, payload, len);
	p.payload[len] = '\0';
	q->ring[slot(q, q->count)] = p;
	q->count++;
	q->bytes += need;
	q->queued++;
	return dropped ? N2M_EQ_QUEUED_DROPPED : N2M_EQ_QUEUED;
}

const struct n2m_queued_pub *n2m_event_queue_peek(const struct n2m_event_queue *q)
{
	return q->count ? &q->ring[q->head] : NULL;
}

void n2m_event_queue_pop(struct n2m_event_queue *q)
{
	if (!q->count)
		return;
	struct n2m_queued_pub *p = &q->ring[q->head];
	q->bytes -= entry_bytes(p);
	free_entry(p);
	q->head = (q->head + 1) % q->cap;
	q->count--;
}

size_t n2m_event_queue_count(const struct n2m_event_queue *q)
{
	return q->count;
}
