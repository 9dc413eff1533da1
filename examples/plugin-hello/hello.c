/* SPDX-License-Identifier: MIT */
/*
 * hello.c - a minimal navixy2mqtt plugin, built outside the tree from the
 * public header alone (see Makefile):
 *
 *   make NAVIXY2MQTT_INCLUDE=/path/to/navixy2mqtt/include
 *
 * For every tracker update it publishes "<label> is at <lat>,<lon>" on
 * <prefix>/<tracker id> (retained), and clears that topic when the tracker
 * is removed. One option: prefix (default "hello").
 *
 *   plugins = ( { name = "hello"; path = "/path/to/hello.so";
 *                 settings = { prefix = "hello"; }; } );
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "navixy2mqtt/plugin.h"

struct hello {
	struct n2m_plugin *self;
	const struct n2m_host_api *host;
	char prefix[128];
};

N2M_PLUGIN_EXPORT int n2m_plugin_version(void)
{
	return N2M_PLUGIN_API_VERSION;
}

static int on_event(int event, const void *data, void *userdata)
{
	struct hello *h = userdata;
	const struct n2m_tracker_view *t = data;
	char topic[256], text[256];
	int n = 0;

	snprintf(topic, sizeof topic, "%s/%lld", h->prefix, (long long)t->id);
	if (event == N2M_EVT_TRACKER_UPDATED && (t->has & N2M_HAS_LATITUDE))
		n = snprintf(text, sizeof text, "%s is at %.6f,%.6f", t->label, t->latitude,
			     t->longitude);
	else if (event != N2M_EVT_TRACKER_REMOVED)
		return 0;
	/* n == 0 on removal: an empty retained payload clears the topic. */
	h->host->publish(h->self, topic, text, n > 0 ? (size_t)n : 0, 1, 1);
	return 0;
}

N2M_PLUGIN_EXPORT int n2m_plugin_init(struct n2m_plugin *self, const struct n2m_host_api *host,
				      void **userdata)
{
	static const char *const known[] = { "prefix", NULL };
	const char *prefix;
	struct hello *h;

	if (host->opt_check_known(self, known) != 0 ||
	    host->opt_string(self, "prefix", "hello", &prefix) != 0)
		return -1; /* the host has logged which option is wrong */
	if (!prefix[0] || strlen(prefix) >= sizeof h->prefix) {
		host->set_error(self, "settings.prefix: 1 to 127 characters");
		return -1;
	}
	h = calloc(1, sizeof *h);
	if (!h) {
		host->set_error(self, "out of memory");
		return -1;
	}
	h->self = self;
	h->host = host;
	snprintf(h->prefix, sizeof h->prefix, "%s", prefix);
	host->callback_register(self, N2M_EVT_TRACKER_UPDATED, on_event);
	host->callback_register(self, N2M_EVT_TRACKER_REMOVED, on_event);
	host->log(self, N2M_PLUGIN_LOG_INFO, "hello from a plugin built for API %d (bridge %s)",
		  N2M_PLUGIN_API_VERSION, host->bridge_version);
	*userdata = h;
	return 0;
}

N2M_PLUGIN_EXPORT void n2m_plugin_cleanup(void *userdata)
{
	free(userdata);
}
