/* SPDX-License-Identifier: MIT */
/*
 * test_tracker_table.c - lookups, removal, sync from tracker/list (labels,
 * renames, collisions), delivery marks, and memory per tracker.
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

#include "mapping.h"
#include "navixy_frame.h"
#include "tracker_table.h"
#include "unit_data.h"

static struct nvx_tracker_info info(int64_t id, int64_t source, const char *label, int blocked)
{
	struct nvx_tracker_info i = { .id = id, .source_id = source, .blocked = blocked };
	i.label = (char *)label;
	return i;
}

static void add_find_remove_many(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	assert_int_equal(n2m_tracker_table_init(&t, N2M_TOPIC_ID_TRACKER_ID), 0);
	const int64_t n = 20000;
	for (int64_t i = 1; i <= n; i++) {
		int added = 0;
		struct n2m_tracker *tr = n2m_tracker_get_or_add(&t, i * 7, &added);
		assert_non_null(tr);
		assert_true(added);
		assert_int_equal(n2m_tracker_set_source(&t, tr, i * 7 + 1000000), 0);
	}
	assert_int_equal(n2m_tracker_table_count(&t), n);
	int added = 1;
	assert_ptr_equal(n2m_tracker_get_or_add(&t, 14, &added), n2m_tracker_find(&t, 14));
	assert_false(added);
	/* remove every third tracker, check the rest still resolve both ways */
	for (int64_t i = 1; i <= n; i += 3)
		n2m_tracker_remove(&t, n2m_tracker_find(&t, i * 7));
	for (int64_t i = 1; i <= n; i++) {
		struct n2m_tracker *tr = n2m_tracker_find(&t, i * 7);
		struct n2m_tracker *bys = n2m_tracker_find_source(&t, i * 7 + 1000000);
		if ((i - 1) % 3 == 0) {
			assert_null(tr);
			assert_null(bys);
		} else {
			assert_non_null(tr);
			assert_ptr_equal(tr, bys);
			assert_int_equal(tr->id, i * 7);
			char want[32];
			snprintf(want, sizeof(want), "%lld", (long long)(i * 7));
			assert_string_equal(tr->topic_id, want);
		}
	}
	/* iteration visits every tracker once */
	size_t count = n2m_tracker_table_count(&t);
	int64_t sum = 0;
	for (size_t i = 0; i < count; i++)
		sum += n2m_tracker_table_at(&t, i)->id;
	int64_t want = 0;
	for (int64_t i = 1; i <= n; i++)
		if ((i - 1) % 3 != 0)
			want += i * 7;
	assert_int_equal(sum, want);
	assert_null(n2m_tracker_table_at(&t, count));
	assert_null(n2m_tracker_find(&t, 0));
	assert_null(n2m_tracker_get_or_add(&t, -1, NULL));
	n2m_tracker_table_free(&t);
}

/* Prefetch hints read only the table's own memory and change nothing:
 * every step for present, removed, unknown and invalid keys, both maps, on
 * an empty table too (sanitizer builds catch a stray read). */
static void prefetch_changes_nothing(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	assert_int_equal(n2m_tracker_table_init(&t, N2M_TOPIC_ID_TRACKER_ID), 0);
	for (int step = 0; step < N2M_TRACKER_PREFETCH_STEPS; step++)
		n2m_tracker_prefetch(&t, 5, step & 1, step);
	for (int64_t i = 1; i <= 3000; i++) {
		struct n2m_tracker *tr = n2m_tracker_get_or_add(&t, i, NULL);
		assert_non_null(tr);
		assert_int_equal(n2m_tracker_set_source(&t, tr, i + 500000), 0);
		if (i % 2)
			assert_int_equal(n2m_tracker_store_state(tr, "{\"a\":1}", 7), 0);
		else
			assert_int_equal(n2m_tracker_store_readings(tr, "{\"b\":2}", 7), 0);
	}
	for (int64_t i = 1; i <= 3000; i += 5)
		n2m_tracker_remove(&t, n2m_tracker_find(&t, i));
	const int64_t keys[] = { -7, 0, 1, 2, 3, 2999, 3000, 3001, 500001, 500002, 503000, INT64_MAX };
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (int by_source = 0; by_source < 2; by_source++)
			for (int step = -1; step <= N2M_TRACKER_PREFETCH_STEPS; step++)
				n2m_tracker_prefetch(&t, keys[k], by_source, step);
	assert_int_equal(n2m_tracker_table_count(&t), 3000 - 600);
	for (int64_t i = 1; i <= 3000; i++) {
		struct n2m_tracker *tr = n2m_tracker_find(&t, i);
		if ((i - 1) % 5 == 0) {
			assert_null(tr);
			continue;
		}
		assert_non_null(tr);
		assert_ptr_equal(n2m_tracker_find_source(&t, i + 500000), tr);
		assert_string_equal(i % 2 ? tr->state_json : tr->readings_json,
				    i % 2 ? "{\"a\":1}" : "{\"b\":2}");
	}
	n2m_tracker_table_free(&t);
}

