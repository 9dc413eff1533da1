/* SPDX-License-Identifier: MIT */
/*
 * test_ha_render.c - the Home Assistant plugin's discovery configs, field
 * by field against HA's MQTT discovery schema: config topics, unique ids,
 * device block, availability (bridge + tracker, mode all), origin,
 * device_tracker with json_attributes_topic (and a template dropping null
 * members) and source_type gps and no state topic, sensors'
 * device_class/state_class/unit/value_template, the sensors derived from
 * readings with names unique within the device, and the guarded templates
 * (tests/integration/test_plugins_homeassistant.py renders them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha_render.h"
#include "ha_template.h"

static const char readings_json[] =
	"{\"inputs\":[{\"label\":\"Board voltage\",\"units\":\"\",\"name\":\"board_voltage\","
	"\"type\":\"power\",\"sensor_id\":4628240,\"value\":12.93,\"units_type\":\"volt\"},"
	"{\"label\":\"Fuel\",\"name\":\"lls_level_1\",\"type\":\"fuel\",\"sensor_id\":7,"
	"\"value\":40.5,\"units_type\":\"litre\"},"
	"{\"label\":\"Cargo temp\",\"name\":\"t1\",\"type\":\"temperature\",\"sensor_id\":8,"
	"\"value\":-4,\"units_type\":\"celsius\"},"
	"{\"label\":\"Custom\",\"units\":\"bar\",\"sensor_id\":9,\"value\":1.5,\"units_type\":\"custom\"},"
	"{\"label\":\"no id\",\"value\":1}],"
	"\"states\":[{\"field\":\"input_status\",\"value\":8}],"
	"\"virtual_sensors\":[{\"sensor_id\":11,\"label\":\"Ignition\",\"value\":\"On\",\"type\":\"virtual_ignition\"}],"
	"\"counters\":[{\"type\":\"odometer\",\"value\":56509.3},{\"type\":\"engine_hours\",\"value\":35.5},"
	"{\"type\":\"bad'type\",\"value\":1}],\"tracker_id\":3435108}";

static struct ha_config config(void)
{
	struct ha_config c = { "homeassistant", "navixy", "navixy", "Navixy", "1.2.3", 1 };
	return c;
}

static struct n2m_tracker_view view(void)
{
	struct n2m_tracker_view t;

	memset(&t, 0, sizeof t);
	t.struct_size = sizeof t;
	t.id = 3435108;
	t.label = "Truck 12";
	t.topic_id = "3435108";
	t.model = "FMB920";
	t.device_id = "350000";
	t.fix_time_text = "";
	t.connection_status = "active";
	t.movement_status = "moving";
	t.readings_json = readings_json;
	t.readings_len = strlen(readings_json);
	return t;
}

static struct json_object *find(const struct ha_messages *m, const char *topic)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].topic, topic) == 0)
			return json_tokener_parse(m->items[i].payload);
	fail_msg("no config on %s", topic);
	return NULL;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int has(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static void check_common(struct json_object *o, const char *unique_id)
{
	struct json_object *avail, *dev, *ids, *origin;

	assert_string_equal(str(o, "unique_id"), unique_id);
	assert_true(json_object_object_get_ex(o, "availability", &avail));
	assert_int_equal(json_object_array_length(avail), 2);
	assert_string_equal(str(json_object_array_get_idx(avail, 0), "topic"), "navixy/bridge/state");
	assert_string_equal(str(json_object_array_get_idx(avail, 1), "topic"),
			    "navixy/tracker/3435108/availability");
	assert_string_equal(str(o, "availability_mode"), "all");
	assert_false(has(o, "availability_topic")); /* never together with availability */
	assert_true(json_object_object_get_ex(o, "device", &dev));
	assert_true(json_object_object_get_ex(dev, "identifiers", &ids));
	assert_int_equal(json_object_array_length(ids), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 0)), "navixy_3435108");
	assert_string_equal(str(dev, "name"), "Truck 12");
	assert_string_equal(str(dev, "model"), "FMB920");
	assert_string_equal(str(dev, "manufacturer"), "Navixy");
	assert_string_equal(str(dev, "serial_number"), "350000");
	assert_string_equal(str(dev, "via_device"), "navixy2mqtt_navixy");
	assert_true(json_object_object_get_ex(o, "origin", &origin));
	assert_string_equal(str(origin, "name"), "navixy2mqtt");
	assert_string_equal(str(origin, "sw_version"), "1.2.3");
}

