/*
 * test_json_scan.c - the canonical JSON scanner (json_scan.h), the fast
 * frame path (navixy_scan.h) and the text mapping (mapping_text.c,
 * readings_text.c), each checked against the json-c path it replaces: the
 * same frames, the same payloads byte for byte.
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

#include "config.h"
#include "json_scan.h"
#include "mapping.h"
#include "navixy_scan.h"
#include "readings_text.h"
#include "tracker_table.h"
#include "unit_data.h"

#define PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static int canon(const char *s)
{
	return n2m_json_is_canonical(s, strlen(s));
}

static void accepts_only_what_jsonc_prints_back(void **state)
{
	(void)state;
	const char *yes[] = { "{}", "[]", "{\"a\":[1,-2,0,1.50,1E5,-0.0,true,false,null]}",
			      "\"\\u001f\\n\\\"\\\\\xc3\xa9/\"", "{\"a\":{\"b\":[{}]}}",
			      "123456789012345678" };
	const char *no[] = { "{ }", " {}", "{\"a\":1,\"a\":2}", "\"\\/\"", "\"\\u0041\"",
			     "\"\\u000a\"", "\"\\u001F\"", "-0", "01", "1.", ".5",
			     "1234567890123456789", "[1,]", "{\"a\"}", "\"a", "nul", "\"\x01\"",
			     "[1] ", "{\"a\":1,}" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_true(canon(yes[i]));
		struct json_object *o = json_tokener_parse(yes[i]);
		assert_string_equal(json_object_to_json_string_ext(o, PLAIN), yes[i]);
		json_object_put(o);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(canon(no[i]));
	char deep[64] = { 0 };
	memset(deep, '[', N2M_JSON_SCAN_MAX_DEPTH + 1);
	memset(deep + N2M_JSON_SCAN_MAX_DEPTH + 1, ']', N2M_JSON_SCAN_MAX_DEPTH + 1);
	assert_false(canon(deep));
}

static void escapes_every_byte_like_jsonc(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char s[4] = { 'a', (char)c, 'b', 0 };
		struct json_object *o = json_object_new_string(s);
		struct n2m_buf b;
		n2m_buf_init(&b);
		n2m_json_escape_jsonc(&b, s, 3);
		assert_string_equal(b.data, json_object_to_json_string_ext(o, PLAIN));
		n2m_buf_free(&b);
		json_object_put(o);
	}
}

static int eq(const char *a, const char *b)
{
	return n2m_json_equal(a, strlen(a), b, strlen(b));
}

static void equality_follows_json_object_equal(void **state)
{
	(void)state;
	assert_true(eq("{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2],\"a\":1}"));
	assert_true(eq("1.0", "1.00"));
	assert_false(eq("1", "1.0"));
	assert_false(eq("{\"a\":1}", "{\"a\":1,\"b\":2}"));
	assert_false(eq("[1,2]", "[2,1]"));
	assert_true(eq("null", "null"));
	assert_false(eq("\"a\"", "\"b\""));
}

/* Doubles: the text shortcuts (same bytes; same-shaped plain decimals)
 * must agree with json_object_equal on every pair, including values that
 * only strtod can tell apart or together. */
