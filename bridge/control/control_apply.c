/* SPDX-License-Identifier: MIT */
/*
 * control_apply.c - applying control requests to the desired subscription
 * set and checking their tracker ids (see control_apply.h). No I/O.
 */
#include "error_text.h"
#include "control_apply.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* The request's targets with every option it left out taken from the
 * type's current subscription, so "add tracker 7" does not silently reset
 * a rate_limit set earlier. Borrows req's ids. */
static struct n2m_sub merged_request(const struct n2m_sub *current,
				     const struct n2m_ctl_request *req)
{
	struct n2m_sub m = req->sub;

	if (!current->active)
		return m;
	if (!(req->options & N2M_CTL_OPT_RATE_LIMIT))
		memcpy(m.rate_limit, current->rate_limit, sizeof m.rate_limit);
	if (!(req->options & N2M_CTL_OPT_FORMAT))
		m.format = current->format;
	if (!(req->options & N2M_CTL_OPT_SENSOR_TYPE))
		memcpy(m.sensor_type, current->sensor_type, sizeof m.sensor_type);
	if (!(req->options & N2M_CTL_OPT_INCLUDE_COMPONENTS))
		m.include_components = current->include_components;
	return m;
}

static int copy_sub(struct n2m_sub *dst, const struct n2m_sub *src)
{
	*dst = *src;
	dst->ids = NULL;
	dst->cap_ids = dst->n_ids;
	if (!src->n_ids)
		return 0;
	dst->ids = malloc(src->n_ids * sizeof *dst->ids);
	if (!dst->ids)
		return -1;
	memcpy(dst->ids, src->ids, src->n_ids * sizeof *dst->ids);
	return 0;
}

/* Replaces *set with *next when they differ; frees whichever is left over. */
static void commit(struct n2m_sub_set *set, struct n2m_sub_set *next, int *changed)
{
	*changed = !n2m_sub_set_equal(set, next);
	if (*changed) {
		n2m_sub_set_free(set);
		*set = *next;
	} else {
		n2m_sub_set_free(next);
	}
}

int n2m_ctl_apply_subscribe(struct n2m_sub_set *set, const struct n2m_ctl_request *req,
			    int *changed, struct n2m_sub *upstream, char *err, size_t errlen)
{
	enum n2m_sub_type type = req->sub.type;
	struct n2m_sub_set next;

	if ((unsigned)type >= N2M_SUB_TYPE_COUNT)
		return n2m_fail(err, errlen, "type: unknown subscription type");
	struct n2m_sub m = merged_request(&set->subs[type], req);
	if (n2m_sub_set_copy(&next, set) != 0 || n2m_sub_set_add(&next, &m) != 0) {
		n2m_sub_set_free(&next);
		return n2m_fail(err, errlen, "out of memory");
	}
	if (n2m_sub_validate(type, &next.subs[type], err, errlen) != 0) {
		n2m_sub_set_free(&next);
		return -1;
	}
	if (upstream && copy_sub(upstream, &next.subs[type]) != 0) {
		n2m_sub_set_free(&next);
		return n2m_fail(err, errlen, "out of memory");
	}
	commit(set, &next, changed);
	return 0;
}

int n2m_ctl_apply_unsubscribe(struct n2m_sub_set *set, const struct n2m_ctl_request *req,
			      int *changed, char *err, size_t errlen)
{
	enum n2m_sub_type type = req->sub.type;
	struct n2m_sub_set next;

	if ((unsigned)type >= N2M_SUB_TYPE_COUNT)
		return n2m_fail(err, errlen, "type: unknown subscription type");
	if (n2m_sub_set_copy(&next, set) != 0)
		return n2m_fail(err, errlen, "out of memory");
	int rc = n2m_sub_set_remove(&next, &req->sub);
	if (rc != 0) {
		n2m_sub_set_free(&next);
		if (rc < 0)
			return n2m_fail(err, errlen, "out of memory");
		return n2m_fail(err, errlen, "trackers: %s is subscribed for all trackers and Navixy "
			    "cannot exclude single ones; unsubscribe \"all\", then subscribe a list",
			    n2m_sub_type_name(type));
	}
	commit(set, &next, changed);
	return 0;
}

int n2m_ctl_check_ids(const struct n2m_ctl_request *req, const struct n2m_sub_set *set,
		      n2m_ctl_known_fn known, void *ctx, char *err, size_t errlen)
{
	const struct n2m_sub *sub = &req->sub;
	const struct n2m_sub *current = &set->subs[sub->type];
	int unsub = req->command == N2M_CTL_UNSUBSCRIBE;
	size_t n_unknown = 0, used = 0;
	char list[256] = "";

	if (sub->all || (unsigned)sub->type >= N2M_SUB_TYPE_COUNT)
		return 0;
	for (size_t i = 0; i < sub->n_ids; i++) {
		int64_t id = sub->ids[i];
		if (known(ctx, id) || (unsub && !current->all && n2m_sub_covers(current, id)))
			continue;
		if (n_unknown++ < N2M_CTL_UNKNOWN_IDS_SHOWN && used < sizeof list) {
			int w = snprintf(list + used, sizeof list - used, "%s%" PRId64,
					 used ? ", " : "", id);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	if (n_unknown == 0)
		return 0;
	if (n_unknown > N2M_CTL_UNKNOWN_IDS_SHOWN)
		return n2m_fail(err, errlen, "trackers: %zu unknown tracker ids: %s and %zu more (not in "
			    "the account's tracker list)", n_unknown, list,
			    n_unknown - N2M_CTL_UNKNOWN_IDS_SHOWN);
	return n2m_fail(err, errlen, "trackers: unknown tracker id%s %s (not in the account's "
		    "tracker list)", n_unknown > 1 ? "s" : "", list);
}

struct json_object *n2m_ctl_trackers_json(const struct n2m_sub *sub)
{
	if (sub->all)
		return json_object_new_string("all");
	struct json_object *arr = json_object_new_array_ext((int)sub->n_ids);
	for (size_t i = 0; arr && i < sub->n_ids; i++) {
		struct json_object *id = json_object_new_int64(sub->ids[i]);
		if (!id || json_object_array_add(arr, id) != 0) {
			json_object_put(id);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}
