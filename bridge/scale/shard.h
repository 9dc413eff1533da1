/* SPDX-License-Identifier: MIT */
/*
 * shard.h - which trackers an instance owns when the fleet is split across
 * several bridges (bridge.shard = "k/n"), without I/O.
 *
 * An instance with shard k/n owns the trackers whose id modulo n is k. It
 * keeps only those in its tracker table and asks Navixy only for those:
 * every "all" target of the desired set becomes a "selected" target listing
 * the owned ids of the last tracker/list, and every "selected" target keeps
 * only its owned ids. The desired set itself stays the user's (the same on
 * every instance, so the control plane's answers do not depend on which
 * instance gives them).
 *
 * Unsharded ("" or n == 1 with k == 0) everything is owned and the sets
 * pass through unchanged.
 */
#ifndef N2M_SHARD_H
#define N2M_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "navixy_rest.h"
#include "subscription.h"

/* Large enough for any real deployment, small enough that k/n never
 * overflows anything. */
#define N2M_SHARD_MAX 4096

struct n2m_shard {
	unsigned k;   /* this instance's share */
	unsigned n;   /* number of shares; 0 = not sharded */
};

/* Parses "" (not sharded) or "k/n" with 1 <= n <= N2M_SHARD_MAX and
 * 0 <= k < n. Returns 0, or -1 with the reason in why. */
int n2m_shard_parse(const char *text, struct n2m_shard *out, char *why, size_t whylen);

/* True when the instance is one of several (n > 1). */
int n2m_shard_active(const struct n2m_shard *s);

/* True when this instance owns tracker id (always when not sharded). */
int n2m_shard_owns(const struct n2m_shard *s, int64_t id);

/* Drops (and frees) the entries of list this instance does not own,
 * keeping the others in order. Returns how many were dropped. */
size_t n2m_shard_filter_list(const struct n2m_shard *s, struct nvx_tracker_list *list);

/* The sorted, unique ids of list (every tracker of the account, whoever
 * owns it), malloc'd; *n_out gets the count. NULL with *n_out = 0 for an
 * empty list or on no memory (*nomem set). */
int64_t *n2m_shard_sorted_ids(const struct nvx_tracker_list *list, size_t *n_out, int *nomem);

/* True if id is in the sorted array ids[0..n). */
int n2m_shard_ids_contain(const int64_t *ids, size_t n, int64_t id);

/* The part of sub this instance sends upstream: "all" becomes the owned
 * ids (owned[0..n_owned), sorted) unless keep_all is set (an unsubscribe of
 * a whole type stays "all"), "selected" keeps its owned ids. out must be
 * freed with free(out->ids). Returns 0 or -1 on no memory. */
int n2m_shard_sub(const struct n2m_shard *s, const struct n2m_sub *sub, const int64_t *owned,
		  size_t n_owned, int keep_all, struct n2m_sub *out);

/* n2m_shard_sub for every type of set (keep_all unset): the set this
 * instance subscribes upstream. out is initialised here; free it with
 * n2m_sub_set_free. Returns 0 or -1 on no memory. */
int n2m_shard_sub_set(const struct n2m_shard *s, const struct n2m_sub_set *set,
		      const int64_t *owned, size_t n_owned, struct n2m_sub_set *out);

#endif
