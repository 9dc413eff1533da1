/* SPDX-License-Identifier: MIT */
/*
 * sim_subs.h - one connection's subscriptions: per event type a coverage
 * (target all, or a set of tracker indexes), its options, and the coalescing
 * state (dirty trackers, next allowed batch time, fleet seq at the last
 * batch). Pure: the caller passes the clock and the fleet seq in.
 *
 * Merge rule: a second subscribe to the same type adds its targets (union);
 * the latest rate_limit / format / sensor filter win.
 */
#ifndef SIM_SUBS_H
#define SIM_SUBS_H

#include <stddef.h>
#include <stdint.h>

#include "sim_request.h"

struct sim_bitmap {
	uint64_t *w;
	size_t nwords;
};

int bm_set(struct sim_bitmap *b, size_t i);
int bm_get(const struct sim_bitmap *b, size_t i);
void bm_clear(struct sim_bitmap *b, size_t i);
void bm_free(struct sim_bitmap *b);

struct sim_sub {
	int active;
	int all;                  /* covers every tracker, also ones added later */
	struct sim_bitmap sel;    /* covered tracker indexes when !all */
	long rate_ms;             /* minimum gap between batches; 0 = every tick */
	int compact;
	struct sim_rd_filter flt;
	struct sim_bitmap dirty;  /* trackers waiting for the next batch */
	uint32_t *dirty_list;
	size_t n_dirty, cap_dirty;
	uint32_t emitted_seq;     /* fleet seq when the last batch was built */
	int64_t next_ms;          /* earliest time of the next batch */
};

struct sim_subs {
	struct sim_sub s[EV_COUNT];
};

void subs_init(struct sim_subs *ss);
void subs_free(struct sim_subs *ss);

int subs_covers(const struct sim_sub *s, size_t idx);
/* lifecycle auto-subscription: covered by state, state_batch or readings_batch */
int subs_lifecycle_covers(const struct sim_subs *ss, size_t idx);
/* logout auto-subscription: any active subscription */
int subs_any(const struct sim_subs *ss);

/* Subscribe: merge item into its type's subscription. idx_of maps a tracker
 * id to an index (-1 if not in the fleet). seq is the current fleet seq.
 * Returns 0 or -1 (memory). */
int subs_add(struct sim_subs *ss, const struct sim_req_item *it,
	     long (*idx_of)(void *ctx, uint32_t id), void *ctx, size_t n_trackers,
	     uint32_t seq);
/* Unsubscribe: target all drops the type; selected removes those trackers
 * (an "all" subscription becomes the explicit set minus them). */
void subs_remove(struct sim_subs *ss, const struct sim_req_item *it,
		 long (*idx_of)(void *ctx, uint32_t id), void *ctx, size_t n_trackers);

/* Notes that tracker idx changed; marks it dirty if covered. */
void subs_mark(struct sim_sub *s, size_t idx);
/* True if a batch may be sent now: something dirty and the window passed. */
int subs_due(const struct sim_sub *s, int64_t now_ms);
/* Takes the dirty trackers for a batch: returns their count, *list points at
 * them until the next subs_mark; *since gets the seq of the previous batch.
 * Starts the next window (now + rate) and records seq. */
size_t subs_take(struct sim_sub *s, int64_t now_ms, uint32_t seq, const uint32_t **list,
		 uint32_t *since);
/* Starts a window after a snapshot, without taking the dirty set. */
void subs_snapshot_sent(struct sim_sub *s, int64_t now_ms);

#endif
