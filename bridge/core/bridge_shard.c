/* SPDX-License-Identifier: MIT */
/*
 * bridge_shard.c - scale-out glue (bridge_shard.h): the instance's topics,
 * the fleet and owned trackers, and what it subscribes upstream.
 */
#include "bridge_shard.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"

int bridge_shard_init(struct bridge *b, char *err, size_t errlen)
{
	struct n2m_bridge_scale *s = &b->scale;
	char why[200];

	if (n2m_shard_parse(b->cfg.bridge.shard, &s->shard, why, sizeof why) != 0) {
		snprintf(err, errlen, "bridge.shard: %s", why);
		return -1;
	}
	const char *name = b->cfg.bridge.instance;
	if (!name[0] && n2m_shard_active(&s->shard))
		name = b->cfg.mqtt.client_id;
	s->instance = strdup(name);
	if (!s->instance) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (s->instance[0])
		n2m_log(&b->log, N2M_LOG_INFO, "bridge.instance", "instance=%s shard=%u/%u",
			s->instance, s->shard.k, s->shard.n ? s->shard.n : 1);
	return 0;
}

void bridge_shard_free(struct bridge *b)
{
	struct n2m_bridge_scale *s = &b->scale;

	free(s->instance);
	free(s->fleet);
	free(s->owned_sent);
	memset(s, 0, sizeof *s);
}

void bridge_shard_tracker_list(struct bridge *b, struct nvx_tracker_list *list)
{
	struct n2m_bridge_scale *s = &b->scale;
	size_t n = 0;
	int nomem = 0;

	if (!n2m_shard_active(&s->shard))
		return;
	int64_t *fleet = n2m_shard_sorted_ids(list, &n, &nomem);
	/* On no memory the previous fleet stays: id checks stay as they were. */
	if (!nomem) {
		free(s->fleet);
		s->fleet = fleet;
		s->n_fleet = n;
	}
	size_t dropped = n2m_shard_filter_list(&s->shard, list);
	n2m_log(&b->log, N2M_LOG_INFO, "shard.trackers", "shard=%u/%u owned=%zu others=%zu",
		s->shard.k, s->shard.n, list->n, dropped);
}

int bridge_shard_have_list(const struct bridge *b)
{
	if (n2m_shard_active(&b->scale.shard))
		return b->scale.n_fleet > 0;
	return n2m_tracker_table_count(&b->trackers) > 0;
}

int bridge_shard_known(const struct bridge *b, int64_t id)
{
	if (n2m_shard_active(&b->scale.shard))
		return n2m_shard_ids_contain(b->scale.fleet, b->scale.n_fleet, id);
	return n2m_tracker_find(&b->trackers, id) != NULL;
}

int bridge_shard_answers(const struct bridge *b)
{
	/* A passive hot standby never answers: its active peer does. */
	if (bridge_standby_passive(b))
		return 0;
	return !n2m_shard_active(&b->scale.shard) || b->scale.shard.k == 0;
}

static int cmp_id(const void *a, const void *c)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)c;
	return (x > y) - (x < y);
}

/* The ids in the table (all owned), sorted; NULL with *n = 0 when empty
 * or on no memory (*nomem set). */
static int64_t *owned_ids(const struct bridge *b, size_t *n, int *nomem)
{
	size_t count = n2m_tracker_table_count(&b->trackers);

	*n = 0;
	*nomem = 0;
	if (!count)
		return NULL;
	int64_t *ids = malloc(count * sizeof *ids);
	if (!ids) {
		*nomem = 1;
		return NULL;
	}
	for (size_t i = 0; i < count; i++)
		ids[i] = n2m_tracker_table_at(&b->trackers, i)->id;
	qsort(ids, count, sizeof *ids, cmp_id);
	*n = count;
	return ids;
}

/* Remembers what was subscribed, so a refresh can tell new owned trackers. */
static void remember_sent(struct bridge *b, int64_t *owned, size_t n)
{
	free(b->scale.owned_sent);
	b->scale.owned_sent = owned;
	b->scale.n_owned_sent = n;
}

