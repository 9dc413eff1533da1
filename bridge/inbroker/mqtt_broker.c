/* SPDX-License-Identifier: MIT */
/*
 * mqtt_broker.c - mqtt_client.h implemented with Mosquitto's plugin API, for
 * the in-broker mode (mqtt_broker.h). The core calls the same functions as
 * with Paho and cannot tell which one it was linked with.
 *
 * Differences from the Paho client, and why:
 *  - No connection, no thread, no queue: every call comes from the
 *    broker's thread (the plugin services the core there, inbroker_plugin.c),
 *    so on_message runs straight from MOSQ_EVT_MESSAGE.
 *  - "Connected" is announced once, on the first dispatch after
 *    n2m_mqtt_start (a wake-up of the lws loop), so the core sees the same
 *    order as with Paho: start, then on_connected from the loop.
 *  - Publications always carry MQTT 5 properties when given; the broker
 *    converts for 3.1.1 subscribers. A subscription gets no retained
 *    messages (there is no SUBSCRIBE), only what clients publish from then.
 *  - The connection settings (mqtt.url, client_id, username, TLS, ...) are
 *    not used: mqtt.base_topic is.
 */
#include "mqtt_broker.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log_throttle.h"
#include "topic.h"
#include "topic_filter.h"

int n2m_mqtt_init(struct n2m_mqtt *m, const struct n2m_mqtt_config *cfg,
		  const struct n2m_navixy_config *backoff_cfg, struct n2m_log *log,
		  struct lws_context *lws, const struct n2m_mqtt_callbacks *cb, void *cb_ctx,
		  char *err, size_t errlen)
{
	const char *base = cfg->base_topic && *cfg->base_topic ? cfg->base_topic : "navixy";

	(void)backoff_cfg;
	memset(m, 0, sizeof *m);
	m->log = log;
	m->lws = lws;
	m->cb = *cb;
	m->cb_ctx = cb_ctx;
	m->mqtt_version = 5;
	atomic_init(&m->connected, 0);
	atomic_init(&m->counters.messages_dropped, 0);
	atomic_init(&m->counters.connect_failures, 0);
	m->server_uri = strdup("mosquitto-plugin");
	m->state_topic = malloc(strlen(base) + sizeof "/bridge/state");
	if (m->state_topic)
		sprintf(m->state_topic, "%s/bridge/state", base);
	if (!m->server_uri || !m->state_topic) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int n2m_mqtt_add_subscription(struct n2m_mqtt *m, const char *topic_filter, int qos)
{
	if (m->n_subscriptions >= N2M_MQTT_MAX_SUBSCRIPTIONS)
		return -1;
	char *copy = strdup(topic_filter);
	if (!copy)
		return -1;
	m->subscriptions[m->n_subscriptions] = copy;
	m->subscription_qos[m->n_subscriptions] = qos;
	m->n_subscriptions++;
	return 0;
}

int n2m_mqtt_start(struct n2m_mqtt *m)
{
	m->want_connect = 1;
	atomic_store(&m->connected, 1);
	lws_cancel_service(m->lws); /* on_connected from the loop, as with Paho */
	return 0;
}

void n2m_mqtt_dispatch(struct n2m_mqtt *m)
{
	if (!m->want_connect)
		return;
	m->want_connect = 0;
	m->online = 1;
	m->counters.connects++;
	n2m_log(m->log, N2M_LOG_INFO, "mqtt.connected", "uri=%s protocol=5", m->server_uri);
	const char *presence = m->presence ? m->presence : "online";
	n2m_mqtt_publish(m, m->state_topic, presence, strlen(presence), 1, 1);
	if (m->cb.on_connected)
		m->cb.on_connected(m->cb_ctx);
}

int n2m_mqtt_is_online(const struct n2m_mqtt *m)
{
	return m->online && m->stopping != N2M_BROKER_GONE;
}

/* Owns *props whatever happens (the broker frees them once queued). */
static int send_now(struct n2m_mqtt *m, const char *topic, const void *payload, size_t len,
		    int qos, int retain, mosquitto_property *props)
{
	if (m->stopping == N2M_BROKER_FINAL && m->client) {
		const struct n2m_broker_stop *stop = m->client;
		int rc = stop->queue(NULL, topic, (uint8_t)qos, (uint32_t)len, payload, retain, 0, &props);
		mosquitto_property_free_all(&props);
		/* Stored (and retained) even when nobody is subscribed now. */
		return rc == MOSQ_ERR_NO_SUBSCRIBERS ? MOSQ_ERR_SUCCESS : rc;
	}
	return mosquitto_broker_publish_copy(NULL, topic, (int)len, payload, qos, retain != 0,
					     props);
}

static enum n2m_mqtt_publish_result publish_with(struct n2m_mqtt *m, const char *topic,
						 const void *payload, size_t len, int qos,
						 int retain, mosquitto_property *props)
{
	/* The broker queues whatever a plugin gives it: an illegal name would
	 * go into its retained tree. The same guard as the Paho client's. */
	const char *why = n2m_topic_name_why_illegal(topic, topic ? strlen(topic) : 0);
	if (why) {
		uint64_t n = ++m->counters.illegal_topics;
		m->counters.publish_failures++;
		if (n2m_log_sampled(n))
			n2m_log(m->log, N2M_LOG_WARN, "mqtt.illegal_topic",
				"topic=\"%s\" reason=\"%s\" count=%" PRIu64, topic ? topic : "", why, n);
		mosquitto_property_free_all(&props);
		return N2M_MQTT_FAILED;
	}
	if (!n2m_mqtt_is_online(m)) {
		mosquitto_property_free_all(&props);
		return N2M_MQTT_OFFLINE;
	}
	if (len > (size_t)INT32_MAX || (len > 0 && !payload) ||
	    send_now(m, topic, payload, len, qos, retain, props) != 0) {
		m->counters.publish_failures++;
		n2m_log(m->log, N2M_LOG_DEBUG, "mqtt.publish_failed", "topic=%s", topic);
		return N2M_MQTT_FAILED;
	}
	m->counters.publishes++;
	return N2M_MQTT_OK;
}

enum n2m_mqtt_publish_result n2m_mqtt_publish(struct n2m_mqtt *m, const char *topic,
					      const void *payload, size_t len, int qos,
					      int retain)
{
	return publish_with(m, topic, payload, len, qos, retain, NULL);
}

enum n2m_mqtt_publish_result n2m_mqtt_publish_correlated(struct n2m_mqtt *m, const char *topic,
							 const void *payload, size_t len,
							 int qos, const void *correlation,
							 size_t correlation_len)
{
	mosquitto_property *props = NULL;

	if (correlation && correlation_len > 0 && correlation_len <= UINT16_MAX &&
	    mosquitto_property_add_binary(&props, N2M_MQTT_PROP_CORRELATION_DATA, correlation,
					  (uint16_t)correlation_len) != 0) {
		mosquitto_property_free_all(&props);
		m->counters.publish_failures++;
		return N2M_MQTT_FAILED;
	}
	return publish_with(m, topic, payload, len, qos, 0, props);
}

static int subscribed(const struct n2m_mqtt *m, const char *topic)
{
	for (size_t i = 0; i < m->n_subscriptions; i++)
		if (n2m_topic_filter_match(m->subscriptions[i], topic))
			return 1;
	return 0;
}

void n2m_mqtt_broker_message(struct n2m_mqtt *m, const char *topic, const void *payload,
			     size_t len, const mosquitto_property *properties)
{
	char *response_topic = NULL;
	void *correlation = NULL;
	uint16_t correlation_len = 0;

	if (!m->online || !topic || !subscribed(m, topic))
		return;
	if (properties) {
		mosquitto_property_read_string(properties, N2M_MQTT_PROP_RESPONSE_TOPIC,
					       &response_topic, false);
		mosquitto_property_read_binary(properties, N2M_MQTT_PROP_CORRELATION_DATA,
					       &correlation, &correlation_len, false);
	}
	/* The core reads payloads as text: the broker's copy is terminated
	 * (it allocates one byte more), but that is not part of its API. */
	char *text = malloc(len + 1);
	if (text) {
		struct n2m_mqtt_message msg = {
			.topic = topic, .payload = text, .len = len,
			.response_topic = response_topic && *response_topic ? response_topic : NULL,
			.correlation = correlation, .correlation_len = correlation_len,
		};
		if (len)
			memcpy(text, payload, len);
		text[len] = '\0';
		m->counters.messages_in++;
		if (m->cb.on_message)
			m->cb.on_message(m->cb_ctx, &msg);
		free(text);
	} else {
		atomic_fetch_add(&m->counters.messages_dropped, 1);
	}
	mosquitto_free(response_topic);
	mosquitto_free(correlation);
}

void n2m_mqtt_broker_set_mode(struct n2m_mqtt *m, enum n2m_mqtt_broker_mode mode,
			      const struct n2m_broker_stop *stop)
{
	if (mode == N2M_BROKER_FINAL && !(stop && stop->queue))
		mode = N2M_BROKER_GONE;
	if (mode == N2M_BROKER_FINAL)
		m->client = (void *)stop;
	m->stopping = (int)mode;
}

void n2m_mqtt_set_presence(struct n2m_mqtt *m, const char *presence)
{
	m->presence = presence;
	if (n2m_mqtt_is_online(m))
		n2m_mqtt_publish(m, m->state_topic, presence, strlen(presence), 1, 1);
}

int n2m_mqtt_set_state_topic(struct n2m_mqtt *m, const char *topic)
{
	char *copy = strdup(topic);

	if (!copy)
		return -1;
	free(m->state_topic);
	m->state_topic = copy;
	return 0;
}

void n2m_mqtt_stop(struct n2m_mqtt *m, int timeout_ms)
{
	(void)timeout_ms;
	if (!m->online)
		return;
	int sent = n2m_mqtt_publish(m, m->state_topic, "offline", 7, 1, 1) == N2M_MQTT_OK;
	n2m_log(m->log, N2M_LOG_INFO, "mqtt.stopped", "offline_published=%s", sent ? "yes" : "no");
	m->online = 0;
	atomic_store(&m->connected, 0);
}

void n2m_mqtt_free(struct n2m_mqtt *m)
{
	for (size_t i = 0; i < m->n_subscriptions; i++)
		free(m->subscriptions[i]);
	free(m->server_uri);
	free(m->state_topic);
	memset(m, 0, sizeof *m);
}
