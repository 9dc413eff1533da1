/* SPDX-License-Identifier: MIT */
/*
 * tracker_table.c - the tracker table (see tracker_table.h): a dense array
 * of individually allocated trackers plus two open-addressing indexes
 * (tracker id, source id) holding dense positions + 1.
 *
 * Measured memory (json-c 0.16, glibc, x86-64; test_tracker_table's
 * memory_per_tracker): the observed full state plus the observed readings
 * (docs/protocol.md, "Events") kept as json-c trees take about 20 KiB per tracker
 * (each object carries its own hash table and every value is a separate
 * allocation); kept as compact strings, the whole tracker record is about
 * 2.4 KiB of heap (struct 488 B, state ~1.1 KiB, readings ~0.7 KiB).
 * Strings it is.
 */
#include "tracker_table.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"

#define MIN_MAP_CAP 64u

static uint32_t hash_id(int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

/* ---- open addressing: linear probing, values are dense index + 1 ---- */

typedef int64_t (*key_of_fn)(const struct n2m_tracker *tr);

static int64_t key_id(const struct n2m_tracker *tr) { return tr->id; }
static int64_t key_source(const struct n2m_tracker *tr) { return tr->source_id; }

static size_t map_find(const struct n2m_tracker_table *t, const uint32_t *map, key_of_fn key,
		       int64_t k)
{
	size_t mask = t->map_cap - 1;
	for (size_t i = hash_id(k) & mask;; i = (i + 1) & mask) {
		if (!map[i] || key(t->dense[map[i] - 1]) == k)
			return i;
	}
}

/* Removes the entry at i and shifts later entries of the probe run back,
 * so lookups never need tombstones. */
static void map_delete_at(const struct n2m_tracker_table *t, uint32_t *map, key_of_fn key, size_t i)
{
	size_t mask = t->map_cap - 1;
	size_t hole = i;
	map[hole] = 0;
	for (size_t j = (hole + 1) & mask; map[j]; j = (j + 1) & mask) {
		size_t home = hash_id(key(t->dense[map[j] - 1])) & mask;
		/* Move j into the hole unless its home lies cyclically in (hole, j]. */
		int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!stays) {
			map[hole] = map[j];
			map[j] = 0;
			hole = j;
		}
	}
}

static int map_rebuild(struct n2m_tracker_table *t, size_t cap)
{
	uint32_t *by_id = calloc(cap, sizeof(uint32_t));
	uint32_t *by_source = calloc(cap, sizeof(uint32_t));
	if (!by_id || !by_source) {
		free(by_id);
		free(by_source);
		return -1;
	}
	free(t->by_id);
	free(t->by_source);
	t->by_id = by_id;
	t->by_source = by_source;
	t->map_cap = cap;
	for (size_t i = 0; i < t->n; i++) {
		struct n2m_tracker *tr = t->dense[i];
		by_id[map_find(t, by_id, key_id, tr->id)] = (uint32_t)i + 1;
		if (tr->source_id)
			by_source[map_find(t, by_source, key_source, tr->source_id)] = (uint32_t)i + 1;
	}
	return 0;
}

/* Keeps the load factor at or below 1/2 for room for one more tracker. */
static int ensure_room(struct n2m_tracker_table *t)
{
	if (t->n + 1 > UINT32_MAX - 1)
		return -1;
	if (t->n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct n2m_tracker **d = realloc(t->dense, cap * sizeof(*d));
		if (!d)
			return -1;
		t->dense = d;
		t->cap = cap;
	}
	if ((t->n + 1) * 2 > t->map_cap) {
		size_t cap = t->map_cap ? t->map_cap * 2 : MIN_MAP_CAP;
		while ((t->n + 1) * 2 > cap)
			cap *= 2;
		return map_rebuild(t, cap);
	}
	return 0;
}

int n2m_tracker_table_init(struct n2m_tracker_table *t, enum n2m_topic_id_mode id_mode)
{
	memset(t, 0, sizeof(*t));
	t->id_mode = id_mode;
	return map_rebuild(t, MIN_MAP_CAP);
}

static void tracker_free(struct n2m_tracker *tr)
{
	free(tr->label);
	free(tr->state_json);
	free(tr->readings_json);
	free(tr);
}

