/* SPDX-License-Identifier: MIT */
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

#include "config.h"
#include "mapping.h"
#include "readings_merge.h"
#include "tracker_table.h"

static char err[256];
static size_t truncated; /* entries the limits left out, over every merge */

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
	int rc = n2m_readings_merge(full, delta, &truncated, err, sizeof(err));
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
	/* docs/protocol.md, readings_batch: the voltage input and both states changed; the
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
	assert_int_equal(n2m_readings_merge(arr, delta, &truncated, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "full readings are not an object"));
	/* non-object entries are tolerated (appended once, no crash) */
	assert_int_equal(merge(full, "{\"states\":[1,null,\"x\"]}"), 1);
	assert_int_equal(merge(full, "{\"states\":[1,null,\"x\"]}"), 0);
	json_object_put(arr);
	json_object_put(delta);
	json_object_put(full);
}

/* A delta of n entries in section name, entry i made by fmt (one %d). */
static char *delta_of(const char *name, const char *fmt, int first, int n)
{
	size_t cap = 64 + (size_t)n * (strlen(fmt) + 24);
	char *s = malloc(cap);
	assert_non_null(s);
	size_t len = (size_t)snprintf(s, cap, "{\"%s\":[", name);
	for (int i = 0; i < n; i++) {
		if (i)
			s[len++] = ',';
		len += (size_t)snprintf(s + len, cap - len, fmt, first + i);
	}
	snprintf(s + len, cap - len, "]}");
	return s;
}

static size_t section_length(struct json_object *full, const char *name)
{
	return json_object_array_length(section(full, name));
}

/* Entries without an identifying key cannot pile up: at most
 * N2M_READINGS_MAX_KEYLESS a section, the rest counted and left out. */
static void keyless_entries_are_limited(void **state)
{
	(void)state;
	struct json_object *full = json_object_new_object();
	truncated = 0;
	char *d = delta_of("states", "{\"value\":%d}", 0, N2M_READINGS_MAX_KEYLESS + 4);
	assert_int_equal(merge(full, d), 1);
	assert_int_equal(section_length(full, "states"), N2M_READINGS_MAX_KEYLESS);
	assert_int_equal(truncated, 4);
	free(d);
	/* One already there is no new entry; a new keyless one is left out. */
	assert_int_equal(merge(full, "{\"states\":[{\"value\":3}]}"), 0);
	assert_int_equal(merge(full, "{\"states\":[{\"value\":1000}]}"), 0);
	assert_int_equal(truncated, 5);
	/* Keyed entries still have room. */
	assert_int_equal(merge(full, "{\"states\":[{\"field\":\"f\",\"value\":1}]}"), 1);
	assert_int_equal(section_length(full, "states"), N2M_READINGS_MAX_KEYLESS + 1);
	assert_int_equal(truncated, 5);
	json_object_put(full);
}

/* A server sending ever new sensor ids cannot grow a section past
 * N2M_READINGS_MAX_ENTRIES; entries already there keep updating. */
static void entries_per_section_are_limited(void **state)
{
	(void)state;
	struct json_object *full = json_object_new_object();
	truncated = 0;
	for (int round = 0; round < 3; round++) {
		char *d = delta_of("virtual_sensors", "{\"sensor_id\":%d,\"value\":1}",
				   round * 200, 200);
		merge(full, d);
		free(d);
	}
	assert_int_equal(section_length(full, "virtual_sensors"), N2M_READINGS_MAX_ENTRIES);
	assert_int_equal(truncated, 600 - N2M_READINGS_MAX_ENTRIES);
	assert_int_equal(merge(full, "{\"virtual_sensors\":[{\"sensor_id\":5,\"value\":2}]}"), 1);
	expect_equal(json_object_array_get_idx(section(full, "virtual_sensors"), 5),
		     "{\"sensor_id\":5,\"value\":2}");
	assert_int_equal(truncated, 600 - N2M_READINGS_MAX_ENTRIES);
	/* The other sections have their own room. */
	assert_int_equal(merge(full, "{\"counters\":[{\"type\":\"odometer\",\"value\":1}]}"), 1);
	json_object_put(full);
}

/* A merged payload above N2M_READINGS_MAX_BYTES is not stored or
 * published, and counted; the stored readings stay, on both paths. */
static void oversized_readings_keep_the_stored_ones(void **state)
{
	(void)state;
	struct n2m_config cfg;
	struct n2m_tracker_table t;
	n2m_config_defaults(&cfg);
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_TRACKER_ID);
	struct n2m_tracker *tr = n2m_tracker_get_or_add(&t, 7, NULL);
	uint64_t count = 0;
	struct n2m_map_ctx ctx = { .base_topic = "n", .topics = &cfg.topics, .now = 1760000000,
				   .readings_truncated = &count };
	struct n2m_pub_list out;
	n2m_pub_list_init(&out);
	const char *small = "{\"tracker_id\":7,\"counters\":[{\"type\":\"odo\",\"value\":1}]}";
	assert_int_equal(n2m_map_readings_text(&ctx, tr, small, strlen(small), &out, err,
					       sizeof err), 0);
	assert_int_equal(out.n, 1);
	char *kept = strdup(tr->readings_json);
	/* 200 keyed entries of ~400 bytes: within the entry limits, above
	 * the byte limit. */
	char fmt[512];
	snprintf(fmt, sizeof fmt, "{\"sensor_id\":%%d,\"label\":\"%0390d\"}", 0);
	char *big = delta_of("inputs", fmt, 1, 200);
	struct json_object *o = J(big);
	for (int text = 0; text <= 1; text++) {
		n2m_pub_list_clear(&out);
		int rc = text ? n2m_map_readings_text(&ctx, tr, big, strlen(big), &out, err, sizeof err)
			      : n2m_map_readings(&ctx, tr, o, &out, err, sizeof err);
		assert_int_equal(rc, 0);
		assert_int_equal(out.n, 0);
		assert_string_equal(tr->readings_json, kept);
		assert_int_equal(count, (uint64_t)text + 1);
	}
	json_object_put(o);
	free(big);
	free(kept);
	n2m_pub_list_free(&out);
	n2m_tracker_table_free(&t);
	n2m_config_free(&cfg);
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
		cmocka_unit_test(keyless_entries_are_limited),
		cmocka_unit_test(entries_per_section_are_limited),
		cmocka_unit_test(oversized_readings_keep_the_stored_ones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
