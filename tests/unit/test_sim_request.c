/* SPDX-License-Identifier: MIT */
/*
 * test_sim_request.c - navixy-sim client message parsing: both forms and
 * every error code (3, 4, 5, 7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim_request.h"

#define H "0123456789abcdef0123456789abcdef"

static int only_h(void *ctx, const char *hash)
{
	(void)ctx;
	return strcmp(hash, H) == 0;
}

static int parse(const char *msg, struct sim_request *r, struct sim_req_error *e)
{
	return sim_request_parse(msg, strlen(msg), only_h, NULL, r, e);
}

static void expect_code(const char *msg, int code, const char *action)
{
	struct sim_request r;
	struct sim_req_error e;
	int rc = parse(msg, &r, &e);
	assert_int_equal(rc, code);
	assert_int_equal(e.code, code);
	if (action)
		assert_string_equal(e.action, action);
	sim_req_error_free(&e);
	sim_request_free(&r);
}

static void new_form(void **state)
{
	(void)state;
	struct sim_request r;
	struct sim_req_error e;
	const char *m = "{\"action\":\"subscribe\",\"hash\":\"" H "\",\"iso_datetime\":true,"
			"\"requests\":[{\"type\":\"state_batch\",\"target\":{\"type\":\"all\"},"
			"\"rate_limit\":\"5s\",\"format\":\"compact\",\"include_components\":true},"
			"{\"type\":\"readings_batch\",\"target\":{\"type\":\"selected\",\"tracker_ids\":[7,8]},"
			"\"sensor_type\":\"fuel\",\"unknown_field\":1}]}";
	assert_int_equal(parse(m, &r, &e), 0);
	assert_int_equal(r.action, ACT_SUBSCRIBE);
	assert_int_equal(r.iso, 1);
	assert_int_equal(r.legacy, 0);
	assert_int_equal(r.n_items, 2);
	assert_int_equal(r.items[0].type, EV_STATE_BATCH);
	assert_true(r.items[0].all);
	assert_int_equal(r.items[0].rate_ms, 5000);
	assert_int_equal(r.items[0].compact, 1);
	assert_int_equal(r.items[1].type, EV_READINGS_BATCH);
	assert_false(r.items[1].all);
	assert_int_equal(r.items[1].n_ids, 2);
	assert_int_equal(r.items[1].ids[1], 8);
	assert_int_equal(r.items[1].rate_ms, -1);
	assert_string_equal(r.items[1].flt.sensor_type, "fuel");
	sim_request_free(&r);
}

static void legacy_form(void **state)
{
	(void)state;
	struct sim_request r;
	struct sim_req_error e;
	const char *m = "{\"action\":\"unsubscribe\",\"hash\":\"" H "\",\"events\":[\"state\"],"
			"\"trackers\":[15564,15565]}";
	assert_int_equal(parse(m, &r, &e), 0);
	assert_int_equal(r.action, ACT_UNSUBSCRIBE);
	assert_int_equal(r.legacy, 1);
	assert_int_equal(r.iso, -1);
	assert_int_equal(r.n_items, 1);
	assert_int_equal(r.items[0].type, EV_STATE);
	assert_int_equal(r.items[0].n_ids, 2);
	assert_int_equal(r.items[0].ids[0], 15564);
	sim_request_free(&r);
}

static void state_request(void **state)
{
	(void)state;
	struct sim_request r;
	struct sim_req_error e;
	const char *m = "{\"action\":\"subscribe\",\"hash\":\"" H "\",\"requests\":[{\"type\":\"state\","
			"\"trackers\":[1,2,3],\"format\":\"full\"}]}";
	assert_int_equal(parse(m, &r, &e), 0);
	assert_int_equal(r.items[0].type, EV_STATE);
	assert_int_equal(r.items[0].n_ids, 3);
	assert_int_equal(r.items[0].compact, 0);
	sim_request_free(&r);
}

static void errors_5(void **state)
{
	(void)state;
	expect_code("not json", 5, "null");
	expect_code("{\"action\":\"subscribe\"", 5, "null");
	expect_code("[1,2]", 5, "null");
	expect_code("{\"a\":1} trailing", 5, "null");
	expect_code("{\"hash\":\"" H "\"}", 5, "null");
	expect_code("{\"action\":\"dance\",\"hash\":\"" H "\"}", 5, "null");
	expect_code("{\"action\":\"subscribe\",\"hash\":\"" H "\"}", 5, "subscription/subscribe");
	expect_code("{\"action\":\"subscribe\",\"hash\":\"" H "\",\"requests\":{}}", 5,
		    "subscription/subscribe");
	expect_code("{\"action\":\"subscribe\",\"hash\":\"" H "\",\"requests\":[3]}", 5, NULL);
}

static void errors_3_4(void **state)
{
	(void)state;
	expect_code("{\"action\":\"subscribe\",\"requests\":[]}", 3, "subscription/subscribe");
	expect_code("{\"action\":\"subscribe\",\"hash\":\"abc\"}", 3, NULL);
	expect_code("{\"action\":\"subscribe\",\"hash\":\"0123456789abcdef0123456789abcdeg\"}", 3, NULL);
	expect_code("{\"action\":\"subscribe\",\"hash\":42}", 3, NULL);
	expect_code("{\"action\":\"unsubscribe\",\"hash\":\"ffffffffffffffffffffffffffffffff\","
		    "\"events\":[\"state\"],\"trackers\":[1]}",
		    4, "subscription/unsubscribe");
}

static void errors_7(void **state)
{
	(void)state;
	const char *pre = "{\"action\":\"subscribe\",\"hash\":\"" H "\",";
	const char *bad[] = {
		"\"requests\":[]}",
		"\"requests\":[{\"type\":\"bogus\",\"target\":{\"type\":\"all\"}}]}",
		"\"requests\":[{\"target\":{\"type\":\"all\"}}]}",
		"\"requests\":[{\"type\":\"state_batch\"}]}",
		"\"requests\":[{\"type\":\"state_batch\",\"target\":{\"type\":\"some\"}}]}",
		"\"requests\":[{\"type\":\"state_batch\",\"target\":{\"type\":\"selected\"}}]}",
		"\"requests\":[{\"type\":\"state_batch\",\"target\":{\"type\":\"selected\",\"tracker_ids\":[\"x\"]}}]}",
		"\"requests\":[{\"type\":\"state_batch\",\"target\":{\"type\":\"selected\",\"tracker_ids\":[-1]}}]}",
		"\"requests\":[{\"type\":\"state_batch\",\"target\":{\"type\":\"all\"},\"rate_limit\":\"fast\"}]}",
		"\"requests\":[{\"type\":\"state_batch\",\"target\":{\"type\":\"all\"},\"rate_limit\":5}]}",
		"\"requests\":[{\"type\":\"state_batch\",\"target\":{\"type\":\"all\"},\"format\":\"tiny\"}]}",
		"\"requests\":[{\"type\":\"readings_batch\",\"target\":{\"type\":\"all\"},\"sensor_type\":\"x\"}]}",
		"\"requests\":[{\"type\":\"readings_batch\",\"target\":{\"type\":\"all\"},\"include_components\":1}]}",
		"\"requests\":[{\"type\":\"iot_monitor\",\"target\":{\"type\":\"selected\",\"tracker_ids\":[1,2,3,4,5,6,7,8,9,10,11]}}]}",
		"\"requests\":[{\"type\":\"state\"}]}",
		"\"events\":[\"state_batch\"],\"trackers\":[1]}",
		"\"events\":[],\"trackers\":[1]}",
		"\"events\":[\"state\"],\"trackers\":[1.5]}",
	};
	char buf[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", pre, bad[i]);
		struct sim_request r;
		struct sim_req_error e;
		int rc = parse(buf, &r, &e);
		if (rc != 7)
			fail_msg("expected 7, got %d for %s", rc, buf);
		/* the error echoes the request without its hash */
		assert_non_null(e.data_json);
		assert_null(strstr(e.data_json, H));
		sim_req_error_free(&e);
	}
}

