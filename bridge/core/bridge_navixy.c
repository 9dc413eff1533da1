/* SPDX-License-Identifier: MIT */
/*
 * bridge_navixy.c - the bridge's upstream side: applying the tracker list,
 * and turning each Navixy frame into tracker-table updates and
 * publications. The dispatch (bridge_dispatch.c) parses a frame here and
 * hands each kind to its handler; responses and errors also go to the
 * control plane from there.
 */
#include "bridge_internal.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_plugins.h"
#include "log_throttle.h"
#include "navixy_frame.h"
#include "navixy_frame_fast.h"
#include "readings_merge.h"

/* Navixy error codes that mean the hash is no good. */
#define NVX_CODE_WRONG_HASH 3
#define NVX_CODE_SESSION_ENDED 4

/* ---------- tracker/list answers ---------- */

/* First pass over a sync's changes: the topics to clear. A renamed
 * tracker's old level may be another tracker's new one (labels swapped, or a
 * collision resolved), so every clear goes out before any publication under
 * the new levels; a clear sent later would wipe them. */
static void clear_tracker_change(struct bridge *b, const struct n2m_tracker_change *c,
				 const struct n2m_map_ctx *ctx)
{
	struct n2m_tracker *tr = n2m_tracker_find(&b->trackers, c->tracker_id);
	char err[160];

	if (!tr)
		return;
	if (c->kind == N2M_TRACKER_RENAMED) {
		n2m_log(&b->log, N2M_LOG_INFO, "tracker.topic_changed",
			"tracker_id=%" PRId64 " from=\"%s\" to=\"%s\" label=\"%s\"", tr->id,
			c->old_topic_id, tr->topic_id, tr->label);
		if (n2m_map_clear(ctx, tr, c->old_topic_id, &b->pubs, err, sizeof err) != 0)
			b->counters.mapping_errors++;
		n2m_tracker_forget_published(tr);
	} else if (c->kind == N2M_TRACKER_GONE) {
		if (n2m_map_clear(ctx, tr, NULL, &b->pubs, err, sizeof err) != 0)
			b->counters.mapping_errors++;
		bridge_publish_pending(b);
		n2m_log(&b->log, N2M_LOG_INFO, "tracker.gone", "tracker_id=%" PRId64, c->tracker_id);
		tr = n2m_tracker_find(&b->trackers, c->tracker_id);
		if (tr)
			n2m_tracker_remove(&b->trackers, tr);
		return;
	}
	bridge_publish_pending(b);
}

/* Second pass: everything published again where it now belongs. */
static void resync_tracker_change(struct bridge *b, const struct n2m_tracker_change *c,
				  const struct n2m_map_ctx *ctx)
{
	struct n2m_tracker *tr = n2m_tracker_find(&b->trackers, c->tracker_id);
	char err[160];

	if (!tr || (c->kind != N2M_TRACKER_RENAMED && c->kind != N2M_TRACKER_RELABELLED &&
		    c->kind != N2M_TRACKER_BLOCK_CHANGED))
		return;
	/* Label topics: the renamed tracker's state carries the new label. */
	if (n2m_map_resync(ctx, tr, &b->pubs, err, sizeof err) != 0)
		b->counters.mapping_errors++;
	bridge_publish_pending(b);
}

static int apply_tracker_list(struct bridge *b, const struct nvx_tracker_list *list)
{
	struct n2m_tracker_changes changes = { 0 };
	struct n2m_map_ctx ctx = bridge_map_ctx(b);

	/* An empty list would wipe the table; a real account change to zero
	 * trackers is rare enough to wait for a restart. */
	if (n2m_tracker_table_sync(&b->trackers, list, list->n > 0, &changes) != 0) {
		n2m_tracker_changes_free(&changes);
		return -1;
	}
	for (size_t i = 0; i < changes.n; i++)
		clear_tracker_change(b, &changes.items[i], &ctx);
	for (size_t i = 0; i < changes.n; i++)
		resync_tracker_change(b, &changes.items[i], &ctx);
	n2m_tracker_changes_free(&changes);
	return 0;
}

