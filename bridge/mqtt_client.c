/*
 * mqtt_client.c - Paho MQTTClient with a connector thread and an event
 * queue into the lws loop (see mqtt_client.h for the threading model).
 */
#include "mqtt_client.h"

#include "backoff.h"
#include "secret.h"

#include <MQTTClient.h>
#include <errno.h>
#include <signal.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum event_kind { EV_CONNECTED, EV_LOST, EV_MESSAGE };

struct n2m_mqtt_event {
	struct n2m_mqtt_event *next;
	enum event_kind kind;
	char *topic;            /* EV_MESSAGE; reason for EV_LOST */
	void *payload;
	size_t len;
	char *response_topic;
	void *correlation;
	size_t correlation_len;
};

/* ---------- small helpers ---------- */

static char *dup_setting(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void free_event(struct n2m_mqtt_event *ev)
{
	if (!ev)
		return;
	free(ev->topic);
	free(ev->payload);
	free(ev->response_topic);
	free(ev->correlation);
	free(ev);
}

/* Paho wants tcp:// or ssl://; the config speaks mqtt:// and mqtts://. */
static char *paho_uri(const char *url, int *use_tls)
{
	const char *rest = url;
	const char *scheme = "tcp://";
	char *out;

	*use_tls = 0;
	/* Paho speaks MQTT over WebSocket itself: pass those through. */
	if (strncmp(url, "ws://", 5) == 0 || strncmp(url, "wss://", 6) == 0) {
		*use_tls = url[2] == 's';
		return strdup(url);
	}
	if (strncmp(url, "mqtts://", 8) == 0) {
		rest = url + 8;
		scheme = "ssl://";
		*use_tls = 1;
	} else if (strncmp(url, "ssl://", 6) == 0) {
		rest = url + 6;
		scheme = "ssl://";
		*use_tls = 1;
	} else if (strncmp(url, "mqtt://", 7) == 0) {
		rest = url + 7;
	} else if (strncmp(url, "tcp://", 6) == 0) {
		rest = url + 6;
	}
	out = malloc(strlen(scheme) + strlen(rest) + 8);
	if (!out)
		return NULL;
	strcpy(out, scheme);
	strcat(out, rest);
	/* A bare host gets the protocol's default port. */
	if (!strchr(rest, ':'))
		strcat(out, *use_tls ? ":8883" : ":1883");
	return out;
}

/* ---------- the queue into the loop ---------- */

/* Appends ev and wakes the loop. Messages beyond the bound are dropped
 * (and counted); connection events always go in. */
static void enqueue(struct n2m_mqtt *m, struct n2m_mqtt_event *ev)
{
	pthread_mutex_lock(&m->lock);
	if (ev->kind == EV_MESSAGE && m->queue_len >= N2M_MQTT_INBOUND_MAX) {
		pthread_mutex_unlock(&m->lock);
		atomic_fetch_add(&m->counters.messages_dropped, 1);
		free_event(ev);
		return;
	}
	if (m->queue_tail)
		m->queue_tail->next = ev;
	else
		m->queue_head = ev;
	m->queue_tail = ev;
	m->queue_len++;
	pthread_mutex_unlock(&m->lock);
	lws_cancel_service(m->lws);
}

static struct n2m_mqtt_event *take_all(struct n2m_mqtt *m)
{
	struct n2m_mqtt_event *head;

	pthread_mutex_lock(&m->lock);
	head = m->queue_head;
	m->queue_head = m->queue_tail = NULL;
	m->queue_len = 0;
	pthread_mutex_unlock(&m->lock);
	return head;
}

/* ---------- Paho callbacks (Paho's thread) ---------- */

static void copy_correlation(struct n2m_mqtt_event *ev, MQTTProperties *props)
{
	MQTTProperty *p;

	p = MQTTProperties_getProperty(props, MQTTPROPERTY_CODE_RESPONSE_TOPIC);
	if (p && p->value.data.len > 0) {
		ev->response_topic = strndup(p->value.data.data, (size_t)p->value.data.len);
	}
	p = MQTTProperties_getProperty(props, MQTTPROPERTY_CODE_CORRELATION_DATA);
	if (p && p->value.data.len > 0) {
		ev->correlation = malloc((size_t)p->value.data.len);
		if (ev->correlation) {
			memcpy(ev->correlation, p->value.data.data, (size_t)p->value.data.len);
			ev->correlation_len = (size_t)p->value.data.len;
		}
	}
}

static int on_paho_message(void *context, char *topic, int topic_len, MQTTClient_message *msg)
{
	struct n2m_mqtt *m = context;
	struct n2m_mqtt_event *ev = calloc(1, sizeof *ev);

	if (ev) {
		ev->kind = EV_MESSAGE;
		ev->topic = topic_len > 0 ? strndup(topic, (size_t)topic_len) : strdup(topic);
		ev->len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
		ev->payload = malloc(ev->len + 1);
		if (ev->payload) {
			memcpy(ev->payload, msg->payload, ev->len);
			((char *)ev->payload)[ev->len] = '\0';
		}
		copy_correlation(ev, &msg->properties);
		if (!ev->topic || !ev->payload) {
			free_event(ev);
			atomic_fetch_add(&m->counters.messages_dropped, 1);
		} else {
			enqueue(m, ev);
		}
	} else {
		atomic_fetch_add(&m->counters.messages_dropped, 1);
	}
	MQTTClient_freeMessage(&msg);
	MQTTClient_free(topic);
	return 1;
}

/* Connection lost (or a server DISCONNECT): tell the loop and the connector. */
static void connection_down(struct n2m_mqtt *m, const char *reason)
{
	struct n2m_mqtt_event *ev = calloc(1, sizeof *ev);

	atomic_store(&m->connected, 0);
	pthread_mutex_lock(&m->lock);
	m->want_connect = 1;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	if (ev) {
		ev->kind = EV_LOST;
		ev->topic = strdup(reason ? reason : "connection lost");
		enqueue(m, ev);
	}
}

static void on_paho_lost(void *context, char *cause)
{
	connection_down(context, cause);
}

static void on_paho_disconnected(void *context, MQTTProperties *props,
				 enum MQTTReasonCodes reason)
{
	(void)props;
	connection_down(context, MQTTReasonCode_toString(reason));
}

/* ---------- connector thread ---------- */

static int subscribe_all(struct n2m_mqtt *m)
{
	for (size_t i = 0; i < m->n_subscriptions; i++) {
		int rc;
		if (m->mqtt_version == MQTTVERSION_5) {
			MQTTResponse r = MQTTClient_subscribe5(m->client, m->subscriptions[i],
							       m->subscription_qos[i], NULL, NULL);
			rc = r.reasonCode >= MQTTREASONCODE_UNSPECIFIED_ERROR ? MQTTCLIENT_FAILURE
									      : MQTTCLIENT_SUCCESS;
			MQTTResponse_free(r);
		} else {
			rc = MQTTClient_subscribe(m->client, m->subscriptions[i],
						  m->subscription_qos[i]);
		}
		if (rc != MQTTCLIENT_SUCCESS) {
			n2m_log(m->log, N2M_LOG_WARN, "mqtt.subscribe_failed", "topic=%s rc=%d",
				m->subscriptions[i], rc);
			return -1;
		}
	}
	return 0;
}

static int connect_once(struct n2m_mqtt *m, char *why, size_t whylen)
{
	MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer;
	MQTTClient_connectOptions opts5 = MQTTClient_connectOptions_initializer5;
	MQTTClient_willOptions will = MQTTClient_willOptions_initializer;
	MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
	int rc;

	if (m->mqtt_version == MQTTVERSION_5)
		opts = opts5;
	else
		opts.MQTTVersion = MQTTVERSION_3_1_1;
	opts.keepAliveInterval = m->keepalive_s;
	opts.connectTimeout = m->connect_timeout_s;
	/* reliable=1 would allow one QoS>0 message in flight at a time. */
	opts.reliable = 0;
	opts.maxInflightMessages = m->max_inflight;
	opts.username = m->username;
	opts.password = m->password;
	will.topicName = m->state_topic;
	will.message = "offline";
	will.retained = 1;
	will.qos = 1;
	opts.will = &will;
	if (m->use_tls) {
		ssl.trustStore = m->ca_file;
		ssl.keyStore = m->cert_file;
		ssl.privateKey = m->key_file;
		ssl.privateKeyPassword = m->key_password;
		ssl.enableServerCertAuth = m->tls_verify;
		ssl.verify = m->tls_verify;
		opts.ssl = &ssl;
	}
	if (m->mqtt_version == MQTTVERSION_5) {
		MQTTResponse r = MQTTClient_connect5(m->client, &opts, NULL, NULL);
		rc = r.reasonCode;
		MQTTResponse_free(r);
	} else {
		rc = MQTTClient_connect(m->client, &opts);
	}
	if (rc != MQTTCLIENT_SUCCESS) {
		snprintf(why, whylen, "%s", rc < 0 ? MQTTClient_strerror(rc)
			 : MQTTReasonCode_toString((enum MQTTReasonCodes)rc));
		return -1;
	}
	if (subscribe_all(m) != 0) {
		snprintf(why, whylen, "subscribe failed");
		MQTTClient_disconnect(m->client, 100);
		return -1;
	}
	return 0;
}

/* Waits up to ms, or until stop is asked. Returns 1 if stopping. */
static int sleep_unless_stopping(struct n2m_mqtt *m, long ms)
{
	struct timespec until;
	int stopping;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->stopping) {
		if (pthread_cond_timedwait(&m->wake, &m->lock, &until) == ETIMEDOUT)
			break;
	}
	stopping = m->stopping;
	pthread_mutex_unlock(&m->lock);
	return stopping;
}

