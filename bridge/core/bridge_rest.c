/* SPDX-License-Identifier: MIT */
/*
 * bridge_rest.c - the REST call sequences on the loop thread: starting
 * them, judging each answer the worker hands back, retrying failed
 * refreshes (see bridge_rest.h).
 */
#include "bridge_internal.h"
#include "secret.h"

#include <string.h>
#include <unistd.h>

/* Navixy error codes that mean the hash is no good. */
#define NVX_CODE_WRONG_HASH 3
#define NVX_CODE_SESSION_ENDED 4

#define US_PER_MS ((lws_usec_t)1000)

static void advance(struct bridge *b, enum n2m_seq_step step);

int bridge_uses_login(const struct bridge *b)
{
	return !b->cfg.navixy.api_key[0];
}

void bridge_forget_hash(struct bridge *b)
{
	n2m_secret_wipe(b->hash, sizeof b->hash);
	b->have_hash = 0;
}

/* Worker thread: a result is ready. lws_cancel_service is the one lws call
 * that is safe from another thread. */
static void wake_loop(void *ctx)
{
	lws_cancel_service(ctx);
}

int bridge_rest_init(struct bridge *b, char *err, size_t errlen)
{
	struct n2m_bridge_rest *r = &b->rest;
	uint64_t seed = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;

	n2m_held_frames_init(&r->held, N2M_HELD_FRAMES_MAX_ITEMS, N2M_HELD_FRAMES_MAX_BYTES);
	n2m_backoff_init(&r->backoff, (uint32_t)b->cfg.navixy.backoff_min_ms,
			 (uint32_t)b->cfg.navixy.backoff_max_ms, seed);
	return n2m_rest_worker_start(&r->worker, &b->cfg.navixy, &b->log, wake_loop, b->lws, err,
				     errlen);
}

void bridge_rest_stop(struct bridge *b)
{
	if (b->lws)
		lws_sul_cancel(&b->rest.sul_retry);
	n2m_rest_worker_stop(&b->rest.worker);
}

void bridge_rest_free(struct bridge *b)
{
	bridge_rest_stop(b);
	n2m_rest_worker_free(&b->rest.worker);
	n2m_held_frames_free(&b->rest.held);
	memset(&b->rest, 0, sizeof b->rest);
}

int bridge_rest_hold(struct bridge *b, const char *frame, size_t len)
{
	return n2m_held_frames_push(&b->rest.held, frame, len);
}

/* ---------- judging answers ---------- */

/* No usable answer: counted, and a timeout gets its own line. */
static enum n2m_seq_outcome call_failed(struct bridge *b, const struct n2m_rest_result *res)
{
	b->counters.rest_failures++;
	snprintf(b->rest.error, sizeof b->rest.error, "%s", res->err);
	if (res->timed_out)
		n2m_log(&b->log, N2M_LOG_WARN, "rest.timeout", "call=%s timeout_s=%d ms=%.0f",
			n2m_rest_call_name(res->call), b->cfg.navixy.rest_timeout_s,
			res->seconds * 1000.0);
	return N2M_SEQ_CALL_RETRY;
}

static enum n2m_seq_outcome judge_auth(struct bridge *b, const struct n2m_rest_result *res)
{
	char *error = b->rest.error;
	size_t cap = sizeof b->rest.error;

	if (res->transport_failed)
		return call_failed(b, res);
	if (res->parsed == NVX_REST_OK) {
		memcpy(b->hash, res->hash, sizeof b->hash);
		b->have_hash = 1;
		n2m_log(&b->log, N2M_LOG_INFO, "upstream.authenticated", "method=login");
		return N2M_SEQ_CALL_OK;
	}
	bridge_forget_hash(b);
	if (res->parsed == NVX_REST_API_ERROR) {
		snprintf(error, cap, "user/auth refused: code %d (%.200s)", res->api.code,
			 res->api.description);
		/* 104/105 are limits, not wrong credentials, but retrying fast
		 * only makes them worse: same long back-off. */
		return N2M_SEQ_CALL_AUTH_FAILED;
	}
	b->counters.rest_failures++;
	snprintf(error, cap, "user/auth: %.200s", res->err);
	return strstr(res->err, "second_factor") || strstr(res->err, "2FA")
		       ? N2M_SEQ_CALL_AUTH_FAILED : N2M_SEQ_CALL_RETRY;
}