int bridge_apply_tracker_list(struct bridge *b, struct nvx_tracker_list *list)
{
	if (list->n_bad)
		n2m_log(&b->log, N2M_LOG_WARN, "tracker_list.bad_entries", "count=%zu first=\"%s\"",
			list->n_bad, list->first_bad);
	if (list->invalid_utf8) {
		b->counters.invalid_utf8++;
		n2m_log(&b->log, N2M_LOG_WARN, "tracker_list.invalid_utf8",
			"count=%" PRIu64 " reason=\"not valid UTF-8: invalid bytes replaced by U+FFFD\"",
			b->counters.invalid_utf8);
	}
	bridge_shard_tracker_list(b, list);
	bridge_plugins_tracker_list(b, list);
	int applied = apply_tracker_list(b, list);
	n2m_log(&b->log, N2M_LOG_INFO, "tracker_list.loaded", "trackers=%zu table=%zu", list->n,
		n2m_tracker_table_count(&b->trackers));
	return applied;
}

/* ---------- frames ---------- */

static void session_dead(struct bridge *b, const char *why)
{
	if (bridge_uses_login(b)) {
		bridge_forget_hash(b);
		n2m_upstream_fail(&b->upstream, N2M_UP_FAIL_LOGGED_OUT, why);
	} else {
		n2m_upstream_fail(&b->upstream, N2M_UP_FAIL_AUTH, why);
	}
}

void bridge_navixy_response(struct bridge *b, const struct nvx_response *r)
{
	for (size_t i = 0; i < r->n_results; i++) {
		const struct nvx_sub_result *s = &r->results[i];
		size_t count[NVX_STATUS_DISALLOWED + 1] = { 0 };
		for (size_t k = 0; k < s->n_statuses; k++) {
			const struct nvx_status_entry *e = &s->statuses[k];
			count[e->status]++;
			struct n2m_tracker *tr = n2m_tracker_find(&b->trackers, e->tracker_id);
			if (tr && r->action == NVX_ACTION_SUBSCRIBE)
				tr->upstream = e->status;
		}
		if (!s->success) {
			n2m_log(&b->log, N2M_LOG_ERROR, "upstream.subscribe_failed",
				"type=%s code=%d description=\"%s\"", s->type_name, s->error_code,
				s->error_description ? s->error_description : "");
			continue;
		}
		n2m_log(&b->log, N2M_LOG_INFO, "upstream.subscribed",
			"action=%s type=%s normal=%zu blocked=%zu unknown=%zu disallowed=%zu",
			r->action == NVX_ACTION_UNSUBSCRIBE ? "unsubscribe" : "subscribe",
			s->type_name, count[NVX_STATUS_NORMAL], count[NVX_STATUS_BLOCKED],
			count[NVX_STATUS_UNKNOWN], count[NVX_STATUS_DISALLOWED]);
	}
}

void bridge_navixy_error(struct bridge *b, const struct nvx_error *e)
{
	b->counters.error_frames++;
	int routine = bridge_uses_login(b) &&
		      (e->code == NVX_CODE_SESSION_ENDED || e->code == NVX_CODE_WRONG_HASH);
	n2m_log(&b->log, routine ? N2M_LOG_WARN : N2M_LOG_ERROR, "upstream.error",
		"action=%s code=%d description=\"%s\"",
		e->action_name ? e->action_name : "null", e->code, e->description);
}

void bridge_navixy_session_error(struct bridge *b, const struct nvx_error *e)
{
	if (e->code == NVX_CODE_SESSION_ENDED || e->code == NVX_CODE_WRONG_HASH) {
		char why[160];
		snprintf(why, sizeof why, "error %d: %s", e->code, e->description);
		session_dead(b, why);
	}
}

/* Items for trackers not in tracker/list: counted, and logged like parse
 * errors (first ten, then one in a thousand) with the reason. */
static void count_unknown(struct bridge *b, const char *what, int64_t id, const char *why)
{
	b->counters.unknown_sources++;
	if (n2m_log_sampled(b->counters.unknown_sources))
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.unknown_tracker",
			"%s=%" PRId64 " count=%" PRIu64 " reason=\"not in tracker/list%s: skipped\""
			" refresh_min_s=%d", what, id, b->counters.unknown_sources, why,
			b->cfg.navixy.tracker_refresh_min_s);
}

/* The text of a one-item frame holding it, for bridge_replay_held: a state
 * as a "state" event, readings keyed by their tracker id. Malloc'd, or
 * NULL (iot_monitor values are a stream: not held). */
