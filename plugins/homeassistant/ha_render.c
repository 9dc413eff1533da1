/* SPDX-License-Identifier: MIT */
/*
 * ha_render.c - Home Assistant discovery configs for a tracker and for
 * the bridge (see ha_render.h).
 */
#include "ha_render.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ha_template.h"

#define TOPIC_CAP 512
#define MAX_READINGS 64

/* A fixed entity: one per tracker whatever it reports. */
struct fixed_entity {
	const char *component;
	const char *object_id;
	const char *name;            /* NULL: the entity takes the device's name */
	const char *topic_suffix;    /* bridge topic it reads: location, state */
	const char *member;          /* path of the value in that payload */
	enum ha_value_kind kind;
	const char *device_class;
	const char *state_class;
	const char *unit;
	const char *icon;
	int diagnostic;
	const char *const *options;  /* device_class enum */
};

static const char *const movement_options[] = { "moving", "stopped", "parked", NULL };
static const char *const connection_options[] = { "active", "idle", "offline", "signal_lost",
						   "just_registered", "just_replaced", NULL };

/* Heading: HA's state class for angles in degrees is measurement_angle
 * (HA 2025.4 on), which makes its statistics average it as an angle. */
static const struct fixed_entity fixed[] = {
	{ "sensor", "speed", "Speed", "location", "speed", HA_VALUE_NUMBER,
	  "speed", "measurement", "km/h", NULL, 0, NULL },
	{ "sensor", "heading", "Heading", "location", "heading", HA_VALUE_NUMBER,
	  NULL, "measurement_angle", "°", "mdi:compass-outline", 0, NULL },
	{ "sensor", "altitude", "Altitude", "location", "altitude", HA_VALUE_NUMBER,
	  "distance", "measurement", "m", NULL, 0, NULL },
	{ "sensor", "gps_accuracy", "GPS accuracy", "location", "gps_accuracy", HA_VALUE_NUMBER,
	  "distance", "measurement", "m", NULL, 1, NULL },
	{ "sensor", "battery", "Battery", "state", "battery_level", HA_VALUE_NUMBER,
	  "battery", "measurement", "%", NULL, 0, NULL },
	{ "sensor", "gsm_signal", "GSM signal", "state", "gsm.signal_level", HA_VALUE_NUMBER,
	  NULL, "measurement", "%", "mdi:signal", 1, NULL },
	{ "binary_sensor", "ignition", "Ignition", "state", "ignition", HA_VALUE_ON_OFF,
	  NULL, NULL, NULL, "mdi:engine", 0, NULL },
	{ "sensor", "movement", "Movement", "state", "movement_status", HA_VALUE_ENUM,
	  "enum", NULL, NULL, "mdi:car-arrow-right", 0, movement_options },
	{ "sensor", "connection", "Connection", "state", "connection_status", HA_VALUE_ENUM,
	  "enum", NULL, NULL, "mdi:access-point-network", 1, connection_options },
};

#define N_FIXED (sizeof fixed / sizeof fixed[0])

void ha_sanitize_id(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			*s = '_';
}

void ha_copy_text(char *out, size_t cap, const char *text)
{
	if (!cap)
		return;
	size_t len = strlen(text);
	if (len >= cap) {
		len = cap - 1;
		/* back up over continuation bytes to the start of the character cut */
		size_t k = 0;
		while (k < 3 && len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) {
			len--;
			k++;
		}
	}
	memcpy(out, text, len);
	out[len] = '\0';
}

void ha_bridge_identifier(const struct ha_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "navixy2mqtt_%s", c->base_topic);
	ha_sanitize_id(out);
}

void ha_messages_free(struct ha_messages *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].topic);
		free(m->items[i].payload);
	}
	free(m->items);
	memset(m, 0, sizeof *m);
}

/* Takes ownership of o (put in every case). */
static int append(struct ha_messages *out, const char *topic, struct json_object *o)
{
	const char *text;

	if (!o)
		return -1;
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct ha_message *grown = realloc(out->items, cap * sizeof *grown);
		if (!grown) {
			json_object_put(o);
			return -1;
		}
		out->items = grown;
		out->cap = cap;
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct ha_message *m = &out->items[out->n];
	m->topic = strdup(topic);
	m->payload = text ? strdup(text) : NULL;
	json_object_put(o);
	if (!m->topic || !m->payload) {
		free(m->topic);
		free(m->payload);
		return -1;
	}
	out->n++;
	return 0;
}

static void add_str(struct json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

static struct json_object *origin_block(const struct ha_config *c)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "name", "navixy2mqtt");
	add_str(o, "sw_version", c->sw_version);
	return o;
}

