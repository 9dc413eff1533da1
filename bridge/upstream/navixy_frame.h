/* SPDX-License-Identifier: MIT */
/*
 * navixy_frame.h - parses one Navixy WebSocket JSON message into a typed
 * frame, without I/O.
 *
 * Accepts every documented [DOC] and observed [OBS] shape of
 * docs/protocol.md ("Frames from the server", "Events"): subscribe/unsubscribe responses (with or
 * without "success", the pre-2023 bare status map, the legacy unsubscribe
 * id list), error frames, and the events state, state_batch (items bare or
 * wrapped as {"type":"source_state_event","state":{...}}), readings_batch
 * (array of readings_event items, or the documented map keyed by tracker
 * id), iot_monitor, lifecycle and logout. Unknown frame and event types are
 * reported as such (kind NVX_FRAME_UNKNOWN / event NVX_EVENT_UNKNOWN) so the
 * caller can count them; they are not errors.
 *
 * The frame owns the parsed json-c root; every json_object pointer and
 * string in it is borrowed from that root and lives until nvx_frame_free.
 * Callers may modify the borrowed objects (e.g. add fields before
 * rendering) as long as they do not keep them past nvx_frame_free.
 */
#ifndef N2M_NAVIXY_FRAME_H
#define N2M_NAVIXY_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "subscription.h"

struct json_object;

/* Nesting deeper than this is refused as malformed (json_tokener limit). */
#define NVX_FRAME_MAX_DEPTH 32

enum nvx_frame_kind {
	NVX_FRAME_RESPONSE = 0, /* type "response" */
	NVX_FRAME_ERROR,        /* type "error" */
	NVX_FRAME_EVENT,        /* type "event" */
	NVX_FRAME_UNKNOWN,      /* any other "type"; type_name says which */
};

enum nvx_event_kind {
	NVX_EVENT_NONE = 0,        /* not an event frame */
	NVX_EVENT_STATE,
	NVX_EVENT_STATE_BATCH,
	NVX_EVENT_READINGS_BATCH,
	NVX_EVENT_IOT_MONITOR,
	NVX_EVENT_LIFECYCLE,
	NVX_EVENT_LOGOUT,
	NVX_EVENT_UNKNOWN,         /* event_name says which */
};

enum nvx_action {
	NVX_ACTION_SUBSCRIBE = 0,  /* "subscription/subscribe" */
	NVX_ACTION_UNSUBSCRIBE,    /* "subscription/unsubscribe" */
	NVX_ACTION_OTHER,          /* anything else, including "null" or absent */
};

/* Per-tracker subscription status from a response's value map. NONE means
 * "no status reported yet" (used by the tracker table). */
enum nvx_status {
	NVX_STATUS_NONE = 0,
	NVX_STATUS_NORMAL,
	NVX_STATUS_BLOCKED,
	NVX_STATUS_UNKNOWN,
	NVX_STATUS_DISALLOWED,
};

enum nvx_lifecycle_kind {
	NVX_LIFECYCLE_BLOCK = 0,
	NVX_LIFECYCLE_UNBLOCK,
	NVX_LIFECYCLE_CORRUPT,
	NVX_LIFECYCLE_UNKNOWN,     /* lifecycle_event_name says which */
};

struct nvx_status_entry {
	int64_t tracker_id;
	enum nvx_status status;
};

/* One sub-response of a (un)subscribe response: data.<type>. */
struct nvx_sub_result {
	const char *type_name;          /* the key, e.g. "state_batch" */
	int type_known;                 /* type below is valid */
	enum n2m_sub_type type;
	int success;                    /* success:true, or absent with a value map,
					 * or the pre-2023 bare status map */
	struct nvx_status_entry *statuses; /* owned by the frame */
	size_t n_statuses;
	size_t n_bad_statuses;          /* entries with a non-numeric key or unknown status */
	int error_code;                 /* failure: status.code, or 0 */
	const char *error_description;  /* failure: status.description, or NULL */
};

struct nvx_response {
	enum nvx_action action;
	const char *action_name;        /* as sent, or NULL */
	struct nvx_sub_result *results; /* owned by the frame */
	size_t n_results;
	int legacy_id_list;             /* data was [ids] (legacy unsubscribe) */
	int64_t *legacy_ids;            /* owned by the frame */
	size_t n_legacy_ids;
};

struct nvx_error {
	enum nvx_action action;
	const char *action_name;        /* as sent (may be "null"), or NULL */
	int code;                       /* status.code, 0 if absent */
	const char *description;        /* status.description, or "" */
	struct json_object *data;       /* optional echo, borrowed, may be NULL */
};