static char *one_item_frame(enum nvx_event_kind ev, const struct nvx_item *it, size_t *len)
{
	const char *raw = it->raw;
	size_t raw_len = it->raw_len;

	if (it->obj)
		raw = json_object_to_json_string_length(it->obj, JSON_C_TO_STRING_PLAIN, &raw_len);
	if (!raw || raw_len > INT_MAX / 2 || ev == NVX_EVENT_IOT_MONITOR)
		return NULL;
	size_t cap = raw_len + 128;
	char *text = malloc(cap);
	int n = -1;
	if (!text)
		return NULL;
	if (ev == NVX_EVENT_READINGS_BATCH)
		n = snprintf(text, cap, "{\"type\":\"event\",\"event\":\"readings_batch\",\"data\":"
			     "{\"%" PRId64 "\":%.*s}}", it->id, (int)raw_len, raw);
	else
		n = snprintf(text, cap, "{\"type\":\"event\",\"event\":\"state\",\"data\":%.*s}",
			     (int)raw_len, raw);
	if (n < 0 || (size_t)n >= cap) {
		free(text);
		return NULL;
	}
	*len = (size_t)n;
	return text;
}

/* An item for a tracker the table does not know: held while a tracker/list
 * call that may list it is running or due, else counted and skipped. */
static void unknown_item(struct bridge *b, enum nvx_event_kind ev, const struct nvx_item *it)
{
	const char *what = ev == NVX_EVENT_STATE || ev == NVX_EVENT_STATE_BATCH ? "source_id"
										  : "tracker_id";
	size_t len = 0;
	char *text;

	if (b->rest.replaying) {
		count_unknown(b, what, it->id, ", even after a refresh");
		return;
	}
	if (!bridge_rest_refresh(b, 1)) {
		count_unknown(b, what, it->id, ", refreshed at most every refresh_min_s");
		return;
	}
	text = one_item_frame(ev, it, &len);
	if (!text || bridge_rest_hold(b, text, len) != 0)
		count_unknown(b, what, it->id, "; no room to hold it for the refresh");
	free(text);
}

static struct n2m_tracker *tracker_for_item(struct bridge *b, enum nvx_event_kind ev,
					    const struct nvx_item *it)
{
	struct n2m_tracker *tr = ev == NVX_EVENT_STATE || ev == NVX_EVENT_STATE_BATCH
					 ? n2m_tracker_find_source(&b->trackers, it->id)
					 : n2m_tracker_find(&b->trackers, it->id);
	if (!tr)
		unknown_item(b, ev, it);
	return tr;
}

static void count_mapping_error(struct bridge *b, const char *what, const char *err)
{
	b->counters.mapping_errors++;
	if (n2m_log_sampled(b->counters.mapping_errors))
		n2m_log(&b->log, N2M_LOG_WARN, "mapping.error", "what=%s count=%" PRIu64 " error=\"%s\"",
			what, b->counters.mapping_errors, err);
}

/* A readings item the limits of readings_merge.h cut: first ten, then one
 * in a thousand. */
static void log_truncated(struct bridge *b, int64_t tracker_id, uint64_t before)
{
	uint64_t now = b->counters.readings_truncated;
	for (uint64_t n = before + 1; n <= now; n++) {
		if (!n2m_log_sampled(n))
			continue;
		n2m_log(&b->log, N2M_LOG_WARN, "readings.truncated",
			"tracker_id=%" PRId64 " count=%" PRIu64 " reason=\"readings above the limits "
			"(%d entries a section, %d without a key, %d bytes): left out\"",
			tracker_id, now, N2M_READINGS_MAX_ENTRIES, N2M_READINGS_MAX_KEYLESS,
			N2M_READINGS_MAX_BYTES);
		return;
	}
}

/* How far ahead of the item being mapped each prefetch step runs
 * (n2m_tracker_prefetch): far enough for a memory access to land, near
 * enough that what it loads is still in cache when the item's turn comes. */
static const size_t prefetch_distance[N2M_TRACKER_PREFETCH_STEPS] = { 8, 6, 4, 2 };

static void prefetch_ahead(struct bridge *b, const struct nvx_frame *f, size_t i, int by_source)
{
	for (int s = 0; s < N2M_TRACKER_PREFETCH_STEPS; s++) {
		size_t j = i + prefetch_distance[s];
		if (j < f->n_items)
			n2m_tracker_prefetch(&b->trackers, f->items[j].id, by_source, s);
	}
}

