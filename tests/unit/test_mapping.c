/* SPDX-License-Identifier: MIT */
/*
 * test_mapping.c - tracker updates to publications: topics, every payload
 * field, retain/QoS, dedupe, stale, lifecycle, clear, resync.
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

#include "hash64.h"
#include "mapping.h"
#include "navixy_time.h"
#include "unit_data.h"

struct fixture {
	struct n2m_topics_config topics;
	struct n2m_map_ctx ctx;
	struct n2m_tracker_table table;
	struct n2m_tracker *tr;
	struct n2m_pub_list out;
	char err[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->topics.stale_after_s = 900;
	for (int c = 0; c < N2M_CLASS_COUNT; c++) {
		f->topics.classes[c].retain = 1;
		f->topics.classes[c].qos = 1;
	}
	f->topics.classes[N2M_CLASS_IOT_MONITOR].retain = 0;
	f->topics.classes[N2M_CLASS_IOT_MONITOR].qos = 0;
	f->topics.classes[N2M_CLASS_LIFECYCLE].retain = 0;
	f->topics.classes[N2M_CLASS_LIFECYCLE].qos = 2;
	f->ctx.base_topic = "navixy";
	f->ctx.topics = &f->topics;
	/* 2025-10-08T18:35:00-06:00 */
	assert_int_equal(nvx_time_parse("2025-10-09T00:35:00Z", 20, &f->ctx.now), 0);
	n2m_tracker_table_init(&f->table, N2M_TOPIC_ID_TRACKER_ID);
	f->tr = n2m_tracker_get_or_add(&f->table, 3435108, NULL);
	n2m_tracker_set_source(&f->table, f->tr, 10434741);
	n2m_tracker_set_label(&f->table, f->tr, "Truck \"7\"", NULL);
	n2m_pub_list_init(&f->out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	n2m_pub_list_free(&f->out);
	n2m_tracker_table_free(&f->table);
	free(f);
	return 0;
}

static struct json_object *J(const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	if (!o)
		fail_msg("bad test JSON: %s", text);
	return o;
}

static int map_state_text(struct fixture *f, const char *text)
{
	struct json_object *st = J(text);
	int rc = n2m_map_state(&f->ctx, f->tr, st, &f->out, f->err, sizeof(f->err));
	json_object_put(st);
	return rc;
}

static const struct n2m_publication *pub(struct fixture *f, const char *suffix)
{
	char topic[256];
	snprintf(topic, sizeof(topic), "navixy/tracker/%s/%s", f->tr->topic_id, suffix);
	for (size_t i = 0; i < f->out.n; i++)
		if (strcmp(f->out.items[i].topic, topic) == 0)
			return &f->out.items[i];
	return NULL;
}

static void confirm_all(struct fixture *f)
{
	for (size_t i = 0; i < f->out.n; i++)
		n2m_publication_confirm(f->tr, &f->out.items[i]);
	n2m_pub_list_clear(&f->out);
}

static void expect_payload(const struct n2m_publication *p, const char *want_text)
{
	assert_non_null(p);
	assert_int_equal(strlen(p->payload), p->payload_len);
	assert_true(p->hash == n2m_hash64(p->payload, p->payload_len));
	struct json_object *got = J(p->payload), *want = J(want_text);
	if (!json_object_equal(got, want))
		fail_msg("got  %s\nwant %s", p->payload, want_text);
	json_object_put(got);
	json_object_put(want);
}

