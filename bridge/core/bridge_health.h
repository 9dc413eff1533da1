/* SPDX-License-Identifier: MIT */
/*
 * bridge_health.h - health, metrics and service-manager notifications for
 * the running bridge: samples its counters, publishes <base>/bridge/health
 * every health.interval_s (not retained), serves /healthz and /metrics when
 * health.http_listen is set, and talks to systemd (READY=1, STATUS=,
 * WATCHDOG=1 only while both sides are connected, STOPPING=1).
 *
 * The hooks in bridge.c, in order: bridge_health_init after the lws
 * context and the parts exist; bridge_health_start when the loop starts;
 * bridge_health_stop first thing at shutdown; bridge_health_free before
 * the lws context is destroyed. All on the loop thread.
 */
#ifndef N2M_BRIDGE_HEALTH_H
#define N2M_BRIDGE_HEALTH_H

#include <libwebsockets.h>
#include <stddef.h>

#include "health.h"
#include "health_http.h"
#include "service_notify.h"

struct bridge;

struct n2m_bridge_health {
	struct n2m_notify notify;
	struct n2m_health_http http;
	struct n2m_health_sample prev;  /* at the last bridge/health publication */
	uint64_t next_publish_ms;       /* monotonic */
	int healthy;                    /* as of the last tick */
	char status[256];               /* the last STATUS= sent */
	uint64_t status_us;             /* and when (monotonic) */
	lws_sorted_usec_list_t sul;
	int running;
};

/* Starts the HTTP endpoint if configured and reads the notify socket.
 * 0, or -1 with err (e.g. the port is taken). */
int bridge_health_init(struct bridge *b, char *err, size_t errlen);
/* READY=1 and the periodic tick. */
void bridge_health_start(struct bridge *b);
/* STOPPING=1; no more ticks or HTTP answers. */
void bridge_health_stop(struct bridge *b);
void bridge_health_free(struct bridge *b);

/* One log line with every counter, bridge.counters (at stop). */
void bridge_log_counters(struct bridge *b);

/* The bridge's counters now. */
void bridge_health_collect(struct bridge *b, struct n2m_health_sample *s);
/* The bridge/health payload as of now, rates since the last publication
 * (for the control plane's `health` command). malloc'd, NULL on no memory. */
char *bridge_health_report(struct bridge *b, size_t *len);

#endif
