/* SPDX-License-Identifier: MIT */
/*
 * mapping.c - tracker updates to MQTT publications (see mapping.h).
 *
 * Hot path: a state update renders the state once with json-c (the frame's
 * tree gains tracker_id and label, then prints itself), the location by hand
 * into a reused buffer, and availability as a constant; each payload is
 * hashed once for dedupe.
 */
#include "error_text.h"
#include "mapping.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash64.h"
#include "json_writer.h"
#include "location.h"
#include "mapping_internal.h"
#include "readings_merge.h"
#include "topic.h"

#define RENDER_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Classes that live under a tracker's topics. */
static const enum n2m_topic_class tracker_classes[] = {
	N2M_CLASS_STATE, N2M_CLASS_LOCATION, N2M_CLASS_AVAILABILITY,
	N2M_CLASS_READINGS, N2M_CLASS_IOT_MONITOR, N2M_CLASS_LIFECYCLE,
};

/* Classes the tracker table can render again (resync). */
static const enum n2m_topic_class snapshot_classes[] = {
	N2M_CLASS_STATE, N2M_CLASS_LOCATION, N2M_CLASS_AVAILABILITY, N2M_CLASS_READINGS,
};

/* ---- publication list ---- */

void n2m_pub_list_init(struct n2m_pub_list *l)
{
	memset(l, 0, sizeof(*l));
}

void n2m_publication_free(struct n2m_publication *p)
{
	free(p->topic);
	free(p->payload);
	memset(p, 0, sizeof(*p));
}

void n2m_pub_list_clear(struct n2m_pub_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		n2m_publication_free(&l->items[i]);
	l->n = 0;
}

void n2m_pub_list_free(struct n2m_pub_list *l)
{
	n2m_pub_list_clear(l);
	free(l->items);
	n2m_pub_list_init(l);
}

struct n2m_publication n2m_pub_list_take(struct n2m_pub_list *l, size_t i)
{
	struct n2m_publication p = { 0 };
	if (i < l->n) {
		p = l->items[i];
		memset(&l->items[i], 0, sizeof(l->items[i]));
	}
	return p;
}

