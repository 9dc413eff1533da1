/* SPDX-License-Identifier: MIT */
/*
 * mqtt_client.h - the bridge's MQTT connection: Eclipse Paho MQTT C (the
 * synchronous MQTTClient in multi-threaded mode), driven from the lws loop.
 *
 * Why the synchronous client: a QoS 0 MQTTClient_publish costs ~2.7 us of
 * CPU against ~7 us for MQTTAsync, and it is made directly from the loop
 * thread, so nothing piles up in an unbounded library queue (bench/README.md).
 *
 * Threads. MQTTClient_connect blocks, so (re)connects run on a small
 * connector thread with back-off. Paho delivers received messages and
 * connection loss on its own thread. Both hand events to the loop through
 * a mutex-protected, bounded queue and wake it with lws_cancel_service();
 * the loop calls n2m_mqtt_dispatch() on LWS_CALLBACK_EVENT_WAIT_CANCELLED,
 * and every callback below runs on the loop thread.
 *
 * Session. Clean session / clean start: subscriptions are made again after
 * every connect (on the connector thread, before the loop hears of it).
 * The last will is "offline" retained on <base>/bridge/state; "online"
 * retained is published after every connect, then on_connected() runs so
 * the bridge can republish its retained tree.
 */
#ifndef N2M_MQTT_CLIENT_H
#define N2M_MQTT_CLIENT_H

#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "log.h"
#include "log_throttle.h"

/* Inbound messages waiting for the loop, bounded in count and in bytes
 * (topic + payload + MQTT 5 properties); more are dropped, counted and
 * logged at most once per N2M_MQTT_DROP_LOG_MS. A message always fits an
 * empty queue, so one request up to control.max_request_bytes still gets
 * its answer. */
#define N2M_MQTT_INBOUND_MAX 4096
#define N2M_MQTT_INBOUND_MAX_BYTES (16u * 1024u * 1024u)
#define N2M_MQTT_DROP_LOG_MS 10000
/* One dispatch handles at most this many messages or this long, then
 * wakes the loop again, so upstream frames and publishing interleave
 * with a flood of requests. */
#define N2M_MQTT_DISPATCH_MAX 64
#define N2M_MQTT_DISPATCH_MAX_US 2000
#define N2M_MQTT_MAX_SUBSCRIPTIONS 16

/* One received message, valid during the on_message callback. */
struct n2m_mqtt_message {
	const char *topic;
	const void *payload;
	size_t len;
	const char *response_topic;  /* MQTT 5 response_topic, or NULL */
	const void *correlation;     /* MQTT 5 correlation_data, or NULL */
	size_t correlation_len;
};

struct n2m_mqtt_callbacks {
	void (*on_connected)(void *ctx);
	void (*on_disconnected)(void *ctx, const char *reason);
	void (*on_message)(void *ctx, const struct n2m_mqtt_message *msg);
};

enum n2m_mqtt_publish_result {
	N2M_MQTT_OK = 0,
	N2M_MQTT_OFFLINE = -1, /* not connected: nothing was sent */
	N2M_MQTT_FAILED = -2,  /* Paho refused it (e.g. too many in flight) */
};

struct n2m_mqtt_counters {
	uint64_t connects;
	atomic_ullong connect_failures; /* failed attempts; connector thread */
	uint64_t disconnects;
	uint64_t publishes;
	uint64_t publish_failures;
	uint64_t illegal_topics;        /* publishes refused by n2m_topic_name_is_legal */
	uint64_t messages_in;
	atomic_ullong messages_dropped; /* inbound queue full; Paho thread */
};

struct n2m_mqtt_event;

struct n2m_mqtt {
	void *client;                  /* MQTTClient */
	struct n2m_log *log;
	struct lws_context *lws;
	struct n2m_mqtt_callbacks cb;
	void *cb_ctx;

	/* Copied settings: the connector thread reads them. */
	char *server_uri;
	char *client_id;
	char *username;
	char *password;
	char *ca_file;
	char *cert_file;
	char *key_file;
	char *key_password;
	int use_tls;
	int tls_verify;
	int mqtt_version;              /* MQTTVERSION_5 or MQTTVERSION_3_1_1 */
	int keepalive_s;
	int connect_timeout_s;
	int max_inflight;
	int backoff_min_ms;
	int backoff_max_ms;
	char *state_topic;             /* <base>/bridge/state */

