/* SPDX-License-Identifier: MIT */
/*
 * bridge_reload.c - SIGHUP: reloading the config file (see bridge.h).
 *
 * What applies at once: log.level, every topics.<class> retain/qos,
 * topics.stale_after_s and clear_on_unsubscribe, the tracker refresh
 * intervals, and the file's subscriptions. A subscription change behaves
 * like the same change made through the control plane: the same
 * bridge/event notices (source "reload"), the state file saved, and the
 * retained topics of trackers no longer covered cleared when
 * topics.clear_on_unsubscribe. A class whose retain is turned off gets its
 * retained copies cleared, so the broker does not keep serving the last
 * retained payload forever. Everything else is logged as needing a restart.
 */
#include "bridge_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bridge_control.h"
#include "control_apply.h"
#include "sub_diff.h"
#include "topic.h"

extern char **environ;

static int differs(const char *a, const char *c)
{
	return strcmp(a ? a : "", c ? c : "") != 0;
}

/* Logs every changed setting that only a restart applies. */
static void log_restart_needed(struct bridge *b, const struct n2m_config *n)
{
	const struct n2m_config *o = &b->cfg;
	struct { const char *key; int changed; } keys[] = {
		{ "navixy.api_url", differs(o->navixy.api_url, n->navixy.api_url) },
		{ "navixy.ws_url", differs(o->navixy.ws_url, n->navixy.ws_url) },
		{ "navixy.api_key", differs(o->navixy.api_key, n->navixy.api_key) },
		{ "navixy.login", differs(o->navixy.login, n->navixy.login) },
		{ "navixy.password", differs(o->navixy.password, n->navixy.password) },
		{ "navixy.liveness_s", o->navixy.liveness_s != n->navixy.liveness_s },
		{ "navixy.rest_timeout_s", o->navixy.rest_timeout_s != n->navixy.rest_timeout_s },
		{ "navixy.ws_client", differs(o->navixy.ws_client, n->navixy.ws_client) },
		{ "navixy.track_message_size", o->navixy.track_message_size != n->navixy.track_message_size },
		{ "mqtt.url", differs(o->mqtt.url, n->mqtt.url) },
		{ "mqtt.client_id", differs(o->mqtt.client_id, n->mqtt.client_id) },
		{ "mqtt.username", differs(o->mqtt.username, n->mqtt.username) },
		{ "mqtt.password", differs(o->mqtt.password, n->mqtt.password) },
		{ "mqtt.protocol", o->mqtt.protocol != n->mqtt.protocol },
		{ "mqtt.base_topic", differs(o->mqtt.base_topic, n->mqtt.base_topic) },
		{ "bridge.instance", differs(o->bridge.instance, n->bridge.instance) },
		{ "bridge.shard", differs(o->bridge.shard, n->bridge.shard) },
		{ "bridge.standby_for", differs(o->bridge.standby_for, n->bridge.standby_for) },
		{ "bridge.takeover_s", o->bridge.takeover_s != n->bridge.takeover_s },
		{ "topics.id_mode", o->topics.id_mode != n->topics.id_mode },
		{ "log.syslog", o->log.syslog != n->log.syslog },
		{ "process.allow_core_dumps", o->process.allow_core_dumps != n->process.allow_core_dumps },
		{ "health.interval_s", o->health.interval_s != n->health.interval_s },
		{ "health.http_listen", differs(o->health.http_listen, n->health.http_listen) },
		{ "health.max_connections", o->health.max_connections != n->health.max_connections },
		{ "health.idle_timeout_s", o->health.idle_timeout_s != n->health.idle_timeout_s },
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i].changed)
			n2m_log(&b->log, N2M_LOG_WARN, "config.restart_needed", "key=%s", keys[i].key);
}

/* One bridge/event notice per step from `before` to the desired set, in
 * the control plane's shape with source "reload". */
static void announce_steps(struct bridge *b, const struct n2m_sub_set *before)
{
	struct n2m_sub_step steps[N2M_SUB_DIFF_MAX];
	size_t n = 0;

	if (n2m_sub_diff(before, &b->desired, steps, &n) != 0) {
		n2m_log(&b->log, N2M_LOG_ERROR, "config.out_of_memory", "what=subscription_notice");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *fields = json_object_new_object();
		if (!fields)
			break;
		json_object_object_add(fields, "source", json_object_new_string("reload"));
		json_object_object_add(fields, "command", json_object_new_string(
			steps[i].unsubscribe ? "unsubscribe" : "subscribe"));
		json_object_object_add(fields, "type", json_object_new_string(
			n2m_sub_type_name(steps[i].sub.type)));
		json_object_object_add(fields, "trackers", n2m_ctl_trackers_json(&steps[i].sub));
		json_object_object_add(fields, "subscriptions", n2m_sub_set_to_json(&b->desired));
		bridge_publish_event(b, "subscriptions", fields);
	}
	n2m_sub_steps_free(steps, n);
}

/* New subscriptions: unsubscribe the old set upstream, subscribe the new,
 * announce, persist, clear what is no longer covered. */