static void *connector_main(void *arg)
{
	struct n2m_mqtt *m = arg;
	unsigned attempt = 0;
	char why[160];
	struct n2m_backoff backoff;

	n2m_backoff_init(&backoff, (uint32_t)m->backoff_min_ms, (uint32_t)m->backoff_max_ms,
			 m->jitter_seed);

	for (;;) {
		pthread_mutex_lock(&m->lock);
		while (!m->stopping && !m->want_connect)
			pthread_cond_wait(&m->wake, &m->lock);
		int stopping = m->stopping;
		m->want_connect = 0;
		pthread_mutex_unlock(&m->lock);
		if (stopping)
			break;

		if (connect_once(m, why, sizeof why) == 0) {
			attempt = 0;
			n2m_backoff_reset(&backoff);
			atomic_store(&m->connected, 1);
			struct n2m_mqtt_event *ev = calloc(1, sizeof *ev);
			if (ev) {
				ev->kind = EV_CONNECTED;
				enqueue(m, ev);
			}
			continue;
		}
		long delay = (long)n2m_backoff_next(&backoff);
		attempt++;
		n2m_log(m->log, attempt == 1 ? N2M_LOG_WARN : N2M_LOG_INFO, "mqtt.connect_failed",
			"uri=%s reason=\"%s\" attempt=%u retry_ms=%ld", m->server_uri, why,
			attempt, delay);
		if (sleep_unless_stopping(m, delay))
			break;
		pthread_mutex_lock(&m->lock);
		m->want_connect = 1;
		pthread_mutex_unlock(&m->lock);
	}
	return NULL;
}

