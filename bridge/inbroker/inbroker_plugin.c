/* SPDX-License-Identifier: MIT */
/*
 * inbroker_plugin.c - navixy2mqtt as a Mosquitto 2.0 plugin (plugin API 5):
 * the front door of navixy2mqtt_mosquitto.so, as main.c is the daemon's.
 *
 *   plugin /usr/lib/navixy2mqtt/navixy2mqtt_mosquitto.so
 *   plugin_opt_config /etc/navixy2mqtt/navixy2mqtt.conf
 *
 * The same core as the daemon, linked with mqtt_broker.c instead of the
 * Paho client (docs/in-broker.md).
 *
 * Threads: everything runs on the broker's thread. Mosquitto 2.0's
 * mosquitto_broker_publish appends to a list without a lock, so no other
 * thread may publish; the alternative, the core on its own thread handing
 * publications over through a queue drained on the tick, would cost a copy
 * and a lock per publication and still wait for the same tick. So the lws
 * context is serviced without blocking from MOSQ_EVT_TICK, which the broker
 * sends once per turn of its loop: at once when clients are busy, after at
 * most ~100 ms (its epoll timeout) when the broker is idle. That bounds the
 * added latency (bench/README.md has measurements); the plugin API has no
 * way to wake the broker's loop, and the signals it handles all mean
 * something else. The REST worker (rest_worker.c) is the only thread the
 * core starts; it blocks every signal. The plugin installs no signal
 * handler: SIGHUP reaches it as MOSQ_EVT_RELOAD, SIGTERM as the end of
 * the loop (broker_stop.h).
 */
#include <curl/curl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include "bridge.h"
#include "broker_stop.h"
#include "config.h"
#include "lws_isolate.h"
#include "mosq_abi.h"
#include "mqtt_broker.h"

extern char **environ;

/* One tick services the upstream socket again while it has data, for at
 * most this long: the broker's own clients wait meanwhile, and an idle
 * broker ticks only every ~100 ms, so the budget is also the plugin's
 * share of the time under a backlog (10 ms capped it at ~2,700 updates/s
 * here, 50 ms at what the machine could do; bench/README.md). */
#define SERVICE_BUDGET_US 50000
#define SERVICE_MAX_ROUNDS 4096

struct inbroker {
	mosquitto_plugin_id_t *id;
	struct bridge *b;
	struct n2m_signal_flags flags; /* never set by a handler: the broker owns signals */
	struct n2m_broker_stop stop;
	int started;
	int shut_down;
};

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* True if the upstream socket has bytes waiting. lws reads a socket in
 * pt_serv_buf_size pieces (LWS_READ_BYTES in core/bridge.c) and its
 * WebSocket client calls back only per rx_buffer_size (64 KiB) of a long
 * message, so neither the callbacks nor lws's own "pending" say that
 * another read would find data. */
static int upstream_readable(struct bridge *b)
{
	struct pollfd pfd = { .fd = -1, .events = POLLIN };

	if (!b->upstream.wsi)
		return 0;
	pfd.fd = lws_get_socket_fd(b->upstream.wsi);
	return pfd.fd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

/* Services the lws context without blocking, again while the upstream
 * socket has more to read or lws has buffered input (TLS records, a
 * buflist), within the budget: a snapshot is megabytes. */
static void service(struct bridge *b)
{
	int64_t start = mono_us();

	for (int round = 0; round < SERVICE_MAX_ROUNDS; round++) {
		if (lws_service(b->lws, -1) < 0)
			return;
		if (mono_us() - start >= SERVICE_BUDGET_US)
			return;
		if (lws_service_adjust_timeout(b->lws, 1, 0) != 0 && !upstream_readable(b))
			return;
	}
}

static void shut_down(struct inbroker *p, enum n2m_mqtt_broker_mode mode)
{
	if (p->shut_down || !p->started)
		return;
	p->shut_down = 1;
	n2m_mqtt_broker_set_mode(&p->b->mqtt, mode, &p->stop);
	bridge_shutdown(p->b);
}

static int on_tick(int event, void *event_data, void *userdata)
{
	struct inbroker *p = userdata;

	(void)event;
	(void)event_data;
	if (p->shut_down)
		return MOSQ_ERR_SUCCESS;
	if (!n2m_broker_stopping(&p->stop))
		service(p->b);
	/* Checked again after servicing: a signal taken meanwhile (the poll
	 * calls in service() are where it lands while the plugin is busy)
	 * also makes this the loop's last turn, the last chance for `offline`. */
	if (n2m_broker_stopping(&p->stop))
		shut_down(p, N2M_BROKER_FINAL);
	return MOSQ_ERR_SUCCESS;
}

static int on_message(int event, void *event_data, void *userdata)
{
	struct inbroker *p = userdata;
	struct mosquitto_evt_message *ev = event_data;

	(void)event;
	if (!p->shut_down)
		n2m_mqtt_broker_message(&p->b->mqtt, ev->topic, ev->payload, ev->payloadlen,
					ev->properties);
	return MOSQ_ERR_SUCCESS;
}

static int on_reload(int event, void *event_data, void *userdata)
{
	struct inbroker *p = userdata;

	(void)event;
	(void)event_data;
	if (!p->shut_down)
		bridge_reload(p->b);
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for (int i = 0; i < supported_version_count; i++)
		if (supported_versions[i] == 5)
			return 5;
	return -1;
}

static const char *option(const struct mosquitto_opt *opts, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (opts[i].key && strcmp(opts[i].key, key) == 0)
			return opts[i].value;
	return NULL;
}

/* The config as the daemon reads it: the file (plugin_opt_config, else
 * $NAVIXY2MQTT_CONFIG), NAVIXY2MQTT_* overrides and *_FILE secrets. */
static int load_config(const struct mosquitto_opt *opts, int n, struct n2m_config *cfg)
{
	const char *path = option(opts, n, "config");
	char err[512];

	if (!path || !*path)
		path = getenv(N2M_CONFIG_PATH_ENV);
	memset(cfg, 0, sizeof *cfg);
	if (n2m_config_load(cfg, path && *path ? path : NULL, environ, err, sizeof err) != 0) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "navixy2mqtt: invalid configuration: %s", err);
		n2m_config_free(cfg);
		return -1;
	}
	return 0;
}

