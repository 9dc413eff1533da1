/* SPDX-License-Identifier: MIT */
/*
 * shard.c - tracker ownership by id modulo the number of shards, and the
 * upstream part of the desired subscriptions (see shard.h).
 */
#include "shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number made only of digits, no sign or spaces; -1 if not. */
static long parse_count(const char *s, size_t len)
{
	long v = 0;
	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int n2m_shard_parse(const char *text, struct n2m_shard *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof *out);
	if (!text || !text[0])
		return 0;
	const char *slash = strchr(text, '/');
	long k = slash ? parse_count(text, (size_t)(slash - text)) : -1;
	long n = slash ? parse_count(slash + 1, strlen(slash + 1)) : -1;
	if (k < 0 || n < 0) {
		snprintf(why, whylen, "must be \"\" (not sharded) or \"k/n\", e.g. \"0/3\" (got \"%.40s\")",
			 text);
		return -1;
	}
	if (n < 1 || n > N2M_SHARD_MAX) {
		snprintf(why, whylen, "n must be between 1 and %d (got %ld)", N2M_SHARD_MAX, n);
		return -1;
	}
	if (k >= n) {
		snprintf(why, whylen, "k must be below n: shards are numbered 0..%ld (got %ld)",
			 n - 1, k);
		return -1;
	}
	out->k = (unsigned)k;
	out->n = (unsigned)n;
	return 0;
}

int n2m_shard_active(const struct n2m_shard *s)
{
	return s->n > 1;
}

int n2m_shard_owns(const struct n2m_shard *s, int64_t id)
{
	if (!n2m_shard_active(s))
		return 1;
	/* Tracker ids are positive; the cast keeps a bad one from giving a
	 * negative remainder that no shard would own. */
	return (uint64_t)id % s->n == s->k;
}

size_t n2m_shard_filter_list(const struct n2m_shard *s, struct nvx_tracker_list *list)
{
	size_t kept = 0, dropped = 0;

	for (size_t i = 0; i < list->n; i++) {
		struct nvx_tracker_info *t = &list->items[i];
		if (n2m_shard_owns(s, t->id)) {
			list->items[kept++] = *t;
			continue;
		}
		free(t->label);
		free(t->model);
		free(t->device_id);
		dropped++;
	}
	list->n = kept;
	return dropped;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int64_t *n2m_shard_sorted_ids(const struct nvx_tracker_list *list, size_t *n_out, int *nomem)
{
	*n_out = 0;
	*nomem = 0;
	if (list->n == 0)
		return NULL;
	int64_t *ids = malloc(list->n * sizeof *ids);
	if (!ids) {
		*nomem = 1;
		return NULL;
	}
	for (size_t i = 0; i < list->n; i++)
		ids[i] = list->items[i].id;
	qsort(ids, list->n, sizeof *ids, cmp_id);
	size_t n = 1;
	for (size_t i = 1; i < list->n; i++)
		if (ids[i] != ids[n - 1])
			ids[n++] = ids[i];
	*n_out = n;
	return ids;
}

int n2m_shard_ids_contain(const int64_t *ids, size_t n, int64_t id)
{
	return n && bsearch(&id, ids, n, sizeof *ids, cmp_id) != NULL;
}

int n2m_shard_sub(const struct n2m_shard *s, const struct n2m_sub *sub, const int64_t *owned,
		  size_t n_owned, int keep_all, struct n2m_sub *out)
{
	*out = *sub;
	out->ids = NULL;
	out->n_ids = out->cap_ids = 0;
	if (!n2m_shard_active(s) || (sub->all && keep_all)) {
		if (sub->all || !sub->n_ids)
			return 0;
		out->ids = malloc(sub->n_ids * sizeof *out->ids);
		if (!out->ids)
			return -1;
		memcpy(out->ids, sub->ids, sub->n_ids * sizeof *out->ids);
		out->n_ids = out->cap_ids = sub->n_ids;
		return 0;
	}
	const int64_t *from = sub->all ? owned : sub->ids;
	size_t n_from = sub->all ? n_owned : sub->n_ids;
	out->all = 0;
	if (n_from == 0)
		return 0;
	out->ids = malloc(n_from * sizeof *out->ids);
	if (!out->ids)
		return -1;
	for (size_t i = 0; i < n_from; i++)
		if (n2m_shard_owns(s, from[i]))
			out->ids[out->n_ids++] = from[i];
	out->cap_ids = n_from;
	return 0;
}

int n2m_shard_sub_set(const struct n2m_shard *s, const struct n2m_sub_set *set,
		      const int64_t *owned, size_t n_owned, struct n2m_sub_set *out)
{
	n2m_sub_set_init(out);
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++) {
		if (n2m_shard_sub(s, &set->subs[t], owned, n_owned, 0, &out->subs[t]) != 0) {
			n2m_sub_set_free(out);
			return -1;
		}
	}
	return 0;
}
