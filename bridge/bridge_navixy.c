/*
 * bridge_navixy.c - the bridge's upstream side: getting a hash (API key or
 * user/auth), the tracker list, sending the desired subscriptions, and
 * turning each Navixy frame into tracker-table updates and publications.
 */
#include "bridge_parts.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_plugins.h"
#include "bridge_control.h"
#include "navixy_frame.h"
#include "navixy_request.h"
#include "navixy_scan.h"
#include "secret.h"

/* Navixy error codes that mean the hash is no good (spec §3.1). */
#define NVX_CODE_WRONG_HASH 3
#define NVX_CODE_SESSION_ENDED 4

static int uses_login(const struct bridge *b)
{
	return !b->cfg.navixy.api_key[0];
}

static void forget_hash(struct bridge *b)
{
	n2m_secret_wipe(b->hash, sizeof b->hash);
	b->have_hash = 0;
}

/* ---------- REST: auth and tracker list ---------- */

static enum n2m_upstream_prepare authenticate(struct bridge *b, char *err, size_t errlen)
{
	struct n2m_rest_response resp;
	struct nvx_rest_error api = { 0 };
	char perr[200];

	b->counters.auth_calls++;
	if (n2m_rest_user_auth(&b->rest, b->cfg.navixy.login, b->cfg.navixy.password, &resp,
			       err, errlen) != 0)
		return N2M_PREPARE_RETRY;
	enum nvx_rest_result rc = nvx_rest_parse_auth(resp.body, resp.len, b->hash, &api,
						      perr, sizeof perr);
	n2m_secret_wipe(resp.body, resp.len); /* it carries the session hash */
	n2m_rest_response_free(&resp);
	if (rc == NVX_REST_OK) {
		b->have_hash = 1;
		n2m_log(&b->log, N2M_LOG_INFO, "upstream.authenticated", "method=login");
		return N2M_PREPARE_OK;
	}
	forget_hash(b);
	if (rc == NVX_REST_API_ERROR) {
		snprintf(err, errlen, "user/auth refused: code %d (%s)", api.code, api.description);
		/* 104/105 are limits, not wrong credentials, but retrying fast
		 * only makes them worse: same long back-off. */
		return N2M_PREPARE_AUTH_FAILED;
	}
	snprintf(err, errlen, "user/auth: %s", perr);
	return strstr(perr, "second_factor") || strstr(perr, "2FA") ? N2M_PREPARE_AUTH_FAILED
								     : N2M_PREPARE_RETRY;
}

static void apply_tracker_change(struct bridge *b, const struct n2m_tracker_change *c,
				 const struct n2m_map_ctx *ctx)
{
	struct n2m_tracker *tr = n2m_tracker_find(&b->trackers, c->tracker_id);
	char err[160];

	if (!tr)
		return;
	switch (c->kind) {
	case N2M_TRACKER_RENAMED:
		/* Label topics: the old topic id's retained topics go away and
		 * everything is published again under the new one. */
		if (n2m_map_clear(ctx, tr, c->old_topic_id, &b->pubs, err, sizeof err) != 0)
			b->counters.mapping_errors++;
		n2m_tracker_forget_published(tr);
		/* fall through */
	case N2M_TRACKER_RELABELLED:
	case N2M_TRACKER_BLOCK_CHANGED:
		if (n2m_map_resync(ctx, tr, &b->pubs, err, sizeof err) != 0)
			b->counters.mapping_errors++;
		break;
	case N2M_TRACKER_GONE:
		if (n2m_map_clear(ctx, tr, NULL, &b->pubs, err, sizeof err) != 0)
			b->counters.mapping_errors++;
		bridge_publish_pending(b);
		n2m_log(&b->log, N2M_LOG_INFO, "tracker.gone", "tracker_id=%" PRId64, c->tracker_id);
		tr = n2m_tracker_find(&b->trackers, c->tracker_id);
		if (tr)
			n2m_tracker_remove(&b->trackers, tr);
		return;
	default:
		break;
	}
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
		apply_tracker_change(b, &changes.items[i], &ctx);
	n2m_tracker_changes_free(&changes);
	return 0;
}