static struct n2m_publication *pub_list_push(struct n2m_pub_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct n2m_publication *p = realloc(l->items, cap * sizeof(*p));
		if (!p)
			return NULL;
		l->items = p;
		l->cap = cap;
	}
	struct n2m_publication *p = &l->items[l->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* ---- emitting ---- */

/* Appends one publication of cls for tr on topic_id. `payload` is copied.
 * Returns 0 (also when deduplicated) or -1 on no memory. */
int n2m_map_emit(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr, enum n2m_topic_class cls,
		const char *topic_id, const char *payload, size_t len, enum emit_mode mode,
		struct n2m_pub_list *out, char *err, size_t errlen)
{
	const struct n2m_class_options *opt = &ctx->topics->classes[cls];
	int retain = mode == EMIT_CLEAR ? 1 : opt->retain;
	uint64_t hash = n2m_hash64(payload, len);
	if (mode == EMIT_DEDUPE && retain && n2m_tracker_is_published(tr, cls, hash, len))
		return 0;
	char *topic = n2m_topic_tracker_dup(ctx->base_topic, topic_id, n2m_topic_class_suffix(cls));
	char *copy = malloc(len + 1);
	struct n2m_publication *p = topic && copy ? pub_list_push(out) : NULL;
	if (!p) {
		free(topic);
		free(copy);
		return n2m_fail(err, errlen, "mapping: out of memory");
	}
	memcpy(copy, payload, len);
	copy[len] = '\0';
	*p = (struct n2m_publication){ .topic = topic, .payload = copy, .payload_len = len,
				       .qos = opt->qos, .retain = retain, .cls = cls,
				       .tracker_id = tr->id, .hash = hash,
				       .clearing = mode == EMIT_CLEAR };
	if (retain && mode != EMIT_CLEAR)
		n2m_tracker_mark_produced(tr, cls, hash, len);
	return 0;
}

const char *n2m_availability_text(enum n2m_availability a)
{
	switch (a) {
	case N2M_AVAIL_ONLINE: return "online";
	case N2M_AVAIL_OFFLINE: return "offline";
	case N2M_AVAIL_UNKNOWN: break;
	}
	return NULL;
}

void n2m_map_count_truncated(const struct n2m_map_ctx *ctx, size_t n)
{
	if (ctx->readings_truncated)
		*ctx->readings_truncated += n;
}

int n2m_map_emit_availability(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			     enum emit_mode mode, struct n2m_pub_list *out, char *err, size_t errlen)
{
	const char *text = n2m_availability_text(n2m_tracker_availability(tr));
	if (!text)
		return 0;
	return n2m_map_emit(ctx, tr, N2M_CLASS_AVAILABILITY, tr->topic_id, text, strlen(text), mode, out,
		    err, errlen);
}

int n2m_map_emit_location(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			 enum emit_mode mode, struct n2m_pub_list *out, char *err, size_t errlen)
{
	if (!tr->location.valid)
		return 0;
	tr->location.stale = n2m_location_is_stale(&tr->location, ctx->now,
						   ctx->topics->stale_after_s);
	/* Location payloads are ~150 bytes: a stack buffer avoids a malloc. */
	char stack[512];
	struct n2m_buf b;
	n2m_buf_init_storage(&b, stack, sizeof(stack));
	n2m_location_render(&tr->location, tr->location.stale, &b);
	int rc = b.failed ? n2m_fail(err, errlen, "mapping: out of memory")
			  : n2m_map_emit(ctx, tr, N2M_CLASS_LOCATION, tr->topic_id, b.data, b.len, mode,
				 out, err, errlen);
	n2m_buf_free(&b);
	return rc;
}

/* ---- state ---- */

int n2m_map_connection_online(const char *s, size_t n)
{
	static const char *const online[] = { "active", "idle", "just_registered", "just_replaced" };
	static const char *const offline[] = { "offline", "signal_lost" };
	for (size_t i = 0; i < sizeof(online) / sizeof(online[0]); i++)
		if (strlen(online[i]) == n && memcmp(s, online[i], n) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(offline) / sizeof(offline[0]); i++)
		if (strlen(offline[i]) == n && memcmp(s, offline[i], n) == 0)
			return 0;
	return -1;
}

/* connection_status to online (1) / offline (0); -1 for anything else.
 * strlen, not the JSON length: an embedded NUL ends the name, as it did
 * when this compared with strcmp. */
static int connection_online(struct json_object *state)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(state, "connection_status", &v) ||
	    !json_object_is_type(v, json_type_string))
		return -1;
	const char *s = json_object_get_string(v);
	return n2m_map_connection_online(s, strlen(s));
}

