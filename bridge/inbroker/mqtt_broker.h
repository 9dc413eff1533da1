/* SPDX-License-Identifier: MIT */
/*
 * mqtt_broker.h - what the in-broker implementation of mqtt_client.h
 * (mqtt_broker.c) adds for the plugin's front door (inbroker_plugin.c).
 *
 * In the Mosquitto plugin the "connection" is the broker itself: publishing
 * is mosquitto_broker_publish_copy, subscribing is matching the broker's
 * MOSQ_EVT_MESSAGE events against the filters the core added, "connected"
 * is from bridge_start until the broker stops. Every function here and in
 * mqtt_client.h runs on the broker's thread: mosquitto_broker_publish
 * appends to a list without a lock in Mosquitto 2.0.
 */
#ifndef N2M_MQTT_BROKER_H
#define N2M_MQTT_BROKER_H

#include <stddef.h>

#include "broker_stop.h"
#include "mosq_abi.h"
#include "mqtt_client.h"

/* How publications leave (m->stopping holds it). */
enum n2m_mqtt_broker_mode {
	N2M_BROKER_LIVE = 0,  /* mosquitto_broker_publish_copy: sent on the next loop turn */
	N2M_BROKER_FINAL = 1, /* the broker's loop has ended: queued at once (broker_stop.h) */
	N2M_BROKER_GONE = 2,  /* nothing can be sent any more: publications fail */
};

/* One MOSQ_EVT_MESSAGE: hands it to the core's on_message if the topic
 * matches one of the core's subscriptions (else it costs a few compares).
 * properties: the message's MQTT 5 properties, or NULL. */
void n2m_mqtt_broker_message(struct n2m_mqtt *m, const char *topic, const void *payload,
			     size_t len, const mosquitto_property *properties);

/* Switches how publications leave; FINAL needs the broker's internal queue
 * function (broker_stop.h) and falls back to GONE without it. */
void n2m_mqtt_broker_set_mode(struct n2m_mqtt *m, enum n2m_mqtt_broker_mode mode,
			      const struct n2m_broker_stop *stop);

#endif
