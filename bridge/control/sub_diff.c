/* SPDX-License-Identifier: MIT */
/*
 * sub_diff.c - a desired-set change as control-plane steps (see
 * sub_diff.h).
 */
#include "sub_diff.h"

#include <stdlib.h>
#include <string.h>

static int contains(const struct n2m_sub *s, int64_t id)
{
	size_t lo = 0, hi = s->n_ids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->ids[mid] == id)
			return 1;
		if (s->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int same_options(const struct n2m_sub *a, const struct n2m_sub *b)
{
	return strcmp(a->rate_limit, b->rate_limit) == 0 && a->format == b->format &&
	       strcmp(a->sensor_type, b->sensor_type) == 0 &&
	       a->include_components == b->include_components;
}

/* A copy of s (ids too), or with `only` the ids of s not in `minus`. */
static int copy_step(struct n2m_sub_step *step, int unsubscribe, const struct n2m_sub *s,
		     const struct n2m_sub *minus)
{
	step->unsubscribe = unsubscribe;
	step->sub = *s;
	step->sub.ids = NULL;
	step->sub.n_ids = step->sub.cap_ids = 0;
	if (s->all || s->n_ids == 0)
		return 0;
	step->sub.ids = malloc(s->n_ids * sizeof *s->ids);
	if (!step->sub.ids)
		return -1;
	for (size_t i = 0; i < s->n_ids; i++)
		if (!minus || !contains(minus, s->ids[i]))
			step->sub.ids[step->sub.n_ids++] = s->ids[i];
	step->sub.cap_ids = s->n_ids;
	return 0;
}

/* The steps of one type; appends to steps at *n. */
static int diff_type(const struct n2m_sub *b, const struct n2m_sub *a,
		     struct n2m_sub_step *steps, size_t *n)
{
	int lists = b->active && a->active && !b->all && !a->all;
	int only_removed = lists && same_options(b, a);

	for (size_t i = 0; only_removed && i < a->n_ids; i++)
		only_removed = contains(b, a->ids[i]);
	if (b->active && (!a->active || (b->all && !a->all))) {
		if (copy_step(&steps[(*n)++], 1, b, NULL) != 0)
			return -1;
	} else if (lists) {
		if (copy_step(&steps[*n], 1, b, a) != 0)
			return -1;
		if (steps[*n].sub.n_ids > 0)
			(*n)++;
		else
			free(steps[*n].sub.ids);
	}
	if (a->active && !only_removed && copy_step(&steps[(*n)++], 0, a, NULL) != 0)
		return -1;
	return 0;
}

static int sub_equal(const struct n2m_sub *a, const struct n2m_sub *b)
{
	struct n2m_sub_set x, y;

	/* n2m_sub_set_equal compares whole sets: compare this type alone. */
	memset(&x, 0, sizeof x);
	memset(&y, 0, sizeof y);
	x.subs[0] = *a;
	y.subs[0] = *b;
	return n2m_sub_set_equal(&x, &y);
}

int n2m_sub_diff(const struct n2m_sub_set *before, const struct n2m_sub_set *after,
		 struct n2m_sub_step *steps, size_t *n)
{
	*n = 0;
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++) {
		if (sub_equal(&before->subs[t], &after->subs[t]))
			continue;
		if (diff_type(&before->subs[t], &after->subs[t], steps, n) != 0) {
			n2m_sub_steps_free(steps, *n);
			*n = 0;
			return -1;
		}
	}
	return 0;
}

void n2m_sub_steps_free(struct n2m_sub_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(steps[i].sub.ids);
}
