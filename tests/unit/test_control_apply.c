/* SPDX-License-Identifier: MIT */
/*
 * test_control_apply.c - the control plane's desired-set bookkeeping:
 * subscribe/unsubscribe applied to the set, options kept or replaced,
 * idempotency, refusals that leave the set alone, and unknown tracker ids.
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

#include "control_apply.h"

static const struct n2m_ctl_limits limits = { .max_request_bytes = 65536, .max_ids = 10000 };

static void parse_ok(const char *command, const char *payload, struct n2m_ctl_request *req)
{
	char err[256] = "";
	if (n2m_ctl_request_parse(command, payload, strlen(payload), &limits, req, err, sizeof err))
		fail_msg("%s %s: %s", command, payload, err);
}

static const char *set_text(const struct n2m_sub_set *set, char *buf, size_t cap)
{
	struct json_object *o = n2m_sub_set_to_json(set);
	snprintf(buf, cap, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return buf;
}

/* Applies one request; returns the rc, the change flag in *changed. */
static int apply(struct n2m_sub_set *set, const char *command, const char *payload, int *changed,
		 char *err, size_t errlen)
{
	struct n2m_ctl_request req;
	struct n2m_sub up;
	int rc;

	memset(&up, 0, sizeof up);
	parse_ok(command, payload, &req);
	*changed = -1;
	if (req.command == N2M_CTL_SUBSCRIBE)
		rc = n2m_ctl_apply_subscribe(set, &req, changed, &up, err, errlen);
	else
		rc = n2m_ctl_apply_unsubscribe(set, &req, changed, err, errlen);
	free(up.ids);
	n2m_ctl_request_free(&req);
	return rc;
}

static void subscribe_adds_and_is_idempotent(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	char err[256], buf[512];
	int changed;

	n2m_sub_set_init(&set);
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"state_batch\",\"trackers\":[3,1],\"rate_limit\":\"5s\"}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 1);
	assert_string_equal(set_text(&set, buf, sizeof buf),
			    "{\"state_batch\":{\"trackers\":[1,3],\"rate_limit\":\"5s\",\"format\":\"full\"}}");
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"state_batch\",\"trackers\":[3,1],\"rate_limit\":\"5s\"}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 0);
	assert_string_equal(set_text(&set, buf, sizeof buf),
			    "{\"state_batch\":{\"trackers\":[1,3],\"rate_limit\":\"5s\",\"format\":\"full\"}}");
	n2m_sub_set_free(&set);
}

static void omitted_options_are_kept(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	char err[256], buf[512];
	int changed;

	n2m_sub_set_init(&set);
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"state_batch\",\"trackers\":[1],\"rate_limit\":\"5s\",\"format\":\"compact\"}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"state_batch\",\"trackers\":[2]}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 1);
	assert_string_equal(set_text(&set, buf, sizeof buf),
			    "{\"state_batch\":{\"trackers\":[1,2],\"rate_limit\":\"5s\",\"format\":\"compact\"}}");
	/* A given option replaces the type's. */
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"state_batch\",\"trackers\":[2],\"rate_limit\":\"1m\"}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 1);
	assert_string_equal(set_text(&set, buf, sizeof buf),
			    "{\"state_batch\":{\"trackers\":[1,2],\"rate_limit\":\"1m\",\"format\":\"compact\"}}");
	/* "all" replaces the list. */
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"state_batch\",\"trackers\":\"all\"}",
			       &changed, err, sizeof err), 0);
	assert_string_equal(set_text(&set, buf, sizeof buf),
			    "{\"state_batch\":{\"trackers\":\"all\",\"rate_limit\":\"1m\",\"format\":\"compact\"}}");
	n2m_sub_set_free(&set);
}

