/* SPDX-License-Identifier: MIT */
/*
 * sim_subs.c - subscription bookkeeping and coalescing (see sim_subs.h).
 */
#include "sim_subs.h"

#include <stdlib.h>
#include <string.h>

int bm_set(struct sim_bitmap *b, size_t i)
{
	size_t w = i / 64;
	if (w >= b->nwords) {
		size_t n = b->nwords ? b->nwords : 4;
		while (n <= w)
			n *= 2;
		uint64_t *nw = realloc(b->w, n * sizeof(*nw));
		if (!nw)
			return -1;
		memset(nw + b->nwords, 0, (n - b->nwords) * sizeof(*nw));
		b->w = nw;
		b->nwords = n;
	}
	b->w[w] |= 1ull << (i % 64);
	return 0;
}

int bm_get(const struct sim_bitmap *b, size_t i)
{
	size_t w = i / 64;
	return w < b->nwords && (b->w[w] >> (i % 64)) & 1;
}

void bm_clear(struct sim_bitmap *b, size_t i)
{
	size_t w = i / 64;
	if (w < b->nwords)
		b->w[w] &= ~(1ull << (i % 64));
}

void bm_free(struct sim_bitmap *b)
{
	free(b->w);
	b->w = NULL;
	b->nwords = 0;
}

void subs_init(struct sim_subs *ss)
{
	memset(ss, 0, sizeof(*ss));
}

static void sub_reset(struct sim_sub *s)
{
	bm_free(&s->sel);
	bm_free(&s->dirty);
	free(s->dirty_list);
	memset(s, 0, sizeof(*s));
}

void subs_free(struct sim_subs *ss)
{
	for (int i = 0; i < EV_COUNT; i++)
		sub_reset(&ss->s[i]);
}

int subs_covers(const struct sim_sub *s, size_t idx)
{
	return s->active && (s->all || bm_get(&s->sel, idx));
}

int subs_lifecycle_covers(const struct sim_subs *ss, size_t idx)
{
	return subs_covers(&ss->s[EV_STATE], idx) || subs_covers(&ss->s[EV_STATE_BATCH], idx) ||
	       subs_covers(&ss->s[EV_READINGS_BATCH], idx);
}

int subs_any(const struct sim_subs *ss)
{
	for (int i = 0; i < EV_COUNT; i++)
		if (ss->s[i].active)
			return 1;
	return 0;
}

int subs_add(struct sim_subs *ss, const struct sim_req_item *it,
	     long (*idx_of)(void *ctx, uint32_t id), void *ctx, size_t n_trackers, uint32_t seq)
{
	(void)n_trackers;
	struct sim_sub *s = &ss->s[it->type];
	if (!s->active) {
		s->active = 1;
		s->emitted_seq = seq;
		s->rate_ms = 0;
	}
	if (it->all) {
		s->all = 1;
		bm_free(&s->sel);
	} else if (!s->all) {
		for (size_t i = 0; i < it->n_ids; i++) {
			long idx = idx_of(ctx, it->ids[i]);
			if (idx >= 0 && bm_set(&s->sel, (size_t)idx))
				return -1;
		}
	}
	if (it->rate_ms >= 0)
		s->rate_ms = it->rate_ms;
	s->compact = it->compact;
	s->flt = it->flt;
	return 0;
}

static int sub_empty(const struct sim_sub *s)
{
	if (s->all)
		return 0;
	for (size_t i = 0; i < s->sel.nwords; i++)
		if (s->sel.w[i])
			return 0;
	return 1;
}

void subs_remove(struct sim_subs *ss, const struct sim_req_item *it,
		 long (*idx_of)(void *ctx, uint32_t id), void *ctx, size_t n_trackers)
{
	struct sim_sub *s = &ss->s[it->type];
	if (!s->active)
		return;
	if (it->all) {
		sub_reset(s);
		return;
	}
	if (s->all) {
		for (size_t i = 0; i < n_trackers; i++)
			if (bm_set(&s->sel, i))
				return; /* out of memory: keep "all" */
		s->all = 0;
	}
	for (size_t i = 0; i < it->n_ids; i++) {
		long idx = idx_of(ctx, it->ids[i]);
		if (idx >= 0) {
			bm_clear(&s->sel, (size_t)idx);
			bm_clear(&s->dirty, (size_t)idx);
		}
	}
	if (sub_empty(s))
		sub_reset(s);
}

void subs_mark(struct sim_sub *s, size_t idx)
{
	if (!subs_covers(s, idx) || bm_get(&s->dirty, idx))
		return;
	if (s->n_dirty == s->cap_dirty) {
		size_t n = s->cap_dirty ? s->cap_dirty * 2 : 64;
		uint32_t *nl = realloc(s->dirty_list, n * sizeof(*nl));
		if (!nl)
			return;
		s->dirty_list = nl;
		s->cap_dirty = n;
	}
	if (bm_set(&s->dirty, idx))
		return;
	s->dirty_list[s->n_dirty++] = (uint32_t)idx;
}

int subs_due(const struct sim_sub *s, int64_t now_ms)
{
	return s->active && s->n_dirty > 0 && now_ms >= s->next_ms;
}

size_t subs_take(struct sim_sub *s, int64_t now_ms, uint32_t seq, const uint32_t **list,
		 uint32_t *since)
{
	size_t n = s->n_dirty;
	for (size_t i = 0; i < n; i++)
		bm_clear(&s->dirty, s->dirty_list[i]);
	*list = s->dirty_list;
	*since = s->emitted_seq;
	s->emitted_seq = seq;
	s->n_dirty = 0;
	s->next_ms = now_ms + s->rate_ms;
	return n;
}

void subs_snapshot_sent(struct sim_sub *s, int64_t now_ms)
{
	s->next_ms = now_ms + s->rate_ms;
}
