/* SPDX-License-Identifier: MIT */
/*
 * seed_store.c - retained payload hashes by topic (seed_store.h).
 */
#include "seed_store.h"

#include <stdlib.h>
#include <string.h>

#include "hash64.h"
#include "retained_digest.h"

struct n2m_seed {
	char *topic;       /* NULL = empty; TOMB = removed */
	uint64_t hash;
	size_t len;
};

/* A removed slot must not stop a probe; any non-NULL unique address does. */
static char tomb_marker;
#define TOMB (&tomb_marker)

void n2m_seed_store_init(struct n2m_seed_store *s)
{
	memset(s, 0, sizeof *s);
}

void n2m_seed_store_free(struct n2m_seed_store *s)
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].topic && s->slots[i].topic != TOMB)
			free(s->slots[i].topic);
	free(s->slots);
	memset(s, 0, sizeof *s);
}

/* The slot holding topic, or NULL. */
static struct n2m_seed *find(const struct n2m_seed_store *s, const char *topic)
{
	if (!s->cap)
		return NULL;
	size_t mask = s->cap - 1;
	for (size_t i = n2m_hash64(topic, strlen(topic)) & mask;; i = (i + 1) & mask) {
		struct n2m_seed *e = &s->slots[i];
		if (!e->topic)
			return NULL;
		if (e->topic != TOMB && strcmp(e->topic, topic) == 0)
			return e;
	}
}

/* Inserts a topic known to be absent; the table has room. */
static void insert(struct n2m_seed_store *s, char *topic, uint64_t hash, size_t len)
{
	size_t mask = s->cap - 1;
	size_t i = n2m_hash64(topic, strlen(topic)) & mask;
	while (s->slots[i].topic && s->slots[i].topic != TOMB)
		i = (i + 1) & mask;
	if (!s->slots[i].topic)
		s->used++;
	s->slots[i] = (struct n2m_seed){ .topic = topic, .hash = hash, .len = len };
	s->n++;
}

/* Keeps the load (with tombstones) under a half; rehashing drops tombstones. */
static int make_room(struct n2m_seed_store *s)
{
	if ((s->used + 1) * 2 <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 64;
	while ((s->n + 1) * 4 > cap)
		cap *= 2;
	struct n2m_seed *old = s->slots;
	size_t old_cap = s->cap;
	s->slots = calloc(cap, sizeof *s->slots);
	if (!s->slots) {
		s->slots = old;
		return -1;
	}
	s->cap = cap;
	s->used = s->n = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].topic && old[i].topic != TOMB)
			insert(s, old[i].topic, old[i].hash, old[i].len);
	free(old);
	return 0;
}

static void remove_slot(struct n2m_seed_store *s, struct n2m_seed *e)
{
	free(e->topic);
	e->topic = TOMB;
	s->n--;
}

int n2m_seed_store_put(struct n2m_seed_store *s, const char *topic, const void *payload,
		       size_t len)
{
	struct n2m_seed *e = find(s, topic);

	if (len == 0) {
		if (e)
			remove_slot(s, e);
		return 0;
	}
	struct n2m_retained_digest d = n2m_retained_digest(topic, payload, len);
	if (e) {
		e->hash = d.hash;
		e->len = d.len;
		return 0;
	}
	char *copy = strdup(topic);
	if (!copy || make_room(s) != 0) {
		free(copy);
		return -1;
	}
	insert(s, copy, d.hash, d.len);
	return 0;
}

int n2m_seed_store_take(struct n2m_seed_store *s, const char *topic, const void *payload,
			size_t len)
{
	struct n2m_seed *e = find(s, topic);

	if (!e)
		return 0;
	struct n2m_retained_digest d = n2m_retained_digest(topic, payload, len);
	int same = e->hash == d.hash && e->len == d.len;
	remove_slot(s, e);
	return same;
}
