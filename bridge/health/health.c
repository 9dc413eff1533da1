/* SPDX-License-Identifier: MIT */
/*
 * health.c - the metric table and the arithmetic on samples (see health.h).
 */
#include "health.h"

#include <stdio.h>
#include <string.h>

#define C N2M_HEALTH_COUNTER
#define G N2M_HEALTH_GAUGE

/* HELP texts are given on the first entry of each family only. */
static const struct n2m_health_metric_info metrics[N2M_HM_COUNT] = {
	{ N2M_HM_WS_MESSAGES_IN, "traffic", "ws_messages_in", C, "upstream_messages_total", NULL,
	  "WebSocket messages received from Navixy, heartbeats included", 0 },
	{ N2M_HM_BYTES_IN, "traffic", "bytes_in", C, "upstream_bytes_total", NULL,
	  "Bytes of WebSocket payload received from Navixy", 1 },
	{ N2M_HM_HEARTBEATS_IN, "traffic", "heartbeats_in", C, "heartbeats_total", "direction=\"in\"",
	  "Atmosphere heartbeats received (in) and sent (out)", 0 },
	{ N2M_HM_HEARTBEATS_OUT, "traffic", "heartbeats_out", C, "heartbeats_total",
	  "direction=\"out\"", NULL, 0 },
	{ N2M_HM_FRAMES_IN, "traffic", "frames_in", C, "frames_total", NULL,
	  "Navixy application frames handled (heartbeats excluded)", 1 },
	{ N2M_HM_UPDATES, "traffic", "updates", C, NULL, NULL,
	  "Tracker updates of every kind (sum of the four below)", 1 },
	{ N2M_HM_STATE_UPDATES, "traffic", "state_updates", C, "updates_total", "kind=\"state\"",
	  "Tracker updates received, by kind", 0 },
	{ N2M_HM_READINGS_UPDATES, "traffic", "readings_updates", C, "updates_total",
	  "kind=\"readings\"", NULL, 0 },
	{ N2M_HM_IOT_UPDATES, "traffic", "iot_updates", C, "updates_total", "kind=\"iot_monitor\"",
	  NULL, 0 },
	{ N2M_HM_LIFECYCLE_EVENTS, "traffic", "lifecycle_events", C, "updates_total",
	  "kind=\"lifecycle\"", NULL, 0 },
	{ N2M_HM_PUBLISHES, "traffic", "publishes", C, "publishes_total", NULL,
	  "MQTT publications handed to the broker connection", 1 },
	{ N2M_HM_PUBLISH_DEFERRED, "traffic", "publish_deferred", C, "publish_deferred_total", NULL,
	  "Publications not sent while the broker was away (sent by the resync after it)", 0 },
	{ N2M_HM_MQTT_MESSAGES_IN, "traffic", "mqtt_messages_in", C, "mqtt_messages_in_total", NULL,
	  "MQTT messages received (control requests, plugin subscriptions)", 0 },
	{ N2M_HM_RESYNCS, "traffic", "resyncs", C, "resyncs_total", NULL,
	  "Times the retained tree was republished (after every broker connect)", 0 },
	{ N2M_HM_TRACKER_LIST_CALLS, "traffic", "tracker_list_calls", C, "rest_calls_total",
	  "call=\"tracker_list\"", "Navixy REST calls made, by call", 0 },
	{ N2M_HM_AUTH_CALLS, "traffic", "auth_calls", C, "rest_calls_total", "call=\"user_auth\"",
	  NULL, 0 },

	{ N2M_HM_ERR_PARSE, "errors", "parse", C, "errors_total", "kind=\"parse\"",
	  "Errors by kind; every bad input is counted here", 0 },
	{ N2M_HM_ERR_BAD_ITEMS, "errors", "bad_items", C, "errors_total", "kind=\"bad_items\"", NULL, 0 },
	{ N2M_HM_ERR_UNKNOWN_FRAMES, "errors", "unknown_frames", C, "errors_total",
	  "kind=\"unknown_frames\"", NULL, 0 },
	{ N2M_HM_ERR_NAVIXY, "errors", "navixy_errors", C, "errors_total", "kind=\"navixy_errors\"",
	  NULL, 0 },
	{ N2M_HM_ERR_DECODE, "errors", "decode", C, "errors_total", "kind=\"decode\"", NULL, 0 },
	{ N2M_HM_ERR_MAPPING, "errors", "mapping", C, "errors_total", "kind=\"mapping\"", NULL, 0 },
	{ N2M_HM_ERR_UNKNOWN_SOURCES, "errors", "unknown_sources", C, "errors_total",
	  "kind=\"unknown_sources\"", NULL, 0 },
	{ N2M_HM_ERR_LOGOUTS, "errors", "logouts", C, "errors_total", "kind=\"logouts\"", NULL, 0 },
	{ N2M_HM_ERR_UPSTREAM_FAILURES, "errors", "upstream_failures", C, "errors_total",
	  "kind=\"upstream_failures\"", NULL, 0 },
	{ N2M_HM_ERR_MQTT_CONNECT_FAILURES, "errors", "mqtt_connect_failures", C, "errors_total",
	  "kind=\"mqtt_connect_failures\"", NULL, 0 },
	{ N2M_HM_ERR_REST_FAILURES, "errors", "rest_failures", C, "errors_total",
	  "kind=\"rest_failures\"", NULL, 0 },
	{ N2M_HM_ERR_INVALID_UTF8, "errors", "invalid_utf8", C, "errors_total",
	  "kind=\"invalid_utf8\"", NULL, 0 },
	{ N2M_HM_ERR_WS_PROTOCOL, "errors", "ws_protocol", C, "errors_total", "kind=\"ws_protocol\"",
	  NULL, 0 },

	{ N2M_HM_DROP_OVERSIZED, "drops", "oversized_frames", C, "drops_total",
	  "kind=\"oversized_frames\"", "Messages dropped, by kind", 0 },
	{ N2M_HM_DROP_BINARY, "drops", "binary_frames", C, "drops_total", "kind=\"binary_frames\"",
	  NULL, 0 },
	{ N2M_HM_DROP_PUBLISH_FAILED, "drops", "publish_failed", C, "drops_total",
	  "kind=\"publish_failed\"", NULL, 0 },
	{ N2M_HM_DROP_MQTT_INBOUND, "drops", "mqtt_inbound", C, "drops_total",
	  "kind=\"mqtt_inbound\"", NULL, 0 },
	{ N2M_HM_DROP_OUTAGE_QUEUE, "drops", "outage_queue", C, "drops_total",
	  "kind=\"outage_queue\"", NULL, 0 },
	{ N2M_HM_DROP_CONTROL_RATE_LIMITED, "drops", "control_rate_limited", C, "drops_total",
	  "kind=\"control_rate_limited\"", NULL, 0 },
	{ N2M_HM_DROP_FALLBACK_OVERSIZED, "drops", "fallback_oversized", C, "drops_total",
	  "kind=\"fallback_oversized\"", NULL, 0 },
	{ N2M_HM_DROP_READINGS_TRUNCATED, "drops", "readings_truncated", C, "drops_total",
	  "kind=\"readings_truncated\"", NULL, 0 },

	{ N2M_HM_UPSTREAM_CONNECTS, "upstream", "connects", C, "connects_total", "side=\"upstream\"",
	  "Successful connections, per side (upstream: completed handshakes)", 0 },
	{ N2M_HM_MQTT_CONNECTS, "mqtt", "connects", C, "connects_total", "side=\"mqtt\"", NULL, 0 },
	{ N2M_HM_UPSTREAM_RECONNECTS, "upstream", "reconnects", C, "reconnects_total",
	  "side=\"upstream\"", "Connection attempts after the first, per side", 0 },
	{ N2M_HM_MQTT_RECONNECTS, "mqtt", "reconnects", C, "reconnects_total", "side=\"mqtt\"",
	  NULL, 0 },
	{ N2M_HM_MQTT_DISCONNECTS, "mqtt", "disconnects", C, "disconnects_total", "side=\"mqtt\"",
	  "Broker connections lost", 0 },
	{ N2M_HM_UPSTREAM_ATTEMPT, "upstream", "attempt", G, "upstream_attempt", NULL,
	  "Upstream connection attempts since the last successful handshake", 0 },

	{ N2M_HM_TRACKERS, "", "trackers", G, "trackers", NULL, "Trackers in the tracker table", 0 },
	{ N2M_HM_QUEUE_MQTT_INBOUND, "queue", "mqtt_inbound", G, "queue_depth",
	  "queue=\"mqtt_inbound\"", "Items waiting in the bridge's queues", 0 },
	{ N2M_HM_QUEUE_RESYNC, "queue", "resync_pending", G, "queue_depth", "queue=\"resync\"", NULL,
	  0 },
	{ N2M_HM_QUEUE_OUTAGE, "queue", "outage_events", G, "queue_depth", "queue=\"outage\"", NULL,
	  0 },

	{ N2M_HM_HTTP_REQUESTS, "http", "requests", C, "http_requests_total", NULL,
	  "Requests answered by the HTTP health endpoint, whatever the status", 0 },
	{ N2M_HM_HTTP_BAD_REQUESTS, "http", "bad_requests", C, "http_refused_total",
	  "reason=\"bad_request\"", "HTTP health endpoint connections refused or closed early, by reason",
	  0 },
	{ N2M_HM_HTTP_OVER_LIMIT, "http", "over_limit", C, "http_refused_total",
	  "reason=\"over_limit\"", NULL, 0 },
	{ N2M_HM_HTTP_TIMEOUTS, "http", "timeouts", C, "http_refused_total", "reason=\"timeout\"",
	  NULL, 0 },
	{ N2M_HM_HTTP_CONNECTIONS, "http", "connections", G, "http_connections", NULL,
	  "Connections open to the HTTP health endpoint", 0 },
};

