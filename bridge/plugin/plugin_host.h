/* SPDX-License-Identifier: MIT */
/*
 * plugin_host.h - loads plugins (shared objects built against
 * navixy2mqtt/plugin.h), gives them the host API, validates what they pass
 * and dispatches bridge events to the callbacks they registered.
 *
 * Loading a configured plugin (n2m_plugin_host_load):
 *   1. the file: its `path` if set (the config loader has made a relative
 *      one relative to the config file's directory; one still without a
 *      '/' gets "./" so dlopen never searches the library path), else the
 *      first existing <dir>/<name>/<name>.so of the host's search
 *      directories (plugin_host_dirs.c);
 *   2. dlopen(RTLD_NOW | RTLD_LOCAL); then n2m_plugin_version,
 *      n2m_plugin_init and n2m_plugin_cleanup must all be there (a missing
 *      one is named in the error);
 *   3. n2m_plugin_version() must return our N2M_PLUGIN_API_VERSION, else
 *      the plugin is refused before any other call;
 *   4. n2m_plugin_init() with its `settings`; non-zero is a failure with
 *      the reason the plugin gave through set_error.
 * Every failure is logged with the plugin's name and reason; it is fatal
 * (n2m_plugin_host_load returns -1 with the message) only for a plugin
 * configured `required = true`; otherwise the plugin is skipped.
 *
 * No I/O of its own besides dlopen: publishing and subscribing go through
 * struct n2m_plugin_host_io so tests can stand in for MQTT.
 *
 * This header is what the bridge calls (core/bridge_plugins.c,
 * config/check_config.c); what only the files of plugin/ share is in
 * plugin_host_internal.h.
 */
#ifndef N2M_PLUGIN_HOST_H
#define N2M_PLUGIN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "log.h"
#include "mapping.h"
#include "navixy2mqtt/plugin.h"
#include "plugin_trees.h"
#include "plugin_view.h"
#include "tracker_table.h"

/* What the host needs from the MQTT side. */
struct n2m_plugin_host_io {
	/* 0 sent, -1 not connected, -2 refused. */
	int (*publish)(void *ctx, const char *topic, const void *payload, size_t len, int qos,
		       int retain);
	/* 0 or -1 (e.g. too many subscriptions). */
	int (*subscribe)(void *ctx, const char *filter, int qos);
	int (*online)(void *ctx);
	void *ctx;
};

struct n2m_plugin_host_counters {
	uint64_t loaded;
	uint64_t failed;                 /* load or init failures */
	uint64_t rejected_calls;         /* invalid plugin calls, all plugins */
	uint64_t publishes;
	uint64_t events;                 /* callbacks invoked */
};

struct n2m_plugin; /* one loaded plugin (plugin_host_internal.h) */

struct n2m_plugin_host {
	struct n2m_plugin **plugins;     /* active ones only */
	size_t n;
	struct n2m_plugin_host_io io;
	struct n2m_log *log;
	char *base_topic;
	char *bridge_prefix;             /* "<base>/bridge/": plugins may not publish there */
	const struct n2m_tracker_table *trackers;
	struct n2m_plugin_models models;
	struct n2m_host_api api;
	const char *const *dirs;         /* search directories, NULL-terminated; may be NULL */
	const char *config_file;         /* names the main config file in option errors, or NULL */
	int connected_before;
	uint32_t wanted;                 /* events some plugin registered for (1u << event) */
	int64_t removing_id;             /* announced removed in the batch being published */
	struct n2m_plugin_trees trees;   /* where plugins publish/subscribe (plugin_trees.h) */
	struct n2m_plugin_host_counters counters;
};

/* Sets up an empty host. trackers is read for views and foreach_tracker.
 * 0 or -1 on no memory. */
int n2m_plugin_host_init(struct n2m_plugin_host *h, const char *base_topic, struct n2m_log *log,
			 const struct n2m_tracker_table *trackers,
			 const struct n2m_plugin_host_io *io);

/* Loads and initialises every configured plugin (see above). dirs: the
 * search directories for plugins without a path (NULL: the defaults of
 * n2m_plugin_default_dirs). Returns 0, or -1 with err naming the required
 * plugin that failed and why. */
int n2m_plugin_host_load(struct n2m_plugin_host *h, const struct n2m_plugin_config *plugins,
			 size_t n, const char *const *dirs, char *err, size_t errlen);

/* Loads one plugin; the same rules. Returns 0 or -1 with err (whatever
 * `required` says; the caller decides). */
int n2m_plugin_host_load_one(struct n2m_plugin_host *h, const struct n2m_plugin_config *pc,
			     const char *const *dirs, char *err, size_t errlen);

/* Calls cleanup on every plugin, unloads them, frees everything. */
void n2m_plugin_host_free(struct n2m_plugin_host *h);

/* True if some plugin registered for event (cheap; lets the bridge skip work). */
int n2m_plugin_host_wants(const struct n2m_plugin_host *h, int event);

/* A new tracker/list answer: model and device id for views. */
void n2m_plugin_host_tracker_list(struct n2m_plugin_host *h, const struct nvx_tracker_list *list);

/* Events from the bridge. */
void n2m_plugin_host_mqtt_connected(struct n2m_plugin_host *h);
void n2m_plugin_host_message(struct n2m_plugin_host *h, const char *topic, const void *payload,
			     size_t len);

/* Tracker events derived from the publications of one batch
 * (bridge_publish_pending). Called for each publication before it is
 * sent: a clearing publication on the tracker's current topic means the
 * tracker is being removed (corrupt, gone from the account, unsubscribed);
 * the removal is dispatched then, once per run of the tracker's clears, so
 * what plugins clear in response goes out before the tracker's own topics
 * are emptied. */
void n2m_plugin_host_before_publication(struct n2m_plugin_host *h,
					const struct n2m_publication *p);

/* After the batch was sent: non-clearing snapshot publications are
 * updates (the classes give `changed`); consecutive publications of one
 * tracker are one event; a tracker removed in the batch gets none. */
void n2m_plugin_host_after_publish(struct n2m_plugin_host *h, const struct n2m_pub_list *pubs);

#endif
