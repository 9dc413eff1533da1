/* SPDX-License-Identifier: MIT */
/*
 * bridge.c - the bridge's lifecycle: building every part around one lws
 * context, the service loop with its periodic tick and clean shutdown
 * (see bridge.h; SIGHUP reload is bridge_reload.c). What happens while it
 * runs (callbacks, wake-ups, ticks) goes to bridge_dispatch.c.
 */
#include "bridge_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bridge_control.h"
#include "bridge_plugins.h"
#include "secret.h"
#include "topic.h"
#include "url_userinfo.h"

#define TICK_US ((lws_usec_t)200 * 1000)  /* signal flags are checked this often */
#define SHUTDOWN_WAIT_MS 2000

/* The lws protocol callback: wake-ups from other threads go to the MQTT
 * queue and the REST worker's hand-back, everything else to the upstream
 * connection. */
static int bridge_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			       void *in, size_t len)
{
	struct bridge *b = lws_context_user(lws_get_context(wsi));

	if (!b)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		bridge_dispatch_wake(b);
		return 0;
	}
	return n2m_upstream_lws_event(&b->upstream, wsi, reason, user, in, len);
}

/* lws reads every socket of the context (the upstream, the health port's
 * connections) into one buffer of this size, one recv and one callback per
 * fill. What a peer sends is bounded by its own reader, not by this. */
#define LWS_READ_BYTES (256u * 1024u)

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
	/* At lws's default 4 KiB a 100-update frame (~150 KB) took ~40 poll
	 * and recv calls; at 256 KiB it takes one or two. */
	info.pt_serv_buf_size = LWS_READ_BYTES;
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
	if (create_lws_context(b, err, errlen) != 0 || bridge_rest_init(b, err, errlen) != 0)
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

	bridge_dispatch_tick(b, time(NULL));
	lws_sul_schedule(b->lws, 0, &b->sul_tick, on_tick, TICK_US);
}

void bridge_shutdown(struct bridge *b)
{
	size_t len = 0;
	char *unsub = NULL;

	n2m_log(&b->log, N2M_LOG_INFO, "bridge.stopping", "uptime_s=%ld", (long)(time(NULL) - b->started));
	bridge_health_stop(b);
	bridge_control_stop(b);
	bridge_rest_stop(b); /* a REST call in flight ends now */
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

int bridge_start(struct bridge *b)
{
	char mqtt_url[512], api_url[512];
	n2m_redact_url(b->cfg.mqtt.url, mqtt_url, sizeof mqtt_url);
	n2m_redact_url(b->cfg.navixy.api_url, api_url, sizeof api_url);
	n2m_log(&b->log, N2M_LOG_INFO, "bridge.starting", "version=%s mqtt=%s navixy=%s",
		N2M_VERSION, mqtt_url, api_url);
	if (n2m_mqtt_start(&b->mqtt) != 0) {
		n2m_log(&b->log, N2M_LOG_ERROR, "bridge.thread_failed", "what=mqtt_connector");
		return -1;
	}
	/* A passive hot standby starts upstream only when it takes over. */
	if (!bridge_standby_passive(b))
		n2m_upstream_start(&b->upstream);
	lws_sul_schedule(b->lws, 0, &b->sul_tick, on_tick, TICK_US);
	bridge_health_start(b);
	return 0;
}

int bridge_run(struct bridge *b)
{
	if (bridge_start(b) != 0)
		return -1;
	while (!b->signals->stop) {
		if (lws_service(b->lws, 0) < 0)
			break;
		if (b->signals->reload) {
			b->signals->reload = 0;
			bridge_reload(b);
		}
	}
	bridge_shutdown(b);
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
	bridge_rest_free(b);
	if (b->lws)
		lws_context_destroy(b->lws);
	n2m_tracker_table_free(&b->trackers);
	n2m_sub_set_free(&b->desired);
	n2m_pub_list_free(&b->pubs);
	n2m_event_queue_free(&b->events);
	bridge_shard_free(b);
	bridge_standby_free(b);
	free(b->last_upstream_payload);
	n2m_secret_wipe(b->hash, sizeof b->hash);
	n2m_config_free(&b->cfg);
	n2m_log_close(&b->log);
}