char *bridge_shard_request(struct bridge *b, enum nvx_request_action action, size_t *len,
			   char *err, size_t errlen)
{
	struct n2m_sub_set part;
	size_t n = 0;
	int nomem = 0;
	int64_t *owned = owned_ids(b, &n, &nomem);

	if (nomem || n2m_shard_sub_set(&b->scale.shard, &b->desired, owned, n, &part) != 0) {
		free(owned);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	char *text = nvx_request_build(action, b->hash, b->cfg.navixy.iso_datetime, &part, len,
				       err, errlen);
	n2m_sub_set_free(&part);
	if (action == NVX_REQ_SUBSCRIBE)
		remember_sent(b, owned, n);
	else
		free(owned);
	return text;
}

char *bridge_shard_request_one(struct bridge *b, enum nvx_request_action action,
			       const struct n2m_sub *sub, int keep_all, size_t *len,
			       char *err, size_t errlen)
{
	struct n2m_sub part;
	size_t n = 0;
	int nomem = 0;
	int64_t *owned = owned_ids(b, &n, &nomem);

	if (nomem || n2m_shard_sub(&b->scale.shard, sub, owned, n, keep_all, &part) != 0) {
		free(owned);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	free(owned);
	char *text = nvx_request_build_one(action, b->hash, b->cfg.navixy.iso_datetime, sub->type,
					   &part, len, err, errlen);
	free(part.ids);
	return text;
}

/* Sends one type's part in slices of N2M_SHARD_IDS_PER_MESSAGE ids. */
static long send_type(struct bridge *b, enum nvx_request_action action, const struct n2m_sub *part)
{
	long sent = 0;
	char err[200];

	for (size_t off = 0; off < part->n_ids; off += N2M_SHARD_IDS_PER_MESSAGE) {
		struct n2m_sub slice = *part;
		size_t len = 0;
		slice.ids = part->ids + off;
		slice.n_ids = part->n_ids - off < N2M_SHARD_IDS_PER_MESSAGE
			      ? part->n_ids - off : N2M_SHARD_IDS_PER_MESSAGE;
		slice.cap_ids = slice.n_ids;
		char *text = nvx_request_build_one(action, b->hash, b->cfg.navixy.iso_datetime,
						   part->type, &slice, &len, err, sizeof err);
		if (!text || n2m_upstream_send(&b->upstream, text, len) != 0) {
			n2m_log(&b->log, N2M_LOG_WARN, "upstream.no_request", "type=%s reason=\"%s\"",
				n2m_sub_type_name(part->type), text ? "not sent" : err);
			free(text);
			return -1;
		}
		free(text);
		sent += (long)len;
	}
	return sent;
}

long bridge_shard_send(struct bridge *b, enum nvx_request_action action)
{
	struct n2m_sub_set part;
	size_t n = 0;
	int nomem = 0;
	long sent = 0;
	int64_t *owned = owned_ids(b, &n, &nomem);
	if (nomem || n2m_shard_sub_set(&b->scale.shard, &b->desired, owned, n, &part) != 0) {
		free(owned);
		n2m_log(&b->log, N2M_LOG_ERROR, "upstream.no_request", "reason=\"out of memory\"");
		return -1;
	}
	for (int t = 0; t < N2M_SUB_TYPE_COUNT && sent >= 0; t++) {
		if (!part.subs[t].active)
			continue;
		long rc = send_type(b, action, &part.subs[t]);
		sent = rc < 0 ? -1 : sent + rc;
	}
	n2m_sub_set_free(&part);
	if (action == NVX_REQ_SUBSCRIBE)
		remember_sent(b, owned, n);
	else
		free(owned);
	return sent;
}

/* True if owned has an id that sent lacks (both sorted). */
static int has_new_id(const int64_t *owned, size_t n, const int64_t *sent, size_t n_sent)
{
	for (size_t i = 0; i < n; i++)
		if (!n2m_shard_ids_contain(sent, n_sent, owned[i]))
			return 1;
	return 0;
}

static void subscribe_new_owned(struct bridge *b)
{
	size_t n = 0;
	int nomem = 0;
	int64_t *owned = owned_ids(b, &n, &nomem);

	if (!has_new_id(owned, n, b->scale.owned_sent, b->scale.n_owned_sent)) {
		free(owned);
		return;
	}
	n2m_log(&b->log, N2M_LOG_INFO, "shard.new_trackers", "owned=%zu subscribed=%zu", n,
		b->scale.n_owned_sent);
	free(owned);
	long sent = bridge_shard_send(b, NVX_REQ_SUBSCRIBE);
	if (sent > 0)
		n2m_log(&b->log, N2M_LOG_INFO, "upstream.request", "action=subscribe bytes=%ld", sent);
}

void bridge_shard_refreshed(struct bridge *b)
{
	if (n2m_shard_active(&b->scale.shard) && n2m_upstream_is_connected(&b->upstream))
		subscribe_new_owned(b);
}