/* tracker/list into the table. Returns OK, RETRY (transport), or
 * AUTH_FAILED with *session_dead set when the hash was refused. */
static enum n2m_upstream_prepare load_tracker_list(struct bridge *b, int *session_dead,
						   char *err, size_t errlen)
{
	struct n2m_rest_response resp;
	struct nvx_rest_error api = { 0 };
	struct nvx_tracker_list list = { 0 };
	char perr[200];

	*session_dead = 0;
	b->counters.tracker_list_calls++;
	b->last_tracker_list = time(NULL);
	if (n2m_rest_tracker_list(&b->rest, b->hash, &resp, err, errlen) != 0)
		return N2M_PREPARE_RETRY;
	enum nvx_rest_result rc = nvx_rest_parse_tracker_list(resp.body, resp.len, &list, &api,
							      perr, sizeof perr);
	n2m_rest_response_free(&resp);
	if (rc == NVX_REST_API_ERROR) {
		snprintf(err, errlen, "tracker/list refused: code %d (%s)", api.code, api.description);
		if (api.code == NVX_CODE_SESSION_ENDED || api.code == NVX_CODE_WRONG_HASH) {
			*session_dead = 1;
			return N2M_PREPARE_AUTH_FAILED;
		}
		return N2M_PREPARE_RETRY;
	}
	if (rc != NVX_REST_OK) {
		snprintf(err, errlen, "tracker/list: %s", perr);
		return N2M_PREPARE_RETRY;
	}
	if (list.n_bad)
		n2m_log(&b->log, N2M_LOG_WARN, "tracker_list.bad_entries", "count=%zu first=\"%s\"",
			list.n_bad, list.first_bad);
	bridge_shard_tracker_list(b, &list);
	bridge_plugins_tracker_list(b, &list);
	int applied = apply_tracker_list(b, &list);
	n2m_log(&b->log, N2M_LOG_INFO, "tracker_list.loaded", "trackers=%zu table=%zu", list.n,
		n2m_tracker_table_count(&b->trackers));
	nvx_tracker_list_free(&list);
	if (applied != 0) {
		snprintf(err, errlen, "tracker/list: out of memory");
		return N2M_PREPARE_RETRY;
	}
	return N2M_PREPARE_OK;
}

enum n2m_upstream_prepare bridge_upstream_prepare(void *ctx, char *err, size_t errlen)
{
	struct bridge *b = ctx;
	int session_dead = 0;
	enum n2m_upstream_prepare rc;

	if (!uses_login(b)) {
		snprintf(b->hash, sizeof b->hash, "%s", b->cfg.navixy.api_key);
		b->have_hash = 1;
	} else if (!b->have_hash) {
		rc = authenticate(b, err, errlen);
		if (rc != N2M_PREPARE_OK)
			return rc;
	}
	rc = load_tracker_list(b, &session_dead, err, errlen);
	if (session_dead && uses_login(b)) {
		/* A kept session hash expired: one fresh login, then retry. */
		forget_hash(b);
		rc = authenticate(b, err, errlen);
		if (rc == N2M_PREPARE_OK)
			rc = load_tracker_list(b, &session_dead, err, errlen);
	}
	return rc;
}

/* A state arrived for a source the table does not know (a tracker added
 * to the account): refresh the list, at most once per tracker_refresh_min_s. */
static void refresh_trackers_if_allowed(struct bridge *b)
{
	char err[256];
	int session_dead;
	time_t now = time(NULL);

	if (b->last_tracker_list &&
	    now - b->last_tracker_list < b->cfg.navixy.tracker_refresh_min_s)
		return;
	if (load_tracker_list(b, &session_dead, err, sizeof err) != N2M_PREPARE_OK)
		n2m_log(&b->log, N2M_LOG_WARN, "tracker_list.refresh_failed", "error=\"%s\"", err);
}

int bridge_tracker_list_refresh(struct bridge *b)
{
	char err[256];
	int session_dead;

	if (load_tracker_list(b, &session_dead, err, sizeof err) == N2M_PREPARE_OK)
		return 0;
	n2m_log(&b->log, N2M_LOG_WARN, "tracker_list.refresh_failed", "error=\"%s\"", err);
	return -1;
}