/* ---------- public API ---------- */

static int copy_settings(struct n2m_mqtt *m, const struct n2m_mqtt_config *cfg,
			 const struct n2m_navixy_config *backoff_cfg)
{
	const char *base = cfg->base_topic && *cfg->base_topic ? cfg->base_topic : "navixy";

	m->server_uri = paho_uri(cfg->url && *cfg->url ? cfg->url : "mqtt://127.0.0.1:1883",
				 &m->use_tls);
	m->client_id = strdup(cfg->client_id && *cfg->client_id ? cfg->client_id : "navixy2mqtt");
	m->username = dup_setting(cfg->username);
	m->password = dup_setting(cfg->password);
	m->ca_file = dup_setting(cfg->ca_file);
	m->cert_file = dup_setting(cfg->cert_file);
	m->key_file = dup_setting(cfg->key_file);
	m->key_password = dup_setting(cfg->key_password);
	m->tls_verify = cfg->tls_verify;
	m->mqtt_version = cfg->protocol == 311 ? MQTTVERSION_3_1_1 : MQTTVERSION_5;
	m->keepalive_s = cfg->keepalive_s > 0 ? cfg->keepalive_s : 30;
	m->connect_timeout_s = cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 10;
	m->max_inflight = cfg->max_inflight > 0 ? cfg->max_inflight : 65535;
	m->backoff_min_ms = backoff_cfg && backoff_cfg->backoff_min_ms > 0
		? backoff_cfg->backoff_min_ms : 1000;
	m->backoff_max_ms = backoff_cfg && backoff_cfg->backoff_max_ms >= m->backoff_min_ms
		? backoff_cfg->backoff_max_ms : 120000;
	m->state_topic = malloc(strlen(base) + sizeof "/bridge/state");
	if (m->state_topic)
		sprintf(m->state_topic, "%s/bridge/state", base);
	return m->server_uri && m->client_id && m->state_topic ? 0 : -1;
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

int n2m_mqtt_init(struct n2m_mqtt *m, const struct n2m_mqtt_config *cfg,
		  const struct n2m_navixy_config *backoff_cfg, struct n2m_log *log,
		  struct lws_context *lws, const struct n2m_mqtt_callbacks *cb, void *cb_ctx,
		  char *err, size_t errlen)
{
	MQTTClient_createOptions create = MQTTClient_createOptions_initializer;
	int rc;

	memset(m, 0, sizeof *m);
	m->log = log;
	m->lws = lws;
	m->cb = *cb;
	m->cb_ctx = cb_ctx;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->wake, NULL);
	atomic_init(&m->connected, 0);
	atomic_init(&m->counters.messages_dropped, 0);
	m->jitter_seed = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;
	if (copy_settings(m, cfg, backoff_cfg) != 0) {
		snprintf(err, errlen, "mqtt: out of memory");
		return -1;
	}
	create.MQTTVersion = m->mqtt_version;
	rc = MQTTClient_createWithOptions(&m->client, m->server_uri, m->client_id,
					  MQTTCLIENT_PERSISTENCE_NONE, NULL, &create);
	if (rc != MQTTCLIENT_SUCCESS) {
		snprintf(err, errlen, "mqtt.url: cannot use \"%s\": %s", cfg->url,
			 MQTTClient_strerror(rc));
		m->client = NULL;
		return -1;
	}
	rc = MQTTClient_setCallbacks(m->client, m, on_paho_lost, on_paho_message, NULL);
	if (rc == MQTTCLIENT_SUCCESS && m->mqtt_version == MQTTVERSION_5)
		rc = MQTTClient_setDisconnected(m->client, m, on_paho_disconnected);
	if (rc != MQTTCLIENT_SUCCESS) {
		snprintf(err, errlen, "mqtt: cannot set callbacks: %s", MQTTClient_strerror(rc));
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
	pthread_mutex_lock(&m->lock);
	m->want_connect = 1;
	pthread_mutex_unlock(&m->lock);
	/* The connector and the Paho threads it starts inherit this mask: the
	 * daemon's signals go to the loop thread. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&m->connector, NULL, connector_main, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	m->connector_started = 1;
	return 0;
}

static void dispatch_connected(struct n2m_mqtt *m)
{
	/* A LOST may already be queued behind this one; publishing "online"
	 * then fails harmlessly and the LOST event takes us offline again. */
	m->online = 1;
	m->counters.connects++;
	n2m_log(m->log, N2M_LOG_INFO, "mqtt.connected", "uri=%s protocol=%s", m->server_uri,
		m->mqtt_version == MQTTVERSION_5 ? "5" : "3.1.1");
	const char *presence = m->presence ? m->presence : "online";
	n2m_mqtt_publish(m, m->state_topic, presence, strlen(presence), 1, 1);
	if (m->cb.on_connected)
		m->cb.on_connected(m->cb_ctx);
}

static void dispatch_lost(struct n2m_mqtt *m, const char *reason)
{
	if (!m->online)
		return; /* a second notice for the same loss */
	m->online = 0;
	m->counters.disconnects++;
	n2m_log(m->log, N2M_LOG_WARN, "mqtt.disconnected", "reason=\"%s\"", reason);
	if (m->cb.on_disconnected)
		m->cb.on_disconnected(m->cb_ctx, reason);
}

void n2m_mqtt_dispatch(struct n2m_mqtt *m)
{
	struct n2m_mqtt_event *ev = take_all(m);

	while (ev) {
		struct n2m_mqtt_event *next = ev->next;
		switch (ev->kind) {
		case EV_CONNECTED:
			dispatch_connected(m);
			break;
		case EV_LOST:
			dispatch_lost(m, ev->topic ? ev->topic : "connection lost");
			break;
		case EV_MESSAGE: {
			struct n2m_mqtt_message msg = {
				.topic = ev->topic, .payload = ev->payload, .len = ev->len,
				.response_topic = ev->response_topic,
				.correlation = ev->correlation,
				.correlation_len = ev->correlation_len,
			};
			m->counters.messages_in++;
			if (m->cb.on_message)
				m->cb.on_message(m->cb_ctx, &msg);
			break;
		}
		}
		free_event(ev);
		ev = next;
	}
}

int n2m_mqtt_is_online(const struct n2m_mqtt *m)
{
	return m->online && atomic_load(&((struct n2m_mqtt *)m)->connected);
}

static enum n2m_mqtt_publish_result publish_with(struct n2m_mqtt *m, const char *topic,
						 const void *payload, size_t len, int qos,
						 int retain, MQTTProperties *props)
{
	int rc;

	if (!n2m_mqtt_is_online(m))
		return N2M_MQTT_OFFLINE;
	if (len > (size_t)INT32_MAX) {
		m->counters.publish_failures++;
		return N2M_MQTT_FAILED;
	}
	if (m->mqtt_version == MQTTVERSION_5) {
		MQTTResponse r = MQTTClient_publish5(m->client, topic, (int)len, payload, qos,
						     retain, props, NULL);
		rc = r.reasonCode >= MQTTREASONCODE_UNSPECIFIED_ERROR ? MQTTCLIENT_FAILURE
		     : r.reasonCode < 0 ? r.reasonCode : MQTTCLIENT_SUCCESS;
		MQTTResponse_free(r);
	} else {
		rc = MQTTClient_publish(m->client, topic, (int)len, payload, qos, retain, NULL);
	}
	if (rc != MQTTCLIENT_SUCCESS) {
		m->counters.publish_failures++;
		n2m_log(m->log, N2M_LOG_DEBUG, "mqtt.publish_failed", "topic=%s rc=%d", topic, rc);
		return rc == MQTTCLIENT_DISCONNECTED ? N2M_MQTT_OFFLINE : N2M_MQTT_FAILED;
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
	MQTTProperties props = MQTTProperties_initializer;
	enum n2m_mqtt_publish_result rc;

	if (m->mqtt_version != MQTTVERSION_5 || !correlation || correlation_len == 0)
		return publish_with(m, topic, payload, len, qos, 0, NULL);
	MQTTProperty p = { .identifier = MQTTPROPERTY_CODE_CORRELATION_DATA };
	p.value.data.data = (char *)correlation;
	p.value.data.len = (int)correlation_len;
	MQTTProperties_add(&props, &p);
	rc = publish_with(m, topic, payload, len, qos, 0, &props);
	MQTTProperties_free(&props);
	return rc;
}

static void stop_connector(struct n2m_mqtt *m)
{
	if (!m->connector_started)
		return;
	pthread_mutex_lock(&m->lock);
	m->stopping = 1;
	pthread_cond_broadcast(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->connector, NULL);
	m->connector_started = 0;
}

void n2m_mqtt_stop(struct n2m_mqtt *m, int timeout_ms)
{
	stop_connector(m);
	if (!m->client)
		return;
	if (atomic_load(&m->connected) && MQTTClient_isConnected(m->client)) {
		MQTTClient_deliveryToken token = 0;
		int rc;
		if (m->mqtt_version == MQTTVERSION_5) {
			MQTTResponse r = MQTTClient_publish5(m->client, m->state_topic, 7, "offline",
							     1, 1, NULL, &token);
			rc = r.reasonCode < 0 ? r.reasonCode : MQTTCLIENT_SUCCESS;
			MQTTResponse_free(r);
		} else {
			rc = MQTTClient_publish(m->client, m->state_topic, 7, "offline", 1, 1, &token);
		}
		if (rc == MQTTCLIENT_SUCCESS)
			MQTTClient_waitForCompletion(m->client, token, (unsigned long)timeout_ms);
		if (m->mqtt_version == MQTTVERSION_5)
			MQTTClient_disconnect5(m->client, timeout_ms, MQTTREASONCODE_SUCCESS, NULL);
		else
			MQTTClient_disconnect(m->client, timeout_ms);
		n2m_log(m->log, N2M_LOG_INFO, "mqtt.stopped", "offline_published=%s",
			rc == MQTTCLIENT_SUCCESS ? "yes" : "no");
	}
	atomic_store(&m->connected, 0);
	m->online = 0;
}

void n2m_mqtt_free(struct n2m_mqtt *m)
{
	stop_connector(m);
	if (m->client)
		MQTTClient_destroy(&m->client);
	struct n2m_mqtt_event *ev = take_all(m);
	while (ev) {
		struct n2m_mqtt_event *next = ev->next;
		free_event(ev);
		ev = next;
	}
	for (size_t i = 0; i < m->n_subscriptions; i++)
		free(m->subscriptions[i]);
	free(m->server_uri);
	free(m->client_id);
	free(m->username);
	n2m_secret_free(m->password);
	free(m->ca_file);
	free(m->cert_file);
	free(m->key_file);
	n2m_secret_free(m->key_password);
	free(m->state_topic);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->wake);
	memset(m, 0, sizeof *m);
}