static void check_sensor(const struct ha_messages *m, const char *object, const char *state_topic,
			 const char *device_class, const char *state_class, const char *unit,
			 const char *template_part)
{
	char topic[256], uid[128];
	struct json_object *o;

	snprintf(topic, sizeof topic, "homeassistant/sensor/navixy_3435108/%s/config", object);
	snprintf(uid, sizeof uid, "navixy_3435108_%s", object);
	o = find(m, topic);
	assert_non_null(o);
	check_common(o, uid);
	assert_string_equal(str(o, "state_topic"), state_topic);
	if (device_class)
		assert_string_equal(str(o, "device_class"), device_class);
	else
		assert_false(has(o, "device_class"));
	if (state_class)
		assert_string_equal(str(o, "state_class"), state_class);
	else
		assert_false(has(o, "state_class"));
	if (unit)
		assert_string_equal(str(o, "unit_of_measurement"), unit);
	else
		assert_false(has(o, "unit_of_measurement"));
	assert_non_null(strstr(str(o, "value_template"), template_part));
	json_object_put(o);
}

static void device_tracker_config(void **state)
{
	(void)state;
	struct ha_config c = config();
	struct n2m_tracker_view t = view();
	struct ha_messages m = { NULL, 0, 0 };
	struct json_object *o, *name;

	assert_int_equal(ha_render_tracker(&c, &t, &m), 0);
	o = find(&m, "homeassistant/device_tracker/navixy_3435108/location/config");
	check_common(o, "navixy_3435108_location");
	assert_string_equal(str(o, "json_attributes_topic"), "navixy/tracker/3435108/location");
	assert_string_equal(str(o, "source_type"), "gps");
	assert_string_equal(str(o, "json_attributes_template"), ha_template_location_attributes());
	assert_false(has(o, "state_topic"));
	/* name null: the entity is named after its device. */
	assert_true(json_object_object_get_ex(o, "name", &name));
	assert_null(name);
	json_object_put(o);
	ha_messages_free(&m);
}

static void fixed_sensors(void **state)
{
	(void)state;
	struct ha_config c = config();
	struct n2m_tracker_view t = view();
	struct ha_messages m = { NULL, 0, 0 };
	const char *loc = "navixy/tracker/3435108/location", *st = "navixy/tracker/3435108/state";

	assert_int_equal(ha_render_tracker(&c, &t, &m), 0);
	check_sensor(&m, "speed", loc, "speed", "measurement", "km/h", "v['speed']");
	check_sensor(&m, "heading", loc, NULL, "measurement_angle", "°", "v['heading']");
	check_sensor(&m, "altitude", loc, "distance", "measurement", "m", "v['altitude']");
	check_sensor(&m, "gps_accuracy", loc, "distance", "measurement", "m", "v['gps_accuracy']");
	check_sensor(&m, "battery", st, "battery", "measurement", "%", "v['battery_level']");
	check_sensor(&m, "gsm_signal", st, NULL, "measurement", "%",
		     "v['gsm'] if v is mapping and v['gsm'] is defined");
	check_sensor(&m, "gsm_signal", st, NULL, "measurement", "%", "v['signal_level']");
	check_sensor(&m, "movement", st, "enum", NULL, NULL,
		     "{{ v if v in ['moving', 'stopped', 'parked'] else none }}");
	check_sensor(&m, "connection", st, "enum", NULL, NULL, "v['connection_status']");

	struct json_object *o = find(&m, "homeassistant/sensor/navixy_3435108/movement/config"), *opts;
	assert_true(json_object_object_get_ex(o, "options", &opts));
	assert_int_equal(json_object_array_length(opts), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(opts, 2)), "parked");
	json_object_put(o);
	o = find(&m, "homeassistant/sensor/navixy_3435108/connection/config");
	assert_string_equal(str(o, "entity_category"), "diagnostic");
	json_object_put(o);

	o = find(&m, "homeassistant/binary_sensor/navixy_3435108/ignition/config");
	check_common(o, "navixy_3435108_ignition");
	assert_string_equal(str(o, "state_topic"), st);
	/* Renders HA's default payload_on/off, or None (unknown) when absent. */
	assert_non_null(strstr(str(o, "value_template"),
			       "{{ ('ON' if v else 'OFF') if v is boolean else none }}"));
	json_object_put(o);
	ha_messages_free(&m);
}