static void source_id_moves(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_TRACKER_ID);
	struct n2m_tracker *a = n2m_tracker_get_or_add(&t, 1, NULL);
	struct n2m_tracker *b = n2m_tracker_get_or_add(&t, 2, NULL);
	n2m_tracker_set_source(&t, a, 500);
	n2m_tracker_set_source(&t, b, 500); /* source moved to b */
	assert_ptr_equal(n2m_tracker_find_source(&t, 500), b);
	assert_int_equal(a->source_id, 0);
	n2m_tracker_set_source(&t, b, 501);
	assert_null(n2m_tracker_find_source(&t, 500));
	assert_ptr_equal(n2m_tracker_find_source(&t, 501), b);
	n2m_tracker_table_free(&t);
}

static const struct n2m_tracker_change *find_change(const struct n2m_tracker_changes *c,
						    enum n2m_tracker_change_kind kind, int64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].kind == kind && c->items[i].tracker_id == id)
			return &c->items[i];
	return NULL;
}

static void sync_label_mode(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_LABEL);
	struct nvx_tracker_info items[] = {
		info(10, 110, "Truck/1", 0), info(11, 111, "Van #2", 1), info(12, 112, "", 0),
		info(14, 114, "Truck+1", 0), info(13, 113, "Truck_1", 0),
	};
	struct nvx_tracker_list list = { .items = items, .n = 5 };
	struct n2m_tracker_changes ch = { 0 };
	assert_int_equal(n2m_tracker_table_sync(&t, &list, 1, &ch), 0);
	assert_int_equal(ch.n, 5);
	for (int64_t id = 10; id <= 14; id++)
		assert_non_null(find_change(&ch, N2M_TRACKER_ADDED, id));
	assert_string_equal(n2m_tracker_find(&t, 10)->topic_id, "Truck_1");
	/* three labels sanitise to Truck_1: the smallest id keeps it */
	assert_string_equal(n2m_tracker_find(&t, 13)->topic_id, "Truck_1_13");
	assert_string_equal(n2m_tracker_find(&t, 14)->topic_id, "Truck_1_14");
	assert_string_equal(n2m_tracker_find(&t, 11)->topic_id, "Van _2");
	assert_string_equal(n2m_tracker_find(&t, 12)->topic_id, "12");
	assert_true(n2m_tracker_find(&t, 11)->blocked);
	assert_ptr_equal(n2m_tracker_find_source(&t, 113), n2m_tracker_find(&t, 13));
	n2m_tracker_changes_free(&ch);

	/* rename 10, relabel 11 without a topic change? no: label mode changes it;
	 * block 12, drop 14 from the list */
	items[0].label = "Truck 10";
	items[1].blocked = 0;
	items[2].label = "";
	struct nvx_tracker_list list2 = { .items = items, .n = 4 };
	items[3] = info(13, 113, "Truck_1", 0);
	list2.n = 4;
	assert_int_equal(n2m_tracker_table_sync(&t, &list2, 1, &ch), 0);
	const struct n2m_tracker_change *r = find_change(&ch, N2M_TRACKER_RENAMED, 10);
	assert_non_null(r);
	assert_string_equal(r->old_topic_id, "Truck_1");
	assert_string_equal(n2m_tracker_find(&t, 10)->topic_id, "Truck 10");
	/* 13 no longer collides with 10, so it gets the plain level back */
	r = find_change(&ch, N2M_TRACKER_RENAMED, 13);
	assert_non_null(r);
	assert_string_equal(r->old_topic_id, "Truck_1_13");
	assert_string_equal(n2m_tracker_find(&t, 13)->topic_id, "Truck_1");
	assert_non_null(find_change(&ch, N2M_TRACKER_BLOCK_CHANGED, 11));
	assert_non_null(find_change(&ch, N2M_TRACKER_GONE, 14));
	assert_null(find_change(&ch, N2M_TRACKER_RENAMED, 12));
	assert_non_null(n2m_tracker_find(&t, 14)); /* reported, not removed */
	n2m_tracker_changes_free(&ch);
	n2m_tracker_table_free(&t);
}