/* applied: what bridge_apply_tracker_list made of the list (the dispatch
 * applies it before judging, bridge_rest_has_list). */
static enum n2m_seq_outcome judge_list(struct bridge *b, const struct n2m_rest_result *res,
				       int applied)
{
	char *error = b->rest.error;
	size_t cap = sizeof b->rest.error;

	if (res->transport_failed)
		return call_failed(b, res);
	if (res->parsed == NVX_REST_API_ERROR) {
		snprintf(error, cap, "tracker/list refused: code %d (%.200s)", res->api.code,
			 res->api.description);
		return res->api.code == NVX_CODE_SESSION_ENDED || res->api.code == NVX_CODE_WRONG_HASH
			       ? N2M_SEQ_CALL_SESSION_DEAD : N2M_SEQ_CALL_RETRY;
	}
	if (res->parsed != NVX_REST_OK) {
		b->counters.rest_failures++;
		snprintf(error, cap, "tracker/list: %.200s", res->err);
		return N2M_SEQ_CALL_RETRY;
	}
	if (applied != 0) {
		snprintf(error, cap, "tracker/list: out of memory");
		return N2M_SEQ_CALL_RETRY;
	}
	return N2M_SEQ_CALL_OK;
}

/* ---------- sequences ---------- */

static void start_seq(struct bridge *b, enum n2m_seq_purpose purpose)
{
	struct n2m_bridge_rest *r = &b->rest;

	if (purpose == N2M_SEQ_PREPARE && !bridge_uses_login(b)) {
		snprintf(b->hash, sizeof b->hash, "%s", b->cfg.navixy.api_key);
		b->have_hash = 1;
	}
	r->error[0] = '\0';
	r->busy = 1;
	advance(b, n2m_rest_seq_start(&r->seq, purpose, bridge_uses_login(b), b->have_hash));
}

static void on_retry(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, rest.sul_retry);

	/* Without a hash (logged out) the reconnect's own tracker/list does it. */
	if (!b->rest.refresh_wanted || b->rest.busy)
		return;
	if (!b->have_hash) {
		b->rest.refresh_wanted = 0;
		return;
	}
	start_seq(b, N2M_SEQ_REFRESH);
}

/* A list is in: refreshes start afresh, and the dispatch maps the held
 * updates (BRIDGE_REST_LIST_LOADED). */
static void list_loaded(struct bridge *b)
{
	b->rest.refresh_wanted = 0;
	lws_sul_cancel(&b->rest.sul_retry);
	n2m_backoff_reset(&b->rest.backoff);
	b->rest.events |= BRIDGE_REST_LIST_LOADED;
}

static void refresh_finished(struct bridge *b)
{
	struct n2m_bridge_rest *r = &b->rest;

	if (r->seq.result == N2M_SEQ_OK) {
		list_loaded(b);
		r->events |= BRIDGE_REST_REFRESHED;
		return;
	}
	if (!b->have_hash) {
		/* Logged out meanwhile: the reconnect's tracker/list replaces it. */
		n2m_log(&b->log, N2M_LOG_WARN, "tracker_list.refresh_failed",
			"error=\"%s\" retry=reconnect", r->error);
		return;
	}
	uint32_t delay_ms = n2m_backoff_next(&r->backoff);
	r->refresh_wanted = 1;
	n2m_log(&b->log, N2M_LOG_WARN, "tracker_list.refresh_failed",
		"error=\"%s\" retry_ms=%u attempt=%u", r->error, delay_ms, r->backoff.attempt);
	lws_sul_schedule(b->lws, 0, &r->sul_retry, on_retry, (lws_usec_t)delay_ms * US_PER_MS);
}

static enum n2m_upstream_prepare prepare_result(const struct n2m_rest_seq *seq)
{
	switch (seq->result) {
	case N2M_SEQ_OK: return N2M_PREPARE_OK;
	case N2M_SEQ_AUTH_FAILED: return N2M_PREPARE_AUTH_FAILED;
	default: return N2M_PREPARE_RETRY;
	}
}

