/* SPDX-License-Identifier: MIT */
/*
 * plugin_host.c - loading plugins and dispatching events to them (see
 * plugin_host.h; the functions plugins call are in plugin_host_api.c).
 */
#include "plugin_host_internal.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"
#include "topic_filter.h"

#define PATH_CAP 4096

int n2m_plugin_host_init(struct n2m_plugin_host *h, const char *base_topic, struct n2m_log *log,
			 const struct n2m_tracker_table *trackers,
			 const struct n2m_plugin_host_io *io)
{
	memset(h, 0, sizeof *h);
	h->log = log;
	h->trackers = trackers;
	if (io)
		h->io = *io;
	h->base_topic = strdup(base_topic ? base_topic : "");
	h->bridge_prefix = n2m_topic_bridge_dup(base_topic ? base_topic : "", "");
	n2m_plugin_host_api_fill(&h->api);
	if (!h->base_topic || !h->bridge_prefix) {
		n2m_plugin_host_free(h);
		return -1;
	}
	return 0;
}

static void plugin_free(struct n2m_plugin *p)
{
	if (!p)
		return;
	if (p->active && p->cleanup)
		p->cleanup(p->userdata);
	if (p->dl)
		dlclose(p->dl);
	for (size_t i = 0; i < p->n_filters; i++)
		free(p->filters[i]);
	free(p->name);
	free(p->path);
	free(p);
}

/* dlsym returns void *; converting that to a function pointer is what POSIX
 * guarantees works, but ISO C has no cast for it: copy the bits. */
static int find_symbol(void *dl, const char *name, void *fn_out, size_t fn_size)
{
	void *sym;

	dlerror();
	sym = dlsym(dl, name);
	if (!sym || dlerror())
		return -1;
	memcpy(fn_out, &sym, fn_size);
	return 0;
}

struct plugin_entry_points {
	int (*version)(void);
	int (*init)(struct n2m_plugin *, const struct n2m_host_api *, void **);
	void (*cleanup)(void *);
};

static int resolve_entry_points(struct n2m_plugin *p, struct plugin_entry_points *ep, char *err,
				size_t errlen)
{
	char missing[160] = "";

	if (find_symbol(p->dl, "n2m_plugin_version", &ep->version, sizeof ep->version) != 0)
		strcat(missing, " n2m_plugin_version");
	if (find_symbol(p->dl, "n2m_plugin_init", &ep->init, sizeof ep->init) != 0)
		strcat(missing, " n2m_plugin_init");
	if (find_symbol(p->dl, "n2m_plugin_cleanup", &ep->cleanup, sizeof ep->cleanup) != 0)
		strcat(missing, " n2m_plugin_cleanup");
	if (missing[0]) {
		snprintf(err, errlen, "plugin %s (%s): missing symbol(s):%s; is it a navixy2mqtt plugin?",
			 p->name, p->path, missing);
		return -1;
	}
	return 0;
}

static int open_plugin(struct n2m_plugin *p, const struct n2m_plugin_config *pc,
		       const char *const *dirs, char *err, size_t errlen)
{
	char path[PATH_CAP], why[1200];

	if (pc->path && pc->path[0]) {
		/* dlopen searches the library path for a name without '/'. */
		snprintf(path, sizeof path, "%s%s", strchr(pc->path, '/') ? "" : "./", pc->path);
	} else if (n2m_plugin_find(pc->name, dirs, path, sizeof path, why, sizeof why) != 0) {
		snprintf(err, errlen, "plugin %s: %s", pc->name, why);
		return -1;
	}
	if (!(p->path = strdup(path))) {
		snprintf(err, errlen, "plugin %s: out of memory", pc->name);
		return -1;
	}
	p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl) {
		const char *e = dlerror();
		snprintf(err, errlen, "plugin %s: cannot load %s: %s", pc->name, path,
			 e ? e : "unknown error");
		return -1;
	}
	return 0;
}

static int init_plugin(struct n2m_plugin_host *h, struct n2m_plugin *p,
		       const struct plugin_entry_points *ep, char *err, size_t errlen)
{
	int version = ep->version();

	if (version != N2M_PLUGIN_API_VERSION) {
		snprintf(err, errlen, "plugin %s (%s) was built for plugin API version %d, "
			 "this bridge has version %d: rebuild it against this navixy2mqtt/plugin.h",
			 p->name, p->path, version, N2M_PLUGIN_API_VERSION);
		return -1;
	}
	p->cleanup = ep->cleanup;
	p->in_init = 1;
	int rc = ep->init(p, &h->api, &p->userdata);
	p->in_init = 0;
	if (rc != 0) {
		snprintf(err, errlen, "plugin %s: init failed (returned %d): %s", p->name, rc,
			 p->error[0] ? p->error : "no reason given");
		/* Its subscriptions were already handed to MQTT; harmless, the
		 * messages go nowhere. */
		memset(p->callbacks, 0, sizeof p->callbacks);
		return -1;
	}
	p->active = 1;
	return 0;
}