static void readings_sensors(void **state)
{
	(void)state;
	struct ha_config c = config();
	struct n2m_tracker_view t = view();
	struct ha_messages m = { NULL, 0, 0 };
	const char *rd = "navixy/tracker/3435108/readings";

	assert_int_equal(ha_render_tracker(&c, &t, &m), 0);
	check_sensor(&m, "input_4628240", rd, "voltage", "measurement", "V",
		     "v['inputs'] if v is mapping");
	check_sensor(&m, "input_4628240", rd, "voltage", "measurement", "V",
		     "v | selectattr('sensor_id', 'eq', 4628240)");
	check_sensor(&m, "input_7", rd, "volume_storage", "measurement", "L", "sensor_id', 'eq', 7)");
	check_sensor(&m, "input_8", rd, "temperature", "measurement", "°C", "sensor_id', 'eq', 8)");
	check_sensor(&m, "input_9", rd, NULL, "measurement", "bar", "sensor_id', 'eq', 9)");
	check_sensor(&m, "virtual_11", rd, NULL, NULL, NULL, "v['virtual_sensors']");
	check_sensor(&m, "counter_odometer", rd, "distance", "total_increasing", "km",
		     "selectattr('type', 'eq', 'odometer')");
	check_sensor(&m, "counter_engine_hours", rd, "duration", "total_increasing", "h",
		     "'engine_hours'");
	check_sensor(&m, "state_input_status", rd, NULL, NULL, NULL,
		     "selectattr('field', 'eq', 'input_status')");
	struct json_object *o = find(&m, "homeassistant/sensor/navixy_3435108/input_7/config");
	assert_string_equal(str(o, "name"), "Fuel");
	json_object_put(o);
	/* "Ignition" is the binary_sensor's name: the virtual sensor's is made unique. */
	o = find(&m, "homeassistant/sensor/navixy_3435108/virtual_11/config");
	assert_string_equal(str(o, "name"), "Ignition (virtual sensor)");
	assert_non_null(strstr(str(o, "value_template"), "v is string or v is number"));
	json_object_put(o);
	/* 1 device_tracker + 9 fixed + 8 readings; the entry without a
	 * sensor_id and the counter type unsafe in a template are skipped. */
	assert_int_equal(m.n, 18);
	for (size_t i = 0; i < m.n; i++)
		assert_null(strstr(m.items[i].topic, "bad"));
	ha_messages_free(&m);

	/* readings = false: none of them. */
	c.readings = 0;
	assert_int_equal(ha_render_tracker(&c, &t, &m), 0);
	assert_int_equal(m.n, 10);
	ha_messages_free(&m);
}

/* Labels that collide with each other and with the fixed entities. */
static void reading_names_are_unique(void **state)
{
	(void)state;
	static const char rd[] =
		"{\"inputs\":[{\"label\":\"Speed\",\"sensor_id\":1,\"value\":3},"
		"{\"label\":\"speed\",\"sensor_id\":2,\"value\":4},"
		"{\"label\":\"Speed (input)\",\"sensor_id\":3,\"value\":5}]}";
	struct ha_reading_entity e[8];
	size_t n = ha_readings_entities(rd, strlen(rd), e, 8);
	struct ha_config c = config();
	struct n2m_tracker_view t = view();
	struct ha_messages m = { NULL, 0, 0 };
	/* The third's own label is taken by then (the first's new name). */
	const char *expect[] = { "Speed (input)", "speed (input) 2", "Speed (input) (input)" };

	assert_int_equal(n, 3);
	t.readings_json = rd;
	t.readings_len = strlen(rd);
	assert_int_equal(ha_render_tracker(&c, &t, &m), 0);
	for (int i = 0; i < 3; i++) {
		char topic[128];
		snprintf(topic, sizeof topic, "homeassistant/sensor/navixy_3435108/input_%d/config", i + 1);
		struct json_object *o = find(&m, topic);
		assert_string_equal(str(o, "name"), expect[i]);
		json_object_put(o);
	}
	ha_messages_free(&m);
}

