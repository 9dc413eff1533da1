/* SPDX-License-Identifier: MIT */
/*
 * test_event_queue.c - the outage queue: order, the item and byte bounds,
 * drop-oldest with pinned clears kept, refusal of oversized entries, ring
 * wrap-around and growth, and that a long flood stays bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "event_queue.h"

static void push_n(struct n2m_event_queue *q, int from, int n, int pinned)
{
	char topic[32], payload[32];
	for (int i = from; i < from + n; i++) {
		snprintf(topic, sizeof topic, "t/%d", i);
		int len = snprintf(payload, sizeof payload, "p%d", i);
		assert_int_not_equal(n2m_event_queue_push(q, topic, payload, (size_t)len, 1, 0, pinned),
				     N2M_EQ_REFUSED);
	}
}

/* Pops everything, checking the topics are t/<first>, t/<first+1>, ... */
static void expect_sequence(struct n2m_event_queue *q, const int *want, size_t n)
{
	char topic[32];
	assert_int_equal(n2m_event_queue_count(q), n);
	for (size_t i = 0; i < n; i++) {
		const struct n2m_queued_pub *p = n2m_event_queue_peek(q);
		assert_non_null(p);
		snprintf(topic, sizeof topic, "t/%d", want[i]);
		assert_string_equal(p->topic, topic);
		n2m_event_queue_pop(q);
	}
	assert_null(n2m_event_queue_peek(q));
	assert_int_equal(q->bytes, 0);
}

static void keeps_order_and_copies(void **state)
{
	(void)state;
	struct n2m_event_queue q;
	n2m_event_queue_init(&q, 10, 1000);
	char payload[] = "abc";
	assert_int_equal(n2m_event_queue_push(&q, "a/b", payload, 3, 2, 1, 0), N2M_EQ_QUEUED);
	payload[0] = 'X'; /* the queue holds its own copy */
	const struct n2m_queued_pub *p = n2m_event_queue_peek(&q);
	assert_string_equal(p->topic, "a/b");
	assert_memory_equal(p->payload, "abc", 4);
	assert_int_equal(p->payload_len, 3);
	assert_int_equal(p->qos, 2);
	assert_int_equal(p->retain, 1);
	assert_int_equal(q.bytes, 6);
	n2m_event_queue_pop(&q);
	n2m_event_queue_pop(&q); /* popping an empty queue is harmless */
	assert_int_equal(n2m_event_queue_count(&q), 0);
	n2m_event_queue_free(&q);
}

static void empty_payload_is_a_clear(void **state)
{
	(void)state;
	struct n2m_event_queue q;
	n2m_event_queue_init(&q, 4, 100);
	assert_int_equal(n2m_event_queue_push(&q, "x", NULL, 0, 0, 1, 1), N2M_EQ_QUEUED);
	const struct n2m_queued_pub *p = n2m_event_queue_peek(&q);
	assert_string_equal(p->payload, "");
	assert_int_equal(p->payload_len, 0);
	assert_true(p->pinned);
	n2m_event_queue_free(&q);
}

static void item_bound_drops_oldest(void **state)
{
	(void)state;
	struct n2m_event_queue q;
	n2m_event_queue_init(&q, 3, 1000);
	push_n(&q, 0, 3, 0);
	assert_int_equal(n2m_event_queue_push(&q, "t/3", "p3", 2, 0, 0, 0), N2M_EQ_QUEUED_DROPPED);
	push_n(&q, 4, 1, 0);
	assert_int_equal(q.dropped, 2);
	assert_int_equal(q.queued, 5);
	expect_sequence(&q, (const int[]){ 2, 3, 4 }, 3);
	n2m_event_queue_free(&q);
}

static void byte_bound_drops_oldest(void **state)
{
	(void)state;
	struct n2m_event_queue q;
	/* "t/N" + "pN" = 5 bytes for one-digit N: room for three. */
	n2m_event_queue_init(&q, 100, 15);
	push_n(&q, 0, 5, 0);
	assert_int_equal(q.dropped, 2);
	assert_true(q.bytes <= 15);
	expect_sequence(&q, (const int[]){ 2, 3, 4 }, 3);
	n2m_event_queue_free(&q);
}