	char *subscriptions[N2M_MQTT_MAX_SUBSCRIPTIONS];
	int subscription_qos[N2M_MQTT_MAX_SUBSCRIPTIONS];
	size_t n_subscriptions;

	/* Shared between threads, guarded by lock. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct n2m_mqtt_event *queue_head;
	struct n2m_mqtt_event *queue_tail;
	size_t queue_len;
	size_t queue_bytes;
	int want_connect;
	int stopping;
	atomic_int connected;          /* Paho session is up */
	pthread_t connector;
	int connector_started;
	uint64_t jitter_seed;          /* for the connector's back-off */

	/* Loop thread only. */
	int online;                    /* the loop has seen CONNECTED, not yet LOST */
	const char *presence;          /* static text published on connect; NULL = "online" */
	lws_sorted_usec_list_t sul_more; /* the rest of a dispatch over budget */
	struct n2m_log_throttle drop_gate; /* mqtt.inbound_dropped lines */
	uint64_t drops_logged;         /* messages_dropped at the last line */
	struct n2m_mqtt_counters counters;
};

/* Copies what it needs from cfg. base_topic is cfg->base_topic. Does not
 * connect. Returns 0 or -1 with err. */
int n2m_mqtt_init(struct n2m_mqtt *m, const struct n2m_mqtt_config *cfg,
		  const struct n2m_navixy_config *backoff_cfg, struct n2m_log *log,
		  struct lws_context *lws, const struct n2m_mqtt_callbacks *cb, void *cb_ctx,
		  char *err, size_t errlen);

/* Topics (re)subscribed after every connect; call before n2m_mqtt_start. */
int n2m_mqtt_add_subscription(struct n2m_mqtt *m, const char *topic_filter, int qos);

/* Starts the connector thread, which connects and keeps reconnecting. */
int n2m_mqtt_start(struct n2m_mqtt *m);

/* Loop thread: runs the queued events' callbacks, at most
 * N2M_MQTT_DISPATCH_MAX messages or N2M_MQTT_DISPATCH_MAX_US per call;
 * when more wait, a zero-delay loop timer calls it again after the loop
 * has serviced its sockets. */
void n2m_mqtt_dispatch(struct n2m_mqtt *m);

/* Loop thread: true between on_connected and on_disconnected. */
int n2m_mqtt_is_online(const struct n2m_mqtt *m);

/* Loop thread. Publishes now (QoS 0 is written to the socket before this
 * returns). Returns N2M_MQTT_OK, N2M_MQTT_OFFLINE or N2M_MQTT_FAILED.
 * QoS 1/2 can block: Paho's synchronous publish sleeps 100 ms at a time
 * while the broker's window (its Receive Maximum, 20 for Mosquitto) is
 * full, and acknowledgements queue behind whatever the broker sends us. */
enum n2m_mqtt_publish_result n2m_mqtt_publish(struct n2m_mqtt *m, const char *topic,
					      const void *payload, size_t len, int qos,
					      int retain);

/* Same, with MQTT 5 correlation data (ignored under 3.1.1). */
enum n2m_mqtt_publish_result n2m_mqtt_publish_correlated(struct n2m_mqtt *m, const char *topic,
							 const void *payload, size_t len,
							 int qos, const void *correlation,
							 size_t correlation_len);

/* Clean shutdown: stops the connector, publishes `offline` retained on the
 * state topic (waiting up to timeout_ms for it), disconnects so the broker
 * does not send the will. Safe to call twice. */
void n2m_mqtt_stop(struct n2m_mqtt *m, int timeout_ms);

void n2m_mqtt_free(struct n2m_mqtt *m);

/* Loop thread: what the state topic says while connected ("online", or
 * "standby" for a passive hot standby, standby.h); a static string.
 * Published now when connected, and after every connect. */
void n2m_mqtt_set_presence(struct n2m_mqtt *m, const char *presence);

/* Replaces <base>/bridge/state (and the last will's topic) before the
 * first connect, e.g. with <base>/bridge/<instance>/state. 0 or -1. */
int n2m_mqtt_set_state_topic(struct n2m_mqtt *m, const char *topic);

#endif
