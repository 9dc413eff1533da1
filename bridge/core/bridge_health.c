/* SPDX-License-Identifier: MIT */
/*
 * bridge_health.c - the bridge's health reporting (see bridge_health.h):
 * samples from the parts' counters, the periodic tick that publishes
 * bridge/health and feeds systemd, the HTTP endpoint's pages, and the
 * bridge.counters line logged at stop.
 */
#include "bridge_health.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <time.h>

#include "bridge_internal.h"
#include "bridge_control.h"
#include "topic.h"

#define TICK_MAX_US ((lws_usec_t)1000 * 1000)
#define TICK_MIN_US ((lws_usec_t)50 * 1000)
#define STATUS_MIN_US ((uint64_t)10 * 1000 * 1000)

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static size_t mqtt_queue_len(struct n2m_mqtt *m)
{
	size_t n;

	/* Written by Paho's thread under this lock. */
	pthread_mutex_lock(&m->lock);
	n = m->queue_len;
	pthread_mutex_unlock(&m->lock);
	return n;
}

static void collect_traffic(const struct bridge *b, uint64_t *v)
{
	const struct n2m_bridge_counters *c = &b->counters;
	const struct n2m_upstream_counters *u = &b->upstream.counters;

	v[N2M_HM_WS_MESSAGES_IN] = u->frames_in;
	v[N2M_HM_BYTES_IN] = u->bytes_in;
	v[N2M_HM_HEARTBEATS_IN] = u->heartbeats_in;
	v[N2M_HM_HEARTBEATS_OUT] = u->heartbeats_out;
	v[N2M_HM_FRAMES_IN] = c->frames_in;
	v[N2M_HM_STATE_UPDATES] = c->state_updates;
	v[N2M_HM_READINGS_UPDATES] = c->readings_updates;
	v[N2M_HM_IOT_UPDATES] = c->iot_updates;
	v[N2M_HM_LIFECYCLE_EVENTS] = c->lifecycle_events;
	v[N2M_HM_UPDATES] = c->state_updates + c->readings_updates + c->iot_updates +
			    c->lifecycle_events;
	v[N2M_HM_PUBLISHES] = c->publishes;
	v[N2M_HM_PUBLISH_DEFERRED] = c->publish_deferred;
	v[N2M_HM_MQTT_MESSAGES_IN] = b->mqtt.counters.messages_in;
	v[N2M_HM_RESYNCS] = c->resyncs;
	v[N2M_HM_TRACKER_LIST_CALLS] = c->tracker_list_calls;
	v[N2M_HM_AUTH_CALLS] = c->auth_calls;
}

static void collect_errors(struct bridge *b, uint64_t *v)
{
	const struct n2m_bridge_counters *c = &b->counters;
	const struct n2m_upstream_counters *u = &b->upstream.counters;

	v[N2M_HM_ERR_PARSE] = c->parse_errors;
	v[N2M_HM_ERR_BAD_ITEMS] = c->bad_items;
	v[N2M_HM_ERR_UNKNOWN_FRAMES] = c->unknown_frames;
	v[N2M_HM_ERR_NAVIXY] = c->error_frames;
	v[N2M_HM_ERR_DECODE] = u->decode_errors;
	v[N2M_HM_ERR_MAPPING] = c->mapping_errors;
	v[N2M_HM_ERR_UNKNOWN_SOURCES] = c->unknown_sources;
	v[N2M_HM_ERR_LOGOUTS] = c->logouts;
	v[N2M_HM_ERR_UPSTREAM_FAILURES] = u->failures;
	v[N2M_HM_ERR_MQTT_CONNECT_FAILURES] = atomic_load(&b->mqtt.counters.connect_failures);
	v[N2M_HM_ERR_REST_FAILURES] = c->rest_failures;
	v[N2M_HM_ERR_INVALID_UTF8] = c->invalid_utf8;
	v[N2M_HM_ERR_WS_PROTOCOL] = u->ws_protocol;
	v[N2M_HM_DROP_OVERSIZED] = u->oversized;
	v[N2M_HM_DROP_BINARY] = u->binary;
	v[N2M_HM_DROP_PUBLISH_FAILED] = c->publish_failures;
	v[N2M_HM_DROP_FALLBACK_OVERSIZED] = c->fallback_oversized;
	v[N2M_HM_DROP_READINGS_TRUNCATED] = c->readings_truncated;
	v[N2M_HM_DROP_MQTT_INBOUND] = atomic_load(&b->mqtt.counters.messages_dropped);
	v[N2M_HM_DROP_OUTAGE_QUEUE] = b->events.dropped;
	v[N2M_HM_DROP_CONTROL_RATE_LIMITED] = bridge_control_rate_limited(b);
}

