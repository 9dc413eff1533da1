/* SPDX-License-Identifier: MIT */
/*
 * test_subscription.c - the desired subscription set: rate-limit grammar,
 * add/remove/"all", coverage, equality, validation and the JSON round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <json-c/json.h>

#include "subscription.h"

static struct n2m_sub request(enum n2m_sub_type type, int64_t *ids, size_t n)
{
	struct n2m_sub r;
	memset(&r, 0, sizeof(r));
	r.type = type;
	r.include_components = -1;
	r.ids = ids;
	r.n_ids = n;
	r.all = ids == NULL;
	return r;
}

static void rate_limit_grammar(void **state)
{
	(void)state;
	assert_int_equal(n2m_rate_limit_ms("500ms"), 500);
	assert_int_equal(n2m_rate_limit_ms("1s"), 1000);
	assert_int_equal(n2m_rate_limit_ms("5s"), 5000);
	assert_int_equal(n2m_rate_limit_ms("2m"), 120000);
	assert_int_equal(n2m_rate_limit_ms("1h"), 3600000);
	assert_int_equal(n2m_rate_limit_ms("007s"), 7000);
	const char *bad[] = { "", "s", "0s", "0ms", "1", "1 s", " 1s", "1S", "-1s", "+1s",
			      "1.5s", "1d", "1sec", "1ms2", "99999999999999999999999s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(n2m_rate_limit_ms(bad[i]), -1);
	assert_int_equal(n2m_rate_limit_ms(NULL), -1);
}

static void names_round_trip(void **state)
{
	(void)state;
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++) {
		enum n2m_sub_type parsed;
		assert_int_equal(n2m_sub_type_parse(n2m_sub_type_name((enum n2m_sub_type)t), &parsed), 0);
		assert_int_equal(parsed, t);
	}
	enum n2m_sub_type type;
	assert_int_equal(n2m_sub_type_parse("State_batch", &type), -1);
	enum n2m_sub_format format;
	assert_int_equal(n2m_sub_format_parse("compact", &format), 0);
	assert_int_equal(format, N2M_FORMAT_COMPACT);
	assert_string_equal(n2m_sub_format_name(format), "compact");
	assert_int_equal(n2m_sub_format_parse("short", &format), -1);
}

static void default_set(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	n2m_sub_set_default(&set);
	assert_true(set.subs[N2M_SUB_STATE_BATCH].active);
	assert_true(set.subs[N2M_SUB_STATE_BATCH].all);
	assert_string_equal(set.subs[N2M_SUB_STATE_BATCH].rate_limit, "1s");
	assert_true(set.subs[N2M_SUB_READINGS_BATCH].active);
	assert_true(set.subs[N2M_SUB_READINGS_BATCH].all);
	assert_false(set.subs[N2M_SUB_STATE].active);
	assert_false(set.subs[N2M_SUB_IOT_MONITOR].active);
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++)
		assert_int_equal(set.subs[t].type, t);
	n2m_sub_set_free(&set);
}

static void add_keeps_ids_sorted_and_unique(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	n2m_sub_set_init(&set);
	int64_t a[] = { 30, 10, 20, 10 };
	struct n2m_sub r = request(N2M_SUB_STATE, a, 4);
	assert_int_equal(n2m_sub_set_add(&set, &r), 0);
	struct n2m_sub *s = &set.subs[N2M_SUB_STATE];
	assert_true(s->active);
	assert_false(s->all);
	assert_int_equal(s->n_ids, 3);
	assert_int_equal(s->ids[0], 10);
	assert_int_equal(s->ids[2], 30);

	int64_t b[] = { 25, 5, 30 };
	r = request(N2M_SUB_STATE, b, 3);
	r.format = N2M_FORMAT_COMPACT;
	assert_int_equal(n2m_sub_set_add(&set, &r), 0);
	int64_t want[] = { 5, 10, 20, 25, 30 };
	assert_int_equal(s->n_ids, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(s->ids[i], want[i]);
	assert_int_equal(s->format, N2M_FORMAT_COMPACT); /* options replaced */
	assert_true(n2m_sub_covers(s, 25));
	assert_false(n2m_sub_covers(s, 26));
	assert_true(n2m_sub_set_covers(&set, 5));
	assert_false(n2m_sub_set_covers(&set, 6));
	n2m_sub_set_free(&set);
}

static void add_many_grows(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	n2m_sub_set_init(&set);
	for (int64_t id = 1000; id > 0; id--) {
		struct n2m_sub r = request(N2M_SUB_STATE_BATCH, &id, 1);
		assert_int_equal(n2m_sub_set_add(&set, &r), 0);
	}
	const struct n2m_sub *s = &set.subs[N2M_SUB_STATE_BATCH];
	assert_int_equal(s->n_ids, 1000);
	for (size_t i = 0; i < s->n_ids; i++)
		assert_int_equal(s->ids[i], (int64_t)i + 1);
	n2m_sub_set_free(&set);
}

