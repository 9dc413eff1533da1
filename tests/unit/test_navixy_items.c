/* SPDX-License-Identifier: MIT */
/*
 * test_navixy_items.c - json-c's memory bounded: the estimate of
 * json_cost.h (never below what json-c takes), and the item path of
 * nvx_frame_parse_bounded (navixy_items.c) against the json-c path it
 * replaces for big messages: the same items, ids, bad items and payloads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json_cost.h"
#include "mapping.h"
#include "navixy_frame_fast.h"
#include "tracker_table.h"

static void cost_counts_structure_outside_strings(void **state)
{
	(void)state;
	const size_t v = N2M_JSON_COST_VALUE;
	assert_int_equal(n2m_json_tree_cost("{}", 2), 2 + v + N2M_JSON_COST_OBJECT);
	const char *s = "{\"a\":\"{[,:\"}";
	assert_int_equal(n2m_json_tree_cost(s, strlen(s)),
			 strlen(s) + v + N2M_JSON_COST_OBJECT + N2M_JSON_COST_MEMBER);
	s = "[\"a\\\"{\",1]"; /* an escaped quote does not end the string */
	assert_int_equal(n2m_json_tree_cost(s, strlen(s)), strlen(s) + 2 * v + N2M_JSON_COST_ARRAY);
	s = "[\"a\\\\\",{}]"; /* an escaped backslash does not escape the quote */
	assert_int_equal(n2m_json_tree_cost(s, strlen(s)),
			 strlen(s) + 2 * v + N2M_JSON_COST_ARRAY + N2M_JSON_COST_OBJECT);
	assert_int_equal(n2m_json_tree_cost("\"{{{", 4), 4 + v); /* unterminated */
}

#if !defined(__SANITIZE_ADDRESS__)
/* n copies of piece inside [ ], comma separated. */
static char *repeated(const char *piece, size_t n, size_t *len)
{
	size_t pl = strlen(piece);
	char *s = malloc(n * (pl + 1) + 2);
	assert_non_null(s);
	size_t at = 0;
	s[at++] = '[';
	for (size_t i = 0; i < n; i++) {
		if (i)
			s[at++] = ',';
		memcpy(s + at, piece, pl);
		at += pl;
	}
	s[at++] = ']';
	*len = at;
	return s;
}
#endif

/* What json-c really allocates for the worst shapes per byte stays below
 * the estimate (glibc's count of bytes in use; not under ASan, whose
 * allocator glibc does not count). */
static void cost_is_not_below_what_jsonc_takes(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	skip();
#else
	const char *pieces[] = { "{}", "[]", "1", "1.5", "\"a\"", "{\"a\":1}", "[1]", "null",
				 "{\"k1\":\"normal\",\"k2\":\"blocked\",\"k3\":{\"x\":[1,2]}}" };
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		size_t len;
		char *text = repeated(pieces[i], 20000, &len);
		size_t before = mallinfo2().uordblks;
		struct json_object *o = json_tokener_parse(text);
		size_t used = mallinfo2().uordblks - before;
		assert_non_null(o);
		if (used > n2m_json_tree_cost(text, len))
			fail_msg("%s: json-c took %zu, estimated %zu", pieces[i], used,
				 n2m_json_tree_cost(text, len));
		json_object_put(o);
		free(text);
	}
#endif
}

/* A tracker per path, same id and label, so payloads compare. */
struct pair {
	struct n2m_config cfg;
	struct n2m_tracker_table t;
	struct n2m_map_ctx ctx;
};

static void pair_init(struct pair *p)
{
	n2m_config_defaults(&p->cfg);
	n2m_tracker_table_init(&p->t, N2M_TOPIC_ID_TRACKER_ID);
	p->ctx = (struct n2m_map_ctx){ .base_topic = "n", .topics = &p->cfg.topics,
				       .now = 1760000000 };
}

static void pair_free(struct pair *p)
{
	n2m_tracker_table_free(&p->t);
	n2m_config_free(&p->cfg);
}

