/* SPDX-License-Identifier: MIT */
/*
 * mosq_abi.h - what a plugin needs from libmosquitto's mosquitto.h: the
 * few MQTT 5 property functions the broker exports, log levels, error codes.
 *
 * Debian's mosquitto-dev ships only mosquitto_broker.h and
 * mosquitto_plugin.h; the property functions are declared in libmosquitto's
 * mosquitto.h (libmosquitto-dev), which a plugin does not otherwise need.
 * The broker binary exports them (nm -D /usr/sbin/mosquitto), so a plugin
 * calls them as declared here, with the values of the 2.0 series (its
 * ABI, which the broker keeps for plugins).
 */
#ifndef N2M_MOSQ_ABI_H
#define N2M_MOSQ_ABI_H

#include <stdbool.h>
#include <stdint.h>

#include <mosquitto_broker.h>

/* mosquitto_log_printf levels and the MOSQ_ERR_* return codes used here. */
#define MOSQ_LOG_INFO (1 << 0)
#define MOSQ_LOG_WARNING (1 << 2)
#define MOSQ_LOG_ERR (1 << 3)
enum {
	MOSQ_ERR_NO_SUBSCRIBERS = -3,
	MOSQ_ERR_SUCCESS = 0,
	MOSQ_ERR_NOMEM = 1,
	MOSQ_ERR_INVAL = 3,
	MOSQ_ERR_UNKNOWN = 13,
};

/* MQTT 5 property identifiers (MQTT 5.0 spec, table of properties). */
#define N2M_MQTT_PROP_RESPONSE_TOPIC 8
#define N2M_MQTT_PROP_CORRELATION_DATA 9

int mosquitto_property_add_binary(mosquitto_property **proplist, int identifier,
				  const void *value, uint16_t len);
const mosquitto_property *mosquitto_property_read_binary(const mosquitto_property *proplist,
							 int identifier, void **value,
							 uint16_t *len, bool skip_first);
const mosquitto_property *mosquitto_property_read_string(const mosquitto_property *proplist,
							 int identifier, char **value,
							 bool skip_first);
void mosquitto_property_free_all(mosquitto_property **properties);

#endif
