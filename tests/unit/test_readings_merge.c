/*
 * test_readings_merge.c - folding readings_batch deltas into full readings,
 * including the observed delta behaviour (empty sections mean "no change").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "readings_merge.h"

static char err[256];

static struct json_object *J(const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	assert_non_null(o);
	return o;
}

static int merge(struct json_object *full, const char *delta_text)
{
	struct json_object *delta = J(delta_text);
	err[0] = '\0';
	int rc = n2m_readings_merge(full, delta, err, sizeof(err));
	json_object_put(delta);
	return rc;
}

static struct json_object *section(struct json_object *full, const char *name)
{
	struct json_object *s;
	assert_true(json_object_object_get_ex(full, name, &s));
	return s;
}

static void expect_equal(struct json_object *full, const char *expected_text)
{
	struct json_object *expected = J(expected_text);
	if (!json_object_equal(full, expected))
		fail_msg("got %s\nwant %s", json_object_to_json_string(full), expected_text);
	json_object_put(expected);
}

static const char *snapshot =
	"{\"tracker_id\":3435108,"
	"\"inputs\":[{\"name\":\"board_voltage\",\"sensor_id\":4628240,\"value\":12.93,"
	"\"update_time\":\"2025-10-08T18:26:30-06:00\"},"
	"{\"name\":\"lls_level_1\",\"sensor_id\":4628241,\"value\":50.5,\"update_time\":\"t0\"}],"
	"\"states\":[{\"field\":\"output_status\",\"value\":0,\"update_time\":\"t0\"},"
	"{\"field\":\"input_status\",\"value\":8,\"update_time\":\"t0\"}],"
	"\"virtual_sensors\":[{\"sensor_id\":9,\"label\":\"Ign\",\"value\":\"On\",\"type\":\"virtual_ignition\"}],"
	"\"counters\":[{\"type\":\"odometer\",\"value\":56509.3,\"update_time\":\"t0\"},"
	"{\"type\":\"engine_hours\",\"value\":35.5,\"update_time\":\"t0\"}],"
	"\"timestamp\":\"2025-10-08T18:31:24-06:00\",\"type\":\"readings_event\"}";

static void snapshot_into_empty(void **state)
{
	(void)state;
	struct json_object *full = json_object_new_object();
	assert_int_equal(merge(full, snapshot), 1);
	assert_int_equal(json_object_array_length(section(full, "inputs")), 2);
	assert_int_equal(json_object_array_length(section(full, "states")), 2);
	assert_int_equal(json_object_array_length(section(full, "virtual_sensors")), 1);
	assert_int_equal(json_object_array_length(section(full, "counters")), 2);
	assert_string_equal(json_object_get_string(section(full, "timestamp")),
			    "2025-10-08T18:31:24-06:00");
	/* tracker_id and type are not the merge's business */
	assert_false(json_object_object_get_ex(full, "type", NULL));
	assert_false(json_object_object_get_ex(full, "tracker_id", NULL));
	json_object_put(full);
}

static void observed_delta_with_empty_sections(void **state)
{
	(void)state;
	struct json_object *full = json_object_new_object();
	assert_int_equal(merge(full, snapshot), 1);
	/* spec §7.5.3: the voltage input and both states changed; the
	 * unchanged sections come as empty arrays */
	assert_int_equal(merge(full, "{\"tracker_id\":3435108,"
			       "\"inputs\":[{\"name\":\"board_voltage\",\"sensor_id\":4628240,\"value\":13.1,\"update_time\":\"t1\"}],"
			       "\"states\":[{\"field\":\"output_status\",\"value\":1,\"update_time\":\"t1\"},"
			       "{\"field\":\"input_status\",\"value\":8,\"update_time\":\"t1\"}],"
			       "\"virtual_sensors\":[],\"counters\":[],\"timestamp\":\"t1\",\"type\":\"readings_event\"}"),
			 1);
	expect_equal(full,
		     "{\"inputs\":[{\"name\":\"board_voltage\",\"sensor_id\":4628240,\"value\":13.1,\"update_time\":\"t1\"},"
		     "{\"name\":\"lls_level_1\",\"sensor_id\":4628241,\"value\":50.5,\"update_time\":\"t0\"}],"
		     "\"states\":[{\"field\":\"output_status\",\"value\":1,\"update_time\":\"t1\"},"
		     "{\"field\":\"input_status\",\"value\":8,\"update_time\":\"t1\"}],"
		     "\"virtual_sensors\":[{\"sensor_id\":9,\"label\":\"Ign\",\"value\":\"On\",\"type\":\"virtual_ignition\"}],"
		     "\"counters\":[{\"type\":\"odometer\",\"value\":56509.3,\"update_time\":\"t0\"},"
		     "{\"type\":\"engine_hours\",\"value\":35.5,\"update_time\":\"t0\"}],"
		     "\"timestamp\":\"t1\"}");
	json_object_put(full);
}