static void double_equality_follows_jsonc(void **state)
{
	(void)state;
	static const char *v[] = {
		"0.0", "-0.0", "0.00", "1.5", "1.50", "2.5", "0.05", "0.50", "13.97", "14.17",
		"-13.97", "1e2", "100.0", "1.0E2", "170458.4143", "170458.4144",
		"0.1000000000000000001", "0.1000000000000000002", "12345678901234.5",
		"12345678901234.6", "123456789012345.6", "123456789012345.7",
		"9007199254740993.0", "9007199254740992.0",
	};
	size_t n = sizeof(v) / sizeof(v[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n; k++) {
			struct json_object *a = json_tokener_parse(v[i]);
			struct json_object *b = json_tokener_parse(v[k]);
			assert_int_equal(eq(v[i], v[k]), json_object_equal(a, b));
			json_object_put(a);
			json_object_put(b);
		}
	/* Random same-shaped pairs, where the shortcut answers. */
	srand(7);
	for (int t = 0; t < 20000; t++) {
		char a[32], b[32];
		int ip = rand() % 9 + 1, fp = rand() % 8 + 1;
		snprintf(a, sizeof a, "%.*f", fp, (rand() % 1000000) / 1000.0 * ip);
		snprintf(b, sizeof b, "%.*f", fp, (rand() % 1000000) / 1000.0 * ip);
		if (strlen(a) != strlen(b))
			continue;
		assert_int_equal(eq(a, b), strtod(a, NULL) == strtod(b, NULL));
	}
}

/* The data files, printed compactly by json-c, through both parsers. */
static void fast_frames_match_jsonc_frames(void **state)
{
	(void)state;
	const char *files[] = { "state_batch_obs.json", "readings_batch_obs.json",
				"state_doc.json" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = unit_data_read(files[i], &len);
		assert_non_null(text);
		struct json_object *o = json_tokener_parse(text);
		const char *compact = json_object_to_json_string_ext(o, PLAIN);
		struct nvx_frame a, b;
		char err[200];
		assert_int_equal(nvx_frame_parse(compact, strlen(compact), &a, err, sizeof err), 0);
		assert_int_equal(nvx_frame_parse_fast(compact, strlen(compact), &b, err, sizeof err), 0);
		assert_int_equal(a.event, b.event);
		assert_int_equal(a.n_items, b.n_items);
		for (size_t k = 0; k < a.n_items; k++) {
			assert_int_equal(a.items[k].id, b.items[k].id);
			if (!b.items[k].raw)
				continue; /* json-c path */
			const char *want = json_object_to_json_string_ext(a.items[k].obj, PLAIN);
			assert_int_equal(strlen(want), b.items[k].raw_len);
			assert_memory_equal(want, b.items[k].raw, b.items[k].raw_len);
		}
		nvx_frame_free(&a);
		nvx_frame_free(&b);
		json_object_put(o);
		free(text);
	}
}

static void non_canonical_frames_take_the_jsonc_path(void **state)
{
	(void)state;
	const char *pretty = "{ \"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":5}}";
	const char *bad = "{\"type\":\"event\",\"event\":\"state_batch\",\"data\":[{\"source_id\":0}]}";
	struct nvx_frame f;
	char err[200];
	assert_int_equal(nvx_frame_parse_fast(pretty, strlen(pretty), &f, err, sizeof err), 0);
	assert_non_null(f.items[0].obj);
	nvx_frame_free(&f);
	assert_int_equal(nvx_frame_parse_fast(bad, strlen(bad), &f, err, sizeof err), 0);
	assert_int_equal(f.n_items, 0);
	assert_int_equal(f.n_bad_items, 1);
	nvx_frame_free(&f);
	const char *cut = "{\"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":5}";
	assert_int_equal(nvx_frame_parse_fast(cut, strlen(cut), &f, err, sizeof err), -1);
	assert_string_equal(err, "not JSON: truncated");
}

struct pair {
	struct n2m_config cfg;
	struct n2m_tracker_table t;
	struct n2m_tracker *a, *b; /* a: json-c path, b: text path */
	struct n2m_map_ctx ctx;
};

static void pair_init(struct pair *p, const char *label)
{
	n2m_config_defaults(&p->cfg);
	n2m_tracker_table_init(&p->t, N2M_TOPIC_ID_TRACKER_ID);
	p->a = n2m_tracker_get_or_add(&p->t, 7, NULL);
	p->b = n2m_tracker_get_or_add(&p->t, 8, NULL);
	n2m_tracker_set_label(&p->t, p->a, label, NULL);
	n2m_tracker_set_label(&p->t, p->b, label, NULL);
	p->b->id = 7; /* same payloads; the table is not searched below */
	p->ctx = (struct n2m_map_ctx){ .base_topic = "n", .topics = &p->cfg.topics, .now = 1760000000 };
}

