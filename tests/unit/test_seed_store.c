/*
 * test_seed_store.c - the standby's record of retained payloads: a same
 * payload is taken once (skip), a different one is not, a cleared topic
 * is gone, and many topics survive growth and removals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hash64.h"
#include "seed_store.h"

static int take(struct n2m_seed_store *s, const char *topic, const char *payload)
{
	return n2m_seed_store_take(s, topic, n2m_hash64(payload, strlen(payload)), strlen(payload));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_payload_is_taken_once),
		cmocka_unit_test(changed_payload_is_not_skipped),
		cmocka_unit_test(cleared_topic_is_gone),
		cmocka_unit_test(many_topics_with_growth_and_removals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
