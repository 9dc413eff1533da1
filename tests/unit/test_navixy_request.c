/* SPDX-License-Identifier: MIT */
/*
 * test_navixy_request.c - subscribe/unsubscribe message text for the desired
 * subscription set (docs/protocol.md, "Subscribe and unsubscribe"), checked by parsing it back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "navixy_request.h"

#define HASH "22eac1c27af4be7b9d04da2ce1af111b"

static char err[256];

/* A stack-held sub with ids pointing at a static array (not freed). */
static struct n2m_sub sub_all(const char *rate)
{
	struct n2m_sub s;
	memset(&s, 0, sizeof(s));
	s.active = 1;
	s.all = 1;
	s.include_components = -1;
	strcpy(s.rate_limit, rate);
	return s;
}

static struct n2m_sub sub_ids(int64_t *ids, size_t n)
{
	struct n2m_sub s = sub_all("");
	s.all = 0;
	s.ids = ids;
	s.n_ids = n;
	return s;
}

static struct json_object *parse_back(char *text, size_t len)
{
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	struct json_object *o = json_tokener_parse(text);
	if (!o)
		fail_msg("not JSON: %s", text);
	free(text);
	return o;
}

static void expect_json(struct json_object *got, const char *want_text)
{
	struct json_object *want = json_tokener_parse(want_text);
	assert_non_null(want);
	if (!json_object_equal(got, want))
		fail_msg("got  %s\nwant %s", json_object_to_json_string(got), want_text);
	json_object_put(want);
	json_object_put(got);
}

static void full_set_example(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	memset(&set, 0, sizeof(set));
	int64_t rd_ids[] = { 1, 2 };
	int64_t st_ids[] = { 1701976, 1701975 };
	set.subs[N2M_SUB_STATE_BATCH] = sub_all("1s");
	set.subs[N2M_SUB_READINGS_BATCH] = sub_ids(rd_ids, 2);
	strcpy(set.subs[N2M_SUB_READINGS_BATCH].sensor_type, "fuel");
	set.subs[N2M_SUB_READINGS_BATCH].include_components = 0;
	set.subs[N2M_SUB_STATE] = sub_ids(st_ids, 2);
	set.subs[N2M_SUB_STATE].format = N2M_FORMAT_COMPACT;
	strcpy(set.subs[N2M_SUB_STATE].rate_limit, "5s"); /* never sent for state */
	size_t len = 0;
	char *text = nvx_request_build(NVX_REQ_SUBSCRIBE, HASH, 1, &set, &len, err, sizeof(err));
	expect_json(parse_back(text, len),
		    "{\"action\":\"subscribe\",\"hash\":\"" HASH "\",\"iso_datetime\":true,\"requests\":["
		    "{\"type\":\"state\",\"trackers\":[1701976,1701975],\"format\":\"compact\"},"
		    "{\"type\":\"state_batch\",\"target\":{\"type\":\"all\"},\"rate_limit\":\"1s\",\"format\":\"full\"},"
		    "{\"type\":\"readings_batch\",\"target\":{\"type\":\"selected\",\"tracker_ids\":[1,2]},"
		    "\"sensor_type\":\"fuel\",\"include_components\":false}]}");
}

static void options_omitted_when_empty(void **state)
{
	(void)state;
	struct n2m_sub s = sub_all("");
	size_t len = 0;
	char *text = nvx_request_build_one(NVX_REQ_SUBSCRIBE, HASH, 0, N2M_SUB_READINGS_BATCH, &s,
					   &len, err, sizeof(err));
	expect_json(parse_back(text, len),
		    "{\"action\":\"subscribe\",\"hash\":\"" HASH "\",\"requests\":["
		    "{\"type\":\"readings_batch\",\"target\":{\"type\":\"all\"}}]}");
	int64_t ids[] = { 21080 };
	s = sub_ids(ids, 1);
	strcpy(s.rate_limit, "5s");
	s.include_components = 1;
	text = nvx_request_build_one(NVX_REQ_SUBSCRIBE, HASH, 0, N2M_SUB_IOT_MONITOR, &s, &len, err,
				     sizeof(err));
	expect_json(parse_back(text, len),
		    "{\"action\":\"subscribe\",\"hash\":\"" HASH "\",\"requests\":["
		    "{\"type\":\"iot_monitor\",\"target\":{\"type\":\"selected\",\"tracker_ids\":[21080]},"
		    "\"rate_limit\":\"5s\"}]}");
}

