/*
 * bridge_control_health.c - the answer to the health command: every
 * counter the bridge keeps (bridge, upstream, MQTT, control plane) plus
 * the upstream state, tracker count and uptime, as one JSON object.
 * Table-driven, so a new counter is one line.
 */
#include "bridge_control_parts.h"

#include <stdatomic.h>
#include <time.h>

struct counter {
	const char *name;
	uint64_t value;
};

static struct json_object *counters_json(const struct counter *c, size_t n)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < n; i++)
		json_object_object_add(o, c[i].name, json_object_new_int64((int64_t)c[i].value));
	return o;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct json_object *bridge_counters(const struct n2m_bridge_counters *k)
{
	const struct counter c[] = {
		{ "frames_in", k->frames_in }, { "parse_errors", k->parse_errors },
		{ "bad_items", k->bad_items }, { "unknown_frames", k->unknown_frames },
		{ "error_frames", k->error_frames }, { "state_updates", k->state_updates },
		{ "readings_updates", k->readings_updates }, { "iot_updates", k->iot_updates },
		{ "lifecycle_events", k->lifecycle_events }, { "logouts", k->logouts },
		{ "unknown_sources", k->unknown_sources }, { "mapping_errors", k->mapping_errors },
		{ "tracker_list_calls", k->tracker_list_calls }, { "auth_calls", k->auth_calls },
		{ "publishes", k->publishes }, { "publish_failures", k->publish_failures },
		{ "publish_deferred", k->publish_deferred }, { "resyncs", k->resyncs },
	};
	return counters_json(c, COUNT(c));
}

static struct json_object *upstream_counters(const struct n2m_upstream *up)
{
	const struct n2m_upstream_counters *k = &up->counters;
	const struct counter c[] = {
		{ "frames_in", k->frames_in }, { "bytes_in", k->bytes_in },
		{ "messages_in", k->messages_in }, { "heartbeats_in", k->heartbeats_in },
		{ "heartbeats_out", k->heartbeats_out }, { "oversized", k->oversized },
		{ "decode_errors", k->decode_errors }, { "connects", k->connects },
		{ "reconnects", k->reconnects }, { "failures", k->failures },
	};
	struct json_object *o = counters_json(c, COUNT(c));
	if (o)
		json_object_object_add(o, "state",
				       json_object_new_string(n2m_upstream_state_name(up->state)));
	return o;
}

static struct json_object *mqtt_counters(const struct n2m_mqtt *m)
{
	const struct n2m_mqtt_counters *k = &m->counters;
	const struct counter c[] = {
		{ "connects", k->connects }, { "connect_failures", k->connect_failures },
		{ "disconnects", k->disconnects }, { "publishes", k->publishes },
		{ "publish_failures", k->publish_failures }, { "messages_in", k->messages_in },
		{ "messages_dropped",
		  atomic_load(&k->messages_dropped) },
	};
	return counters_json(c, COUNT(c));
}

static struct json_object *control_counters(const struct n2m_control *ctl)
{
	const struct n2m_control_counters *k = &ctl->counters;
	const struct counter c[] = {
		{ "requests", k->requests }, { "responses", k->responses },
		{ "bad_requests", k->bad_requests }, { "changes", k->changes },
		{ "upstream_timeouts", k->upstream_timeouts },
		{ "upstream_errors", k->upstream_errors },
		{ "state_file_errors", k->state_file_errors },
		{ "waiting", ctl->n_pending },
	};
	return counters_json(c, COUNT(c));
}

struct json_object *ctl_health_json(const struct bridge *b)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "uptime_s", json_object_new_int64((int64_t)(time(NULL) - b->started)));
	json_object_object_add(o, "trackers",
			       json_object_new_int64((int64_t)n2m_tracker_table_count(&b->trackers)));
	json_object_object_add(o, "tracker_memory_bytes",
			       json_object_new_int64((int64_t)n2m_tracker_table_memory(&b->trackers)));
	json_object_object_add(o, "bridge", bridge_counters(&b->counters));
	json_object_object_add(o, "upstream", upstream_counters(&b->upstream));
	json_object_object_add(o, "mqtt", mqtt_counters(&b->mqtt));
	json_object_object_add(o, "control", control_counters(b->control));
	return o;
}
