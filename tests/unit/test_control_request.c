/* SPDX-License-Identifier: MIT */
/*
 * test_control_request.c - control-plane request parsing (every command,
 * every field, every error naming its field), request topics, and the
 * response shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "control_request.h"

static const struct n2m_ctl_limits limits = { .max_request_bytes = 65536, .max_ids = 10000 };

static int parse(const char *command, const char *payload, struct n2m_ctl_request *req,
		 char *err, size_t errlen)
{
	err[0] = '\0';
	return n2m_ctl_request_parse(command, payload, strlen(payload), &limits, req, err, errlen);
}

/* Expects an error that starts with `prefix`. */
static void expect_error(const char *command, const char *payload, const char *prefix)
{
	struct n2m_ctl_request req;
	char err[512];

	assert_int_equal(parse(command, payload, &req, err, sizeof err), -1);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("payload %s: got error \"%s\", expected it to start with \"%s\"", payload,
			 err, prefix);
	n2m_ctl_request_free(&req);
}

static void command_names(void **state)
{
	(void)state;
	enum n2m_ctl_command c;
	for (int i = 0; i < N2M_CTL_COMMAND_COUNT; i++) {
		assert_int_equal(n2m_ctl_command_parse(n2m_ctl_command_name((enum n2m_ctl_command)i), &c), 0);
		assert_int_equal(c, i);
	}
	assert_int_equal(n2m_ctl_command_parse("Subscribe", &c), -1);
	assert_int_equal(n2m_ctl_command_parse("", &c), -1);
	assert_int_equal(n2m_ctl_command_parse(NULL, &c), -1);
}

static void request_topics(void **state)
{
	(void)state;
	assert_string_equal(n2m_ctl_topic_command("navixy/bridge/request/list", "navixy"), "list");
	assert_string_equal(n2m_ctl_topic_command("a/b/bridge/request/x", "a/b"), "x");
	assert_string_equal(n2m_ctl_topic_command("navixy/bridge/request/", "navixy"), "");
	assert_null(n2m_ctl_topic_command("navixy/bridge/response/list", "navixy"));
	assert_null(n2m_ctl_topic_command("navixyx/bridge/request/list", "navixy"));
	assert_null(n2m_ctl_topic_command("other/bridge/request/list", "navixy"));
	assert_null(n2m_ctl_topic_command("navixy/bridge/request/a/b", "navixy"));
	assert_null(n2m_ctl_topic_command(NULL, "navixy"));
	/* The request tree: everything the control plane answers, malformed or not. */
	assert_true(n2m_ctl_topic_in_request_tree("navixy/bridge/request/list", "navixy"));
	assert_true(n2m_ctl_topic_in_request_tree("navixy/bridge/request/list/extra", "navixy"));
	assert_true(n2m_ctl_topic_in_request_tree("navixy/bridge/request", "navixy"));
	assert_true(n2m_ctl_topic_in_request_tree("navixy/bridge/request/", "navixy"));
	assert_false(n2m_ctl_topic_in_request_tree("navixy/bridge/requests", "navixy"));
	assert_false(n2m_ctl_topic_in_request_tree("navixy/bridge/response/list", "navixy"));
	assert_false(n2m_ctl_topic_in_request_tree("navixyx/bridge/request/list", "navixy"));
	assert_false(n2m_ctl_topic_in_request_tree(NULL, "navixy"));
}

static void subscribe_full(void **state)
{
	(void)state;
	struct n2m_ctl_request req;
	char err[256];
	const char *p = "{\"type\":\"readings_batch\",\"trackers\":[5,3,5,1],\"rate_limit\":\"5s\","
			"\"sensor_type\":\"fuel\",\"include_components\":false,\"transaction\":\"t-1\"}";

	assert_int_equal(parse("subscribe", p, &req, err, sizeof err), 0);
	assert_int_equal(req.command, N2M_CTL_SUBSCRIBE);
	assert_int_equal(req.sub.type, N2M_SUB_READINGS_BATCH);
	assert_int_equal(req.sub.all, 0);
	assert_int_equal(req.sub.n_ids, 3); /* sorted, duplicates gone */
	assert_int_equal(req.sub.ids[0], 1);
	assert_int_equal(req.sub.ids[1], 3);
	assert_int_equal(req.sub.ids[2], 5);
	assert_string_equal(req.sub.rate_limit, "5s");
	assert_string_equal(req.sub.sensor_type, "fuel");
	assert_int_equal(req.sub.include_components, 0);
	assert_int_equal(req.options, N2M_CTL_OPT_RATE_LIMIT | N2M_CTL_OPT_SENSOR_TYPE |
				      N2M_CTL_OPT_INCLUDE_COMPONENTS);
	assert_string_equal(json_object_get_string(req.transaction), "t-1");
	n2m_ctl_request_free(&req);
}