/* The payloads of every item of f, mapped for its own tracker of table. */
static char *payloads(struct pair *p, const struct nvx_frame *f)
{
	struct n2m_pub_list out;
	char err[200];
	n2m_pub_list_init(&out);
	for (size_t i = 0; i < f->n_items; i++) {
		const struct nvx_item *it = &f->items[i];
		struct n2m_tracker *tr = n2m_tracker_get_or_add(&p->t, it->id, NULL);
		assert_non_null(tr);
		if (f->event == NVX_EVENT_READINGS_BATCH)
			it->obj ? n2m_map_readings(&p->ctx, tr, it->obj, &out, err, sizeof err)
				: n2m_map_readings_text(&p->ctx, tr, it->raw, it->raw_len, &out, err,
							sizeof err);
		else
			it->obj ? n2m_map_state(&p->ctx, tr, it->obj, &out, err, sizeof err)
				: n2m_map_state_text(&p->ctx, tr, it->raw, it->raw_len, it->state, &out,
						     err, sizeof err);
	}
	size_t cap = 1;
	for (size_t i = 0; i < out.n; i++)
		cap += strlen(out.items[i].topic) + out.items[i].payload_len + 2;
	char *all = calloc(1, cap);
	assert_non_null(all);
	for (size_t i = 0; i < out.n; i++) {
		strcat(all, out.items[i].topic);
		strcat(all, " ");
		strcat(all, out.items[i].payload);
		strcat(all, "\n");
	}
	n2m_pub_list_free(&out);
	return all;
}

/* msg through json-c whole and through the item path (a budget below the
 * message's estimate, above each item's): the same frame, item for item. */
static void same_as_jsonc(const char *msg)
{
	struct nvx_frame a, b;
	char ea[200], eb[200];
	size_t len = strlen(msg);
	assert_int_equal(nvx_frame_parse(msg, len, &a, ea, sizeof ea), 0);
	assert_true(n2m_json_tree_cost(msg, len) > 8192);
	assert_int_equal(nvx_frame_parse_bounded(msg, len, 8192, &b, eb, sizeof eb), 0);
	assert_int_equal(a.event, b.event);
	assert_int_equal(a.n_items, b.n_items);
	assert_int_equal(a.n_bad_items, b.n_bad_items);
	assert_string_equal(a.item_error, b.item_error);
	size_t raw = 0;
	for (size_t i = 0; i < a.n_items; i++) {
		assert_int_equal(a.items[i].id, b.items[i].id);
		raw += b.items[i].raw != NULL;
	}
	assert_true(raw > 0);
	struct pair pa, pb;
	pair_init(&pa);
	pair_init(&pb);
	char *x = payloads(&pa, &a), *y = payloads(&pb, &b);
	assert_string_equal(x, y);
	free(x);
	free(y);
	pair_free(&pa);
	pair_free(&pb);
	nvx_frame_free(&a);
	nvx_frame_free(&b);
}

static void item_path_matches_jsonc_path(void **state)
{
	(void)state;
	same_as_jsonc(
		"5|{ \"type\" : \"event\", \"user_time\": 1,\n \"data\" : [\n"
		"  {\"type\":\"source_state_event\",\"state\":{\"source_id\":5,\"gps\":{\"lat\":1}}},\n"
		"  { \"source_id\" : 6, \"gps\" : { \"location\": {\"lat\": 2.50, \"lng\": -1e2} },"
		" \"connection_status\" : \"active\", \"label\": \"caf\\u00e9 \\/ x\" },\n"
		"  {\"source_id\":\"7\",\"connection_status\":\"offline\"},\n"
		"  {\"source_id\":8,\"n\":12345678901234567890,\"gps\":{\"lat\":3}},\n"
		"  {\"gps\":{}}, 5, null, \"x\", [1],\n"
		"  {\"source_id\":9,\"a\":1,\"a\":2,\"connection_status\":\"idle\"}\n"
		" ], \"event\" : \"state_batch\" }\n");
	same_as_jsonc(
		"{\"type\":\"event\",\"event\":\"readings_batch\",\"data\":[\n"
		"{\"tracker_id\":7,\"inputs\":[{\"sensor_id\":1,\"value\":2.0}],\"timestamp\":\"t\"},\n"
		"{ \"tracker_id\": 8, \"counters\": [ {\"type\":\"odo\", \"value\": 1} ] },\n"
		"{\"tracker_id\":\"9\",\"states\":[{\"field\":\"f\",\"value\":\"\\u0001\"}]},\n"
		"{\"tracker_id\":0}, {\"x\":1}, {\"tracker_id\":10}]}");
}

