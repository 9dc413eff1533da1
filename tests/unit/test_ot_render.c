/* SPDX-License-Identifier: MIT */
/*
 * test_ot_render.c - the OwnTracks plugin's messages against the OwnTracks
 * JSON format: topic, _type location with lat/lon/tst/acc/alt/vel/cog/
 * batt/tid/conn/t/created_at as the right JSON types, optional fields left
 * out when unknown, device and tid naming, and the card.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "ot_render.h"

static struct ot_config config(void)
{
	struct ot_config c = { "owntracks", "navixy", 0, 0, 10 };
	return c;
}

static struct n2m_tracker_view view(void)
{
	struct n2m_tracker_view t;

	memset(&t, 0, sizeof t);
	t.struct_size = sizeof t;
	t.id = 100012;
	t.label = "Truck 12";
	t.topic_id = "100012";
	t.model = "";
	t.device_id = "";
	t.fix_time_text = "";
	t.connection_status = "";
	t.movement_status = "";
	t.has = N2M_HAS_LATITUDE | N2M_HAS_LONGITUDE | N2M_HAS_ALTITUDE | N2M_HAS_SPEED |
		N2M_HAS_HEADING | N2M_HAS_ACCURACY | N2M_HAS_FIX_TIME | N2M_HAS_BATTERY;
	t.latitude = 25.841693;
	t.longitude = -97.795668;
	t.altitude = 10.4;
	t.speed = 79.6;
	t.heading = 358.2;
	t.accuracy = 4.6;
	t.fix_time = 1759969888;
	t.battery_level = 66;
	t.availability = 1;
	return t;
}

static struct json_object *member(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("missing %s", key);
	assert_int_equal(json_object_get_type(v), type);
	return v;
}

static void location_fields(void **state)
{
	(void)state;
	struct ot_config c = config();
	struct n2m_tracker_view t = view();
	char *text = ot_render_location(&c, &t, 1759970000);
	struct json_object *o = json_tokener_parse(text);

	assert_non_null(o);
	assert_string_equal(json_object_get_string(member(o, "_type", json_type_string)), "location");
	assert_true(json_object_get_double(member(o, "lat", json_type_double)) == 25.841693);
	assert_true(json_object_get_double(member(o, "lon", json_type_double)) == -97.795668);
	assert_int_equal(json_object_get_int64(member(o, "tst", json_type_int)), 1759969888);
	assert_int_equal(json_object_get_int(member(o, "acc", json_type_int)), 5);
	assert_int_equal(json_object_get_int(member(o, "alt", json_type_int)), 10);
	assert_int_equal(json_object_get_int(member(o, "vel", json_type_int)), 80);
	assert_int_equal(json_object_get_int(member(o, "cog", json_type_int)), 358);
	assert_int_equal(json_object_get_int(member(o, "batt", json_type_int)), 66);
	assert_string_equal(json_object_get_string(member(o, "tid", json_type_string)), "T2");
	assert_string_equal(json_object_get_string(member(o, "conn", json_type_string)), "m");
	assert_string_equal(json_object_get_string(member(o, "t", json_type_string)), "t");
	assert_int_equal(json_object_get_int64(member(o, "created_at", json_type_int)), 1759970000);
	json_object_put(o);
	free(text);
}

static void optional_fields_and_defaults(void **state)
{
	(void)state;
	struct ot_config c = config();
	struct n2m_tracker_view t = view();
	char *text;
	struct json_object *o;

	t.has = N2M_HAS_LATITUDE | N2M_HAS_LONGITUDE;
	t.availability = 0;
	text = ot_render_location(&c, &t, 0);
	o = json_tokener_parse(text);
	/* No accuracy reported: the default, since consumers drop fixes without acc. */
	assert_int_equal(json_object_get_int(member(o, "acc", json_type_int)), 10);
	assert_int_equal(json_object_get_int64(member(o, "tst", json_type_int)), 0);
	assert_string_equal(json_object_get_string(member(o, "conn", json_type_string)), "o");
	static const char *const absent[] = { "alt", "vel", "cog", "batt", "created_at" };
	for (size_t i = 0; i < 5; i++)
		assert_false(json_object_object_get_ex(o, absent[i], NULL));
	json_object_put(o);
	free(text);

	t.availability = -1;
	text = ot_render_location(&c, &t, 1000);
	o = json_tokener_parse(text);
	assert_false(json_object_object_get_ex(o, "conn", NULL));
	/* No fix time: the render time. */
	assert_int_equal(json_object_get_int64(member(o, "tst", json_type_int)), 1000);
	json_object_put(o);
	free(text);

	t.has = N2M_HAS_LATITUDE;
	assert_null(ot_render_location(&c, &t, 1000));
}

static void topics_and_names(void **state)
{
	(void)state;
	struct ot_config c = config();
	struct n2m_tracker_view t = view();
	char topic[256], dev[OT_LEVEL_MAX + 1], tid[3];

	assert_int_equal(ot_topic(&c, &t, topic, sizeof topic), 0);
	assert_string_equal(topic, "owntracks/navixy/Truck_12");
	t.label = "a/b+c#d ü";
	ot_device_name(&c, &t, dev);
	assert_string_equal(dev, "a_b_c_d__");
	t.label = "///";
	ot_device_name(&c, &t, dev);
	assert_string_equal(dev, "100012");
	t.label = "..";
	ot_device_name(&c, &t, dev);
	assert_string_equal(dev, "100012");
	t.label = "Van";
	ot_tid(&c, &t, tid);
	assert_string_equal(tid, "VN");
	t.label = "x";
	ot_tid(&c, &t, tid);
	assert_string_equal(tid, "12");
	c.device_by_id = 1;
	c.tid_by_id = 1;
	c.user = "fleet";
	t.label = "Truck 7";
	assert_int_equal(ot_topic(&c, &t, topic, sizeof topic), 0);
	assert_string_equal(topic, "owntracks/fleet/100012");
	ot_tid(&c, &t, tid);
	assert_string_equal(tid, "12");
}

static void card(void **state)
{
	(void)state;
	struct ot_config c = config();
	struct n2m_tracker_view t = view();
	char *text = ot_render_card(&c, &t);
	struct json_object *o = json_tokener_parse(text);

	assert_string_equal(json_object_get_string(member(o, "_type", json_type_string)), "card");
	assert_string_equal(json_object_get_string(member(o, "name", json_type_string)), "Truck 12");
	assert_string_equal(json_object_get_string(member(o, "tid", json_type_string)), "T2");
	json_object_put(o);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(location_fields),
		cmocka_unit_test(optional_fields_and_defaults),
		cmocka_unit_test(topics_and_names),
		cmocka_unit_test(card),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
