/* SPDX-License-Identifier: MIT */
/*
 * health_prom.c - a health sample in the Prometheus text exposition format
 * (version 0.0.4) for /metrics (see health.h).
 *
 * Every family is one block: "# HELP", "# TYPE", then its samples. Names
 * are navixy2mqtt_<family>; counters end in _total. Values are integers
 * except the start time. Fixed families come first (build info, start
 * time, connection state per side, the upstream state as a one-hot gauge),
 * then the metric table in order.
 */
#include "health.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"

#define PREFIX "navixy2mqtt_"

static void put_family(struct n2m_buf *b, const char *family, const char *type, const char *help)
{
	n2m_buf_puts(b, "# HELP " PREFIX);
	n2m_buf_puts(b, family);
	n2m_buf_putc(b, ' ');
	n2m_buf_puts(b, help ? help : family);
	n2m_buf_puts(b, "\n# TYPE " PREFIX);
	n2m_buf_puts(b, family);
	n2m_buf_putc(b, ' ');
	n2m_buf_puts(b, type);
	n2m_buf_putc(b, '\n');
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label_value(struct n2m_buf *b, const char *v)
{
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			n2m_buf_putc(b, '\\');
		if (*p == '\n') {
			n2m_buf_puts(b, "\\n");
			continue;
		}
		n2m_buf_putc(b, *p);
	}
}

static void put_sample(struct n2m_buf *b, const char *family, const char *label, uint64_t v)
{
	char num[24];

	n2m_buf_puts(b, PREFIX);
	n2m_buf_puts(b, family);
	if (label) {
		n2m_buf_putc(b, '{');
		n2m_buf_puts(b, label);
		n2m_buf_putc(b, '}');
	}
	snprintf(num, sizeof num, " %" PRIu64 "\n", v);
	n2m_buf_puts(b, num);
}

static void put_fixed(struct n2m_buf *b, const struct n2m_health_sample *s)
{
	char num[32];

	put_family(b, "build_info", "gauge", "Always 1; the version label names the running bridge");
	n2m_buf_puts(b, PREFIX "build_info{version=\"");
	put_label_value(b, s->version);
	n2m_buf_puts(b, "\"} 1\n");

	put_family(b, "start_time_seconds", "gauge", "Start time of the bridge, Unix seconds");
	snprintf(num, sizeof num, "%lld", (long long)s->started);
	n2m_buf_puts(b, PREFIX "start_time_seconds ");
	n2m_buf_puts(b, num);
	n2m_buf_putc(b, '\n');

	put_family(b, "connected", "gauge", "1 while the side is connected, per side");
	put_sample(b, "connected", "side=\"upstream\"", s->upstream_connected ? 1 : 0);
	put_sample(b, "connected", "side=\"mqtt\"", s->mqtt_connected ? 1 : 0);

	put_family(b, "upstream_state", "gauge", "1 for the upstream connection's current state");
	for (size_t i = 0; n2m_health_upstream_states[i]; i++) {
		const char *st = n2m_health_upstream_states[i];
		char label[64];
		snprintf(label, sizeof label, "state=\"%s\"", st);
		put_sample(b, "upstream_state", label,
			   s->upstream_state && strcmp(s->upstream_state, st) == 0);
	}
}

char *n2m_health_prometheus(const struct n2m_health_sample *s, size_t *len)
{
	struct n2m_buf b;
	size_t n;
	const struct n2m_health_metric_info *m = n2m_health_metrics(&n);
	const char *open_family = NULL;

	n2m_buf_init(&b);
	put_fixed(&b, s);
	for (size_t i = 0; i < n; i++) {
		if (!m[i].family)
			continue;
		if (!open_family || strcmp(open_family, m[i].family) != 0) {
			put_family(&b, m[i].family, m[i].kind == N2M_HEALTH_COUNTER ? "counter" : "gauge",
				   m[i].help);
			open_family = m[i].family;
		}
		put_sample(&b, m[i].family, m[i].label, s->v[m[i].id]);
	}
	return n2m_buf_steal(&b, len);
}