void n2m_tracker_table_free(struct n2m_tracker_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		tracker_free(t->dense[i]);
	free(t->dense);
	free(t->by_id);
	free(t->by_source);
	memset(t, 0, sizeof(*t));
}

size_t n2m_tracker_table_count(const struct n2m_tracker_table *t)
{
	return t->n;
}

struct n2m_tracker *n2m_tracker_table_at(const struct n2m_tracker_table *t, size_t i)
{
	return i < t->n ? t->dense[i] : NULL;
}

struct n2m_tracker *n2m_tracker_find(const struct n2m_tracker_table *t, int64_t id)
{
	if (!t->map_cap || id <= 0)
		return NULL;
	uint32_t v = t->by_id[map_find(t, t->by_id, key_id, id)];
	return v ? t->dense[v - 1] : NULL;
}

struct n2m_tracker *n2m_tracker_find_source(const struct n2m_tracker_table *t, int64_t source_id)
{
	if (!t->map_cap || source_id <= 0)
		return NULL;
	uint32_t v = t->by_source[map_find(t, t->by_source, key_source, source_id)];
	return v ? t->dense[v - 1] : NULL;
}

/* The start of a block and, for a long one, its next lines: the hardware
 * prefetcher follows a sequential read once it has begun. */
static void prefetch_block(const void *p, size_t len)
{
	if (!p)
		return;
	const char *c = p;
	size_t n = len < 256 ? len : 256;
	for (size_t off = 0; off < n; off += 64)
		__builtin_prefetch(c + off);
}

void n2m_tracker_prefetch(const struct n2m_tracker_table *t, int64_t key, int by_source,
			  int step)
{
	if (!t->map_cap || key <= 0)
		return;
	const uint32_t *map = by_source ? t->by_source : t->by_id;
	/* The home slot is enough for a hint: a collision only means that
	 * another record is loaded early. */
	const uint32_t *slot = &map[hash_id(key) & (t->map_cap - 1)];
	if (step == 0) {
		__builtin_prefetch(slot);
	} else if (step == 1) {
		if (*slot)
			__builtin_prefetch(&t->dense[*slot - 1]);
	} else if (step == 2) {
		if (*slot)
			prefetch_block(t->dense[*slot - 1], sizeof(struct n2m_tracker));
	} else {
		struct n2m_tracker *tr = by_source ? n2m_tracker_find_source(t, key)
						   : n2m_tracker_find(t, key);
		if (!tr)
			return;
		if (by_source) {
			prefetch_block(tr->state_json, tr->state_len);
			prefetch_block(tr->label, 1);
		} else {
			prefetch_block(tr->readings_json, tr->readings_len);
		}
	}
}

struct n2m_tracker *n2m_tracker_get_or_add(struct n2m_tracker_table *t, int64_t id, int *added)
{
	if (added)
		*added = 0;
	if (id <= 0)
		return NULL;
	struct n2m_tracker *tr = n2m_tracker_find(t, id);
	if (tr)
		return tr;
	if (ensure_room(t) < 0)
		return NULL;
	tr = calloc(1, sizeof(*tr));
	if (!tr || !(tr->label = strdup(""))) {
		free(tr);
		return NULL;
	}
	tr->id = id;
	tr->connection_online = -1;
	n2m_topic_id_from_tracker_id(id, tr->topic_id);
	tr->slot = (uint32_t)t->n;
	t->dense[t->n++] = tr;
	t->by_id[map_find(t, t->by_id, key_id, id)] = tr->slot + 1;
	if (added)
		*added = 1;
	return tr;
}

static void unindex_source(struct n2m_tracker_table *t, struct n2m_tracker *tr)
{
	if (!tr->source_id)
		return;
	size_t i = map_find(t, t->by_source, key_source, tr->source_id);
	if (t->by_source[i] == tr->slot + 1)
		map_delete_at(t, t->by_source, key_source, i);
	tr->source_id = 0;
}