static void on_items(struct bridge *b, const struct nvx_frame *f)
{
	struct n2m_map_ctx ctx = bridge_map_ctx(b);
	char err[200];
	ctx.readings_truncated = &b->counters.readings_truncated;

	int by_source = f->event == NVX_EVENT_STATE || f->event == NVX_EVENT_STATE_BATCH;
	for (size_t i = 0; i < f->n_items; i++) {
		const struct nvx_item *it = &f->items[i];
		struct n2m_tracker *tr;
		int rc;
		if (f->n_items > 1)
			prefetch_ahead(b, f, i, by_source);
		switch (f->event) {
		case NVX_EVENT_STATE:
		case NVX_EVENT_STATE_BATCH:
			if (!(tr = tracker_for_item(b, f->event, it)))
				continue;
			b->counters.state_updates++;
			/* Raw items (the fast path) carry no json-c object. */
			rc = it->obj ? n2m_map_state(&ctx, tr, it->obj, &b->pubs, err, sizeof err)
				     : n2m_map_state_text(&ctx, tr, it->raw, it->raw_len, it->state,
							  &b->pubs, err, sizeof err);
			break;
		case NVX_EVENT_READINGS_BATCH:
			if (!(tr = tracker_for_item(b, f->event, it)))
				continue;
			b->counters.readings_updates++;
			uint64_t cut = b->counters.readings_truncated;
			rc = it->obj ? n2m_map_readings(&ctx, tr, it->obj, &b->pubs, err, sizeof err)
				     : n2m_map_readings_text(&ctx, tr, it->raw, it->raw_len,
							     &b->pubs, err, sizeof err);
			log_truncated(b, tr->id, cut);
			break;
		case NVX_EVENT_IOT_MONITOR:
			if (!(tr = tracker_for_item(b, f->event, it)))
				continue;
			b->counters.iot_updates++;
			rc = n2m_map_iot_monitor(&ctx, tr, it->obj, &b->pubs, err, sizeof err);
			break;
		default:
			return;
		}
		if (rc != 0)
			count_mapping_error(b, nvx_event_name(f->event), err);
		bridge_publish_pending(b);
	}
}

static void on_lifecycle(struct bridge *b, const struct nvx_lifecycle *lc)
{
	struct n2m_map_ctx ctx = bridge_map_ctx(b);
	struct n2m_tracker *tr = n2m_tracker_find_source(&b->trackers, lc->source_id);
	char err[200];

	b->counters.lifecycle_events++;
	if (!tr) {
		/* Not held: the tracker's states after the refresh say the same. */
		bridge_rest_refresh(b, 1);
		count_unknown(b, "source_id", lc->source_id, "");
		n2m_log(&b->log, N2M_LOG_WARN, "lifecycle.unknown_source", "source_id=%" PRId64
			" event=%s", lc->source_id, lc->name ? lc->name : "");
		return;
	}
	int64_t tracker_id = tr->id;
	if (n2m_map_lifecycle(&ctx, tr, lc->kind, lc->name, &b->pubs, err, sizeof err) != 0)
		count_mapping_error(b, "lifecycle", err);
	bridge_publish_pending(b);
	n2m_log(&b->log, N2M_LOG_INFO, "tracker.lifecycle", "tracker_id=%" PRId64 " event=%s",
		tracker_id, lc->name ? lc->name : "");

	struct json_object *fields = json_object_new_object();
	if (fields) {
		json_object_object_add(fields, "kind", json_object_new_string(lc->name ? lc->name : ""));
		json_object_object_add(fields, "tracker_id", json_object_new_int64(tracker_id));
		json_object_object_add(fields, "source_id", json_object_new_int64(lc->source_id));
		bridge_publish_event(b, "lifecycle", fields);
	}
	if (lc->kind == NVX_LIFECYCLE_CORRUPT) {
		tr = n2m_tracker_find(&b->trackers, tracker_id);
		if (tr)
			n2m_tracker_remove(&b->trackers, tr);
	}
}

static void on_logout(struct bridge *b, const char *reason)
{
	struct json_object *fields = json_object_new_object();

	b->counters.logouts++;
	n2m_log(&b->log, N2M_LOG_WARN, "upstream.logout", "reason=\"%s\" reauth=%s",
		reason ? reason : "", bridge_uses_login(b) ? "yes" : "no");
	if (fields) {
		json_object_object_add(fields, "reason", json_object_new_string(reason ? reason : ""));
		json_object_object_add(fields, "reauth", json_object_new_boolean(bridge_uses_login(b)));
		bridge_publish_event(b, "logout", fields);
	}
	session_dead(b, "logout event: session closed");
}

