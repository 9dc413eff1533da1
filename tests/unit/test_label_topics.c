/* SPDX-License-Identifier: MIT */
/*
 * test_label_topics.c - label topic levels never collide (tracker_sync.c):
 * duplicates, labels that look like disambiguated levels, labels that
 * sanitise alike, empty labels, long labels, swaps; and, over seeded random
 * label sets, every tracker's level is unique and legal, the same whatever
 * the list order, and stable when the same list comes again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"
#include "tracker_table.h"
#include "unit_random.h"

static struct nvx_tracker_info info(int64_t id, const char *label)
{
	struct nvx_tracker_info i = { .id = id, .source_id = id + 1000000 };
	i.label = (char *)label;
	return i;
}

/* Syncs list into t (label mode) and frees the change list. */
static void sync(struct n2m_tracker_table *t, struct nvx_tracker_info *items, size_t n)
{
	struct nvx_tracker_list list = { .items = items, .n = n };
	struct n2m_tracker_changes ch = { 0 };
	assert_int_equal(n2m_tracker_table_sync(t, &list, 1, &ch), 0);
	n2m_tracker_changes_free(&ch);
}

static const char *level(const struct n2m_tracker_table *t, int64_t id)
{
	const struct n2m_tracker *tr = n2m_tracker_find(t, id);
	assert_non_null(tr);
	return tr->topic_id;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every tracker's level is legal, one level, and no two are equal. */
static void assert_unique_and_legal(const struct n2m_tracker_table *t)
{
	size_t n = n2m_tracker_table_count(t);
	const char **levels = malloc((n ? n : 1) * sizeof(*levels));
	assert_non_null(levels);
	for (size_t i = 0; i < n; i++) {
		const char *l = n2m_tracker_table_at(t, i)->topic_id;
		size_t len = strlen(l);
		if (len == 0 || len > N2M_TOPIC_ID_MAX || !n2m_topic_name_is_legal(l, len) ||
		    strchr(l, '/'))
			fail_msg("illegal level for tracker %lld",
				 (long long)n2m_tracker_table_at(t, i)->id);
		levels[i] = l;
	}
	qsort(levels, n, sizeof(*levels), cmp_str);
	for (size_t i = 1; i < n; i++)
		if (strcmp(levels[i - 1], levels[i]) == 0)
			fail_msg("two trackers share the level \"%s\"", levels[i]);
	free(levels);
}

static void duplicates_and_lookalikes(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_LABEL);
	struct nvx_tracker_info items[] = {
		info(3, "X_2"), info(2, "X"), info(1, "X"), info(4, "X_2_3"),
		info(5, ""), info(6, ""), info(7, "5"), info(8, "a/b"), info(9, "a+b"),
		info(10, "a#b"), info(11, "Van\xef\xbf\xbf"), info(12, "Van\xef\xb7\x90"),
		info(13, "Van_"),
	};
	sync(&t, items, sizeof(items) / sizeof(items[0]));
	assert_unique_and_legal(&t);
	assert_string_equal(level(&t, 1), "X");
	assert_string_equal(level(&t, 2), "X_2");
	/* "X_2" is tracker 2's level now: the tracker labelled so gives way,
	 * and the tracker labelled "X_2_3" after it */
	assert_string_equal(level(&t, 3), "X_2_3");
	assert_string_equal(level(&t, 4), "X_2_3_4");
	/* empty labels fall back to the id; a label equal to an id does not
	 * take that tracker's level */
	assert_string_equal(level(&t, 5), "5");
	assert_string_equal(level(&t, 6), "6");
	assert_string_equal(level(&t, 7), "5_7");
	assert_string_equal(level(&t, 8), "a_b");
	assert_string_equal(level(&t, 9), "a_b_9");
	assert_string_equal(level(&t, 10), "a_b_10");
	/* noncharacters become '_': three labels sanitise to "Van_" */
	assert_string_equal(level(&t, 11), "Van_");
	assert_string_equal(level(&t, 12), "Van__12");
	assert_string_equal(level(&t, 13), "Van__13");
	n2m_tracker_table_free(&t);
}

static void long_labels_stay_unique_within_64_bytes(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_LABEL);
	char same[100];
	memset(same, 'L', 80);
	memcpy(same + 60, "\xc3\xa9\xc3\xa9", 4); /* a 2-byte character at the cut */
	same[80] = '\0';
	struct nvx_tracker_info items[] = {
		info(1, same), info(922337203685477580LL, same), info(55, same),
	};
	sync(&t, items, 3);
	assert_unique_and_legal(&t);
	assert_int_equal(strlen(level(&t, 1)), 64);
	const char *big = level(&t, 922337203685477580LL);
	assert_true(strlen(big) <= 64);
	assert_non_null(strstr(big, "_922337203685477580"));
	n2m_tracker_table_free(&t);
}