/* ---------- subscriptions ---------- */

static void send_request(struct bridge *b, enum nvx_request_action action)
{
	/* Sharded: "all" becomes this shard's trackers, in slices (bridge_shard.h). */
	long sent = bridge_shard_send(b, action);

	if (sent > 0)
		n2m_log(&b->log, N2M_LOG_INFO, "upstream.request", "action=%s bytes=%ld",
			action == NVX_REQ_SUBSCRIBE ? "subscribe" : "unsubscribe", sent);
}

char *bridge_unsubscribe_message(struct bridge *b, size_t *len)
{
	char err[200];

	if (!b->have_hash)
		return NULL;
	return bridge_shard_request(b, NVX_REQ_UNSUBSCRIBE, len, err, sizeof err);
}

void bridge_upstream_open(void *ctx)
{
	struct bridge *b = ctx;

	/* Navixy subscriptions die with the socket: send the whole set. */
	send_request(b, NVX_REQ_SUBSCRIBE);
}

void bridge_upstream_state(void *ctx)
{
	bridge_publish_upstream_state(ctx, 0);
}

/* ---------- frames ---------- */

static void session_dead(struct bridge *b, const char *why)
{
	if (uses_login(b)) {
		forget_hash(b);
		n2m_upstream_fail(&b->upstream, N2M_UP_FAIL_LOGGED_OUT, why);
	} else {
		n2m_upstream_fail(&b->upstream, N2M_UP_FAIL_AUTH, why);
	}
}

static void on_response(struct bridge *b, const struct nvx_response *r)
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
	bridge_control_upstream_response(b, r);
}

static void on_error_frame(struct bridge *b, const struct nvx_error *e)
{
	b->counters.error_frames++;
	n2m_log(&b->log, N2M_LOG_ERROR, "upstream.error", "action=%s code=%d description=\"%s\"",
		e->action_name ? e->action_name : "null", e->code, e->description);
	bridge_control_upstream_error(b, e);
	if (e->code == NVX_CODE_SESSION_ENDED || e->code == NVX_CODE_WRONG_HASH) {
		char why[160];
		snprintf(why, sizeof why, "error %d: %s", e->code, e->description);
		session_dead(b, why);
	}
}

/* Items for trackers not in tracker/list: counted, and logged like parse
 * errors (first ten, then one in a thousand) with the reason. */
static void count_unknown(struct bridge *b, const char *what, int64_t id)
{
	b->counters.unknown_sources++;
	if (b->counters.unknown_sources <= 10 || b->counters.unknown_sources % 1000 == 0)
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.unknown_tracker",
			"%s=%" PRId64 " count=%" PRIu64 " reason=\"not in tracker/list, even after a"
			" refresh (at most every %d s): skipped\"",
			what, id, b->counters.unknown_sources, b->cfg.navixy.tracker_refresh_min_s);
}

static struct n2m_tracker *tracker_for_source(struct bridge *b, int64_t source_id)
{
	struct n2m_tracker *tr = n2m_tracker_find_source(&b->trackers, source_id);

	if (!tr) {
		refresh_trackers_if_allowed(b);
		tr = n2m_tracker_find_source(&b->trackers, source_id);
	}
	if (!tr)
		count_unknown(b, "source_id", source_id);
	return tr;
}

static struct n2m_tracker *tracker_for_id(struct bridge *b, int64_t tracker_id)
{
	struct n2m_tracker *tr = n2m_tracker_find(&b->trackers, tracker_id);

	if (!tr) {
		refresh_trackers_if_allowed(b);
		tr = n2m_tracker_find(&b->trackers, tracker_id);
	}
	if (!tr)
		count_unknown(b, "tracker_id", tracker_id);
	return tr;
}

static void count_mapping_error(struct bridge *b, const char *what, const char *err)
{
	b->counters.mapping_errors++;
	if (b->counters.mapping_errors <= 10 || b->counters.mapping_errors % 1000 == 0)
		n2m_log(&b->log, N2M_LOG_WARN, "mapping.error", "what=%s count=%" PRIu64 " error=\"%s\"",
			what, b->counters.mapping_errors, err);
}

