/* SPDX-License-Identifier: MIT */
/*
 * tracker_sync.c - upserts a tracker/list answer into the tracker table and
 * reports what changed (n2m_tracker_table_sync in tracker_table.h).
 *
 * Label topics never collide. Two trackers whose labels sanitise to the
 * same level would overwrite each other's retained topics, so every tracker
 * gets its own level by one total rule that depends only on the set of
 * (tracker id, label) pairs, never on the order Navixy lists them in:
 *   1. each tracker's base level is its sanitised label (topic.h);
 *   2. of the trackers sharing a base level, the smallest id keeps it
 *      ("plain"); every other one gets "<base>_<id>" ("generated"; the base
 *      cut on a character boundary so the whole fits 64 bytes);
 *   3. a plain level equal to some generated one ("X_7" labelled so, while
 *      tracker 7 is the second "X") gives way too: it becomes
 *      "<level>_<its id>", which is checked again, until nothing changes.
 * Generated levels end in "_<own id>" and ids are unique, so no two of them
 * are equal; plain levels are unique by step 2; step 3 leaves no plain level
 * equal to a generated one. Each tracker gives way at most once, so the
 * rule ends, and its result (the least fixed point) does not depend on the
 * order the work is done in.
 */
#include "tracker_table.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"

/* One tracker taking part in the topic assignment. */
struct wanted_topic {
	char base[N2M_TOPIC_ID_MAX + 1];  /* its sanitised label (or id) */
	char topic[N2M_TOPIC_ID_MAX + 1]; /* the level it gets */
	struct n2m_tracker *tr;
	int generated;                    /* topic is "<...>_<id>" */
};

/* What the list said about each tracker, by table slot. */
struct sync_marks {
	unsigned char *seen, *added, *relabelled;
};

static int add_change(struct n2m_tracker_changes *c, enum n2m_tracker_change_kind kind,
		      int64_t id, const char *old_topic)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct n2m_tracker_change *p = realloc(c->items, cap * sizeof(*p));
		if (!p)
			return -1;
		c->items = p;
		c->cap = cap;
	}
	struct n2m_tracker_change *ch = &c->items[c->n++];
	memset(ch, 0, sizeof(*ch));
	ch->kind = kind;
	ch->tracker_id = id;
	if (old_topic)
		snprintf(ch->old_topic_id, sizeof(ch->old_topic_id), "%s", old_topic);
	return 0;
}

void n2m_tracker_changes_free(struct n2m_tracker_changes *c)
{
	free(c->items);
	memset(c, 0, sizeof(*c));
}

static int by_base_then_id(const void *a, const void *b)
{
	const struct wanted_topic *x = a, *y = b;
	int c = strcmp(x->base, y->base);
	if (c)
		return c;
	return (x->tr->id > y->tr->id) - (x->tr->id < y->tr->id);
}

/* Makes w's level "<level>_<id>", the level cut (at a character boundary)
 * so the whole fits N2M_TOPIC_ID_MAX bytes. */
static void disambiguate(struct wanted_topic *w)
{
	char suffix[24];
	int sl = snprintf(suffix, sizeof(suffix), "_%" PRId64, w->tr->id);
	size_t keep = n2m_utf8_cut(w->topic, strlen(w->topic), N2M_TOPIC_ID_MAX - (size_t)sl);
	memcpy(w->topic + keep, suffix, (size_t)sl + 1);
	w->generated = 1;
}

/* Plain levels in base order (the first of each run of equal bases). */
struct plain_index {
	size_t *at;  /* indexes into the wanted array */
	size_t n;
};