/* Two trackers swap labels: both are renamed, each old level reported. */
static void swapped_labels_are_both_renamed(void **state)
{
	(void)state;
	struct n2m_tracker_table t;
	n2m_tracker_table_init(&t, N2M_TOPIC_ID_LABEL);
	struct nvx_tracker_info items[] = { info(1, "Red"), info(2, "Blue") };
	sync(&t, items, 2);
	items[0].label = "Blue";
	items[1].label = "Red";
	struct nvx_tracker_list list = { .items = items, .n = 2 };
	struct n2m_tracker_changes ch = { 0 };
	assert_int_equal(n2m_tracker_table_sync(&t, &list, 1, &ch), 0);
	int renamed = 0;
	for (size_t i = 0; i < ch.n; i++) {
		assert_int_equal(ch.items[i].kind, N2M_TRACKER_RENAMED);
		assert_string_equal(ch.items[i].old_topic_id, ch.items[i].tracker_id == 1 ? "Red"
											 : "Blue");
		renamed++;
	}
	assert_int_equal(renamed, 2);
	assert_string_equal(level(&t, 1), "Blue");
	assert_string_equal(level(&t, 2), "Red");
	n2m_tracker_changes_free(&ch);
	n2m_tracker_table_free(&t);
}

/* A label drawn from a few pieces that collide often: "X", "_", digits
 * that are also tracker ids, separators and noncharacters. */
static void random_label(uint64_t *seed, char *out, size_t cap)
{
	static const char *const pieces[] = { "X", "_", "1", "2", "3", "_1", "_2", "/", "+",
					      " ", "\xef\xbf\xbf", "\xc3\xa9", "\x01" };
	size_t n = unit_random(seed) % 4, o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *p = pieces[unit_random(seed) % (sizeof(pieces) / sizeof(pieces[0]))];
		size_t l = strlen(p);
		if (o + l + 1 > cap)
			break;
		memcpy(out + o, p, l + 1);
		o += l;
	}
}

static void random_label_sets_unique_legal_order_free(void **state)
{
	(void)state;
	uint64_t seed = 0x1abe15eedULL;
	enum { MAX = 40 };
	char labels[MAX][16];
	struct nvx_tracker_info items[MAX];
	char first[MAX][N2M_TOPIC_ID_MAX + 1];
	int64_t ids[MAX];
	for (int round = 0; round < 3000; round++) {
		size_t n = 1 + unit_random(&seed) % MAX;
		for (size_t i = 0; i < n; i++) {
			random_label(&seed, labels[i], sizeof(labels[i]));
			items[i] = info((int64_t)(1 + unit_random(&seed) % 4 + 4 * i), labels[i]);
		}
		struct n2m_tracker_table t;
		n2m_tracker_table_init(&t, N2M_TOPIC_ID_LABEL);
		sync(&t, items, n);
		assert_unique_and_legal(&t);
		for (size_t i = 0; i < n; i++) {
			ids[i] = items[i].id;
			strcpy(first[i], level(&t, items[i].id));
		}
		/* the same list again: nothing moves */
		struct nvx_tracker_list list = { .items = items, .n = n };
		struct n2m_tracker_changes ch = { 0 };
		assert_int_equal(n2m_tracker_table_sync(&t, &list, 1, &ch), 0);
		assert_int_equal(ch.n, 0);
		n2m_tracker_changes_free(&ch);
		n2m_tracker_table_free(&t);
		/* shuffled, into a fresh table: the same levels */
		for (size_t i = n; i > 1; i--) {
			size_t j = unit_random(&seed) % i;
			struct nvx_tracker_info tmp = items[i - 1];
			items[i - 1] = items[j];
			items[j] = tmp;
		}
		n2m_tracker_table_init(&t, N2M_TOPIC_ID_LABEL);
		sync(&t, items, n);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(level(&t, ids[i]), first[i]);
		n2m_tracker_table_free(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(duplicates_and_lookalikes),
		cmocka_unit_test(long_labels_stay_unique_within_64_bytes),
		cmocka_unit_test(swapped_labels_are_both_renamed),
		cmocka_unit_test(random_label_sets_unique_legal_order_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