static void subscribe_all_and_defaults(void **state)
{
	(void)state;
	struct n2m_ctl_request req;
	char err[256];

	assert_int_equal(parse("subscribe", "{\"type\":\"state\",\"trackers\":\"all\",\"format\":\"compact\"}",
			       &req, err, sizeof err), 0);
	assert_int_equal(req.sub.type, N2M_SUB_STATE);
	assert_int_equal(req.sub.all, 1);
	assert_int_equal(req.sub.format, N2M_FORMAT_COMPACT);
	assert_int_equal(req.options, N2M_CTL_OPT_FORMAT);
	assert_string_equal(req.sub.rate_limit, "");
	assert_int_equal(req.sub.include_components, -1);
	assert_null(req.transaction);
	n2m_ctl_request_free(&req);
}

static void unsubscribe_and_simple_commands(void **state)
{
	(void)state;
	struct n2m_ctl_request req;
	char err[256];

	assert_int_equal(parse("unsubscribe", "{\"type\":\"iot_monitor\",\"trackers\":\"all\"}", &req,
			       err, sizeof err), 0);
	assert_int_equal(req.command, N2M_CTL_UNSUBSCRIBE);
	assert_int_equal(req.sub.type, N2M_SUB_IOT_MONITOR);
	assert_int_equal(req.sub.all, 1);
	n2m_ctl_request_free(&req);

	const char *simple[] = { "list", "resync", "health" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(parse(simple[i], "", &req, err, sizeof err), 0);
		assert_int_equal(req.command, N2M_CTL_LIST + (int)i);
		n2m_ctl_request_free(&req);
		assert_int_equal(parse(simple[i], " {\"transaction\": 42} \n", &req, err, sizeof err), 0);
		assert_int_equal(json_object_get_int(req.transaction), 42);
		n2m_ctl_request_free(&req);
	}
}

static void transaction_scalars(void **state)
{
	(void)state;
	struct n2m_ctl_request req;
	char err[256];
	const char *ok[] = { "{\"transaction\":null}", "{\"transaction\":true}",
			     "{\"transaction\":1.5}", "{\"transaction\":\"x\"}" };

	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(parse("list", ok[i], &req, err, sizeof err), 0);
		n2m_ctl_request_free(&req);
	}
	expect_error("list", "{\"transaction\":{}}", "transaction: must be a string, number");
	expect_error("list", "{\"transaction\":[1]}", "transaction: must be a string, number");
}

static void transaction_kept_on_error(void **state)
{
	(void)state;
	struct n2m_ctl_request req;
	char err[256];

	assert_int_equal(parse("subscribe", "{\"transaction\":7,\"type\":\"foo\",\"trackers\":\"all\"}",
			       &req, err, sizeof err), -1);
	assert_string_equal(err, "type: unknown type \"foo\" (expected state, state_batch, "
				 "readings_batch or iot_monitor)");
	assert_non_null(req.transaction);
	assert_int_equal(json_object_get_int(req.transaction), 7);
	n2m_ctl_request_free(&req);
}

static void payload_errors(void **state)
{
	(void)state;
	expect_error("list", "{", "payload: not JSON: ");
	expect_error("list", "{\"a\":1,}", "payload: not JSON: ");
	expect_error("list", "nope", "payload: not JSON: ");
	expect_error("list", "{} x", "payload: not JSON: ");
	expect_error("list", "{}{}", "payload: not JSON: ");
	expect_error("list", "[]", "payload: must be a JSON object");
	expect_error("list", "\"list\"", "payload: must be a JSON object");
	expect_error("list", "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", "payload: not JSON: ");
	expect_error("list", "{\"x\":\"\xff\"}", "payload: not JSON: ");

	struct n2m_ctl_request req;
	char err[256];
	assert_int_equal(n2m_ctl_request_parse("list", "{}\0", 3, &limits, &req, err, sizeof err), -1);
	assert_string_equal(err, "payload: not JSON: contains a NUL byte");
	n2m_ctl_request_free(&req);
}

