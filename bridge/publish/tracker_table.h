/* SPDX-License-Identifier: MIT */
/*
 * tracker_table.h - every known tracker with what the bridge must remember
 * about it: ids, label and topic id, blocked/upstream status, the last
 * state, the merged full readings, availability, the last location, and per
 * topic class what reached the broker (for dedupe and outage recovery).
 * Pure data structure; no I/O.
 *
 * Memory: the last state and the merged readings are kept as compact
 * rendered JSON strings, not json-c trees. Measured with json-c 0.16 on a
 * full observed state plus observed readings (docs/protocol.md, "Events"): the
 * trees take about 20 KiB per tracker (every JSON object carries its own
 * hash table), the whole record with strings about 2.4 KiB; see
 * tracker_table.c and test_tracker_table's memory_per_tracker. The state string is exactly the state
 * payload last rendered (with "tracker_id" and "label"), so a resync
 * republishes it without rendering; readings are parsed on demand to merge
 * a delta (readings deltas are rarer than states). The location is kept as
 * numbers so the stale flag can be refreshed without parsing.
 *
 * Lookups by tracker id and by source id are O(1) (open addressing, linear
 * probing, backward-shift deletion). Trackers are allocated individually,
 * so a struct n2m_tracker pointer stays valid until that tracker is removed.
 */
#ifndef N2M_TRACKER_TABLE_H
#define N2M_TRACKER_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "navixy_frame.h"
#include "navixy_rest.h"

struct json_object;

/* A topic id is one topic level: the tracker id in decimal, or the
 * sanitised label (topic.h); at most this many bytes plus a NUL. */
#define N2M_TOPIC_ID_MAX 64

enum n2m_availability {
	N2M_AVAIL_UNKNOWN = -1,
	N2M_AVAIL_OFFLINE = 0,
	N2M_AVAIL_ONLINE = 1,
};

/* Bits of struct n2m_location.present: which fields were sent non-null. */
enum n2m_location_field {
	N2M_LOC_LATITUDE = 1u << 0,
	N2M_LOC_LONGITUDE = 1u << 1,
	N2M_LOC_ALTITUDE = 1u << 2,
	N2M_LOC_SPEED = 1u << 3,
	N2M_LOC_HEADING = 1u << 4,
	N2M_LOC_ACCURACY = 1u << 5,
	N2M_LOC_FIX_TIME = 1u << 6,  /* fix_time holds gps.updated, normalised */
	N2M_LOC_FIX_EPOCH = 1u << 7, /* fix_epoch could be parsed from it */
};

#define N2M_FIX_TIME_MAX 40

/* The last location, as numbers, for the location topic. */
struct n2m_location {
	double latitude, longitude, altitude, speed, heading, gps_accuracy;
	time_t fix_epoch;                 /* gps.updated as UTC epoch seconds */
	char fix_time[N2M_FIX_TIME_MAX];  /* gps.updated as "YYYY-MM-DDTHH:MM:SS[.f]Z" */
	uint32_t present;                 /* enum n2m_location_field bits */
	int stale;                        /* the stale flag last rendered */
	int valid;                        /* a state with a gps block was seen */
};

/* What reached the broker for one topic class, and what is pending. */
struct n2m_class_mark {
	uint64_t published_hash;  /* hash of the last payload the broker confirmed */
	uint64_t latest_hash;     /* hash of the latest payload produced */
	uint32_t published_len;
	uint32_t latest_len;
	uint8_t published;        /* published_hash/len are meaningful */
	uint8_t produced;         /* latest_hash/len are meaningful */
};

struct n2m_tracker {
	int64_t id;
	int64_t source_id;                    /* 0 = not known yet */
	char *label;                          /* never NULL after insertion ("" if none) */
	char topic_id[N2M_TOPIC_ID_MAX + 1];
	int blocked;                          /* source.blocked, lifecycle or upstream status */
	enum nvx_status upstream;             /* from the last subscribe response */
	int connection_online;                /* -1 unknown, 0 offline, 1 online (connection_status) */