int n2m_tracker_set_source(struct n2m_tracker_table *t, struct n2m_tracker *tr, int64_t source_id)
{
	if (tr->source_id == source_id)
		return 0;
	unindex_source(t, tr);
	if (source_id <= 0)
		return 0;
	struct n2m_tracker *holder = n2m_tracker_find_source(t, source_id);
	if (holder)
		unindex_source(t, holder);
	tr->source_id = source_id;
	t->by_source[map_find(t, t->by_source, key_source, source_id)] = tr->slot + 1;
	return 0;
}

/* The topic id a label gives under the table's mode. */
static void topic_id_for(const struct n2m_tracker_table *t, int64_t id, const char *label,
			 char out[N2M_TOPIC_ID_MAX + 1])
{
	if (t->id_mode == N2M_TOPIC_ID_LABEL)
		n2m_topic_sanitize_label(label, strlen(label), id, out);
	else
		n2m_topic_id_from_tracker_id(id, out);
}

/* Replaces the label text; 0 or -1 on no memory. */
static int store_label(struct n2m_tracker *tr, const char *label)
{
	if (strcmp(tr->label, label) == 0)
		return 0;
	char *copy = strdup(label);
	if (!copy)
		return -1;
	free(tr->label);
	tr->label = copy;
	return 0;
}

/* Sets tr's topic id; 1 if it changed (old copied out), else 0. */
static int apply_topic_id(struct n2m_tracker *tr, const char *topic_id,
			  char old_topic_id[N2M_TOPIC_ID_MAX + 1])
{
	if (strcmp(tr->topic_id, topic_id) == 0)
		return 0;
	if (old_topic_id)
		memcpy(old_topic_id, tr->topic_id, sizeof(tr->topic_id));
	snprintf(tr->topic_id, sizeof(tr->topic_id), "%s", topic_id);
	return 1;
}

int n2m_tracker_set_label(struct n2m_tracker_table *t, struct n2m_tracker *tr, const char *label,
			  char old_topic_id[N2M_TOPIC_ID_MAX + 1])
{
	if (!label)
		label = "";
	if (store_label(tr, label) < 0)
		return -1;
	char topic[N2M_TOPIC_ID_MAX + 1];
	topic_id_for(t, tr->id, label, topic);
	return apply_topic_id(tr, topic, old_topic_id);
}

void n2m_tracker_remove(struct n2m_tracker_table *t, struct n2m_tracker *tr)
{
	size_t i = map_find(t, t->by_id, key_id, tr->id);
	if (t->by_id[i] != tr->slot + 1)
		return; /* not ours: never free a stranger */
	map_delete_at(t, t->by_id, key_id, i);
	unindex_source(t, tr);
	uint32_t slot = tr->slot;
	struct n2m_tracker *last = t->dense[t->n - 1];
	t->n--;
	if (last != tr) {
		/* Move the last tracker into the hole and re-point its index entries. */
		t->dense[slot] = last;
		t->by_id[map_find(t, t->by_id, key_id, last->id)] = slot + 1;
		if (last->source_id)
			t->by_source[map_find(t, t->by_source, key_source, last->source_id)] = slot + 1;
		last->slot = slot;
	}
	tracker_free(tr);
}

enum n2m_availability n2m_tracker_availability(const struct n2m_tracker *tr)
{
	if (tr->blocked || tr->upstream == NVX_STATUS_BLOCKED)
		return N2M_AVAIL_OFFLINE;
	if (tr->connection_online < 0)
		return N2M_AVAIL_UNKNOWN;
	return tr->connection_online ? N2M_AVAIL_ONLINE : N2M_AVAIL_OFFLINE;
}

/* ---- per-class delivery marks ---- */

void n2m_tracker_mark_published(struct n2m_tracker *tr, enum n2m_topic_class cls, uint64_t hash,
				size_t len)
{
	if ((unsigned)cls >= N2M_CLASS_COUNT)
		return;
	struct n2m_class_mark *m = &tr->marks[cls];
	m->published_hash = hash;
	m->published_len = (uint32_t)len;
	m->published = 1;
}

void n2m_tracker_mark_produced(struct n2m_tracker *tr, enum n2m_topic_class cls, uint64_t hash,
			       size_t len)
{
	if ((unsigned)cls >= N2M_CLASS_COUNT)
		return;
	struct n2m_class_mark *m = &tr->marks[cls];
	m->latest_hash = hash;
	m->latest_len = (uint32_t)len;
	m->produced = 1;
}