static void upstream_copy_is_the_whole_type(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	struct n2m_ctl_request req;
	struct n2m_sub up;
	char err[256];
	int changed;

	n2m_sub_set_init(&set);
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"readings_batch\",\"trackers\":[10,20],\"sensor_type\":\"fuel\"}",
			       &changed, err, sizeof err), 0);
	parse_ok("subscribe", "{\"type\":\"readings_batch\",\"trackers\":[30]}", &req);
	assert_int_equal(n2m_ctl_apply_subscribe(&set, &req, &changed, &up, err, sizeof err), 0);
	assert_int_equal(up.type, N2M_SUB_READINGS_BATCH);
	assert_int_equal(up.n_ids, 3);
	assert_int_equal(up.ids[2], 30);
	assert_string_equal(up.sensor_type, "fuel");
	/* A copy: the set's ids are separate memory. */
	assert_ptr_not_equal(up.ids, set.subs[N2M_SUB_READINGS_BATCH].ids);
	free(up.ids);
	n2m_ctl_request_free(&req);
	n2m_sub_set_free(&set);
}

static void iot_monitor_limit_on_merged_set(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	char err[256], before[512], after[512];
	int changed;

	n2m_sub_set_init(&set);
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"iot_monitor\",\"trackers\":[1,2,3,4,5,6]}",
			       &changed, err, sizeof err), 0);
	set_text(&set, before, sizeof before);
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"iot_monitor\",\"trackers\":[7,8,9,10,11]}",
			       &changed, err, sizeof err), -1);
	assert_string_equal(err, "trackers: iot_monitor takes at most 10 trackers (got 11)");
	assert_string_equal(set_text(&set, after, sizeof after), before);
	n2m_sub_set_free(&set);
}

