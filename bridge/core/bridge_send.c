/* SPDX-License-Identifier: MIT */
/*
 * bridge_send.c - one MQTT publication sent and its result counted, the
 * same way for every sender in core/ (tracker publications, the bridge
 * topics, bridge/health, queued events, reload clears, plugins): a
 * publication that reached the client is one of `publishes`, one the client
 * refused is one of `publish_failures`. OFFLINE (the broker is away) is
 * counted by nobody here: it goes back to the caller, which queues it,
 * leaves it to the resync (`publish_deferred`) or drops it.
 * The control plane's answers are not counted here: they have their own
 * counter (control.responses, bridge_control_reply.c).
 */
#include "bridge_internal.h"

enum n2m_mqtt_publish_result bridge_send(struct bridge *b, const char *topic, const void *payload,
					 size_t len, int qos, int retain)
{
	enum n2m_mqtt_publish_result rc = n2m_mqtt_publish(&b->mqtt, topic, payload, len, qos,
							   retain);

	if (rc == N2M_MQTT_OK)
		b->counters.publishes++;
	else if (rc != N2M_MQTT_OFFLINE)
		b->counters.publish_failures++;
	return rc;
}