static struct json_object *device_block(const struct ha_config *c, const struct n2m_tracker_view *t,
					const char *node_id)
{
	struct json_object *d = json_object_new_object();
	struct json_object *ids = json_object_new_array();
	char name[160], via[TOPIC_CAP];

	json_object_array_add(ids, json_object_new_string(node_id));
	json_object_object_add(d, "identifiers", ids);
	if (t->label && t->label[0])
		ha_copy_text(name, sizeof name, t->label);
	else
		snprintf(name, sizeof name, "Navixy tracker %lld", (long long)t->id);
	add_str(d, "name", name);
	add_str(d, "manufacturer", c->manufacturer);
	if (t->model && t->model[0])
		add_str(d, "model", t->model);
	if (t->device_id && t->device_id[0])
		add_str(d, "serial_number", t->device_id);
	ha_bridge_identifier(c, via, sizeof via);
	add_str(d, "via_device", via);
	return d;
}

static struct json_object *availability_block(const struct ha_config *c,
					      const struct n2m_tracker_view *t)
{
	struct json_object *list = json_object_new_array();
	struct json_object *bridge = json_object_new_object();
	struct json_object *tracker = json_object_new_object();
	char topic[TOPIC_CAP];

	snprintf(topic, sizeof topic, "%s/bridge/state", c->base_topic);
	add_str(bridge, "topic", topic);
	snprintf(topic, sizeof topic, "%s/tracker/%s/availability", c->base_topic, t->topic_id);
	add_str(tracker, "topic", topic);
	json_object_array_add(list, bridge);
	json_object_array_add(list, tracker);
	return list;
}

/* The parts every entity of tracker t shares. */
static struct json_object *entity_base(const struct ha_config *c, const struct n2m_tracker_view *t,
				       const char *node_id, const char *object_id, const char *name)
{
	struct json_object *o = json_object_new_object();
	char unique_id[TOPIC_CAP];

	if (!o)
		return NULL;
	snprintf(unique_id, sizeof unique_id, "%s_%s", node_id, object_id);
	json_object_object_add(o, "name", name ? json_object_new_string(name) : NULL);
	add_str(o, "unique_id", unique_id);
	json_object_object_add(o, "availability", availability_block(c, t));
	add_str(o, "availability_mode", "all");
	json_object_object_add(o, "device", device_block(c, t, node_id));
	json_object_object_add(o, "origin", origin_block(c));
	return o;
}

static void config_topic(const struct ha_config *c, const char *component, const char *node_id,
			 const char *object_id, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s/%s/%s/config", c->discovery_prefix, component, node_id,
			 object_id);
	if (n < 0 || (size_t)n >= cap)
		out[0] = '\0'; /* an empty topic: the host refuses it */
}

static void tracker_topic(const struct ha_config *c, const struct n2m_tracker_view *t,
			  const char *suffix, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/tracker/%s/%s", c->base_topic, t->topic_id, suffix);
	if (n < 0 || (size_t)n >= cap)
		out[0] = '\0';
}

static int render_device_tracker(const struct ha_config *c, const struct n2m_tracker_view *t,
				 const char *node_id, struct ha_messages *out)
{
	struct json_object *o = entity_base(c, t, node_id, "location", NULL);
	char topic[TOPIC_CAP];

	if (!o)
		return -1;
	tracker_topic(c, t, "location", topic, sizeof topic);
	add_str(o, "json_attributes_topic", topic);
	add_str(o, "json_attributes_template", ha_template_location_attributes());
	add_str(o, "source_type", "gps");
	config_topic(c, "device_tracker", node_id, "location", topic, sizeof topic);
	return append(out, topic, o);
}

static int render_fixed(const struct ha_config *c, const struct n2m_tracker_view *t,
			const char *node_id, const struct fixed_entity *f, struct ha_messages *out)
{
	struct json_object *o;
	char topic[TOPIC_CAP], value_template[HA_TEMPLATE_CAP];

	if (ha_template_member(value_template, sizeof value_template, f->member, f->kind,
			       f->options) != 0)
		return -1;
	o = entity_base(c, t, node_id, f->object_id, f->name);
	if (!o)
		return -1;
	tracker_topic(c, t, f->topic_suffix, topic, sizeof topic);
	add_str(o, "state_topic", topic);
	add_str(o, "value_template", value_template);
	add_str(o, "device_class", f->device_class);
	add_str(o, "state_class", f->state_class);
	add_str(o, "unit_of_measurement", f->unit);
	add_str(o, "icon", f->icon);
	if (f->diagnostic)
		add_str(o, "entity_category", "diagnostic");
	if (f->options) {
		struct json_object *opts = json_object_new_array();
		for (size_t i = 0; f->options[i]; i++)
			json_object_array_add(opts, json_object_new_string(f->options[i]));
		json_object_object_add(o, "options", opts);
	}
	config_topic(c, f->component, node_id, f->object_id, topic, sizeof topic);
	return append(out, topic, o);
}

