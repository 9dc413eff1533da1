/* SPDX-License-Identifier: MIT */
/*
 * bridge_standby.c - hot standby glue (bridge_standby.h).
 */
#include "bridge_standby.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"
#include "topic.h"

static const char *const seeded_classes[] = { "state", "location", "availability", "readings" };

static char *joined(const char *base, const char *rest)
{
	size_t n = strlen(base) + strlen(rest) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s", base, rest);
	return s;
}

/* Subscriptions made again after every connect by the MQTT client. */
static int add_subscriptions(struct bridge *b)
{
	struct n2m_bridge_standby *s = &b->standby;
	char filter[512];

	if (n2m_mqtt_add_subscription(&b->mqtt, s->peer_topic, 1) != 0)
		return -1;
	for (size_t i = 0; i < sizeof seeded_classes / sizeof seeded_classes[0]; i++) {
		snprintf(filter, sizeof filter, "%s+/%s", s->tracker_prefix, seeded_classes[i]);
		if (n2m_mqtt_add_subscription(&b->mqtt, filter, 1) != 0)
			return -1;
	}
	return 0;
}

int bridge_standby_init(struct bridge *b, char *err, size_t errlen)
{
	struct n2m_bridge_standby *s = &b->standby;
	const char *peer = b->cfg.bridge.standby_for;
	const char *self = b->scale.instance;
	char topic[512], level[600];

	n2m_seed_store_init(&s->seeds);
	if (!peer[0])
		return 0;
	if (!self || !self[0] || strcmp(self, peer) == 0) {
		snprintf(err, errlen, "bridge.standby_for needs bridge.instance set and different "
			 "from the peer's name");
		return -1;
	}
	snprintf(level, sizeof level, "%s/state", peer);
	if (n2m_topic_bridge(topic, sizeof topic, b->cfg.mqtt.base_topic, level) < 0) {
		snprintf(err, errlen, "bridge.standby_for: topic too long");
		return -1;
	}
	s->peer_topic = strdup(topic);
	s->tracker_prefix = joined(b->cfg.mqtt.base_topic, "/tracker/");
	if (!s->peer_topic || !s->tracker_prefix || add_subscriptions(b) != 0) {
		snprintf(err, errlen, "hot standby: out of memory or too many subscriptions");
		return -1;
	}
	s->enabled = 1;
	s->passive = 1;
	n2m_standby_init(&s->decision, self, peer, b->cfg.bridge.takeover_s, time(NULL));
	n2m_mqtt_set_presence(&b->mqtt, "standby");
	n2m_log(&b->log, N2M_LOG_INFO, "standby.passive", "peer=%s takeover_s=%d", peer,
		b->cfg.bridge.takeover_s);
	return 0;
}

void bridge_standby_free(struct bridge *b)
{
	struct n2m_bridge_standby *s = &b->standby;

	n2m_seed_store_free(&s->seeds);
	free(s->peer_topic);
	free(s->tracker_prefix);
	memset(s, 0, sizeof *s);
}

int bridge_standby_passive(const struct bridge *b)
{
	return b->standby.enabled && b->standby.passive;
}

int bridge_standby_message(struct bridge *b, const struct n2m_mqtt_message *msg)
{
	struct n2m_bridge_standby *s = &b->standby;

	if (!s->enabled)
		return 0;
	if (strcmp(msg->topic, s->peer_topic) == 0) {
		if (s->passive)
			n2m_standby_peer(&s->decision, n2m_peer_state_parse(msg->payload, msg->len),
					 time(NULL));
		return 1;
	}
	if (strncmp(msg->topic, s->tracker_prefix, strlen(s->tracker_prefix)) != 0)
		return 0;
	/* Once active these are our own publications coming back: ignored. */
	if (s->passive && n2m_seed_store_put(&s->seeds, msg->topic, msg->payload, msg->len) != 0)
		n2m_log(&b->log, N2M_LOG_WARN, "standby.seed_failed", "reason=\"out of memory\"");
	return 1;
}

static void take_over(struct bridge *b)
{
	struct n2m_bridge_standby *s = &b->standby;

	s->passive = 0;
	n2m_log(&b->log, N2M_LOG_WARN, "standby.takeover", "peer=%s peer_state=%d seeded=%zu",
		b->cfg.bridge.standby_for, (int)s->decision.peer, s->seeds.n);
	n2m_mqtt_set_presence(&b->mqtt, "online");
	n2m_upstream_start(&b->upstream);
}

int bridge_standby_tick(struct bridge *b, time_t now)
{
	struct n2m_bridge_standby *s = &b->standby;

	if (!bridge_standby_passive(b))
		return 0;
	if (!n2m_mqtt_is_online(&b->mqtt)) {
		/* Blind: what we knew of the peer is stale. */
		n2m_standby_restart(&s->decision, now);
		return 0;
	}
	if (!n2m_standby_should_take_over(&s->decision, now))
		return 0;
	take_over(b);
	return 1;
}

int bridge_standby_skip(struct bridge *b, const struct n2m_publication *p)
{
	struct n2m_seed_store *seeds = &b->standby.seeds;

	if (!seeds->n || !p->retain)
		return 0;
	if (p->clearing) {
		n2m_seed_store_put(seeds, p->topic, "", 0);
		return 0;
	}
	return n2m_seed_store_take(seeds, p->topic, p->payload, p->payload_len);
}
