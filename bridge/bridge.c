/*
 * bridge.c - the bridge's lifecycle: building every part around one lws
 * context, the service loop with its periodic tick, clean shutdown and
 * SIGHUP reload (see bridge.h).
 */
#include "bridge_parts.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_control.h"
#include "bridge_plugins.h"
#include "topic.h"

extern char **environ;

#define TICK_US ((lws_usec_t)200 * 1000)  /* signal flags are checked this often */
#define STALE_CHECK_S 5
#define SHUTDOWN_WAIT_MS 2000

/* The lws protocol callback: wake-ups from other threads go to the MQTT
 * queue, everything else to the upstream connection. */
static int bridge_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			       void *in, size_t len)
{
	struct bridge *b = lws_context_user(lws_get_context(wsi));

	if (!b)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		n2m_mqtt_dispatch(&b->mqtt);
		return 0;
	}
	return n2m_upstream_lws_event(&b->upstream, wsi, reason, user, in, len);
}

/* Constant table, not state: lws needs it for the context's lifetime. */
static const struct lws_protocols bridge_protocols[] = {
	{ "navixy-upstream", bridge_lws_callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static int create_lws_context(struct bridge *b, char *err, size_t errlen)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = bridge_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = b;
	info.timeout_secs = (unsigned)b->cfg.navixy.connect_timeout_s;
	if (b->cfg.navixy.ca_file[0])
		info.client_ssl_ca_filepath = b->cfg.navixy.ca_file;
	lws_set_log_level(LLL_ERR, NULL);
	b->lws = lws_create_context(&info);
	if (!b->lws) {
		snprintf(err, errlen, "cannot create the libwebsockets context");
		return -1;
	}
	return 0;
}

static int init_parts(struct bridge *b, char *err, size_t errlen)
{
	const struct n2m_upstream_callbacks up_cb = {
		.prepare = bridge_upstream_prepare,
		.on_open = bridge_upstream_open,
		.on_message = bridge_upstream_message,
		.on_state = bridge_upstream_state,
	};
	const struct n2m_mqtt_callbacks mqtt_cb = {
		.on_connected = bridge_mqtt_connected,
		.on_disconnected = bridge_mqtt_disconnected,
		.on_message = bridge_mqtt_message,
	};

	if (n2m_tracker_table_init(&b->trackers, b->cfg.topics.id_mode) != 0 ||
	    n2m_sub_set_copy(&b->desired, &b->cfg.subscriptions) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (n2m_rest_init(&b->rest, &b->cfg.navixy, &b->log) != 0) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	if (create_lws_context(b, err, errlen) != 0)
		return -1;
	if (n2m_upstream_init(&b->upstream, &b->cfg.navixy, b->lws, &b->log, &up_cb, b, err,
			      errlen) != 0)
		return -1;
	if (n2m_mqtt_init(&b->mqtt, &b->cfg.mqtt, &b->cfg.navixy, &b->log, b->lws, &mqtt_cb, b,
			  err, errlen) != 0)
		return -1;
	char state_topic[512];
	if (bridge_own_topic(b, state_topic, sizeof state_topic, "state") < 0 ||
	    n2m_mqtt_set_state_topic(&b->mqtt, state_topic) != 0) {
		snprintf(err, errlen, "bridge/state topic: too long or out of memory");
		return -1;
	}
	return bridge_plugins_init(b, err, errlen);
}

int bridge_init(struct bridge *b, struct n2m_config *cfg, struct n2m_signal_flags *signals,
		char *err, size_t errlen)
{
	memset(b, 0, sizeof *b);
	b->cfg = *cfg;
	memset(cfg, 0, sizeof *cfg);
	b->signals = signals;
	b->started = time(NULL);
	n2m_log_open(&b->log, b->cfg.log.level, b->cfg.log.syslog, "navixy2mqtt");
	n2m_pub_list_init(&b->pubs);
	n2m_event_queue_init(&b->events, N2M_EVENT_QUEUE_MAX_ITEMS, N2M_EVENT_QUEUE_MAX_BYTES);
	if (bridge_shard_init(b, err, errlen) != 0 || init_parts(b, err, errlen) != 0 ||
	    bridge_standby_init(b, err, errlen) != 0 || bridge_health_init(b, err, errlen) != 0)
		return -1;
	return bridge_control_init(b, err, errlen);
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, sul_tick);
	time_t now = time(NULL);

	if (now >= b->next_stale_check) {
		b->next_stale_check = now + STALE_CHECK_S;
		bridge_refresh_stale(b);
	}
	bridge_shard_tick(b, now);
	bridge_standby_tick(b, now);
	lws_sul_schedule(b->lws, 0, &b->sul_tick, on_tick, TICK_US);
}

static void shutdown_cleanly(struct bridge *b)
{
	size_t len = 0;
	char *unsub = NULL;

	n2m_log(&b->log, N2M_LOG_INFO, "bridge.stopping", "uptime_s=%ld", (long)(time(NULL) - b->started));
	bridge_health_stop(b);
	bridge_control_stop(b);
	lws_sul_cancel(&b->sul_tick);
	lws_sul_cancel(&b->sul_resync);
	if (n2m_upstream_is_connected(&b->upstream))
		unsub = bridge_unsubscribe_message(b, &len);
	if (unsub) {
		if (n2m_upstream_send(&b->upstream, unsub, len) == 0)
			n2m_log(&b->log, N2M_LOG_INFO, "upstream.request", "action=unsubscribe bytes=%zu",
				len);
		free(unsub);
	}
	n2m_upstream_shutdown(&b->upstream);
	/* Let lws write the unsubscribe and the close frame. */
	for (int waited = 0; !n2m_upstream_closed(&b->upstream) && waited < SHUTDOWN_WAIT_MS;
	     waited += 20)
		lws_service(b->lws, 20);
	n2m_mqtt_stop(&b->mqtt, SHUTDOWN_WAIT_MS);
	bridge_log_counters(b);
	n2m_log(&b->log, N2M_LOG_INFO, "bridge.stopped", "frames_in=%llu publishes=%llu",
		(unsigned long long)b->counters.frames_in, (unsigned long long)b->counters.publishes);
}

int bridge_run(struct bridge *b)
{
	n2m_log(&b->log, N2M_LOG_INFO, "bridge.starting", "version=%s mqtt=%s", N2M_VERSION,
		b->mqtt.server_uri);
	if (n2m_mqtt_start(&b->mqtt) != 0) {
		n2m_log(&b->log, N2M_LOG_ERROR, "bridge.thread_failed", "what=mqtt_connector");
		return -1;
	}
	/* A passive hot standby starts upstream only when it takes over. */
	if (!bridge_standby_passive(b))
		n2m_upstream_start(&b->upstream);
	lws_sul_schedule(b->lws, 0, &b->sul_tick, on_tick, TICK_US);
	bridge_health_start(b);
	while (!b->signals->stop) {
		if (lws_service(b->lws, 0) < 0)
			break;
		if (b->signals->reload) {
			b->signals->reload = 0;
			bridge_reload(b);
		}
	}
	shutdown_cleanly(b);
	return 0;
}

/* ---------- reload ---------- */

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
		{ "health.interval_s", o->health.interval_s != n->health.interval_s },
		{ "health.http_listen", differs(o->health.http_listen, n->health.http_listen) },
		{ "health.max_connections", o->health.max_connections != n->health.max_connections },
		{ "health.idle_timeout_s", o->health.idle_timeout_s != n->health.idle_timeout_s },
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i].changed)
			n2m_log(&b->log, N2M_LOG_WARN, "config.restart_needed", "key=%s", keys[i].key);
}