static void on_items(struct bridge *b, const struct nvx_frame *f)
{
	struct n2m_map_ctx ctx = bridge_map_ctx(b);
	char err[200];

	for (size_t i = 0; i < f->n_items; i++) {
		const struct nvx_item *it = &f->items[i];
		struct n2m_tracker *tr;
		int rc;
		switch (f->event) {
		case NVX_EVENT_STATE:
		case NVX_EVENT_STATE_BATCH:
			if (!(tr = tracker_for_source(b, it->id)))
				continue;
			b->counters.state_updates++;
			/* Raw items (the fast path) carry no json-c object. */
			rc = it->obj ? n2m_map_state(&ctx, tr, it->obj, &b->pubs, err, sizeof err)
				     : n2m_map_state_text(&ctx, tr, it->raw, it->raw_len, it->state,
							  &b->pubs, err, sizeof err);
			break;
		case NVX_EVENT_READINGS_BATCH:
			if (!(tr = tracker_for_id(b, it->id)))
				continue;
			b->counters.readings_updates++;
			rc = it->obj ? n2m_map_readings(&ctx, tr, it->obj, &b->pubs, err, sizeof err)
				     : n2m_map_readings_text(&ctx, tr, it->raw, it->raw_len,
							     &b->pubs, err, sizeof err);
			break;
		case NVX_EVENT_IOT_MONITOR:
			if (!(tr = tracker_for_id(b, it->id)))
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
	struct n2m_tracker *tr = tracker_for_source(b, lc->source_id);
	char err[200];

	b->counters.lifecycle_events++;
	if (!tr) {
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
		reason ? reason : "", uses_login(b) ? "yes" : "no");
	if (fields) {
		json_object_object_add(fields, "reason", json_object_new_string(reason ? reason : ""));
		json_object_object_add(fields, "reauth", json_object_new_boolean(uses_login(b)));
		bridge_publish_event(b, "logout", fields);
	}
	session_dead(b, "logout event: session closed");
}

static void log_parse_error(struct bridge *b, const char *err, size_t len)
{
	/* A broken server could send nothing else: log the first ten, then
	 * one in a thousand; the counter has them all. */
	if (b->counters.parse_errors <= 10 || b->counters.parse_errors % 1000 == 0)
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.parse_error", "count=%" PRIu64
			" bytes=%zu error=\"%s\"", b->counters.parse_errors, len, err);
}

static void dispatch_event(struct bridge *b, const struct nvx_frame *f)
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
		if (b->counters.unknown_frames <= 10 || b->counters.unknown_frames % 1000 == 0)
			n2m_log(&b->log, N2M_LOG_WARN, "upstream.unknown_event",
				"event=\"%.64s\" count=%" PRIu64 " reason=\"event type not known: skipped\"",
				f->event_name ? f->event_name : "", b->counters.unknown_frames);
		break;
	}
}

void bridge_upstream_message(void *ctx, const char *msg, size_t len)
{
	struct bridge *b = ctx;
	struct nvx_frame f;
	char err[200];

	b->counters.frames_in++;
	if (nvx_frame_parse_fast(msg, len, &f, err, sizeof err) != 0) {
		b->counters.parse_errors++;
		log_parse_error(b, err, len);
		return;
	}
	if (f.n_bad_items) {
		b->counters.bad_items += f.n_bad_items;
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.bad_items", "count=%zu first=\"%s\"",
			f.n_bad_items, f.item_error);
	}
	switch (f.kind) {
	case NVX_FRAME_RESPONSE:
		on_response(b, &f.response);
		break;
	case NVX_FRAME_ERROR:
		on_error_frame(b, &f.error);
		break;
	case NVX_FRAME_EVENT:
		dispatch_event(b, &f);
		break;
	default:
		b->counters.unknown_frames++;
		if (b->counters.unknown_frames <= 10 || b->counters.unknown_frames % 1000 == 0)
			n2m_log(&b->log, N2M_LOG_WARN, "upstream.unknown_frame",
				"count=%" PRIu64 " reason=\"frame type not known: skipped\"",
				b->counters.unknown_frames);
		break;
	}
	/* After a big message, upstream.c gives the memory back to the
	 * system (release_spare_memory). */
	nvx_frame_free(&f);
}
