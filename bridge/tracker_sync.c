/*
 * tracker_sync.c - upserts a tracker/list answer into the tracker table and
 * reports what changed (n2m_tracker_table_sync in tracker_table.h).
 *
 * In label mode two trackers may sanitise to the same topic level; they
 * would then overwrite each other's retained topics. The smallest tracker id
 * keeps the plain level, every other one gets "<level>_<id>", so the choice
 * is stable across restarts whatever order Navixy lists them in.
 */
#include "tracker_table.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"

struct wanted_topic {
	char topic[N2M_TOPIC_ID_MAX + 1];
	struct n2m_tracker *tr;
	int added;
	int relabelled;
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

static int by_topic_then_id(const void *a, const void *b)
{
	const struct wanted_topic *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);
	if (c)
		return c;
	return (x->tr->id > y->tr->id) - (x->tr->id < y->tr->id);
}

/* "<level>_<id>", the level cut (at a character boundary) to fit. */
static void disambiguate(struct wanted_topic *w)
{
	char suffix[24];
	int sl = snprintf(suffix, sizeof(suffix), "_%" PRId64, w->tr->id);
	size_t keep = strlen(w->topic);
	if (keep + (size_t)sl > N2M_TOPIC_ID_MAX) {
		keep = N2M_TOPIC_ID_MAX - (size_t)sl;
		while (keep > 0 && ((unsigned char)w->topic[keep] & 0xC0) == 0x80)
			keep--;
	}
	memcpy(w->topic + keep, suffix, (size_t)sl + 1);
}

/* Updates one tracker from its list entry; fills *w with its wanted topic. */
static int upsert_one(struct n2m_tracker_table *t, const struct nvx_tracker_info *info,
		      struct wanted_topic *w, struct n2m_tracker_changes *changes)
{
	int added = 0;
	struct n2m_tracker *tr = n2m_tracker_get_or_add(t, info->id, &added);
	if (!tr)
		return -1;
	w->tr = tr;
	w->added = added;
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
	w->relabelled = !added && strcmp(tr->label, label) != 0;
	char *copy = strdup(label);
	if (!copy)
		return -1;
	free(tr->label);
	tr->label = copy;
	if (t->id_mode == N2M_TOPIC_ID_LABEL)
		n2m_topic_sanitize_label(label, strlen(label), tr->id, w->topic);
	else
		n2m_topic_id_from_tracker_id(tr->id, w->topic);
	return added ? add_change(changes, N2M_TRACKER_ADDED, tr->id, NULL) : 0;
}

static int report_gone_trackers(struct n2m_tracker_table *t, const unsigned char *seen,
				struct n2m_tracker_changes *changes)
{
	for (size_t i = 0; i < t->n; i++)
		if (!seen[i] && add_change(changes, N2M_TRACKER_GONE, t->dense[i]->id, NULL) < 0)
			return -1;
	return 0;
}

int n2m_tracker_table_sync(struct n2m_tracker_table *t, const struct nvx_tracker_list *list,
			   int report_gone, struct n2m_tracker_changes *changes)
{
	size_t n = list->n;
	struct wanted_topic *wanted = n ? calloc(n, sizeof(*wanted)) : NULL;
	if (n && !wanted)
		return -1;
	size_t used = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		/* A duplicate id in the list is one tracker: the last entry wins. */
		rc = upsert_one(t, &list->items[i], &wanted[used], changes);
		if (rc == 0)
			used++;
	}
	if (rc == 0 && used) {
		qsort(wanted, used, sizeof(*wanted), by_topic_then_id);
		/* Compare against the first of each run: disambiguating rewrites
		 * the later entries in place. */
		size_t first = 0;
		for (size_t i = 1; i < used; i++) {
			if (strcmp(wanted[i].topic, wanted[first].topic) != 0)
				first = i;
			else if (wanted[i].tr != wanted[first].tr)
				disambiguate(&wanted[i]);
		}
	}
	for (size_t i = 0; i < used && rc == 0; i++) {
		struct wanted_topic *w = &wanted[i];
		char old[N2M_TOPIC_ID_MAX + 1];
		if (strcmp(w->tr->topic_id, w->topic) != 0) {
			memcpy(old, w->tr->topic_id, sizeof(old));
			snprintf(w->tr->topic_id, sizeof(w->tr->topic_id), "%s", w->topic);
			if (!w->added)
				rc = add_change(changes, N2M_TRACKER_RENAMED, w->tr->id, old);
		} else if (w->relabelled) {
			rc = add_change(changes, N2M_TRACKER_RELABELLED, w->tr->id, NULL);
		}
	}
	if (rc == 0 && report_gone) {
		unsigned char *seen = calloc(t->n ? t->n : 1, 1);
		if (!seen) {
			rc = -1;
		} else {
			for (size_t i = 0; i < used; i++)
				seen[wanted[i].tr->slot] = 1;
			rc = report_gone_trackers(t, seen, changes);
			free(seen);
		}
	}
	free(wanted);
	return rc;
}
