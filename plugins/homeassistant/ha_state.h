/* SPDX-License-Identifier: MIT */
/*
 * ha_state.h - what the Home Assistant plugin has announced: per tracker,
 * each discovery config topic with the hash of its payload, so unchanged
 * configs are not sent again, vanished ones are cleared, and a removed
 * tracker's configs can all be cleared. Chained hash table by tracker id.
 */
#ifndef N2M_HA_STATE_H
#define N2M_HA_STATE_H

#include <stddef.h>
#include <stdint.h>

struct ha_entry {
	char *topic;
	uint64_t hash;      /* of the payload the broker holds; 0 = unknown */
	int seen;           /* scratch for a sync */
};

struct ha_tracker_rec {
	int64_t id;
	char *signature;    /* label, topic id, model, device id at the last render */
	struct ha_entry *entries;
	size_t n, cap;
	struct ha_tracker_rec *next;
};

struct ha_state {
	struct ha_tracker_rec **buckets;
	size_t n_buckets, count;
};

uint64_t ha_hash(const char *s);

/* The record for id; with create, added if absent (NULL on no memory). */
struct ha_tracker_rec *ha_state_get(struct ha_state *s, int64_t id, int create);
/* Removes and frees id's record. */
void ha_state_remove(struct ha_state *s, int64_t id);
void ha_state_free(struct ha_state *s);

/* The entry for topic in rec; with create, added (hash 0) if absent. */
struct ha_entry *ha_rec_entry(struct ha_tracker_rec *rec, const char *topic, int create);
/* Drops entry i (order not kept). */
void ha_rec_drop(struct ha_tracker_rec *rec, size_t i);

#endif