int n2m_plugin_host_load_one(struct n2m_plugin_host *h, const struct n2m_plugin_config *pc,
			     const char *const *dirs, char *err, size_t errlen)
{
	struct plugin_entry_points ep = { NULL, NULL, NULL };
	struct n2m_plugin *p = calloc(1, sizeof *p);
	struct n2m_plugin **grown;

	if (!pc || !pc->name || !pc->name[0]) {
		free(p);
		snprintf(err, errlen, "plugin without a name");
		return -1;
	}
	if (!p || !(p->name = strdup(pc->name))) {
		free(p);
		snprintf(err, errlen, "plugin %s: out of memory", pc->name);
		return -1;
	}
	p->host = h;
	p->required = pc->required;
	p->settings = pc->settings;
	grown = realloc(h->plugins, (h->n + 1) * sizeof *grown);
	if (!grown) {
		snprintf(err, errlen, "plugin %s: out of memory", pc->name);
		goto fail;
	}
	h->plugins = grown;
	if (open_plugin(p, pc, dirs, err, errlen) != 0 ||
	    resolve_entry_points(p, &ep, err, errlen) != 0 || init_plugin(h, p, &ep, err, errlen) != 0)
		goto fail;
	h->plugins[h->n++] = p;
	h->counters.loaded++;
	n2m_log(h->log, N2M_LOG_INFO, "plugin.loaded", "plugin=%s path=%s subscriptions=%zu",
		p->name, p->path, p->n_filters);
	return 0;
fail:
	h->counters.failed++;
	plugin_free(p);
	return -1;
}

int n2m_plugin_host_load(struct n2m_plugin_host *h, const struct n2m_plugin_config *plugins,
			 size_t n, const char *const *dirs, char *err, size_t errlen)
{
	char why[1500], quoted[1600];

	for (size_t i = 0; i < n; i++) {
		if (n2m_plugin_host_load_one(h, &plugins[i], dirs, why, sizeof why) == 0)
			continue;
		n2m_log(h->log, plugins[i].required ? N2M_LOG_ERROR : N2M_LOG_WARN, "plugin.failed",
			"plugin=%s required=%s error=%s", plugins[i].name ? plugins[i].name : "",
			plugins[i].required ? "yes" : "no", n2m_log_quote(quoted, sizeof quoted, why));
		if (plugins[i].required) {
			snprintf(err, errlen, "%s (the plugin is required)", why);
			return -1;
		}
	}
	return 0;
}

void n2m_plugin_host_free(struct n2m_plugin_host *h)
{
	/* Last loaded, first unloaded. */
	for (size_t i = h->n; i > 0; i--)
		plugin_free(h->plugins[i - 1]);
	free(h->plugins);
	free(h->base_topic);
	free(h->bridge_prefix);
	n2m_plugin_models_free(&h->models);
	n2m_plugin_trees_free(&h->trees);
	memset(h, 0, sizeof *h);
}

int n2m_plugin_host_wants(const struct n2m_plugin_host *h, int event)
{
	return event >= 1 && event <= N2M_EVT_MAX && (h->wanted & (1u << event));
}

void n2m_plugin_host_tracker_list(struct n2m_plugin_host *h, const struct nvx_tracker_list *list)
{
	if (h->n && n2m_plugin_models_set(&h->models, list) != 0)
		n2m_log(h->log, N2M_LOG_WARN, "plugin.models_failed", "reason=out_of_memory");
}

static void dispatch(struct n2m_plugin_host *h, int event, const void *data)
{
	for (size_t i = 0; i < h->n; i++) {
		struct n2m_plugin *p = h->plugins[i];
		if (p->callbacks[event]) {
			h->counters.events++;
			p->callbacks[event](event, data, p->userdata);
		}
	}
}

void n2m_plugin_host_tracker_updated(struct n2m_plugin_host *h, const struct n2m_tracker *tr,
				     uint32_t changed)
{
	struct n2m_plugin_view_buf buf;

	if (!tr || !n2m_plugin_host_wants(h, N2M_EVT_TRACKER_UPDATED))
		return;
	n2m_plugin_view_build(tr, &h->models, changed, &buf);
	dispatch(h, N2M_EVT_TRACKER_UPDATED, &buf.view);
}

void n2m_plugin_host_tracker_removed(struct n2m_plugin_host *h, const struct n2m_tracker *tr)
{
	struct n2m_plugin_view_buf buf;

	if (!tr || !n2m_plugin_host_wants(h, N2M_EVT_TRACKER_REMOVED))
		return;
	n2m_plugin_view_build(tr, &h->models, 0, &buf);
	dispatch(h, N2M_EVT_TRACKER_REMOVED, &buf.view);
}

void n2m_plugin_host_mqtt_connected(struct n2m_plugin_host *h)
{
	struct n2m_evt_connected ev = { sizeof ev, h->connected_before };

	h->connected_before = 1;
	if (n2m_plugin_host_wants(h, N2M_EVT_MQTT_CONNECTED))
		dispatch(h, N2M_EVT_MQTT_CONNECTED, &ev);
}

void n2m_plugin_host_message(struct n2m_plugin_host *h, const char *topic, const void *payload,
			     size_t len)
{
	struct n2m_evt_message ev = { sizeof ev, topic, payload ? payload : "", len };

	if (!topic || !n2m_plugin_host_wants(h, N2M_EVT_MESSAGE))
		return;
	for (size_t i = 0; i < h->n; i++) {
		struct n2m_plugin *p = h->plugins[i];
		if (!p->callbacks[N2M_EVT_MESSAGE])
			continue;
		for (size_t k = 0; k < p->n_filters; k++) {
			if (n2m_topic_filter_match(p->filters[k], topic)) {
				h->counters.events++;
				p->callbacks[N2M_EVT_MESSAGE](N2M_EVT_MESSAGE, &ev, p->userdata);
				break;
			}
		}
	}
}
