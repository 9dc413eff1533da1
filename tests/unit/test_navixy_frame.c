/* SPDX-License-Identifier: MIT */
/*
 * test_navixy_frame.c - parsing of every documented and observed Navixy
 * frame shape (docs/protocol.md, "Frames from the server", "Events") and of malformed input.
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

#include "navixy_frame.h"
#include "navixy_frame_fast.h"
#include "utf8.h"
#include "unit_data.h"

static char err[256];

static int parse(const char *text, struct nvx_frame *f)
{
	err[0] = '\0';
	return nvx_frame_parse(text, strlen(text), f, err, sizeof(err));
}

static void parse_ok(const char *text, struct nvx_frame *f)
{
	int rc = parse(text, f);
	if (rc != 0)
		fail_msg("parse failed: %s", err);
}

static void parse_file(const char *name, struct nvx_frame *f)
{
	size_t len = 0;
	char *text = unit_data_read(name, &len);
	assert_non_null(text);
	assert_int_equal(nvx_frame_parse(text, len, f, err, sizeof(err)), 0);
	free(text);
}

static void expect_error(const char *text, const char *reason_part)
{
	struct nvx_frame f;
	assert_int_equal(parse(text, &f), -1);
	if (!strstr(err, reason_part))
		fail_msg("error \"%s\" lacks \"%s\" for %s", err, reason_part, text);
	assert_null(f.root);
	nvx_frame_free(&f);
}

static const char *str_member(struct json_object *o, const char *k)
{
	struct json_object *v;
	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_string(v);
}

static void state_documented(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_file("state_doc.json", &f);
	assert_int_equal(f.kind, NVX_FRAME_EVENT);
	assert_int_equal(f.event, NVX_EVENT_STATE);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].id, 10284);
	assert_string_equal(str_member(f.items[0].obj, "connection_status"), "active");
	nvx_frame_free(&f);
}

static void state_wrapped_single(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("{\"type\":\"event\",\"event\":\"state\",\"data\":{\"type\":\"source_state_event\","
		 "\"state\":{\"source_id\":77,\"connection_status\":\"idle\"}}}", &f);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].id, 77);
	assert_string_equal(str_member(f.items[0].obj, "connection_status"), "idle");
	nvx_frame_free(&f);
}

static void state_batch_observed_wrapped(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_file("state_batch_obs.json", &f);
	assert_int_equal(f.event, NVX_EVENT_STATE_BATCH);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].id, 10434741);
	/* the item is the unwrapped state, not the wrapper */
	assert_string_equal(str_member(f.items[0].obj, "movement_status"), "moving");
	assert_int_equal(f.n_bad_items, 0);
	nvx_frame_free(&f);
}

static void state_batch_documented_bare_and_mixed(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("{\"type\":\"event\",\"event\":\"state_batch\",\"user_time\":\"2018-10-17 12:51:55\","
		 "\"data\":[{\"source_id\":1,\"gps\":{}},"
		 "{\"type\":\"source_state_event\",\"state\":{\"source_id\":2}},"
		 "{\"gps\":{}}, 5, {\"source_id\":\"x\"}, {\"source_id\":-4},"
		 "{\"source_id\":\"33\"}]}", &f);
	assert_int_equal(f.n_items, 3);
	assert_int_equal(f.items[0].id, 1);
	assert_int_equal(f.items[1].id, 2);
	assert_int_equal(f.items[2].id, 33);
	assert_int_equal(f.n_bad_items, 4);
	assert_non_null(strstr(f.item_error, "item 2: missing source_id"));
	nvx_frame_free(&f);
}

static void readings_batch_observed(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_file("readings_batch_obs.json", &f);
	assert_int_equal(f.event, NVX_EVENT_READINGS_BATCH);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].id, 3435108);
	struct json_object *inputs;
	assert_true(json_object_object_get_ex(f.items[0].obj, "inputs", &inputs));
	assert_int_equal(json_object_array_length(inputs), 1);
	nvx_frame_free(&f);
}

static void readings_batch_map_form(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("{\"type\":\"event\",\"event\":\"readings_batch\",\"data\":{"
		 "\"15564\":{\"inputs\":[],\"counters\":[]},\"abc\":{},\"15565\":[]}}", &f);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].id, 15564);
	assert_int_equal(f.n_bad_items, 2);
	nvx_frame_free(&f);
}