static void all_absorbs_ids_and_refuses_partial_remove(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	n2m_sub_set_init(&set);
	int64_t ids[] = { 1, 2 };
	struct n2m_sub r = request(N2M_SUB_STATE_BATCH, ids, 2);
	assert_int_equal(n2m_sub_set_add(&set, &r), 0);
	r = request(N2M_SUB_STATE_BATCH, NULL, 0);
	strcpy(r.rate_limit, "5s");
	assert_int_equal(n2m_sub_set_add(&set, &r), 0);
	struct n2m_sub *s = &set.subs[N2M_SUB_STATE_BATCH];
	assert_true(s->all);
	assert_int_equal(s->n_ids, 0);
	assert_string_equal(s->rate_limit, "5s");
	assert_true(n2m_sub_covers(s, 123456));

	int64_t more[] = { 7 };
	r = request(N2M_SUB_STATE_BATCH, more, 1);
	strcpy(r.rate_limit, "5s");
	assert_int_equal(n2m_sub_set_add(&set, &r), 0);
	assert_true(s->all); /* still all */

	r = request(N2M_SUB_STATE_BATCH, more, 1);
	assert_int_equal(n2m_sub_set_remove(&set, &r), 1);
	assert_true(s->all);

	r = request(N2M_SUB_STATE_BATCH, NULL, 0);
	assert_int_equal(n2m_sub_set_remove(&set, &r), 0);
	assert_false(s->active);
	assert_false(n2m_sub_set_covers(&set, 123456));
	n2m_sub_set_free(&set);
}

static void remove_ids(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	n2m_sub_set_init(&set);
	int64_t ids[] = { 1, 2, 3, 4, 5 };
	struct n2m_sub r = request(N2M_SUB_READINGS_BATCH, ids, 5);
	assert_int_equal(n2m_sub_set_add(&set, &r), 0);
	int64_t drop[] = { 4, 99, 2, 2 };
	r = request(N2M_SUB_READINGS_BATCH, drop, 4);
	assert_int_equal(n2m_sub_set_remove(&set, &r), 0);
	struct n2m_sub *s = &set.subs[N2M_SUB_READINGS_BATCH];
	assert_int_equal(s->n_ids, 3);
	assert_int_equal(s->ids[0], 1);
	assert_int_equal(s->ids[1], 3);
	assert_int_equal(s->ids[2], 5);
	int64_t rest[] = { 1, 3, 5 };
	r = request(N2M_SUB_READINGS_BATCH, rest, 3);
	assert_int_equal(n2m_sub_set_remove(&set, &r), 0);
	assert_false(s->active); /* an empty selection is no subscription */
	assert_int_equal(s->type, N2M_SUB_READINGS_BATCH);
	n2m_sub_set_free(&set);
}

static void copy_and_equality(void **state)
{
	(void)state;
	struct n2m_sub_set a, b;
	n2m_sub_set_default(&a);
	int64_t ids[] = { 42, 7 };
	struct n2m_sub r = request(N2M_SUB_IOT_MONITOR, ids, 2);
	assert_int_equal(n2m_sub_set_add(&a, &r), 0);
	assert_int_equal(n2m_sub_set_copy(&b, &a), 0);
	assert_true(n2m_sub_set_equal(&a, &b));
	assert_ptr_not_equal(a.subs[N2M_SUB_IOT_MONITOR].ids, b.subs[N2M_SUB_IOT_MONITOR].ids);

	int64_t extra = 8;
	r = request(N2M_SUB_IOT_MONITOR, &extra, 1);
	assert_int_equal(n2m_sub_set_add(&b, &r), 0);
	assert_false(n2m_sub_set_equal(&a, &b));
	assert_int_equal(n2m_sub_set_remove(&b, &r), 0);
	assert_true(n2m_sub_set_equal(&a, &b));

	strcpy(b.subs[N2M_SUB_STATE_BATCH].rate_limit, "2s");
	assert_false(n2m_sub_set_equal(&a, &b));
	strcpy(b.subs[N2M_SUB_STATE_BATCH].rate_limit, "1s");
	b.subs[N2M_SUB_READINGS_BATCH].include_components = 0;
	assert_false(n2m_sub_set_equal(&a, &b));
	n2m_sub_set_free(&a);
	n2m_sub_set_free(&b);
}