/* What the item path does not take is NVX_FRAME_TOO_BIG; an item above
 * the budget is a bad item; below the budget everything is json-c's. */
static void item_path_refuses_what_it_cannot_take(void **state)
{
	(void)state;
	const char *refused[] = {
		/* another frame type, with a big status map */
		"{ \"type\":\"response\",\"data\":{\"state_batch\":{\"value\":{\"1\":\"normal\","
		"\"2\":\"normal\",\"3\":\"normal\",\"4\":\"normal\",\"5\":\"normal\",\"6\":\"x\"}}},"
		"\"pad\":[{},{},{},{},{},{},{}]}",
		/* readings as a map */
		"{ \"type\":\"event\",\"event\":\"readings_batch\",\"data\":{\"1\":{},\"2\":{},"
		"\"3\":{},\"4\":{},\"5\":{},\"6\":{},\"7\":{},\"8\":{}}}",
		/* bad JSON inside an item, between items, after the envelope */
		"{ \"type\":\"event\",\"event\":\"state_batch\",\"data\":[{\"source_id\":1,\"a\":[{},{},"
		"{},{},{}]},{\"source_id\":3,\"a\":[{},{},{}]},{\"source_id\":2,\"b\":[{}],}]}",
		"{ \"type\":\"event\",\"event\":\"state_batch\",\"data\":[{\"a\":[{},{},{},{},{},{},{},"
		"{}]} {\"b\":[{},{},{},{}]}]}",
		"{ \"type\":\"event\",\"event\":\"state_batch\",\"data\":[{\"a\":[{},{},{},{},{},{},{},"
		"{},{}]}]} x",
		/* a duplicate data key (json-c keeps the last), an escaped key */
		"{ \"type\":\"event\",\"event\":\"state_batch\",\"data\":[{\"a\":[{},{},{},{},{},{},{},"
		"{},{}]}],\"data\":[]}",
		"{ \"typ\\u0065\":\"event\",\"event\":\"state_batch\",\"data\":[{\"a\":[{},{},{},{},{},"
		"{},{},{},{}]}]}",
	};
	struct nvx_frame f;
	char err[200];
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		size_t len = strlen(refused[i]);
		assert_true(n2m_json_tree_cost(refused[i], len) > 8192);
		if (nvx_frame_parse_bounded(refused[i], len, 8192, &f, err, sizeof err) !=
		    NVX_FRAME_TOO_BIG)
			fail_msg("taken: %s", refused[i]);
		assert_non_null(strstr(err, "navixy.max_fallback_bytes"));
		nvx_frame_free(&f);
	}
	/* One non-canonical item above the budget: counted bad (unparsed), the
	 * others taken. */
	const char *big_item = "{ \"type\":\"event\",\"event\":\"state_batch\",\"data\":["
			       "{\"source_id\":1},{\"source_id\":2, \"a\":[{},{},{},{},{},{},{},{},{}]}]}";
	int rc = nvx_frame_parse_bounded(big_item, strlen(big_item), 8192, &f, err, sizeof err);
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(f.n_items, 1);
	assert_int_equal(f.n_bad_items, 1);
	assert_string_equal(f.item_error, "state_batch: item 1: above navixy.max_fallback_bytes");
	nvx_frame_free(&f);
	/* Within the budget: json-c, whatever the shape. */
	assert_int_equal(nvx_frame_parse_bounded(refused[1], strlen(refused[1]), 1 << 20, &f, err,
						 sizeof err), 0);
	assert_int_equal(f.n_items, 8);
	nvx_frame_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cost_counts_structure_outside_strings),
		cmocka_unit_test(cost_is_not_below_what_jsonc_takes),
		cmocka_unit_test(item_path_matches_jsonc_path),
		cmocka_unit_test(item_path_refuses_what_it_cannot_take),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