static void iot_monitor_documented(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_file("iot_monitor_doc.json", &f);
	assert_int_equal(f.event, NVX_EVENT_IOT_MONITOR);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.items[0].id, 21080);
	assert_true(json_object_object_get_ex(f.items[0].obj, "nonnull_fields", NULL));
	nvx_frame_free(&f);
}

static void lifecycle_kinds(void **state)
{
	(void)state;
	const char *names[] = { "block", "unblock", "corrupt", "explode" };
	enum nvx_lifecycle_kind kinds[] = { NVX_LIFECYCLE_BLOCK, NVX_LIFECYCLE_UNBLOCK,
					    NVX_LIFECYCLE_CORRUPT, NVX_LIFECYCLE_UNKNOWN };
	for (int i = 0; i < 4; i++) {
		char text[200];
		snprintf(text, sizeof(text), "{\"type\":\"event\",\"event\":\"lifecycle\",\"data\":"
			 "{\"source_id\":123456,\"lifecycle_event\":\"%s\"}}", names[i]);
		struct nvx_frame f;
		parse_ok(text, &f);
		assert_int_equal(f.event, NVX_EVENT_LIFECYCLE);
		assert_int_equal(f.lifecycle.source_id, 123456);
		assert_int_equal(f.lifecycle.kind, kinds[i]);
		assert_string_equal(f.lifecycle.name, names[i]);
		nvx_frame_free(&f);
	}
}

static void logout_event(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("{ \"type\": \"event\", \"event\": \"logout\", \"data\": \"session closed\" }", &f);
	assert_int_equal(f.event, NVX_EVENT_LOGOUT);
	assert_string_equal(f.logout_reason, "session closed");
	nvx_frame_free(&f);
	parse_ok("{\"type\":\"event\",\"event\":\"logout\"}", &f);
	assert_string_equal(f.logout_reason, "");
	nvx_frame_free(&f);
}

static void response_observed_without_success(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_file("response_obs.json", &f);
	assert_int_equal(f.kind, NVX_FRAME_RESPONSE);
	assert_int_equal(f.response.action, NVX_ACTION_SUBSCRIBE);
	assert_int_equal(f.response.n_results, 2);
	for (size_t i = 0; i < 2; i++) {
		struct nvx_sub_result *r = &f.response.results[i];
		assert_true(r->success);
		assert_true(r->type_known);
		assert_int_equal(r->n_statuses, 5);
		assert_int_equal(r->statuses[0].status, NVX_STATUS_NORMAL);
	}
	assert_int_equal(f.response.results[0].type, N2M_SUB_STATE_BATCH);
	assert_int_equal(f.response.results[1].type, N2M_SUB_READINGS_BATCH);
	assert_int_equal(f.response.results[0].statuses[0].tracker_id, 3435108);
	nvx_frame_free(&f);
}

static enum nvx_status status_of(const struct nvx_sub_result *r, int64_t id)
{
	for (size_t i = 0; i < r->n_statuses; i++)
		if (r->statuses[i].tracker_id == id)
			return r->statuses[i].status;
	return NVX_STATUS_NONE;
}

