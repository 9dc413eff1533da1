/* SPDX-License-Identifier: MIT */
/*
 * bridge_standby.h - hot standby glue (docs/scale-out.md, "Hot standby"; the decision is standby.h,
 * the record of retained payloads seed_store.h). With bridge.standby_for
 * set, the instance starts passive: MQTT only, "standby" on its own state
 * topic, watching <base>/bridge/<peer>/state and recording the retained
 * tracker topics the broker holds. When the decision says so it becomes
 * active: "online", upstream started; a publication that would repeat what
 * the broker already holds for that topic is skipped once.
 */
#ifndef N2M_BRIDGE_STANDBY_H
#define N2M_BRIDGE_STANDBY_H

#include <stddef.h>
#include <time.h>

#include "seed_store.h"
#include "standby.h"

struct bridge;
struct n2m_mqtt_message;
struct n2m_publication;

struct n2m_bridge_standby {
	int enabled;               /* bridge.standby_for is set */
	int passive;               /* not taken over yet */
	struct n2m_standby decision;
	struct n2m_seed_store seeds;
	char *peer_topic;          /* <base>/bridge/<peer>/state */
	char *tracker_prefix;      /* <base>/tracker/ */
};

/* After the MQTT client exists, before it starts. 0, or -1 with err. */
int bridge_standby_init(struct bridge *b, char *err, size_t errlen);
void bridge_standby_free(struct bridge *b);

int bridge_standby_passive(const struct bridge *b);

/* A received message the standby consumes (peer state, retained tracker
 * topics); 1 if it did. */
int bridge_standby_message(struct bridge *b, const struct n2m_mqtt_message *msg);

/* From the loop's tick: takes over when the decision says so (online,
 * upstream started) and returns 1, so the dispatch publishes bridge/info;
 * else 0. */
int bridge_standby_tick(struct bridge *b, time_t now);

/* 1 if p repeats what the broker held at takeover: skip sending it. */
int bridge_standby_skip(struct bridge *b, const struct n2m_publication *p);

#endif
