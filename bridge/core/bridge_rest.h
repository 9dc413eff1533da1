/* SPDX-License-Identifier: MIT */
/*
 * bridge_rest.h - the bridge's REST side on the loop thread: it runs the
 * call sequences of rest_seq.h (auth and tracker/list before a connect, a
 * tracker/list refresh while connected) on the REST worker (rest_worker.h),
 * one call at a time, and applies each result when the worker hands it
 * back (LWS_CALLBACK_EVENT_WAIT_CANCELLED -> bridge_dispatch_wake ->
 * bridge_rest_take / bridge_rest_judge). It never calls the parts that use
 * an answer: the dispatch applies the list and acts on the events. The
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
#include <time.h>

#include "backoff.h"
#include "held_frames.h"
#include "rest_seq.h"
#include "rest_worker.h"
#include "upstream.h"

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
	unsigned events;              /* enum bridge_rest_event bits not yet returned */
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

/* What a judged answer leaves for the dispatch to do (a bit mask). */
enum bridge_rest_event {
	BRIDGE_REST_LIST_LOADED = 1, /* a tracker/list is in: map the held updates */
	BRIDGE_REST_REFRESHED = 2,   /* it was a refresh: subscribe new owned trackers */
};

/* Loop thread, on a wake-up (bridge_dispatch.c): 1 with the result the
 * worker handed back in *res when it belongs to the running sequence; 0
 * when there is none (or it was dropped). */
int bridge_rest_take(struct bridge *b, struct n2m_rest_result *res);
/* True for a tracker/list answer whose list is to be applied before
 * bridge_rest_judge. */
int bridge_rest_has_list(const struct n2m_rest_result *res);
/* Judges res (applied: what applying its list returned, 0 = fine), frees
 * it, makes the sequence's next call; returns enum bridge_rest_event bits. */
unsigned bridge_rest_judge(struct bridge *b, struct n2m_rest_result *res, int applied);

/* The upstream's prepare step: starts user/auth (with a login) and
 * tracker/list on the worker; answers PENDING while they run. */
enum n2m_upstream_prepare bridge_rest_prepare(struct bridge *b, char *err, size_t errlen);

/* From the loop's tick: the periodic tracker/list refresh
 * (navixy.tracker_refresh_s) while connected. */
void bridge_rest_tick(struct bridge *b, time_t now);

/* Holds one update for a tracker not yet known (text of a one-item
 * frame); 0, or -1 when the hold is full. */
int bridge_rest_hold(struct bridge *b, const char *frame, size_t len);

#endif