static void pair_free(struct pair *p)
{
	p->b->id = 8;
	n2m_tracker_table_free(&p->t);
	n2m_config_free(&p->cfg);
}

static void same_pubs(struct n2m_pub_list *x, struct n2m_pub_list *y)
{
	assert_int_equal(x->n, y->n);
	for (size_t i = 0; i < x->n; i++) {
		assert_string_equal(x->items[i].payload, y->items[i].payload);
		assert_int_equal(x->items[i].cls, y->items[i].cls);
	}
	n2m_pub_list_clear(x);
	n2m_pub_list_clear(y);
}

static void map_both(struct pair *p, const char *json, int readings)
{
	struct n2m_pub_list x, y;
	char e1[200] = "", e2[200] = "";
	n2m_pub_list_init(&x);
	n2m_pub_list_init(&y);
	struct json_object *o = json_tokener_parse(json);
	int r1 = readings ? n2m_map_readings(&p->ctx, p->a, o, &x, e1, sizeof e1)
			  : n2m_map_state(&p->ctx, p->a, o, &x, e1, sizeof e1);
	int r2 = readings ? n2m_map_readings_text(&p->ctx, p->b, json, strlen(json), &y, e2, sizeof e2)
			  : n2m_map_state_text(&p->ctx, p->b, json, strlen(json), NULL, &y, e2,
					       sizeof e2);
	assert_int_equal(r1, r2);
	assert_string_equal(e1, e2);
	same_pubs(&x, &y);
	n2m_pub_list_free(&x);
	n2m_pub_list_free(&y);
	json_object_put(o);
}

static void state_text_payloads_match(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, "Truck \"7\"\b\x01/\xc3\xa9");
	map_both(&p, "{\"source_id\":5,\"gps\":{\"updated\":\"2025-10-08T18:31:28-06:00\","
		     "\"location\":{\"lat\":25.841693,\"lng\":\"-97.5\"},\"speed\":79,\"alt\":null},"
		     "\"connection_status\":\"idle\"}", 0);
	map_both(&p, "{\"source_id\":5,\"gps\":{\"lat\":1,\"lng\":2.5e1,\"updated\":\"x\"},"
		     "\"connection_status\":\"offline\"}", 0);
	map_both(&p, "{\"source_id\":5,\"label\":\"old\",\"connection_status\":\"a\\u0000\"}", 0);
	map_both(&p, "{}", 0);
	assert_string_equal(p.a->state_json, p.b->state_json);
	pair_free(&p);
}

static void readings_text_payloads_match(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, "r");
	const char *steps[] = {
		"{\"tracker_id\":7,\"inputs\":[],\"states\":[{\"field\":\"a\",\"value\":1}],"
		"\"counters\":[{\"type\":\"odo\",\"value\":1.0}],\"timestamp\":\"t1\"}",
		"{\"tracker_id\":7,\"counters\":[{\"type\":\"odo\",\"value\":1.00}],\"timestamp\":\"t2\"}",
		"{\"tracker_id\":7,\"counters\":[{\"value\":2,\"type\":\"odo\"}],\"timestamp\":\"t3\"}",
		"{\"tracker_id\":7,\"inputs\":[{\"name\":\"n\",\"sensor_id\":null,\"value\":3},"
		"{\"sensor_id\":9,\"value\":4},5,5],\"virtual_sensors\":[{\"x\":1}],\"timestamp\":null}",
		"{\"tracker_id\":7,\"inputs\":[{\"name\":\"n\",\"value\":6},{\"sensor_id\":9,\"value\":4}]}",
		"{\"tracker_id\":7,\"states\":{}}",
		"{\"tracker_id\":7,\"inputs\":[],\"timestamp\":\"t9\"}",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		map_both(&p, steps[i], 1);
	assert_string_equal(p.a->readings_json, p.b->readings_json);
	pair_free(&p);
}