static void oversized_payload(void **state)
{
	(void)state;
	struct n2m_ctl_request req;
	char err[256];
	size_t n = 65537;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';

	assert_int_equal(n2m_ctl_request_parse("list", big, n, &limits, &req, err, sizeof err), -1);
	assert_string_equal(err, "payload: larger than control.max_request_bytes (65536)");
	n2m_ctl_request_free(&req);
	/* At the limit it is accepted. */
	big[n - 2] = '}';
	assert_int_equal(n2m_ctl_request_parse("list", big, n - 1, &limits, &req, err, sizeof err), 0);
	n2m_ctl_request_free(&req);
	free(big);
}

static void unknown_command(void **state)
{
	(void)state;
	expect_error("reboot", "{}", "command: unknown command \"reboot\" (expected subscribe, "
				    "unsubscribe, list, resync, health or log_level)");
	expect_error("", "{}", "command: unknown command \"\"");
}

static void field_errors(void **state)
{
	(void)state;
	expect_error("subscribe", "{\"trackers\":\"all\"}", "type: missing");
	expect_error("subscribe", "{\"type\":5,\"trackers\":\"all\"}", "type: must be a string");
	expect_error("subscribe", "{\"type\":\"foo\",\"trackers\":\"all\"}", "type: unknown type \"foo\"");
	expect_error("subscribe", "{\"type\":\"state\"}", "trackers: missing");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":\"some\"}",
		     "trackers: must be \"all\" or an array of integers");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":5}",
		     "trackers: must be \"all\" or an array of integers");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":{}}",
		     "trackers: must be \"all\" or an array of integers");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":[]}", "trackers: empty array");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":[1,\"2\"]}",
		     "trackers[1]: must be a positive integer tracker id");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":[1.5]}",
		     "trackers[0]: must be a positive integer tracker id");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":[0]}",
		     "trackers[0]: must be a positive integer tracker id");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":[-4]}",
		     "trackers[0]: must be a positive integer tracker id");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":[99999999999999999999999]}",
		     "trackers[0]: must be a positive integer tracker id");
	expect_error("subscribe", "{\"type\":\"state_batch\",\"trackers\":\"all\",\"rate_limit\":5}",
		     "rate_limit: must be a string");
	expect_error("subscribe", "{\"type\":\"state_batch\",\"trackers\":\"all\",\"rate_limit\":\"fast\"}",
		     "rate_limit: must be a number above 0");
	expect_error("subscribe", "{\"type\":\"state_batch\",\"trackers\":\"all\",\"rate_limit\":\"1234567890123456s\"}",
		     "rate_limit: longer than 15 characters");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":\"all\",\"rate_limit\":\"1s\"}",
		     "rate_limit: state takes no rate_limit");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":\"all\",\"format\":\"tiny\"}",
		     "format: must be \"full\" or \"compact\"");
	expect_error("subscribe", "{\"type\":\"readings_batch\",\"trackers\":\"all\",\"format\":\"full\"}",
		     "format: only state and state_batch take a format");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":\"all\",\"sensor_type\":\"fuel\"}",
		     "sensor_type: only readings_batch takes it");
	expect_error("subscribe", "{\"type\":\"readings_batch\",\"trackers\":\"all\",\"sensor_type\":\"Fuel!\"}",
		     "sensor_type: must be lower-case letters");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":\"all\",\"include_components\":true}",
		     "include_components: only readings_batch takes it");
	expect_error("subscribe", "{\"type\":\"readings_batch\",\"trackers\":\"all\",\"include_components\":1}",
		     "include_components: must be true or false");
	expect_error("subscribe", "{\"type\":\"iot_monitor\",\"trackers\":\"all\"}",
		     "trackers: iot_monitor needs a list");
	expect_error("subscribe", "{\"type\":\"state\",\"trackers\":\"all\",\"tracker\":[1]}",
		     "tracker: unknown field (subscribe takes");
	expect_error("unsubscribe", "{\"type\":\"state_batch\",\"trackers\":\"all\",\"rate_limit\":\"1s\"}",
		     "rate_limit: unknown field (unsubscribe takes type, trackers, transaction)");
	expect_error("list", "{\"type\":\"state\"}", "type: unknown field (list takes only transaction)");
	expect_error("health", "{\"verbose\":true}", "verbose: unknown field (health takes only transaction)");
}