static void collect_connections(struct bridge *b, uint64_t *v)
{
	const struct n2m_mqtt_counters *m = &b->mqtt.counters;
	uint64_t mqtt_attempts = m->connects + atomic_load(&b->mqtt.counters.connect_failures);
	size_t trackers = n2m_tracker_table_count(&b->trackers);

	v[N2M_HM_UPSTREAM_CONNECTS] = b->upstream.counters.connects;
	v[N2M_HM_MQTT_CONNECTS] = m->connects;
	v[N2M_HM_UPSTREAM_RECONNECTS] = b->upstream.counters.reconnects;
	v[N2M_HM_MQTT_RECONNECTS] = mqtt_attempts > 0 ? mqtt_attempts - 1 : 0;
	v[N2M_HM_MQTT_DISCONNECTS] = m->disconnects;
	v[N2M_HM_UPSTREAM_ATTEMPT] = b->upstream.attempt;
	v[N2M_HM_TRACKERS] = trackers;
	v[N2M_HM_QUEUE_MQTT_INBOUND] = mqtt_queue_len(&b->mqtt);
	v[N2M_HM_QUEUE_RESYNC] = b->resync_active && b->resync_cursor < trackers
					 ? trackers - b->resync_cursor : 0;
	v[N2M_HM_QUEUE_OUTAGE] = b->events.count;
}

static void collect_http(const struct bridge *b, uint64_t *v)
{
	const struct n2m_health_http_counters *c = &b->health.http.counters;

	v[N2M_HM_HTTP_REQUESTS] = c->requests;
	v[N2M_HM_HTTP_BAD_REQUESTS] = c->bad_requests;
	v[N2M_HM_HTTP_OVER_LIMIT] = c->over_limit;
	v[N2M_HM_HTTP_TIMEOUTS] = c->timeouts;
	v[N2M_HM_HTTP_CONNECTIONS] = c->connections;
}

void bridge_health_collect(struct bridge *b, struct n2m_health_sample *s)
{
	memset(s, 0, sizeof *s);
	s->mono_ms = mono_us() / 1000u;
	s->wall = time(NULL);
	s->started = b->started;
	s->version = N2M_VERSION;
	s->upstream_state = n2m_upstream_state_name(b->upstream.state);
	s->upstream_since = b->upstream.since;
	s->upstream_connected = n2m_upstream_is_connected(&b->upstream);
	s->mqtt_connected = n2m_mqtt_is_online(&b->mqtt);
	collect_traffic(b, s->v);
	collect_errors(b, s->v);
	collect_connections(b, s->v);
	collect_http(b, s->v);
}

char *bridge_health_report(struct bridge *b, size_t *len)
{
	struct n2m_health_sample now;

	bridge_health_collect(b, &now);
	return n2m_health_json(&now, &b->health.prev, len);
}

static void publish_health(struct bridge *b, const struct n2m_health_sample *now)
{
	char topic[512];
	size_t len = 0;
	char *payload;

	if (!n2m_mqtt_is_online(&b->mqtt) ||
	    bridge_own_topic(b, topic, sizeof topic, "health") < 0)
		return;
	payload = n2m_health_json(now, &b->health.prev, &len);
	if (!payload)
		return;
	bridge_send(b, topic, payload, len, 0, 0);
	free(payload);
}