static char *observed_state(void)
{
	size_t len = 0;
	char *frame = unit_data_read("state_batch_obs.json", &len);
	assert_non_null(frame);
	struct json_object *root = J(frame);
	free(frame);
	struct json_object *st = json_object_object_get(
		json_object_array_get_idx(json_object_object_get(root, "data"), 0), "state");
	char *text = strdup(json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return text;
}

static void state_location_availability(void **state)
{
	struct fixture *f = *state;
	char *text = observed_state();
	assert_int_equal(map_state_text(f, text), 0);
	assert_int_equal(f->out.n, 3);
	const struct n2m_publication *s = pub(f, "state");
	assert_non_null(s);
	assert_int_equal(s->cls, N2M_CLASS_STATE);
	assert_true(s->retain);
	assert_int_equal(s->qos, 1);
	assert_int_equal(s->tracker_id, 3435108);
	struct json_object *got = J(s->payload), *sent = J(text);
	/* the state as sent, plus tracker_id and label */
	json_object_object_add(sent, "tracker_id", json_object_new_int64(3435108));
	json_object_object_add(sent, "label", json_object_new_string("Truck \"7\""));
	assert_true(json_object_equal(got, sent));
	json_object_put(got);
	json_object_put(sent);
	/* fix 18:31:28-06:00 is 212 s before now: not stale; published in UTC
	 * (the state above keeps Navixy's form) */
	expect_payload(pub(f, "location"),
		       "{\"latitude\":25.841693,\"longitude\":-97.795668,\"altitude\":10,\"speed\":79,"
		       "\"heading\":358,\"gps_accuracy\":null,\"fix_time\":\"2025-10-09T00:31:28Z\","
		       "\"stale\":false}");
	const struct n2m_publication *a = pub(f, "availability");
	assert_string_equal(a->payload, "online");
	assert_true(a->retain);
	/* the stored state is the state payload */
	assert_string_equal(f->tr->state_json, s->payload);
	free(text);
}

static void location_from_strings_and_precision(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(map_state_text(f, "{\"source_id\":10434741,\"gps\":{\"updated\":\"2025-10-09 00:00:00\","
				     "\"location\":{\"lat\":\"25.5\",\"lng\":\"-97.25\"},\"alt\":\"12\",\"speed\":\"bad\","
				     "\"heading\":null,\"precision\":7},\"connection_status\":\"signal_lost\"}"), 0);
	/* no offset: taken as UTC and published with its "Z"; 35 min old > 900 s: stale */
	expect_payload(pub(f, "location"),
		       "{\"latitude\":25.5,\"longitude\":-97.25,\"altitude\":12,\"speed\":null,"
		       "\"heading\":null,\"gps_accuracy\":7,\"fix_time\":\"2025-10-09T00:00:00Z\",\"stale\":true}");
	assert_non_null(strstr(pub(f, "state")->payload, "\"updated\":\"2025-10-09 00:00:00\""));
	assert_string_equal(pub(f, "availability")->payload, "offline");
	n2m_pub_list_clear(&f->out);
	/* a gps.updated that is no date: fix_time unknown (null), stale */
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"gps\":{\"lat\":3.5,\"lng\":2,"
				     "\"updated\":\"yesterday\"}}"), 0);
	expect_payload(pub(f, "location"),
		       "{\"latitude\":3.5,\"longitude\":2,\"altitude\":null,\"speed\":null,"
		       "\"heading\":null,\"gps_accuracy\":null,\"fix_time\":null,\"stale\":true}");
	n2m_pub_list_clear(&f->out);
	/* lat/lng directly under gps (the docs' field list), no fix time: stale */
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"gps\":{\"lat\":1.5,\"lng\":2}}"), 0);
	expect_payload(pub(f, "location"),
		       "{\"latitude\":1.5,\"longitude\":2,\"altitude\":null,\"speed\":null,"
		       "\"heading\":null,\"gps_accuracy\":null,\"fix_time\":null,\"stale\":true}");
	/* no connection_status: availability unchanged and deduplicated */
	assert_null(pub(f, "availability"));
	n2m_pub_list_clear(&f->out);
	/* no gps block: no location at all */
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"connection_status\":\"idle\"}"), 0);
	assert_null(pub(f, "location"));
	assert_string_equal(pub(f, "availability")->payload, "online");
}

static void availability_values(void **state)
{
	struct fixture *f = *state;
	struct { const char *status, *want; } cases[] = {
		{ "active", "online" }, { "idle", "online" }, { "just_registered", "online" },
		{ "just_replaced", "online" }, { "offline", "offline" }, { "signal_lost", "offline" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->tr->connection_online = -1;
		n2m_tracker_forget_published(f->tr);
		char text[128];
		snprintf(text, sizeof(text), "{\"source_id\":1,\"connection_status\":\"%s\"}", cases[i].status);
		assert_int_equal(map_state_text(f, text), 0);
		const struct n2m_publication *a = pub(f, "availability");
		assert_non_null(a);
		assert_string_equal(a->payload, cases[i].want);
		n2m_pub_list_clear(&f->out);
	}
	/* unknown status: no availability known */
	f->tr->connection_online = -1;
	n2m_tracker_forget_published(f->tr);
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"connection_status\":\"weird\"}"), 0);
	assert_null(pub(f, "availability"));
	n2m_pub_list_clear(&f->out);
	/* blocked: offline even when active */
	f->tr->blocked = 1;
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"connection_status\":\"active\"}"), 0);
	assert_string_equal(pub(f, "availability")->payload, "offline");
}