static void too_many_ids(void **state)
{
	(void)state;
	struct n2m_ctl_limits small = { .max_request_bytes = 1 << 20, .max_ids = 3 };
	struct n2m_ctl_request req;
	char err[256];
	const char *four = "{\"type\":\"state\",\"trackers\":[1,2,3,4]}";
	const char *three = "{\"type\":\"state\",\"trackers\":[1,2,3]}";

	assert_int_equal(n2m_ctl_request_parse("subscribe", four, strlen(four), &small, &req, err,
					       sizeof err), -1);
	assert_string_equal(err, "trackers: 4 ids, at most control.max_ids (3)");
	n2m_ctl_request_free(&req);
	assert_int_equal(n2m_ctl_request_parse("subscribe", three, strlen(three), &small, &req, err,
					       sizeof err), 0);
	n2m_ctl_request_free(&req);
}

static void twenty_thousand_and_one_ids(void **state)
{
	(void)state;
	struct n2m_ctl_limits big = { .max_request_bytes = 1 << 20, .max_ids = 10000 };
	size_t cap = 20001 * 8 + 64, used = 0;
	char *p = malloc(cap);
	assert_non_null(p);
	used += (size_t)snprintf(p, cap, "{\"type\":\"state\",\"trackers\":[");
	for (int i = 1; i <= 20001; i++)
		used += (size_t)snprintf(p + used, cap - used, "%s%d", i > 1 ? "," : "", i);
	snprintf(p + used, cap - used, "]}");
	struct n2m_ctl_request req;
	char err[256];
	assert_int_equal(n2m_ctl_request_parse("subscribe", p, strlen(p), &big, &req, err, sizeof err), -1);
	assert_string_equal(err, "trackers: 20001 ids, at most control.max_ids (10000)");
	n2m_ctl_request_free(&req);
	free(p);
}

static struct json_object *parse_response(const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	assert_non_null(o);
	return o;
}

static void responses(void **state)
{
	(void)state;
	struct json_object *tx = json_object_new_string("abc");
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "n", json_object_new_int(3));
	size_t len = 0;

	char *ok = n2m_ctl_response_ok(data, tx, &len);
	assert_non_null(ok);
	assert_int_equal(len, strlen(ok));
	assert_string_equal(ok, "{\"status\":\"ok\",\"data\":{\"n\":3},\"error\":null,\"transaction\":\"abc\"}");
	free(ok);

	char *bad = n2m_ctl_response_error("type: unknown type \"x\"", tx, NULL);
	struct json_object *o = parse_response(bad);
	struct json_object *v;
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_string_equal(json_object_get_string(v), "error");
	assert_true(json_object_object_get_ex(o, "data", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "error", &v));
	assert_string_equal(json_object_get_string(v), "type: unknown type \"x\"");
	assert_true(json_object_object_get_ex(o, "transaction", &v));
	assert_string_equal(json_object_get_string(v), "abc");
	json_object_put(o);
	free(bad);

	char *none = n2m_ctl_response_ok(NULL, NULL, NULL);
	assert_string_equal(none, "{\"status\":\"ok\",\"data\":null,\"error\":null,\"transaction\":null}");
	free(none);
	/* The caller's transaction survives the responses. */
	assert_string_equal(json_object_get_string(tx), "abc");
	json_object_put(tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(command_names),
		cmocka_unit_test(request_topics),
		cmocka_unit_test(subscribe_full),
		cmocka_unit_test(subscribe_all_and_defaults),
		cmocka_unit_test(unsubscribe_and_simple_commands),
		cmocka_unit_test(transaction_scalars),
		cmocka_unit_test(transaction_kept_on_error),
		cmocka_unit_test(payload_errors),
		cmocka_unit_test(oversized_payload),
		cmocka_unit_test(unknown_command),
		cmocka_unit_test(field_errors),
		cmocka_unit_test(too_many_ids),
		cmocka_unit_test(twenty_thousand_and_one_ids),
		cmocka_unit_test(responses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
