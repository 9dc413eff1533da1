/* SPDX-License-Identifier: MIT */
/*
 * test_shard.c - "k/n" parsing, ownership by id modulo n, filtering a
 * tracker list, and expanding the desired set into what one shard sends
 * upstream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "shard.h"

static struct n2m_shard parsed(const char *text)
{
	struct n2m_shard s;
	char why[160];
	assert_int_equal(n2m_shard_parse(text, &s, why, sizeof why), 0);
	return s;
}

static void parses_k_of_n(void **state)
{
	(void)state;
	struct n2m_shard s = parsed("2/3");
	assert_int_equal(s.k, 2);
	assert_int_equal(s.n, 3);
	assert_true(n2m_shard_active(&s));
	s = parsed("");
	assert_int_equal(s.n, 0);
	assert_false(n2m_shard_active(&s));
	s = parsed("0/1");
	assert_false(n2m_shard_active(&s));
}

static void refuses_bad_text(void **state)
{
	(void)state;
	static const char *const bad[] = { "3", "3/3", "4/3", "-1/3", "1/0", "a/3", "1/", "/3",
					   " 1/3", "1/3 ", "1/99999", "1/3/4", "+1/3" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct n2m_shard s;
		char why[160] = "";
		if (n2m_shard_parse(bad[i], &s, why, sizeof why) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_true(why[0] != '\0');
	}
	char why[160];
	struct n2m_shard s;
	n2m_shard_parse("3/3", &s, why, sizeof why);
	assert_non_null(strstr(why, "0..2"));
}

static void every_id_has_exactly_one_owner(void **state)
{
	(void)state;
	struct n2m_shard shards[3] = { parsed("0/3"), parsed("1/3"), parsed("2/3") };
	for (int64_t id = 100001; id < 100200; id++) {
		int owners = 0;
		for (int k = 0; k < 3; k++)
			owners += n2m_shard_owns(&shards[k], id);
		assert_int_equal(owners, 1);
	}
	assert_true(n2m_shard_owns(&shards[0], 300));
	assert_false(n2m_shard_owns(&shards[1], 300));
	struct n2m_shard none = parsed("");
	assert_true(n2m_shard_owns(&none, 7));
}

static void add_tracker(struct nvx_tracker_list *list, int64_t id)
{
	list->items = realloc(list->items, (list->n + 1) * sizeof *list->items);
	assert_non_null(list->items);
	struct nvx_tracker_info *t = &list->items[list->n++];
	memset(t, 0, sizeof *t);
	t->id = id;
	t->label = strdup("x");
	t->model = strdup("");
	t->device_id = strdup("");
}

static void filters_a_tracker_list(void **state)
{
	(void)state;
	struct nvx_tracker_list list = { 0 };
	int64_t ids[] = { 10, 11, 12, 13, 14, 15, 16 };
	for (size_t i = 0; i < 7; i++)
		add_tracker(&list, ids[i]);
	struct n2m_shard s = parsed("1/3");
	assert_int_equal(n2m_shard_filter_list(&s, &list), 4);
	assert_int_equal(list.n, 3);
	assert_int_equal(list.items[0].id, 10);
	assert_int_equal(list.items[1].id, 13);
	assert_int_equal(list.items[2].id, 16);
	assert_string_equal(list.items[1].label, "x");
	nvx_tracker_list_free(&list);
}

static void sorted_ids_are_unique(void **state)
{
	(void)state;
	struct nvx_tracker_list list = { 0 };
	int64_t ids[] = { 30, 10, 20, 10 };
	for (size_t i = 0; i < 4; i++)
		add_tracker(&list, ids[i]);
	size_t n;
	int nomem;
	int64_t *sorted = n2m_shard_sorted_ids(&list, &n, &nomem);
	assert_int_equal(n, 3);
	assert_int_equal(sorted[0], 10);
	assert_int_equal(sorted[2], 30);
	assert_true(n2m_shard_ids_contain(sorted, n, 20));
	assert_false(n2m_shard_ids_contain(sorted, n, 25));
	assert_false(n2m_shard_ids_contain(NULL, 0, 25));
	free(sorted);
	nvx_tracker_list_free(&list);
	assert_null(n2m_shard_sorted_ids(&list, &n, &nomem));
	assert_int_equal(n, 0);
	assert_int_equal(nomem, 0);
}

static void all_becomes_the_owned_ids(void **state)
{
	(void)state;
	struct n2m_sub_set set, out;
	n2m_sub_set_default(&set); /* state_batch + readings_batch, all, 1s */
	int64_t owned[] = { 100002, 100005, 100008 };
	struct n2m_shard s = parsed("0/3");
	assert_int_equal(n2m_shard_sub_set(&s, &set, owned, 3, &out), 0);
	const struct n2m_sub *sb = &out.subs[N2M_SUB_STATE_BATCH];
	assert_true(sb->active);
	assert_false(sb->all);
	assert_int_equal(sb->n_ids, 3);
	assert_int_equal(sb->ids[1], 100005);
	assert_string_equal(sb->rate_limit, "1s");
	assert_false(out.subs[N2M_SUB_IOT_MONITOR].active);
	n2m_sub_set_free(&out);
	n2m_sub_set_free(&set);
}