static void unsubscribe_carries_only_targets(void **state)
{
	(void)state;
	int64_t ids[] = { 15568 };
	struct n2m_sub s = sub_ids(ids, 1);
	strcpy(s.rate_limit, "5s");
	size_t len = 0;
	char *text = nvx_request_build_one(NVX_REQ_UNSUBSCRIBE, HASH, 1, N2M_SUB_STATE_BATCH, &s, &len,
					   err, sizeof(err));
	expect_json(parse_back(text, len),
		    "{\"action\":\"unsubscribe\",\"hash\":\"" HASH "\",\"iso_datetime\":true,\"requests\":["
		    "{\"type\":\"state_batch\",\"target\":{\"type\":\"selected\",\"tracker_ids\":[15568]}}]}");
}

static void refusals(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	memset(&set, 0, sizeof(set));
	assert_null(nvx_request_build(NVX_REQ_SUBSCRIBE, HASH, 1, &set, NULL, err, sizeof(err)));
	assert_string_equal(err, "nothing to subscribe");
	set.subs[N2M_SUB_STATE_BATCH] = sub_ids(NULL, 0); /* selected, no ids */
	assert_null(nvx_request_build(NVX_REQ_SUBSCRIBE, HASH, 1, &set, NULL, err, sizeof(err)));
	set.subs[N2M_SUB_STATE_BATCH] = sub_all("1s");
	assert_null(nvx_request_build(NVX_REQ_SUBSCRIBE, "short", 1, &set, NULL, err, sizeof(err)));
	assert_string_equal(err, "hash: must be 32 hex characters");
	assert_null(nvx_request_build(NVX_REQ_SUBSCRIBE, "22eac1c27af4be7b9d04da2ce1af111\"", 1, &set,
				      NULL, err, sizeof(err)));
	assert_null(nvx_request_build(NVX_REQ_SUBSCRIBE, NULL, 1, &set, NULL, err, sizeof(err)));
	struct n2m_sub st = sub_all("");
	assert_null(nvx_request_build_one(NVX_REQ_SUBSCRIBE, HASH, 1, N2M_SUB_STATE, &st, NULL, err,
					  sizeof(err)));
	assert_non_null(strstr(err, "state: needs tracker ids"));
	assert_null(nvx_request_build_one(NVX_REQ_SUBSCRIBE, HASH, 1, (enum n2m_sub_type)9, &st, NULL,
					  err, sizeof(err)));
	assert_non_null(strstr(err, "type"));
}

static void escapes_option_text(void **state)
{
	(void)state;
	struct n2m_sub s = sub_all("1\"s\\");
	strcpy(s.sensor_type, "a\nb");
	size_t len = 0;
	char *text = nvx_request_build_one(NVX_REQ_SUBSCRIBE, HASH, 0, N2M_SUB_READINGS_BATCH, &s,
					   &len, err, sizeof(err));
	struct json_object *o = parse_back(text, len);
	struct json_object *req = json_object_array_get_idx(json_object_object_get(o, "requests"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(req, "rate_limit")), "1\"s\\");
	assert_string_equal(json_object_get_string(json_object_object_get(req, "sensor_type")), "a\nb");
	json_object_put(o);
}

static void large_id_list(void **state)
{
	(void)state;
	size_t n = 100000;
	int64_t *ids = malloc(n * sizeof(*ids));
	assert_non_null(ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = 100001 + (int64_t)i;
	struct n2m_sub s = sub_ids(ids, n);
	size_t len = 0;
	char *text = nvx_request_build_one(NVX_REQ_SUBSCRIBE, HASH, 1, N2M_SUB_STATE_BATCH, &s, &len,
					   err, sizeof(err));
	struct json_object *o = parse_back(text, len);
	struct json_object *req = json_object_array_get_idx(json_object_object_get(o, "requests"), 0);
	struct json_object *got = json_object_object_get(json_object_object_get(req, "target"), "tracker_ids");
	assert_int_equal(json_object_array_length(got), n);
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(got, n - 1)), 100000 + (int64_t)n);
	json_object_put(o);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_set_example),
		cmocka_unit_test(options_omitted_when_empty),
		cmocka_unit_test(unsubscribe_carries_only_targets),
		cmocka_unit_test(refusals),
		cmocka_unit_test(escapes_option_text),
		cmocka_unit_test(large_id_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