const char *const n2m_health_upstream_states[] = {
	"connecting", "connected", "backoff", "auth_failed", "logged_out", "stopped", NULL,
};

const struct n2m_health_metric_info *n2m_health_metrics(size_t *count)
{
	*count = N2M_HM_COUNT;
	return metrics;
}

int n2m_health_ok(const struct n2m_health_sample *s)
{
	return s->upstream_connected && s->mqtt_connected;
}

double n2m_health_rate(const struct n2m_health_sample *prev, const struct n2m_health_sample *cur,
		       enum n2m_health_metric m)
{
	if (!prev || (unsigned)m >= N2M_HM_COUNT || cur->mono_ms <= prev->mono_ms ||
	    cur->v[m] < prev->v[m])
		return 0.0;
	return (double)(cur->v[m] - prev->v[m]) * 1000.0 / (double)(cur->mono_ms - prev->mono_ms);
}

uint64_t n2m_health_group_total(const struct n2m_health_sample *s, const char *group)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < N2M_HM_COUNT; i++)
		if (metrics[i].kind == N2M_HEALTH_COUNTER && strcmp(metrics[i].group, group) == 0)
			sum += s->v[i];
	return sum;
}

void n2m_health_status_line(const struct n2m_health_sample *cur,
			    const struct n2m_health_sample *prev, char *buf, size_t cap)
{
	if (cap == 0)
		return;
	snprintf(buf, cap, "upstream %s, mqtt %s, %llu trackers, %.1f updates/s",
		 cur->upstream_state ? cur->upstream_state : "unknown",
		 cur->mqtt_connected ? "connected" : "disconnected",
		 (unsigned long long)cur->v[N2M_HM_TRACKERS], n2m_health_rate(prev, cur, N2M_HM_UPDATES));
}
