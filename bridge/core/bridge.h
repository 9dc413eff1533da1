/* SPDX-License-Identifier: MIT */
/*
 * bridge.h - struct bridge, the one owner of the daemon's state: config,
 * log, the lws context and its loop, the upstream connection, the MQTT
 * connection, the tracker table, the desired subscriptions and counters.
 *
 * Wiring (all on the lws loop thread, but the REST calls themselves); every
 * callback, wake-up and tick arrives in bridge_dispatch.c, which hands it
 * to the parts below (they return results to it and never call back up;
 * tests/unit/check_layering.py keeps core/'s file call graph acyclic):
 *   upstream prepare  -> user/auth (with a login) and tracker/list, made on
 *                        the REST worker thread; the dispatch applies the
 *                        answers when woken (bridge_rest.h)
 *   upstream open     -> send the whole desired subscription set
 *                        (bridge_subscribe.c)
 *   upstream message  -> navixy_frame -> tracker table / mapping -> MQTT
 *                        (bridge_navixy.c); responses and errors also to
 *                        the control plane
 *   MQTT connected    -> bridge/state online (mqtt_client), bridge/upstream,
 *                        bridge/info, then the whole retained tree again
 *   MQTT message      -> hot standby, control plane, plugins
 *   timer             -> stale-flag refresh of locations, the periodic
 *                        tracker/list, a standby takeover; signal flags
 * main.c owns only the command line and the signal flags.
 */
#ifndef N2M_BRIDGE_H
#define N2M_BRIDGE_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "bridge_health.h"
#include "bridge_rest.h"
#include "bridge_shard.h"
#include "bridge_standby.h"
#include "config.h"
#include "event_queue.h"
#include "log.h"
#include "mapping.h"
#include "mqtt_client.h"
#include "navixy_rest.h"
#include "plugin_host.h"
#include "subscription.h"
#include "tracker_table.h"
#include "upstream.h"

/* Counters for the health topic; upstream and MQTT keep their own too. */
struct n2m_bridge_counters {
	uint64_t frames_in;          /* application messages from upstream */
	uint64_t parse_errors;       /* messages that were not a usable frame */
	uint64_t bad_items;          /* unusable items inside batches */
	uint64_t unknown_frames;     /* unknown frame or event types */
	uint64_t error_frames;       /* Navixy "type":"error" frames */
	uint64_t state_updates;
	uint64_t readings_updates;
	uint64_t iot_updates;
	uint64_t lifecycle_events;
	uint64_t logouts;
	uint64_t unknown_sources;    /* items for trackers not in tracker/list */
	uint64_t mapping_errors;
	uint64_t invalid_utf8;       /* frames / tracker lists that were not UTF-8 (repaired) */
	uint64_t tracker_list_calls;
	uint64_t auth_calls;
	uint64_t rest_failures;      /* REST calls without a usable answer (unreachable, timeout, malformed) */
	uint64_t publishes;
	uint64_t publish_failures;
	uint64_t publish_deferred;   /* not sent while the broker was away */
	uint64_t resyncs;            /* retained tree republished after a reconnect */
	uint64_t fallback_oversized; /* messages too big for the json-c fallback, skipped */
	uint64_t readings_truncated; /* readings entries / payloads left out by the limits */
};

/* Flags a signal handler may set; the loop acts on them. */
struct n2m_signal_flags {
	volatile sig_atomic_t stop;
	volatile sig_atomic_t reload;
};

struct bridge {
	struct n2m_config cfg;
	struct n2m_log log;
	struct lws_context *lws;
	struct n2m_bridge_rest rest;     /* REST worker and call sequences (bridge_rest.c) */
	struct n2m_upstream upstream;
	struct n2m_mqtt mqtt;
	struct n2m_tracker_table trackers;
	struct n2m_sub_set desired;
	struct n2m_signal_flags *signals;
	struct n2m_plugin_host plugins;  /* loaded plugins (bridge_plugins.c) */
	struct n2m_control *control;     /* the control plane (bridge_control.c) */

	char hash[NVX_HASH_LEN + 1]; /* session hash or API key; never logged */
	int have_hash;
	time_t last_tracker_list;    /* 0 = never */
	time_t started;

	char *last_upstream_payload; /* dedupe of bridge/upstream */
	struct n2m_pub_list pubs;    /* scratch list, reused */
	struct n2m_event_queue events; /* events held while the broker is away (event_queue.h) */
	int event_drop_logged;       /* the queue's first drop this outage was logged */
	size_t resync_cursor;        /* next tracker to republish after a reconnect */
	int resync_active;
	time_t stale_second;         /* the second the last stale slice ran in */
	size_t stale_cursor;         /* next tracker whose stale flag is looked at */

	lws_sorted_usec_list_t sul_tick;
	lws_sorted_usec_list_t sul_resync;
	uint64_t parse_errors_logged;

	struct n2m_bridge_counters counters;
	struct n2m_bridge_health health; /* health topic, /metrics, systemd (bridge_health.c) */
	struct n2m_bridge_scale scale;   /* shard and instance (bridge_shard.c) */
	struct n2m_bridge_standby standby; /* hot standby (bridge_standby.c) */
};

/* Takes ownership of *cfg (left zeroed). Creates the lws context and every
 * part, connects nothing yet. Returns 0, or -1 with err. */
int bridge_init(struct bridge *b, struct n2m_config *cfg, struct n2m_signal_flags *signals,
		char *err, size_t errlen);

/* Runs until signals->stop, then shuts down cleanly: unsubscribe upstream,
 * close it with 1000, publish `offline`, disconnect. Returns 0, or -1 if
 * it could not start. bridge_start + serving b->lws + bridge_shutdown. */
int bridge_run(struct bridge *b);

/* The parts of bridge_run for a host that owns the loop (the Mosquitto
 * plugin, bridge/inbroker/): bridge_start starts MQTT, upstream, the tick
 * timer and the health port (0, or -1); the host then services b->lws
 * without blocking and calls bridge_reload itself; bridge_shutdown is the
 * clean stop above (it services b->lws for up to 2 s). */
int bridge_start(struct bridge *b);
void bridge_shutdown(struct bridge *b);

/* SIGHUP: reloads what can change at run time from cfg->source_path and
 * logs what needs a restart. Returns 0, or -1 if the new file is invalid
 * (the running config stays). */
int bridge_reload(struct bridge *b);

void bridge_free(struct bridge *b);

#endif
