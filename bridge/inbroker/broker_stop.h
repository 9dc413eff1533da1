/* SPDX-License-Identifier: MIT */
/*
 * broker_stop.h - noticing that Mosquitto 2.0 is stopping, and publishing
 * after its loop has ended.
 *
 * The plugin API of Mosquitto 2.0.11 has no "stopping" event: SIGTERM ends
 * the main loop, then the broker closes its database and only after that
 * calls mosquitto_plugin_cleanup, when nothing can be published any more
 * (a mosquitto_broker_publish there is never sent). What the plugin can
 * see: the loop's last MOSQ_EVT_TICK comes after the signal handler has
 * cleared the broker's global `run`, and the broker binary exports that
 * variable and its db__messages_easy_queue (the function that also sends
 * plugin publications), as dynamic symbols. So on the tick where `run` is
 * 0 the plugin shuts down cleanly and sends bridge/state `offline` (and
 * anything else of the shutdown) through that function, which stores the
 * retained copy and writes to connected subscribers at once.
 *
 * These are the broker's internals of the 2.0 series, looked up by name
 * with dlsym: when either symbol is missing (another build or version), the
 * plugin still shuts down cleanly at cleanup, without `offline`.
 */
#ifndef N2M_BROKER_STOP_H
#define N2M_BROKER_STOP_H

#include <stdint.h>

#include <mosquitto_broker.h>

/* db__messages_easy_queue(context, topic, qos, payloadlen, payload, retain,
 * message_expiry_interval, &properties) in Mosquitto 2.0. */
typedef int (*n2m_broker_queue_fn)(struct mosquitto *context, const char *topic, uint8_t qos,
				   uint32_t payloadlen, const void *payload, int retain,
				   uint32_t message_expiry_interval,
				   mosquitto_property **properties);

struct n2m_broker_stop {
	const volatile int *run;       /* the broker's `run`, or NULL */
	n2m_broker_queue_fn queue;     /* or NULL */
};

/* Looks both symbols up in the broker binary. 0 if both were found. */
int n2m_broker_stop_init(struct n2m_broker_stop *s);

/* True once the broker's main loop will not turn again. */
int n2m_broker_stopping(const struct n2m_broker_stop *s);

#endif