static void iot_ten_ok(void **state)
{
	(void)state;
	struct sim_request r;
	struct sim_req_error e;
	const char *m = "{\"action\":\"subscribe\",\"hash\":\"" H "\",\"requests\":[{\"type\":\"iot_monitor\","
			"\"target\":{\"type\":\"selected\",\"tracker_ids\":[1,2,3,4,5,6,7,8,9,10]},\"rate_limit\":\"500ms\"}]}";
	assert_int_equal(parse(m, &r, &e), 0);
	assert_int_equal(r.items[0].rate_ms, 500);
	sim_request_free(&r);
}

static void unsubscribe_without_target(void **state)
{
	(void)state;
	struct sim_request r;
	struct sim_req_error e;
	const char *m = "{\"action\":\"unsubscribe\",\"hash\":\"" H "\",\"requests\":[{\"type\":\"state_batch\"}]}";
	assert_int_equal(parse(m, &r, &e), 0);
	assert_true(r.items[0].all);
	sim_request_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_form),       cmocka_unit_test(legacy_form),
		cmocka_unit_test(state_request),  cmocka_unit_test(errors_5),
		cmocka_unit_test(errors_3_4),     cmocka_unit_test(errors_7),
		cmocka_unit_test(iot_ten_ok),     cmocka_unit_test(unsubscribe_without_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