static int register_callbacks(struct inbroker *p)
{
	if (mosquitto_callback_register(p->id, MOSQ_EVT_TICK, on_tick, NULL, p) != 0 ||
	    mosquitto_callback_register(p->id, MOSQ_EVT_MESSAGE, on_message, NULL, p) != 0 ||
	    mosquitto_callback_register(p->id, MOSQ_EVT_RELOAD, on_reload, NULL, p) != 0)
		return -1;
	return 0;
}

static void unregister_callbacks(struct inbroker *p)
{
	mosquitto_callback_unregister(p->id, MOSQ_EVT_TICK, on_tick, NULL);
	mosquitto_callback_unregister(p->id, MOSQ_EVT_MESSAGE, on_message, NULL);
	mosquitto_callback_unregister(p->id, MOSQ_EVT_RELOAD, on_reload, NULL);
}

static void destroy(struct inbroker *p)
{
	if (p->b) {
		bridge_free(p->b);
		free(p->b);
	}
	free(p);
	curl_global_cleanup();
}

static int start(struct inbroker *p, struct n2m_config *cfg)
{
	char err[512];

	if (bridge_init(p->b, cfg, &p->flags, err, sizeof err) != 0) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "navixy2mqtt: %s", err);
		return -1;
	}
	if (n2m_broker_stop_init(&p->stop) != 0)
		mosquitto_log_printf(MOSQ_LOG_WARNING, "navixy2mqtt: this broker does not export "
				     "run/db__messages_easy_queue: bridge/state stays \"online\" "
				     "after it stops (docs/in-broker.md)");
	if (register_callbacks(p) != 0) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "navixy2mqtt: cannot register callbacks");
		return -1;
	}
	if (bridge_start(p->b) != 0)
		return -1;
	p->started = 1;
	return 0;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
			  struct mosquitto_opt *options, int option_count)
{
	struct inbroker *p = calloc(1, sizeof *p);
	struct n2m_config cfg;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!p || !(p->b = calloc(1, sizeof *p->b))) {
		free(p);
		curl_global_cleanup();
		return MOSQ_ERR_NOMEM;
	}
	p->id = identifier;
	char err[512];
	if (n2m_lws_isolate_open(err, sizeof err) != 0) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "navixy2mqtt: %s", err);
		destroy(p);
		return MOSQ_ERR_UNKNOWN;
	}
	if (load_config(options, option_count, &cfg) != 0) {
		destroy(p);
		return MOSQ_ERR_INVAL;
	}
	if (start(p, &cfg) != 0) {
		n2m_config_free(&cfg);
		unregister_callbacks(p);
		destroy(p);
		return MOSQ_ERR_UNKNOWN;
	}
	mosquitto_log_printf(MOSQ_LOG_INFO, "navixy2mqtt: loaded (%s)", N2M_VERSION);
	*userdata = p;
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	struct inbroker *p = userdata;

	(void)options;
	(void)option_count;
	if (!p)
		return MOSQ_ERR_SUCCESS;
	/* Missed the loop's last turn: close upstream, nothing can be published. */
	shut_down(p, N2M_BROKER_GONE);
	unregister_callbacks(p);
	destroy(p);
	return MOSQ_ERR_SUCCESS;
}
