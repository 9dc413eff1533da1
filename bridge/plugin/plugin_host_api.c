/* SPDX-License-Identifier: MIT */
/*
 * plugin_host_api.c - the functions plugins call (struct n2m_host_api).
 * Every argument is checked before use: a plugin's bad call is refused,
 * logged (the first few per plugin) and counted; it never reaches MQTT and
 * never crashes the bridge.
 */
#include "plugin_host_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_throttle.h"
#include "topic.h"
#include "topic_filter.h"

/* The handle is the only thing we can't check beyond NULL: it is what we
 * gave the plugin. */
static int reject(struct n2m_plugin *p, int rc, const char *call, const char *why)
{
	if (!p)
		return rc;
	p->rejected++;
	p->host->counters.rejected_calls++;
	if (n2m_log_sampled(p->rejected))
		n2m_log(p->host->log, N2M_LOG_WARN, "plugin.call_rejected",
			"plugin=%s call=%s count=%llu reason=\"%s\"", p->name, call,
			(unsigned long long)p->rejected, why);
	return rc;
}

static const char *api_plugin_name(const struct n2m_plugin *self)
{
	return self ? self->name : "";
}

static const char *api_base_topic(const struct n2m_plugin *self)
{
	return self ? self->host->base_topic : "";
}

static void api_log(struct n2m_plugin *self, int level, const char *fmt, ...)
{
	char text[1024], quoted[1100];
	va_list ap;

	if (!self || !fmt)
		return;
	if (level < N2M_PLUGIN_LOG_ERROR)
		level = N2M_PLUGIN_LOG_ERROR;
	if (level > N2M_PLUGIN_LOG_DEBUG)
		level = N2M_PLUGIN_LOG_DEBUG;
	if (!n2m_log_enabled(self->host->log, (enum n2m_log_level)level))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	n2m_log(self->host->log, (enum n2m_log_level)level, "plugin.log", "plugin=%s message=%s",
		self->name, n2m_log_quote(quoted, sizeof quoted, text));
}

