/* SPDX-License-Identifier: MIT */
/*
 * bridge_plugins.h - the bridge's side of the plugin host: connects
 * struct bridge (its MQTT client, tracker table, config) to plugin_host.
 * Each function is one hook the bridge calls; all run on the loop thread.
 */
#ifndef N2M_BRIDGE_PLUGINS_H
#define N2M_BRIDGE_PLUGINS_H

#include <stddef.h>

#include "mqtt_client.h"
#include "navixy_rest.h"

struct bridge;

/* Loads the configured plugins (after the MQTT client is initialised and
 * before it starts: plugins subscribe during init). -1 with err only when
 * a required plugin failed. */
int bridge_plugins_init(struct bridge *b, char *err, size_t errlen);
/* Before the MQTT client is freed: plugins may publish in cleanup. */
void bridge_plugins_free(struct bridge *b);

struct n2m_publication;

/* bridge_publish_pending, before sending each publication of b->pubs. */
void bridge_plugins_before_publication(struct bridge *b, const struct n2m_publication *p);
/* bridge_publish_pending, after sending b->pubs and before clearing it. */
void bridge_plugins_after_publish(struct bridge *b);
/* After every MQTT connect, once the bridge's own topics are out. */
void bridge_plugins_mqtt_connected(struct bridge *b);
/* Every received MQTT message (plugins get those matching their filters). */
void bridge_plugins_message(struct bridge *b, const struct n2m_mqtt_message *msg);
/* A tracker/list answer, before it is applied. */
void bridge_plugins_tracker_list(struct bridge *b, const struct nvx_tracker_list *list);

#endif