static void sync_id_mode_relabel(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_TRACKER_ID);
	struct nvx_tracker_info items[] = { info(10, 110, "A", 0) };
	struct nvx_tracker_list list = { .items = items, .n = 1 };
	struct n2m_tracker_changes ch = { 0 };
	n2m_tracker_table_sync(&t, &list, 0, &ch);
	n2m_tracker_changes_free(&ch);
	items[0].label = "B";
	items[0].source_id = 120;
	n2m_tracker_table_sync(&t, &list, 0, &ch);
	assert_non_null(find_change(&ch, N2M_TRACKER_RELABELLED, 10));
	assert_non_null(find_change(&ch, N2M_TRACKER_SOURCE_CHANGED, 10));
	assert_null(find_change(&ch, N2M_TRACKER_RENAMED, 10));
	assert_string_equal(n2m_tracker_find(&t, 10)->topic_id, "10");
	assert_string_equal(n2m_tracker_find(&t, 10)->label, "B");
	assert_null(n2m_tracker_find_source(&t, 110));
	n2m_tracker_changes_free(&ch);

	char old[N2M_TOPIC_ID_MAX + 1];
	assert_int_equal(n2m_tracker_set_label(&t, n2m_tracker_find(&t, 10), "C", old), 0);
	n2m_tracker_table_free(&t);
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_LABEL);
	struct n2m_tracker *tr = n2m_tracker_get_or_add(&t, 5, NULL);
	assert_string_equal(tr->topic_id, "5");
	assert_int_equal(n2m_tracker_set_label(&t, tr, "Car 5", old), 1);
	assert_string_equal(old, "5");
	assert_string_equal(tr->topic_id, "Car 5");
	assert_int_equal(n2m_tracker_set_label(&t, tr, "Car 5", old), 0);
	n2m_tracker_table_free(&t);
}

static void marks(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_TRACKER_ID);
	struct n2m_tracker *tr = n2m_tracker_get_or_add(&t, 1, NULL);
	assert_false(n2m_tracker_is_published(tr, N2M_CLASS_STATE, 1, 10));
	n2m_tracker_mark_produced(tr, N2M_CLASS_STATE, 1, 10);
	assert_true(n2m_tracker_is_published(tr, N2M_CLASS_STATE, 1, 10));
	n2m_tracker_mark_produced(tr, N2M_CLASS_STATE, 2, 10);
	n2m_tracker_mark_published(tr, N2M_CLASS_STATE, 1, 10); /* older one arrived */
	/* dedupe compares with the latest produced, not the last arrived */
	assert_false(n2m_tracker_is_published(tr, N2M_CLASS_STATE, 1, 10));
	assert_true(n2m_tracker_is_published(tr, N2M_CLASS_STATE, 2, 10));
	n2m_tracker_mark_published(tr, N2M_CLASS_STATE, 2, 10);
	assert_false(n2m_tracker_is_published(tr, N2M_CLASS_STATE, 2, 11)); /* length counts */
	n2m_tracker_forget_published(tr);
	assert_false(n2m_tracker_is_published(tr, N2M_CLASS_STATE, 2, 10));
	/* availability */
	assert_int_equal(n2m_tracker_availability(tr), N2M_AVAIL_UNKNOWN);
	tr->connection_online = 1;
	assert_int_equal(n2m_tracker_availability(tr), N2M_AVAIL_ONLINE);
	tr->upstream = NVX_STATUS_BLOCKED;
	assert_int_equal(n2m_tracker_availability(tr), N2M_AVAIL_OFFLINE);
	n2m_tracker_table_free(&t);
}

static void stored_text_round_trip(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_TRACKER_ID);
	struct n2m_tracker *tr = n2m_tracker_get_or_add(&t, 1, NULL);
	assert_null(n2m_tracker_state_json(tr));
	assert_int_equal(n2m_tracker_store_state(tr, "{\"a\":1}", 7), 0);
	assert_int_equal(n2m_tracker_store_state(tr, "{\"b\":22}", 8), 0);
	struct json_object *o = n2m_tracker_state_json(tr);
	assert_non_null(o);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "b")), 22);
	json_object_put(o);
	assert_int_equal(n2m_tracker_store_readings(tr, "{}", 2), 0);
	assert_string_equal(tr->readings_json, "{}");
	n2m_tracker_table_free(&t);
}

