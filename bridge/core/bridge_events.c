/* SPDX-License-Identifier: MIT */
/*
 * bridge_events.c - the bridge's side of the outage queue (event_queue.h):
 * holding events and clears while the broker is away, sending them in order
 * after the reconnect, and the counters line logged at stop.
 */
#include "bridge_parts.h"

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
		enum n2m_mqtt_publish_result rc = n2m_mqtt_publish(&b->mqtt, p->topic, p->payload,
								   p->payload_len, p->qos, p->retain);
		if (rc == N2M_MQTT_OFFLINE)
			break; /* lost again: the rest waits for the next connect */
		if (rc == N2M_MQTT_OK) {
			b->counters.publishes++;
			sent++;
		} else {
			b->counters.publish_failures++;
		}
		n2m_event_queue_pop(q);
	}
	n2m_log(&b->log, N2M_LOG_INFO, "event_queue.flushed", "sent=%zu left=%zu dropped=%" PRIu64,
		sent, n2m_event_queue_count(q), q->dropped);
}

void bridge_log_counters(struct bridge *b)
{
	const struct n2m_bridge_counters *c = &b->counters;
	const struct n2m_upstream_counters *u = &b->upstream.counters;
	const struct n2m_mqtt_counters *m = &b->mqtt.counters;

	n2m_log(&b->log, N2M_LOG_INFO, "bridge.counters",
		"frames_in=%" PRIu64 " parse_errors=%" PRIu64 " bad_items=%" PRIu64
		" unknown_frames=%" PRIu64 " error_frames=%" PRIu64 " state_updates=%" PRIu64
		" readings_updates=%" PRIu64 " iot_updates=%" PRIu64 " lifecycle_events=%" PRIu64
		" logouts=%" PRIu64 " unknown_sources=%" PRIu64 " mapping_errors=%" PRIu64
		" tracker_list_calls=%" PRIu64 " auth_calls=%" PRIu64 " rest_failures=%" PRIu64
		" publishes=%" PRIu64
		" publish_failures=%" PRIu64 " publish_deferred=%" PRIu64 " resyncs=%" PRIu64
		" events_queued=%" PRIu64 " events_dropped=%" PRIu64 " events_pending=%zu"
		" upstream_oversized=%" PRIu64 " upstream_binary=%" PRIu64
		" upstream_decode_errors=%" PRIu64 " upstream_connects=%" PRIu64
		" upstream_failures=%" PRIu64 " mqtt_connects=%" PRIu64 " mqtt_disconnects=%" PRIu64
		" mqtt_in_dropped=%llu mqtt_connect_failures=%llu fallback_oversized=%" PRIu64
		" readings_truncated=%" PRIu64 " upstream_ws_protocol=%" PRIu64,
		c->frames_in, c->parse_errors, c->bad_items, c->unknown_frames, c->error_frames,
		c->state_updates, c->readings_updates, c->iot_updates, c->lifecycle_events,
		c->logouts, c->unknown_sources, c->mapping_errors, c->tracker_list_calls,
		c->auth_calls, c->rest_failures, c->publishes, c->publish_failures, c->publish_deferred, c->resyncs,
		b->events.queued, b->events.dropped, n2m_event_queue_count(&b->events),
		u->oversized, u->binary, u->decode_errors, u->connects, u->failures, m->connects,
		m->disconnects, (unsigned long long)atomic_load(&b->mqtt.counters.messages_dropped),
		(unsigned long long)atomic_load(&b->mqtt.counters.connect_failures),
		c->fallback_oversized, c->readings_truncated, u->ws_protocol);
}
