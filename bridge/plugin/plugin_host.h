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

#define N2M_PLUGIN_MAX_SUBSCRIPTIONS 8
#define N2M_PLUGIN_ERROR_MAX 256

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

/* One loaded plugin (the handle plugins get as struct n2m_plugin *). */
struct n2m_plugin {
	struct n2m_plugin_host *host;
	char *name;
	char *path;                      /* the file actually loaded */
	int required;
	void *settings;                  /* config_setting_t *, may be NULL */
	void *dl;
	void (*cleanup)(void *userdata);
	void *userdata;
	n2m_plugin_callback callbacks[N2M_EVT_MAX + 1];
	char *filters[N2M_PLUGIN_MAX_SUBSCRIPTIONS];
	size_t n_filters;
	int in_init;                     /* subscribe is allowed only then */
	int active;                      /* init succeeded */
	char error[N2M_PLUGIN_ERROR_MAX];
	uint64_t rejected;               /* invalid calls refused */
	uint64_t published;
};

struct n2m_plugin_host_counters {
	uint64_t loaded;
	uint64_t failed;                 /* load or init failures */
	uint64_t rejected_calls;         /* invalid plugin calls, all plugins */
	uint64_t publishes;
	uint64_t events;                 /* callbacks invoked */
};

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

/* Events. */
void n2m_plugin_host_tracker_updated(struct n2m_plugin_host *h, const struct n2m_tracker *tr,
				     uint32_t changed);
void n2m_plugin_host_tracker_removed(struct n2m_plugin_host *h, const struct n2m_tracker *tr);
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

/* The N2M_CHANGED_* bit of a topic class, 0 for non-snapshot classes. */
uint32_t n2m_plugin_changed_bit(enum n2m_topic_class cls);

/* The host API table (plugin_host_api.c). */
void n2m_plugin_host_api_fill(struct n2m_host_api *api);

/* Option accessors over a libconfig group (plugin_options.c); settings may
 * be NULL (no options). */
int n2m_plugin_opt_string(struct n2m_plugin *p, const char *key, const char *def, const char **out);
int n2m_plugin_opt_int(struct n2m_plugin *p, const char *key, long long def, long long *out);
int n2m_plugin_opt_bool(struct n2m_plugin *p, const char *key, int def, int *out);
int n2m_plugin_opt_double(struct n2m_plugin *p, const char *key, double def, double *out);
size_t n2m_plugin_opt_count(const struct n2m_plugin *p);
const char *n2m_plugin_opt_key(const struct n2m_plugin *p, size_t i);
int n2m_plugin_opt_check_known(struct n2m_plugin *p, const char *const *known);

/* The default search directories for a plugin without a path, most
 * specific first, from the running executable exe (NULL: unknown):
 *   1. the install location next to it: exe in <prefix>/bin ->
 *      <prefix>/lib/navixy2mqtt/plugins (whatever the prefix);
 *   2. the build tree: build/bridge/navixy2mqtt -> build/plugins;
 *   3. N2M_PLUGIN_DIR, the install location of the configured prefix.
 * Pure (no file system access); dirs points into *d. */
#define N2M_PLUGIN_DIR_MAX 4096
struct n2m_plugin_dirs {
	char installed[N2M_PLUGIN_DIR_MAX];
	char build_tree[N2M_PLUGIN_DIR_MAX];
	const char *dirs[4];             /* NULL-terminated */
};
void n2m_plugin_default_dirs(const char *exe, struct n2m_plugin_dirs *d);

/* The same inside the Mosquitto plugin, from the plugin's own file
 * (module): <its dir>/plugins (installed in <prefix>/lib/navixy2mqtt/),
 * <its dir>/../plugins (build/bridge/ -> build/plugins), N2M_PLUGIN_DIR. */
void n2m_plugin_module_dirs(const char *module, struct n2m_plugin_dirs *d);

/* Finds plugins/<name>/<name>.so (plugin_host_dirs.c): the first existing
 * <dir>/<name>/<name>.so of dirs, or with dirs NULL of
 * n2m_plugin_default_dirs for /proc/self/exe (n2m_plugin_module_dirs when
 * this code runs from a shared object). Returns 0 with the path in
 * out, or -1 with the paths tried in err. */
int n2m_plugin_find(const char *name, const char *const *dirs, char *out, size_t cap,
		    char *err, size_t errlen);

#endif
