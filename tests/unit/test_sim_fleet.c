/* SPDX-License-Identifier: MIT */
/*
 * test_sim_fleet.c - navixy-sim fleet determinism, statuses, readings
 * deltas (only changed objects, empty sections as []), date formatting and
 * timespan parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "sim_buf.h"
#include "sim_fleet.h"
#include "sim_json.h"
#include "sim_time.h"

#define T0 1759969918 /* 2025-10-09 00:31:58 UTC */

static void same_seed_same_fleet(void **state)
{
	(void)state;
	struct sim_fleet a, b, c;
	assert_int_equal(fleet_init(&a, 200, 7, T0), 0);
	assert_int_equal(fleet_init(&b, 200, 7, T0), 0);
	assert_int_equal(fleet_init(&c, 200, 8, T0), 0);
	int differs = 0;
	for (size_t i = 0; i < 200; i++) {
		assert_string_equal(a.t[i].label, b.t[i].label);
		assert_int_equal(a.t[i].source_id, b.t[i].source_id);
		assert_true(a.t[i].lat == b.t[i].lat && a.t[i].lng == b.t[i].lng);
		assert_int_not_equal(a.t[i].source_id, fleet_id(i));
		differs |= a.t[i].lat != c.t[i].lat;
	}
	assert_true(differs);
	/* same changes, same evolution */
	for (int k = 0; k < 500; k++) {
		size_t idx = (size_t)(k * 37) % 200;
		assert_int_equal(fleet_step(&a, idx, T0 + k, 2), fleet_step(&b, idx, T0 + k, 2));
	}
	struct sim_fmt fmt = { .now = T0 };
	for (size_t i = 0; i < 200; i++) {
		struct sbuf x, y;
		sbuf_init(&x, 0);
		sbuf_init(&y, 0);
		json_state(&x, &a, i, 0, &fmt);
		json_state(&y, &b, i, 0, &fmt);
		assert_string_equal(sbuf_data(&x), sbuf_data(&y));
		sbuf_free(&x);
		sbuf_free(&y);
	}
	fleet_free(&a);
	fleet_free(&b);
	fleet_free(&c);
}

static void statuses(void **state)
{
	(void)state;
	struct sim_fleet f;
	assert_int_equal(fleet_init(&f, 5, 1, T0), 0);
	assert_int_equal(fleet_status(&f, SIM_ID_BASE), ST_NORMAL);
	assert_int_equal(fleet_status(&f, SIM_ID_BASE + 5), ST_UNKNOWN);
	assert_int_equal(fleet_status(&f, 5), ST_UNKNOWN);
	assert_int_equal(fleet_status(&f, 900000123), ST_DISALLOWED);
	assert_int_equal(fleet_status(&f, 999999999), ST_UNKNOWN);
	fleet_block(&f, 2, 1);
	assert_int_equal(fleet_status(&f, SIM_ID_BASE + 2), ST_BLOCKED);
	assert_int_equal(f.n_blocked, 1);
	fleet_remove(&f, 2);
	assert_int_equal(fleet_status(&f, SIM_ID_BASE + 2), ST_UNKNOWN);
	assert_int_equal(f.n_blocked, 0);
	assert_int_equal(fleet_index(&f, SIM_ID_BASE + 2), -1);
	long idx = fleet_add(&f, "Extra", T0);
	assert_int_equal(idx, 5);
	assert_string_equal(f.t[5].label, "Extra");
	assert_int_equal(fleet_status(&f, SIM_ID_BASE + 5), ST_NORMAL);
	fleet_free(&f);
}

static json_object *parse_item(struct sbuf *b)
{
	json_object *o = json_tokener_parse(sbuf_data(b));
	assert_non_null(o);
	return o;
}

static size_t section_len(json_object *o, const char *key)
{
	json_object *a;
	if (!json_object_object_get_ex(o, key, &a))
		return (size_t)-1;
	assert_true(json_object_is_type(a, json_type_array));
	return json_object_array_length(a);
}

