/* SPDX-License-Identifier: MIT */
/*
 * ha_render.h - Home Assistant MQTT discovery payloads for one tracker
 * (and for the bridge itself), as pure functions of a tracker view.
 *
 * Per tracker, one HA device (identifiers ["<node_prefix>_<id>"], name
 * from the label, model and serial number from tracker/list, via_device
 * the bridge) with these entities, config topics
 * <discovery_prefix>/<component>/<node_prefix>_<id>/<object>/config:
 *   device_tracker location     json_attributes_topic = location topic, source_type gps
 *   sensor speed, heading, altitude, gps_accuracy     from the location topic
 *   sensor battery, gsm_signal, movement, connection  from the state topic
 *   binary_sensor ignition                            from the state topic
 *   one sensor per reading (inputs, virtual sensors, counters, states)
 *                                                     from the readings topic
 * All with availability = [<base>/bridge/state, the tracker's availability
 * topic], availability_mode all, and an origin block. value_templates
 * render `None` for a missing value, which HA shows as unknown (see
 * ha_template.h); the device_tracker's json_attributes_template drops null
 * members. Reading entities are named after the reading, made unique
 * within the device.
 */
#ifndef N2M_HA_RENDER_H
#define N2M_HA_RENDER_H

#include <stddef.h>

#include "ha_template.h"
#include "navixy2mqtt/plugin.h"

struct ha_config {
	const char *discovery_prefix; /* "homeassistant" */
	const char *base_topic;       /* the bridge's, "navixy" */
	const char *node_prefix;      /* "navixy": node ids and unique ids start with it */
	const char *manufacturer;     /* "Navixy" */
	const char *sw_version;       /* the bridge's version, for origin */
	int readings;                 /* sensors for readings */
};

/* One discovery config: retained on topic. */
struct ha_message {
	char *topic;
	char *payload;
};

struct ha_messages {
	struct ha_message *items;
	size_t n, cap;
};

/* Appends the configs of every entity of tracker t. 0, or -1 on no memory
 * (messages appended so far stay valid). */
int ha_render_tracker(const struct ha_config *c, const struct n2m_tracker_view *t,
		      struct ha_messages *out);

/* Appends the bridge's own device: a connectivity binary_sensor on
 * <base>/bridge/state. 0 or -1. */
int ha_render_bridge(const struct ha_config *c, struct ha_messages *out);

/* The bridge device's identifier, "navixy2mqtt_<base topic, sanitised>". */
void ha_bridge_identifier(const struct ha_config *c, char *out, size_t cap);

void ha_messages_free(struct ha_messages *m);

/* Replaces every character outside [A-Za-z0-9_-] with '_' (an id or a
 * topic level HA accepts). */
void ha_sanitize_id(char *s);

/* Copies text into out (cap bytes) like snprintf "%s", but a cut never
 * leaves half a UTF-8 character: names go into JSON payloads, which must
 * stay valid UTF-8. */
void ha_copy_text(char *out, size_t cap, const char *text);

/* --- readings (ha_readings.c) --- */

/* One entity derived from a reading. */
struct ha_reading_entity {
	char object_id[96];
	char name[128];
	const char *kind;             /* "input", "virtual sensor", "counter", "state" */
	char value_template[HA_TEMPLATE_CAP];
	const char *device_class;     /* NULL: none */
	const char *state_class;      /* NULL: none */
	const char *unit;             /* NULL: none */
	char unit_buf[24];            /* unit when taken from the reading's own "units" */
	int diagnostic;               /* entity_category diagnostic */
};

/* The entities for a readings payload (JSON text), at most max; returns
 * how many were written (unusable entries are skipped). */
size_t ha_readings_entities(const char *readings_json, size_t len, struct ha_reading_entity *out,
			    size_t max);

#endif
