/* SPDX-License-Identifier: MIT */
/*
 * test_topic_filter.c - SUBSCRIBE filter validation and topic matching
 * (used to route messages to plugins), and the tracker view plugins get.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "plugin_view.h"
#include "topic_filter.h"

static int valid(const char *f)
{
	char err[128];
	return n2m_topic_filter_validate(f, strlen(f), err, sizeof err) == 0;
}

static void validation(void **state)
{
	(void)state;
	char err[128];

	assert_true(valid("a/b"));
	assert_true(valid("#"));
	assert_true(valid("+"));
	assert_true(valid("a/+/c/#"));
	assert_true(valid("/"));
	assert_false(valid(""));
	assert_false(valid("a#"));
	assert_false(valid("a/#/b"));
	assert_false(valid("a+/b"));
	assert_false(valid("a/b+"));
	assert_false(valid("\xff"));
	assert_false(valid("a/\xef\xbf\xbf/#"));  /* U+FFFF: the broker would disconnect */
	assert_false(valid("a/\x01/+"));
	assert_int_equal(n2m_topic_filter_validate("a\0b", 3, err, sizeof err), -1);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(n2m_topic_filter_validate(NULL, 0, err, sizeof err), -1);
}

static void matching(void **state)
{
	(void)state;
	assert_true(n2m_topic_filter_match("homeassistant/status", "homeassistant/status"));
	assert_false(n2m_topic_filter_match("homeassistant/status", "homeassistant/status/x"));
	assert_false(n2m_topic_filter_match("homeassistant/status", "homeassistant"));
	assert_true(n2m_topic_filter_match("a/+/c", "a/b/c"));
	assert_true(n2m_topic_filter_match("a/+/c", "a//c"));
	assert_false(n2m_topic_filter_match("a/+/c", "a/b/d"));
	assert_false(n2m_topic_filter_match("a/+", "a/b/c"));
	assert_true(n2m_topic_filter_match("a/#", "a"));
	assert_true(n2m_topic_filter_match("a/#", "a/b/c"));
	assert_false(n2m_topic_filter_match("a/#", "ab"));
	assert_true(n2m_topic_filter_match("#", "x/y"));
	assert_false(n2m_topic_filter_match("#", "$SYS/broker"));
	assert_false(n2m_topic_filter_match("+/broker", "$SYS/broker"));
	assert_true(n2m_topic_filter_match("$SYS/#", "$SYS/broker"));
	assert_true(n2m_topic_filter_match("+/+", "/x"));
	assert_false(n2m_topic_filter_match(NULL, "a"));
	assert_false(n2m_topic_filter_match("a", NULL));
}

static void tracker_view(void **state)
{
	(void)state;
	static const char st[] = "{\"connection_status\":\"idle\",\"movement_status\":\"parked\","
				 "\"ignition\":false,\"battery_level\":\"55\",\"gsm\":null}";
	struct n2m_tracker_table t;
	struct n2m_plugin_view_buf buf;
	struct n2m_tracker *tr;

	assert_int_equal(n2m_tracker_table_init(&t, N2M_TOPIC_ID_TRACKER_ID), 0);
	tr = n2m_tracker_get_or_add(&t, 42, NULL);
	assert_non_null(tr);
	/* Nothing known yet: every optional value unknown, strings not NULL. */
	n2m_plugin_view_build(tr, NULL, 0, &buf);
	assert_int_equal(buf.view.struct_size, sizeof buf.view);
	assert_int_equal(buf.view.id, 42);
	assert_string_equal(buf.view.label, "");
	assert_string_equal(buf.view.model, "");
	assert_string_equal(buf.view.connection_status, "");
	assert_int_equal(buf.view.has, 0);
	assert_int_equal(buf.view.availability, -1);
	assert_null(buf.view.state_json);

	assert_int_equal(n2m_tracker_store_state(tr, st, strlen(st)), 0);
	tr->location.valid = 1;
	tr->location.present = N2M_LOC_LATITUDE | N2M_LOC_LONGITUDE | N2M_LOC_FIX_TIME | N2M_LOC_FIX_EPOCH;
	tr->location.latitude = 1.5;
	tr->location.longitude = 2.5;
	tr->location.fix_epoch = 1000;
	tr->connection_online = 0;
	n2m_plugin_view_build(tr, NULL, N2M_CHANGED_STATE, &buf);
	assert_int_equal(buf.view.has, N2M_HAS_LATITUDE | N2M_HAS_LONGITUDE | N2M_HAS_FIX_TIME |
					   N2M_HAS_IGNITION | N2M_HAS_BATTERY);
	assert_int_equal(buf.view.fix_time, 1000);
	assert_int_equal(buf.view.ignition, 0);
	assert_true(buf.view.battery_level == 55.0); /* a number sent as a string */
	assert_string_equal(buf.view.connection_status, "idle");
	assert_string_equal(buf.view.movement_status, "parked");
	assert_int_equal(buf.view.availability, 0);
	assert_int_equal(buf.view.changed, N2M_CHANGED_STATE);
	assert_int_equal(buf.view.state_len, strlen(st));

	/* Models by id, replaced by each tracker list. */
	struct nvx_tracker_info info[2] = { { .id = 42, .label = "", .model = "m42", .device_id = "d42" },
					    { .id = 7, .label = "", .model = "m7", .device_id = "d7" } };
	struct nvx_tracker_list list = { .items = info, .n = 2 };
	struct n2m_plugin_models models = { NULL, 0 };
	assert_int_equal(n2m_plugin_models_set(&models, &list), 0);
	n2m_plugin_view_build(tr, &models, 0, &buf);
	assert_string_equal(buf.view.model, "m42");
	assert_string_equal(buf.view.device_id, "d42");
	assert_string_equal(n2m_plugin_models_find(&models, 7)->model, "m7");
	assert_null(n2m_plugin_models_find(&models, 8));
	list.n = 1;
	list.items = &info[1];
	assert_int_equal(n2m_plugin_models_set(&models, &list), 0);
	assert_null(n2m_plugin_models_find(&models, 42));
	n2m_plugin_models_free(&models);
	n2m_tracker_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validation),
		cmocka_unit_test(matching),
		cmocka_unit_test(tracker_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