static void empty_delta_changes_nothing(void **state)
{
	(void)state;
	struct json_object *full = json_object_new_object();
	assert_int_equal(merge(full, snapshot), 1);
	struct json_object *before = json_object_get(full);
	char *copy = strdup(json_object_to_json_string(full));
	assert_int_equal(merge(full, "{\"inputs\":[],\"states\":[],\"virtual_sensors\":[],"
				     "\"counters\":[],\"timestamp\":\"later\"}"), 0);
	assert_int_equal(merge(full, "{\"tracker_id\":1}"), 0);
	assert_int_equal(merge(full, "{\"inputs\":null}"), 0);
	/* a repeated identical entry is no change either */
	assert_int_equal(merge(full, "{\"counters\":[{\"type\":\"odometer\",\"value\":56509.3,\"update_time\":\"t0\"}],"
				     "\"timestamp\":\"later\"}"), 0);
	assert_string_equal(json_object_to_json_string(full), copy);
	free(copy);
	json_object_put(before);
	json_object_put(full);
}

static void keys_per_section(void **state)
{
	(void)state;
	struct json_object *full = json_object_new_object();
	assert_int_equal(merge(full, snapshot), 1);
	/* counters keyed by type; virtual sensors by sensor_id; appended when new */
	assert_int_equal(merge(full, "{\"counters\":[{\"type\":\"engine_hours\",\"value\":36}],"
				     "\"virtual_sensors\":[{\"sensor_id\":9,\"value\":\"Off\"},"
				     "{\"sensor_id\":10,\"value\":\"Closed\"}]}"), 1);
	struct json_object *c = section(full, "counters");
	assert_int_equal(json_object_array_length(c), 2);
	assert_int_equal(json_object_get_int(json_object_object_get(json_object_array_get_idx(c, 1), "value")), 36);
	struct json_object *v = section(full, "virtual_sensors");
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_object_get(json_object_array_get_idx(v, 0), "value")), "Off");
	/* inputs without a sensor_id fall back to the name */
	assert_int_equal(merge(full, "{\"inputs\":[{\"name\":\"can_fuel\",\"value\":1}]}"), 1);
	assert_int_equal(merge(full, "{\"inputs\":[{\"name\":\"can_fuel\",\"value\":2}]}"), 1);
	struct json_object *in = section(full, "inputs");
	assert_int_equal(json_object_array_length(in), 3);
	assert_int_equal(json_object_get_int(json_object_object_get(json_object_array_get_idx(in, 2), "value")), 2);
	/* a sensor_id entry does not match a name-only entry of the same name */
	assert_int_equal(merge(full, "{\"inputs\":[{\"name\":\"can_fuel\",\"sensor_id\":77,\"value\":3}]}"), 1);
	assert_int_equal(json_object_array_length(section(full, "inputs")), 4);
	/* keyless entries are appended once */
	assert_int_equal(merge(full, "{\"states\":[{\"value\":5}]}"), 1);
	assert_int_equal(merge(full, "{\"states\":[{\"value\":5}]}"), 0);
	assert_int_equal(json_object_array_length(section(full, "states")), 3);
	json_object_put(full);
}

static void sections_created_when_missing(void **state)
{
	(void)state;
	/* sensor_type filter: states and counters absent, inputs only */
	struct json_object *full = json_object_new_object();
	assert_int_equal(merge(full, "{\"inputs\":[{\"sensor_id\":1,\"value\":1}],\"timestamp\":\"t\"}"), 1);
	assert_false(json_object_object_get_ex(full, "counters", NULL));
	assert_int_equal(merge(full, "{\"counters\":[]}"), 1); /* section appears, empty */
	assert_int_equal(json_object_array_length(section(full, "counters")), 0);
	assert_int_equal(merge(full, "{\"counters\":[]}"), 0);
	json_object_put(full);
}

static void bad_input(void **state)
{
	(void)state;
	struct json_object *full = json_object_new_object();
	assert_int_equal(merge(full, "{\"counters\":{}}"), -1);
	assert_string_equal(err, "readings: counters is not an array");
	assert_int_equal(merge(full, "{\"inputs\":\"x\"}"), -1);
	assert_string_equal(err, "readings: inputs is not an array");
	assert_int_equal(merge(full, "[1]"), -1);
	assert_non_null(strstr(err, "update is not an object"));
	struct json_object *arr = json_object_new_array();
	struct json_object *delta = J("{}");
	assert_int_equal(n2m_readings_merge(arr, delta, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "full readings are not an object"));
	/* non-object entries are tolerated (appended once, no crash) */
	assert_int_equal(merge(full, "{\"states\":[1,null,\"x\"]}"), 1);
	assert_int_equal(merge(full, "{\"states\":[1,null,\"x\"]}"), 0);
	json_object_put(arr);
	json_object_put(delta);
	json_object_put(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(snapshot_into_empty),
		cmocka_unit_test(observed_delta_with_empty_sections),
		cmocka_unit_test(empty_delta_changes_nothing),
		cmocka_unit_test(keys_per_section),
		cmocka_unit_test(sections_created_when_missing),
		cmocka_unit_test(bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
