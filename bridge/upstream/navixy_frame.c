/* SPDX-License-Identifier: MIT */
/*
 * navixy_frame.c - one Navixy WebSocket JSON message to a typed frame (see
 * navixy_frame.h). Shapes and their provenance: docs/protocol.md, "Frames
 * from the server" and "Events".
 */
#include "error_text.h"
#include "navixy_frame.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *v = member(obj, key);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Parses a positive decimal id from text (response map keys). */
static int id_from_text(const char *s, int64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* An id field: a positive JSON integer, an integral double that fits, or a
 * string of digits (lenient: Navixy types drift between int and string). */
static int id_from_json(struct json_object *v, int64_t *out)
{
	switch (json_object_get_type(v)) {
	case json_type_int: {
		errno = 0;
		int64_t i = json_object_get_int64(v);
		/* json-c saturates out-of-range values at INT64_MAX/MIN. */
		if (i <= 0 || i == INT64_MAX)
			return -1;
		*out = i;
		return 0;
	}
	case json_type_double: {
		double d = json_object_get_double(v);
		if (!(d >= 1 && d < 9007199254740992.0) || d != floor(d))
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	case json_type_string:
		return id_from_text(json_object_get_string(v), out);
	default:
		return -1;
	}
}

const char *nvx_status_name(enum nvx_status status)
{
	switch (status) {
	case NVX_STATUS_NORMAL: return "normal";
	case NVX_STATUS_BLOCKED: return "blocked";
	case NVX_STATUS_UNKNOWN: return "unknown";
	case NVX_STATUS_DISALLOWED: return "disallowed";
	case NVX_STATUS_NONE: break;
	}
	return "none";
}

int nvx_status_parse(const char *name, enum nvx_status *out)
{
	static const enum nvx_status all[] = { NVX_STATUS_NORMAL, NVX_STATUS_BLOCKED,
					       NVX_STATUS_UNKNOWN, NVX_STATUS_DISALLOWED };
	for (size_t i = 0; name && i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, nvx_status_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -1;
}

static const char *const event_names[] = {
	[NVX_EVENT_NONE] = "",
	[NVX_EVENT_STATE] = "state",
	[NVX_EVENT_STATE_BATCH] = "state_batch",
	[NVX_EVENT_READINGS_BATCH] = "readings_batch",
	[NVX_EVENT_IOT_MONITOR] = "iot_monitor",
	[NVX_EVENT_LIFECYCLE] = "lifecycle",
	[NVX_EVENT_LOGOUT] = "logout",
	[NVX_EVENT_UNKNOWN] = "unknown",
};

const char *nvx_event_name(enum nvx_event_kind kind)
{
	if ((unsigned)kind < sizeof(event_names) / sizeof(event_names[0]))
		return event_names[kind];
	return "unknown";
}

static enum nvx_event_kind event_kind(const char *name)
{
	for (int k = NVX_EVENT_STATE; k < NVX_EVENT_UNKNOWN; k++)
		if (strcmp(name, event_names[k]) == 0)
			return (enum nvx_event_kind)k;
	return NVX_EVENT_UNKNOWN;
}

const char *nvx_lifecycle_name(enum nvx_lifecycle_kind kind)
{
	switch (kind) {
	case NVX_LIFECYCLE_BLOCK: return "block";
	case NVX_LIFECYCLE_UNBLOCK: return "unblock";
	case NVX_LIFECYCLE_CORRUPT: return "corrupt";
	case NVX_LIFECYCLE_UNKNOWN: break;
	}
	return "unknown";
}

static enum nvx_action action_kind(const char *name)
{
	if (name && strcmp(name, "subscription/subscribe") == 0)
		return NVX_ACTION_SUBSCRIBE;
	if (name && strcmp(name, "subscription/unsubscribe") == 0)
		return NVX_ACTION_UNSUBSCRIBE;
	return NVX_ACTION_OTHER;
}

/* ---- responses ---- */

/* Fills r's statuses from a map trackerId -> status text. */
static int parse_status_map(struct json_object *map, struct nvx_sub_result *r)
{
	size_t n = (size_t)json_object_object_length(map);
	r->statuses = n ? calloc(n, sizeof(*r->statuses)) : NULL;
	if (n && !r->statuses)
		return -1;
	json_object_object_foreach(map, key, val) {
		struct nvx_status_entry e;
		const char *text = json_object_is_type(val, json_type_string)
					   ? json_object_get_string(val) : NULL;
		if (id_from_text(key, &e.tracker_id) < 0 || nvx_status_parse(text, &e.status) < 0) {
			r->n_bad_statuses++;
			continue;
		}
		r->statuses[r->n_statuses++] = e;
	}
	return 0;
}

static int parse_sub_result(const char *type, struct json_object *v, struct nvx_sub_result *r,
			    char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->type_name = type;
	r->type_known = n2m_sub_type_parse(type, &r->type) == 0;
	if (!json_object_is_type(v, json_type_object))
		return n2m_fail(err, errlen, "response: data.%s is not an object", type);

	struct json_object *success = member(v, "success");
	struct json_object *value = member(v, "value");
	if (success && !json_object_is_type(success, json_type_boolean))
		return n2m_fail(err, errlen, "response: data.%s.success is not a boolean", type);
	if (value && !json_object_is_type(value, json_type_object) &&
	    !json_object_is_type(value, json_type_null))
		return n2m_fail(err, errlen, "response: data.%s.value is not an object", type);

	if (success || value) {
		r->success = success ? json_object_get_boolean(success) : 1;
		if (!r->success) {
			struct json_object *status = member(v, "status");
			struct json_object *code = member(status, "code");
			r->error_code = json_object_is_type(code, json_type_int)
						? json_object_get_int(code) : 0;
			r->error_description = member_string(status, "description");
			if (!r->error_description)
				r->error_description = member_string(v, "description");
		}
		if (json_object_is_type(value, json_type_object))
			return parse_status_map(value, r) < 0
				       ? n2m_fail(err, errlen, "response: out of memory") : 0;
		return 0;
	}
	/* Pre-2023: the sub-response is the status map itself. */
	r->success = 1;
	return parse_status_map(v, r) < 0 ? n2m_fail(err, errlen, "response: out of memory") : 0;
}

static int parse_legacy_ids(struct json_object *arr, struct nvx_response *resp, char *err,
			    size_t errlen)
{
	size_t n = json_object_array_length(arr);
	resp->legacy_id_list = 1;
	resp->legacy_ids = n ? calloc(n, sizeof(int64_t)) : NULL;
	if (n && !resp->legacy_ids)
		return n2m_fail(err, errlen, "response: out of memory");
	for (size_t i = 0; i < n; i++) {
		int64_t id;
		if (id_from_json(json_object_array_get_idx(arr, i), &id) == 0)
			resp->legacy_ids[resp->n_legacy_ids++] = id;
	}
	return 0;
}

static int parse_response(struct json_object *root, struct nvx_frame *f, char *err, size_t errlen)
{
	struct nvx_response *resp = &f->response;
	resp->action_name = member_string(root, "action");
	resp->action = action_kind(resp->action_name);
	struct json_object *data = member(root, "data");
	if (!data || json_object_is_type(data, json_type_null))
		return 0;
	if (json_object_is_type(data, json_type_array))
		return parse_legacy_ids(data, resp, err, errlen);
	if (!json_object_is_type(data, json_type_object))
		return n2m_fail(err, errlen, "response: data is neither an object nor an array");

	size_t n = (size_t)json_object_object_length(data);
	resp->results = n ? calloc(n, sizeof(*resp->results)) : NULL;
	if (n && !resp->results)
		return n2m_fail(err, errlen, "response: out of memory");
	json_object_object_foreach(data, key, val) {
		if (parse_sub_result(key, val, &resp->results[resp->n_results], err, errlen) < 0) {
			/* Keep what was allocated reachable so nvx_frame_free frees it. */
			resp->n_results++;
			return -1;
		}
		resp->n_results++;
	}
	return 0;
}

static int parse_error(struct json_object *root, struct nvx_frame *f)
{
	struct nvx_error *e = &f->error;
	e->action_name = member_string(root, "action");
	e->action = action_kind(e->action_name);
	struct json_object *status = member(root, "status");
	struct json_object *code = member(status, "code");
	if (json_object_is_type(code, json_type_int) || json_object_is_type(code, json_type_string))
		e->code = json_object_get_int(code);
	e->description = member_string(status, "description");
	if (!e->description)
		e->description = "";
	e->data = member(root, "data");
	return 0;
}

/* ---- events ---- */

static void note_bad_item(struct nvx_frame *f, const char *fmt, size_t index, const char *why)
{
	if (f->n_bad_items++ == 0)
		snprintf(f->item_error, sizeof(f->item_error), fmt, nvx_event_name(f->event), index,
			 why);
}

static int alloc_items(struct nvx_frame *f, size_t n, char *err, size_t errlen)
{
	f->items = n ? calloc(n, sizeof(*f->items)) : NULL;
	if (n && !f->items)
		return n2m_fail(err, errlen, "%s: out of memory", nvx_event_name(f->event));
	return 0;
}

/* A state as Navixy sent it: bare, or {"type":"source_state_event","state":{...}}. */
static struct json_object *unwrap_state(struct json_object *item)
{
	struct json_object *inner = member(item, "state");
	if (json_object_is_type(inner, json_type_object) && !member(item, "source_id"))
		return inner;
	return item;
}

/* Why a state item cannot be used, or NULL; sets *id. */
static const char *state_item_problem(struct json_object *state, int64_t *id)
{
	if (!json_object_is_type(state, json_type_object))
		return "not an object";
	struct json_object *sid = member(state, "source_id");
	if (!sid)
		return "missing source_id";
	if (id_from_json(sid, id) < 0)
		return "source_id is not a positive integer";
	return NULL;
}

static int parse_state(struct json_object *data, struct nvx_frame *f, char *err, size_t errlen)
{
	if (!json_object_is_type(data, json_type_object))
		return n2m_fail(err, errlen, "state: data is not an object");
	struct json_object *state = unwrap_state(data);
	int64_t id = 0;
	const char *why = state_item_problem(state, &id);
	if (why)
		return n2m_fail(err, errlen, "state: %s", why);
	if (alloc_items(f, 1, err, errlen) < 0)
		return -1;
	f->items[0] = (struct nvx_item){ .obj = state, .id = id };
	f->n_items = 1;
	return 0;
}

static int parse_state_batch(struct json_object *data, struct nvx_frame *f, char *err,
			     size_t errlen)
{
	if (!json_object_is_type(data, json_type_array))
		return n2m_fail(err, errlen, "state_batch: data is not an array");
	size_t n = json_object_array_length(data);
	if (alloc_items(f, n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *state = unwrap_state(json_object_array_get_idx(data, i));
		int64_t id = 0;
		const char *why = state_item_problem(state, &id);
		if (why) {
			note_bad_item(f, "%s: item %zu: %s", i, why);
			continue;
		}
		f->items[f->n_items++] = (struct nvx_item){ .obj = state, .id = id };
	}
	return 0;
}

/* Why a readings/iot entry cannot be used, or NULL; sets *id from tracker_id. */
static const char *tracker_item_problem(struct json_object *item, int64_t *id)
{
	if (!json_object_is_type(item, json_type_object))
		return "not an object";
	struct json_object *tid = member(item, "tracker_id");
	if (!tid)
		return "missing tracker_id";
	if (id_from_json(tid, id) < 0)
		return "tracker_id is not a positive integer";
	return NULL;
}

const char *nvx_item_problem(enum nvx_event_kind ev, struct json_object *item,
			     struct json_object **obj, int64_t *id)
{
	if (ev == NVX_EVENT_STATE || ev == NVX_EVENT_STATE_BATCH) {
		*obj = unwrap_state(item);
		return state_item_problem(*obj, id);
	}
	*obj = item;
	return tracker_item_problem(item, id);
}

void nvx_frame_note_bad_item(struct nvx_frame *f, size_t index, const char *why)
{
	note_bad_item(f, "%s: item %zu: %s", index, why);
}

static int parse_tracker_items(struct json_object *arr, struct nvx_frame *f, char *err,
			       size_t errlen)
{
	size_t n = json_object_array_length(arr);
	if (alloc_items(f, n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(arr, i);
		int64_t id = 0;
		const char *why = tracker_item_problem(item, &id);
		if (why) {
			note_bad_item(f, "%s: item %zu: %s", i, why);
			continue;
		}
		f->items[f->n_items++] = (struct nvx_item){ .obj = item, .id = id };
	}
	return 0;
}

/* The documented REST-like form: {"<trackerId>": {readings}, ...}. */
static int parse_readings_map(struct json_object *map, struct nvx_frame *f, char *err,
			      size_t errlen)
{
	if (alloc_items(f, (size_t)json_object_object_length(map), err, errlen) < 0)
		return -1;
	size_t i = 0;
	json_object_object_foreach(map, key, val) {
		int64_t id;
		if (id_from_text(key, &id) < 0)
			note_bad_item(f, "%s: entry %zu: %s", i, "key is not a tracker id");
		else if (!json_object_is_type(val, json_type_object))
			note_bad_item(f, "%s: entry %zu: %s", i, "not an object");
		else
			f->items[f->n_items++] = (struct nvx_item){ .obj = val, .id = id };
		i++;
	}
	return 0;
}

static int parse_readings_batch(struct json_object *data, struct nvx_frame *f, char *err,
				size_t errlen)
{
	if (json_object_is_type(data, json_type_array))
		return parse_tracker_items(data, f, err, errlen);
	if (!json_object_is_type(data, json_type_object))
		return n2m_fail(err, errlen, "readings_batch: data is neither an array nor an object");
	if (member(data, "tracker_id")) {
		/* A lone readings_event instead of an array of one. */
		int64_t id = 0;
		const char *why = tracker_item_problem(data, &id);
		if (why)
			return n2m_fail(err, errlen, "readings_batch: %s", why);
		if (alloc_items(f, 1, err, errlen) < 0)
			return -1;
		f->items[f->n_items++] = (struct nvx_item){ .obj = data, .id = id };
		return 0;
	}
	return parse_readings_map(data, f, err, errlen);
}

static int parse_iot_monitor(struct json_object *data, struct nvx_frame *f, char *err,
			     size_t errlen)
{
	if (!json_object_is_type(data, json_type_object))
		return n2m_fail(err, errlen, "iot_monitor: data is not an object");
	struct json_object *values = member(data, "iot_last_values");
	if (!values)
		return n2m_fail(err, errlen, "iot_monitor: missing data.iot_last_values");
	if (!json_object_is_type(values, json_type_array))
		return n2m_fail(err, errlen, "iot_monitor: data.iot_last_values is not an array");
	return parse_tracker_items(values, f, err, errlen);
}

static int parse_lifecycle(struct json_object *data, struct nvx_frame *f, char *err,
			   size_t errlen)
{
	if (!json_object_is_type(data, json_type_object))
		return n2m_fail(err, errlen, "lifecycle: data is not an object");
	struct json_object *sid = member(data, "source_id");
	if (!sid)
		return n2m_fail(err, errlen, "lifecycle: missing source_id");
	if (id_from_json(sid, &f->lifecycle.source_id) < 0)
		return n2m_fail(err, errlen, "lifecycle: source_id is not a positive integer");
	struct json_object *ev = member(data, "lifecycle_event");
	if (!ev)
		return n2m_fail(err, errlen, "lifecycle: missing lifecycle_event");
	if (!json_object_is_type(ev, json_type_string))
		return n2m_fail(err, errlen, "lifecycle: lifecycle_event is not a string");
	const char *name = json_object_get_string(ev);
	f->lifecycle.name = name;
	f->lifecycle.kind = NVX_LIFECYCLE_UNKNOWN;
	for (int k = NVX_LIFECYCLE_BLOCK; k < NVX_LIFECYCLE_UNKNOWN; k++)
		if (strcmp(name, nvx_lifecycle_name((enum nvx_lifecycle_kind)k)) == 0)
			f->lifecycle.kind = (enum nvx_lifecycle_kind)k;
	return 0;
}

static int parse_event(struct json_object *root, struct nvx_frame *f, char *err, size_t errlen)
{
	struct json_object *ev = member(root, "event");
	if (!ev)
		return n2m_fail(err, errlen, "event: missing \"event\"");
	if (!json_object_is_type(ev, json_type_string))
		return n2m_fail(err, errlen, "event: \"event\" is not a string");
	f->event_name = json_object_get_string(ev);
	f->event = event_kind(f->event_name);
	struct json_object *data = member(root, "data");
	switch (f->event) {
	case NVX_EVENT_STATE: return parse_state(data, f, err, errlen);
	case NVX_EVENT_STATE_BATCH: return parse_state_batch(data, f, err, errlen);
	case NVX_EVENT_READINGS_BATCH: return parse_readings_batch(data, f, err, errlen);
	case NVX_EVENT_IOT_MONITOR: return parse_iot_monitor(data, f, err, errlen);
	case NVX_EVENT_LIFECYCLE: return parse_lifecycle(data, f, err, errlen);
	case NVX_EVENT_LOGOUT:
		f->logout_reason = json_object_is_type(data, json_type_string)
					   ? json_object_get_string(data) : "";
		return 0;
	default:
		return 0;
	}
}

/* ---- entry points ---- */

/* Skips leading white space and a stray "<digits>|" Atmosphere prefix. */
static const char *skip_prefix(const char *msg, size_t *len)
{
	size_t i = 0;
	while (i < *len && (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\r' || msg[i] == '\n'))
		i++;
	size_t d = i;
	while (d < *len && msg[d] >= '0' && msg[d] <= '9')
		d++;
	if (d > i && d < *len && msg[d] == '|')
		i = d + 1;
	*len -= i;
	return msg + i;
}

static struct json_object *parse_json(const char *text, size_t len, char *err, size_t errlen)
{
	if (len > (size_t)INT32_MAX) {
		n2m_fail(err, errlen, "not JSON: message too large");
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(NVX_FRAME_MAX_DEPTH);
	if (!tok) {
		n2m_fail(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		n2m_fail(err, errlen, "not JSON: truncated");
		return NULL;
	}
	if (!root || jerr != json_tokener_success) {
		n2m_fail(err, errlen, "not JSON: %s", json_tokener_error_desc(jerr));
		json_object_put(root);
		return NULL;
	}
	for (; used < len; used++) {
		char c = text[used];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			n2m_fail(err, errlen, "not JSON: trailing data after the document");
			json_object_put(root);
			return NULL;
		}
	}
	return root;
}

const char *nvx_frame_utf8_text(const char *msg, size_t *len, char **copy)
{
	*copy = NULL;
	if (n2m_utf8_valid(msg, *len))
		return msg;
	*copy = n2m_utf8_repair(msg, *len, len);
	return *copy;
}

static int parse_valid_text(const char *msg, size_t len, struct nvx_frame *out, char *err,
			    size_t errlen);

int nvx_frame_parse(const char *msg, size_t len, struct nvx_frame *out, char *err, size_t errlen)
{
	char *copy = NULL;
	memset(out, 0, sizeof(*out));
	if (!msg)
		return n2m_fail(err, errlen, "not JSON: no message");
	const char *text = nvx_frame_utf8_text(msg, &len, &copy);
	if (!text)
		return n2m_fail(err, errlen, "frame: out of memory");
	int rc = parse_valid_text(text, len, out, err, errlen);
	if (rc == 0)
		out->repaired_text = copy;
	else
		free(copy);
	return rc;
}

/* nvx_frame_parse on text that is valid UTF-8. */
static int parse_valid_text(const char *msg, size_t len, struct nvx_frame *out, char *err,
			    size_t errlen)
{
	memset(out, 0, sizeof(*out));
	const char *text = skip_prefix(msg, &len);
	if (len == 0)
		return n2m_fail(err, errlen, "not JSON: empty message");
	struct json_object *root = parse_json(text, len, err, errlen);
	if (!root)
		return -1;
	out->root = root;
	if (!json_object_is_type(root, json_type_object)) {
		nvx_frame_free(out);
		return n2m_fail(err, errlen, "frame: not a JSON object");
	}
	struct json_object *type = member(root, "type");
	if (type && !json_object_is_type(type, json_type_string)) {
		nvx_frame_free(out);
		return n2m_fail(err, errlen, "frame: \"type\" is not a string");
	}
	out->type_name = type ? json_object_get_string(type) : NULL;
	int rc = 0;
	if (out->type_name && strcmp(out->type_name, "event") == 0) {
		out->kind = NVX_FRAME_EVENT;
		rc = parse_event(root, out, err, errlen);
	} else if (out->type_name && strcmp(out->type_name, "response") == 0) {
		out->kind = NVX_FRAME_RESPONSE;
		rc = parse_response(root, out, err, errlen);
	} else if (out->type_name && strcmp(out->type_name, "error") == 0) {
		out->kind = NVX_FRAME_ERROR;
		rc = parse_error(root, out);
	} else {
		out->kind = NVX_FRAME_UNKNOWN;
	}
	if (rc < 0)
		nvx_frame_free(out);
	return rc;
}

void nvx_frame_free(struct nvx_frame *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->response.n_results; i++)
		free(f->response.results[i].statuses);
	free(f->response.results);
	free(f->response.legacy_ids);
	free(f->items);
	free(f->text);
	json_object_put(f->root);
	free(f->repaired_text);
	memset(f, 0, sizeof(*f));
}
