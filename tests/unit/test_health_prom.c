/* SPDX-License-Identifier: MIT */
/*
 * test_health_prom.c - /metrics output against a strict checker of the
 * Prometheus text exposition format 0.0.4: every line is HELP, TYPE or a
 * sample; names and label names are valid; a family has one HELP and one
 * TYPE, both before its samples, and its samples form one block; no series
 * twice; values are numbers. The checker is tested on bad input too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"

#define MAX_SEEN 256

struct checker {
	char families[MAX_SEEN][96];   /* families in order of appearance */
	int has_type[MAX_SEEN];
	int has_help[MAX_SEEN];
	size_t n_families;
	char series[MAX_SEEN][192];
	size_t n_series;
	char current[96];              /* family of the block being read */
	char why[160];
};

static int name_ok(const char *s, size_t n, int colon_ok)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || (colon_ok && s[0] == ':')))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || (colon_ok && s[i] == ':')))
			return 0;
	return 1;
}

static long family_index(struct checker *c, const char *name)
{
	for (size_t i = 0; i < c->n_families; i++)
		if (strcmp(c->families[i], name) == 0)
			return (long)i;
	return -1;
}

/* A new block starts at name: it must not have been closed before. */
static long enter_family(struct checker *c, const char *name)
{
	long i = family_index(c, name);

	if (strcmp(c->current, name) == 0)
		return i;
	if (i >= 0) {
		snprintf(c->why, sizeof c->why, "family %s appears in two blocks", name);
		return -2;
	}
	if (c->n_families == MAX_SEEN)
		return -2;
	snprintf(c->families[c->n_families], sizeof c->families[0], "%s", name);
	snprintf(c->current, sizeof c->current, "%s", name);
	return (long)c->n_families++;
}

static int check_comment(struct checker *c, const char *line)
{
	char word[8], name[96], rest[256];
	int n = sscanf(line, "# %7s %95s %255[^\n]", word, name, rest);

	if (n < 2 || (strcmp(word, "HELP") != 0 && strcmp(word, "TYPE") != 0))
		return 0; /* a plain comment */
	if (!name_ok(name, strlen(name), 1)) {
		snprintf(c->why, sizeof c->why, "bad metric name in: %.100s", line);
		return -1;
	}
	long i = enter_family(c, name);
	if (i < 0)
		return -1;
	if (strcmp(word, "HELP") == 0) {
		if (c->has_help[i] || c->has_type[i] || n < 3) {
			snprintf(c->why, sizeof c->why, "HELP twice, late or empty: %.100s", line);
			return -1;
		}
		c->has_help[i] = 1;
		return 0;
	}
	if (c->has_type[i] || n < 3 ||
	    (strcmp(rest, "counter") && strcmp(rest, "gauge") && strcmp(rest, "untyped") &&
	     strcmp(rest, "histogram") && strcmp(rest, "summary"))) {
		snprintf(c->why, sizeof c->why, "TYPE twice or unknown: %.100s", line);
		return -1;
	}
	c->has_type[i] = 1;
	return 0;
}

/* {name="value",...}: returns the end, or NULL. */
static const char *check_labels(struct checker *c, const char *p)
{
	p++;
	while (*p != '}') {
		const char *n0 = p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		if (!name_ok(n0, (size_t)(p - n0), 0) || p[0] != '=' || p[1] != '"') {
			snprintf(c->why, sizeof c->why, "bad label near: %.40s", n0);
			return NULL;
		}
		for (p += 2; *p != '"'; p++) {
			if (*p == '\0' || *p == '\n')
				return NULL;
			if (*p == '\\') {
				p++;
				if (*p != '\\' && *p != '"' && *p != 'n')
					return NULL;
			}
		}
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return NULL;
	}
	return p + 1;
}

static int check_sample(struct checker *c, const char *line)
{
	const char *p = line;
	char name[96];

	while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
		p++;
	if (!name_ok(line, (size_t)(p - line), 1) || (size_t)(p - line) >= sizeof name) {
		snprintf(c->why, sizeof c->why, "bad sample name: %.100s", line);
		return -1;
	}
	memcpy(name, line, (size_t)(p - line));
	name[p - line] = '\0';
	if (*p == '{' && !(p = check_labels(c, p))) {
		if (!c->why[0])
			snprintf(c->why, sizeof c->why, "bad labels: %.100s", line);
		return -1;
	}
	size_t series_len = (size_t)(p - line);
	if (*p != ' ') {
		snprintf(c->why, sizeof c->why, "no value: %.100s", line);
		return -1;
	}
	char *end;
	strtod(p + 1, &end);
	if (end == p + 1 || (*end != '\0' && *end != ' ')) {
		snprintf(c->why, sizeof c->why, "bad value: %.100s", line);
		return -1;
	}
	long i = family_index(c, name);
	if (i < 0 || strcmp(c->current, name) != 0 || !c->has_type[i] || !c->has_help[i]) {
		snprintf(c->why, sizeof c->why, "sample outside its HELP/TYPE block: %.100s", line);
		return -1;
	}
	for (size_t k = 0; k < c->n_series; k++)
		if (strlen(c->series[k]) == series_len && !strncmp(c->series[k], line, series_len)) {
			snprintf(c->why, sizeof c->why, "series twice: %.100s", line);
			return -1;
		}
	if (c->n_series < MAX_SEEN)
		snprintf(c->series[c->n_series++], sizeof c->series[0], "%.*s", (int)series_len, line);
	return 0;
}

