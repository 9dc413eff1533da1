/* SPDX-License-Identifier: MIT */
/*
 * mqtt_client.c - Paho MQTTClient with a connector thread and an event
 * queue into the lws loop (see mqtt_client.h for the threading model).
 */
#include "mqtt_client.h"

#include "backoff.h"
#include "mqtt_diagnose.h"
#include "secret.h"
#include "topic.h"
#include "url_userinfo.h"

#include <MQTTClient.h>
#include <errno.h>
#include <inttypes.h>
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
	size_t bytes;           /* what it counts against N2M_MQTT_INBOUND_MAX_BYTES */
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

/* Under m->lock: true if a message of `bytes` must be dropped. */
static int queue_full(const struct n2m_mqtt *m, size_t bytes)
{
	if (m->queue_len == 0)
		return 0;
	return m->queue_len >= N2M_MQTT_INBOUND_MAX ||
	       bytes > N2M_MQTT_INBOUND_MAX_BYTES - m->queue_bytes;
}

/* Appends ev and wakes the loop. Messages beyond the bounds are dropped
 * (and counted); connection events always go in. */
static void enqueue(struct n2m_mqtt *m, struct n2m_mqtt_event *ev)
{
	pthread_mutex_lock(&m->lock);
	if (ev->kind == EV_MESSAGE && queue_full(m, ev->bytes)) {
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
	m->queue_bytes += ev->bytes;
	pthread_mutex_unlock(&m->lock);
	lws_cancel_service(m->lws);
}

/* The oldest event, or NULL; *more says whether others wait behind it. */
static struct n2m_mqtt_event *take_one(struct n2m_mqtt *m, int *more)
{
	struct n2m_mqtt_event *ev;

	pthread_mutex_lock(&m->lock);
	ev = m->queue_head;
	if (ev) {
		m->queue_head = ev->next;
		if (!m->queue_head)
			m->queue_tail = NULL;
		m->queue_len--;
		m->queue_bytes -= ev->bytes;
		ev->next = NULL;
	}
	*more = m->queue_head != NULL;
	pthread_mutex_unlock(&m->lock);
	return ev;
}

static struct n2m_mqtt_event *take_all(struct n2m_mqtt *m)
{
	struct n2m_mqtt_event *head;

	pthread_mutex_lock(&m->lock);
	head = m->queue_head;
	m->queue_head = m->queue_tail = NULL;
	m->queue_len = 0;
	m->queue_bytes = 0;
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
		ev->bytes = sizeof *ev + (size_t)(topic_len > 0 ? topic_len : 0) + ev->len +
			    (ev->response_topic ? strlen(ev->response_topic) : 0) +
			    ev->correlation_len;
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

static void fill_connect_options(struct n2m_mqtt *m, MQTTClient_connectOptions *opts,
				 MQTTClient_willOptions *will, MQTTClient_SSLOptions *ssl)
{
	opts->keepAliveInterval = m->keepalive_s;
	opts->connectTimeout = m->connect_timeout_s;
	/* reliable=1 would allow one QoS>0 message in flight at a time. */
	opts->reliable = 0;
	opts->maxInflightMessages = m->max_inflight;
	opts->username = m->username;
	opts->password = m->password;
	will->topicName = m->state_topic;
	will->message = "offline";
	will->retained = 1;
	will->qos = 1;
	opts->will = will;
	if (m->use_tls) {
		ssl->trustStore = m->ca_file;
		ssl->keyStore = m->cert_file;
		ssl->privateKey = m->key_file;
		ssl->privateKeyPassword = m->key_password;
		ssl->enableServerCertAuth = m->tls_verify;
		ssl->verify = m->tls_verify;
		opts->ssl = ssl;
	}
}

/* Why rc (a failed connect) happened: the broker's refusal, or for a
 * transport failure what the probe finds (mqtt_diagnose.h). */
static void explain_failure(struct n2m_mqtt *m, int rc, char *why, size_t whylen)
{
	struct n2m_mqtt_probe_target t = {
		.tls = m->use_tls, .tls_verify = m->tls_verify, .ca_file = m->ca_file,
		.cert_file = m->cert_file, .key_file = m->key_file,
		.key_password = m->key_password, .timeout_s = m->connect_timeout_s,
	};
	char host[256], paho[300];

	n2m_mqtt_connect_text(m->mqtt_version == MQTTVERSION_5, rc, paho, sizeof paho);
	if (n2m_mqtt_connect_refused(rc) || rc != MQTTCLIENT_FAILURE) {
		snprintf(why, whylen, "%s", paho);
		return;
	}
	t.host = host;
	if (n2m_mqtt_uri_host_port(m->server_uri, host, sizeof host, &t.port) == 0 &&
	    n2m_mqtt_probe(&t, why, whylen) != 0)
		return;
	snprintf(why, whylen, "the broker took the %s connection but no MQTT session came up "
		 "within mqtt.connect_timeout_s (it closed the connection or sent no CONNACK; "
		 "see the broker's log)", m->use_tls ? "TLS" : "TCP");
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
	fill_connect_options(m, &opts, &will, &ssl);
	if (m->mqtt_version == MQTTVERSION_5) {
		MQTTResponse r = MQTTClient_connect5(m->client, &opts, NULL, NULL);
		rc = r.reasonCode;
		MQTTResponse_free(r);
	} else {
		rc = MQTTClient_connect(m->client, &opts);
	}
	if (rc != MQTTCLIENT_SUCCESS) {
		explain_failure(m, rc, why, whylen);
		return -1;
	}
	if (subscribe_all(m) != 0) {
		snprintf(why, whylen, "connected, but a subscription was refused (see "
			 "mqtt.subscribe_failed)");
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
	char why[512];
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
		atomic_fetch_add(&m->counters.connect_failures, 1);
		char quoted[600];
		n2m_log(m->log, attempt == 1 ? N2M_LOG_WARN : N2M_LOG_INFO, "mqtt.connect_failed",
			"uri=%s reason=%s attempt=%u retry_ms=%ld", m->server_uri,
			n2m_log_quote(quoted, sizeof quoted, why), attempt, delay);
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

	struct n2m_url_parts url;

	/* user:password@ of the URL goes into the CONNECT; the config
	 * checked it does not clash with mqtt.username/password. */
	if (n2m_url_split(cfg->url && *cfg->url ? cfg->url : "mqtt://127.0.0.1:1883", &url) !=
	    N2M_URL_OK) {
		n2m_url_parts_free(&url);
		return -1;
	}
	m->server_uri = paho_uri(url.stripped, &m->use_tls);
	m->client_id = strdup(cfg->client_id && *cfg->client_id ? cfg->client_id : "navixy2mqtt");
	m->username = dup_setting(url.user ? url.user : cfg->username);
	m->password = dup_setting(url.password ? url.password : cfg->password);
	n2m_url_parts_free(&url);
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
	atomic_init(&m->counters.connect_failures, 0);
	m->jitter_seed = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;
	if (copy_settings(m, cfg, backoff_cfg) != 0) {
		snprintf(err, errlen, "mqtt.url: bad user:password@, or out of memory");
		return -1;
	}
	create.MQTTVersion = m->mqtt_version;
	rc = MQTTClient_createWithOptions(&m->client, m->server_uri, m->client_id,
					  MQTTCLIENT_PERSISTENCE_NONE, NULL, &create);
	if (rc != MQTTCLIENT_SUCCESS) {
		char shown[300], paho[120];
		n2m_redact_url(cfg->url, shown, sizeof shown);
		snprintf(err, errlen, "mqtt.url: cannot use \"%s\": %s", shown,
			 n2m_mqtt_connect_text(m->mqtt_version == MQTTVERSION_5, rc, paho,
					       sizeof paho));
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

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Once per N2M_MQTT_DROP_LOG_MS at most, however many were dropped. */
static void log_drops(struct n2m_mqtt *m, int64_t now_us)
{
	uint64_t total = atomic_load(&m->counters.messages_dropped);
	uint64_t n = n2m_log_throttle_total(&m->drop_gate, total, &m->drops_logged,
					    (uint64_t)(now_us / 1000), N2M_MQTT_DROP_LOG_MS);

	if (n)
		n2m_log(m->log, N2M_LOG_WARN, "mqtt.inbound_dropped",
			"dropped=%llu total=%llu max_messages=%u max_bytes=%u",
			(unsigned long long)n, (unsigned long long)total,
			(unsigned)N2M_MQTT_INBOUND_MAX, (unsigned)N2M_MQTT_INBOUND_MAX_BYTES);
}

static void dispatch_one(struct n2m_mqtt *m, struct n2m_mqtt_event *ev)
{
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
}

static void dispatch_more(lws_sorted_usec_list_t *sul)
{
	n2m_mqtt_dispatch(lws_container_of(sul, struct n2m_mqtt, sul_more));
}

void n2m_mqtt_dispatch(struct n2m_mqtt *m)
{
	int64_t start = mono_us(), now = start;
	int more = 0;

	for (int n = 0; n < N2M_MQTT_DISPATCH_MAX; n++) {
		struct n2m_mqtt_event *ev = take_one(m, &more);
		if (!ev)
			break;
		dispatch_one(m, ev);
		free_event(ev);
		now = mono_us();
		if (now - start >= N2M_MQTT_DISPATCH_MAX_US)
			break;
	}
	log_drops(m, now);
	/* The rest after the loop's other work (upstream frames, timers). A
	 * timer, not lws_cancel_service: the loop drains the wake-up pipe
	 * after this callback, which would swallow a wake-up sent from here,
	 * and a full queue sends none (drops do not wake). */
	if (more)
		lws_sul_schedule(m->lws, 0, &m->sul_more, dispatch_more, 1);
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

	/* The last guard of the one topic rule (topic.h): Mosquitto drops the
	 * connection of a client that publishes an illegal name, and the
	 * resync after the reconnect would send it again, in a loop. Checked
	 * first: such a publication is never sendable, online or not. */
	const char *why = n2m_topic_name_why_illegal(topic, topic ? strlen(topic) : 0);
	if (why) {
		uint64_t n = ++m->counters.illegal_topics;
		m->counters.publish_failures++;
		if (n2m_log_sampled(n))
			n2m_log(m->log, N2M_LOG_WARN, "mqtt.illegal_topic",
				"topic=\"%s\" reason=\"%s\" count=%" PRIu64, topic ? topic : "", why, n);
		return N2M_MQTT_FAILED;
	}
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
	if (m->lws)
		lws_sul_cancel(&m->sul_more);
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
