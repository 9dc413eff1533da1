/* SPDX-License-Identifier: MIT */
/*
 * health_json.c - the JSON renderings of a health sample: the periodic
 * bridge/health payload and the /healthz body (see health.h).
 *
 * Shape of bridge/health (groups come from the metric table):
 *   {"time","version","uptime_s","interval_s","healthy",
 *    "upstream":{"state","connected","since",<upstream metrics>},
 *    "mqtt":{"connected",<mqtt metrics>}, "trackers",
 *    "traffic":{...}, "errors":{...,"total"}, "drops":{...,"total"},
 *    "queue":{...}, "http":{...}, "rates":{<rate metrics>,"errors","drops"}}
 */
#include "health.h"

#include <string.h>

#include "json_writer.h"

static void put_key(struct n2m_buf *b, int *first, const char *key)
{
	if (!*first)
		n2m_buf_putc(b, ',');
	*first = 0;
	n2m_buf_json_string(b, key, strlen(key));
	n2m_buf_putc(b, ':');
}

static void put_uint(struct n2m_buf *b, uint64_t v)
{
	/* Counters never reach 2^63; clamp rather than wrap if one did. */
	n2m_buf_json_int(b, v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

static void put_string(struct n2m_buf *b, const char *s)
{
	if (!s)
		s = "";
	n2m_buf_json_string(b, s, strlen(s));
}

static void put_time(struct n2m_buf *b, time_t t)
{
	char text[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		n2m_buf_puts(b, "null");
		return;
	}
	put_string(b, text);
}

/* The group's metrics as members of an object that is already open. */
static void put_group(struct n2m_buf *b, int *first, const struct n2m_health_sample *s,
		      const char *group)
{
	size_t n;
	const struct n2m_health_metric_info *m = n2m_health_metrics(&n);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(m[i].group, group) != 0)
			continue;
		put_key(b, first, m[i].key);
		put_uint(b, s->v[m[i].id]);
	}
}

static void put_group_object(struct n2m_buf *b, int *first, const struct n2m_health_sample *s,
			     const char *group, int with_total)
{
	int inner = 1;

	put_key(b, first, group);
	n2m_buf_putc(b, '{');
	put_group(b, &inner, s, group);
	if (with_total) {
		put_key(b, &inner, "total");
		put_uint(b, n2m_health_group_total(s, group));
	}
	n2m_buf_putc(b, '}');
}

static double group_rate(const struct n2m_health_sample *prev, const struct n2m_health_sample *cur,
			 const char *group)
{
	uint64_t a, z;

	if (!prev || cur->mono_ms <= prev->mono_ms)
		return 0.0;
	a = n2m_health_group_total(prev, group);
	z = n2m_health_group_total(cur, group);
	return z < a ? 0.0 : (double)(z - a) * 1000.0 / (double)(cur->mono_ms - prev->mono_ms);
}

static void put_rates(struct n2m_buf *b, int *first, const struct n2m_health_sample *cur,
		      const struct n2m_health_sample *prev)
{
	size_t n;
	const struct n2m_health_metric_info *m = n2m_health_metrics(&n);
	int inner = 1;

	put_key(b, first, "rates");
	n2m_buf_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		if (!m[i].rate)
			continue;
		put_key(b, &inner, m[i].key);
		n2m_buf_json_double(b, n2m_health_rate(prev, cur, m[i].id));
	}
	put_key(b, &inner, "errors");
	n2m_buf_json_double(b, group_rate(prev, cur, "errors"));
	put_key(b, &inner, "drops");
	n2m_buf_json_double(b, group_rate(prev, cur, "drops"));
	n2m_buf_putc(b, '}');
}

static void put_sides(struct n2m_buf *b, int *first, const struct n2m_health_sample *s,
		      int with_metrics)
{
	int inner = 1;

	put_key(b, first, "upstream");
	n2m_buf_putc(b, '{');
	put_key(b, &inner, "state");
	put_string(b, s->upstream_state);
	put_key(b, &inner, "connected");
	n2m_buf_puts(b, s->upstream_connected ? "true" : "false");
	put_key(b, &inner, "since");
	put_time(b, s->upstream_since);
	if (with_metrics)
		put_group(b, &inner, s, "upstream");
	n2m_buf_putc(b, '}');

	inner = 1;
	put_key(b, first, "mqtt");
	n2m_buf_putc(b, '{');
	put_key(b, &inner, "connected");
	n2m_buf_puts(b, s->mqtt_connected ? "true" : "false");
	if (with_metrics)
		put_group(b, &inner, s, "mqtt");
	n2m_buf_putc(b, '}');
}

static void put_header(struct n2m_buf *b, int *first, const struct n2m_health_sample *s)
{
	put_key(b, first, "time");
	put_time(b, s->wall);
	put_key(b, first, "version");
	put_string(b, s->version);
	put_key(b, first, "uptime_s");
	n2m_buf_json_int(b, s->wall > s->started ? (int64_t)(s->wall - s->started) : 0);
	put_key(b, first, "healthy");
	n2m_buf_puts(b, n2m_health_ok(s) ? "true" : "false");
}

char *n2m_health_json(const struct n2m_health_sample *cur, const struct n2m_health_sample *prev,
		      size_t *len)
{
	struct n2m_buf b;
	int first = 1;

	n2m_buf_init(&b);
	n2m_buf_putc(&b, '{');
	put_header(&b, &first, cur);
	put_key(&b, &first, "interval_s");
	n2m_buf_json_double(&b, prev && cur->mono_ms > prev->mono_ms
				       ? (double)(cur->mono_ms - prev->mono_ms) / 1000.0 : 0.0);
	put_sides(&b, &first, cur, 1);
	put_group(&b, &first, cur, "");
	put_group_object(&b, &first, cur, "traffic", 0);
	put_group_object(&b, &first, cur, "errors", 1);
	put_group_object(&b, &first, cur, "drops", 1);
	put_group_object(&b, &first, cur, "queue", 0);
	put_group_object(&b, &first, cur, "http", 0);
	put_rates(&b, &first, cur, prev);
	n2m_buf_putc(&b, '}');
	return n2m_buf_steal(&b, len);
}

char *n2m_health_healthz_json(const struct n2m_health_sample *s, size_t *len)
{
	struct n2m_buf b;
	int first = 1;

	n2m_buf_init(&b);
	n2m_buf_putc(&b, '{');
	put_key(&b, &first, "status");
	put_string(&b, n2m_health_ok(s) ? "ok" : "unavailable");
	put_header(&b, &first, s);
	put_sides(&b, &first, s, 0);
	n2m_buf_putc(&b, '}');
	n2m_buf_puts(&b, "\n");
	return n2m_buf_steal(&b, len);
}
