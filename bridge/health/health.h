/* SPDX-License-Identifier: MIT */
/*
 * health.h - the bridge's health report, without I/O: one table of metrics,
 * a sample of their values at one moment, and the three renderings made
 * from it:
 *   - the JSON payload of <base>/bridge/health (health_json.c), with rates
 *     per second over the interval since the previous sample;
 *   - the /healthz body (health_json.c);
 *   - the Prometheus text exposition for /metrics (health_prom.c).
 * bridge_health.c fills samples from the running bridge and does the I/O.
 *
 * One table drives every output, so a counter added here shows up in the
 * health topic, in /metrics and (tests/unit/test_health.c checks it) in the
 * operations documentation.
 */
#ifndef N2M_HEALTH_H
#define N2M_HEALTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Every value in a sample. Order matters: entries of one Prometheus family
 * must be adjacent (the exposition format wants a family in one block). */
enum n2m_health_metric {
	/* traffic */
	N2M_HM_WS_MESSAGES_IN = 0,
	N2M_HM_BYTES_IN,
	N2M_HM_HEARTBEATS_IN,
	N2M_HM_HEARTBEATS_OUT,
	N2M_HM_FRAMES_IN,
	N2M_HM_UPDATES,
	N2M_HM_STATE_UPDATES,
	N2M_HM_READINGS_UPDATES,
	N2M_HM_IOT_UPDATES,
	N2M_HM_LIFECYCLE_EVENTS,
	N2M_HM_PUBLISHES,
	N2M_HM_PUBLISH_DEFERRED,
	N2M_HM_MQTT_MESSAGES_IN,
	N2M_HM_RESYNCS,
	N2M_HM_TRACKER_LIST_CALLS,
	N2M_HM_AUTH_CALLS,
	/* errors, by kind */
	N2M_HM_ERR_PARSE,
	N2M_HM_ERR_BAD_ITEMS,
	N2M_HM_ERR_UNKNOWN_FRAMES,
	N2M_HM_ERR_NAVIXY,
	N2M_HM_ERR_DECODE,
	N2M_HM_ERR_MAPPING,
	N2M_HM_ERR_UNKNOWN_SOURCES,
	N2M_HM_ERR_LOGOUTS,
	N2M_HM_ERR_UPSTREAM_FAILURES,
	N2M_HM_ERR_MQTT_CONNECT_FAILURES,
	N2M_HM_ERR_REST_FAILURES,
	N2M_HM_ERR_INVALID_UTF8,
	N2M_HM_ERR_WS_PROTOCOL,
	/* drops, by kind */
	N2M_HM_DROP_OVERSIZED,
	N2M_HM_DROP_BINARY,
	N2M_HM_DROP_PUBLISH_FAILED,
	N2M_HM_DROP_MQTT_INBOUND,
	N2M_HM_DROP_OUTAGE_QUEUE,
	N2M_HM_DROP_CONTROL_RATE_LIMITED,
	N2M_HM_DROP_FALLBACK_OVERSIZED,
	N2M_HM_DROP_READINGS_TRUNCATED,
	/* connections, per side */
	N2M_HM_UPSTREAM_CONNECTS,
	N2M_HM_MQTT_CONNECTS,
	N2M_HM_UPSTREAM_RECONNECTS,
	N2M_HM_MQTT_RECONNECTS,
	N2M_HM_MQTT_DISCONNECTS,
	/* gauges */
	N2M_HM_UPSTREAM_ATTEMPT,
	N2M_HM_TRACKERS,
	N2M_HM_QUEUE_MQTT_INBOUND,
	N2M_HM_QUEUE_RESYNC,
	N2M_HM_QUEUE_OUTAGE,
	/* the HTTP health endpoint */
	N2M_HM_HTTP_REQUESTS,
	N2M_HM_HTTP_BAD_REQUESTS,
	N2M_HM_HTTP_OVER_LIMIT,
	N2M_HM_HTTP_TIMEOUTS,
	N2M_HM_HTTP_CONNECTIONS,
	N2M_HM_COUNT
};

enum n2m_health_kind { N2M_HEALTH_COUNTER = 0, N2M_HEALTH_GAUGE };

struct n2m_health_metric_info {
	enum n2m_health_metric id;
	const char *group;      /* JSON object it appears in: traffic, errors, drops,
				 * upstream, mqtt, queue, http, or "" for the top level */
	const char *key;        /* its key there */
	enum n2m_health_kind kind;
	const char *family;     /* Prometheus name without "navixy2mqtt_"; NULL: not exported */
	const char *label;      /* `name="value"` label inside {}, or NULL */
	const char *help;       /* HELP text of the family (the first entry's counts) */
	int rate;               /* also reported per second in "rates" */
};

/* The table, in enum order (info[i].id == i). */
const struct n2m_health_metric_info *n2m_health_metrics(size_t *count);

/* The upstream states a sample may report, for the one-hot state gauge. */
extern const char *const n2m_health_upstream_states[];

struct n2m_health_sample {
	uint64_t mono_ms;            /* monotonic clock: rates use it */
	time_t wall;                 /* wall clock of the sample */
	time_t started;              /* when the bridge started */
	const char *version;
	const char *upstream_state;  /* "connected", "backoff", ... (static string) */
	time_t upstream_since;
	int upstream_connected;
	int mqtt_connected;
	uint64_t v[N2M_HM_COUNT];
};

/* Both sides connected: what /healthz and the watchdog go by. */
int n2m_health_ok(const struct n2m_health_sample *s);

/* Per-second rate of metric m between prev and cur; 0 when no time passed
 * or the counter went backwards (it never should). */
double n2m_health_rate(const struct n2m_health_sample *prev, const struct n2m_health_sample *cur,
		       enum n2m_health_metric m);

/* The sum of a group's counters ("errors", "drops"). */
uint64_t n2m_health_group_total(const struct n2m_health_sample *s, const char *group);

/* The bridge/health payload. prev may be NULL (no rates: all 0). Returns
 * malloc'd NUL-terminated JSON (length in *len if not NULL), NULL on no memory. */
char *n2m_health_json(const struct n2m_health_sample *cur, const struct n2m_health_sample *prev,
		      size_t *len);

/* The /healthz body: {"status":"ok"|"unavailable","upstream":{...},"mqtt":{...},...}. */
char *n2m_health_healthz_json(const struct n2m_health_sample *s, size_t *len);

/* The Prometheus text exposition format 0.0.4 for /metrics. */
char *n2m_health_prometheus(const struct n2m_health_sample *s, size_t *len);

/* A one-line summary for systemd's STATUS=, e.g.
 * "upstream connected, mqtt connected, 5 trackers, 12.5 updates/s". */
void n2m_health_status_line(const struct n2m_health_sample *cur,
			    const struct n2m_health_sample *prev, char *buf, size_t cap);

#endif
