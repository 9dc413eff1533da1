/* SPDX-License-Identifier: MIT */
/*
 * sub_diff.h - a change of the desired subscription set (a SIGHUP with new
 * config subscriptions) as the control-plane requests that would make it,
 * so bridge/event announces it in the same shape as a control change. No
 * I/O.
 *
 * Per type whose subscription differs, at most two steps, in order:
 *   unsubscribe  the trackers that leave the type: all of them when the
 *                type goes away or an "all" becomes a list (Navixy cannot
 *                exclude trackers from "all"), else the ids no longer in
 *                the list;
 *   subscribe    the type as it is now (its trackers and options), unless
 *                the change only removed ids.
 */
#ifndef N2M_SUB_DIFF_H
#define N2M_SUB_DIFF_H

#include <stddef.h>

#include "subscription.h"

struct n2m_sub_step {
	int unsubscribe;      /* 1: unsubscribe, 0: subscribe */
	struct n2m_sub sub;   /* type, trackers and (subscribe) options; ids owned */
};

#define N2M_SUB_DIFF_MAX (2 * N2M_SUB_TYPE_COUNT)

/* Fills steps (room for N2M_SUB_DIFF_MAX) and *n. 0, or -1 on no memory
 * (steps then freed and *n 0). */
int n2m_sub_diff(const struct n2m_sub_set *before, const struct n2m_sub_set *after,
		 struct n2m_sub_step *steps, size_t *n);
void n2m_sub_steps_free(struct n2m_sub_step *steps, size_t n);

#endif
