/* SPDX-License-Identifier: MIT */
/*
 * seed_store.h - what the broker already holds, for a hot standby taking
 * over (standby.h): retained topic -> digest of its payload
 * (retained_digest.h). The first publication of a topic after takeover is
 * skipped when it would send the same payload again, so consumers see no
 * retained churn.
 * Pure data structure (open addressing, tombstones); no I/O.
 */
#ifndef N2M_SEED_STORE_H
#define N2M_SEED_STORE_H

#include <stddef.h>
#include <stdint.h>

struct n2m_seed;

struct n2m_seed_store {
	struct n2m_seed *slots;
	size_t cap, used;  /* used counts live entries and tombstones */
	size_t n;          /* live entries */
};

void n2m_seed_store_init(struct n2m_seed_store *s);
void n2m_seed_store_free(struct n2m_seed_store *s);

/* Records (or replaces) topic's payload; an empty payload (a cleared
 * retained topic) removes it. 0, or -1 on no memory. */
int n2m_seed_store_put(struct n2m_seed_store *s, const char *topic, const void *payload,
		       size_t len);

/* Removes topic's entry; returns 1 if it held the same payload by
 * n2m_retained_digest (the publication can be skipped), else 0. */
int n2m_seed_store_take(struct n2m_seed_store *s, const char *topic, const void *payload,
			size_t len);

#endif