static int add_field(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -1;
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

int n2m_map_state(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		  struct json_object *state, struct n2m_pub_list *out, char *err, size_t errlen)
{
	if (!json_object_is_type(state, json_type_object))
		return n2m_fail(err, errlen, "state: not an object");
	if (add_field(state, "tracker_id", json_object_new_int64(tr->id)) < 0 ||
	    add_field(state, "label", json_object_new_string(tr->label)) < 0)
		return n2m_fail(err, errlen, "state: out of memory");
	size_t len = 0;
	const char *text = json_object_to_json_string_length(state, RENDER_FLAGS, &len);
	if (!text || n2m_tracker_store_state(tr, text, len) < 0)
		return n2m_fail(err, errlen, "state: out of memory");
	int online = connection_online(state);
	if (online >= 0)
		tr->connection_online = online;
	n2m_location_from_state(state, &tr->location);

	if (n2m_map_emit(ctx, tr, N2M_CLASS_STATE, tr->topic_id, text, len, EMIT_DEDUPE, out, err,
		 errlen) < 0 ||
	    n2m_map_emit_location(ctx, tr, EMIT_DEDUPE, out, err, errlen) < 0)
		return -1;
	return n2m_map_emit_availability(ctx, tr, EMIT_DEDUPE, out, err, errlen);
}

/* ---- readings ---- */

int n2m_map_readings(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		     struct json_object *delta, struct n2m_pub_list *out, char *err,
		     size_t errlen)
{
	if (!json_object_is_type(delta, json_type_object))
		return n2m_fail(err, errlen, "readings: not an object");
	int first = tr->readings_json == NULL;
	struct json_object *full = first ? json_object_new_object() : n2m_tracker_readings_json(tr);
	if (!full)
		return n2m_fail(err, errlen, first ? "readings: out of memory"
					       : "readings: stored readings unreadable");
	size_t cut = 0;
	int rc = n2m_readings_merge(full, delta, &cut, err, errlen);
	n2m_map_count_truncated(ctx, rc < 0 ? 0 : cut);
	if (rc < 0 || (rc == 0 && !first)) {
		json_object_put(full);
		return rc < 0 ? -1 : 0;
	}
	if (add_field(full, "tracker_id", json_object_new_int64(tr->id)) < 0) {
		json_object_put(full);
		return n2m_fail(err, errlen, "readings: out of memory");
	}
	size_t len = 0;
	const char *text = json_object_to_json_string_length(full, RENDER_FLAGS, &len);
	if (text && len > N2M_READINGS_MAX_BYTES) {
		n2m_map_count_truncated(ctx, 1); /* the stored readings stay */
		json_object_put(full);
		return 0;
	}
	rc = !text || n2m_tracker_store_readings(tr, text, len) < 0
		     ? n2m_fail(err, errlen, "readings: out of memory")
		     : n2m_map_emit(ctx, tr, N2M_CLASS_READINGS, tr->topic_id, text, len, EMIT_DEDUPE, out,
			    err, errlen);
	json_object_put(full);
	return rc;
}

/* ---- iot_monitor, lifecycle ---- */

int n2m_map_iot_monitor(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			struct json_object *entry, struct n2m_pub_list *out, char *err,
			size_t errlen)
{
	if (!json_object_is_type(entry, json_type_object))
		return n2m_fail(err, errlen, "iot_monitor: entry is not an object");
	size_t len = 0;
	const char *text = json_object_to_json_string_length(entry, RENDER_FLAGS, &len);
	if (!text)
		return n2m_fail(err, errlen, "iot_monitor: out of memory");
	return n2m_map_emit(ctx, tr, N2M_CLASS_IOT_MONITOR, tr->topic_id, text, len, EMIT_DEDUPE, out, err,
		    errlen);
}

int n2m_map_lifecycle(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		      enum nvx_lifecycle_kind kind, const char *name, struct n2m_pub_list *out,
		      char *err, size_t errlen)
{
	if (kind != NVX_LIFECYCLE_UNKNOWN)
		name = nvx_lifecycle_name(kind);
	else if (!name)
		name = "unknown";
	char stack[256];
	struct n2m_buf b;
	n2m_buf_init_storage(&b, stack, sizeof(stack));
	n2m_buf_puts(&b, "{\"event\":");
	n2m_buf_json_string(&b, name, strlen(name));
	n2m_buf_puts(&b, ",\"tracker_id\":");
	n2m_buf_json_int(&b, tr->id);
	n2m_buf_puts(&b, ",\"source_id\":");
	if (tr->source_id)
		n2m_buf_json_int(&b, tr->source_id);
	else
		n2m_buf_puts(&b, "null");
	n2m_buf_putc(&b, '}');
	int rc = b.failed ? n2m_fail(err, errlen, "lifecycle: out of memory")
			  : n2m_map_emit(ctx, tr, N2M_CLASS_LIFECYCLE, tr->topic_id, b.data, b.len,
				 EMIT_DEDUPE, out, err, errlen);
	n2m_buf_free(&b);
	if (rc < 0)
		return -1;

	switch (kind) {
	case NVX_LIFECYCLE_BLOCK:
		tr->blocked = 1;
		tr->upstream = NVX_STATUS_BLOCKED;
		return n2m_map_emit_availability(ctx, tr, EMIT_DEDUPE, out, err, errlen);
	case NVX_LIFECYCLE_UNBLOCK:
		tr->blocked = 0;
		if (tr->upstream == NVX_STATUS_BLOCKED)
			tr->upstream = NVX_STATUS_NORMAL;
		return n2m_map_emit_availability(ctx, tr, EMIT_DEDUPE, out, err, errlen);
	case NVX_LIFECYCLE_CORRUPT:
		return n2m_map_clear(ctx, tr, NULL, out, err, errlen);
	case NVX_LIFECYCLE_UNKNOWN:
		break;
	}
	return 0;
}

/* ---- clear, resync, stale ---- */

int n2m_map_clear(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr, const char *topic_id,
		  struct n2m_pub_list *out, char *err, size_t errlen)
{
	const char *where = topic_id ? topic_id : tr->topic_id;
	for (size_t i = 0; i < sizeof(tracker_classes) / sizeof(tracker_classes[0]); i++) {
		enum n2m_topic_class cls = tracker_classes[i];
		if (!ctx->topics->classes[cls].retain)
			continue;
		if (n2m_map_emit(ctx, tr, cls, where, "", 0, EMIT_CLEAR, out, err, errlen) < 0)
			return -1;
	}
	if (!topic_id)
		n2m_tracker_forget_published(tr);
	return 0;
}

/* Renders one snapshot class from the table; 0 also when it has no value. */
static int emit_snapshot(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			 enum n2m_topic_class cls, struct n2m_pub_list *out, char *err,
			 size_t errlen)
{
	switch (cls) {
	case N2M_CLASS_STATE:
		return tr->state_json ? n2m_map_emit(ctx, tr, cls, tr->topic_id, tr->state_json,
					     tr->state_len, EMIT_ALWAYS, out, err, errlen) : 0;
	case N2M_CLASS_READINGS:
		return tr->readings_json ? n2m_map_emit(ctx, tr, cls, tr->topic_id, tr->readings_json,
						tr->readings_len, EMIT_ALWAYS, out, err, errlen) : 0;
	case N2M_CLASS_LOCATION:
		return n2m_map_emit_location(ctx, tr, EMIT_ALWAYS, out, err, errlen);
	case N2M_CLASS_AVAILABILITY:
		return n2m_map_emit_availability(ctx, tr, EMIT_ALWAYS, out, err, errlen);
	default:
		return 0;
	}
}

/* The state payload carries the label: after a relabel, refresh it. */
static int refresh_state_label(struct n2m_tracker *tr, char *err, size_t errlen)
{
	if (!tr->state_json)
		return 0;
	struct json_object *state = n2m_tracker_state_json(tr);
	struct json_object *label = NULL;
	if (!state)
		return n2m_fail(err, errlen, "state: stored state unreadable");
	int same = json_object_object_get_ex(state, "label", &label) &&
		   json_object_is_type(label, json_type_string) &&
		   strcmp(json_object_get_string(label), tr->label) == 0;
	int rc = 0;
	if (!same) {
		size_t len = 0;
		const char *text = NULL;
		if (add_field(state, "label", json_object_new_string(tr->label)) == 0)
			text = json_object_to_json_string_length(state, RENDER_FLAGS, &len);
		rc = !text || n2m_tracker_store_state(tr, text, len) < 0
			     ? n2m_fail(err, errlen, "state: out of memory") : 0;
	}
	json_object_put(state);
	return rc;
}

int n2m_map_resync(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		   struct n2m_pub_list *out, char *err, size_t errlen)
{
	if (refresh_state_label(tr, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(snapshot_classes) / sizeof(snapshot_classes[0]); i++) {
		enum n2m_topic_class cls = snapshot_classes[i];
		if (ctx->topics->classes[cls].retain &&
		    emit_snapshot(ctx, tr, cls, out, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int n2m_map_stale_refresh(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			  struct n2m_pub_list *out, char *err, size_t errlen)
{
	if (!tr->location.valid)
		return 0;
	int stale = n2m_location_is_stale(&tr->location, ctx->now, ctx->topics->stale_after_s);
	if (stale == tr->location.stale)
		return 0;
	return n2m_map_emit_location(ctx, tr, EMIT_DEDUPE, out, err, errlen);
}

void n2m_publication_confirm(struct n2m_tracker *tr, const struct n2m_publication *p)
{
	if (!tr || p->clearing || !p->retain || p->tracker_id != tr->id)
		return;
	n2m_tracker_mark_published(tr, p->cls, p->hash, p->payload_len);
}