static void response_documented_and_legacy(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("{\"type\":\"response\",\"action\":\"subscription/subscribe\",\"events\":[\"state\"],"
		 "\"data\":{\"state\":{\"value\":{\"15564\":\"normal\",\"15565\":\"blocked\","
		 "\"15568\":\"unknown\",\"15569\":\"disallowed\",\"x\":\"normal\",\"1\":\"weird\"},"
		 "\"success\":true}}}", &f);
	struct nvx_sub_result *r = &f.response.results[0];
	assert_true(r->success);
	assert_int_equal(r->type, N2M_SUB_STATE);
	assert_int_equal(r->n_statuses, 4);
	assert_int_equal(r->n_bad_statuses, 2);
	assert_int_equal(status_of(r, 15565), NVX_STATUS_BLOCKED);
	assert_int_equal(status_of(r, 15568), NVX_STATUS_UNKNOWN);
	assert_int_equal(status_of(r, 15569), NVX_STATUS_DISALLOWED);
	nvx_frame_free(&f);

	/* pre-2023: the status map itself */
	parse_ok("{\"type\":\"response\",\"action\":\"subscription/subscribe\",\"events\":[\"state\"],"
		 "\"data\":{\"state\":{\"15564\":\"normal\",\"15565\":\"blocked\"}}}", &f);
	r = &f.response.results[0];
	assert_true(r->success);
	assert_int_equal(r->n_statuses, 2);
	assert_int_equal(status_of(r, 15564), NVX_STATUS_NORMAL);
	nvx_frame_free(&f);

	/* legacy unsubscribe */
	parse_ok("{\"type\":\"response\",\"action\":\"subscription/unsubscribe\",\"events\":[\"state\"],"
		 "\"data\":[15568, \"x\", 15569]}", &f);
	assert_int_equal(f.response.action, NVX_ACTION_UNSUBSCRIBE);
	assert_true(f.response.legacy_id_list);
	assert_int_equal(f.response.n_legacy_ids, 2);
	assert_int_equal(f.response.legacy_ids[1], 15569);
	nvx_frame_free(&f);
}

static void response_failure(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("{\"type\":\"response\",\"action\":\"subscription/subscribe\",\"data\":{"
		 "\"iot_monitor\":{\"success\":false,\"status\":{\"code\":7,"
		 "\"description\":\"Invalid parameters\"}},\"future_type\":{\"value\":{}}}}", &f);
	assert_int_equal(f.response.n_results, 2);
	struct nvx_sub_result *r = &f.response.results[0];
	assert_false(r->success);
	assert_int_equal(r->error_code, 7);
	assert_string_equal(r->error_description, "Invalid parameters");
	assert_false(f.response.results[1].type_known);
	assert_string_equal(f.response.results[1].type_name, "future_type");
	nvx_frame_free(&f);
}

static void error_frame(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("{\"type\":\"error\",\"action\":\"subscription/subscribe\",\"status\":{\"code\":3,"
		 "\"description\":\"Wrong hash\"},\"data\":{\"events\":[\"state\"],\"trackers\":[15564]}}",
		 &f);
	assert_int_equal(f.kind, NVX_FRAME_ERROR);
	assert_int_equal(f.error.code, 3);
	assert_string_equal(f.error.description, "Wrong hash");
	assert_int_equal(f.error.action, NVX_ACTION_SUBSCRIBE);
	assert_non_null(f.error.data);
	nvx_frame_free(&f);
	parse_ok("{\"type\":\"error\",\"action\":\"null\"}", &f);
	assert_int_equal(f.error.action, NVX_ACTION_OTHER);
	assert_int_equal(f.error.code, 0);
	assert_string_equal(f.error.description, "");
	nvx_frame_free(&f);
}

static void unknown_types_are_reported(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("{\"type\":\"event\",\"event\":\"teleport\",\"data\":[1,2]}", &f);
	assert_int_equal(f.kind, NVX_FRAME_EVENT);
	assert_int_equal(f.event, NVX_EVENT_UNKNOWN);
	assert_string_equal(f.event_name, "teleport");
	nvx_frame_free(&f);
	parse_ok("{\"type\":\"gossip\"}", &f);
	assert_int_equal(f.kind, NVX_FRAME_UNKNOWN);
	assert_string_equal(f.type_name, "gossip");
	nvx_frame_free(&f);
	parse_ok("{}", &f);
	assert_int_equal(f.kind, NVX_FRAME_UNKNOWN);
	assert_null(f.type_name);
	nvx_frame_free(&f);
}

static void length_prefix_tolerated(void **state)
{
	(void)state;
	struct nvx_frame f;
	parse_ok("  64|{\"type\":\"event\",\"event\":\"logout\",\"data\":\"session closed\"}", &f);
	assert_int_equal(f.event, NVX_EVENT_LOGOUT);
	nvx_frame_free(&f);
	/* not NUL-terminated: only len bytes count */
	const char *text = "{\"type\":\"gossip\"}GARBAGE";
	assert_int_equal(nvx_frame_parse(text, 17, &f, err, sizeof(err)), 0);
	nvx_frame_free(&f);
}

