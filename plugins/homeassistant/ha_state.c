/* SPDX-License-Identifier: MIT */
/*
 * ha_state.c - the Home Assistant plugin's memory of announced configs
 * (see ha_state.h).
 */
#include "ha_state.h"

#include <stdlib.h>
#include <string.h>

uint64_t ha_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h ? h : 1; /* 0 means "unknown" */
}

static size_t bucket_of(const struct ha_state *s, int64_t id)
{
	return (size_t)((uint64_t)id * 11400714819323198485ull >> 20) & (s->n_buckets - 1);
}

static int grow(struct ha_state *s)
{
	size_t n = s->n_buckets ? s->n_buckets * 2 : 64;
	struct ha_tracker_rec **b = calloc(n, sizeof *b);
	struct ha_tracker_rec **old = s->buckets;
	size_t old_n = s->n_buckets;

	if (!b)
		return -1;
	s->buckets = b;
	s->n_buckets = n;
	for (size_t i = 0; i < old_n; i++) {
		while (old[i]) {
			struct ha_tracker_rec *r = old[i];
			old[i] = r->next;
			size_t k = bucket_of(s, r->id);
			r->next = b[k];
			b[k] = r;
		}
	}
	free(old);
	return 0;
}

struct ha_tracker_rec *ha_state_get(struct ha_state *s, int64_t id, int create)
{
	struct ha_tracker_rec *r;

	if (s->n_buckets) {
		for (r = s->buckets[bucket_of(s, id)]; r; r = r->next)
			if (r->id == id)
				return r;
	}
	if (!create)
		return NULL;
	if ((s->count + 1 > s->n_buckets) && grow(s) != 0)
		return NULL;
	r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->id = id;
	size_t k = bucket_of(s, id);
	r->next = s->buckets[k];
	s->buckets[k] = r;
	s->count++;
	return r;
}

static void rec_free(struct ha_tracker_rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->entries[i].topic);
	free(r->entries);
	free(r->signature);
	free(r);
}

void ha_state_remove(struct ha_state *s, int64_t id)
{
	if (!s->n_buckets)
		return;
	for (struct ha_tracker_rec **p = &s->buckets[bucket_of(s, id)]; *p; p = &(*p)->next) {
		if ((*p)->id == id) {
			struct ha_tracker_rec *r = *p;
			*p = r->next;
			rec_free(r);
			s->count--;
			return;
		}
	}
}

void ha_state_free(struct ha_state *s)
{
	for (size_t i = 0; i < s->n_buckets; i++) {
		while (s->buckets[i]) {
			struct ha_tracker_rec *r = s->buckets[i];
			s->buckets[i] = r->next;
			rec_free(r);
		}
	}
	free(s->buckets);
	memset(s, 0, sizeof *s);
}

struct ha_entry *ha_rec_entry(struct ha_tracker_rec *rec, const char *topic, int create)
{
	for (size_t i = 0; i < rec->n; i++)
		if (strcmp(rec->entries[i].topic, topic) == 0)
			return &rec->entries[i];
	if (!create)
		return NULL;
	if (rec->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 16;
		struct ha_entry *grown = realloc(rec->entries, cap * sizeof *grown);
		if (!grown)
			return NULL;
		rec->entries = grown;
		rec->cap = cap;
	}
	struct ha_entry *e = &rec->entries[rec->n];
	e->topic = strdup(topic);
	if (!e->topic)
		return NULL;
	e->hash = 0;
	e->seen = 0;
	rec->n++;
	return e;
}

void ha_rec_drop(struct ha_tracker_rec *rec, size_t i)
{
	free(rec->entries[i].topic);
	rec->entries[i] = rec->entries[--rec->n];
}