	char *state_json;                     /* last state payload, NULL if none */
	size_t state_len;
	char *readings_json;                  /* merged full readings payload, NULL if none */
	size_t readings_len;
	struct n2m_location location;

	/* uint16 words of the readings index stored after readings_json's NUL
	 * (readings_text.h); 0 = none. Sits in what was padding before marks. */
	uint16_t readings_index_n;
	struct n2m_class_mark marks[N2M_CLASS_COUNT];

	uint32_t slot;                        /* index in the dense array (internal) */
};

/* Why a sync reported a tracker. */
enum n2m_tracker_change_kind {
	N2M_TRACKER_ADDED = 0,   /* new in the list */
	N2M_TRACKER_RENAMED,     /* topic id changed: clear old_topic_id's retained topics, resync */
	N2M_TRACKER_RELABELLED,  /* label changed, topic id did not: resync (state carries the label) */
	N2M_TRACKER_GONE,        /* absent from the list: caller clears and removes it */
	N2M_TRACKER_BLOCK_CHANGED,
	N2M_TRACKER_SOURCE_CHANGED, /* source id changed */
};

struct n2m_tracker_change {
	enum n2m_tracker_change_kind kind;
	int64_t tracker_id;
	char old_topic_id[N2M_TOPIC_ID_MAX + 1]; /* RENAMED: the topic id to clear */
};

struct n2m_tracker_changes {
	struct n2m_tracker_change *items;
	size_t n, cap;
};

struct n2m_tracker_table {
	struct n2m_tracker **dense;   /* iteration order; removal swaps the last in */
	size_t n, cap;
	uint32_t *by_id;              /* slot+1, 0 = empty; capacity a power of two */
	uint32_t *by_source;
	size_t map_cap;
	enum n2m_topic_id_mode id_mode;
};

int n2m_tracker_table_init(struct n2m_tracker_table *t, enum n2m_topic_id_mode id_mode);
void n2m_tracker_table_free(struct n2m_tracker_table *t);

size_t n2m_tracker_table_count(const struct n2m_tracker_table *t);
/* The i-th tracker, 0 <= i < count; order changes when trackers are removed. */
struct n2m_tracker *n2m_tracker_table_at(const struct n2m_tracker_table *t, size_t i);

struct n2m_tracker *n2m_tracker_find(const struct n2m_tracker_table *t, int64_t id);
struct n2m_tracker *n2m_tracker_find_source(const struct n2m_tracker_table *t, int64_t source_id);

/* Hints for a batch of lookups, with no effect on any result. At 100,000
 * trackers a lookup's map slot, the record it names and the payloads that
 * record keeps are cache (in a VM, also TLB) misses, taken one after the
 * other when items are mapped in turn. A caller mapping item i calls step s
 * for an item a few places further on (farther for lower steps): step 0
 * starts loading key's map slot, step 1 the slot's entry in the dense
 * array, step 2 the record it names, step 3 the payloads the record keeps
 * (state_json and label when by_source, else readings_json). Each step
 * reads only what the step before started to load. */
#define N2M_TRACKER_PREFETCH_STEPS 4
void n2m_tracker_prefetch(const struct n2m_tracker_table *t, int64_t key, int by_source,
			  int step);

/* Returns the tracker with this id, adding it (label "", topic id = id,
 * source id unknown) if absent; *added set when not NULL. NULL on no memory
 * or an id <= 0. */
struct n2m_tracker *n2m_tracker_get_or_add(struct n2m_tracker_table *t, int64_t id, int *added);

/* Sets a tracker's source id (re-indexing it); 0 or -1 on no memory. A
 * source id held by another tracker moves to this one. */
int n2m_tracker_set_source(struct n2m_tracker_table *t, struct n2m_tracker *tr, int64_t source_id);

