/* SPDX-License-Identifier: MIT */
/*
 * bridge_plugins.c - wiring the plugin host into the bridge (see
 * bridge_plugins.h): the host's MQTT I/O is the bridge's Paho client.
 */
#include "bridge_plugins.h"

#include "bridge_internal.h"

static int io_publish(void *ctx, const char *topic, const void *payload, size_t len, int qos,
		      int retain)
{
	struct bridge *b = ctx;

	switch (bridge_send(b, topic, payload, len, qos, retain)) {
	case N2M_MQTT_OK:
		return 0;
	case N2M_MQTT_OFFLINE:
		return -1;
	default:
		return -2;
	}
}

static int io_subscribe(void *ctx, const char *filter, int qos)
{
	struct bridge *b = ctx;

	return n2m_mqtt_add_subscription(&b->mqtt, filter, qos);
}

static int io_online(void *ctx)
{
	struct bridge *b = ctx;

	return n2m_mqtt_is_online(&b->mqtt);
}

int bridge_plugins_init(struct bridge *b, char *err, size_t errlen)
{
	const struct n2m_plugin_host_io io = { io_publish, io_subscribe, io_online, b };

	if (n2m_plugin_host_init(&b->plugins, b->cfg.mqtt.base_topic, &b->log, &b->trackers,
				 &io) != 0) {
		snprintf(err, errlen, "plugins: out of memory");
		return -1;
	}
	b->plugins.config_file = b->cfg.source_path;
	return n2m_plugin_host_load(&b->plugins, b->cfg.plugins, b->cfg.n_plugins, NULL, err,
				    errlen);
}

void bridge_plugins_free(struct bridge *b)
{
	n2m_plugin_host_free(&b->plugins);
}

void bridge_plugins_before_publication(struct bridge *b, const struct n2m_publication *p)
{
	n2m_plugin_host_before_publication(&b->plugins, p);
}

void bridge_plugins_after_publish(struct bridge *b)
{
	n2m_plugin_host_after_publish(&b->plugins, &b->pubs);
}

void bridge_plugins_mqtt_connected(struct bridge *b)
{
	n2m_plugin_host_mqtt_connected(&b->plugins);
}

void bridge_plugins_message(struct bridge *b, const struct n2m_mqtt_message *msg)
{
	n2m_plugin_host_message(&b->plugins, msg->topic, msg->payload, msg->len);
}

void bridge_plugins_tracker_list(struct bridge *b, const struct nvx_tracker_list *list)
{
	n2m_plugin_host_tracker_list(&b->plugins, list);
}
