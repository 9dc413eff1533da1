/* SPDX-License-Identifier: MIT */
/*
 * test_sim_subs.c - navixy-sim subscription bookkeeping (accumulation,
 * unsubscribe, all/selected, lifecycle coverage) and rate coalescing on a
 * virtual clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_fleet.h"
#include "sim_subs.h"

#define N 20

static long idx_of(void *ctx, uint32_t id)
{
	(void)ctx;
	return (id >= 1 && id <= N) ? (long)(id - 1) : -1; /* ids 1..N */
}

static struct sim_req_item item(enum sim_evtype t, int all, uint32_t *ids, size_t n, long rate)
{
	struct sim_req_item it;
	memset(&it, 0, sizeof(it));
	it.type = t;
	it.all = all;
	it.ids = ids;
	it.n_ids = n;
	it.rate_ms = rate;
	return it;
}

static void accumulate_selected(void **state)
{
	(void)state;
	struct sim_subs ss;
	subs_init(&ss);
	uint32_t a[] = { 1, 2, 999 }, b[] = { 5 };
	struct sim_req_item i1 = item(EV_STATE_BATCH, 0, a, 3, 1000);
	struct sim_req_item i2 = item(EV_STATE_BATCH, 0, b, 1, -1);
	assert_int_equal(subs_add(&ss, &i1, idx_of, NULL, N, 0), 0);
	assert_int_equal(subs_add(&ss, &i2, idx_of, NULL, N, 0), 0);
	struct sim_sub *s = &ss.s[EV_STATE_BATCH];
	assert_true(subs_covers(s, 0));
	assert_true(subs_covers(s, 1));
	assert_true(subs_covers(s, 4));
	assert_false(subs_covers(s, 2));
	assert_int_equal(s->rate_ms, 1000); /* not given the second time: kept */
	assert_false(subs_covers(&ss.s[EV_STATE], 0));
	assert_true(subs_lifecycle_covers(&ss, 4));
	assert_false(subs_lifecycle_covers(&ss, 3));
	assert_true(subs_any(&ss));
	subs_free(&ss);
}

static void all_and_unsubscribe(void **state)
{
	(void)state;
	struct sim_subs ss;
	subs_init(&ss);
	uint32_t rm[] = { 3, 4 };
	struct sim_req_item all = item(EV_READINGS_BATCH, 1, NULL, 0, 0);
	struct sim_req_item sel = item(EV_READINGS_BATCH, 0, rm, 2, -1);
	subs_add(&ss, &all, idx_of, NULL, N, 0);
	for (size_t i = 0; i < N; i++)
		assert_true(subs_covers(&ss.s[EV_READINGS_BATCH], i));
	subs_remove(&ss, &sel, idx_of, NULL, N);
	assert_true(ss.s[EV_READINGS_BATCH].active);
	assert_false(subs_covers(&ss.s[EV_READINGS_BATCH], 2));
	assert_false(subs_covers(&ss.s[EV_READINGS_BATCH], 3));
	assert_true(subs_covers(&ss.s[EV_READINGS_BATCH], 4));
	subs_remove(&ss, &all, idx_of, NULL, N);
	assert_false(ss.s[EV_READINGS_BATCH].active);
	assert_false(subs_any(&ss));
	assert_false(subs_lifecycle_covers(&ss, 4));
	subs_free(&ss);
}

static void unsubscribe_last_selected_drops_type(void **state)
{
	(void)state;
	struct sim_subs ss;
	subs_init(&ss);
	uint32_t a[] = { 7 };
	struct sim_req_item it = item(EV_STATE, 0, a, 1, -1);
	subs_add(&ss, &it, idx_of, NULL, N, 0);
	assert_true(subs_any(&ss));
	subs_remove(&ss, &it, idx_of, NULL, N);
	assert_false(subs_any(&ss));
	subs_free(&ss);
}

static void iot_not_lifecycle(void **state)
{
	(void)state;
	struct sim_subs ss;
	subs_init(&ss);
	struct sim_req_item it = item(EV_IOT_MONITOR, 1, NULL, 0, -1);
	subs_add(&ss, &it, idx_of, NULL, N, 0);
	assert_true(subs_any(&ss)); /* logout still applies */
	assert_false(subs_lifecycle_covers(&ss, 0));
	subs_free(&ss);
}

static void coalescing(void **state)
{
	(void)state;
	struct sim_subs ss;
	subs_init(&ss);
	uint32_t ids[] = { 1, 2, 3 };
	struct sim_req_item it = item(EV_STATE_BATCH, 0, ids, 3, 1000);
	subs_add(&ss, &it, idx_of, NULL, N, 10);
	struct sim_sub *s = &ss.s[EV_STATE_BATCH];
	subs_snapshot_sent(s, 0); /* snapshot at t=0 starts the window */
	const uint32_t *list;
	uint32_t since;
	size_t batches = 0;

	/* changes at t = 100..2900 ms, each tracker several times, plus an
	 * uncovered tracker that must never appear */
	for (int64_t t = 0; t <= 3000; t += 10) {
		if (t % 100 == 0 && t > 0) {
			subs_mark(s, (size_t)((t / 100) % 2)); /* trackers 0 and 1 */
			subs_mark(s, 10);                       /* not covered */
		}
		if (subs_due(s, t)) {
			size_t n = subs_take(s, t, (uint32_t)(100 + t), &list, &since);
			batches++;
			assert_true(t >= 1000 * (int64_t)batches);
			assert_int_equal(n, 2); /* both changed trackers, once each */
			assert_true((list[0] == 0 && list[1] == 1) || (list[0] == 1 && list[1] == 0));
			if (batches == 1)
				assert_int_equal(since, 10);
		}
	}
	assert_int_equal(batches, 3); /* t = 1000, 2000, 3000 */
	/* nothing changed: nothing due, even long after */
	assert_false(subs_due(s, 100000));
	subs_free(&ss);
}

static void zero_rate_every_tick(void **state)
{
	(void)state;
	struct sim_subs ss;
	subs_init(&ss);
	struct sim_req_item it = item(EV_IOT_MONITOR, 1, NULL, 0, -1);
	subs_add(&ss, &it, idx_of, NULL, N, 0);
	struct sim_sub *s = &ss.s[EV_IOT_MONITOR];
	const uint32_t *list;
	uint32_t since;
	subs_mark(s, 3);
	assert_true(subs_due(s, 5));
	assert_int_equal(subs_take(s, 5, 1, &list, &since), 1);
	assert_int_equal(list[0], 3);
	assert_false(subs_due(s, 5));
	subs_mark(s, 4);
	assert_true(subs_due(s, 5));
	subs_free(&ss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accumulate_selected),
		cmocka_unit_test(all_and_unsubscribe),
		cmocka_unit_test(unsubscribe_last_selected_drops_type),
		cmocka_unit_test(iot_not_lifecycle),
		cmocka_unit_test(coalescing),
		cmocka_unit_test(zero_rate_every_tick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