/* Sets the label and recomputes the topic id under the table's id_mode,
 * from this label alone: it does not tell it apart from other trackers'
 * levels (n2m_tracker_table_sync does; the bridge uses only that). Returns 1 if the topic id changed (old one copied to old_topic_id when not
 * NULL), 0 if not, -1 on no memory. */
int n2m_tracker_set_label(struct n2m_tracker_table *t, struct n2m_tracker *tr, const char *label,
			  char old_topic_id[N2M_TOPIC_ID_MAX + 1]);

/* Upserts every tracker of a tracker/list answer and reports what changed
 * (appended to *changes; the caller frees it with n2m_tracker_changes_free).
 * With report_gone, trackers missing from the list are reported GONE (not
 * removed: the caller clears their topics first, and they keep their topic
 * id for that). Every other tracker gets its topic id by one total rule
 * (tracker_sync.c): in label mode no two trackers share a level whatever
 * their labels (duplicates become "<level>_<id>"). A tracker whose topic id
 * changed is reported RENAMED with the old one; the caller must clear every
 * old topic id before publishing under the new ones, since one tracker's old
 * level may be another's new one. 0 or -1 on no memory. */
int n2m_tracker_table_sync(struct n2m_tracker_table *t, const struct nvx_tracker_list *list,
			   int report_gone, struct n2m_tracker_changes *changes);

void n2m_tracker_changes_free(struct n2m_tracker_changes *c);

/* Removes and frees a tracker; tr is invalid afterwards. */
void n2m_tracker_remove(struct n2m_tracker_table *t, struct n2m_tracker *tr);

/* Availability from connection status and the blocked flag: offline while
 * blocked (tr->blocked, or upstream status "blocked"), else from
 * connection_status, else unknown. */
enum n2m_availability n2m_tracker_availability(const struct n2m_tracker *tr);

/* Records that a payload of class cls with this hash and length reached the
 * broker. */
void n2m_tracker_mark_published(struct n2m_tracker *tr, enum n2m_topic_class cls,
				uint64_t hash, size_t len);

/* Records that a payload was produced (called by mapping): the latest of
 * its class, what dedupe compares with. */
void n2m_tracker_mark_produced(struct n2m_tracker *tr, enum n2m_topic_class cls,
			       uint64_t hash, size_t len);

/* True if a retained payload with this hash and length is what the broker
 * holds for cls or will hold once the payload in flight arrives (dedupe):
 * it equals the latest payload produced. If that one is lost in a broker
 * outage, the resync after the reconnect sends it again (n2m_map_resync). */
int n2m_tracker_is_published(const struct n2m_tracker *tr, enum n2m_topic_class cls,
			     uint64_t hash, size_t len);

/* Forgets what the broker holds for every class (after a clear, or when the
 * topic id changed), so the next payload of each class is published. */
void n2m_tracker_forget_published(struct n2m_tracker *tr);

/* Replaces the stored state / readings text (copies it). 0 or -1. */
int n2m_tracker_store_state(struct n2m_tracker *tr, const char *json, size_t len);
int n2m_tracker_store_readings(struct n2m_tracker *tr, const char *json, size_t len);
/* The same, keeping index[0..index_n) (opaque uint16 words, see
 * readings_text.h) in the same allocation after the text; index_n 0 stores
 * none. n2m_tracker_store_readings drops any index. */
int n2m_tracker_store_readings_indexed(struct n2m_tracker *tr, const char *json, size_t len,
				       const uint16_t *index, size_t index_n);
/* The index stored with the readings text, or NULL (n set to 0). */
const uint16_t *n2m_tracker_readings_index(const struct n2m_tracker *tr, size_t *n);

/* Parses the stored text on demand: a new json-c object the caller must
 * json_object_put, or NULL when none is stored. */
struct json_object *n2m_tracker_state_json(const struct n2m_tracker *tr);
struct json_object *n2m_tracker_readings_json(const struct n2m_tracker *tr);

/* Approximate heap bytes held by the table for memory reporting. */
size_t n2m_tracker_table_memory(const struct n2m_tracker_table *t);

#endif