static void compact_state(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(map_state_text(f, "{\"source_id\":10284,\"gps\":{\"updated\":\"2025-10-09T00:34:00Z\","
				     "\"signal_level\":100,\"location\":{\"lat\":14.330065796228606,\"lng\":-90.99037259141691},"
				     "\"heading\":248,\"speed\":0,\"alt\":431},\"connection_status\":\"active\","
				     "\"movement_status\":\"parked\",\"last_update\":\"2018-10-17 12:51:46\"}"), 0);
	assert_int_equal(f->out.n, 3);
	expect_payload(pub(f, "location"),
		       "{\"latitude\":14.330065796228606,\"longitude\":-90.99037259141691,\"altitude\":431,"
		       "\"speed\":0,\"heading\":248,\"gps_accuracy\":null,\"fix_time\":\"2025-10-09T00:34:00Z\","
		       "\"stale\":false}");
	/* exact double round trip in the rendered text */
	assert_non_null(strstr(pub(f, "location")->payload, "14.330065796228606"));
}

static void dedupe_and_resync(void **state)
{
	struct fixture *f = *state;
	const char *st = "{\"source_id\":1,\"gps\":{\"updated\":\"2025-10-09T00:34:00Z\",\"location\":{\"lat\":1,\"lng\":2}},"
			 "\"connection_status\":\"active\"}";
	assert_int_equal(map_state_text(f, st), 0);
	assert_int_equal(f->out.n, 3);
	/* the same state again while the first is in flight: nothing new */
	n2m_pub_list_clear(&f->out);
	assert_int_equal(map_state_text(f, st), 0);
	assert_int_equal(f->out.n, 0);
	/* broker outage: nothing confirmed; the reconnect's resync renders all three */
	assert_int_equal(n2m_map_resync(&f->ctx, f->tr, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 3);
	confirm_all(f);
	/* only the connection changes: state and availability, not location */
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"gps\":{\"updated\":\"2025-10-09T00:34:00Z\","
				     "\"location\":{\"lat\":1,\"lng\":2}},\"connection_status\":\"offline\"}"), 0);
	assert_int_equal(f->out.n, 2);
	assert_non_null(pub(f, "state"));
	assert_non_null(pub(f, "availability"));
	assert_null(pub(f, "location"));
	confirm_all(f);
	/* A, then B in flight, then A again: A must be sent (B would win otherwise) */
	assert_int_equal(map_state_text(f, st), 0);
	assert_int_equal(f->out.n, 2);
	n2m_pub_list_clear(&f->out); /* lost */
}

static void non_retained_classes_stream(void **state)
{
	struct fixture *f = *state;
	f->topics.classes[N2M_CLASS_STATE].retain = 0;
	f->topics.classes[N2M_CLASS_STATE].qos = 0;
	const char *st = "{\"source_id\":1}";
	assert_int_equal(map_state_text(f, st), 0);
	assert_int_equal(map_state_text(f, st), 0);
	assert_int_equal(f->out.n, 2); /* both state publications, no dedupe */
	assert_false(f->out.items[1].retain);
	assert_int_equal(f->out.items[1].qos, 0);
}