static void readings_delta(void **state)
{
	(void)state;
	struct sim_fleet f;
	struct sim_fmt fmt = { .now = T0 };
	assert_int_equal(fleet_init(&f, 3, 3, T0), 0);
	struct sbuf b;
	sbuf_init(&b, 0);

	/* full readings: every object */
	int n = json_readings_item(&b, &f, 1, 1, 0, NULL, &fmt);
	assert_int_equal(n, RD_COUNT);
	json_object *o = parse_item(&b);
	assert_int_equal(section_len(o, "inputs"), 3);
	assert_int_equal(section_len(o, "states"), 2);
	assert_int_equal(section_len(o, "virtual_sensors"), 1);
	assert_int_equal(section_len(o, "counters"), 2);
	json_object_put(o);

	/* nothing changed since seq: empty sections, nothing counted */
	uint32_t since = f.seq;
	sbuf_reset(&b);
	assert_int_equal(json_readings_item(&b, &f, 1, 0, since, NULL, &fmt), 0);
	o = parse_item(&b);
	assert_int_equal(section_len(o, "inputs"), 0);
	assert_int_equal(section_len(o, "counters"), 0);
	json_object_put(o);

	/* one readings change: voltage always changes; the delta holds exactly
	 * the objects whose seq moved */
	int ch = fleet_step(&f, 1, T0 + 10, 1);
	assert_true(ch & CH_READINGS);
	int expect = 0;
	for (int k = 0; k < RD_COUNT; k++)
		expect += f.t[1].rd_seq[k] > since;
	assert_true(f.t[1].rd_seq[RD_VOLT] > since);
	sbuf_reset(&b);
	n = json_readings_item(&b, &f, 1, 0, since, NULL, &fmt);
	assert_int_equal(n, expect);
	assert_true(n < RD_COUNT || f.t[1].ignition);
	o = parse_item(&b);
	size_t total = section_len(o, "inputs") + section_len(o, "states") +
		       section_len(o, "virtual_sensors") + section_len(o, "counters");
	assert_int_equal(total, (size_t)n);
	json_object_put(o);

	/* other trackers are untouched */
	sbuf_reset(&b);
	assert_int_equal(json_readings_item(&b, &f, 0, 0, since, NULL, &fmt), 0);

	/* sensor_type filter: only that type, states/counters omitted */
	struct sim_rd_filter flt = { .sensor_type = "power", .include_components = 1 };
	sbuf_reset(&b);
	n = json_readings_item(&b, &f, 1, 1, 0, &flt, &fmt);
	assert_int_equal(n, 1);
	o = parse_item(&b);
	assert_int_equal(section_len(o, "inputs"), 1);
	assert_int_equal(section_len(o, "states"), (size_t)-1);
	assert_int_equal(section_len(o, "counters"), (size_t)-1);
	json_object_put(o);

	/* readings_every 0: state only */
	assert_int_equal(fleet_step(&f, 2, T0 + 20, 0), CH_STATE);
	sbuf_free(&b);
	fleet_free(&f);
}