/* New subscriptions: unsubscribe the old set upstream, subscribe the new. */
static void apply_subscriptions(struct bridge *b, const struct n2m_sub_set *wanted)
{
	size_t len = 0;
	char *unsub;

	if (n2m_sub_set_equal(&b->desired, wanted))
		return;
	unsub = n2m_upstream_is_connected(&b->upstream) ? bridge_unsubscribe_message(b, &len) : NULL;
	if (unsub) {
		n2m_upstream_send(&b->upstream, unsub, len);
		free(unsub);
	}
	n2m_sub_set_free(&b->desired);
	if (n2m_sub_set_copy(&b->desired, wanted) != 0)
		n2m_sub_set_init(&b->desired);
	if (n2m_upstream_is_connected(&b->upstream))
		bridge_upstream_open(b);
	bridge_publish_event(b, "subscriptions", n2m_sub_set_to_json(&b->desired));
	n2m_log(&b->log, N2M_LOG_INFO, "config.subscriptions_changed", "connected=%s", n2m_upstream_is_connected(&b->upstream) ? "yes" : "no");
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
	enum n2m_topic_id_mode id_mode = b->cfg.topics.id_mode;
	b->cfg.topics = n.topics;
	b->cfg.topics.id_mode = id_mode;
	b->cfg.navixy.tracker_refresh_min_s = n.navixy.tracker_refresh_min_s;
	b->cfg.navixy.tracker_refresh_s = n.navixy.tracker_refresh_s;
	/* Only a change of the file's subscriptions applies: a SIGHUP for
	 * another setting must not undo what the control plane changed. */
	if (!n2m_sub_set_equal(&b->cfg.subscriptions, &n.subscriptions)) {
		apply_subscriptions(b, &n.subscriptions);
		bridge_control_save(b);
	}
	n2m_sub_set_free(&b->cfg.subscriptions);
	n2m_sub_set_copy(&b->cfg.subscriptions, &n.subscriptions);
	n2m_config_free(&n);
	n2m_log(&b->log, N2M_LOG_INFO, "config.reloaded", "path=%s log_level=%s", b->cfg.source_path,
		n2m_log_level_name(b->cfg.log.level));
	bridge_publish_info(b);
	return 0;
}

void bridge_free(struct bridge *b)
{
	bridge_health_free(b);
	bridge_control_free(b);
	bridge_plugins_free(b);
	n2m_mqtt_free(&b->mqtt);
	if (b->lws) {
		lws_sul_cancel(&b->sul_tick);
		lws_sul_cancel(&b->sul_resync);
	}
	n2m_upstream_free(&b->upstream);
	if (b->lws)
		lws_context_destroy(b->lws);
	n2m_rest_free(&b->rest);
	n2m_tracker_table_free(&b->trackers);
	n2m_sub_set_free(&b->desired);
	n2m_pub_list_free(&b->pubs);
	n2m_event_queue_free(&b->events);
	bridge_shard_free(b);
	bridge_standby_free(b);
	free(b->last_upstream_payload);
	memset(b->hash, 0, sizeof b->hash);
	n2m_config_free(&b->cfg);
	n2m_log_close(&b->log);
}