static void readings_merge_and_publish(void **state)
{
	struct fixture *f = *state;
	size_t len = 0;
	char *frame = unit_data_read("readings_batch_obs.json", &len);
	struct json_object *root = J(frame);
	free(frame);
	struct json_object *item = json_object_array_get_idx(json_object_object_get(root, "data"), 0);
	assert_int_equal(n2m_map_readings(&f->ctx, f->tr, item, &f->out, f->err, sizeof(f->err)), 0);
	const struct n2m_publication *r = pub(f, "readings");
	assert_non_null(r);
	assert_int_equal(r->cls, N2M_CLASS_READINGS);
	struct json_object *got = J(r->payload);
	struct json_object *v;
	assert_int_equal(json_object_get_int64(json_object_object_get(got, "tracker_id")), 3435108);
	assert_string_equal(json_object_get_string(json_object_object_get(got, "timestamp")),
			    "2025-10-08T18:31:24-06:00");
	assert_true(json_object_object_get_ex(got, "virtual_sensors", &v));
	assert_int_equal(json_object_array_length(json_object_object_get(got, "counters")), 2);
	assert_false(json_object_object_get_ex(got, "type", NULL));
	json_object_put(got);
	confirm_all(f);
	/* the observed empty-section delta with nothing new: no publication */
	struct json_object *empty = J("{\"tracker_id\":3435108,\"inputs\":[],\"states\":[],\"virtual_sensors\":[],"
				      "\"counters\":[],\"timestamp\":\"2025-10-08T18:36:24-06:00\"}");
	assert_int_equal(n2m_map_readings(&f->ctx, f->tr, empty, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 0);
	json_object_put(empty);
	/* one counter moves: the full readings again, with both counters */
	struct json_object *delta = J("{\"tracker_id\":3435108,\"inputs\":[],\"states\":[],\"virtual_sensors\":[],"
				      "\"counters\":[{\"type\":\"odometer\",\"value\":56510.5,\"update_time\":\"x\"}],"
				      "\"timestamp\":\"t2\"}");
	assert_int_equal(n2m_map_readings(&f->ctx, f->tr, delta, &f->out, f->err, sizeof(f->err)), 0);
	json_object_put(delta);
	r = pub(f, "readings");
	assert_non_null(r);
	got = J(r->payload);
	struct json_object *c = json_object_object_get(got, "counters");
	assert_int_equal(json_object_array_length(c), 2);
	assert_true(json_object_get_double(json_object_object_get(json_object_array_get_idx(c, 0), "value")) == 56510.5);
	assert_int_equal(json_object_array_length(json_object_object_get(got, "inputs")), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(got, "timestamp")), "t2");
	json_object_put(got);
	/* bad delta: error naming the section, nothing published */
	n2m_pub_list_clear(&f->out);
	struct json_object *bad = J("{\"counters\":7}");
	assert_int_equal(n2m_map_readings(&f->ctx, f->tr, bad, &f->out, f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err, "readings: counters is not an array");
	assert_int_equal(f->out.n, 0);
	json_object_put(bad);
	json_object_put(root);
}

static void iot_monitor_entry(void **state)
{
	struct fixture *f = *state;
	struct json_object *e = J("{\"tracker_id\":3435108,\"nonnull_fields\":{\"speed\":[{\"value\":43}]}}");
	assert_int_equal(n2m_map_iot_monitor(&f->ctx, f->tr, e, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(n2m_map_iot_monitor(&f->ctx, f->tr, e, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 2); /* not retained: no dedupe */
	const struct n2m_publication *p = pub(f, "iot_monitor");
	assert_false(p->retain);
	assert_int_equal(p->qos, 0);
	expect_payload(p, "{\"tracker_id\":3435108,\"nonnull_fields\":{\"speed\":[{\"value\":43}]}}");
	json_object_put(e);
	struct json_object *bad = J("[1]");
	assert_int_equal(n2m_map_iot_monitor(&f->ctx, f->tr, bad, &f->out, f->err, sizeof(f->err)), -1);
	json_object_put(bad);
}

static void lifecycle_block_unblock(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"connection_status\":\"active\"}"), 0);
	confirm_all(f);
	assert_int_equal(n2m_map_lifecycle(&f->ctx, f->tr, NVX_LIFECYCLE_BLOCK, "block", &f->out, f->err,
					   sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 2);
	const struct n2m_publication *l = pub(f, "lifecycle");
	expect_payload(l, "{\"event\":\"block\",\"tracker_id\":3435108,\"source_id\":10434741}");
	assert_false(l->retain);
	assert_int_equal(l->qos, 2);
	assert_string_equal(pub(f, "availability")->payload, "offline");
	assert_true(f->tr->blocked);
	confirm_all(f);
	assert_int_equal(n2m_map_lifecycle(&f->ctx, f->tr, NVX_LIFECYCLE_UNBLOCK, NULL, &f->out, f->err,
					   sizeof(f->err)), 0);
	expect_payload(pub(f, "lifecycle"), "{\"event\":\"unblock\",\"tracker_id\":3435108,\"source_id\":10434741}");
	assert_string_equal(pub(f, "availability")->payload, "online");
	assert_false(f->tr->blocked);
	n2m_pub_list_clear(&f->out);
	assert_int_equal(n2m_map_lifecycle(&f->ctx, f->tr, NVX_LIFECYCLE_UNKNOWN, "hibernate", &f->out,
					   f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 1);
	expect_payload(pub(f, "lifecycle"), "{\"event\":\"hibernate\",\"tracker_id\":3435108,\"source_id\":10434741}");
}

static void lifecycle_corrupt_clears(void **state)
{
	struct fixture *f = *state;
	char *text = observed_state();
	assert_int_equal(map_state_text(f, text), 0);
	free(text);
	struct json_object *rd = J("{\"tracker_id\":3435108,\"counters\":[{\"type\":\"odometer\",\"value\":1}]}");
	assert_int_equal(n2m_map_readings(&f->ctx, f->tr, rd, &f->out, f->err, sizeof(f->err)), 0);
	json_object_put(rd);
	confirm_all(f);
	assert_int_equal(n2m_map_lifecycle(&f->ctx, f->tr, NVX_LIFECYCLE_CORRUPT, "corrupt", &f->out,
					   f->err, sizeof(f->err)), 0);
	expect_payload(pub(f, "lifecycle"), "{\"event\":\"corrupt\",\"tracker_id\":3435108,\"source_id\":10434741}");
	/* every retained class cleared: state, location, availability, readings */
	const char *cleared[] = { "state", "location", "availability", "readings" };
	for (size_t i = 0; i < 4; i++) {
		const struct n2m_publication *p = NULL;
		for (size_t j = 0; j < f->out.n; j++) {
			char want[128];
			snprintf(want, sizeof(want), "navixy/tracker/3435108/%s", cleared[i]);
			if (strcmp(f->out.items[j].topic, want) == 0 && f->out.items[j].clearing)
				p = &f->out.items[j];
		}
		assert_non_null(p);
		assert_int_equal(p->payload_len, 0);
		assert_string_equal(p->payload, "");
		assert_true(p->retain);
	}
	assert_int_equal(f->out.n, 5); /* lifecycle + 4 clears (iot_monitor, lifecycle not retained) */
	n2m_tracker_remove(&f->table, f->tr);
	assert_null(n2m_tracker_find(&f->table, 3435108));
	f->tr = n2m_tracker_get_or_add(&f->table, 1, NULL); /* for teardown symmetry */
}

static void clear_rename_and_resync(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"gps\":{\"updated\":\"2025-10-09T00:34:00Z\","
				     "\"location\":{\"lat\":1,\"lng\":2}},\"connection_status\":\"active\"}"), 0);
	confirm_all(f);
	/* label mode rename: clear the old topic id, resync on the new one */
	assert_int_equal(n2m_map_clear(&f->ctx, f->tr, "Old_name", &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 4);
	for (size_t i = 0; i < f->out.n; i++) {
		assert_non_null(strstr(f->out.items[i].topic, "navixy/tracker/Old_name/"));
		assert_true(f->out.items[i].clearing);
	}
	confirm_all(f); /* confirming clears records nothing */
	assert_int_equal(n2m_map_resync(&f->ctx, f->tr, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 3); /* no readings yet */
	assert_non_null(pub(f, "state"));
	assert_non_null(pub(f, "location"));
	assert_non_null(pub(f, "availability"));
	n2m_pub_list_clear(&f->out);
	/* the relabel reaches the stored state on resync */
	n2m_tracker_set_label(&f->table, f->tr, "New label", NULL);
	assert_int_equal(n2m_map_resync(&f->ctx, f->tr, &f->out, f->err, sizeof(f->err)), 0);
	struct json_object *got = J(pub(f, "state")->payload);
	assert_string_equal(json_object_get_string(json_object_object_get(got, "label")), "New label");
	json_object_put(got);
	n2m_pub_list_clear(&f->out);
	/* clearing the current topic forgets the marks: the next state publishes */
	assert_int_equal(n2m_map_clear(&f->ctx, f->tr, NULL, &f->out, f->err, sizeof(f->err)), 0);
	confirm_all(f);
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"gps\":{\"updated\":\"2025-10-09T00:34:00Z\","
				     "\"location\":{\"lat\":1,\"lng\":2}},\"connection_status\":\"active\"}"), 0);
	assert_int_equal(f->out.n, 3);
}

static void stale_refresh_only_on_flip(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"gps\":{\"updated\":\"2025-10-08T18:31:28-06:00\","
				     "\"location\":{\"lat\":1,\"lng\":2}}}"), 0);
	confirm_all(f);
	assert_false(f->tr->location.stale);
	assert_int_equal(n2m_map_stale_refresh(&f->ctx, f->tr, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 0);
	f->ctx.now += 900; /* 1112 s after the fix */
	assert_int_equal(n2m_map_stale_refresh(&f->ctx, f->tr, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 1);
	assert_non_null(strstr(pub(f, "location")->payload, "\"stale\":true"));
	confirm_all(f);
	f->ctx.now += 900;
	assert_int_equal(n2m_map_stale_refresh(&f->ctx, f->tr, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 0);
	/* stale_after_s 0 turns the flag off */
	f->topics.stale_after_s = 0;
	assert_int_equal(n2m_map_stale_refresh(&f->ctx, f->tr, &f->out, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->out.n, 1);
	assert_non_null(strstr(pub(f, "location")->payload, "\"stale\":false"));
}

static void bad_input(void **state)
{
	struct fixture *f = *state;
	struct json_object *arr = J("[]");
	assert_int_equal(n2m_map_state(&f->ctx, f->tr, arr, &f->out, f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err, "state: not an object");
	assert_int_equal(n2m_map_readings(&f->ctx, f->tr, arr, &f->out, f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err, "readings: not an object");
	json_object_put(arr);
	/* weird field types do not crash and render as null */
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"gps\":{\"location\":[1],\"updated\":5,"
				     "\"speed\":{},\"alt\":1e400},\"connection_status\":7}"), 0);
	expect_payload(pub(f, "location"),
		       "{\"latitude\":null,\"longitude\":null,\"altitude\":null,\"speed\":null,"
		       "\"heading\":null,\"gps_accuracy\":null,\"fix_time\":null,\"stale\":true}");
	/* a label with quotes and control characters stays valid JSON */
	n2m_pub_list_clear(&f->out);
	n2m_tracker_set_label(&f->table, f->tr, "a\"b\\c\n", NULL);
	assert_int_equal(map_state_text(f, "{\"source_id\":1}"), 0);
	struct json_object *got = J(pub(f, "state")->payload);
	assert_string_equal(json_object_get_string(json_object_object_get(got, "label")), "a\"b\\c\n");
	json_object_put(got);
}

static void pub_list_take(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(map_state_text(f, "{\"source_id\":1,\"connection_status\":\"active\"}"), 0);
	assert_int_equal(f->out.n, 2);
	struct n2m_publication p = n2m_pub_list_take(&f->out, 0);
	assert_non_null(p.topic);
	assert_null(f->out.items[0].topic);
	n2m_publication_free(&p);
	n2m_pub_list_clear(&f->out);
	assert_int_equal(f->out.n, 0);
	assert_string_equal(n2m_availability_text(N2M_AVAIL_ONLINE), "online");
	assert_null(n2m_availability_text(N2M_AVAIL_UNKNOWN));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(state_location_availability),
		T(location_from_strings_and_precision),
		T(availability_values),
		T(compact_state),
		T(dedupe_and_resync),
		T(non_retained_classes_stream),
		T(readings_merge_and_publish),
		T(iot_monitor_entry),
		T(lifecycle_block_unblock),
		T(lifecycle_corrupt_clears),
		T(clear_rename_and_resync),
		T(stale_refresh_only_on_flip),
		T(bad_input),
		T(pub_list_take),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