static void finish_seq(struct bridge *b)
{
	struct n2m_bridge_rest *r = &b->rest;

	r->busy = 0;
	if (r->seq.purpose == N2M_SEQ_REFRESH) {
		refresh_finished(b);
	} else {
		if (r->seq.result == N2M_SEQ_OK)
			list_loaded(b);
		n2m_upstream_prepared(&b->upstream, prepare_result(&r->seq), r->error);
	}
	if (r->prepare_waiting && !r->busy) {
		r->prepare_waiting = 0;
		start_seq(b, N2M_SEQ_PREPARE);
	}
}

/* Hands the step's call to the worker, or finishes the sequence. */
static void advance(struct bridge *b, enum n2m_seq_step step)
{
	struct n2m_bridge_rest *r = &b->rest;

	while (step != N2M_SEQ_STEP_DONE) {
		if (step == N2M_SEQ_STEP_AUTH) {
			bridge_forget_hash(b);
			b->counters.auth_calls++;
		} else {
			b->counters.tracker_list_calls++;
			b->last_tracker_list = time(NULL);
		}
		if (n2m_rest_worker_submit(&r->worker, step == N2M_SEQ_STEP_AUTH ? N2M_REST_CALL_AUTH
							: N2M_REST_CALL_LIST, b->hash) == 0)
			return;
		snprintf(r->error, sizeof r->error, "the REST worker is not running");
		step = n2m_rest_seq_next(&r->seq, N2M_SEQ_CALL_RETRY);
	}
	finish_seq(b);
}

int bridge_rest_take(struct bridge *b, struct n2m_rest_result *res)
{
	struct n2m_bridge_rest *r = &b->rest;

	if (!n2m_rest_worker_take(&r->worker, res))
		return 0;
	if (!r->busy || res->aborted) {
		n2m_rest_result_free(res);
		return 0;
	}
	return 1;
}

int bridge_rest_has_list(const struct n2m_rest_result *res)
{
	return res->call == N2M_REST_CALL_LIST && !res->transport_failed &&
	       res->parsed == NVX_REST_OK;
}

unsigned bridge_rest_judge(struct bridge *b, struct n2m_rest_result *res, int applied)
{
	struct n2m_bridge_rest *r = &b->rest;
	enum n2m_seq_outcome outcome;
	unsigned events;

	outcome = res->call == N2M_REST_CALL_AUTH ? judge_auth(b, res)
						  : judge_list(b, res, applied);
	n2m_rest_result_free(res);
	advance(b, n2m_rest_seq_next(&r->seq, outcome));
	events = r->events;
	r->events = 0;
	return events;
}

/* ---------- entry points ---------- */

enum n2m_upstream_prepare bridge_rest_prepare(struct bridge *b, char *err, size_t errlen)
{
	struct n2m_bridge_rest *r = &b->rest;

	/* A connect's sequence already running (an attempt given up and
	 * started again) reports to this attempt; a refresh finishes first. */
	if (r->busy) {
		if (r->seq.purpose == N2M_SEQ_REFRESH)
			r->prepare_waiting = 1;
		return N2M_PREPARE_PENDING;
	}
	start_seq(b, N2M_SEQ_PREPARE);
	if (r->busy)
		return N2M_PREPARE_PENDING;
	/* Over before it began (the worker refused the call). */
	snprintf(err, errlen, "%s", r->error);
	return prepare_result(&r->seq);
}

int bridge_rest_refresh(struct bridge *b, int rate_limited)
{
	struct n2m_bridge_rest *r = &b->rest;
	time_t now = time(NULL);

	if (r->busy || r->refresh_wanted)
		return 1;
	if (!b->have_hash)
		return 0;
	if (rate_limited && b->last_tracker_list &&
	    now - b->last_tracker_list < b->cfg.navixy.tracker_refresh_min_s)
		return 0;
	start_seq(b, N2M_SEQ_REFRESH);
	return r->busy;
}

void bridge_rest_tick(struct bridge *b, time_t now)
{
	int period = b->cfg.navixy.tracker_refresh_s;

	if (period <= 0 || !b->have_hash || !n2m_upstream_is_connected(&b->upstream) ||
	    (b->last_tracker_list && now - b->last_tracker_list < period))
		return;
	/* On the REST worker; its list comes back through the dispatch. */
	bridge_rest_refresh(b, 0);
}