static void pinned_entries_survive_while_others_can_go(void **state)
{
	(void)state;
	struct n2m_event_queue q;
	n2m_event_queue_init(&q, 4, 1000);
	push_n(&q, 0, 2, 1);  /* two clears */
	push_n(&q, 2, 2, 0);  /* two notices */
	push_n(&q, 4, 2, 0);  /* two more: the notices 2 and 3 go, not the clears */
	assert_int_equal(q.dropped, 2);
	assert_int_equal(q.dropped_pinned, 0);
	expect_sequence(&q, (const int[]){ 0, 1, 4, 5 }, 4);
	/* Only pinned left: then the oldest pinned goes, and it is counted. */
	push_n(&q, 0, 4, 1);
	push_n(&q, 4, 1, 0);
	assert_int_equal(q.dropped_pinned, 1);
	expect_sequence(&q, (const int[]){ 1, 2, 3, 4 }, 4);
	n2m_event_queue_free(&q);
}

static void oversized_entry_is_refused(void **state)
{
	(void)state;
	struct n2m_event_queue q;
	char big[64];
	memset(big, 'x', sizeof big);
	n2m_event_queue_init(&q, 10, 32);
	push_n(&q, 0, 2, 0);
	assert_int_equal(n2m_event_queue_push(&q, "t/big", big, sizeof big, 0, 0, 0), N2M_EQ_REFUSED);
	assert_int_equal(q.dropped, 1);
	/* What was queued before stays. */
	expect_sequence(&q, (const int[]){ 0, 1 }, 2);
	n2m_event_queue_free(&q);
}

static void wraps_and_grows_in_order(void **state)
{
	(void)state;
	struct n2m_event_queue q;
	n2m_event_queue_init(&q, 1000, 1 << 20);
	int next_pop = 0, next_push = 0;
	/* Interleave pushes and pops so head wraps while the ring grows. */
	for (int round = 0; round < 50; round++) {
		push_n(&q, next_push, 7, round % 3 == 0);
		next_push += 7;
		for (int k = 0; k < 4; k++) {
			char topic[32];
			snprintf(topic, sizeof topic, "t/%d", next_pop++);
			assert_string_equal(n2m_event_queue_peek(&q)->topic, topic);
			n2m_event_queue_pop(&q);
		}
	}
	assert_int_equal(n2m_event_queue_count(&q), (size_t)(next_push - next_pop));
	assert_int_equal(q.dropped, 0);
	while (n2m_event_queue_count(&q)) {
		char topic[32];
		snprintf(topic, sizeof topic, "t/%d", next_pop++);
		assert_string_equal(n2m_event_queue_peek(&q)->topic, topic);
		n2m_event_queue_pop(&q);
	}
	n2m_event_queue_free(&q);
}

static void long_flood_stays_bounded(void **state)
{
	(void)state;
	struct n2m_event_queue q;
	n2m_event_queue_init(&q, 500, 1 << 20);
	push_n(&q, 0, 200000, 0);
	assert_int_equal(n2m_event_queue_count(&q), 500);
	assert_true(q.cap <= 500);
	assert_int_equal(q.dropped, 200000 - 500);
	const struct n2m_queued_pub *p = n2m_event_queue_peek(&q);
	assert_string_equal(p->topic, "t/199500"); /* the newest 500 are kept */
	n2m_event_queue_free(&q);
	n2m_event_queue_free(&q); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keeps_order_and_copies),
		cmocka_unit_test(empty_payload_is_a_clear),
		cmocka_unit_test(item_bound_drops_oldest),
		cmocka_unit_test(byte_bound_drops_oldest),
		cmocka_unit_test(pinned_entries_survive_while_others_can_go),
		cmocka_unit_test(oversized_entry_is_refused),
		cmocka_unit_test(wraps_and_grows_in_order),
		cmocka_unit_test(long_flood_stays_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