static void selected_keeps_only_owned_ids(void **state)
{
	(void)state;
	struct n2m_sub sub = { 0 }, out;
	int64_t ids[] = { 100001, 100002, 100003, 100004 };
	sub.active = 1;
	sub.type = N2M_SUB_STATE;
	sub.ids = ids;
	sub.n_ids = 4;
	struct n2m_shard s = parsed("0/2");
	assert_int_equal(n2m_shard_sub(&s, &sub, NULL, 0, 0, &out), 0);
	assert_int_equal(out.n_ids, 2);
	assert_int_equal(out.ids[0], 100002);
	assert_int_equal(out.ids[1], 100004);
	assert_true(out.ids != ids);
	free(out.ids);
	/* A shard that owns none of them gets an empty selection (left out
	 * of the upstream message). */
	int64_t one[] = { 100001 };
	sub.ids = one;
	sub.n_ids = 1;
	assert_int_equal(n2m_shard_sub(&s, &sub, NULL, 0, 0, &out), 0);
	assert_int_equal(out.n_ids, 0);
	assert_false(out.all);
	free(out.ids);
}

static void unsharded_and_keep_all_pass_through(void **state)
{
	(void)state;
	struct n2m_sub sub = { 0 }, out;
	int64_t ids[] = { 5, 6 };
	int64_t owned[] = { 6 };
	sub.active = 1;
	sub.ids = ids;
	sub.n_ids = 2;
	struct n2m_shard none = parsed("");
	assert_int_equal(n2m_shard_sub(&none, &sub, owned, 1, 0, &out), 0);
	assert_int_equal(out.n_ids, 2);
	free(out.ids);
	sub.all = 1;
	sub.ids = NULL;
	sub.n_ids = 0;
	assert_int_equal(n2m_shard_sub(&none, &sub, owned, 1, 0, &out), 0);
	assert_true(out.all);
	struct n2m_shard s = parsed("0/2");
	assert_int_equal(n2m_shard_sub(&s, &sub, owned, 1, 1, &out), 0);
	assert_true(out.all); /* unsubscribing a whole type stays "all" */
	assert_int_equal(n2m_shard_sub(&s, &sub, owned, 1, 0, &out), 0);
	assert_false(out.all);
	assert_int_equal(out.n_ids, 1);
	free(out.ids);
}

/* The settings: bridge.shard and bridge.instance are checked at load. */
static int load(const char *extra, char *err, size_t errlen)
{
	char text[512];
	char *const env[] = { NULL };
	struct n2m_config cfg;
	snprintf(text, sizeof text,
		 "navixy = { api_url = \"http://127.0.0.1:1\"; api_key = "
		 "\"0123456789abcdef0123456789abcdef\"; }; bridge = { %s };", extra);
	int rc = n2m_config_load_string(&cfg, text, "t.conf", env, err, errlen);
	n2m_config_free(&cfg);
	return rc;
}

static void settings_are_checked(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(load("shard = \"1/3\"; instance = \"east-1\";", err, sizeof err), 0);
	assert_int_equal(load("shard = \"3/3\";", err, sizeof err), -1);
	assert_non_null(strstr(err, "bridge.shard"));
	assert_int_equal(load("instance = \"a/b\";", err, sizeof err), -1);
	assert_non_null(strstr(err, "bridge.instance"));
	assert_int_equal(load("instance = \"request\";", err, sizeof err), -1);
	assert_int_equal(load("instance = \"x+\";", err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_k_of_n),
		cmocka_unit_test(refuses_bad_text),
		cmocka_unit_test(every_id_has_exactly_one_owner),
		cmocka_unit_test(filters_a_tracker_list),
		cmocka_unit_test(sorted_ids_are_unique),
		cmocka_unit_test(all_becomes_the_owned_ids),
		cmocka_unit_test(selected_keeps_only_owned_ids),
		cmocka_unit_test(unsharded_and_keep_all_pass_through),
		cmocka_unit_test(settings_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