static void malformed_frames(void **state)
{
	(void)state;
	expect_error("", "not JSON");
	expect_error("X", "not JSON");
	expect_error("b623a15d-9623-4fd8-a9d3-697036635c29|30000|X|", "not JSON");
	expect_error("{\"type\":\"event\"", "not JSON: truncated");
	expect_error("{\"type\":\"event\"} {}", "not JSON");
	expect_error("[1,2,3]", "not a JSON object");
	expect_error("{\"type\":5}", "\"type\" is not a string");
	expect_error("{\"type\":\"event\"}", "missing \"event\"");
	expect_error("{\"type\":\"event\",\"event\":[]}", "not a string");
	expect_error("{\"type\":\"event\",\"event\":\"state_batch\",\"data\":{}}",
		     "state_batch: data is not an array");
	expect_error("{\"type\":\"event\",\"event\":\"state_batch\"}", "state_batch: data is not an array");
	expect_error("{\"type\":\"event\",\"event\":\"state\",\"data\":[]}", "state: data is not an object");
	expect_error("{\"type\":\"event\",\"event\":\"state\",\"data\":{\"gps\":{}}}", "state: missing source_id");
	expect_error("{\"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":1.5}}",
		     "source_id is not a positive integer");
	expect_error("{\"type\":\"event\",\"event\":\"readings_batch\",\"data\":\"x\"}", "readings_batch");
	expect_error("{\"type\":\"event\",\"event\":\"iot_monitor\",\"data\":{}}",
		     "iot_monitor: missing data.iot_last_values");
	expect_error("{\"type\":\"event\",\"event\":\"iot_monitor\",\"data\":{\"iot_last_values\":{}}}",
		     "not an array");
	expect_error("{\"type\":\"event\",\"event\":\"lifecycle\",\"data\":{\"lifecycle_event\":\"block\"}}",
		     "lifecycle: missing source_id");
	expect_error("{\"type\":\"event\",\"event\":\"lifecycle\",\"data\":{\"source_id\":1}}",
		     "lifecycle: missing lifecycle_event");
	expect_error("{\"type\":\"event\",\"event\":\"lifecycle\",\"data\":{\"source_id\":1,\"lifecycle_event\":1}}",
		     "not a string");
	expect_error("{\"type\":\"event\",\"event\":\"lifecycle\"}", "lifecycle: data is not an object");
	expect_error("{\"type\":\"response\",\"data\":5}", "neither an object nor an array");
	expect_error("{\"type\":\"response\",\"data\":{\"state\":\"x\"}}", "data.state is not an object");
	expect_error("{\"type\":\"response\",\"data\":{\"state\":{\"success\":\"yes\"}}}",
		     "success is not a boolean");
	expect_error("{\"type\":\"response\",\"data\":{\"state\":{\"value\":[1]}}}", "value is not an object");
	expect_error("{'type':'event'}", "not JSON");
}

static void huge_numbers(void **state)
{
	(void)state;
	expect_error("{\"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":99999999999999999999999}}",
		     "source_id");
	expect_error("{\"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":1e300}}", "source_id");
	expect_error("{\"type\":\"event\",\"event\":\"lifecycle\",\"data\":{\"source_id\":-1,"
		     "\"lifecycle_event\":\"block\"}}", "source_id");
	struct nvx_frame f;
	parse_ok("{\"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":9007199254740993}}", &f);
	assert_int_equal(f.items[0].id, 9007199254740993LL);
	nvx_frame_free(&f);
}