/* 0 if text is valid exposition format; -1 with c->why. */
static int check_exposition(struct checker *c, const char *text)
{
	memset(c, 0, sizeof *c);
	if (!text[0] || text[strlen(text) - 1] != '\n') {
		snprintf(c->why, sizeof c->why, "must end with a newline");
		return -1;
	}
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		char buf[512];
		size_t len = (size_t)(nl - line);
		if (len == 0 || len >= sizeof buf) {
			snprintf(c->why, sizeof c->why, "empty or overlong line");
			return -1;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		if ((buf[0] == '#' ? check_comment(c, buf) : check_sample(c, buf)) != 0)
			return -1;
		line = nl + 1;
	}
	for (size_t i = 0; i < c->n_families; i++)
		if (!c->has_type[i]) {
			snprintf(c->why, sizeof c->why, "no TYPE for %s", c->families[i]);
			return -1;
		}
	return 0;
}

/* The value of one series ("navixy2mqtt_x{a=\"b\"}"), or -1. */
static double value_of(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; (p = strstr(p, series)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static void sample_init(struct n2m_health_sample *s)
{
	memset(s, 0, sizeof *s);
	s->mono_ms = 1;
	s->wall = 1764264000;
	s->started = 1764263000;
	s->version = "0.1.0-\"q\"\\";
	s->upstream_state = "backoff";
	s->upstream_connected = 0;
	s->mqtt_connected = 1;
	for (size_t i = 0; i < N2M_HM_COUNT; i++)
		s->v[i] = 10 * i + 3;
}

static void metrics_are_valid_exposition_format(void **state)
{
	struct n2m_health_sample s;
	struct checker c;
	size_t len = 0;

	(void)state;
	sample_init(&s);
	char *text = n2m_health_prometheus(&s, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	if (check_exposition(&c, text) != 0)
		fail_msg("invalid exposition: %s\n%s", c.why, text);
	assert_true(c.n_families >= 15);
	free(text);
}

static void metrics_carry_the_sample_values(void **state)
{
	struct n2m_health_sample s;
	size_t n;
	const struct n2m_health_metric_info *m = n2m_health_metrics(&n);
	char series[192];

	(void)state;
	sample_init(&s);
	char *text = n2m_health_prometheus(&s, NULL);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++) {
		if (!m[i].family)
			continue;
		snprintf(series, sizeof series, "navixy2mqtt_%s%s%s%s", m[i].family,
			 m[i].label ? "{" : "", m[i].label ? m[i].label : "", m[i].label ? "}" : "");
		assert_float_equal(value_of(text, series), (double)s.v[i], 0.5);
	}
	assert_float_equal(value_of(text, "navixy2mqtt_connected{side=\"upstream\"}"), 0, 0);
	assert_float_equal(value_of(text, "navixy2mqtt_connected{side=\"mqtt\"}"), 1, 0);
	assert_float_equal(value_of(text, "navixy2mqtt_upstream_state{state=\"backoff\"}"), 1, 0);
	assert_float_equal(value_of(text, "navixy2mqtt_upstream_state{state=\"connected\"}"), 0, 0);
	assert_float_equal(value_of(text, "navixy2mqtt_start_time_seconds"), 1764263000.0, 0.5);
	assert_non_null(strstr(text, "navixy2mqtt_build_info{version=\"0.1.0-\\\"q\\\"\\\\\"} 1\n"));
	free(text);
}

static void checker_rejects_bad_expositions(void **state)
{
	static const char *const bad[] = {
		"# HELP a x\n# TYPE a gauge\na 1",                       /* no final newline */
		"a 1\n",                                                 /* no TYPE */
		"# HELP a x\n# TYPE a gauge\na{b=\"c} 1\n",              /* open label */
		"# HELP a x\n# TYPE a gauge\na{1b=\"c\"} 1\n",           /* label name */
		"# HELP a x\n# TYPE a gauge\na one\n",                   /* value */
		"# HELP a x\n# TYPE a gauge\na 1\na 2\n",                /* series twice */
		"# HELP a x\n# TYPE a gauge\na 1\n# HELP b y\n# TYPE b gauge\nb 1\na{x=\"1\"} 1\n",
		"# HELP a x\n# TYPE a meter\na 1\n",                     /* type */
		"# HELP 1a x\n# TYPE 1a gauge\n1a 1\n",                  /* name */
		"# TYPE a gauge\n# HELP a x\na 1\n",                     /* HELP after TYPE */
		"# HELP a x\n# TYPE a gauge\n\na 1\n",                   /* empty line */
	};
	struct checker c;

	(void)state;
	assert_int_equal(check_exposition(&c, "# HELP a x y\n# TYPE a gauge\na{b=\"\\\"\"} 1.5\n"), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (check_exposition(&c, bad[i]) == 0)
			fail_msg("accepted bad input %zu: %s", i, bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metrics_are_valid_exposition_format),
		cmocka_unit_test(metrics_carry_the_sample_values),
		cmocka_unit_test(checker_rejects_bad_expositions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