/* Merges delta into full with the given index; returns the rendered text
 * (static; "unchanged" when the merge changed nothing) and the new index in
 * ix. */
static const char *merge_with(const char *full, const uint16_t *fix, size_t fixn,
			      const char *delta, struct n2m_readings_index *ix)
{
	static char text[4096];
	char err[100] = "";
	struct n2m_buf b;
	n2m_buf_init(&b);
	int rc = n2m_readings_merge_text(full, full ? strlen(full) : 0, fix, fixn, delta,
					 strlen(delta), 7, &b, ix, err, sizeof err);
	assert_true(rc == 0 || rc == 1);
	assert_true(b.len < sizeof text);
	if (rc == 0)
		snprintf(text, sizeof text, "unchanged");
	else
		memcpy(text, b.data, b.len + 1);
	n2m_buf_free(&b);
	return text;
}

/* The index rendered with a text replaces walking it; a missing, stale or
 * foreign index must give the same bytes as walking. */
static void readings_index_matches_walk(void **state)
{
	(void)state;
	static const char *deltas[] = {
		"{\"inputs\":[{\"name\":\"a\",\"sensor_id\":1,\"value\":1.5}],"
		"\"states\":[{\"field\":\"s\",\"value\":1}],\"timestamp\":\"t1\"}",
		"{\"counters\":[{\"type\":\"odo\",\"value\":2.25}],\"timestamp\":\"t2\"}",
		"{\"inputs\":[{\"name\":\"b\",\"value\":2},{\"sensor_id\":1,\"value\":1.75}]}",
		"{\"states\":[{\"field\":\"s\",\"value\":2},{\"field\":\"t\"}],"
		"\"virtual_sensors\":[{\"sensor_id\":\"v\"},3]}",
		"{\"inputs\":[{\"name\":\"b\",\"value\":33}],\"timestamp\":\"t5\"}",
	};
	char walked[4096] = "", indexed[4096] = "";
	struct n2m_readings_index ix_w, ix_i, ix_prev, scratch;
	ix_i.n = 0;
	for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		const char *w = merge_with(i ? walked : NULL, NULL, 0, deltas[i], &ix_w);
		assert_string_not_equal(w, "unchanged"); /* every step changes something */
		strcpy(walked, w);
		const char *x = merge_with(i ? indexed : NULL, ix_i.v, ix_i.n, deltas[i], &scratch);
		strcpy(indexed, x);
		assert_string_equal(walked, indexed);
		assert_true(scratch.n > 0);
		ix_i = scratch;
		/* The previous text's index does not fit this one: ignored. */
		if (i) {
			assert_int_not_equal(ix_prev.v[0], strlen(walked));
			char expect[4096];
			strcpy(expect, merge_with(walked, NULL, 0, deltas[0], &scratch));
			assert_string_equal(merge_with(walked, ix_prev.v, ix_prev.n, deltas[0],
						       &scratch), expect);
		}
		ix_prev = ix_w;
	}
	/* Garbage words are refused, not followed. */
	struct n2m_readings_index junk;
	junk.n = 12;
	for (size_t k = 0; k < junk.n; k++)
		junk.v[k] = (uint16_t)(k * 977);
	junk.v[0] = (uint16_t)strlen(walked);
	char expect[4096];
	strcpy(expect, merge_with(walked, NULL, 0, deltas[1], &scratch));
	assert_string_equal(merge_with(walked, junk.v, junk.n, deltas[1], &scratch), expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_only_what_jsonc_prints_back),
		cmocka_unit_test(escapes_every_byte_like_jsonc),
		cmocka_unit_test(equality_follows_json_object_equal),
		cmocka_unit_test(double_equality_follows_jsonc),
		cmocka_unit_test(fast_frames_match_jsonc_frames),
		cmocka_unit_test(non_canonical_frames_take_the_jsonc_path),
		cmocka_unit_test(state_text_payloads_match),
		cmocka_unit_test(readings_text_payloads_match),
		cmocka_unit_test(readings_index_matches_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