/* The systemd side of a tick: watchdog while healthy, STATUS= on change. */
static void notify_tick(struct bridge *b, const struct n2m_health_sample *now, uint64_t now_us)
{
	struct n2m_bridge_health *h = &b->health;
	char status[sizeof h->status];
	int healthy = n2m_health_ok(now);

	if (healthy != h->healthy) {
		h->healthy = healthy;
		n2m_log(&b->log, healthy ? N2M_LOG_INFO : N2M_LOG_WARN, "health.changed",
			"healthy=%s upstream=%s mqtt=%s", healthy ? "yes" : "no", now->upstream_state,
			now->mqtt_connected ? "connected" : "disconnected");
	}
	if (n2m_notify_watchdog_due(&h->notify, now_us, healthy))
		n2m_notify_watchdog(&h->notify, now_us);
	n2m_health_status_line(now, &h->prev, status, sizeof status);
	/* A state change shows at once; counts and rates at most every
	 * STATUS_MIN_US, which is plenty for `systemctl status`. */
	size_t states = strcspn(status, "0123456789");
	if (strncmp(status, h->status, states) != 0 ||
	    (strcmp(status, h->status) != 0 && now_us - h->status_us >= STATUS_MIN_US)) {
		n2m_notify_status(&h->notify, status);
		memcpy(h->status, status, sizeof status);
		h->status_us = now_us;
	}
}

static lws_usec_t tick_period(const struct n2m_bridge_health *h)
{
	lws_usec_t t = TICK_MAX_US;

	if (h->notify.watchdog_us && (lws_usec_t)(h->notify.watchdog_us / 4) < t)
		t = (lws_usec_t)(h->notify.watchdog_us / 4);
	return t < TICK_MIN_US ? TICK_MIN_US : t;
}

static void on_health_tick(lws_sorted_usec_list_t *sul)
{
	struct n2m_bridge_health *h = lws_container_of(sul, struct n2m_bridge_health, sul);
	struct bridge *b = lws_container_of(h, struct bridge, health);
	struct n2m_health_sample now;
	uint64_t now_us = mono_us();

	if (!h->running)
		return;
	bridge_health_collect(b, &now);
	notify_tick(b, &now, now_us);
	if (b->cfg.health.interval_s > 0 && now.mono_ms >= h->next_publish_ms) {
		publish_health(b, &now);
		h->prev = now;
		h->next_publish_ms = now.mono_ms + (uint64_t)b->cfg.health.interval_s * 1000u;
	}
	lws_sul_schedule(b->lws, 0, &h->sul, on_health_tick, tick_period(h));
}

static char *render_page(void *ctx, enum n2m_http_page page, int *status, size_t *len)
{
	struct bridge *b = ctx;
	struct n2m_health_sample now;

	bridge_health_collect(b, &now);
	if (page == N2M_HTTP_PAGE_METRICS) {
		*status = 200;
		return n2m_health_prometheus(&now, len);
	}
	*status = n2m_health_ok(&now) ? 200 : 503;
	return n2m_health_healthz_json(&now, len);
}

/* health.max_connections, less when the descriptor limit is too low to
 * keep room for the upstream and the broker next to that many. */
static int connection_cap(struct bridge *b)
{
	struct rlimit rl;
	long nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
			      ? (long)rl.rlim_cur : 0;
	int want = b->cfg.health.max_connections;
	int cap = n2m_health_http_connection_cap(want, nofile);

	if (cap < want)
		n2m_log(&b->log, N2M_LOG_WARN, "health.max_connections_lowered",
			"configured=%d used=%d nofile=%ld reserve=%d", want, cap, nofile,
			N2M_HEALTH_HTTP_FD_RESERVE);
	return cap;
}

int bridge_health_init(struct bridge *b, char *err, size_t errlen)
{
	struct n2m_bridge_health *h = &b->health;
	struct n2m_health_http_options opt;

	n2m_notify_init(&h->notify);
	if (!b->cfg.health.http_listen[0])
		return 0;
	memset(&opt, 0, sizeof opt);
	opt.listen = b->cfg.health.http_listen;
	opt.max_connections = connection_cap(b);
	opt.idle_timeout_s = b->cfg.health.idle_timeout_s;
	opt.render = render_page;
	opt.ctx = b;
	return n2m_health_http_start(&h->http, b->lws, &opt, &b->log, err, errlen);
}

