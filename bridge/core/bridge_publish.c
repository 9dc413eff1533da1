/* SPDX-License-Identifier: MIT */
/*
 * bridge_publish.c - the bridge's MQTT side: sending mapped publications
 * and confirming them for dedupe, the bridge topics (state, upstream, info,
 * event; per instance when sharded), and republishing the retained tree
 * after a broker reconnect. Below the parts that decide what to publish:
 * it calls only the plugins, the standby's skip and the outage queue.
 */
#include "bridge_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bridge_plugins.h"
#include "topic.h"

/* Trackers republished per loop iteration after a reconnect, so a large
 * fleet does not hold the loop (and upstream frames) for seconds. */
#define RESYNC_SLICE 2000

void bridge_format_utc(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct n2m_map_ctx bridge_map_ctx(const struct bridge *b)
{
	struct n2m_map_ctx ctx = {
		.base_topic = b->cfg.mqtt.base_topic,
		.topics = &b->cfg.topics,
		.now = time(NULL),
		.max_tree_bytes = (size_t)b->cfg.navixy.max_fallback_bytes,
	};
	return ctx;
}

void bridge_publish_pending(struct bridge *b)
{
	for (size_t i = 0; i < b->pubs.n; i++) {
		const struct n2m_publication *p = &b->pubs.items[i];
		if (!p->topic)
			continue;
		/* A removal reaches plugins before the tracker's topics are cleared. */
		bridge_plugins_before_publication(b, p);
		if (bridge_standby_skip(b, p)) {
			/* The broker holds this payload already (taken over from a peer). */
			struct n2m_tracker *held = p->tracker_id
				? n2m_tracker_find(&b->trackers, p->tracker_id) : NULL;
			if (held)
				n2m_publication_confirm(held, p);
			continue;
		}
		enum n2m_mqtt_publish_result rc = bridge_send(b, p->topic, p->payload,
							      p->payload_len, p->qos, p->retain);
		if (rc == N2M_MQTT_OK) {
			struct n2m_tracker *tr = p->tracker_id ? n2m_tracker_find(&b->trackers, p->tracker_id)
								: NULL;
			if (tr)
				n2m_publication_confirm(tr, p);
		} else if (rc == N2M_MQTT_OFFLINE) {
			/* Snapshots: the resync after the reconnect renders every
			 * tracker's latest again. Events and clears cannot be
			 * rendered again: they wait in the queue. */
			b->counters.publish_deferred++;
			if (p->clearing || p->cls == N2M_CLASS_LIFECYCLE)
				bridge_queue_event(b, p->topic, p->payload, p->payload_len, p->qos,
						   p->retain, p->clearing);
		}
	}
	bridge_plugins_after_publish(b);
	n2m_pub_list_clear(&b->pubs);
}

int bridge_own_topic(const struct bridge *b, char *buf, size_t cap, const char *name)
{
	const char *instance = b->scale.instance;
	char level[600];

	if (!instance || !instance[0])
		return n2m_topic_bridge(buf, cap, b->cfg.mqtt.base_topic, name);
	if ((size_t)snprintf(level, sizeof level, "%s/%s", instance, name) >= sizeof level) {
		if (cap)
			buf[0] = '\0';
		return -1;
	}
	return n2m_topic_bridge(buf, cap, b->cfg.mqtt.base_topic, level);
}

/* With queue set, a publication the broker cannot take now waits in the
 * event queue (bridge/event); otherwise the connect republishes it. */
static void publish_bridge_topic(struct bridge *b, const char *name, const char *payload,
				 size_t len, int qos, int retain, int queue)
{
	char topic[512];

	if (bridge_own_topic(b, topic, sizeof topic, name) < 0)
		return;
	if (bridge_send(b, topic, payload, len, qos, retain) == N2M_MQTT_OFFLINE && queue)
		bridge_queue_event(b, topic, payload, len, qos, retain, 0);
}

void bridge_publish_upstream_state(struct bridge *b, int force)
{
	struct json_object *o = json_object_new_object();
	const struct n2m_upstream *up = &b->upstream;
	char since[32];

	if (!o)
		return;
	bridge_format_utc(up->since, since);
	json_object_object_add(o, "state", json_object_new_string(n2m_upstream_state_name(up->state)));
	json_object_object_add(o, "since", json_object_new_string(since));
	json_object_object_add(o, "attempt", json_object_new_int64(up->attempt));
	json_object_object_add(o, "last_error",
			       up->last_error[0] ? json_object_new_string(up->last_error) : NULL);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int unchanged = b->last_upstream_payload && strcmp(b->last_upstream_payload, text) == 0;
	if ((force || !unchanged) && n2m_mqtt_is_online(&b->mqtt)) {
		publish_bridge_topic(b, "upstream", text, strlen(text), 1, 1, 0);
		free(b->last_upstream_payload);
		b->last_upstream_payload = strdup(text);
	}
	json_object_put(o);
}

void bridge_publish_info(struct bridge *b)
{
	struct json_object *o = json_object_new_object();
	char started[32];

	if (!o)
		return;
	bridge_format_utc(b->started, started);
	json_object_object_add(o, "version", json_object_new_string(N2M_VERSION));
	json_object_object_add(o, "started", json_object_new_string(started));
	json_object_object_add(o, "subscriptions", n2m_sub_set_to_json(&b->desired));
	json_object_object_add(o, "config", n2m_config_summary_json(&b->cfg));
	if (b->scale.instance && b->scale.instance[0]) {
		char shard[32];
		snprintf(shard, sizeof shard, "%u/%u", b->scale.shard.k,
			 b->scale.shard.n ? b->scale.shard.n : 1);
		json_object_object_add(o, "instance", json_object_new_string(b->scale.instance));
		json_object_object_add(o, "shard", json_object_new_string(shard));
		json_object_object_add(o, "trackers", json_object_new_int64(
			(int64_t)n2m_tracker_table_count(&b->trackers)));
	}
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	publish_bridge_topic(b, "info", text, strlen(text), 1, 1, 0);
	json_object_put(o);
}

void bridge_publish_event(struct bridge *b, const char *event, struct json_object *fields)
{
	const struct n2m_class_options *opt = &b->cfg.topics.classes[N2M_CLASS_EVENT];
	struct json_object *o = fields ? fields : json_object_new_object();
	char now[32];

	if (!o)
		return;
	bridge_format_utc(time(NULL), now);
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "time", json_object_new_string(now));
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	publish_bridge_topic(b, "event", text, strlen(text), opt->qos, opt->retain, 1);
	json_object_put(o);
}