static void log_parse_error(struct bridge *b, const char *err, size_t len)
{
	/* A broken server could send nothing else: log the first ten, then
	 * one in a thousand; the counter has them all. */
	if (n2m_log_sampled(b->counters.parse_errors))
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.parse_error", "count=%" PRIu64
			" bytes=%zu error=\"%s\"", b->counters.parse_errors, len, err);
}

/* A frame that was not UTF-8 was used with U+FFFD in place of the bad
 * bytes (navixy_frame.h): first ten logged, then one in a thousand. */
static void count_invalid_utf8(struct bridge *b, size_t len)
{
	uint64_t n = ++b->counters.invalid_utf8;
	if (n2m_log_sampled(n))
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.invalid_utf8",
			"count=%" PRIu64 " bytes=%zu reason=\"not valid UTF-8: invalid bytes replaced "
			"by U+FFFD\"", n, len);
}

void bridge_navixy_event(struct bridge *b, const struct nvx_frame *f)
{
	switch (f->event) {
	case NVX_EVENT_STATE:
	case NVX_EVENT_STATE_BATCH:
	case NVX_EVENT_READINGS_BATCH:
	case NVX_EVENT_IOT_MONITOR:
		on_items(b, f);
		break;
	case NVX_EVENT_LIFECYCLE:
		on_lifecycle(b, &f->lifecycle);
		break;
	case NVX_EVENT_LOGOUT:
		on_logout(b, f->logout_reason);
		break;
	default:
		b->counters.unknown_frames++;
		/* A newer server may add events: not an error, but worth one
		 * line (first ten, then one in a thousand). */
		if (n2m_log_sampled(b->counters.unknown_frames))
			n2m_log(&b->log, N2M_LOG_WARN, "upstream.unknown_event",
				"event=\"%.64s\" count=%" PRIu64 " reason=\"event type not known: skipped\"",
				f->event_name ? f->event_name : "", b->counters.unknown_frames);
		break;
	}
}

void bridge_replay_held(struct bridge *b)
{
	struct n2m_bridge_rest *r = &b->rest;
	size_t n = n2m_held_frames_count(&r->held), len = 0;
	char err[200];
	char *text;

	if (!n)
		return;
	r->replaying = 1;
	while ((text = n2m_held_frames_pop(&r->held, &len)) != NULL) {
		struct nvx_frame f;
		/* Our own one-item frames: they parse as they did when held. */
		if (nvx_frame_parse_fast(text, len, &f, err, sizeof err) == 0)
			on_items(b, &f);
		nvx_frame_free(&f);
		free(text);
	}
	r->replaying = 0;
	n2m_log(&b->log, N2M_LOG_INFO, "upstream.held_replayed", "updates=%zu", n);
}

int bridge_navixy_parse(struct bridge *b, const char *msg, size_t len, struct nvx_frame *f)
{
	char err[200];

	b->counters.frames_in++;
	int rc = nvx_frame_parse_bounded(msg, len, (size_t)b->cfg.navixy.max_fallback_bytes, f, err,
					 sizeof err);
	if (rc == NVX_FRAME_TOO_BIG) {
		b->counters.fallback_oversized++;
		if (n2m_log_sampled(b->counters.fallback_oversized))
			n2m_log(&b->log, N2M_LOG_WARN, "upstream.fallback_oversized",
				"bytes=%zu max_fallback_bytes=%d count=%" PRIu64 " reason=\"%s: skipped\"",
				len, b->cfg.navixy.max_fallback_bytes, b->counters.fallback_oversized, err);
		return -1;
	}
	if (rc != 0) {
		b->counters.parse_errors++;
		log_parse_error(b, err, len);
		return -1;
	}
	if (f->repaired_text)
		count_invalid_utf8(b, len);
	if (f->n_bad_items) {
		b->counters.bad_items += f->n_bad_items;
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.bad_items", "count=%zu first=\"%s\"",
			f->n_bad_items, f->item_error);
	}
	return 0;
}

void bridge_navixy_unknown_frame(struct bridge *b)
{
	b->counters.unknown_frames++;
	if (n2m_log_sampled(b->counters.unknown_frames))
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.unknown_frame",
			"count=%" PRIu64 " reason=\"frame type not known: skipped\"",
			b->counters.unknown_frames);
}