static void unsubscribe_ids_and_all(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	char err[256], buf[512];
	int changed;

	n2m_sub_set_init(&set);
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"state\",\"trackers\":[1,2,3]}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(apply(&set, "unsubscribe", "{\"type\":\"state\",\"trackers\":[2,9]}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 1);
	assert_string_equal(set_text(&set, buf, sizeof buf),
			    "{\"state\":{\"trackers\":[1,3],\"format\":\"full\"}}");
	assert_int_equal(apply(&set, "unsubscribe", "{\"type\":\"state\",\"trackers\":[2,9]}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(apply(&set, "unsubscribe", "{\"type\":\"state\",\"trackers\":[1,3]}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 1);
	assert_string_equal(set_text(&set, buf, sizeof buf), "{}");
	/* Unsubscribing a type that is not there changes nothing. */
	assert_int_equal(apply(&set, "unsubscribe", "{\"type\":\"readings_batch\",\"trackers\":\"all\"}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 0);
	n2m_sub_set_free(&set);
}

static void unsubscribe_ids_from_all_is_refused(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	char err[256], before[512], after[512];
	int changed;

	n2m_sub_set_default(&set);
	set_text(&set, before, sizeof before);
	assert_int_equal(apply(&set, "unsubscribe", "{\"type\":\"state_batch\",\"trackers\":[5]}",
			       &changed, err, sizeof err), -1);
	assert_true(strncmp(err, "trackers: state_batch is subscribed for all trackers", 52) == 0);
	assert_string_equal(set_text(&set, after, sizeof after), before);
	assert_int_equal(apply(&set, "unsubscribe", "{\"type\":\"state_batch\",\"trackers\":\"all\"}",
			       &changed, err, sizeof err), 0);
	assert_int_equal(changed, 1);
	assert_false(set.subs[N2M_SUB_STATE_BATCH].active);
	assert_true(set.subs[N2M_SUB_READINGS_BATCH].active);
	n2m_sub_set_free(&set);
}

static int known_below_1000(void *ctx, int64_t id)
{
	(void)ctx;
	return id < 1000;
}

static void unknown_ids_are_named(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	struct n2m_ctl_request req;
	char err[512];

	n2m_sub_set_init(&set);
	parse_ok("subscribe", "{\"type\":\"state\",\"trackers\":[5,1001,1002]}", &req);
	assert_int_equal(n2m_ctl_check_ids(&req, &set, known_below_1000, NULL, err, sizeof err), -1);
	assert_string_equal(err, "trackers: unknown tracker ids 1001, 1002 (not in the account's tracker list)");
	n2m_ctl_request_free(&req);

	parse_ok("subscribe", "{\"type\":\"state\",\"trackers\":[5,6]}", &req);
	assert_int_equal(n2m_ctl_check_ids(&req, &set, known_below_1000, NULL, err, sizeof err), 0);
	n2m_ctl_request_free(&req);

	parse_ok("subscribe", "{\"type\":\"state\",\"trackers\":\"all\"}", &req);
	assert_int_equal(n2m_ctl_check_ids(&req, &set, known_below_1000, NULL, err, sizeof err), 0);
	n2m_ctl_request_free(&req);

	parse_ok("subscribe", "{\"type\":\"state\",\"trackers\":[2001,2002,2003,2004,2005,2006,2007,2008,2009,2010,2011,2012]}", &req);
	assert_int_equal(n2m_ctl_check_ids(&req, &set, known_below_1000, NULL, err, sizeof err), -1);
	assert_string_equal(err, "trackers: 12 unknown tracker ids: 2001, 2002, 2003, 2004, 2005, 2006, "
				 "2007, 2008, 2009, 2010 and 2 more (not in the account's tracker list)");
	n2m_ctl_request_free(&req);
	n2m_sub_set_free(&set);
}

static void unknown_but_subscribed_can_be_unsubscribed(void **state)
{
	(void)state;
	struct n2m_sub_set set;
	struct n2m_ctl_request req;
	char err[512];
	int changed;

	n2m_sub_set_init(&set);
	/* 1500 was subscribed while it existed (e.g. restored from the state file). */
	assert_int_equal(apply(&set, "subscribe", "{\"type\":\"state\",\"trackers\":[1500]}", &changed,
			       err, sizeof err), 0);
	parse_ok("unsubscribe", "{\"type\":\"state\",\"trackers\":[1500]}", &req);
	assert_int_equal(n2m_ctl_check_ids(&req, &set, known_below_1000, NULL, err, sizeof err), 0);
	n2m_ctl_request_free(&req);
	parse_ok("unsubscribe", "{\"type\":\"state\",\"trackers\":[1501]}", &req);
	assert_int_equal(n2m_ctl_check_ids(&req, &set, known_below_1000, NULL, err, sizeof err), -1);
	assert_string_equal(err, "trackers: unknown tracker id 1501 (not in the account's tracker list)");
	n2m_ctl_request_free(&req);
	/* ... but not to subscribe it again. */
	parse_ok("subscribe", "{\"type\":\"state\",\"trackers\":[1500]}", &req);
	assert_int_equal(n2m_ctl_check_ids(&req, &set, known_below_1000, NULL, err, sizeof err), -1);
	n2m_ctl_request_free(&req);
	n2m_sub_set_free(&set);
}

static void trackers_json(void **state)
{
	(void)state;
	struct n2m_ctl_request req;

	parse_ok("subscribe", "{\"type\":\"state\",\"trackers\":[9,4]}", &req);
	struct json_object *o = n2m_ctl_trackers_json(&req.sub);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), "[4,9]");
	json_object_put(o);
	n2m_ctl_request_free(&req);
	parse_ok("subscribe", "{\"type\":\"state\",\"trackers\":\"all\"}", &req);
	o = n2m_ctl_trackers_json(&req.sub);
	assert_string_equal(json_object_get_string(o), "all");
	json_object_put(o);
	n2m_ctl_request_free(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(subscribe_adds_and_is_idempotent),
		cmocka_unit_test(omitted_options_are_kept),
		cmocka_unit_test(upstream_copy_is_the_whole_type),
		cmocka_unit_test(iot_monitor_limit_on_merged_set),
		cmocka_unit_test(unsubscribe_ids_and_all),
		cmocka_unit_test(unsubscribe_ids_from_all_is_refused),
		cmocka_unit_test(unknown_ids_are_named),
		cmocka_unit_test(unknown_but_subscribed_can_be_unsubscribed),
		cmocka_unit_test(trackers_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
