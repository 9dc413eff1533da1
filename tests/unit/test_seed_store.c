/* SPDX-License-Identifier: MIT */
/*
 * test_seed_store.c - the standby's record of retained payloads: a same
 * payload is taken once (skip), a different one is not, a cleared topic
 * is gone, many topics survive growth and removals, and readings that
 * differ only in their event timestamp count as the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "seed_store.h"

static int take(struct n2m_seed_store *s, const char *topic, const char *payload)
{
	return n2m_seed_store_take(s, topic, payload, strlen(payload));
}

static void same_payload_is_taken_once(void **state)
{
	(void)state;
	struct n2m_seed_store s;
	n2m_seed_store_init(&s);
	assert_int_equal(n2m_seed_store_put(&s, "n/tracker/1/state", "{\"a\":1}", 7), 0);
	assert_true(take(&s, "n/tracker/1/state", "{\"a\":1}"));
	assert_false(take(&s, "n/tracker/1/state", "{\"a\":1}"));
	n2m_seed_store_free(&s);
}

static void changed_payload_is_not_skipped(void **state)
{
	(void)state;
	struct n2m_seed_store s;
	n2m_seed_store_init(&s);
	n2m_seed_store_put(&s, "t", "old", 3);
	n2m_seed_store_put(&s, "t", "new", 3);  /* the latest retained wins */
	assert_false(take(&s, "t", "old"));
	n2m_seed_store_put(&s, "t", "new", 3);
	assert_true(take(&s, "t", "new"));
	assert_false(take(&s, "unknown", "x"));
	n2m_seed_store_free(&s);
}

static void cleared_topic_is_gone(void **state)
{
	(void)state;
	struct n2m_seed_store s;
	n2m_seed_store_init(&s);
	n2m_seed_store_put(&s, "t", "v", 1);
	n2m_seed_store_put(&s, "t", "", 0);
	assert_int_equal(s.n, 0);
	assert_false(take(&s, "t", "v"));
	n2m_seed_store_free(&s);
}

static void many_topics_with_growth_and_removals(void **state)
{
	(void)state;
	struct n2m_seed_store s;
	char topic[64], payload[32];
	n2m_seed_store_init(&s);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 5000; i++) {
			snprintf(topic, sizeof topic, "navixy/tracker/%d/state", i);
			snprintf(payload, sizeof payload, "p%d", i);
			assert_int_equal(n2m_seed_store_put(&s, topic, payload, strlen(payload)), 0);
		}
		assert_int_equal(s.n, 5000);
		for (int i = 0; i < 5000; i++) {
			snprintf(topic, sizeof topic, "navixy/tracker/%d/state", i);
			snprintf(payload, sizeof payload, "p%d", i);
			assert_true(take(&s, topic, payload));
		}
		assert_int_equal(s.n, 0);
	}
	n2m_seed_store_free(&s);
}

#define READINGS(ts, fuel) \
	"{\"inputs\":[{\"name\":\"lls_level_1\",\"value\":" fuel \
	",\"update_time\":\"2026-11-27T20:57:07Z\"}],\"timestamp\":" ts ",\"tracker_id\":7}"

static void readings_differing_only_in_timestamp_are_the_same(void **state)
{
	(void)state;
	struct n2m_seed_store s;
	const char *topic = "navixy/tracker/7/readings";
	n2m_seed_store_init(&s);
	/* A new snapshot's event time, even of another length, is no change. */
	n2m_seed_store_put(&s, topic, READINGS("\"2026-11-27T21:05:42Z\"", "281.00"),
			   strlen(READINGS("\"2026-11-27T21:05:42Z\"", "281.00")));
	assert_true(take(&s, topic, READINGS("\"2026-11-27T21:05:47-06:00\"", "281.00")));
	/* A changed reading is a change, whatever the timestamp. */
	n2m_seed_store_put(&s, topic, READINGS("\"2026-11-27T21:05:42Z\"", "281.00"),
			   strlen(READINGS("\"2026-11-27T21:05:42Z\"", "281.00")));
	assert_false(take(&s, topic, READINGS("\"2026-11-27T21:05:42Z\"", "280.00")));
	/* Only on readings topics: a state's timestamp-like member counts. */
	n2m_seed_store_put(&s, "navixy/tracker/7/state", READINGS("\"a\"", "1"),
			   strlen(READINGS("\"a\"", "1")));
	assert_false(take(&s, "navixy/tracker/7/state", READINGS("\"b\"", "1")));
	/* A nested "timestamp" is data, not the event time. */
	const char *nested_a = "{\"x\":{\"timestamp\":1},\"tracker_id\":7}";
	const char *nested_b = "{\"x\":{\"timestamp\":2},\"tracker_id\":7}";
	n2m_seed_store_put(&s, topic, nested_a, strlen(nested_a));
	assert_false(take(&s, topic, nested_b));
	/* Not canonical JSON (someone else's payload): bytes compare whole. */
	const char *spaced_a = "{ \"timestamp\": 1 }", *spaced_b = "{ \"timestamp\": 2 }";
	n2m_seed_store_put(&s, topic, spaced_a, strlen(spaced_a));
	assert_false(take(&s, topic, spaced_b));
	n2m_seed_store_put(&s, topic, spaced_a, strlen(spaced_a));
	assert_true(take(&s, topic, spaced_a));
	/* Moving bytes across the left-out value is a change. */
	const char *moved_a = "{\"a\":\"xy\",\"timestamp\":1,\"b\":\"z\"}";
	const char *moved_b = "{\"a\":\"x\",\"timestamp\":1,\"b\":\"yz\"}";
	n2m_seed_store_put(&s, topic, moved_a, strlen(moved_a));
	assert_false(take(&s, topic, moved_b));
	n2m_seed_store_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_payload_is_taken_once),
		cmocka_unit_test(changed_payload_is_not_skipped),
		cmocka_unit_test(cleared_topic_is_gone),
		cmocka_unit_test(many_topics_with_growth_and_removals),
		cmocka_unit_test(readings_differing_only_in_timestamp_are_the_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