static void templates(void **state)
{
	(void)state;
	static const char *const opts[] = { "a", "b", NULL };
	char out[HA_TEMPLATE_CAP], tiny[40];

	assert_int_equal(ha_template_member(out, sizeof out, "x", HA_VALUE_NUMBER, NULL), 0);
	assert_string_equal(out,
		"{% set v = value_json if value_json is defined else none %}"
		"{% set v = v['x'] if v is mapping and v['x'] is defined else none %}"
		"{{ v if v is number and v is not boolean else none }}");
	assert_int_equal(ha_template_member(out, sizeof out, "a.b.c", HA_VALUE_ENUM, opts), 0);
	assert_non_null(strstr(out, "v['a'] if"));
	assert_non_null(strstr(out, "v['b'] if"));
	assert_non_null(strstr(out, "v['c'] if"));
	assert_non_null(strstr(out, "{{ v if v in ['a', 'b'] else none }}"));
	assert_int_equal(ha_template_entry(out, sizeof out, "counters", "type", "'odometer'",
					   HA_VALUE_NUMBER), 0);
	assert_non_null(strstr(out, "selectattr('type', 'eq', 'odometer') | list if v is sequence else []"));
	assert_non_null(strstr(out, "r[0]['value'] if r else none"));
	/* Too small: -1 and an empty template, never a cut one. */
	assert_int_equal(ha_template_member(tiny, sizeof tiny, "x", HA_VALUE_TEXT, NULL), -1);
	assert_string_equal(tiny, "");
	assert_int_equal(ha_template_entry(tiny, sizeof tiny, "s", "k", "1", HA_VALUE_TEXT), -1);
	assert_string_equal(tiny, "");
}

static void unlabelled_and_bad_readings(void **state)
{
	(void)state;
	struct ha_config c = config();
	struct n2m_tracker_view t = view();
	struct ha_messages m = { NULL, 0, 0 };
	struct json_object *o, *dev;

	t.label = "";
	t.model = "";
	t.device_id = "";
	t.readings_json = "{not json";
	t.readings_len = 9;
	assert_int_equal(ha_render_tracker(&c, &t, &m), 0);
	assert_int_equal(m.n, 10);
	o = find(&m, "homeassistant/sensor/navixy_3435108/speed/config");
	assert_true(json_object_object_get_ex(o, "device", &dev));
	assert_string_equal(str(dev, "name"), "Navixy tracker 3435108");
	assert_false(has(dev, "model"));
	assert_false(has(dev, "serial_number"));
	json_object_put(o);
	ha_messages_free(&m);
}

/* Long names are cut between characters, never inside one. */
static void names_cut_on_character_boundaries(void **state)
{
	(void)state;
	char out[8];
	ha_copy_text(out, sizeof out, "ab\xe2\x82\xac\xe2\x82\xac"); /* ab€€: 8 bytes */
	assert_string_equal(out, "ab\xe2\x82\xac");
	ha_copy_text(out, sizeof out, "abcdef\xc3\xa9");
	assert_string_equal(out, "abcdef");
	ha_copy_text(out, sizeof out, "short");
	assert_string_equal(out, "short");
	ha_copy_text(out, sizeof out, "abcdefgh");
	assert_string_equal(out, "abcdefg");
}

static void bridge_device(void **state)
{
	(void)state;
	struct ha_config c = config();
	struct ha_messages m = { NULL, 0, 0 };
	struct json_object *o, *dev;

	c.base_topic = "fleet/eu";
	assert_int_equal(ha_render_bridge(&c, &m), 0);
	assert_int_equal(m.n, 1);
	o = find(&m, "homeassistant/binary_sensor/navixy2mqtt_fleet_eu/connection/config");
	assert_string_equal(str(o, "state_topic"), "fleet/eu/bridge/state");
	assert_string_equal(str(o, "payload_on"), "online");
	assert_string_equal(str(o, "payload_off"), "offline");
	assert_string_equal(str(o, "device_class"), "connectivity");
	assert_string_equal(str(o, "unique_id"), "navixy2mqtt_fleet_eu_connection");
	assert_true(json_object_object_get_ex(o, "device", &dev));
	assert_string_equal(str(dev, "sw_version"), "1.2.3");
	json_object_put(o);
	ha_messages_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_tracker_config),
		cmocka_unit_test(fixed_sensors),
		cmocka_unit_test(readings_sensors),
		cmocka_unit_test(reading_names_are_unique),
		cmocka_unit_test(templates),
		cmocka_unit_test(unlabelled_and_bad_readings),
		cmocka_unit_test(bridge_device),
		cmocka_unit_test(names_cut_on_character_boundaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
