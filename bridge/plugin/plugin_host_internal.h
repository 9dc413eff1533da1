/* SPDX-License-Identifier: MIT */
/*
 * plugin_host_internal.h - what the plugin host's own files share
 * (plugin_host.c: loading and dispatch; plugin_host_api.c: the functions
 * plugins call; plugin_host_events.c: tracker events from publications;
 * plugin_host_dirs.c: where plugins are found; plugin_options.c: their
 * options). Not for use outside plugin/: the bridge calls plugin_host.h.
 */
#ifndef N2M_PLUGIN_HOST_INTERNAL_H
#define N2M_PLUGIN_HOST_INTERNAL_H

#include "plugin_host.h"
#include "plugin_view.h"

#define N2M_PLUGIN_MAX_SUBSCRIPTIONS 8
#define N2M_PLUGIN_ERROR_MAX 256

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

/* Tracker events, dispatched to the plugins registered for them
 * (from plugin_host_events.c). */
void n2m_plugin_host_tracker_updated(struct n2m_plugin_host *h, const struct n2m_tracker *tr,
				     uint32_t changed);
void n2m_plugin_host_tracker_removed(struct n2m_plugin_host *h, const struct n2m_tracker *tr);
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