static void resync_slice(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, sul_resync);
	struct n2m_map_ctx ctx = bridge_map_ctx(b);
	size_t n = n2m_tracker_table_count(&b->trackers);
	size_t end = b->resync_cursor + RESYNC_SLICE;
	char err[160];

	if (!b->resync_active || !n2m_mqtt_is_online(&b->mqtt)) {
		b->resync_active = 0;
		return;
	}
	for (; b->resync_cursor < n && b->resync_cursor < end; b->resync_cursor++) {
		struct n2m_tracker *tr = n2m_tracker_table_at(&b->trackers, b->resync_cursor);
		if (n2m_map_resync(&ctx, tr, &b->pubs, err, sizeof err) != 0)
			b->counters.mapping_errors++;
		bridge_publish_pending(b);
	}
	if (b->resync_cursor < n) {
		lws_sul_schedule(b->lws, 0, &b->sul_resync, resync_slice, 1);
		return;
	}
	b->resync_active = 0;
	n2m_log(&b->log, N2M_LOG_INFO, "bridge.resync_done", "trackers=%zu", n);
}

void bridge_start_resync(struct bridge *b)
{
	b->resync_cursor = 0;
	b->resync_active = 1;
	b->counters.resyncs++;
	lws_sul_schedule(b->lws, 0, &b->sul_resync, resync_slice, 1);
}

void bridge_refresh_stale(struct bridge *b, size_t count)
{
	struct n2m_map_ctx ctx = bridge_map_ctx(b);
	size_t n = n2m_tracker_table_count(&b->trackers);
	char err[160];

	if (!n || !n2m_mqtt_is_online(&b->mqtt))
		return;
	if (count > n)
		count = n;
	/* Removals reorder the table (the last tracker fills the gap), so a
	 * round may look at one tracker twice or miss one; the next round
	 * catches it. */
	for (size_t k = 0; k < count; k++) {
		if (b->stale_cursor >= n)
			b->stale_cursor = 0;
		struct n2m_tracker *tr = n2m_tracker_table_at(&b->trackers, b->stale_cursor++);
		if (n2m_map_stale_refresh(&ctx, tr, &b->pubs, err, sizeof err) != 0)
			b->counters.mapping_errors++;
	}
	bridge_publish_pending(b);
}