/* Where a raw state item's fields are (found while validating it, so the
 * mapping need not walk the state again); NULL / 0 when absent. */
struct nvx_state_fields {
	const char *gps, *status;       /* values of "gps", "connection_status" */
	size_t gps_len, status_len;
	int members;                    /* top-level members of the state */
	int own_ids;                    /* it has "tracker_id" or "label" already */
};

/* One usable item of a state, state_batch, readings_batch or iot_monitor
 * event. For state/state_batch, obj is the unwrapped source state and id
 * its source_id. For readings_batch and iot_monitor, id is the tracker_id
 * and obj the readings / iot_last_values entry. */
struct nvx_item {
	struct json_object *obj;        /* borrowed; NULL for a raw item */
	int64_t id;
	/* nvx_frame_parse_fast (navixy_frame_fast.h) leaves obj NULL and points here
	 * instead: the item's canonical JSON text inside the message (for a
	 * wrapped state, the inner state object). */
	const char *raw;
	size_t raw_len;
	struct nvx_state_fields *state; /* raw state items: what the mapping reads */
};

struct nvx_lifecycle {
	int64_t source_id;
	enum nvx_lifecycle_kind kind;
	const char *name;               /* lifecycle_event as sent */
};

struct nvx_frame {
	enum nvx_frame_kind kind;
	const char *type_name;          /* "type" as sent, NULL if absent */
	enum nvx_event_kind event;      /* NVX_EVENT_NONE unless kind == EVENT */
	const char *event_name;         /* "event" as sent */

	struct nvx_response response;   /* kind == RESPONSE */
	struct nvx_error error;         /* kind == ERROR */

	/* state, state_batch, readings_batch, iot_monitor. Items that cannot be
	 * used (not an object, no id) are skipped and counted; the first reason
	 * is kept so the caller can log it. A batch is never dropped whole
	 * because of one bad item. */
	struct nvx_item *items;         /* owned by the frame */
	size_t n_items;
	size_t n_bad_items;
	char item_error[160];

	struct nvx_lifecycle lifecycle; /* event == LIFECYCLE */
	const char *logout_reason;      /* event == LOGOUT: data if a string, else "" */

	struct json_object *root;       /* owned */
	/* The message was not valid UTF-8: the frame was parsed from this copy
	 * with every invalid sequence replaced by U+FFFD (raw items point into
	 * it), so every string taken from it is valid UTF-8. Owned. */
	char *repaired_text;
	char *text;                     /* owned: the item path's canonical copies
					 * of items (navixy_items.h), or NULL */
};

/* Parses msg[0..len) (need not be NUL-terminated). A leading "<digits>|"
 * length prefix is tolerated and skipped. Returns 0 and fills *out (free
 * it with nvx_frame_free), or -1 with a reason in err, e.g. "not JSON: ...",
 * "state_batch: data is not an array", "lifecycle: missing source_id"; on
 * -1, *out needs no freeing (but nvx_frame_free is harmless). */
int nvx_frame_parse(const char *msg, size_t len, struct nvx_frame *out,
		    char *err, size_t errlen);

/* msg[0..*len) as valid UTF-8: msg itself when it is (checked 8 bytes at a
 * time: valid frames are used as they are, byte for byte), else a copy with
 * every invalid sequence replaced by U+FFFD, returned in *copy for the
 * caller to free (*len updated). NULL on no memory. */
const char *nvx_frame_utf8_text(const char *msg, size_t *len, char **copy);

void nvx_frame_free(struct nvx_frame *f);

/* The json-c path's judgement of one item of a state_batch / state
 * (unwrapped as described above) or readings_batch / iot_monitor array:
 * NULL and *obj (the unwrapped item), *id set when usable, else why not. */
const char *nvx_item_problem(enum nvx_event_kind ev, struct json_object *item,
			     struct json_object **obj, int64_t *id);
/* Counts an unusable item (index in its batch) in f, keeping the first
 * reason, worded as the json-c path words it. */
void nvx_frame_note_bad_item(struct nvx_frame *f, size_t index, const char *why);

const char *nvx_status_name(enum nvx_status status);
/* Parses "normal", "blocked", "unknown", "disallowed"; 0 or -1. */
int nvx_status_parse(const char *name, enum nvx_status *out);
const char *nvx_event_name(enum nvx_event_kind kind);
const char *nvx_lifecycle_name(enum nvx_lifecycle_kind kind);

/* nvx_frame_parse_bounded's and nvx_frame_parse_items' result for a
 * message that no path may take (navixy_frame_fast.h). */
#define NVX_FRAME_TOO_BIG (-2)

#endif
