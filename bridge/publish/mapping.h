/* SPDX-License-Identifier: MIT */
/*
 * mapping.h - turns tracker updates into MQTT publications (topic,
 * payload, QoS, retain), without I/O.
 *
 * Tracker topics (docs/topics.md), <base>/tracker/<topic id>/...:
 *   state        the source state as Navixy sent it (unwrapped, full or
 *                compact) plus "tracker_id" and "label"
 *   location     {"latitude","longitude","altitude","speed","heading",
 *                "gps_accuracy","fix_time","stale"}: numbers as JSON numbers
 *                even when sent as strings, null when absent; gps_accuracy
 *                from gps.precision; fix_time = gps.updated in UTC with a "Z"
 *                (navixy_time.h: Navixy's zone-less form is UTC); stale =
 *                the fix is older than topics.stale_after_s, or its time is
 *                unknown (a time without offset is taken as UTC,
 *                navixy_time.h; location.h has the details)
 *   availability "online" for connection_status active, idle,
 *                just_registered, just_replaced; "offline" for offline,
 *                signal_lost, and while the tracker is blocked
 *   readings     the full merged readings (inputs, states, virtual_sensors,
 *                counters) plus tracker_id and timestamp
 *   iot_monitor  the iot_last_values entry as sent
 *   lifecycle    {"event":"block|unblock|corrupt","tracker_id":..,"source_id":..}
 *
 * Retain and QoS come from topics.classes[cls]. Dedupe: for a retained
 * class, a payload whose hash and length equal what the broker already
 * holds for that tracker and class (n2m_tracker_is_published) is not
 * produced. It is "published" once the caller confirms delivery with
 * n2m_publication_confirm. A payload lost in a broker outage is not sent
 * again from here: after every MQTT connect the bridge republishes every
 * tracker's retained topics (n2m_map_resync), which covers it.
 *
 * Snapshot classes (state, location, availability, readings) can be
 * rendered again from the tracker table (resync); iot_monitor and
 * lifecycle are events and are not kept.
 *
 * Every function appends to `out` and returns 0, or -1 with a reason in err
 * (bad input or no memory); on -1, publications appended before the error
 * stay in `out` and are valid.
 */
#ifndef N2M_MAPPING_H
#define N2M_MAPPING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "navixy_frame.h"
#include "tracker_table.h"

struct json_object;

struct n2m_publication {
	char *topic;           /* malloc'd */
	char *payload;         /* malloc'd, NUL-terminated; "" for a clear */
	size_t payload_len;
	int qos;
	int retain;
	enum n2m_topic_class cls;
	int64_t tracker_id;    /* 0 for bridge topics */
	uint64_t hash;         /* n2m_hash64 of the payload */
	int clearing;          /* an empty retained payload that removes a topic */
};

/* A growable list; the caller owns the publications in it. */
struct n2m_pub_list {
	struct n2m_publication *items;
	size_t n, cap;
};

void n2m_pub_list_init(struct n2m_pub_list *l);
/* Frees every publication's strings and empties the list (keeps memory). */
void n2m_pub_list_clear(struct n2m_pub_list *l);
void n2m_pub_list_free(struct n2m_pub_list *l);
/* Moves publication i out (the caller then owns its strings); the slot is
 * zeroed so clear/free skip it. */
struct n2m_publication n2m_pub_list_take(struct n2m_pub_list *l, size_t i);
void n2m_publication_free(struct n2m_publication *p);

struct n2m_map_ctx {
	const char *base_topic;
	const struct n2m_topics_config *topics;
	time_t now;            /* for the stale flag */
	/* Where readings entries and payloads left out by the limits of
	 * readings_merge.h are counted; NULL: not counted. */
	uint64_t *readings_truncated;
	/* Raw items the text functions hand to json-c must fit this estimated
	 * tree (json_cost.h; navixy.max_fallback_bytes); 0: no limit. */
	size_t max_tree_bytes;
};

/* A state event for tr (state is the unwrapped source state; it gains
 * "tracker_id" and "label" fields). Updates tr's stored state, location
 * and connection status; produces state, location and availability. */
int n2m_map_state(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		  struct json_object *state, struct n2m_pub_list *out,
		  char *err, size_t errlen);

/* A readings delta for tr: merged into the stored full readings; produces
 * readings if anything changed (and was not already published). */
int n2m_map_readings(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		     struct json_object *delta, struct n2m_pub_list *out,
		     char *err, size_t errlen);

/* The same for a raw item of nvx_frame_parse_fast: text[0..len) is the
 * canonical JSON of the (unwrapped) state or of the readings delta; fields
 * is the item's nvx_item.state (NULL: found by walking the text). The
 * payloads are byte for byte those of the json-c functions above; items the
 * text path does not cover are parsed with json-c and handed to them. */
int n2m_map_state_text(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr, const char *text,
		       size_t len, const struct nvx_state_fields *fields, struct n2m_pub_list *out,
		       char *err, size_t errlen);
int n2m_map_readings_text(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			  const char *text, size_t len, struct n2m_pub_list *out, char *err,
			  size_t errlen);

/* An iot_monitor entry for tr. */
int n2m_map_iot_monitor(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			struct json_object *entry, struct n2m_pub_list *out,
			char *err, size_t errlen);

/* A lifecycle event: sets/clears tr->blocked, produces lifecycle and the
 * availability change; corrupt also clears every retained topic of tr (the
 * caller then removes tr from the table). UNKNOWN kinds produce only the
 * lifecycle publication with the name as sent. */
int n2m_map_lifecycle(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		      enum nvx_lifecycle_kind kind, const char *name,
		      struct n2m_pub_list *out, char *err, size_t errlen);

/* Empty retained payloads for every retained tracker class, on topic_id
 * (NULL: tr's current one), e.g. for unsubscribe or a label rename. With
 * topic_id NULL, also forgets what the broker holds (next payloads publish). */
int n2m_map_clear(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		  const char *topic_id, struct n2m_pub_list *out, char *err, size_t errlen);

/* Every retained snapshot class of tr that has a value, regardless of dedupe. */
int n2m_map_resync(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
		   struct n2m_pub_list *out, char *err, size_t errlen);

/* The location again, only if its stale flag flipped at ctx->now. */
int n2m_map_stale_refresh(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			  struct n2m_pub_list *out, char *err, size_t errlen);

/* The broker confirmed p: records it for dedupe. A confirmed clearing
 * publication forgets the recorded hash instead. */
void n2m_publication_confirm(struct n2m_tracker *tr, const struct n2m_publication *p);

/* The availability payload text for a value ("online"/"offline"), or NULL
 * for unknown. */
const char *n2m_availability_text(enum n2m_availability a);

#endif