void bridge_health_start(struct bridge *b)
{
	struct n2m_bridge_health *h = &b->health;

	bridge_health_collect(b, &h->prev);
	h->next_publish_ms = h->prev.mono_ms + (uint64_t)b->cfg.health.interval_s * 1000u;
	h->running = 1;
	n2m_notify_send(&h->notify, "READY=1");
	n2m_log(&b->log, N2M_LOG_INFO, "health.started",
		"interval_s=%d http=%s notify=%s watchdog_ms=%llu systemd=%s",
		b->cfg.health.interval_s, b->cfg.health.http_listen[0] ? b->cfg.health.http_listen : "off",
		h->notify.enabled ? "yes" : "no", (unsigned long long)(h->notify.watchdog_us / 1000),
		n2m_notify_support());
	lws_sul_schedule(b->lws, 0, &h->sul, on_health_tick, 1);
}

void bridge_health_stop(struct bridge *b)
{
	struct n2m_bridge_health *h = &b->health;

	if (h->running) {
		n2m_notify_send(&h->notify, "STOPPING=1");
		n2m_notify_status(&h->notify, "stopping");
	}
	h->running = 0;
	if (b->lws)
		lws_sul_cancel(&h->sul);
	n2m_health_http_stop(&h->http);
}

void bridge_health_free(struct bridge *b)
{
	struct n2m_bridge_health *h = &b->health;

	h->running = 0;
	if (b->lws) {
		lws_sul_cancel(&h->sul);
		n2m_health_http_stop(&h->http);
	}
}

/* At stop: one line with every counter (tests and operators read it). */
void bridge_log_counters(struct bridge *b)
{
	const struct n2m_bridge_counters *c = &b->counters;
	const struct n2m_upstream_counters *u = &b->upstream.counters;
	const struct n2m_mqtt_counters *m = &b->mqtt.counters;

	n2m_log(&b->log, N2M_LOG_INFO, "bridge.counters",
		"frames_in=%" PRIu64 " parse_errors=%" PRIu64 " bad_items=%" PRIu64
		" unknown_frames=%" PRIu64 " error_frames=%" PRIu64 " state_updates=%" PRIu64
		" readings_updates=%" PRIu64 " iot_updates=%" PRIu64 " lifecycle_events=%" PRIu64
		" logouts=%" PRIu64 " unknown_sources=%" PRIu64 " mapping_errors=%" PRIu64
		" tracker_list_calls=%" PRIu64 " auth_calls=%" PRIu64 " rest_failures=%" PRIu64
		" publishes=%" PRIu64
		" publish_failures=%" PRIu64 " publish_deferred=%" PRIu64 " resyncs=%" PRIu64
		" events_queued=%" PRIu64 " events_dropped=%" PRIu64 " events_pending=%zu"
		" upstream_oversized=%" PRIu64 " upstream_binary=%" PRIu64
		" upstream_decode_errors=%" PRIu64 " upstream_connects=%" PRIu64
		" upstream_failures=%" PRIu64 " mqtt_connects=%" PRIu64 " mqtt_disconnects=%" PRIu64
		" mqtt_in_dropped=%llu mqtt_connect_failures=%llu fallback_oversized=%" PRIu64
		" readings_truncated=%" PRIu64 " upstream_ws_protocol=%" PRIu64,
		c->frames_in, c->parse_errors, c->bad_items, c->unknown_frames, c->error_frames,
		c->state_updates, c->readings_updates, c->iot_updates, c->lifecycle_events,
		c->logouts, c->unknown_sources, c->mapping_errors, c->tracker_list_calls,
		c->auth_calls, c->rest_failures, c->publishes, c->publish_failures, c->publish_deferred, c->resyncs,
		b->events.queued, b->events.dropped, n2m_event_queue_count(&b->events),
		u->oversized, u->binary, u->decode_errors, u->connects, u->failures, m->connects,
		m->disconnects, (unsigned long long)atomic_load(&b->mqtt.counters.messages_dropped),
		(unsigned long long)atomic_load(&b->mqtt.counters.connect_failures),
		c->fallback_oversized, c->readings_truncated, u->ws_protocol);
}
