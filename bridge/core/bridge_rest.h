/* SPDX-License-Identifier: MIT */
/*
 * bridge_rest.h - the bridge's REST side on the loop thread: it runs the
 * call sequences of rest_seq.h (auth and tracker/list before a connect, a
 * tracker/list refresh while connected) on the REST worker (rest_worker.h),
 * one call at a time, and applies each result when the worker hands it
 * back (LWS_CALLBACK_EVENT_WAIT_CANCELLED -> bridge_rest_dispatch). The
 * event loop never waits for a REST answer: updates keep flowing, /healthz
 * and control requests are answered while a call is under way.
 *
 * A failed refresh (unreachable, navixy.rest_timeout_s, a refusal) is
 * retried after the upstream back-off (navixy.backoff_min_ms doubling to
 * backoff_max_ms) until one succeeds. Updates for trackers not in the
 * table that arrive while a tracker/list call is running or due are held
 * (held_frames.h, bounded) and mapped once the list is in.
 *
 * Hooks in bridge.c: bridge_rest_init after the lws context exists,
 * bridge_rest_stop first thing at shutdown (ends a call in flight at once),
 * bridge_rest_free before the lws context is destroyed.
 */
#ifndef N2M_BRIDGE_REST_H
#define N2M_BRIDGE_REST_H

#include <libwebsockets.h>
#include <stdint.h>

#include "backoff.h"
#include "held_frames.h"
#include "rest_seq.h"
#include "rest_worker.h"

struct bridge;

struct n2m_bridge_rest {
	struct n2m_rest_worker worker;
	struct n2m_rest_seq seq;      /* the sequence running, when busy */
	int busy;                     /* a sequence is running (one call at the worker) */
	int prepare_waiting;          /* a connect asked while a refresh ran: next */
	int refresh_wanted;           /* a refresh failed: its retry is scheduled */
	char error[256];              /* why the running sequence's last call failed */
	struct n2m_backoff backoff;   /* between failed refreshes */
	lws_sorted_usec_list_t sul_retry;
	struct n2m_held_frames held;  /* updates for trackers not known yet */
	int replaying;                /* held updates are being mapped: none is held again */
};

/* Starts the worker thread. 0, or -1 with err. */
int bridge_rest_init(struct bridge *b, char *err, size_t errlen);
/* Ends a call in flight and joins the worker (shutdown). */
void bridge_rest_stop(struct bridge *b);
void bridge_rest_free(struct bridge *b);

/* Asks for tracker/list again: an unknown tracker showed up (rate_limited:
 * at most once per navixy.tracker_refresh_min_s) or the periodic refresh.
 * Returns 1 when a tracker/list call is running or due, so an update for
 * an unknown tracker may be held for it; 0 when none will come soon. */
int bridge_rest_refresh(struct bridge *b, int rate_limited);

/* Loop thread, on a wake-up: applies a result the worker handed back and
 * makes the sequence's next call. */
void bridge_rest_dispatch(struct bridge *b);

/* Holds one update for a tracker not yet known (text of a one-item
 * frame); 0, or -1 when the hold is full. */
int bridge_rest_hold(struct bridge *b, const char *frame, size_t len);

#endif