int n2m_tracker_is_published(const struct n2m_tracker *tr, enum n2m_topic_class cls, uint64_t hash,
			     size_t len)
{
	if ((unsigned)cls >= N2M_CLASS_COUNT)
		return 0;
	const struct n2m_class_mark *m = &tr->marks[cls];
	return m->produced && m->latest_hash == hash && m->latest_len == (uint32_t)len;
}

void n2m_tracker_forget_published(struct n2m_tracker *tr)
{
	memset(tr->marks, 0, sizeof(tr->marks));
}

/* ---- stored JSON text ---- */

static int store_text(char **slot, size_t *slot_len, const char *json, size_t len)
{
	char *p = *slot;
	/* Reuse the buffer when the new text fits and does not waste much. */
	if (!p || *slot_len < len || *slot_len > 2 * len + 64) {
		p = malloc(len + 1);
		if (!p)
			return -1;
		free(*slot);
	}
	memcpy(p, json, len);
	p[len] = '\0';
	*slot = p;
	*slot_len = len;
	return 0;
}

int n2m_tracker_store_state(struct n2m_tracker *tr, const char *json, size_t len)
{
	return store_text(&tr->state_json, &tr->state_len, json, len);
}

/* Where the index words start after a text of len bytes and its NUL. */
static size_t index_offset(size_t len)
{
	return (len + 1 + (_Alignof(uint16_t) - 1)) & ~(size_t)(_Alignof(uint16_t) - 1);
}

int n2m_tracker_store_readings(struct n2m_tracker *tr, const char *json, size_t len)
{
	return n2m_tracker_store_readings_indexed(tr, json, len, NULL, 0);
}

int n2m_tracker_store_readings_indexed(struct n2m_tracker *tr, const char *json, size_t len,
				       const uint16_t *index, size_t index_n)
{
	if (index_n > UINT16_MAX)
		index_n = 0;
	/* Text and index share one allocation (one malloc header, one
	 * pointer); reuse it under the same rule as store_text. */
	size_t need = index_offset(len) + index_n * sizeof(uint16_t);
	size_t have = tr->readings_json ? index_offset(tr->readings_len) +
						  tr->readings_index_n * sizeof(uint16_t)
					: 0;
	char *p = tr->readings_json;
	if (!p || have < need || have > 2 * need + 64) {
		p = malloc(need);
		if (!p)
			return -1;
		free(tr->readings_json);
	}
	memcpy(p, json, len);
	p[len] = '\0';
	if (index_n)
		memcpy(p + index_offset(len), index, index_n * sizeof(uint16_t));
	tr->readings_json = p;
	tr->readings_len = len;
	tr->readings_index_n = (uint16_t)index_n;
	return 0;
}

const uint16_t *n2m_tracker_readings_index(const struct n2m_tracker *tr, size_t *n)
{
	*n = tr->readings_json ? tr->readings_index_n : 0;
	return *n ? (const uint16_t *)(const void *)(tr->readings_json +
						      index_offset(tr->readings_len))
		  : NULL;
}

static struct json_object *parse_text(const char *text, size_t len)
{
	if (!text)
		return NULL;
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	struct json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	return obj;
}

struct json_object *n2m_tracker_state_json(const struct n2m_tracker *tr)
{
	return parse_text(tr->state_json, tr->state_len);
}

struct json_object *n2m_tracker_readings_json(const struct n2m_tracker *tr)
{
	return parse_text(tr->readings_json, tr->readings_len);
}

size_t n2m_tracker_table_memory(const struct n2m_tracker_table *t)
{
	size_t total = t->cap * sizeof(*t->dense) + 2 * t->map_cap * sizeof(uint32_t);
	for (size_t i = 0; i < t->n; i++) {
		const struct n2m_tracker *tr = t->dense[i];
		total += sizeof(*tr) + strlen(tr->label) + 1;
		if (tr->state_json)
			total += tr->state_len + 1;
		if (tr->readings_json)
			total += index_offset(tr->readings_len) +
				 tr->readings_index_n * sizeof(uint16_t);
	}
	return total;
}