static void apply_subscriptions(struct bridge *b, const struct n2m_sub_set *wanted)
{
	struct n2m_sub_set before;
	size_t len = 0;
	char *unsub;

	if (n2m_sub_set_equal(&b->desired, wanted) || n2m_sub_set_copy(&before, &b->desired) != 0)
		return;
	unsub = n2m_upstream_is_connected(&b->upstream) ? bridge_unsubscribe_message(b, &len) : NULL;
	int sent = unsub && n2m_upstream_send(&b->upstream, unsub, len) == 0;
	free(unsub);
	n2m_sub_set_free(&b->desired);
	if (n2m_sub_set_copy(&b->desired, wanted) != 0)
		n2m_sub_set_init(&b->desired);
	if (n2m_upstream_is_connected(&b->upstream))
		bridge_subscribe_send(b, NVX_REQ_SUBSCRIBE);
	announce_steps(b, &before);
	bridge_control_save(b);
	bridge_control_reload_clear(b, &before, sent);
	n2m_sub_set_free(&before);
	n2m_log(&b->log, N2M_LOG_INFO, "config.subscriptions_changed", "connected=%s",
		n2m_upstream_is_connected(&b->upstream) ? "yes" : "no");
}

/* One empty retained payload on topic (queued while the broker is away). */
static void clear_topic(struct bridge *b, const char *topic, int qos)
{
	if (bridge_send(b, topic, "", 0, qos, 1) == N2M_MQTT_OFFLINE)
		bridge_queue_event(b, topic, "", 0, qos, 1, 1);
}

/* Empty retained payloads on class cls of every tracker; forgets what the
 * table remembers as published for it, so turning retain on again
 * publishes the next payload. Returns how many topics were cleared. */
static size_t clear_tracker_class(struct bridge *b, enum n2m_topic_class cls, int qos)
{
	const char *suffix = n2m_topic_class_suffix(cls);
	char topic[512];
	size_t cleared = 0;

	for (size_t i = 0; i < n2m_tracker_table_count(&b->trackers); i++) {
		struct n2m_tracker *tr = n2m_tracker_table_at(&b->trackers, i);
		if (n2m_topic_tracker(topic, sizeof topic, b->cfg.mqtt.base_topic, tr->topic_id,
				      suffix) < 0)
			continue;
		clear_topic(b, topic, qos);
		memset(&tr->marks[cls], 0, sizeof tr->marks[cls]);
		cleared++;
	}
	return cleared;
}

/* Classes whose retain the reload turned off: the broker would otherwise
 * keep serving their last retained payloads to every new subscriber. */
static void clear_unretained(struct bridge *b, const struct n2m_topics_config *old)
{
	char topic[512];

	for (int c = 0; c < N2M_CLASS_COUNT; c++) {
		enum n2m_topic_class cls = (enum n2m_topic_class)c;
		const struct n2m_class_options *now = &b->cfg.topics.classes[cls];
		size_t cleared = 0;
		if (!old->classes[cls].retain || now->retain)
			continue;
		if (cls != N2M_CLASS_EVENT) {
			cleared = clear_tracker_class(b, cls, now->qos);
		} else if (bridge_own_topic(b, topic, sizeof topic, "event") >= 0) {
			clear_topic(b, topic, now->qos);
			cleared = 1;
		}
		n2m_log(&b->log, N2M_LOG_INFO, "config.retain_off", "class=%s cleared=%zu",
			n2m_topic_class_suffix(cls), cleared);
	}
}

int bridge_reload(struct bridge *b)
{
	struct n2m_config n;
	char err[512];

	if (!b->cfg.source_path) {
		n2m_log(&b->log, N2M_LOG_INFO, "config.reload_skipped", "reason=no_config_file");
		return 0;
	}
	if (n2m_config_load(&n, b->cfg.source_path, environ, err, sizeof err) != 0) {
		n2m_log(&b->log, N2M_LOG_ERROR, "config.reload_failed", "error=\"%s\"", err);
		n2m_config_free(&n);
		return -1;
	}
	log_restart_needed(b, &n);
	n2m_log_set_level(&b->log, n.log.level);
	b->cfg.log.level = n.log.level;
	/* Retain/QoS per class and stale_after apply from the next publication;
	 * id_mode stays (the tracker table is keyed by it). */
	struct n2m_topics_config old_topics = b->cfg.topics;
	b->cfg.topics = n.topics;
	b->cfg.topics.id_mode = old_topics.id_mode;
	clear_unretained(b, &old_topics);
	b->cfg.navixy.tracker_refresh_min_s = n.navixy.tracker_refresh_min_s;
	b->cfg.navixy.tracker_refresh_s = n.navixy.tracker_refresh_s;
	b->cfg.navixy.max_fallback_bytes = n.navixy.max_fallback_bytes;
	/* Only a change of the file's subscriptions applies: a SIGHUP for
	 * another setting must not undo what the control plane changed. */
	if (!n2m_sub_set_equal(&b->cfg.subscriptions, &n.subscriptions))
		apply_subscriptions(b, &n.subscriptions);
	n2m_sub_set_free(&b->cfg.subscriptions);
	n2m_sub_set_copy(&b->cfg.subscriptions, &n.subscriptions);
	n2m_config_free(&n);
	n2m_log(&b->log, N2M_LOG_INFO, "config.reloaded", "path=%s log_level=%s", b->cfg.source_path,
		n2m_log_level_name(b->cfg.log.level));
	bridge_publish_info(b);
	return 0;
}
