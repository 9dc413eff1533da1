/* SPDX-License-Identifier: MIT */
/*
 * retained_digest.h - when a retained payload the broker holds counts as
 * the same as one the bridge is about to publish (hot standby takeover,
 * seed_store.h).
 *
 * Byte equality, with one exception: a tracker's readings payload carries a
 * top-level "timestamp", the time Navixy sent the readings event. Every
 * snapshot after a (re)subscription has a new one while the readings
 * themselves are unchanged, so an instance taking over would otherwise
 * republish every tracker's readings once. The digest leaves that member's
 * value out. Pure; no I/O.
 */
#ifndef N2M_RETAINED_DIGEST_H
#define N2M_RETAINED_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct n2m_retained_digest {
	uint64_t hash;
	size_t len; /* bytes hashed */
};

/* The digest of payload as retained on topic: readings topics (ending in
 * "/readings") skip the value of a top-level "timestamp" member when the
 * payload is canonical JSON; everything else is hashed whole. */
struct n2m_retained_digest n2m_retained_digest(const char *topic, const void *payload, size_t len);

#endif