/* The wanted entry whose plain level is `topic` and is still plain, or NULL. */
static struct wanted_topic *plain_holder(struct wanted_topic *w, const struct plain_index *pi,
					 const char *topic)
{
	size_t lo = 0, hi = pi->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w[pi->at[mid]].base, topic);
		if (c == 0)
			return w[pi->at[mid]].generated ? NULL : &w[pi->at[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Steps 2 and 3 of the rule above on w[0..n), sorted by base then id. */
static int assign_levels(struct wanted_topic *w, size_t n)
{
	struct plain_index pi = { malloc(n * sizeof(size_t)), 0 };
	size_t *work = malloc(n * sizeof(size_t));
	size_t nwork = 0;
	if (!pi.at || !work) {
		free(pi.at);
		free(work);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(w[i].topic, w[i].base, sizeof(w[i].topic));
		if (i > 0 && strcmp(w[i].base, w[i - 1].base) == 0) {
			disambiguate(&w[i]);
			work[nwork++] = i;
		} else {
			pi.at[pi.n++] = i;
		}
	}
	/* Every generated level is looked up once; a plain holder of it gives
	 * way and its new level is looked up in turn. */
	while (nwork > 0) {
		struct wanted_topic *h = plain_holder(w, &pi, w[work[--nwork]].topic);
		if (h) {
			disambiguate(h);
			work[nwork++] = (size_t)(h - w);
		}
	}
	free(pi.at);
	free(work);
	return 0;
}

/* Updates one tracker from its list entry and marks it in *m. */
static int upsert_one(struct n2m_tracker_table *t, const struct nvx_tracker_info *info,
		      struct n2m_tracker_changes *changes, struct sync_marks *m)
{
	int added = 0;
	struct n2m_tracker *tr = n2m_tracker_get_or_add(t, info->id, &added);
	if (!tr)
		return -1;
	if (info->source_id && tr->source_id != info->source_id) {
		if (!added && tr->source_id &&
		    add_change(changes, N2M_TRACKER_SOURCE_CHANGED, tr->id, NULL) < 0)
			return -1;
		n2m_tracker_set_source(t, tr, info->source_id);
	}
	if (!added && !tr->blocked != !info->blocked &&
	    add_change(changes, N2M_TRACKER_BLOCK_CHANGED, tr->id, NULL) < 0)
		return -1;
	tr->blocked = info->blocked;
	const char *label = info->label ? info->label : "";
	if (strcmp(tr->label, label) != 0) {
		char *copy = strdup(label);
		if (!copy)
			return -1;
		free(tr->label);
		tr->label = copy;
		if (!added && !m->added[tr->slot])
			m->relabelled[tr->slot] = 1;
	}
	m->seen[tr->slot] = 1;
	if (added)
		m->added[tr->slot] = 1;
	return added ? add_change(changes, N2M_TRACKER_ADDED, tr->id, NULL) : 0;
}

/* The level every taking-part tracker should have, in w (at least t->n
 * entries); the count in *n. Trackers about to be reported gone keep
 * theirs: they are cleared under it and removed. */
static int wanted_levels(const struct n2m_tracker_table *t, const struct sync_marks *m,
			 int report_gone, struct wanted_topic *w, size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct n2m_tracker *tr = t->dense[i];
		if (report_gone && !m->seen[i])
			continue;
		w[k].tr = tr;
		w[k].generated = 0;
		if (t->id_mode == N2M_TOPIC_ID_LABEL)
			n2m_topic_sanitize_label(tr->label, strlen(tr->label), tr->id, w[k].base);
		else
			n2m_topic_id_from_tracker_id(tr->id, w[k].base);
		k++;
	}
	*n = k;
	qsort(w, k, sizeof(*w), by_base_then_id);
	return assign_levels(w, k);
}

/* Moves each tracker to its level and reports RENAMED / RELABELLED. */
static int apply_levels(const struct wanted_topic *w, size_t n, const struct sync_marks *m,
			struct n2m_tracker_changes *changes)
{
	for (size_t i = 0; i < n; i++) {
		struct n2m_tracker *tr = w[i].tr;
		int added = m->added[tr->slot];
		if (strcmp(tr->topic_id, w[i].topic) != 0) {
			char old[N2M_TOPIC_ID_MAX + 1];
			memcpy(old, tr->topic_id, sizeof(old));
			memcpy(tr->topic_id, w[i].topic, sizeof(tr->topic_id));
			if (!added && add_change(changes, N2M_TRACKER_RENAMED, tr->id, old) < 0)
				return -1;
		} else if (m->relabelled[tr->slot] &&
			   add_change(changes, N2M_TRACKER_RELABELLED, tr->id, NULL) < 0) {
			return -1;
		}
	}
	return 0;
}

static int report_gone_trackers(const struct n2m_tracker_table *t, const unsigned char *seen,
				struct n2m_tracker_changes *changes)
{
	for (size_t i = 0; i < t->n; i++)
		if (!seen[i] && add_change(changes, N2M_TRACKER_GONE, t->dense[i]->id, NULL) < 0)
			return -1;
	return 0;
}

/* The upserts, then the levels, then the gone trackers. */
static int sync_with(struct n2m_tracker_table *t, const struct nvx_tracker_list *list,
		     int report_gone, struct n2m_tracker_changes *changes, struct sync_marks *m)
{
	/* A duplicate id in the list is one tracker: the last entry wins. */
	for (size_t i = 0; i < list->n; i++)
		if (upsert_one(t, &list->items[i], changes, m) < 0)
			return -1;
	struct wanted_topic *w = malloc((t->n ? t->n : 1) * sizeof(*w));
	size_t n = 0;
	int rc = !w || wanted_levels(t, m, report_gone, w, &n) < 0 ? -1 : 0;
	if (rc == 0)
		rc = apply_levels(w, n, m, changes);
	free(w);
	if (rc == 0 && report_gone)
		rc = report_gone_trackers(t, m->seen, changes);
	return rc;
}

int n2m_tracker_table_sync(struct n2m_tracker_table *t, const struct nvx_tracker_list *list,
			   int report_gone, struct n2m_tracker_changes *changes)
{
	/* Slots are known once the list's new trackers are in: room for all. */
	size_t cap = t->n + list->n + 1;
	struct sync_marks m = { calloc(cap, 1), calloc(cap, 1), calloc(cap, 1) };
	int rc = m.seen && m.added && m.relabelled
			 ? sync_with(t, list, report_gone, changes, &m)
			 : -1;
	free(m.seen);
	free(m.added);
	free(m.relabelled);
	return rc;
}