static int render_reading(const struct ha_config *c, const struct n2m_tracker_view *t,
			  const char *node_id, const struct ha_reading_entity *e,
			  struct ha_messages *out)
{
	struct json_object *o = entity_base(c, t, node_id, e->object_id, e->name);
	char topic[TOPIC_CAP];

	if (!o)
		return -1;
	tracker_topic(c, t, "readings", topic, sizeof topic);
	add_str(o, "state_topic", topic);
	add_str(o, "value_template", e->value_template);
	add_str(o, "device_class", e->device_class);
	add_str(o, "state_class", e->state_class);
	add_str(o, "unit_of_measurement", e->unit);
	if (e->diagnostic)
		add_str(o, "entity_category", "diagnostic");
	config_topic(c, "sensor", node_id, e->object_id, topic, sizeof topic);
	return append(out, topic, o);
}

static int name_taken(const char *name, const struct ha_reading_entity *readings, size_t n)
{
	for (size_t i = 0; i < N_FIXED; i++)
		if (fixed[i].name && strcasecmp(fixed[i].name, name) == 0)
			return 1;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(readings[i].name, name) == 0)
			return 1;
	return 0;
}

/* Entity names are unique within the device (HA would show two entities
 * under one name and number their entity ids): a reading whose label is
 * taken (a virtual sensor "Ignition" next to the ignition binary_sensor)
 * gets its kind appended, and a number if that is taken as well. */
static void unique_names(struct ha_reading_entity *readings, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ha_reading_entity *e = &readings[i];
		char base[sizeof e->name - 8]; /* room for " <k>" */

		if (!name_taken(e->name, readings, i))
			continue;
		snprintf(base, sizeof base, "%.*s (%s)", (int)(sizeof base - 32), e->name, e->kind);
		snprintf(e->name, sizeof e->name, "%s", base);
		for (int k = 2; name_taken(e->name, readings, i) && k < 1000; k++)
			snprintf(e->name, sizeof e->name, "%s %d", base, k);
	}
}

int ha_render_tracker(const struct ha_config *c, const struct n2m_tracker_view *t,
		      struct ha_messages *out)
{
	struct ha_reading_entity readings[MAX_READINGS];
	char node_id[128];
	size_t n_readings = 0;

	snprintf(node_id, sizeof node_id, "%s_%lld", c->node_prefix, (long long)t->id);
	ha_sanitize_id(node_id);
	if (render_device_tracker(c, t, node_id, out) != 0)
		return -1;
	for (size_t i = 0; i < N_FIXED; i++)
		if (render_fixed(c, t, node_id, &fixed[i], out) != 0)
			return -1;
	if (c->readings)
		n_readings = ha_readings_entities(t->readings_json, t->readings_len, readings,
						  MAX_READINGS);
	unique_names(readings, n_readings);
	for (size_t i = 0; i < n_readings; i++)
		if (render_reading(c, t, node_id, &readings[i], out) != 0)
			return -1;
	return 0;
}

int ha_render_bridge(const struct ha_config *c, struct ha_messages *out)
{
	struct json_object *o = json_object_new_object();
	struct json_object *d = json_object_new_object();
	struct json_object *ids = json_object_new_array();
	char id[TOPIC_CAP], unique_id[TOPIC_CAP + 16], topic[TOPIC_CAP];

	if (!o || !d || !ids) {
		json_object_put(o);
		json_object_put(d);
		json_object_put(ids);
		return -1;
	}
	ha_bridge_identifier(c, id, sizeof id);
	json_object_array_add(ids, json_object_new_string(id));
	json_object_object_add(d, "identifiers", ids);
	add_str(d, "name", "navixy2mqtt");
	add_str(d, "manufacturer", "navixy2mqtt");
	add_str(d, "model", "Navixy to MQTT bridge");
	add_str(d, "sw_version", c->sw_version);
	snprintf(unique_id, sizeof unique_id, "%s_connection", id);
	add_str(o, "name", "Connection");
	add_str(o, "unique_id", unique_id);
	snprintf(topic, sizeof topic, "%s/bridge/state", c->base_topic);
	add_str(o, "state_topic", topic);
	add_str(o, "payload_on", "online");
	add_str(o, "payload_off", "offline");
	add_str(o, "device_class", "connectivity");
	add_str(o, "entity_category", "diagnostic");
	json_object_object_add(o, "device", d);
	json_object_object_add(o, "origin", origin_block(c));
	config_topic(c, "binary_sensor", id, "connection", topic, sizeof topic);
	return append(out, topic, o);
}
