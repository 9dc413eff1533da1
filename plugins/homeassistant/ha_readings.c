/* SPDX-License-Identifier: MIT */
/*
 * ha_readings.c - which Home Assistant sensor each Navixy reading becomes:
 * inputs and virtual sensors by sensor_id, counters by type, states by
 * field; device_class, state_class and unit from the reading's units_type
 * (or counter type), so HA's statistics and unit conversion work.
 */
#include "ha_render.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

struct unit_map {
	const char *units_type;
	const char *device_class;
	const char *unit;
};

/* Navixy units_type -> HA. state_class is measurement for all of them. */
static const struct unit_map units[] = {
	{ "volt", "voltage", "V" },
	{ "millivolt", "voltage", "mV" },
	{ "ampere", "current", "A" },
	{ "celsius", "temperature", "°C" },
	{ "fahrenheit", "temperature", "°F" },
	{ "litre", "volume_storage", "L" },
	{ "liter", "volume_storage", "L" },
	{ "gallon", "volume_storage", "gal" },
	{ "percent", NULL, "%" },
	{ "kmh", "speed", "km/h" },
	{ "mph", "speed", "mph" },
	{ "kilometer", "distance", "km" },
	{ "km", "distance", "km" },
	{ "meter", "distance", "m" },
	{ "mile", "distance", "mi" },
	{ "hour", "duration", "h" },
	{ "minute", "duration", "min" },
	{ "second", "duration", "s" },
	{ "kilogram", "weight", "kg" },
	{ "watt", "power", "W" },
	{ "kilowatt", "power", "kW" },
	{ "rpm", NULL, "rpm" },
	{ "pascal", "pressure", "Pa" },
	{ "bar", "pressure", "bar" },
	{ "psi", "pressure", "psi" },
	{ "lux", "illuminance", "lx" },
};

/* Keys go into a Jinja string literal and an object id: only plain ones. */
static int safe_key(const char *s)
{
	if (!s || !*s || strlen(s) > 48)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

static const char *str_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int is_number(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double));
}

static void apply_units(struct ha_reading_entity *e, struct json_object *item)
{
	const char *ut = str_member(item, "units_type");
	const char *own = str_member(item, "units");

	for (size_t i = 0; ut && i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(ut, units[i].units_type) == 0) {
			e->device_class = units[i].device_class;
			e->unit = units[i].unit;
			return;
		}
	}
	if (own && *own && strlen(own) < sizeof e->unit_buf) {
		snprintf(e->unit_buf, sizeof e->unit_buf, "%s", own);
		e->unit = e->unit_buf;
	}
}

/* inputs / virtual_sensors: keyed by sensor_id. */
static int sensor_entity(struct json_object *item, const char *section, const char *kind,
			 struct ha_reading_entity *e)
{
	struct json_object *idv;
	const char *label = str_member(item, "label");
	const char *name = str_member(item, "name");

	if (!json_object_object_get_ex(item, "sensor_id", &idv) ||
	    !json_object_is_type(idv, json_type_int))
		return 0;
	long long id = (long long)json_object_get_int64(idv);
	char literal[24];
	int numeric = is_number(item, "value");

	snprintf(e->object_id, sizeof e->object_id, "%s_%lld", kind, id);
	ha_copy_text(e->name, sizeof e->name,
		     label && *label ? label : name && *name ? name : e->object_id);
	e->kind = strcmp(kind, "input") == 0 ? "input" : "virtual sensor";
	snprintf(literal, sizeof literal, "%lld", id);
	if (ha_template_entry(e->value_template, sizeof e->value_template, section, "sensor_id",
			      literal, numeric ? HA_VALUE_NUMBER : HA_VALUE_TEXT) != 0)
		return 0;
	if (numeric) {
		e->state_class = "measurement";
		apply_units(e, item);
	}
	return 1;
}

/* The template of the entry whose key is the string value (a safe_key). */
static int quoted_entry(struct ha_reading_entity *e, const char *section, const char *key,
			const char *value, enum ha_value_kind kind)
{
	char literal[64];

	snprintf(literal, sizeof literal, "'%s'", value);
	return ha_template_entry(e->value_template, sizeof e->value_template, section, key,
				 literal, kind);
}

/* counters: odometer and engine hours are ever-growing totals. */
static int counter_entity(struct json_object *item, struct ha_reading_entity *e)
{
	const char *type = str_member(item, "type");

	if (!safe_key(type))
		return 0;
	snprintf(e->object_id, sizeof e->object_id, "counter_%s", type);
	ha_sanitize_id(e->object_id);
	e->kind = "counter";
	if (quoted_entry(e, "counters", "type", type, HA_VALUE_NUMBER) != 0)
		return 0;
	e->state_class = "total_increasing";
	if (strcmp(type, "odometer") == 0) {
		snprintf(e->name, sizeof e->name, "Odometer");
		e->device_class = "distance";
		e->unit = "km";
	} else if (strcmp(type, "engine_hours") == 0) {
		snprintf(e->name, sizeof e->name, "Engine hours");
		e->device_class = "duration";
		e->unit = "h";
	} else {
		snprintf(e->name, sizeof e->name, "Counter %s", type);
	}
	return 1;
}

/* states: device status words (input/output bit masks and the like). */
static int state_entity(struct json_object *item, struct ha_reading_entity *e)
{
	const char *field = str_member(item, "field");

	if (!safe_key(field))
		return 0;
	snprintf(e->object_id, sizeof e->object_id, "state_%s", field);
	ha_sanitize_id(e->object_id);
	snprintf(e->name, sizeof e->name, "State %s", field);
	e->kind = "state";
	if (quoted_entry(e, "states", "field", field, HA_VALUE_TEXT) != 0)
		return 0;
	e->diagnostic = 1;
	return 1;
}

static int duplicate(const struct ha_reading_entity *out, size_t n, const char *object_id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i].object_id, object_id) == 0)
			return 1;
	return 0;
}

size_t ha_readings_entities(const char *readings_json, size_t len, struct ha_reading_entity *out,
			    size_t max)
{
	static const char *const sections[] = { "inputs", "virtual_sensors", "counters", "states" };
	struct json_tokener *tok;
	struct json_object *root;
	size_t n = 0;

	if (!readings_json || !len || !max)
		return 0;
	tok = json_tokener_new();
	if (!tok)
		return 0;
	root = json_tokener_parse_ex(tok, readings_json, (int)len);
	json_tokener_free(tok);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return 0;
	}
	for (size_t s = 0; s < 4; s++) {
		struct json_object *arr;
		if (!json_object_object_get_ex(root, sections[s], &arr) ||
		    !json_object_is_type(arr, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(arr) && n < max; i++) {
			struct json_object *item = json_object_array_get_idx(arr, i);
			struct ha_reading_entity *e = &out[n];
			int ok;
			if (!json_object_is_type(item, json_type_object))
				continue;
			memset(e, 0, sizeof *e);
			if (s == 0)
				ok = sensor_entity(item, "inputs", "input", e);
			else if (s == 1)
				ok = sensor_entity(item, "virtual_sensors", "virtual", e);
			else if (s == 2)
				ok = counter_entity(item, e);
			else
				ok = state_entity(item, e);
			if (ok && !duplicate(out, n, e->object_id))
				n++;
		}
	}
	json_object_put(root);
	return n;
}