static void validation(void **state)
{
	(void)state;
	char err[256];
	int64_t eleven[11] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	struct n2m_sub r = request(N2M_SUB_IOT_MONITOR, eleven, 10);
	r.active = 1;
	assert_int_equal(n2m_sub_validate(N2M_SUB_IOT_MONITOR, &r, err, sizeof(err)), 0);
	r.n_ids = 11;
	assert_int_equal(n2m_sub_validate(N2M_SUB_IOT_MONITOR, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "trackers: iot_monitor takes at most 10 trackers (got 11)"));
	r = request(N2M_SUB_IOT_MONITOR, NULL, 0);
	r.active = 1;
	assert_int_equal(n2m_sub_validate(N2M_SUB_IOT_MONITOR, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "trackers:"));

	r = request(N2M_SUB_STATE_BATCH, NULL, 0);
	r.active = 1;
	strcpy(r.rate_limit, "1x");
	assert_int_equal(n2m_sub_validate(N2M_SUB_STATE_BATCH, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rate_limit:"));
	assert_non_null(strstr(err, "\"1x\""));
	strcpy(r.rate_limit, "250ms");
	assert_int_equal(n2m_sub_validate(N2M_SUB_STATE_BATCH, &r, err, sizeof(err)), 0);
	strcpy(r.sensor_type, "fuel");
	assert_int_equal(n2m_sub_validate(N2M_SUB_STATE_BATCH, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sensor_type:"));

	r = request(N2M_SUB_READINGS_BATCH, NULL, 0);
	r.active = 1;
	r.format = N2M_FORMAT_COMPACT;
	assert_int_equal(n2m_sub_validate(N2M_SUB_READINGS_BATCH, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "format:"));

	int64_t neg = -5;
	r = request(N2M_SUB_STATE, &neg, 1);
	r.active = 1;
	assert_int_equal(n2m_sub_validate(N2M_SUB_STATE, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-5"));
}

static void json_round_trip(void **state)
{
	(void)state;
	struct n2m_sub_set a, b;
	n2m_sub_set_default(&a);
	struct n2m_sub r = request(N2M_SUB_READINGS_BATCH, NULL, 0);
	assert_int_equal(n2m_sub_set_remove(&a, &r), 0);
	int64_t ids[] = { 456, 123 };
	r = request(N2M_SUB_READINGS_BATCH, ids, 2);
	strcpy(r.sensor_type, "fuel");
	r.include_components = 0;
	assert_int_equal(n2m_sub_set_add(&a, &r), 0);
	a.subs[N2M_SUB_STATE_BATCH].format = N2M_FORMAT_COMPACT;

	struct json_object *obj = n2m_sub_set_to_json(&a);
	assert_non_null(obj);
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	assert_non_null(strstr(text, "\"state_batch\":{\"trackers\":\"all\",\"rate_limit\":\"1s\",\"format\":\"compact\"}"));
	assert_non_null(strstr(text, "\"trackers\":[123,456]"));
	assert_null(strstr(text, "iot_monitor"));

	/* through text, as the state file does */
	struct json_object *parsed = json_tokener_parse(text);
	char err[256];
	assert_int_equal(n2m_sub_set_from_json(&b, parsed, err, sizeof(err)), 0);
	assert_true(n2m_sub_set_equal(&a, &b));
	json_object_put(parsed);
	json_object_put(obj);
	n2m_sub_set_free(&a);
	n2m_sub_set_free(&b);
}

static void json_errors_name_the_field(void **state)
{
	(void)state;
	static const struct { const char *json, *want; } cases[] = {
		{ "[]", "expected a JSON object" },
		{ "{\"states\":{}}", "states: unknown subscription type" },
		{ "{\"state\":5}", "state.expected an object" },
		{ "{\"state\":{\"trackers\":[1,\"2\"]}}", "state.trackers[1]: expected a positive integer" },
		{ "{\"state\":{\"trackers\":[0]}}", "state.trackers[0]: expected a positive integer" },
		{ "{\"state\":{\"trackers\":[]}}", "state.trackers: empty list" },
		{ "{\"state\":{\"trackers\":\"some\"}}", "state.trackers: must be \"all\"" },
		{ "{\"state_batch\":{\"rate_limit\":\"fast\"}}", "state_batch.rate_limit: must be" },
		{ "{\"state_batch\":{\"format\":\"tiny\"}}", "state_batch.format: must be" },
		{ "{\"state_batch\":{\"colour\":1}}", "state_batch.colour: unknown field" },
		{ "{\"readings_batch\":{\"include_components\":1}}", "readings_batch.include_components: expected true or false" },
		{ "{\"iot_monitor\":{\"trackers\":[1,2,3,4,5,6,7,8,9,10,11]}}", "iot_monitor.trackers: iot_monitor takes at most 10" },
		{ "{\"iot_monitor\":{}}", "iot_monitor.trackers: iot_monitor needs a list" },
		{ "{\"readings_batch\":{\"sensor_type\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}", "readings_batch.sensor_type: longer than" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *obj = json_tokener_parse(cases[i].json);
		assert_non_null(obj);
		struct n2m_sub_set set;
		char err[256] = "";
		assert_int_equal(n2m_sub_set_from_json(&set, obj, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].json, err, cases[i].want);
		json_object_put(obj);
		n2m_sub_set_free(&set);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rate_limit_grammar),
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(default_set),
		cmocka_unit_test(add_keeps_ids_sorted_and_unique),
		cmocka_unit_test(add_many_grows),
		cmocka_unit_test(all_absorbs_ids_and_refuses_partial_remove),
		cmocka_unit_test(remove_ids),
		cmocka_unit_test(copy_and_equality),
		cmocka_unit_test(validation),
		cmocka_unit_test(json_round_trip),
		cmocka_unit_test(json_errors_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