static void api_set_error(struct n2m_plugin *self, const char *fmt, ...)
{
	va_list ap;

	if (!self || !fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(self->error, sizeof self->error, fmt, ap);
	va_end(ap);
}

static int api_callback_register(struct n2m_plugin *self, int event, n2m_plugin_callback cb)
{
	if (!self)
		return N2M_PLUGIN_EINVAL;
	if (event < 1 || event > N2M_EVT_MAX)
		return reject(self, N2M_PLUGIN_EINVAL, "callback_register", "unknown event");
	self->callbacks[event] = cb;
	if (cb)
		self->host->wanted |= 1u << event;
	return N2M_PLUGIN_OK;
}

static int api_publish(struct n2m_plugin *self, const char *topic, const void *payload, size_t len,
		       int qos, int retain)
{
	char why[160];
	struct n2m_plugin_host *h;

	if (!self)
		return N2M_PLUGIN_EINVAL;
	h = self->host;
	if (!topic)
		return reject(self, N2M_PLUGIN_EINVAL, "publish", "topic is NULL");
	if (n2m_topic_validate_publish(topic, strlen(topic), why, sizeof why) != 0)
		return reject(self, N2M_PLUGIN_EINVAL, "publish", why);
	if (strncmp(topic, h->bridge_prefix, strlen(h->bridge_prefix)) == 0)
		return reject(self, N2M_PLUGIN_EINVAL, "publish",
			      "the bridge's own topics (<base>/bridge/...) are not for plugins");
	if (!payload && len)
		return reject(self, N2M_PLUGIN_EINVAL, "publish", "payload is NULL with a length");
	if (len > N2M_PLUGIN_PAYLOAD_MAX)
		return reject(self, N2M_PLUGIN_EINVAL, "publish", "payload larger than 1 MiB");
	if (qos < 0 || qos > 2)
		return reject(self, N2M_PLUGIN_EINVAL, "publish", "qos must be 0, 1 or 2");
	if (retain != 0 && retain != 1)
		return reject(self, N2M_PLUGIN_EINVAL, "publish", "retain must be 0 or 1");
	/* Its tree, so no control request can direct a response there. */
	n2m_plugin_trees_learn(&h->trees, topic, self->name);
	if (!h->io.publish)
		return N2M_PLUGIN_EOFFLINE;
	int rc = h->io.publish(h->io.ctx, topic, payload ? payload : "", len, qos, retain);
	if (rc == 0) {
		self->published++;
		h->counters.publishes++;
		return N2M_PLUGIN_OK;
	}
	return rc == -1 ? N2M_PLUGIN_EOFFLINE : N2M_PLUGIN_EFAILED;
}

static int api_subscribe(struct n2m_plugin *self, const char *filter, int qos)
{
	char why[160];
	struct n2m_plugin_host *h;

	if (!self)
		return N2M_PLUGIN_EINVAL;
	h = self->host;
	if (!self->in_init)
		return reject(self, N2M_PLUGIN_ESTATE, "subscribe", "only allowed during n2m_plugin_init");
	if (!filter)
		return reject(self, N2M_PLUGIN_EINVAL, "subscribe", "filter is NULL");
	if (n2m_topic_filter_validate(filter, strlen(filter), why, sizeof why) != 0)
		return reject(self, N2M_PLUGIN_EINVAL, "subscribe", why);
	if (qos < 0 || qos > 2)
		return reject(self, N2M_PLUGIN_EINVAL, "subscribe", "qos must be 0, 1 or 2");
	if (self->n_filters >= N2M_PLUGIN_MAX_SUBSCRIPTIONS)
		return reject(self, N2M_PLUGIN_EINVAL, "subscribe", "too many subscriptions");
	char *copy = strdup(filter);
	if (!copy)
		return N2M_PLUGIN_ENOMEM;
	if (h->io.subscribe && h->io.subscribe(h->io.ctx, filter, qos) != 0) {
		free(copy);
		return reject(self, N2M_PLUGIN_EFAILED, "subscribe",
			      "the MQTT client cannot take another subscription");
	}
	self->filters[self->n_filters++] = copy;
	n2m_plugin_trees_learn(&h->trees, filter, self->name);
	return N2M_PLUGIN_OK;
}

static int api_topic_tree(struct n2m_plugin *self, const char *prefix)
{
	char why[160];

	if (!self)
		return N2M_PLUGIN_EINVAL;
	if (!prefix || !*prefix)
		return reject(self, N2M_PLUGIN_EINVAL, "topic_tree", "prefix is NULL or empty");
	if (n2m_topic_validate_publish(prefix, strlen(prefix), why, sizeof why) != 0)
		return reject(self, N2M_PLUGIN_EINVAL, "topic_tree", why);
	if (n2m_plugin_trees_add(&self->host->trees, prefix, strlen(prefix), self->name) != 0)
		return reject(self, N2M_PLUGIN_EINVAL, "topic_tree",
			      "not a tree (\"/\" only) or too many trees");
	return N2M_PLUGIN_OK;
}

static int api_mqtt_online(const struct n2m_plugin *self)
{
	if (!self || !self->host->io.online)
		return 0;
	return self->host->io.online(self->host->io.ctx) ? 1 : 0;
}

static int api_foreach_tracker(struct n2m_plugin *self, n2m_tracker_visitor visit, void *arg)
{
	const struct n2m_tracker_table *t;
	struct n2m_plugin_view_buf buf;
	int count = 0;

	if (!self)
		return N2M_PLUGIN_EINVAL;
	if (!visit)
		return reject(self, N2M_PLUGIN_EINVAL, "foreach_tracker", "visitor is NULL");
	t = self->host->trackers;
	if (!t)
		return 0;
	/* The table does not change during the loop: plugins cannot modify it. */
	for (size_t i = 0; i < n2m_tracker_table_count(t); i++) {
		n2m_plugin_view_build(n2m_tracker_table_at(t, i), &self->host->models, 0, &buf);
		count++;
		if (visit(&buf.view, arg))
			break;
	}
	return count;
}

void n2m_plugin_host_api_fill(struct n2m_host_api *api)
{
	memset(api, 0, sizeof *api);
	api->struct_size = sizeof *api;
	api->api_version = N2M_PLUGIN_API_VERSION;
	api->bridge_version = N2M_VERSION;
	api->plugin_name = api_plugin_name;
	api->base_topic = api_base_topic;
	api->opt_string = n2m_plugin_opt_string;
	api->opt_int = n2m_plugin_opt_int;
	api->opt_bool = n2m_plugin_opt_bool;
	api->opt_double = n2m_plugin_opt_double;
	api->opt_count = n2m_plugin_opt_count;
	api->opt_key = n2m_plugin_opt_key;
	api->opt_check_known = n2m_plugin_opt_check_known;
	api->log = api_log;
	api->set_error = api_set_error;
	api->callback_register = api_callback_register;
	api->publish = api_publish;
	api->subscribe = api_subscribe;
	api->mqtt_online = api_mqtt_online;
	api->foreach_tracker = api_foreach_tracker;
	api->topic_tree = api_topic_tree;
}
