/* SPDX-License-Identifier: MIT */
/*
 * standby.h - hot standby's decision (docs/scale-out.md): when
 * an instance watching its peer's <base>/bridge/<peer>/state takes over.
 * Pure logic; the MQTT side is bridge_standby.c.
 *
 * A pair: two instances with the same shard, each naming the other in
 * bridge.standby_for. Both start passive and publish "standby" on their own
 * state topic; the active one publishes "online"; the last will is
 * "offline". A passive instance:
 *   - never takes over while the peer reads "online";
 *   - takes over when the peer reads "offline" or nothing (never ran, or
 *     not delivered yet) for takeover_s, twice that for the instance whose
 *     name sorts after the peer's, so in a cold start of both the first
 *     name becomes active and the second sees its "online" first;
 *   - takes over from a peer that reads "standby" only if its own name
 *     sorts first (the tie-break of a cold start).
 * The clock is the time the peer entered its current state, as this
 * instance saw it; a lost broker connection restarts it (we cannot see
 * the peer, so we must not take over on stale knowledge).
 */
#ifndef N2M_STANDBY_H
#define N2M_STANDBY_H

#include <stddef.h>
#include <time.h>

enum n2m_peer_state {
	N2M_PEER_UNKNOWN = 0, /* nothing received (no retained state) */
	N2M_PEER_ONLINE,      /* "online": the peer is active */
	N2M_PEER_STANDBY,     /* "standby": the peer is passive too */
	N2M_PEER_OFFLINE,     /* "offline" (last will or clean stop), or anything else */
};

struct n2m_standby {
	int takeover_s;
	int yields;                 /* this name sorts after the peer's */
	enum n2m_peer_state peer;
	time_t since;               /* when peer entered its state (or watching restarted) */
};

/* The state topic's payload as a peer state; an empty payload (a cleared
 * retained topic) is UNKNOWN. */
enum n2m_peer_state n2m_peer_state_parse(const void *payload, size_t len);

void n2m_standby_init(struct n2m_standby *s, const char *self, const char *peer, int takeover_s,
		      time_t now);

/* A state message from the peer; the clock restarts only on a change. */
void n2m_standby_peer(struct n2m_standby *s, enum n2m_peer_state st, time_t now);

/* The broker connection was lost or made again: what we knew is stale. */
void n2m_standby_restart(struct n2m_standby *s, time_t now);

/* True when this passive instance must become active now. */
int n2m_standby_should_take_over(const struct n2m_standby *s, time_t now);

#endif
