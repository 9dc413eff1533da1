/* SPDX-License-Identifier: MIT */
/*
 * control_apply.h - the desired-set bookkeeping of the control plane:
 * applying a parsed subscribe/unsubscribe request to the desired
 * subscription set, checking tracker ids against the account, and the
 * JSON pieces of the responses. No I/O.
 *
 * Semantics (documented for users in docs/control.md):
 *   subscribe    adds the trackers to the type ("all" replaces a list).
 *                Options given replace the type's; options left out keep
 *                the type's current ones (defaults for a new type). The
 *                merged type must still be valid (iot_monitor: at most 10
 *                ids in total).
 *   unsubscribe  "all" drops the type; a list removes those trackers
 *                (ids not subscribed are fine). Removing single trackers
 *                from an "all" subscription is an error: Navixy cannot
 *                exclude trackers from "all".
 * Both are idempotent: applying the same request twice leaves the same set.
 * On error the set is left as it was.
 */
#ifndef N2M_CONTROL_APPLY_H
#define N2M_CONTROL_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "control_request.h"
#include "subscription.h"

struct json_object;

/* Ids listed in an unknown-tracker error; the rest are counted. */
#define N2M_CTL_UNKNOWN_IDS_SHOWN 10

/* Applies a subscribe request. On 0, *changed says whether the set differs
 * from before, and *upstream (when not NULL) receives a copy of the
 * resulting type (what to send to Navixy: the whole type, so its options
 * apply to every tracker of it); free its ids with free(). -1 with err. */
int n2m_ctl_apply_subscribe(struct n2m_sub_set *set, const struct n2m_ctl_request *req,
			    int *changed, struct n2m_sub *upstream, char *err, size_t errlen);

/* Applies an unsubscribe request; *changed as above. -1 with err. */
int n2m_ctl_apply_unsubscribe(struct n2m_sub_set *set, const struct n2m_ctl_request *req,
			      int *changed, char *err, size_t errlen);

/* A tracker id predicate: nonzero if the account has the tracker. */
typedef int (*n2m_ctl_known_fn)(void *ctx, int64_t tracker_id);

/* Checks the request's ids: every id must be known, or (unsubscribe only)
 * be in set's subscription of that type, so a removed tracker can still be
 * unsubscribed. Returns 0, or -1 with an error naming the unknown ids:
 * "trackers: unknown tracker ids 5, 6 (not in the account's tracker list)". */
int n2m_ctl_check_ids(const struct n2m_ctl_request *req, const struct n2m_sub_set *set,
		      n2m_ctl_known_fn known, void *ctx, char *err, size_t errlen);

/* "all" or the array of the request's ids (a new object; NULL on no memory). */
struct json_object *n2m_ctl_trackers_json(const struct n2m_sub *sub);

#endif
