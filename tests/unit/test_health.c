/* SPDX-License-Identifier: MIT */
/*
 * test_health.c - the health metric table, rates, the bridge/health JSON
 * and the /healthz body; and that docs/operations.md documents every
 * metric (the reference must not fall behind the table).
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

#include "health.h"

static void sample_init(struct n2m_health_sample *s, uint64_t mono_ms)
{
	memset(s, 0, sizeof *s);
	s->mono_ms = mono_ms;
	s->wall = 1764264000; /* 2025-11-27T17:20:00Z */
	s->started = s->wall - 90;
	s->version = "9.9.9";
	s->upstream_state = "connected";
	s->upstream_since = s->wall - 60;
	s->upstream_connected = 1;
	s->mqtt_connected = 1;
}

static struct json_object *parse(char *text)
{
	struct json_object *o;

	assert_non_null(text);
	o = json_tokener_parse(text);
	free(text);
	assert_non_null(o);
	return o;
}

static int64_t get_int(struct json_object *o, const char *group, const char *key)
{
	struct json_object *g = o, *v;

	if (group && group[0])
		assert_true(json_object_object_get_ex(o, group, &g));
	assert_true(json_object_object_get_ex(g, key, &v));
	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

static double get_double(struct json_object *o, const char *group, const char *key)
{
	struct json_object *g, *v;

	assert_true(json_object_object_get_ex(o, group, &g));
	assert_true(json_object_object_get_ex(g, key, &v));
	return json_object_get_double(v);
}

static void table_is_in_enum_order_with_unique_names(void **state)
{
	size_t n;
	const struct n2m_health_metric_info *m = n2m_health_metrics(&n);

	(void)state;
	assert_int_equal(n, N2M_HM_COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(m[i].id, i);
		assert_non_null(m[i].group);
		assert_non_null(m[i].key);
		for (size_t j = 0; j < i; j++) {
			int same_key = strcmp(m[i].group, m[j].group) == 0 &&
				       strcmp(m[i].key, m[j].key) == 0;
			assert_false(same_key);
			int same_sample = m[i].family && m[j].family &&
					  strcmp(m[i].family, m[j].family) == 0 &&
					  strcmp(m[i].label ? m[i].label : "", m[j].label ? m[j].label : "") == 0;
			assert_false(same_sample);
		}
	}
}

static void families_are_contiguous_with_help_and_one_kind(void **state)
{
	size_t n;
	const struct n2m_health_metric_info *m = n2m_health_metrics(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (!m[i].family)
			continue;
		int starts = i == 0 || !m[i - 1].family || strcmp(m[i - 1].family, m[i].family) != 0;
		if (starts) {
			assert_non_null(m[i].help);
			/* No later block of the same family. */
			for (size_t j = i + 1; j < n; j++) {
				if (!m[j].family || strcmp(m[j].family, m[i].family) != 0)
					continue;
				for (size_t k = i; k < j; k++)
					assert_true(m[k].family && strcmp(m[k].family, m[i].family) == 0);
			}
		} else {
			assert_int_equal(m[i].kind, m[i - 1].kind);
		}
		size_t len = strlen(m[i].family);
		int total = len > 6 && strcmp(m[i].family + len - 6, "_total") == 0;
		assert_int_equal(total, m[i].kind == N2M_HEALTH_COUNTER);
	}
}

static void rates_per_second_and_never_negative(void **state)
{
	struct n2m_health_sample a, b;

	(void)state;
	sample_init(&a, 10000);
	sample_init(&b, 12000);
	a.v[N2M_HM_FRAMES_IN] = 100;
	b.v[N2M_HM_FRAMES_IN] = 150;
	assert_float_equal(n2m_health_rate(&a, &b, N2M_HM_FRAMES_IN), 25.0, 1e-9);
	assert_float_equal(n2m_health_rate(NULL, &b, N2M_HM_FRAMES_IN), 0.0, 1e-9);
	assert_float_equal(n2m_health_rate(&b, &a, N2M_HM_FRAMES_IN), 0.0, 1e-9); /* time backwards */
	b.v[N2M_HM_FRAMES_IN] = 50; /* counter backwards */
	assert_float_equal(n2m_health_rate(&a, &b, N2M_HM_FRAMES_IN), 0.0, 1e-9);
	b.mono_ms = a.mono_ms; /* no time passed */
	assert_float_equal(n2m_health_rate(&a, &b, N2M_HM_FRAMES_IN), 0.0, 1e-9);
	assert_float_equal(n2m_health_rate(&a, &b, N2M_HM_COUNT), 0.0, 1e-9);
}

static void health_json_has_every_metric_and_rates(void **state)
{
	struct n2m_health_sample a, b;
	size_t n, len = 0;
	const struct n2m_health_metric_info *m = n2m_health_metrics(&n);

	(void)state;
	sample_init(&a, 1000);
	sample_init(&b, 5000);
	for (size_t i = 0; i < n; i++)
		a.v[i] = b.v[i] = 1000 + i;
	a.v[N2M_HM_UPDATES] -= 40; /* 40 in 4 s */
	a.v[N2M_HM_ERR_PARSE] -= 8;
	b.v[N2M_HM_TRACKERS] = 5;
	char *text = n2m_health_json(&b, &a, &len);
	assert_int_equal(len, strlen(text));
	struct json_object *o = parse(text);

	for (size_t i = 0; i < n; i++)
		assert_int_equal(get_int(o, m[i].group, m[i].key), (int64_t)b.v[i]);
	assert_int_equal(get_int(o, "", "trackers"), 5);
	assert_int_equal(get_int(o, "", "uptime_s"), 90);
	assert_float_equal(get_double(o, "rates", "updates"), 10.0, 1e-9);
	assert_float_equal(get_double(o, "rates", "frames_in"), 0.0, 1e-9);
	/* Totals per group, and their rate (8 parse errors in 4 s). */
	assert_int_equal(get_int(o, "errors", "total"),
			 (int64_t)n2m_health_group_total(&b, "errors"));
	assert_float_equal(get_double(o, "rates", "errors"), 2.0, 1e-9);
	assert_float_equal(get_double(o, "rates", "drops"), 0.0, 1e-9);

	struct json_object *v;
	assert_true(json_object_object_get_ex(o, "healthy", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "interval_s", &v));
	assert_float_equal(json_object_get_double(v), 4.0, 1e-9);
	assert_true(json_object_object_get_ex(o, "time", &v));
	assert_string_equal(json_object_get_string(v), "2025-11-27T17:20:00Z");
	struct json_object *up;
	assert_true(json_object_object_get_ex(o, "upstream", &up));
	assert_true(json_object_object_get_ex(up, "state", &v));
	assert_string_equal(json_object_get_string(v), "connected");
	assert_true(json_object_object_get_ex(up, "since", &v));
	assert_string_equal(json_object_get_string(v), "2025-11-27T17:19:00Z");
	json_object_put(o);
}

static void health_json_without_previous_sample_has_zero_rates(void **state)
{
	struct n2m_health_sample s;

	(void)state;
	sample_init(&s, 1000);
	s.v[N2M_HM_PUBLISHES] = 77;
	s.upstream_state = "back\"off\n"; /* escaped, not trusted */
	struct json_object *o = parse(n2m_health_json(&s, NULL, NULL));
	assert_float_equal(get_double(o, "rates", "publishes"), 0.0, 1e-9);
	assert_int_equal(get_int(o, "traffic", "publishes"), 77);
	json_object_put(o);
}

static void healthz_follows_both_sides(void **state)
{
	struct n2m_health_sample s;
	struct json_object *o, *v, *side;

	(void)state;
	sample_init(&s, 1);
	for (int up = 0; up <= 1; up++) {
		for (int mq = 0; mq <= 1; mq++) {
			s.upstream_connected = up;
			s.mqtt_connected = mq;
			s.upstream_state = up ? "connected" : "backoff";
			assert_int_equal(n2m_health_ok(&s), up && mq);
			o = parse(n2m_health_healthz_json(&s, NULL));
			assert_true(json_object_object_get_ex(o, "status", &v));
			assert_string_equal(json_object_get_string(v), up && mq ? "ok" : "unavailable");
			assert_true(json_object_object_get_ex(o, "mqtt", &side));
			assert_true(json_object_object_get_ex(side, "connected", &v));
			assert_int_equal(json_object_get_boolean(v), mq);
			assert_true(json_object_object_get_ex(o, "upstream", &side));
			assert_true(json_object_object_get_ex(side, "state", &v));
			assert_string_equal(json_object_get_string(v), s.upstream_state);
			json_object_put(o);
		}
	}
}

static void status_line_names_states_and_rate(void **state)
{
	struct n2m_health_sample a, b;
	char buf[256];

	(void)state;
	sample_init(&a, 0);
	sample_init(&b, 2000);
	b.v[N2M_HM_UPDATES] = 25;
	b.v[N2M_HM_TRACKERS] = 5;
	b.mqtt_connected = 0;
	n2m_health_status_line(&b, &a, buf, sizeof buf);
	assert_string_equal(buf, "upstream connected, mqtt disconnected, 5 trackers, 12.5 updates/s");
	n2m_health_status_line(&b, &a, buf, 10);
	assert_int_equal(strlen(buf), 9);
}

/* Every JSON key and Prometheus family appears in docs/operations.md ("Health and metrics"). */
static void operations_doc_lists_every_metric(void **state)
{
	char path[1024];
	size_t n, cap = 1 << 20, len;
	const struct n2m_health_metric_info *m = n2m_health_metrics(&n);
	FILE *f;
	char *doc = malloc(cap + 1);

	(void)state;
	assert_non_null(doc);
	snprintf(path, sizeof path, "%s/docs/operations.md", N2M_SOURCE_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	len = fread(doc, 1, cap, f);
	fclose(f);
	doc[len] = '\0';
	for (size_t i = 0; i < n; i++) {
		char want[128];
		snprintf(want, sizeof want, "`%s`", m[i].key);
		if (!strstr(doc, want))
			fail_msg("operations.md does not document health key %s", want);
		if (!m[i].family)
			continue;
		snprintf(want, sizeof want, "navixy2mqtt_%s", m[i].family);
		if (!strstr(doc, want))
			fail_msg("operations.md does not document metric %s", want);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_in_enum_order_with_unique_names),
		cmocka_unit_test(families_are_contiguous_with_help_and_one_kind),
		cmocka_unit_test(rates_per_second_and_never_negative),
		cmocka_unit_test(health_json_has_every_metric_and_rates),
		cmocka_unit_test(health_json_without_previous_sample_has_zero_rates),
		cmocka_unit_test(healthz_follows_both_sides),
		cmocka_unit_test(status_line_names_states_and_rate),
		cmocka_unit_test(operations_doc_lists_every_metric),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