/* Heap bytes in use, from glibc's mallinfo2 when available. Under a
 * sanitizer the allocator is not glibc's, so the heap figures are skipped
 * (the table's own accounting is still checked). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define N2M_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define N2M_UNDER_ASAN 1
#endif
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)) && \
	!defined(N2M_UNDER_ASAN)
#include <malloc.h>
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}
#define HAVE_HEAP_IN_USE 1
#endif

/* Builds N trackers with the observed full state and readings through the
 * real mapping path and checks the table's bytes per tracker; also reports
 * what keeping json-c trees instead would cost. */
static void memory_per_tracker(void **state)
{
	(void)state;
	size_t slen = 0, rlen = 0;
	char *sframe = unit_data_read("state_batch_obs.json", &slen);
	char *rframe = unit_data_read("readings_batch_obs.json", &rlen);
	assert_non_null(sframe);
	assert_non_null(rframe);
	struct n2m_topics_config topics;
	memset(&topics, 0, sizeof(topics));
	topics.stale_after_s = 900;
	for (int c = 0; c < N2M_CLASS_COUNT; c++)
		topics.classes[c].retain = 1;
	struct n2m_map_ctx ctx = { .base_topic = "navixy", .topics = &topics, .now = 1760000000 };
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_LABEL);
	struct n2m_pub_list out;
	n2m_pub_list_init(&out);
	char err[256];
	const int n = 2000;
#ifdef HAVE_HEAP_IN_USE
	size_t before = heap_in_use();
#endif
	for (int i = 0; i < n; i++) {
		struct nvx_frame fs, fr;
		assert_int_equal(nvx_frame_parse(sframe, slen, &fs, err, sizeof(err)), 0);
		assert_int_equal(nvx_frame_parse(rframe, rlen, &fr, err, sizeof(err)), 0);
		struct n2m_tracker *tr = n2m_tracker_get_or_add(&t, 100000 + i, NULL);
		n2m_tracker_set_source(&t, tr, 500000 + i);
		n2m_tracker_set_label(&t, tr, "Delivery truck 0042 north", NULL);
		assert_int_equal(n2m_map_state(&ctx, tr, fs.items[0].obj, &out, err, sizeof(err)), 0);
		assert_int_equal(n2m_map_readings(&ctx, tr, fr.items[0].obj, &out, err, sizeof(err)), 0);
		n2m_pub_list_clear(&out);
		nvx_frame_free(&fs);
		nvx_frame_free(&fr);
	}
	size_t accounted = n2m_tracker_table_memory(&t) / (size_t)n;
	print_message("tracker table: %zu bytes per tracker (struct %zu, state %zu, readings %zu)\n",
		      accounted, sizeof(struct n2m_tracker), n2m_tracker_table_at(&t, 0)->state_len,
		      n2m_tracker_table_at(&t, 0)->readings_len);
	assert_true(accounted < 4096);
#ifdef HAVE_HEAP_IN_USE
	size_t heap = (heap_in_use() - before) / (size_t)n;
	print_message("heap growth: %zu bytes per tracker\n", heap);
	assert_true(heap < 4096);

	/* The alternative: keep the json-c trees themselves. */
	size_t tree_before = heap_in_use();
	struct json_object **trees = calloc((size_t)n, sizeof(*trees));
	for (int i = 0; i < n; i++) {
		struct n2m_tracker *tr = n2m_tracker_table_at(&t, (size_t)i);
		struct json_object *pair = json_object_new_array();
		json_object_array_add(pair, n2m_tracker_state_json(tr));
		json_object_array_add(pair, n2m_tracker_readings_json(tr));
		trees[i] = pair;
	}
	size_t tree = (heap_in_use() - tree_before) / (size_t)n;
	print_message("json-c trees instead: %zu bytes per tracker\n", tree);
	assert_true(tree > accounted); /* the reason strings were chosen */
	for (int i = 0; i < n; i++)
		json_object_put(trees[i]);
	free(trees);
#endif
	n2m_pub_list_free(&out);
	n2m_tracker_table_free(&t);
	free(sframe);
	free(rframe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_find_remove_many),
		cmocka_unit_test(prefetch_changes_nothing),
		cmocka_unit_test(source_id_moves),
		cmocka_unit_test(sync_label_mode),
		cmocka_unit_test(sync_id_mode_relabel),
		cmocka_unit_test(marks),
		cmocka_unit_test(stored_text_round_trip),
		cmocka_unit_test(memory_per_tracker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