static void dates(void **state)
{
	(void)state;
	char d[SIM_DATE_MAX];
	assert_int_equal(sim_format_date(d, sizeof(d), T0, 0, 0), 19);
	assert_string_equal(d, "2025-10-09 00:31:58");
	sim_format_date(d, sizeof(d), T0, -6 * 3600, 0);
	assert_string_equal(d, "2025-10-08 18:31:58");
	sim_format_date(d, sizeof(d), T0, -6 * 3600, 1);
	assert_string_equal(d, "2025-10-08T18:31:58-06:00");
	sim_format_date(d, sizeof(d), T0, 0, 1);
	assert_string_equal(d, "2025-10-09T00:31:58Z");
	sim_format_date(d, sizeof(d), T0, 5 * 3600 + 30 * 60, 1);
	assert_string_equal(d, "2025-10-09T06:01:58+05:30");
	sim_format_date(d, sizeof(d), 951782400, 0, 0); /* leap day 2000 */
	assert_string_equal(d, "2000-02-29 00:00:00");
	int off = 1;
	assert_int_equal(sim_parse_tz("-06:00", &off), 0);
	assert_int_equal(off, -21600);
	assert_int_equal(sim_parse_tz("+05:30", &off), 0);
	assert_int_equal(off, 19800);
	assert_int_equal(sim_parse_tz("0600", &off), -1);
	assert_int_equal(sim_parse_tz("+25:00", &off), -1);

	struct sim_fleet f;
	fleet_init(&f, 1, 1, T0);
	struct sim_fmt fmt = { .tz_offset = -21600, .iso = 1, .now = T0 };
	struct sbuf b;
	sbuf_init(&b, 0);
	json_state(&b, &f, 0, 0, &fmt);
	assert_non_null(strstr(sbuf_data(&b), "-06:00\""));
	json_object *o = json_tokener_parse(sbuf_data(&b));
	assert_non_null(o);
	json_object_put(o);
	sbuf_free(&b);
	fleet_free(&f);
}

static void timespans(void **state)
{
	(void)state;
	long ms = -1;
	assert_int_equal(sim_parse_timespan("1s", &ms), 0);
	assert_int_equal(ms, 1000);
	assert_int_equal(sim_parse_timespan("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(sim_parse_timespan("5s", &ms), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(sim_parse_timespan("1m", &ms), 0);
	assert_int_equal(ms, 60000);
	assert_int_equal(sim_parse_timespan("2", &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(sim_parse_timespan("", &ms), -1);
	assert_int_equal(sim_parse_timespan("s", &ms), -1);
	assert_int_equal(sim_parse_timespan("-1s", &ms), -1);
	assert_int_equal(sim_parse_timespan("5x", &ms), -1);
	assert_int_equal(sim_parse_timespan("25h", &ms), -1);
}

static void json_escaping(void **state)
{
	(void)state;
	struct sbuf b;
	sbuf_init(&b, 8);
	sbuf_json_str(&b, "a\"b\\c\n\x01");
	assert_string_equal(sbuf_data(&b), "\"a\\\"b\\\\c\\n\\u0001\"");
	size_t head, len;
	char *m = sbuf_detach(&b, &head, &len);
	assert_int_equal(head, 8);
	assert_int_equal(len, strlen("\"a\\\"b\\\\c\\n\\u0001\""));
	free(m);
}

/* /admin/label's body form: any bytes but NUL, kept as they are. */
static void labels_from_raw_bytes(void **state)
{
	(void)state;
	struct sim_fleet f;
	assert_int_equal(fleet_init(&f, 2, 1, T0), 0);
	static const char raw[] = "Van\nlevel=error \xff\xef\xbf\xbf";
	assert_int_equal(fleet_set_label_n(&f, 1, raw, sizeof(raw) - 1), 0);
	assert_memory_equal(f.t[1].label, raw, sizeof(raw));
	assert_int_equal(fleet_set_label_n(&f, 1, "a\0b", 3), -1);
	assert_memory_equal(f.t[1].label, raw, sizeof(raw)); /* unchanged */
	assert_int_equal(fleet_set_label_n(&f, 5, "x", 1), -1);
	assert_int_equal(fleet_set_label(&f, 0, ""), 0);
	assert_string_equal(f.t[0].label, "");
	/* tracker/list carries it JSON-escaped: the line break as \n */
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_json_str(&b, f.t[1].label);
	assert_string_equal(sbuf_data(&b), "\"Van\\nlevel=error \xff\xef\xbf\xbf\"");
	sbuf_free(&b);
	fleet_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_seed_same_fleet), cmocka_unit_test(statuses),
		cmocka_unit_test(readings_delta),       cmocka_unit_test(dates),
		cmocka_unit_test(timespans),            cmocka_unit_test(json_escaping),
		cmocka_unit_test(labels_from_raw_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
