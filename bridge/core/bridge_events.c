/* SPDX-License-Identifier: MIT */
/*
 * bridge_events.c - the bridge's side of the outage queue (event_queue.h):
 * holding events and clears while the broker is away, sending them in order
 * after the reconnect.
 */
#include "bridge_internal.h"

#include <inttypes.h>

void bridge_queue_event(struct bridge *b, const char *topic, const char *payload, size_t len,
			int qos, int retain, int pinned)
{
	struct n2m_event_queue *q = &b->events;
	uint64_t pinned_before = q->dropped_pinned;
	enum n2m_eq_push_result rc = n2m_event_queue_push(q, topic, payload, len, qos, retain,
							  pinned);

	if (rc == N2M_EQ_QUEUED)
		return;
	/* Once per outage: a long one with many events would otherwise log
	 * every drop. The counters keep the full story. */
	if (!b->event_drop_logged || q->dropped_pinned != pinned_before) {
		b->event_drop_logged = 1;
		n2m_log(&b->log, N2M_LOG_WARN, "event_queue.dropping",
			"reason=\"%s\" max_items=%zu max_bytes=%zu dropped=%" PRIu64
			" dropped_clears=%" PRIu64,
			rc == N2M_EQ_REFUSED ? "entry too large or out of memory"
					     : "queue full while the broker is away: oldest dropped",
			q->max_items, q->max_bytes, q->dropped, q->dropped_pinned);
	}
}

void bridge_flush_events(struct bridge *b)
{
	struct n2m_event_queue *q = &b->events;
	const struct n2m_queued_pub *p;
	size_t sent = 0;

	b->event_drop_logged = 0;
	if (!n2m_event_queue_count(q))
		return;
	while ((p = n2m_event_queue_peek(q)) != NULL) {
		enum n2m_mqtt_publish_result rc = bridge_send(b, p->topic, p->payload,
							      p->payload_len, p->qos, p->retain);
		if (rc == N2M_MQTT_OFFLINE)
			break; /* lost again: the rest waits for the next connect */
		if (rc == N2M_MQTT_OK)
			sent++;
		n2m_event_queue_pop(q);
	}
	n2m_log(&b->log, N2M_LOG_INFO, "event_queue.flushed", "sent=%zu left=%zu dropped=%" PRIu64,
		sent, n2m_event_queue_count(q), q->dropped);
}
