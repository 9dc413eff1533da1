/* SPDX-License-Identifier: MIT */
/*
 * tp_plugin.c - test plugins for the plugin host, one source for several
 * behaviours (TP_GOOD, TP_VERSION, TP_NOSYM, TP_INITFAIL):
 *   good     reads options (greeting, count, flag, ratio; unknown keys
 *            refused), subscribes to test/in/#, registers every event and
 *            reports each one by publishing on test/out/...; exports
 *            tp_publish() so a test can make arbitrary (bad) publish calls
 *   version  declares plugin API version 999
 *   nosym    defines n2m_plugin_version only
 *   initfail init fails with a reason
 */
#include <stdio.h>
#include <string.h>

#include "navixy2mqtt/plugin.h"

#if defined(TP_VERSION)
N2M_PLUGIN_EXPORT int n2m_plugin_version(void)
{
	return 999;
}
#else
N2M_PLUGIN_EXPORT int n2m_plugin_version(void)
{
	return N2M_PLUGIN_API_VERSION;
}
#endif

#if !defined(TP_NOSYM)

/* Test plugins are loaded once per process: a file-scope handle is fine
 * here, and lets the test drive publish calls through tp_publish. */
static struct n2m_plugin *tp_self;
static const struct n2m_host_api *tp_host;
static char tp_options_seen[256];

/* The options init read: "greeting|count|flag|ratio|number of keys". */
N2M_PLUGIN_EXPORT const char *tp_options(void)
{
	return tp_options_seen;
}

N2M_PLUGIN_EXPORT int tp_publish(const char *topic, const void *payload, size_t len, int qos,
				 int retain)
{
	return tp_host->publish(tp_self, topic, payload, len, qos, retain);
}

N2M_PLUGIN_EXPORT int tp_subscribe(const char *filter)
{
	return tp_host->subscribe(tp_self, filter, 0);
}

static void report(const char *what, const char *text)
{
	char topic[128];

	snprintf(topic, sizeof topic, "test/out/%s", what);
	tp_host->publish(tp_self, topic, text, strlen(text), 0, 0);
}

static int on_event(int event, const void *data, void *userdata)
{
	char text[512];

	(void)userdata;
	if (event == N2M_EVT_TRACKER_UPDATED || event == N2M_EVT_TRACKER_REMOVED) {
		const struct n2m_tracker_view *t = data;
		snprintf(text, sizeof text, "%lld|%s|%s|%s|%u|%.6f|%d|%s|%d|%.0f|%.0f",
			 (long long)t->id, t->label, t->topic_id, t->model, t->changed, t->latitude,
			 t->availability, t->movement_status,
			 (t->has & N2M_HAS_IGNITION) ? t->ignition : -1, t->battery_level, t->gsm_signal);
		report(event == N2M_EVT_TRACKER_UPDATED ? "updated" : "removed", text);
	} else if (event == N2M_EVT_MQTT_CONNECTED) {
		const struct n2m_evt_connected *c = data;
		snprintf(text, sizeof text, "%d", c->reconnect);
		report("connected", text);
	} else if (event == N2M_EVT_MESSAGE) {
		const struct n2m_evt_message *m = data;
		snprintf(text, sizeof text, "%s=%.*s", m->topic, (int)m->len, (const char *)m->payload);
		report("message", text);
	}
	return 0;
}

static int tp_count_visitor(const struct n2m_tracker_view *t, void *arg)
{
	(void)t;
	++*(int *)arg;
	return 0;
}

N2M_PLUGIN_EXPORT int tp_count_trackers(void)
{
	int n = 0;

	return tp_host->foreach_tracker(tp_self, tp_count_visitor, &n) == n ? n : -1;
}

N2M_PLUGIN_EXPORT int n2m_plugin_init(struct n2m_plugin *self, const struct n2m_host_api *host,
				      void **userdata)
{
	static const char *const known[] = { "greeting", "count", "flag", "ratio", NULL };
	const char *greeting;
	long long count;
	int flag;
	double ratio;

	tp_self = self;
	tp_host = host;
#if defined(TP_INITFAIL)
	host->set_error(self, "no backend configured");
	(void)known; (void)greeting; (void)count; (void)flag; (void)ratio; (void)userdata;
	(void)on_event;
	return -1;
#else
	if (host->opt_check_known(self, known) != 0 ||
	    host->opt_string(self, "greeting", "hello", &greeting) != 0 ||
	    host->opt_int(self, "count", 3, &count) != 0 ||
	    host->opt_bool(self, "flag", 0, &flag) != 0 ||
	    host->opt_double(self, "ratio", 0.5, &ratio) != 0)
		return -1;
	snprintf(tp_options_seen, sizeof tp_options_seen, "%s|%lld|%d|%.2f|%zu", greeting, count,
		 flag, ratio, host->opt_count(self));
	*userdata = tp_options_seen;
	if (host->subscribe(self, "test/in/#", 1) != N2M_PLUGIN_OK)
		return -1;
	for (int ev = N2M_EVT_TRACKER_UPDATED; ev <= N2M_EVT_MESSAGE; ev++)
		host->callback_register(self, ev, on_event);
	return 0;
#endif
}

N2M_PLUGIN_EXPORT void n2m_plugin_cleanup(void *userdata)
{
	(void)userdata;
}

#endif