static void deep_nesting_refused(void **state)
{
	(void)state;
	size_t depth = 10000;
	char *text = malloc(depth * 2 + 64);
	assert_non_null(text);
	size_t n = (size_t)sprintf(text, "{\"type\":\"event\",\"event\":\"state\",\"data\":");
	for (size_t i = 0; i < depth; i++)
		text[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		text[n++] = ']';
	text[n++] = '}';
	text[n] = '\0';
	struct nvx_frame f;
	assert_int_equal(nvx_frame_parse(text, n, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not JSON"));
	free(text);
}

/* A frame that is not UTF-8 is parsed from a repaired copy on both paths:
 * every string and raw item taken from it is valid UTF-8; a valid frame is
 * used in place (no copy). */
static void invalid_utf8_is_repaired(void **state)
{
	(void)state;
	static const char bad[] = "{\"type\":\"event\",\"event\":\"state_batch\",\"data\":"
				  "[{\"source_id\":7,\"gsm\":{\"network_name\":\"NET\xff\xe2\x82\"}}]}";
	static const char want_raw[] = "{\"source_id\":7,\"gsm\":{\"network_name\":\"NET"
				       "\xef\xbf\xbd\xef\xbf\xbd\"}}";
	struct nvx_frame f;
	assert_int_equal(nvx_frame_parse_fast(bad, sizeof(bad) - 1, &f, err, sizeof err), 0);
	assert_non_null(f.repaired_text);
	assert_int_equal(f.n_items, 1);
	assert_null(f.items[0].obj); /* the fast path took it */
	assert_int_equal(f.items[0].raw_len, sizeof(want_raw) - 1);
	assert_memory_equal(f.items[0].raw, want_raw, sizeof(want_raw) - 1);
	nvx_frame_free(&f);

	assert_int_equal(nvx_frame_parse(bad, sizeof(bad) - 1, &f, err, sizeof err), 0);
	assert_non_null(f.repaired_text);
	struct json_object *gsm = NULL;
	assert_true(json_object_object_get_ex(f.items[0].obj, "gsm", &gsm));
	const char *net = str_member(gsm, "network_name");
	assert_string_equal(net, "NET\xef\xbf\xbd\xef\xbf\xbd");
	nvx_frame_free(&f);

	static const char err_frame[] = "{\"type\":\"error\",\"action\":\"x\",\"status\":"
					"{\"code\":7,\"description\":\"bad\xc0\"}}";
	assert_int_equal(nvx_frame_parse_fast(err_frame, sizeof(err_frame) - 1, &f, err, sizeof err),
			 0);
	assert_string_equal(f.error.description, "bad\xef\xbf\xbd");
	nvx_frame_free(&f);

	static const char good[] = "{\"type\":\"event\",\"event\":\"state\",\"data\":"
				   "{\"source_id\":7,\"label\":\"Grüße\"}}";
	assert_int_equal(nvx_frame_parse_fast(good, sizeof(good) - 1, &f, err, sizeof err), 0);
	assert_null(f.repaired_text);
	nvx_frame_free(&f);
}

static void names(void **state)
{
	(void)state;
	enum nvx_status s;
	assert_int_equal(nvx_status_parse("disallowed", &s), 0);
	assert_int_equal(s, NVX_STATUS_DISALLOWED);
	assert_int_equal(nvx_status_parse("Normal", &s), -1);
	assert_int_equal(nvx_status_parse(NULL, &s), -1);
	assert_string_equal(nvx_status_name(NVX_STATUS_BLOCKED), "blocked");
	assert_string_equal(nvx_event_name(NVX_EVENT_READINGS_BATCH), "readings_batch");
	assert_string_equal(nvx_lifecycle_name(NVX_LIFECYCLE_CORRUPT), "corrupt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_documented),
		cmocka_unit_test(state_wrapped_single),
		cmocka_unit_test(state_batch_observed_wrapped),
		cmocka_unit_test(state_batch_documented_bare_and_mixed),
		cmocka_unit_test(readings_batch_observed),
		cmocka_unit_test(readings_batch_map_form),
		cmocka_unit_test(iot_monitor_documented),
		cmocka_unit_test(lifecycle_kinds),
		cmocka_unit_test(logout_event),
		cmocka_unit_test(response_observed_without_success),
		cmocka_unit_test(response_documented_and_legacy),
		cmocka_unit_test(response_failure),
		cmocka_unit_test(error_frame),
		cmocka_unit_test(unknown_types_are_reported),
		cmocka_unit_test(length_prefix_tolerated),
		cmocka_unit_test(malformed_frames),
		cmocka_unit_test(huge_numbers),
		cmocka_unit_test(deep_nesting_refused),
		cmocka_unit_test(names),
		cmocka_unit_test(invalid_utf8_is_repaired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
